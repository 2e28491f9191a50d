"""The review pack as its reader opens it: Excel numbers equal `summary --json`, ticket text is never a formula,
the HTML report makes no external request; and `python -m slacore report` for scheduled reports."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import openpyxl
import pytest

from slacore import reviews
from slacore.cli import main
from slacore.review_figures import compute_snapshot
from slacore.review_pack import html_report, workbook_bytes
from slacore.targets import build_target, save_target
from ticketdata import add_tickets, tk, u


@pytest.fixture
def desk(store):
    save_target(store, build_target("Fast reply", "first_response", "1h", "90%"), author="t")
    save_target(store, build_target("Resolved in a day", "resolution", "24h", "80%"), author="t")
    rows = []
    for day in range(1, 29):
        late = day % 3 == 0
        rows.append(tk(f"a{day}", u(2025, 1, day, 9), fr=u(2025, 1, day, 11 if late else 9, 30),
                       rs=u(2025, 1, day + 1 if day < 28 else day, 8), team="+1-2" if day % 2 else "Tier 1",
                       subject='=HYPERLINK("http://x","y")' if day % 3 == 0 else "@SUM(1+1)",
                       customer=" =cmd" if day == 3 else "ACME"))
    add_tickets(store, *rows)
    return store


def _summary_json(db_path, capsys, *extra) -> dict:
    capsys.readouterr()
    assert main(["summary", "--db", str(db_path), "--from", "2025-01-01", "--to", "2025-01-28",
                 "--as-of", "2025-02-01T00:00:00Z", "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def _table(ws) -> list[dict]:
    rows = list(ws.iter_rows(min_row=5, values_only=True))
    header = rows[0]
    return [dict(zip(header, r)) for r in rows[1:] if any(v is not None for v in r)]


def test_workbook_numbers_equal_summary_json(desk, db_path, tmp_path, capsys):
    out = tmp_path / "pack.xlsx"
    capsys.readouterr()
    assert main(["report", "--db", str(db_path), "--from", "2025-01-01", "--to", "2025-01-28", "--as-of",
                 "2025-02-01T00:00:00Z", "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["path"] == str(out.resolve())
    summary = _summary_json(db_path, capsys)
    assert printed["summary"] == summary
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "Trend", "Breaches", "Data quality", "Notes & actions", "Charts"]
    ws = wb["Summary"]
    assert ws.freeze_panes == "A6" and ws.auto_filter.ref.startswith("A5:")
    assert ws["A5"].font.bold
    for sheet in wb.worksheets:
        assert "Period 2025-01-01 to 2025-01-28" in sheet["A2"].value
        assert sheet["A3"].value == "Scope: all tickets"
    rows = {r["Target"]: r for r in _table(ws)}
    for t in summary["targets"]:
        row = rows[t["name"]]
        assert (row["Met"], row["Breached"], row["Pending"]) == (t["met"], t["breached"], t["pending"])
        assert row["Attainment"] == pytest.approx(t["attainment"] / 100, abs=1e-9)
        assert row["Goal"] == pytest.approx(t["goal"] / 100)
        assert row["Result"] == ("met" if t["goal_met"] else "missed")
    assert ws["D6"].number_format == "0.0%" and isinstance(ws["D6"].value, float)
    assert ws.conditional_formatting, "attainment is coloured against the goal"
    assert wb["Charts"]._images, "the charts are embedded as images"


def test_a_filtered_report_equals_the_same_filters_on_the_page(desk, db_path, tmp_path, capsys):
    out = tmp_path / "tier1.xlsx"
    assert main(["report", "--db", str(db_path), "--from", "2025-01-01", "--to", "2025-01-28", "--as-of",
                 "2025-02-01T00:00:00Z", "--out", str(out), "--where", "team=Tier 1", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["scope"] == {"team": ["Tier 1"]}
    from slacore.store import open_store

    snap = compute_snapshot(open_store(db_path), date(2025, 1, 1), date(2025, 1, 28), as_of=u(2025, 2, 1))
    assert printed["summary"]["targets"][0]["met"] < snap["targets"][0]["met"]
    wb = openpyxl.load_workbook(out)
    assert wb["Summary"]["A3"].value == "Scope: team = Tier 1"


def test_ticket_text_stays_text_and_numbers_stay_numbers(desk, tmp_path):
    snap = compute_snapshot(desk, date(2025, 1, 1), date(2025, 1, 28), as_of=u(2025, 2, 1))
    wb = openpyxl.load_workbook(__import__("io").BytesIO(workbook_bytes(snap, with_charts=False)))
    breaches = _table(wb["Breaches"])
    assert breaches, "some tickets breached"
    for row in breaches:
        for name, value in row.items():
            if isinstance(value, str):
                assert not value.lstrip().startswith(("=", "+", "-", "@")), (name, value)
        assert isinstance(row["Business minutes"], (int, float))
        assert isinstance(row["Created (UTC)"], datetime)
    subjects = {r["Subject"] for r in breaches}
    assert "'=HYPERLINK(\"http://x\",\"y\")" in subjects
    assert {r["Team"] for r in breaches} >= {"'+1-2"}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"


def test_html_report_is_self_contained_and_escapes_text(desk):
    review = reviews.start_review(desk, "Jan <b>review</b>", "S", "month", date(2025, 1, 1), date(2025, 1, 28),
                                  "Ana & Ben", as_of=u(2025, 2, 1))
    reviews.save_note(desk, review.review_id, "general", "![x](http://evil.example/pixel.png) <img src=x>")
    reviews.add_action(desk, review.review_id, "Call <script>alert(1)</script>", "Ana", date(2025, 2, 10))
    text = html_report(review.snapshot, {"name": review.name, "attendees": review.attendees},
                       reviews.notes(desk, review.review_id), reviews.actions(desk, review))
    assert "<script>alert" not in text and "<img src=x>" not in text and "<b>review</b>" not in text
    assert "&lt;b&gt;review&lt;/b&gt;" in text
    assert "<svg" in text, "charts are inline SVG"
    for attr, url in re.findall(r'\b(src|href)\s*=\s*["\']?([^"\'\s>]+)', text, flags=re.I):
        assert not re.match(r"(https?:)?//", url), f"external {attr}: {url}"
    assert "<link" not in text and "@import" not in text and "url(" not in text


def test_report_of_a_held_review_uses_its_frozen_figures(desk, db_path, tmp_path, capsys):
    review = reviews.start_review(desk, "January", "S", "month", date(2025, 1, 1), date(2025, 1, 28),
                                  as_of=u(2025, 2, 1))
    frozen = review.snapshot["targets"][0]["breached"]
    add_tickets(desk, *[tk(f"x{i}", u(2025, 1, 10, 9), fr=u(2025, 1, 10, 17)) for i in range(5)])
    out = tmp_path / "jan.html"
    capsys.readouterr()
    assert main(["report", "--db", str(db_path), "--review", "january", "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["review"] == "January"
    assert printed["summary"]["targets"][0]["breached"] == frozen
    assert out.read_text().startswith("<!doctype html>")


@pytest.mark.parametrize("argv, message", [
    (["--out", "x.pdf", "--from", "2025-01-01", "--to", "2025-01-31"], "must end in .xlsx or .html"),
    (["--out", "x.xlsx"], "Give the period"),
    (["--out", "x.xlsx", "--from", "2025-02-01", "--to", "2025-01-01"], "before --from"),
    (["--out", "x.xlsx", "--from", "2025-01-01", "--to", "2025-01-31", "--where", "colour=red"], "--where takes"),
    (["--out", "x.xlsx", "--review", "nope"], "no review called"),
    (["--out", "x.xlsx", "--review", "nope", "--as-of", "2025-02-01"], "leave out"),
    (["--out", "/no/such/folder/x.xlsx", "--from", "2025-01-01", "--to", "2025-01-31"], "does not exist"),
])
def test_report_refuses_bad_arguments_in_one_sentence(desk, db_path, tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["report", "--db", str(db_path), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.xlsx"))


def test_control_characters_in_ticket_text_and_notes_do_not_break_the_workbook(store):
    """openpyxl refuses control characters (an escape code pasted into a subject, a form feed in a note): the pack
    drops them instead of failing."""
    save_target(store, build_target("Fast reply", "first_response", "1h", "90%"), author="t")
    add_tickets(store, *[tk(f"c{i}", u(2025, 1, i + 1, 9), fr=u(2025, 1, i + 1, 12), subject="Printer\x1b[0m jam\x0b",
                            team="Tier\x01 1") for i in range(3)])
    review = reviews.start_review(store, "Jan", "S", "month", date(2025, 1, 1), date(2025, 1, 31), as_of=u(2025, 2, 1))
    reviews.save_note(store, review.review_id, "general", "pasted\x0c note")
    reviews.add_action(store, review.review_id, "call\x07 them", "Ana")
    data = workbook_bytes(review.snapshot, {"name": review.name}, reviews.notes(store, review.review_id),
                          reviews.actions(store, review), with_charts=False)
    wb = openpyxl.load_workbook(__import__("io").BytesIO(data))
    assert {r["Subject"] for r in _table(wb["Breaches"])} == {"Printer[0m jam"}
    values = [c.value for row in wb["Notes & actions"].iter_rows() for c in row if isinstance(c.value, str)]
    assert "pasted note" in values and "call them" in values


def _report(db_path, out, *extra):
    return main(["report", "--db", str(db_path), "--from", "2025-01-01", "--to", "2025-01-28", "--as-of",
                 "2025-02-01T00:00:00Z", "--out", str(out), *extra])


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_part_file(desk, db_path, tmp_path, capsys,
                                                                         monkeypatch):
    out = tmp_path / "pack.html"
    out.write_text("last month's pack")
    import os

    real_fsync = os.fsync

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    capsys.readouterr()
    assert _report(db_path, out) == 2
    err = capsys.readouterr().err
    assert "could not be written" in err and "No space left" in err and "Traceback" not in err
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert out.read_text() == "last month's pack", "the previous file is intact"
    assert sorted(p.name for p in tmp_path.iterdir() if "pack" in p.name) == ["pack.html"], "no half-written file left"


def test_two_reports_to_one_file_do_not_share_a_part_file(desk, db_path, tmp_path, capsys):
    """Another run's temporary file (a second cron job writing the same pack) is not overwritten or taken."""
    out = tmp_path / "pack.xlsx"
    other = tmp_path / "pack.xlsx.part"
    other.write_text("another run, half written")
    assert _report(db_path, out) == 0
    assert other.read_text() == "another run, half written"
    assert openpyxl.load_workbook(out).sheetnames[0] == "Summary"


