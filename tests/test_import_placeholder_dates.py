"""Placeholder dates: the many ways exports write "no date" in a time-stamp column.

In a response, resolution or update column such a value is empty (an unanswered or open ticket), not a ticket
"resolved before created": the ticket loads, and the import report counts the placeholders per column and names the
value found. In the creation column the row is rejected, with that reason. One test per form, in files written the
way the exporting tool writes them (CSV and XLSX).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import openpyxl
import pytest

from slacore import quality
from slacore.importers.pipeline import ImportOptions, import_file
from test_cli_import import cli, last_json
from apptest_helpers import shown

UTC = timezone.utc


def _csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _stamps(store, column: str) -> dict[str, object]:
    return dict(store.rows(f"SELECT ticket_id, {column} FROM tickets ORDER BY ticket_id"))


# Each exporter writes its real dates one way and its "no date" another: (placeholder, a real stamp in the same
# writing, a later real stamp, format hint). Tickets: 1 answered and resolved, 2 answered and still open, 3 resolved
# without an answer recorded, 4 neither.
FORMS = {
    # Excel's first day, a common default in exports from spreadsheets and reporting tools
    "excel-day-one": ("1900-01-01 00:00:00", "2025-03-14 09:15:00", "2025-03-14 16:40:00"),
    # Excel's day 0 written as a date
    "excel-day-zero": ("1899-12-30", "2025-03-14 09:15:00", "2025-03-14 16:40:00"),
    # MySQL's zero date (osTicket, OTRS and home-grown tools on MySQL)
    "mysql-zero-date": ("0000-00-00 00:00:00", "2025-03-14 09:15:00", "2025-03-14 16:40:00"),
    # epoch zero from an API dump (ISO with Z)
    "epoch-zero": ("1970-01-01T00:00:00Z", "2025-03-14T09:15:00Z", "2025-03-14T16:40:00Z"),
    # "end of time", date only and with the last second
    "end-of-time": ("9999-12-31", "2025-03-14 09:15:00", "2025-03-14 16:40:00"),
    "end-of-time-seconds": ("9999-12-31 23:59:59", "2025-03-14 09:15:00", "2025-03-14 16:40:00"),
    # .NET's DateTime.MinValue in a US-format export, date only and as DateTime.ToString() writes it
    "dotnet-min": ("01/01/0001", "03/14/2025 09:15 AM", "03/14/2025 04:40 PM"),
    "dotnet-min-tostring": ("1/1/0001 12:00:00 AM", "3/14/2025 9:15:00 AM", "3/14/2025 4:40:00 PM"),
    # Excel serial days exported as numbers: serial 0
    "excel-serial-zero": ("0", "45730.385417", "45730.694444"),
    # a German export's end of time
    "german-end-of-time": ("31.12.9999", "14.03.2025 09:15", "14.03.2025 16:40"),
    # SQL Server's smallest datetime
    "sql-server-min": ("1753-01-01 00:00:00.000", "2025-03-14 09:15:00.000", "2025-03-14 16:40:00.000"),
    # PostgreSQL's "never"
    "postgres-infinity": ("infinity", "2025-03-14 09:15:00+00", "2025-03-14 16:40:00+00"),
}


@pytest.mark.parametrize("form", FORMS)
def test_a_placeholder_in_the_response_resolution_and_update_columns_is_empty(store, tmp_path, form):
    none, created, later = FORMS[form]
    path = _csv(tmp_path / f"{form}.csv", "Ticket ID,Subject,Status,Priority,Created at,First response at,Resolved at,"
                "Updated at", [
                    f"1,Password reset,Solved,High,{created},{later},{later},{later}",
                    f"2,VPN drops,Open,Normal,{created},{later},{none},{later}",
                    f"3,Invoice copy,Solved,Low,{created},{none},{later},{none}",
                    f"4,New laptop,New,Low,{created},{none},{none},{none}",
                ])
    report = import_file(store, path)
    assert (report.loaded, report.rejected) == (4, 0), report.rejected_rows.to_dict("records")
    assert report.placeholders == {"first_response_at": {"rows": 2, "values": [none]},
                                   "resolved_at": {"rows": 2, "values": [none]},
                                   "updated_at": {"rows": 2, "values": [none]}}
    responses, resolutions = _stamps(store, "first_response_at"), _stamps(store, "resolved_at")
    assert [k for k, v in responses.items() if v is None] == ["3", "4"]
    assert [k for k, v in resolutions.items() if v is None] == ["2", "4"]
    assert store.scalar("SELECT count(*) FROM tickets WHERE updated_at IS NULL") == 2
    assert report.placeholder_lines()[1] == f"resolved_at: 2 placeholder dates ({none!r}), read as empty"
    # Data quality sees an open ticket and one resolved without a response, nothing before creation.
    counts = quality.summary(store).set_index("check")["tickets"]
    assert (counts["no_response"], counts["before_created"], counts["future"]) == (1, 0, 0)


@pytest.mark.parametrize("form", ["excel-day-one", "mysql-zero-date", "dotnet-min", "excel-serial-zero",
                                  "postgres-infinity"])
def test_a_placeholder_in_the_creation_column_rejects_the_row_naming_it(store, tmp_path, form):
    none, created, later = FORMS[form]
    path = _csv(tmp_path / f"{form}.csv", "Ticket ID,Subject,Created at,Resolved at", [
        f"1,Password reset,{created},{later}",
        f"2,VPN drops,{none},{later}",
    ])
    report = import_file(store, path)
    assert (report.loaded, report.rejected) == (1, 1)
    assert report.rejected_rows["reason"].tolist() == [f'placeholder created time (a "no date" value): {none}']
    assert report.placeholders == {"created_at": {"rows": 1, "values": [none]}}
    assert report.placeholder_lines() == [f"created_at: 1 placeholder date ({none!r}), rows rejected"]


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Asia/Kolkata"])
def test_placeholders_are_recognised_whatever_the_source_time_zone(store, tmp_path, zone):
    """A naive 1900-01-01 00:00 read in Berlin is 23:00 UTC the day before; epoch zero with a Z stays UTC."""
    path = _csv(tmp_path / "zoned.csv", "Ticket ID,Created at,First response at,Resolved at", [
        "1,2025-03-14 09:15:00,1900-01-01 00:00:00,1970-01-01T00:00:00Z",
        "2,2025-03-14 09:15:00,1970-01-01 00:00:00,9999-12-31 23:59:59",
    ])
    report = import_file(store, path, options=ImportOptions(timezone=zone))
    assert (report.loaded, report.rejected) == (2, 0), report.rejected_rows.to_dict("records")
    assert {f: p["rows"] for f, p in report.placeholders.items()} == {"first_response_at": 2, "resolved_at": 2}


def test_a_real_stamp_on_a_placeholder_day_is_not_a_placeholder(store, tmp_path):
    """Only midnight of a placeholder day is "no date": 08:30 on 1 Jan 1900 is a (wrong) time, judged as one."""
    path = _csv(tmp_path / "early.csv", "Ticket ID,Created at,Resolved at", [
        "1,2025-03-14 09:15:00,1900-01-01 08:30:00",
        "2,2025-03-14 09:15:00,1970-01-01 00:00:01",
        "3,2025-03-14 09:15:00,2025-03-14 10:00:00",  # one good row: a file with none is refused whole
    ])
    report = import_file(store, path)
    assert report.placeholders == {} and report.loaded == 1
    assert report.rejected_rows["reason"].tolist() == ["resolved time out of range: 1900-01-01 08:30:00 "
                                                       "(time stamps must fall in 1901-2198)",
                                                       "resolved before created"]


def test_a_far_future_stamp_loads_and_data_quality_flags_it(store, tmp_path):
    """2031 is after the export's own newest update (and after now): a wrong clock, not a placeholder."""
    path = _csv(tmp_path / "future.csv", "Ticket ID,Created at,Resolved at,Updated at", [
        "1,2025-03-14 09:15:00,2031-03-14 16:40:00,2025-03-15 08:00:00",
        "2,2025-03-14 09:15:00,2025-03-14 16:40:00,2025-03-14 16:40:00",
    ])
    report = import_file(store, path)
    assert (report.loaded, report.rejected, report.placeholders) == (2, 0, {})
    assert quality.check_tickets(store, "future")["ticket_id"].tolist() == ["1"]


