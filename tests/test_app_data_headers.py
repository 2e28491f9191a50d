"""AppTest of the Data page on a file with decorated headers: each field shown with its column and how sure the
match is, an unsure match asked (and used only once confirmed), the zone a header names proposed and changeable,
and what first-response targets measure when the file has no first-response column."""

from __future__ import annotations

from datetime import datetime, timezone

from streamlit.testing.v1 import AppTest

from paths import REPO

NAME = "decorated.csv"
DATA = (b"Request_No,Date opened (CET),Resolved (CET),Priority level\n"
        b"R1,2025-01-15 10:00:00,2025-01-15 12:00:00,High\n")


def _upload() -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/data.py")
    at.run()
    at.file_uploader(key="uploads").set_value((NAME, DATA, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def _stored(db_path):
    from slacore.store import open_store

    return open_store(db_path).query(
        "SELECT created_at, priority, priority_raw FROM tickets WHERE source = 'generic'")


def test_mapped_fields_show_their_column_and_how_sure(empty_app):
    at = _upload()
    mapped = next(c.value for c in at.caption if "fields mapped" in c.value)
    assert "created_at ← “Date opened (CET)” (95% sure)" in mapped and "ticket_id ← “Request_No” (80% sure)" in mapped
    table = next(df.value for df in at.dataframe if "sure" in df.value.columns).set_index("field")
    assert table.loc["created_at", "column"] == "Date opened (CET)" and table.loc["created_at", "sure"] == "95%"
    assert "(CET)" in table.loc["created_at", "why"]
    assert table.loc["priority", "column"] == "" and table.loc["priority", "sure"] == "50%, asked"
    info = [i.value for i in at.info]
    assert any("no first-response column" in i and "resolution as its first response" in i for i in info), info


def test_an_unsure_column_is_asked_and_used_once_confirmed(empty_app):
    at = _upload()
    assert any("Not sure about “Priority level”" in w.value for w in at.warning)
    box = at.checkbox(key=f"ask-0-{NAME}-priority")
    assert box.label == "Use the column “Priority level” as priority" and box.value is False
    box.check()
    at.run()
    at.button(key=f"import-0-{NAME}").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [f"Imported {NAME}."]
    assert {m.label: m.value for m in at.metric}["New tickets"] == "1"
    t = _stored(empty_app)
    assert (t.loc[0, "priority_raw"], t.loc[0, "priority"]) == ("High", "high")
    # the zone the headers name: 10:00 CET is 09:00 UTC
    assert t.loc[0, "created_at"] == datetime(2025, 1, 15, 9, 0, tzinfo=timezone.utc)
    assert any("time zone Europe/Berlin" in c.value for c in at.caption)


def test_unconfirmed_it_is_not_used_and_the_proposed_zone_can_be_changed(empty_app):
    at = _upload()
    zone = at.selectbox(key=f"tz-0-{NAME}")
    assert zone.value == "Europe/Berlin" and "“Date opened (CET)”" in zone.label
    zone.set_value("UTC")
    at.run()
    at.button(key=f"import-0-{NAME}").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    t = _stored(empty_app)
    assert t.loc[0, "priority_raw"] is None  # asked, not assumed
    assert t.loc[0, "created_at"] == datetime(2025, 1, 15, 10, 0, tzinfo=timezone.utc)
