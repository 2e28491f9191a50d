"""AppTest of the Home and Data pages: first start with the sample data, the empty state, the upload → preview →
import flow on a file with bad rows, refused files, and the Imports tab."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from paths import REPO

TIMEOUT = 60
BAD_ROWS = "bad_rows_mixed.csv"  # 60 tickets: 54 load, 6 are rejected with a reason (see ../shared/inputs/README.md)
IMPORT_TAB = 1  # Data page tabs: Upload, Imports, Priorities


def _app(page: str | None = None) -> AppTest:
    """Start from the entrypoint (navigation + first-start sample data), then switch page."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page)
        at.run()
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _as_int(value: str) -> int:
    return int(value.replace(",", ""))


def _upload(at: AppTest, inputs, name: str, mime: str = "text/csv") -> AppTest:
    at.file_uploader(key="uploads").set_value((name, (inputs / name).read_bytes(), mime))
    at.run()
    return at




# -- Home ------------------------------------------------------------------------------------------------------

def test_first_start_loads_the_sample_data_on_home(app_env):
    at = _app()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["SLA dashboard"]
    metrics = _metrics(at)
    assert set(metrics) == {"Tickets", "Open", "Sources", "Imports"}
    assert _as_int(metrics["Tickets"]) > 0
    assert _as_int(metrics["Sources"]) == 2  # zendesk + freshdesk sample exports
    assert _as_int(metrics["Imports"]) == 2
    assert 0 <= _as_int(metrics["Open"]) <= _as_int(metrics["Tickets"])
    assert not at.info and not at.error
    assert any(str(app_env) in c.value for c in at.caption), "the caption names the database in use"


def test_first_start_with_sample_data_is_not_repeated_on_rerun(app_env):
    at = _app()
    first = _metrics(at)
    at.run()
    assert not at.exception, at.exception
    assert _metrics(at) == first, "a rerun must not import the samples a second time"


def test_home_without_tickets_shows_the_empty_state(empty_app):
    at = _app()
    assert not at.exception, at.exception
    assert not at.metric, "no ticket metrics without tickets"
    assert [i.value for i in at.info] == [
        "No tickets yet. Upload a ticket export on the Data page to get started."
    ]
    links = at.get("page_link")
    assert links and "data" in links[0].proto.page, "the empty state links to the Data page"
    assert not at.error


# -- Data: upload → preview → import -------------------------------------------------------------------------

def test_data_upload_shows_preview_then_imports_with_rejected_rows(app_env, inputs):
    at = _app()
    tickets_before = _as_int(_metrics(at)["Tickets"])
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception, at.exception
    assert [t.label for t in at.tabs] == ["Upload", "Imports", "Priorities"]

    _upload(at, inputs, BAD_ROWS)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert BAD_ROWS in [s.value for s in at.subheader]
    summary = [m.value for m in at.markdown if "export," in m.value]
    assert summary and "60 rows" in summary[0] and "8 columns" in summary[0], summary
    preview = at.dataframe[0].value
    assert len(preview) == 10 and "Ticket ID" in preview.columns
    assert at.selectbox(key=f"fmt-0-{BAD_ROWS}").value == "auto"
    assert not at.success, "nothing is imported before the button is clicked"

    at.button(key=f"import-0-{BAD_ROWS}").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [f"Imported {BAD_ROWS}."]
    metrics = _metrics(at)
    assert metrics["New tickets"] == "54"
    assert metrics["Rejected rows"] == "6"
    assert metrics["Updated"] == "0"
    assert any("6 rows were rejected" in w.value for w in at.warning)
    rejected = next(df.value for df in at.dataframe if list(df.value.columns) == ["row_number", "reason", "raw"])
    assert len(rejected) == 6
    assert rejected["reason"].astype(str).str.len().gt(0).all(), "every rejected row says why"
    assert any(d.label == "Download rejected rows (CSV)" for d in at.get("download_button"))

    # The import shows up on the Imports tab, newest first, with its counts.
    imports = at.tabs[IMPORT_TAB].dataframe[0].value
    assert imports.iloc[0]["file_name"] == BAD_ROWS
    assert int(imports.iloc[0]["loaded"]) == 54 and int(imports.iloc[0]["rejected"]) == 6

    # And Home counts the new tickets on top of the sample data.
    at.switch_page("pages/home.py")
    at.run()
    assert not at.exception, at.exception
    home = _metrics(at)
    assert _as_int(home["Tickets"]) == tickets_before + 54
    assert _as_int(home["Imports"]) == 3


@pytest.mark.parametrize(
    "name, mime, says",
    [
        ("empty.csv", "text/csv", "is empty (0 bytes)"),
        ("pdf_renamed.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "is a PDF document"),
    ],
)
def test_data_refused_upload_shows_one_sentence(app_env, inputs, name, mime, says):
    at = _app("pages/data.py")
    before = at.tabs[IMPORT_TAB].dataframe[0].value
    _upload(at, inputs, name, mime)
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1, errors
    sentence = errors[0]
    assert sentence.startswith(name) and says in sentence, sentence
    assert sentence.endswith(".") and "\n" not in sentence and "Traceback" not in sentence
    assert not any(b.label == f"Import {name}" for b in at.button), "no Import button for a refused file"
    after = at.tabs[IMPORT_TAB].dataframe[0].value
    assert len(after) == len(before), "a refused file stores nothing"


# -- Data: Imports tab ------------------------------------------------------------------------------------------

def test_imports_tab_lists_the_sample_imports(app_env):
    at = _app("pages/data.py")
    assert not at.exception, at.exception
    tab = at.tabs[IMPORT_TAB]
    assert [i.value for i in tab.info] == [
        "The built-in sample data is loaded. Remove it once your own exports are in; targets stay."]
    imports = tab.dataframe[0].value
    assert len(imports) == 2
    assert set(imports["file_name"]) == {"zendesk_tickets.csv", "freshdesk_tickets.csv"}
    assert "sha256" not in imports.columns, "the hash is not shown"
    assert list(imports["import_id"]) == sorted(imports["import_id"], reverse=True), "newest first"
    assert imports["loaded"].astype(int).sum() > 0
    assert any("Select a row" in c.value for c in tab.caption)


def test_imports_tab_empty_state(empty_app):
    at = _app("pages/data.py")
    assert not at.exception, at.exception
    tab = at.tabs[IMPORT_TAB]
    assert [i.value for i in tab.info] == ["Nothing imported yet."]
    assert not tab.dataframe


def test_remove_sample_data_button_empties_the_store(app_env):
    at = _app("pages/data.py")
    from slacore.store import open_store

    at.button(key="remove-sample").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    tickets = open_store(app_env).scalar("SELECT count(*) FROM tickets")
    assert tickets > 0, "nothing is removed before the confirmation"
    assert any(f"Remove {tickets:,} sample tickets" in w.value for w in at.warning)
    at.button(key="remove-sample-no").click().run()
    assert open_store(app_env).scalar("SELECT count(*) FROM tickets") == tickets
    at.button(key="remove-sample").click().run()
    at.button(key="remove-sample-yes").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any(f"Removed {tickets:,} sample tickets and 2 sample imports" in s.value for s in at.success)

    store = open_store(app_env)
    assert store.scalar("SELECT count(*) FROM tickets") == 0
    assert store.scalar("SELECT count(*) FROM imports") == 0
    assert store.scalar("SELECT count(*) FROM targets") > 0, "targets stay"
