"""The awkward files of ../shared/inputs, each handled as its README says (in-process; the CLI contract is in
test_cli_import.py)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from slacore.errors import UserError
from slacore.importers.pipeline import ImportOptions, import_file, rejected_rows

UTC = timezone.utc


def _tickets(store, source=None):
    sql = "SELECT * FROM tickets" + (" WHERE source = ?" if source else "") + " ORDER BY ticket_id"
    return store.query(sql, [source] if source else None)


def _nothing_stored(store):
    assert store.scalar("SELECT count(*) FROM tickets") == 0
    assert store.scalar("SELECT count(*) FROM imports") == 0
    assert store.scalar("SELECT count(*) FROM rejected_rows") == 0


def test_bad_rows_mixed_loads_54_and_rejects_6_with_reasons(store, inputs):
    report = import_file(store, inputs / "bad_rows_mixed.csv")
    assert (report.loaded, report.updated, report.rejected, report.rows_read) == (54, 0, 6, 60)
    assert store.scalar("SELECT count(*) FROM tickets") == 54
    rej = rejected_rows(store, report.import_id)
    # spreadsheet row numbers (the header is row 1)
    assert rej["row_number"].tolist() == [5, 7, 25, 27, 45, 47]
    reasons = rej.set_index("row_number")["reason"]
    assert [reasons[r] for r in (5, 25, 45)] == ["resolved before created"] * 3
    for r in (7, 27, 47):
        assert reasons[r].startswith("unreadable created time") and "31/02/2025 25:00" in reasons[r]
    raw = json.loads(rej.set_index("row_number").loc[7, "raw"])
    assert raw["Ticket ID"] == "505" and raw["Created time"] == "31/02/2025 25:00"
    # the rejected ids are not stored, the others are
    ids = set(_tickets(store)["ticket_id"])
    assert not ids & {"503", "505", "523", "525", "543", "545"}
    assert {"500", "559"} <= ids


def test_duplicate_ids_keep_the_last_row_and_count_the_repeats(store, inputs):
    report = import_file(store, inputs / "duplicate_ids.csv")
    assert (report.loaded, report.rejected, report.duplicates) == (1, 0, 2)
    t = _tickets(store)
    assert len(t) == 1 and t.loc[0, "ticket_id"] == "42"
    assert t.loc[0, "created_at"] == datetime(2025, 5, 3, 9, 0, tzinfo=UTC)
    assert any("repeated" in n for n in report.notes)
    assert store.scalar("SELECT duplicates FROM imports WHERE import_id = ?", [report.import_id]) == 2


def test_bom_crlf_quoted_newline_keeps_the_subject_intact(store, inputs):
    report = import_file(store, inputs / "bom_crlf_quoted_newlines.csv")
    assert (report.loaded, report.rejected) == (1, 0)
    assert report.mapping["ticket_id"] == "Ticket ID"  # the BOM is not part of the first header
    t = _tickets(store)
    subject = t.loc[0, "subject"]
    assert subject.startswith("first line") and subject.endswith("second line, with comma")
    assert "\n" in subject
    assert t.loc[0, "team"] == 'Team "A"'
    assert t.loc[0, "ticket_id"] == "1"
    assert t.loc[0, "first_response_at"] == datetime(2025, 3, 1, 9, 10, tzinfo=UTC)


def test_german_excel_semicolon_cp1252_day_first_in_berlin(store, inputs):
    report = import_file(store, inputs / "german_excel_semicolon_cp1252.csv",
                         options=ImportOptions(timezone="Europe/Berlin"))
    assert (report.loaded, report.rejected) == (40, 0)
    assert "day first" in report.timestamp_formats["created_at"]
    t = _tickets(store).set_index("ticket_id")
    assert set(t["priority"]) == {"high"} and set(t["priority_raw"]) == {"2 - Hoch"}
    # 01.03.2025 08:00 in Berlin (CET, +01:00) is 07:00 UTC; 28.03. is day-first (there is no month 28)
    assert t.loc["INC1000", "created_at"] == datetime(2025, 3, 1, 7, 0, tzinfo=UTC)
    assert t.loc["INC1027", "created_at"] == datetime(2025, 3, 28, 7, 27, tzinfo=UTC)
    assert t.loc["INC1039", "created_at"] == datetime(2025, 3, 12, 7, 39, tzinfo=UTC)
    assert t.loc["INC1000", "resolved_at"] == datetime(2025, 3, 1, 15, 45, tzinfo=UTC)
    assert t.loc["INC1000", "subject"] == "Drucker geht nicht – Größe ändern"  # cp1252 decoded, en dash too
    assert t.loc["INC1000", "team"] == "Service Desk"


def test_jira_style_dates_and_highest_is_urgent(store, inputs):
    report = import_file(store, inputs / "jira_style_dates.csv")
    assert (report.loaded, report.rejected, report.format) == (30, 0, "jira")
    t = _tickets(store).set_index("ticket_id")
    assert t.loc["SUP-100", "priority_raw"] == "Highest" and t.loc["SUP-100", "priority"] == "urgent"
    assert set(t.loc[t["priority_raw"] == "Medium", "priority"]) == {"normal"}
    assert t.loc["SUP-100", "created_at"] == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    assert t.loc["SUP-100", "resolved_at"] == datetime(2025, 3, 1, 16, 30, tzinfo=UTC)
    assert t.loc["SUP-127", "created_at"] == datetime(2025, 3, 28, 9, 27, tzinfo=UTC)


def test_month_first_us_detected_from_the_data(store, inputs):
    report = import_file(store, inputs / "month_first_us.csv")
    assert (report.loaded, report.rejected) == (29, 0)
    assert "month first" in report.timestamp_formats["created_at"]
    t = _tickets(store).set_index("ticket_id")
    assert t.loc["1", "created_at"] == datetime(2025, 3, 2, 14, 15, tzinfo=UTC)  # March 2nd, not February 3rd
    assert t.loc["13", "created_at"] == datetime(2025, 3, 14, 14, 15, tzinfo=UTC)
    assert t.loc["1", "resolved_at"] == datetime(2025, 3, 2, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize("name, words", [
    ("empty.csv", "empty"),
    ("header_only.csv", "no tickets"),
    ("random_bytes.csv", "binary"),
    ("pdf_renamed.xlsx", "PDF"),
])
def test_files_that_cannot_be_tickets_are_refused_and_nothing_is_stored(store, inputs, name, words):
    with pytest.raises(UserError) as info:
        import_file(store, inputs / name)
    message = str(info.value)
    assert words in message
    assert "\n" not in message and message.endswith(".")
    _nothing_stored(store)
