"""AppTest of the Home and Data pages: first start with the sample data, the empty state, the upload → preview →
import flow on a file with bad rows, refused files, and the Imports tab."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import as_int as _as_int, assert_clean, assert_errors, charts, metrics as _metrics, open_page
from apptest_helpers import sample_csv

TIMEOUT = 60
BAD_ROWS = "bad_rows_mixed.csv"  # 60 tickets: 54 load, 6 are rejected with a reason (see ../shared/inputs/README.md)
IMPORT_TAB = 1  # Data page tabs: Upload, Imports, Priorities
# Counted in the raw sample exports with DuckDB alone (no import code): tickets, and tickets without a resolution.
SAMPLE_TICKETS, SAMPLE_OPEN = sample_csv("""
    SELECT (SELECT count(*) FROM zendesk) + (SELECT count(*) FROM freshdesk),
           (SELECT count(*) FROM zendesk WHERE "Solved at" IS NULL)
           + (SELECT count(*) FROM freshdesk WHERE "Resolved time" IS NULL)""")[0]
SAMPLE_FIRST, SAMPLE_LAST = sample_csv("""
    SELECT min(c)[:10], max(c)[:10] FROM (SELECT "Created at" AS c FROM zendesk
                                          UNION ALL SELECT "Created time" FROM freshdesk)""")[0]


def _app(page: str | None = None) -> AppTest:
    """Start from the entrypoint (navigation + first-start sample data), then switch page."""
    at = open_page(timeout=TIMEOUT)
    assert_clean(at)
    if page:
        at.switch_page(page)
        at.run()
    return at


def _ticket_count(db_path) -> int:
    from slacore.store import open_store

    return open_store(db_path).scalar("SELECT count(*) FROM tickets")


def _store(db_path):
    from slacore.store import open_store

    return open_store(db_path)


def _upload(at: AppTest, inputs, name: str, mime: str = "text/csv") -> AppTest:
    at.file_uploader(key="uploads").set_value((name, (inputs / name).read_bytes(), mime))
    at.run()
    return at


# -- Home ------------------------------------------------------------------------------------------------------

def test_first_start_loads_the_sample_data_on_home(app_env):
    at = _app()
    assert [t.value for t in at.title] == ["SLA dashboard"]
    store = _store(app_env)
    answered, outages, services = store.rows(
        "SELECT (SELECT count(*) FILTER (WHERE answered) FROM surveys), (SELECT count(*) FROM incidents), "
        "(SELECT count(DISTINCT service) FROM incidents)")[0]
    assert answered > 0 and outages > 0 and services == 4
    assert _metrics(at) == {"Tickets": f"{SAMPLE_TICKETS:,}", "Open": f"{SAMPLE_OPEN:,}",
                            "Sources": "2", "Imports": "4",  # zendesk + freshdesk, the survey export, the outage log
                            "Survey responses": f"{answered:,}", "Outages": f"{outages:,}", "Services": "4",
                            "Monitor checks": "0"}
    assert not at.info
    caption = next(c.value for c in at.caption if str(app_env) in c.value)  # names the database in use
    assert caption.startswith(f"Tickets created from {SAMPLE_FIRST} to {SAMPLE_LAST} (UTC).")
    titles = [json.loads(c.proto.spec).get("title") for c in charts(at)]
    assert titles == ["Tickets created per week", "By priority", "By channel"]
    # The five promises over the last 30 days, in the registry's order, each as the summary computes it.
    from datetime import timedelta

    from slacore.metrics import summarize
    from slacore.scope import default_as_of

    promises = next(d.value for d in at.dataframe if "promise" in d.value.columns)
    as_of = default_as_of(store)
    expected = summarize(store, (as_of - timedelta(days=29)).date(), as_of.date(), as_of).set_index("name")
    assert set(promises["promise"]) == {"First response", "Resolution", "CSAT", "First contact resolution", "Uptime"}
    assert list(promises["promise"]).index("CSAT") > list(promises["promise"]).index("Resolution")
    for row in promises.to_dict("records"):
        got = expected.loc[row["target"]]
        assert row["status"] == {True: "met", False: "missed", None: "nothing decided"}[got["goal_met"]]
    uptime = promises[promises["promise"] == "Uptime"].iloc[0]
    assert uptime["shown"].count(".") == 1 and len(uptime["shown"].split(".")[1]) == 4  # 99.953%: three decimals


def test_first_start_with_sample_data_is_not_repeated_on_rerun(app_env):
    at = _app()
    first = _metrics(at)
    at.run()
    assert_clean(at)
    assert _metrics(at) == first, "a rerun must not import the samples a second time"
    assert _ticket_count(app_env) == SAMPLE_TICKETS


def test_home_without_tickets_shows_the_empty_state(empty_app):
    at = _app()
    assert not at.metric, "no ticket metrics without tickets"
    assert not charts(at)
    assert [i.value for i in at.info] == [
        "No tickets yet. Upload a ticket export on the Data page to get started."
    ]
    links = at.get("page_link")
    assert links and "data" in links[0].proto.page, "the empty state links to the Data page"


# -- Data: upload → preview → import -------------------------------------------------------------------------

def test_data_upload_shows_preview_then_imports_with_rejected_rows(app_env, inputs):
    at = _app()
    tickets_before = _as_int(_metrics(at)["Tickets"])
    at.switch_page("pages/data.py")
    at.run()
    assert_clean(at)
    assert [t.label for t in at.tabs] == ["Upload", "Imports", "Priorities"]

    _upload(at, inputs, BAD_ROWS)
    assert_clean(at)
    assert BAD_ROWS in [s.value for s in at.subheader]
    summary = [m.value for m in at.markdown if "export," in m.value]
    assert summary and "60 rows" in summary[0] and "8 columns" in summary[0], summary
    preview = at.dataframe[0].value
    assert len(preview) == 10 and "Ticket ID" in preview.columns
    assert at.selectbox(key=f"fmt-0-{BAD_ROWS}").value == "auto"
    assert not at.success, "nothing is imported before the button is clicked"
    assert _ticket_count(app_env) == tickets_before

    at.button(key=f"import-0-{BAD_ROWS}").click()
    at.run()
    assert_clean(at)
    assert [s.value for s in at.success] == [f"Imported {BAD_ROWS}."]
    assert _metrics(at) == {"New tickets": "54", "Updated": "0", "Rejected rows": "6", "Repeated ids": "0"}
    assert _ticket_count(app_env) == tickets_before + 54
    assert [w.value for w in at.warning] == ["6 rows were rejected; the other rows were imported."]
    rejected = next(df.value for df in at.dataframe if list(df.value.columns) == ["row_number", "reason", "raw"])
    assert len(rejected) == 6
    assert rejected["reason"].astype(str).str.len().gt(0).all(), "every rejected row says why"
    assert any(d.label == "Download rejected rows (CSV)" for d in at.get("download_button"))

    # The import shows up on the Imports tab, newest first, with its counts.
    imports = at.tabs[IMPORT_TAB].dataframe[0].value
    assert len(imports) == 5  # the four sample imports (two ticket exports, surveys, outages) and this one
    assert imports.iloc[0]["file_name"] == BAD_ROWS and imports.iloc[0]["kind"] == "tickets"
    assert int(imports.iloc[0]["loaded"]) == 54 and int(imports.iloc[0]["rejected"]) == 6

    # And Home counts the new tickets on top of the sample data.
    at.switch_page("pages/home.py")
    at.run()
    assert_clean(at)
    home = _metrics(at)
    assert _as_int(home["Tickets"]) == tickets_before + 54
    assert _as_int(home["Imports"]) == 5  # with the sample survey export and outage log


@pytest.mark.parametrize(
    "name, mime, sentence",
    [
        ("empty.csv", "text/csv", "empty.csv is empty (0 bytes); export the tickets again and upload the new file."),
        ("pdf_renamed.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "pdf_renamed.xlsx is a PDF document, not a ticket export; export the tickets as CSV or XLSX."),
    ],
)
def test_data_refused_upload_shows_one_sentence(app_env, inputs, name, mime, sentence):
    at = _app("pages/data.py")
    assert_clean(at)
    before = at.tabs[IMPORT_TAB].dataframe[0].value
    _upload(at, inputs, name, mime)
    assert_errors(at, [sentence])
    assert not any(b.label == f"Import {name}" for b in at.button), "no Import button for a refused file"
    after = at.tabs[IMPORT_TAB].dataframe[0].value
    assert len(after) == len(before) == 4, "a refused file stores nothing"
    assert _ticket_count(app_env) == SAMPLE_TICKETS


# -- Data: Imports tab ------------------------------------------------------------------------------------------

def test_imports_tab_lists_the_sample_imports(app_env):
    at = assert_clean(_app("pages/data.py"))
    tab = at.tabs[IMPORT_TAB]
    assert [i.value for i in tab.info] == [
        "The built-in sample data is loaded. Remove it once your own exports are in; targets stay."]
    imports = tab.dataframe[0].value
    assert len(imports) == 4
    assert set(imports["file_name"]) == {"zendesk_tickets.csv", "freshdesk_tickets.csv", "csat_survey.csv",
                                         "outages.csv"}
    assert dict(zip(imports["file_name"], imports["kind"]))["csat_survey.csv"] == "surveys"
    assert "sha256" not in imports.columns, "the hash is not shown"
    assert list(imports["import_id"]) == sorted(imports["import_id"], reverse=True), "newest first"
    assert imports[imports["kind"] == "tickets"]["loaded"].astype(int).sum() == SAMPLE_TICKETS
    assert imports[imports["kind"] == "surveys"]["loaded"].astype(int).sum() == 2500
    assert imports[imports["kind"] == "incidents"]["loaded"].astype(int).sum() == 40  # sample_data/outages.csv
    assert imports["rejected"].astype(int).sum() == 0
    assert any("Select a row" in c.value for c in tab.caption)


def test_imports_tab_empty_state(empty_app):
    at = assert_clean(_app("pages/data.py"))
    tab = at.tabs[IMPORT_TAB]
    assert [i.value for i in tab.info] == ["Nothing imported yet."]
    assert not tab.dataframe


def test_remove_sample_data_button_empties_the_store(app_env):
    at = _app("pages/data.py")
    from slacore.store import open_store

    at.button(key="remove-sample").click().run()
    assert_clean(at)
    tickets = open_store(app_env).scalar("SELECT count(*) FROM tickets")
    assert tickets > 0, "nothing is removed before the confirmation"
    assert any(f"Remove {tickets:,} sample tickets" in w.value for w in at.warning)
    at.button(key="remove-sample-no").click().run()
    assert open_store(app_env).scalar("SELECT count(*) FROM tickets") == tickets
    at.button(key="remove-sample").click().run()
    at.button(key="remove-sample-yes").click().run()
    assert_clean(at)
    assert any(f"Removed {tickets:,} sample tickets, 2,500 sample survey responses and 4 sample imports" in s.value
               for s in at.success)
    assert [i.value for i in at.tabs[IMPORT_TAB].info] == ["Nothing imported yet."]

    store = open_store(app_env)
    assert store.scalar("SELECT count(*) FROM tickets") == 0
    assert store.scalar("SELECT count(*) FROM incidents") == 0, "the sample outages go with them"
    assert store.scalar("SELECT count(*) FROM surveys") == 0
    assert store.scalar("SELECT count(*) FROM imports") == 0
    assert store.scalar("SELECT count(*) FROM targets") > 0, "targets stay"


def test_removed_sample_data_stays_removed_after_a_restart(app_env):
    import streamlit as st

    at = _app("pages/data.py")
    at.button(key="remove-sample").click().run()
    at.button(key="remove-sample-yes").click().run()
    assert_clean(at)
    st.cache_data.clear()
    st.cache_resource.clear()  # what a server restart forgets
    at = _app()
    assert not at.metric
    assert [i.value for i in at.info] == ["No tickets yet. Upload a ticket export on the Data page to get started."]
    assert _ticket_count(app_env) == 0
