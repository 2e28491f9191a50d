"""Open a page of the app in Streamlit's AppTest, the way a user would (through app.py's navigation), and check it.

Every page body runs inside `pages.shared.guarded`, which turns an exception into an `st.error` sentence: right for
users, but `at.exception` then stays empty whatever breaks. So a test asserts with `assert_clean` (no exception AND
no error) or `assert_errors` (exactly these sentences), never with `at.exception` alone. As a safety net, the
`app_env` fixture fails a test whose AppTest ended on a page with an error or exception the test never read.
"""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from paths import REPO, SAMPLE

TIMEOUT = 120
UNEXPECTED = "could not be shown because of an unexpected error; it has been logged on the server."


def open_page(page: str | None = None, query: dict | None = None, timeout: int = TIMEOUT) -> AppTest:
    """Run app.py (with URL query parameters), then switch to `page` (a path such as 'pages/trends.py')."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def shown(markdown: str) -> str:
    """What a reader sees of a Markdown string the page built with `md_escape` (escapes and word joiners gone)."""
    from slacore.text import WORD_JOINER

    return re.sub(r"\\(.)", r"\1", str(markdown).replace(WORD_JOINER, ""))


def error_texts(at: AppTest) -> list[str]:
    """The error sentences on the page as a reader sees them; a test that reads them has checked them (see
    `unchecked_errors`)."""
    at._errors_checked = True
    return [shown(e.value) for e in at.error]


def _exceptions(at: AppTest) -> list[str]:
    return [f"{e.proto.message}\n" + "\n".join(e.stack_trace) for e in at.exception]


def assert_clean(at: AppTest) -> AppTest:
    """No exception and no error sentence on the page (the guard hides failures as `st.error`)."""
    assert not at.exception, "exception on the page:\n" + "\n".join(_exceptions(at))
    assert not at.error, "error on the page (a failure caught by the guard?):\n" + "\n".join(error_texts(at))
    return at


def assert_errors(at: AppTest, expected: list[str]) -> AppTest:
    """No exception, and exactly these error sentences (in order)."""
    assert not at.exception, "exception on the page:\n" + "\n".join(_exceptions(at))
    assert error_texts(at) == expected, f"error sentences differ: {error_texts(at)!r} != {expected!r}"
    return at


def metrics(at: AppTest) -> dict[str, str]:
    """Metric label -> displayed value."""
    return {m.label: m.value for m in at.metric}


def as_int(value: str) -> int:
    return int(str(value).replace(",", ""))


def charts(at: AppTest) -> list:
    # Streamlit 1.67 names the element "vega_lite_chart" (older releases: "arrow_vega_lite_chart").
    return at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")


def texts(at: AppTest) -> str:
    """Every markdown, caption, info, warning and error text on the page, one per line."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [w.value for w in at.warning] + [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)


def sample_csv(sql: str) -> list[tuple]:
    """Run SQL over the raw sample exports with a fresh DuckDB connection (an independent count: none of the
    app's import code). The query names them as `zendesk` and `freshdesk` (all columns as text)."""
    import duckdb

    con = duckdb.connect()
    try:
        for name in ("zendesk", "freshdesk"):
            path = str(SAMPLE / f"{name}_tickets.csv").replace("'", "''")
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_csv('{path}', all_varchar = true)")
        return con.execute(sql).fetchall()
    finally:
        con.close()


# -- fixtures' plumbing (tests/conftest.py `app_env`) ------------------------------------------------------------

def always_through_app_py(monkeypatch) -> None:
    """Run every AppTest rerun through app.py, as a served app does after its first run.

    AppTest resets `PagesManager.uses_pages_directory` before each run, and with a `pages/` folder beside app.py
    Streamlit then runs the page file on its own (the old pages-directory mode): no start-up guard, no navigation.
    A server clears that mode for good on its first run (`st.navigation`, and pages.shared for a deep link)."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


def watch_runs(monkeypatch) -> list[AppTest]:
    """Record every AppTest that runs during the test (also reruns from widgets), for `unchecked_errors`."""
    runs: list[AppTest] = []
    original = AppTest._run

    def run(self, *args, **kwargs):
        self._errors_checked = False
        if not any(r is self for r in runs):
            runs.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(AppTest, "_run", run)
    return runs


def unchecked_errors(runs: list[AppTest]) -> list[str]:
    """Errors and exceptions the last run of each AppTest left on its page that the test never read: a safety net
    for a test that forgot `assert_clean`, so the guard cannot hide a failure."""
    problems = []
    for at in runs:
        if getattr(at, "_errors_checked", False) or at._tree is None:
            continue
        problems += _exceptions(at) + [str(e.value) for e in at.error]
    return problems
