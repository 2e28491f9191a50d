"""Real export shapes, one synthetic fixture each (tests/fixtures, written by make_fixtures.py)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from slacore.errors import UserError
from slacore.importers.pipeline import ImportOptions, import_file, plan_import

FIXTURES = Path(__file__).resolve().parent / "fixtures"
UTC = timezone.utc


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def tickets(store):
    return store.query("SELECT * FROM tickets ORDER BY ticket_id").set_index("ticket_id")


def isnull(value) -> bool:
    return value is None or value != value  # None, NaN, NaT


def as_dict(series) -> dict:
    return {k: (None if isnull(v) else v) for k, v in series.items()}


# -- Zendesk -------------------------------------------------------------------------------------------------------

def test_zendesk_offsets_honoured_and_first_reply_derived_from_minutes(store):
    report = import_file(store, FIXTURES / "zendesk_export.csv")
    assert (report.format, report.loaded, report.rejected) == ("zendesk", 5, 0)
    assert report.mapping["first_response_minutes"] == "First reply time in minutes"
    assert "first_response_at" not in report.mapping  # Zendesk has no first-reply time stamp
    t = tickets(store)
    # 2025-03-03 09:00:00 +0100 is 08:00 UTC; the reply came 90 minutes later
    assert t.loc["50001", "created_at"] == at(2025, 3, 3, 8, 0)
    assert t.loc["50001", "first_response_at"] == at(2025, 3, 3, 9, 30)
    assert t.loc["50001", "resolved_at"] == at(2025, 3, 3, 16, 0)
    # created before the DST change (+0100), solved after it (+0200)
    assert t.loc["50003", "created_at"] == at(2025, 3, 29, 22, 30)
    assert t.loc["50003", "resolved_at"] == at(2025, 3, 30, 8, 30)
    assert t.loc["50003", "first_response_at"] == at(2025, 3, 29, 23, 0)
    assert t.loc["50004", "first_response_at"] is None or isnull(t.loc["50004", "first_response_at"])
    assert as_dict(t["priority"]) == {"50001": "normal", "50002": "high", "50003": "urgent", "50004": "low",
                                        "50005": None}
    assert t.loc["50001", "vendor_first_response_business_min"] == 90
    assert t.loc["50002", "reopens"] == 1 and t.loc["50003", "agent_replies"] == 4
    assert t.loc["50001", "channel"] == "web form" and t.loc["50001", "team"] == "Tier 1"
    assert any("derived" in n for n in report.notes)


def test_zendesk_business_minutes_only_kept_as_the_vendor_figure(store):
    report = import_file(store, FIXTURES / "zendesk_business_minutes_only.csv")
    assert (report.format, report.loaded) == ("zendesk", 3)
    t = tickets(store)
    assert t["first_response_at"].isna().all()  # no invented time stamp
    assert t.loc["7001", "vendor_first_response_business_min"] == 35
    assert t.loc["7002", "vendor_first_response_business_min"] == 120
    assert isnull(t.loc["7003", "vendor_first_response_business_min"])
    assert t.loc["7002", "vendor_resolution_business_min"] == 660
    assert t.loc["7001", "resolved_at"] == at(2025, 6, 2, 12, 0)
    assert any("vendor" in n for n in report.notes)


# -- Freshdesk and personal data ------------------------------------------------------------------------------------

def test_freshdesk_crlf_quoted_comma_and_time_stamps(store):
    report = import_file(store, FIXTURES / "freshdesk_export.csv")
    assert (report.format, report.loaded, report.rejected) == ("freshdesk", 4, 0)
    t = tickets(store)
    assert t.loc["1003", "subject"] == "Refund, please"
    assert t.loc["1001", "first_response_at"] == at(2025, 10, 1, 13, 20, 51)
    assert t.loc["1001", "resolved_at"] == at(2025, 10, 2, 20, 42, 15)
    assert isnull(t.loc["1004", "resolved_at"]) and isnull(t.loc["1003", "first_response_at"])
    assert t.loc["1002", "priority"] == "urgent" and t.loc["1001", "priority"] == "normal"
    assert t.loc["1001", "channel"] == "email" and t.loc["1001", "customer"] == "Fourth Coffee"
    extra = json.loads(t.loc["1001", "extra"])
    assert extra["Email"] == "harper.hughes@fourthcoffee.example.com"  # pii=keep by default


@pytest.mark.parametrize("pii", ["drop", "hash"])
def test_personal_data_dropped_or_hashed_at_import(store, pii):
    report = import_file(store, FIXTURES / "freshdesk_export.csv", options=ImportOptions(pii=pii))
    assert report.loaded == 4
    everything = " ".join(str(v) for v in store.query("SELECT * FROM tickets").to_numpy().ravel())
    assert "harper.hughes" not in everything and "Harper Hughes" not in everything
    extra = json.loads(tickets(store).loc["1001", "extra"])
    if pii == "drop":
        assert "Email" not in extra and "Full name" not in extra
    else:
        assert re.fullmatch(r"[0-9a-f]{16}", extra["Email"]) and re.fullmatch(r"[0-9a-f]{16}", extra["Full name"])
    assert extra["Tags"] == "cancellation"  # other columns stay
    assert any("personal data" in n for n in report.notes)


def test_personal_data_policy_applies_to_rejected_rows_too(store, tmp_path):
    f = tmp_path / "pii.csv"
    f.write_text("Ticket ID,Created time,Resolved time,Email\n1,2025-01-02 10:00,2025-01-01 10:00,x@example.com\n"
                 "2,2025-01-02 10:00,,y@example.com\n")
    report = import_file(store, f, options=ImportOptions(pii="drop"))
    assert (report.loaded, report.rejected) == (1, 1)
    assert "x@example.com" not in store.scalar("SELECT string_agg(CAST(raw AS VARCHAR)) FROM rejected_rows")


# -- Jira ------------------------------------------------------------------------------------------------------------

def test_jira_all_fields_bom_and_75_comment_columns(store):
    report = import_file(store, FIXTURES / "jira_all_fields.csv")
    assert (report.format, report.loaded, report.rejected) == ("jira", 4, 0)
    assert report.mapping["ticket_id"] == "Issue key" and report.mapping["subject"] == "Summary"
    t = tickets(store)
    assert list(t.index) == ["ITSM-101", "ITSM-102", "ITSM-103", "ITSM-104"]
    assert t.loc["ITSM-101", "priority"] == "urgent" and t.loc["ITSM-104", "priority"] == "low"
    assert t.loc["ITSM-104", "created_at"] == at(2025, 3, 31, 0, 5)  # 12:05 AM
    assert t.loc["ITSM-103", "resolved_at"] == at(2025, 3, 21, 8, 55)
    assert t.loc["ITSM-101", "team"] == "Network" and t.loc["ITSM-101", "customer"] == "Contoso"
    headers = plan_import(store, FIXTURES / "jira_all_fields.csv").headers
    assert len([h for h in headers if h.startswith("Comment")]) == 75  # every repeated column read, none merged
    # extra keeps the non-empty cells of the unmapped columns: ITSM-101 has two comments, in two columns
    assert len([k for k in json.loads(t.loc["ITSM-101", "extra"]) if k.startswith("Comment")]) == 2
    extra = json.loads(t.loc["ITSM-103", "extra"])
    assert [k for k in extra if k.startswith("Comment")] == ["Comment"]
    assert extra["Comment"] == '20/Mar/25 3:00 PM;557058:bb;"Quoted" reply, with comma\nand a second line'


def test_jira_spanish_months_and_priorities(store):
    report = import_file(store, FIXTURES / "jira_spanish.csv")
    assert (report.format, report.loaded, report.rejected) == ("jira", 5, 0)
    assert report.mapping["created_at"] == "Creada" and report.mapping["resolved_at"] == "Resuelta"
    t = tickets(store)
    assert t.loc["SOP-1", "created_at"] == at(2026, 7, 18, 9, 10)
    assert t.loc["SOP-2", "created_at"] == at(2025, 1, 3, 8, 0)  # ene
    assert t.loc["SOP-3", "created_at"] == at(2025, 4, 15, 14, 30)  # abr
    assert t.loc["SOP-4", "resolved_at"] == at(2025, 8, 21, 9, 30)  # ago
    assert t.loc["SOP-5", "created_at"] == at(2025, 12, 9, 23, 59)  # dic, 11:59 PM
    assert as_dict(t["priority"]) == {"SOP-1": "urgent", "SOP-2": "high", "SOP-3": "normal", "SOP-4": "low",
                                        "SOP-5": "low"}
    assert t.loc["SOP-1", "subject"] == "No funciona la VPN" and t.loc["SOP-1", "status"] == "Hecho"


# -- ServiceNow ------------------------------------------------------------------------------------------------------

def test_servicenow_audit_log_one_ticket_per_number_in_its_final_state(store):
    report = import_file(store, FIXTURES / "servicenow_audit_log.csv")
    assert (report.format, report.loaded, report.rejected, report.duplicates) == ("servicenow", 3, 0, 6)
    t = tickets(store)
    a = t.loc["INC0000045"]
    assert (a["status"], a["priority"], a["priority_raw"], a["team"], a["assignee"]) == \
        ("Closed", "normal", "3 - Moderate", "Group 56", "Resolver 89")
    assert a["created_at"] == at(2016, 2, 29, 1, 16) and a["resolved_at"] == at(2016, 2, 29, 11, 29)
    b = t.loc["INC0000047"]  # still open; its priority was raised on a later update
    assert (b["status"], b["priority"], b["team"]) == ("Awaiting User Info", "urgent", "Group 24")
    assert isnull(b["resolved_at"])
    c = t.loc["INC0000048"]  # 13-03-2016: day first
    assert c["created_at"] == at(2016, 3, 13, 10, 0) and c["resolved_at"] == at(2016, 3, 14, 9, 0)
    assert c["reopens"] == 1
    extra = json.loads(a["extra"])
    assert "cmdb_ci" not in extra and extra["made_sla"] == "true"  # '?' means missing: an empty cell, left out


def test_servicenow_table_api_dump(store):
    raw = (FIXTURES / "servicenow_api_dump.csv").read_bytes()
    assert b"\r\r\n" in raw
    report = import_file(store, FIXTURES / "servicenow_api_dump.csv")
    assert (report.format, report.loaded, report.rejected) == ("servicenow", 5, 0)
    t = tickets(store)
    assert as_dict(t["status"]) == {"INC0010001": "Closed", "INC0010002": "Resolved", "INC0010003": "In Progress",
                                      "INC0010004": "New", "INC0010005": "Canceled"}
    assert as_dict(t["priority"]) == {"INC0010001": "urgent", "INC0010002": "normal", "INC0010003": "high",
                                        "INC0010004": "low", "INC0010005": "low"}
    # reference fields give their value; durations written as epoch date-times
    assert t.loc["INC0010001", "team"] == "8a4dde73c6112278017a6a4baf547aa7"
    assert t.loc["INC0010001", "assignee"] == "46d44a23a9fe19810012d100cca80666"
    assert t.loc["INC0010001", "vendor_resolution_business_min"] == pytest.approx((86400 + 4 * 3600 + 23 * 60 + 17) / 60)
    assert t.loc["INC0010002", "vendor_resolution_business_min"] == pytest.approx(90)
    assert t.loc["INC0010001", "created_at"] == at(2025, 4, 1, 8, 0)
    assert t.loc["INC0010001", "resolved_at"] == at(2025, 4, 2, 12, 23, 17)
    assert t.loc["INC0010005", "reopens"] == 1


def test_servicenow_durations_as_display_text(store, tmp_path):
    f = tmp_path / "sn_list.csv"
    f.write_text("number,opened_at,resolved_at,priority,assignment_group,short_description,business_duration\n"
                 "INC1,2025-01-06 09:00:00,2025-01-07 10:00:00,2 - High,Desk,Printer,1 Day 1 Hour 30 Minutes\n"
                 "INC2,2025-01-06 09:00:00,2025-01-06 09:45:00,4 - Low,Desk,Mouse,45 Minutes\n")
    import_file(store, f)
    t = tickets(store)
    assert t.loc["INC1", "vendor_resolution_business_min"] == pytest.approx(24 * 60 + 90)
    assert t.loc["INC2", "vendor_resolution_business_min"] == pytest.approx(45)


# -- Event logs --------------------------------------------------------------------------------------------------------

def test_process_mining_helpdesk_log_one_ticket_per_case(store):
    report = import_file(store, FIXTURES / "helpdesk_event_log.csv")
    assert (report.loaded, report.rejected, report.duplicates) == (3, 0, 9)
    assert report.mapping["activity"] == "Activity" and report.mapping["ticket_id"] == "Case ID"
    t = tickets(store)
    c1 = t.loc["Case 1"]
    assert c1["created_at"] == at(2012, 10, 9, 14, 50, 17)
    assert c1["first_response_at"] == at(2012, 10, 9, 14, 51, 1)  # first "Take in charge ticket"
    assert c1["resolved_at"] == at(2012, 10, 25, 11, 54, 26)  # "Resolve ticket", not the later "Closed"
    assert c1["status"] == "Closed" and c1["agent_replies"] == 2 and c1["assignee"] == "Value 3"
    assert t.loc["Case 10", "resolved_at"] == at(2010, 3, 22, 16, 20)
    c100 = t.loc["Case 100"]  # rows out of order, final activity "Wait": not resolved
    assert c100["created_at"] == at(2011, 5, 2, 9, 0) and c100["first_response_at"] == at(2011, 5, 2, 10, 0)
    assert isnull(c100["resolved_at"]) and c100["status"] == "Wait"


def test_event_log_reopened_after_resolution_is_open_again(store, tmp_path):
    f = tmp_path / "log.csv"
    f.write_text("Case ID,Activity,Complete Timestamp\n"
                 "C1,Open,2025-01-01 09:00:00\nC1,Resolve ticket,2025-01-01 10:00:00\n"
                 "C1,Reopen,2025-01-02 09:00:00\nC1,Resolve ticket,2025-01-02 12:00:00\n"
                 "C2,Open,2025-01-01 09:00:00\nC2,Resolve ticket,2025-01-01 10:00:00\nC2,Reopen,2025-01-03 09:00:00\n")
    import_file(store, f)
    t = tickets(store)
    assert t.loc["C1", "resolved_at"] == at(2025, 1, 2, 12, 0)
    assert isnull(t.loc["C2", "resolved_at"]) and t.loc["C2", "status"] == "Reopen"


def test_an_activity_column_without_repeated_ids_is_no_event_log(store, tmp_path):
    f = tmp_path / "flat.csv"
    f.write_text("Ticket ID,Created,Resolved,Action\n1,2025-01-01 09:00,2025-01-01 12:00,Escalate\n"
                 "2,2025-01-02 09:00,,Call back\n")
    report = import_file(store, f)
    assert report.mapping["activity"] == "Action" and report.duplicates == 0
    t = tickets(store)
    assert t.loc["1", "resolved_at"] == at(2025, 1, 1, 12, 0)  # the file's own column, not the activities


# -- Generic mapper, remembered mappings ----------------------------------------------------------------------------

def test_generic_header_synonyms_and_offsets(store):
    report = import_file(store, FIXTURES / "generic_synonyms.csv")
    assert report.format == "generic" and report.loaded == 4
    assert {k: report.mapping[k] for k in ("ticket_id", "created_at", "first_response_at", "resolved_at",
                                           "priority", "team", "customer", "subject")} == {
        "ticket_id": "Ticket #", "created_at": "Opened", "first_response_at": "First agent reply",
        "resolved_at": "Closed", "priority": "Prio", "team": "Team", "customer": "Customer", "subject": "Title"}
    t = tickets(store)
    assert t.loc["T-1", "created_at"] == at(2025, 3, 3, 8, 0)  # +01:00
    assert t.loc["T-2", "created_at"] == at(2025, 3, 3, 10, 0)  # Z
    assert t.loc["T-3", "created_at"] == at(2025, 7, 1, 14, 0)  # -04:00
    assert t.loc["T-4", "created_at"] == at(2025, 7, 1, 6, 30)  # +05:30
    assert as_dict(t["priority"]) == {"T-1": "urgent", "T-2": "high", "T-3": "normal", "T-4": "low"}


def test_offsets_win_over_the_source_time_zone(store):
    import_file(store, FIXTURES / "generic_synonyms.csv", options=ImportOptions(timezone="America/New_York"))
    assert tickets(store).loc["T-1", "created_at"] == at(2025, 3, 3, 8, 0)


def test_unmappable_header_given_once_then_remembered(store):
    with pytest.raises(UserError, match="creation time"):
        import_file(store, FIXTURES / "custom_headers_a.csv")
    mapping = {"ticket_id": "Ref", "created_at": "Logged", "first_response_at": "Answered", "resolved_at": "Done",
               "priority": "Level", "assignee": "Owner"}
    first = import_file(store, FIXTURES / "custom_headers_a.csv", options=ImportOptions(mapping=mapping))
    assert first.loaded == 2
    plan = plan_import(store, FIXTURES / "custom_headers_b.csv")
    assert plan.remembered and plan.mapping["created_at"] == "Logged"
    second = import_file(store, FIXTURES / "custom_headers_b.csv")  # same header: no mapping needed
    assert (second.loaded, second.updated) == (1, 1)
    t = tickets(store)
    assert len(t) == 3 and t.loc["R2", "resolved_at"] == at(2025, 5, 7, 9, 0)
    assert t.loc["R1", "priority"] == "urgent" and t.loc["R1", "first_response_at"] == at(2025, 5, 5, 8, 20)


def test_a_field_unmapped_by_hand_stays_unmapped_for_the_same_header(store, tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("Ticket ID,Created,Closed,Priority\n1,2025-01-01 09:00,2025-01-01 10:00,High\n")
    import_file(store, f, options=ImportOptions(mapping={"resolved_at": ""}))
    g = tmp_path / "y.csv"
    g.write_text("Ticket ID,Created,Closed,Priority\n2,2025-01-02 09:00,2025-01-02 10:00,Low\n")
    report = import_file(store, g)
    assert "resolved_at" not in report.mapping
    assert store.scalar("SELECT count(*) FROM tickets WHERE resolved_at IS NOT NULL") == 0


def test_a_mapping_can_unmap_a_field_and_is_not_remembered_when_asked(store, tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("Ticket ID,Created,Closed,Priority\n1,2025-01-01 09:00,2025-01-01 10:00,High\n")
    import_file(store, f, options=ImportOptions(mapping={"resolved_at": ""}, remember=False))
    assert isnull(tickets(store).loc["1", "resolved_at"])
    assert store.scalar("SELECT count(*) FROM header_mappings") == 0


# -- Encodings ---------------------------------------------------------------------------------------------------------

def test_latin1_semicolon_crlf_day_first_with_a_multiline_field(store):
    report = import_file(store, FIXTURES / "french_latin1_semicolon.csv")
    assert (report.loaded, report.rejected) == (3, 0)
    t = tickets(store)
    assert t.loc["F-1", "created_at"] == at(2025, 1, 31, 14, 5)
    assert t.loc["F-2", "created_at"] == at(2025, 2, 1, 9, 0)  # 01/02: day first, like the rest of the file
    assert t.loc["F-1", "subject"] == "Problème d'accès" and t.loc["F-1", "team"] == "Équipe réseau"
    assert t.loc["F-2", "subject"].replace("\r\n", "\n") == "Câble défectueux\nécran; clavier"
    assert t.loc["F-1", "priority"] == "high"


def test_utf16_tab_separated_unicode_text(store, tmp_path):
    f = tmp_path / "unicode.txt"
    f.write_text("Ticket ID\tCreated\tSubject\r\n1\t2025-02-03 10:00\tÜmlaut ✓\r\n", encoding="utf-16")
    report = import_file(store, f)
    assert report.loaded == 1 and tickets(store).loc["1", "subject"] == "Ümlaut ✓"


# -- XLSX ------------------------------------------------------------------------------------------------------------

def test_xlsx_picks_the_sheet_that_holds_tickets(store):
    plan = plan_import(store, FIXTURES / "two_sheets.xlsx")
    assert plan.sheets == ["Summary", "Tickets"] and plan.sheet == "Tickets"
    report = import_file(store, FIXTURES / "two_sheets.xlsx")
    assert report.loaded == 3 and any("Tickets" in n for n in report.notes)
    t = tickets(store)
    assert t.loc["101", "created_at"] == at(2025, 3, 3, 9, 0)
    assert t.loc["101", "first_response_at"] == at(2025, 3, 3, 9, 20)
    assert t.loc["102", "priority"] == "urgent" and isnull(t.loc["102", "resolved_at"])


def test_xlsx_sheet_chosen_by_the_user(store):
    report = import_file(store, FIXTURES / "two_sheets.xlsx", options=ImportOptions(sheet="Tickets"))
    assert report.loaded == 3
    with pytest.raises(UserError, match="creation time"):
        import_file(store, FIXTURES / "two_sheets.xlsx", options=ImportOptions(sheet="Summary"))
    with pytest.raises(UserError, match="Summary, Tickets"):
        import_file(store, FIXTURES / "two_sheets.xlsx", options=ImportOptions(sheet="Nope"))


def test_xlsx_rejected_rows_keep_their_spreadsheet_row_numbers(store, tmp_path):
    from openpyxl import Workbook

    from slacore.importers.pipeline import rejected_rows

    wb = Workbook()
    ws = wb.active
    ws.append(["Ticket ID", "Created", "Resolved", "Requester email"])
    ws.append([1, datetime(2025, 1, 1, 9), datetime(2025, 1, 1, 10), "a@example.com"])
    ws.append([None, None, None, None])  # an empty row in the middle of the sheet
    ws.append([3, "not a date", None, "c@example.com"])
    ws.append([4, datetime(2025, 1, 2, 9), datetime(2025, 1, 1, 9), "d@example.com"])
    f = tmp_path / "bad.xlsx"
    wb.save(f)
    report = import_file(store, f, options=ImportOptions(pii="hash"))
    assert (report.loaded, report.rejected) == (1, 2)
    rej = rejected_rows(store, report.import_id)
    assert rej["row_number"].tolist() == [4, 5]
    assert rej["reason"].tolist() == ["unreadable created time: not a date", "resolved before created"]
    raw = json.loads(rej.loc[0, "raw"])
    assert raw["Ticket ID"] == "3" and raw["Requester email"] != "c@example.com"  # hashed like the tickets


def test_xlsx_excel_serial_dates_in_the_source_time_zone(store):
    report = import_file(store, FIXTURES / "excel_serial_dates.xlsx", options=ImportOptions(timezone="Europe/Berlin"))
    assert report.loaded == 2 and report.timestamp_formats["created_at"] == "Excel serial days"
    t = tickets(store)
    assert t.loc["C-1", "created_at"] == at(2025, 3, 3, 9, 0) - timedelta(hours=1)
    assert t.loc["C-1", "resolved_at"] == at(2025, 3, 3, 11, 0)
    assert t.loc["C-2", "created_at"] == at(2025, 3, 3, 23, 0)
    assert t.loc["C-2", "priority"] == "normal"
