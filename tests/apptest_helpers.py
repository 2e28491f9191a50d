"""Open a page of the app in Streamlit's AppTest, the way a user would: through app.py's navigation."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from paths import REPO

TIMEOUT = 120


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


def texts(at: AppTest) -> str:
    """Every markdown, caption, info, warning and error text on the page, one per line."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [w.value for w in at.warning] + [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)