def test_an_out_path_that_is_a_folder_is_refused_in_a_sentence(desk, db_path, tmp_path, capsys):
    (tmp_path / "pack.xlsx").mkdir()
    capsys.readouterr()
    assert _report(db_path, tmp_path / "pack.xlsx") == 2
    err = capsys.readouterr().err
    assert "is a folder" in err and "Traceback" not in err


def test_notes_and_actions_wrap_long_and_multi_line_text(desk):
    """A note of several lines or an action longer than its column stays readable (wrapped, top-aligned), instead
    of spilling over the header or being cut at the next column."""
    review = reviews.start_review(desk, "January", "S", "month", date(2025, 1, 1), date(2025, 1, 28),
                                  as_of=u(2025, 2, 1))
    reviews.save_note(desk, review.review_id, "targets", "First line\nSecond line, " + "long " * 40)
    reviews.add_action(desk, review.review_id, "Call the vendor about the outage and the credits " * 3, "Ana")
    data = workbook_bytes(review.snapshot, {"name": review.name}, reviews.notes(desk, review.review_id),
                          reviews.actions(desk, review), with_charts=False)
    ws = openpyxl.load_workbook(__import__("io").BytesIO(data))["Notes & actions"]
    cells = [c for row in ws.iter_rows(min_row=6) for c in row[:2] if isinstance(c.value, str)
             and ("Second line" in c.value or "Call the vendor" in c.value)]
    assert len(cells) == 2
    for cell in cells:
        assert cell.alignment.wrap_text and cell.alignment.vertical == "top", cell.coordinate