def test_xlsx_placeholders_as_a_spreadsheet_holds_them(store, tmp_path):
    """Date cells holding 1900-01-01, day 0 (1899-12-30, or the number 0 formatted as a date: a spreadsheet reader
    shows both as a bare 00:00:00), 9999-12-31 23:59:59, and text cells with MySQL's zero date or `01/01/0001`."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tickets"
    ws.append(["Ticket ID", "Subject", "Created", "First response", "Resolved"])
    created, answered, solved = datetime(2025, 3, 14, 9, 15), datetime(2025, 3, 14, 9, 40), datetime(2025, 3, 14, 16)
    ws.append([1, "Password reset", created, answered, solved])
    ws.append([2, "VPN drops", created, answered, datetime(1900, 1, 1)])
    ws.append([3, "Invoice copy", created, datetime(1899, 12, 30), solved])
    ws.append([4, "New laptop", created, 0, datetime(9999, 12, 31, 23, 59, 59)])
    ws.cell(row=5, column=4).number_format = "yyyy-mm-dd hh:mm:ss"
    ws.append([5, "Printer jam", created, "0000-00-00 00:00:00", "01/01/0001"])
    path = tmp_path / "helpdesk.xlsx"
    wb.save(path)

    report = import_file(store, path)
    assert (report.loaded, report.rejected) == (5, 0), report.rejected_rows.to_dict("records")
    assert report.placeholders == {
        "first_response_at": {"rows": 3, "values": ["00:00:00", "0000-00-00 00:00:00"]},
        "resolved_at": {"rows": 3, "values": ["01/01/0001", "1900-01-01 00:00:00", "9999-12-31 23:59:59"]},
    }
    assert [k for k, v in _stamps(store, "first_response_at").items() if v is None] == ["3", "4", "5"]
    assert [k for k, v in _stamps(store, "resolved_at").items() if v is None] == ["2", "4", "5"]


def test_the_command_line_reports_placeholders_under_a_new_key_and_keeps_the_others(tmp_path):
    path = _csv(tmp_path / "osticket.csv", "Ticket Number,Subject,Created at,First response at,Resolved at", [
        "1001,Password reset,2025-03-14 09:15:00,2025-03-14 09:40:00,2025-03-14 16:00:00",
        "1002,VPN drops,2025-03-14 10:15:00,2025-03-14 10:40:00,0000-00-00 00:00:00",
        "1003,New laptop,2025-03-14 11:15:00,0000-00-00 00:00:00,0000-00-00 00:00:00",
    ])
    out = last_json(cli("import", path, "--db", tmp_path / "c.duckdb", "--json"))
    assert set(out) == {"loaded", "updated", "rejected", "format", "source", "import_id", "file", "rows_read",
                        "duplicates", "seconds", "mapping", "timestamp_formats", "notes", "placeholders",
                        "columns", "asked", "timezone", "timezone_from", "measured_as",  # the header matcher's keys
                        "kind"}  # added with the import kinds (slacore.kinds)
    assert (out["loaded"], out["rejected"]) == (3, 0)
    assert out["placeholders"] == {"first_response_at": {"rows": 1, "values": ["0000-00-00 00:00:00"]},
                                   "resolved_at": {"rows": 2, "values": ["0000-00-00 00:00:00"]}}
    human = cli("import", path, "--db", tmp_path / "c.duckdb")
    assert "placeholder dates: resolved_at: 2 placeholder dates ('0000-00-00 00:00:00'), read as empty" \
        in human.stdout
    clean = _csv(tmp_path / "clean.csv", "Ticket ID,Created at", ["1,2025-03-14 09:15:00"])
    assert json.loads(cli("import", clean, "--db", tmp_path / "d.duckdb", "--json").stdout.splitlines()[-1])[
        "placeholders"] == {}


def test_the_data_page_report_shows_a_line_per_column_with_placeholders(empty_app):
    from apptest_helpers import open_page

    name = "mysql_helpdesk.csv"
    body = ("Ticket ID,Subject,Created at,First response at,Resolved at\n"
            "1,Password reset,2025-03-14 09:15:00,2025-03-14 09:40:00,2025-03-14 16:00:00\n"
            "2,VPN drops,2025-03-14 10:15:00,2025-03-14 10:40:00,0000-00-00 00:00:00\n"
            "3,New laptop,2025-03-14 11:15:00,0000-00-00 00:00:00,0000-00-00 00:00:00\n").encode()
    at = open_page("pages/data.py")
    at.file_uploader(key="uploads").set_value((name, body, "text/csv"))
    at.run()
    at.button(key=f"import-0-{name}").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert {m.label: m.value for m in at.metric}["New tickets"] == "3"
    lines = [shown(c.value) for c in at.caption if c.value.startswith("Placeholder dates")]
    assert lines == [
        "Placeholder dates (the export's “no date”): first_response_at: 1 placeholder date "
        "('0000-00-00 00:00:00'), read as empty.",
        "Placeholder dates (the export's “no date”): resolved_at: 2 placeholder dates "
        "('0000-00-00 00:00:00'), read as empty.",
    ]


def test_an_update_stamp_outside_the_supported_years_is_ignored_not_a_rejection(store, tmp_path):
    """The update time only decides which of repeated rows is the latest: a wrong one drops, the ticket stays."""
    path = _csv(tmp_path / "updates.csv", "Ticket ID,Created at,Resolved at,Updated at", [
        "1,2025-03-14 09:15:00,2025-03-14 16:40:00,2300-01-01 00:00:00",
        "2,2025-03-14 09:15:00,2025-03-14 16:40:00,2025-03-14 16:40:00",
    ])
    report = import_file(store, path)
    assert (report.loaded, report.rejected, report.placeholders) == (2, 0, {})
    assert _stamps(store, "updated_at")["1"] is None