def test_the_workbook_of_an_agreed_review_says_who_attended_and_agreed_it(desk):
    review = reviews.start_review(desk, "January", "S", "month", date(2025, 1, 1), date(2025, 1, 28), "Ana, =Ben",
                                  as_of=u(2025, 2, 1))
    agreed = reviews.sign_off(desk, review.review_id, "Client Lead")
    info = {"name": agreed.name, "attendees": agreed.attendees, "agreed_by": agreed.agreed_by,
            "agreed_at": agreed.agreed_at}
    ws = openpyxl.load_workbook(__import__("io").BytesIO(workbook_bytes(agreed.snapshot, info, with_charts=False)))[
        "Summary"]
    assert ws["A4"].value.startswith("Attendees: Ana, =Ben; agreed by Client Lead on ")
    assert ws["A5"].value == "Target", "the table starts where it did"


def test_a_where_value_no_ticket_has_is_refused_not_reported_as_empty(desk, db_path, tmp_path, capsys):
    """A cron line with 'team=tier 1' (the team is 'Tier 1') must not mail an all-zero pack with exit 0."""
    capsys.readouterr()
    assert _report(db_path, tmp_path / "t.xlsx", "--where", "team=tier 1") == 2
    err = capsys.readouterr().err
    assert "No ticket has team 'tier 1'" in err and "'Tier 1'" in err
    assert not (tmp_path / "t.xlsx").exists()


def test_a_filtered_report_equals_the_summary_of_the_same_filters(desk, db_path, tmp_path, capsys):
    from slacore.metrics import Filters, summarize
    from slacore.store import open_store

    capsys.readouterr()
    assert _report(db_path, tmp_path / "t.xlsx", "--where", "team=Tier 1", "--where", "customer=ACME", "--json") == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    frame = summarize(open_store(db_path), date(2025, 1, 1), date(2025, 1, 28), u(2025, 2, 1),
                      Filters(team=("Tier 1",), customer=("ACME",)))
    printed_rows = [(t["name"], t["met"], t["breached"], t["pending"], t["attainment"])
                    for t in printed["summary"]["targets"]]
    assert printed_rows == [(r.name, r.met, r.breached, r.pending, r.attainment) for r in frame.itertuples()]
    rows = {r["Target"]: r for r in _table(openpyxl.load_workbook(tmp_path / "t.xlsx")["Summary"])}
    for t in printed["summary"]["targets"]:
        assert (rows[t["name"]]["Met"], rows[t["name"]]["Breached"]) == (t["met"], t["breached"])


def test_a_monthly_trend_is_labelled_by_month():
    from slacore.review_pack import trend_chart

    snap = {"grain": "month", "trend": [{"target": "A", "period": "2026-07-01", "attainment": 90.0},
                                        {"target": "A", "period": "2026-08-01", "attainment": 92.0}]}
    axis = trend_chart(snap).to_dict()["encoding"]["x"]["axis"]
    assert axis["format"] == "%b %Y" and axis["values"] == [1782864000000, 1785542400000]  # 1 Jul, 1 Aug 2026 UTC


def test_a_folder_that_cannot_take_the_file_is_one_sentence(desk, db_path, tmp_path, capsys, monkeypatch):
    import tempfile

    def refused(*args, **kw):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    capsys.readouterr()
    assert _report(db_path, tmp_path / "pack.xlsx") == 2
    err = capsys.readouterr().err
    assert "could not be written: Permission denied" in err and "Traceback" not in err


def test_breached_tickets_link_back_to_the_source_system_where_the_export_has_urls(store, tmp_path):
    """A column of ticket addresses (Jira's 'Issue URL', a view's 'Link') becomes a hyperlink in the Breaches
    sheet; a ticket without one, or a value that is no http(s) address, gets none."""
    import io
    from datetime import date

    from openpyxl import load_workbook

    from slacore.importers.pipeline import ImportOptions, import_file
    from slacore.review_figures import compute_snapshot
    from slacore.review_pack import workbook_bytes
    from slacore.sla_yaml import apply_yaml

    path = tmp_path / "jira.csv"
    path.write_text("Ticket ID,Created,Resolved,Priority,Issue URL\n"
                    "A-1,2025-03-03 09:00,2025-03-03 15:00,urgent,https://acme.atlassian.net/browse/A-1\n"
                    "A-2,2025-03-04 09:00,2025-03-04 17:00,urgent,=HYPERLINK(\"http://evil\")\n"
                    "A-3,2025-03-05 09:00,2025-03-05 09:30,urgent,\n", encoding="utf-8")
    import_file(store, path, options=ImportOptions(timezone="UTC"))
    apply_yaml(store, "targets:\n  - {name: Fix, metric: resolution, within: 1h, goal: 90%}\n")
    snapshot = compute_snapshot(store, date(2025, 3, 1), date(2025, 3, 31))
    urls = {b["ticket_id"]: b["url"] for b in snapshot["top_breaches"]}
    assert urls == {"A-1": "https://acme.atlassian.net/browse/A-1", "A-2": None}
    sheet = load_workbook(io.BytesIO(workbook_bytes(snapshot, with_charts=False)))["Breaches"]
    rows = list(sheet.iter_rows())
    header = next(i for i, r in enumerate(rows) if r[0].value == "Target")
    link = [c.value for c in rows[header]].index("Link")
    linked = {r[2].value: r[link] for r in rows[header + 1:]}
    assert linked["A-1"].hyperlink.target == "https://acme.atlassian.net/browse/A-1"
    assert linked["A-2"].hyperlink is None and linked["A-2"].value is None
