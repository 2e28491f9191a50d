"""Survey (CSAT) imports: every format of issue 8's list, each with a realistic file (tests/fixtures/surveys/, written
after the tools' documented exports by make_surveys.py), with hand-counted expectations."""

from __future__ import annotations

from pathlib import Path

import pytest

from slacore.errors import UserError
from slacore.importers.machinery import ImportOptions, delete_import
from slacore.kinds import KINDS, import_any, plan_any

SURVEYS = Path(__file__).resolve().parent / "fixtures" / "surveys"


def test_zendesk_satisfaction_export_good_bad_offered_reason_comment(store):
    report = import_any(store, SURVEYS / "zendesk_satisfaction.csv")
    assert report.kind == "surveys" and report.format == "zendesk"
    assert (report.loaded, report.rejected) == (13, 0)
    assert report.facts["offered_only"] == 2 and report.facts["answered"] == 11
    assert report.facts["scale"] == "good/bad"
    got = store.rows("SELECT count(*) FILTER (WHERE rating = 1), count(*) FILTER (WHERE rating = 0), "
                     "count(*) FILTER (WHERE NOT answered AND rating IS NULL AND rated_at IS NULL), "
                     "count(reason), count(comment), count(DISTINCT scale) FROM surveys")[0]
    assert got == (8, 3, 2, 3, 6, 1)
    # the reason is the customer's, never mistaken for a rejection reason
    assert store.rows("SELECT reason FROM surveys WHERE ticket_id = '70009'") == [("The agent's attitude is unsatisfactory",)]
    assert store.rows("SELECT offered_at IS NOT NULL, rated_at > offered_at FROM surveys WHERE ticket_id = '70001'") \
        == [(True, True)]


def test_a_1_to_10_file_whose_first_rows_are_low_is_read_on_1_to_10(store):
    report = import_any(store, SURVEYS / "numeric_1_10_low_first.csv")
    assert report.facts["scale_detected"] == "1-10" and "values" in report.facts["scale_how"]
    assert store.rows("SELECT DISTINCT scale, scale_min, scale_max FROM surveys") == [("1-10", 1.0, 10.0)]
    assert store.scalar("SELECT count(*) FROM surveys WHERE rating >= 9") == 4


@pytest.mark.parametrize("name, scale, loaded, rejected", [
    ("numeric_1_7.csv", "1-7", 10, 0),  # 'Satisfaction (1-7)'
    ("numeric_0_10.csv", "0-10", 10, 0),  # 'Rating out of 10', a 0 in the column
    ("numeric_1_5_zero_not_rated.csv", "1-5", 10, 0),  # 'Rating (0 = not rated)'
])
def test_numeric_scales_from_the_header_and_the_whole_column(store, name, scale, loaded, rejected):
    report = import_any(store, SURVEYS / name)
    assert report.facts["scale_detected"] == scale
    assert (report.loaded, report.rejected) == (loaded, rejected)
    assert report.as_json()["scale_detected"] == scale


def test_zero_means_not_rated_where_the_header_says_so(store):
    report = import_any(store, SURVEYS / "numeric_1_5_zero_not_rated.csv")
    assert report.facts["zero_means_not_rated"] and report.facts["offered_only"] == 2
    assert store.rows("SELECT response_id, answered, rating, rated_at FROM surveys WHERE NOT answered "
                      "ORDER BY 1") == [("N3", False, None, None), ("N5", False, None, None)]


def test_a_value_outside_the_stated_scale_is_rejected_with_its_reason(store, tmp_path):
    f = tmp_path / "s.csv"
    f.write_text("Response ID,Rating (1-5),Comment\nA,5,\nB,7,typo\nC,1,\n")
    report = import_any(store, f, kind="surveys")
    assert (report.loaded, report.rejected) == (2, 1)
    assert list(report.rejected_rows["reason"]) == ["rating 7 outside the scale 1-5"]
    assert list(report.rejected_rows["row_number"]) == [3]


@pytest.mark.parametrize("name, expected", [
    # 7-point English (plain and 'slightly' labels both): spread evenly over 1..5
    ("labels_en.csv", [5.0, 13 / 3, 11 / 3, 3.0, 7 / 3, 5 / 3, 1.0, 5.0]),
    ("labels_de.csv", [5.0, 4.0, 3.0, 2.0, 1.0, 5.0]),
    ("labels_es.csv", [5.0, 4.0, 3.0, 2.0, 1.0]),
    ("labels_fr.csv", [5.0, 4.0, 3.0, 2.0, 1.0, 4.0]),
])
def test_text_scales_in_four_languages_take_a_place_on_1_to_5(store, name, expected):
    report = import_any(store, SURVEYS / name)
    assert report.kind == "surveys" and report.rejected == 0
    got = [r[0] for r in store.rows("SELECT rating FROM surveys ORDER BY response_id")]
    assert got == pytest.approx(expected)
    assert store.rows("SELECT DISTINCT scale, scale_min, scale_max FROM surveys") == [("labels", 1.0, 5.0)]


def test_summary_rows_at_the_end_are_skipped_and_reported(store):
    report = import_any(store, SURVEYS / "summary_rows.csv")
    assert report.facts["summary_rows_skipped"] == 4
    assert (report.loaded, report.rejected, report.rows_read) == (6, 0, 6)
    assert report.facts["scale_detected"] == "1-5"  # the 'Total' row's 23 did not widen the scale
    assert any("4 summary rows skipped" in line for line in report.lines)


def test_empty_answers_written_every_way_are_offered_not_answered(store):
    report = import_any(store, SURVEYS / "empty_answers.csv")
    assert (report.loaded, report.rejected) == (9, 0)
    assert report.facts["offered_only"] == 6
    assert store.rows("SELECT response_id FROM surveys WHERE answered ORDER BY 1") == [("X1",), ("X7",), ("X9",)]


def test_surveymonkey_two_header_rows(store):
    report = import_any(store, SURVEYS / "surveymonkey_all_responses.csv")
    assert report.kind == "surveys" and report.format == "surveymonkey"
    assert report.facts["header_rows"] == 2 and (report.loaded, report.rejected) == (7, 0)
    assert report.mapping["rating"] == "How satisfied were you with the support you received?"
    assert report.mapping["ticket_id"] == "ticket_id"
    got = store.rows("SELECT response_id, ticket_id, rating, strftime(rated_at, '%Y-%m-%d %H:%M') FROM surveys "
                     "ORDER BY response_id LIMIT 2")
    assert got == [("114000000001", "50001", 5.0, "2025-10-02 13:20"), ("114000000002", "50002", 4.0, "2025-10-03 14:21")]


def test_qualtrics_three_header_rows_and_the_zone_its_importid_row_names(store):
    report = import_any(store, SURVEYS / "qualtrics_export.csv")
    assert report.kind == "surveys" and report.format == "qualtrics"
    assert report.facts["header_rows"] == 3 and (report.loaded, report.rejected) == (6, 0)
    assert report.mapping["rating"] == "Q1" and report.mapping["response_id"] == "ResponseId"
    assert report.timezone == "America/Denver"
    # Qualtrics' five labels: 'Somewhat satisfied' is the second best of five
    got = store.rows("SELECT ticket_id, rating, strftime(rated_at, '%Y-%m-%d %H:%M:%S') FROM surveys ORDER BY 1")
    assert got[0] == ("1001", 5.0, "2025-10-02 15:03:11") and got[1][1] == 4.0 and got[5][1] == 4.0


def test_reimport_replaces_and_delete_removes_the_survey_rows(store):
    first = import_any(store, SURVEYS / "zendesk_satisfaction.csv")
    again = import_any(store, SURVEYS / "zendesk_satisfaction.csv")
    assert (again.loaded, again.updated) == (0, 13)
    assert store.scalar("SELECT count(*) FROM surveys") == 13
    assert store.rows("SELECT kind FROM imports WHERE import_id = ?", [first.import_id]) == [("surveys",)]
    assert delete_import(store, again.import_id) == 13
    assert store.scalar("SELECT count(*) FROM surveys") == 0


def test_no_rating_column_is_one_sentence(store, tmp_path):
    f = tmp_path / "s.csv"
    f.write_text("Response ID,Comment\nA,fine\n")
    with pytest.raises(UserError, match="rating.*--map rating=HEADER"):
        import_any(store, f, kind="surveys")
    assert store.scalar("SELECT count(*) FROM imports") == 0


def test_a_hand_made_mapping_is_used_and_remembered(store, tmp_path):
    f = tmp_path / "s.csv"
    f.write_text("Id,Mark,Remark\nA,4,ok\nB,2,slow\n")
    with pytest.raises(UserError):
        import_any(store, f, kind="surveys")
    report = import_any(store, f, kind="surveys",
                        options=ImportOptions(mapping={"response_id": "Id", "rating": "Mark", "comment": "Remark"}))
    assert report.loaded == 2
    f2 = tmp_path / "s2.csv"
    f2.write_text("Id,Mark,Remark\nC,5,\n")
    assert import_any(store, f2, kind="surveys").mapping == {"response_id": "Id", "rating": "Mark", "comment": "Remark"}


def test_plan_shows_the_kind_scale_and_fields(store):
    plan = plan_any(store, SURVEYS / "numeric_1_10_low_first.csv")
    assert plan.import_kind == "surveys" and plan.facts["scale_detected"] == "1-10"
    assert set(plan.fields) == set(KINDS["surveys"].fields)
    assert store.scalar("SELECT count(*) FROM surveys") == 0


def test_auto_detection_keeps_ticket_exports_tickets(store):
    repo = Path(__file__).resolve().parents[1]
    for name in ("zendesk_tickets.csv", "freshdesk_tickets.csv"):
        plan = plan_any(store, repo / "sample_data" / name)
        assert plan.import_kind == "tickets"
    assert plan_any(store, repo / "sample_data" / "csat_survey.csv").import_kind == "surveys"


# -- CSAT and FCR fields carried by a ticket export ----------------------------------------------------------------

def test_zendesk_ticket_export_fills_surveys_in_the_same_import(store):
    report = import_any(store, SURVEYS / "zendesk_tickets_with_satisfaction.csv")
    assert report.kind == "tickets" and report.loaded == 10
    assert report.mapping["satisfaction"] == "Satisfaction Score"
    got = store.rows("SELECT response_id, answered, rating, scale, label, comment, ticket_source, rated_at, "
                     "import_id = ? FROM surveys ORDER BY response_id", [report.import_id])
    # Good, Bad, Offered, (Not Offered: none), (blank: none), Good, 4, 5, 2, Good
    assert [(r[0], r[1], r[2], r[3]) for r in got] == [
        ("50001", True, 1.0, "good/bad"), ("50002", True, 0.0, "good/bad"), ("50003", False, None, None),
        ("50006", True, 1.0, "good/bad"), ("50007", True, 4.0, "1-5"), ("50008", True, 5.0, "1-5"),
        ("50009", True, 2.0, "1-5"), ("50010", True, 1.0, "good/bad")]
    assert got[0][5] == "Great" and all(r[6] == "zendesk" and r[7] is None and r[8] for r in got)
    assert any("7 survey responses" in n and "1 offered" in n for n in report.notes)


def test_reimporting_the_tickets_replaces_their_survey_rows_and_delete_removes_them(store, tmp_path):
    import_any(store, SURVEYS / "zendesk_tickets_with_satisfaction.csv")
    text = (SURVEYS / "zendesk_tickets_with_satisfaction.csv").read_text().replace(",Good,Great", ",Bad,Changed")
    changed = tmp_path / "again.csv"
    changed.write_text(text)
    again = import_any(store, changed)
    assert store.scalar("SELECT count(*) FROM surveys") == 8
    assert store.rows("SELECT rating, comment FROM surveys WHERE response_id = '50001'") == [(0.0, "Changed")]
    delete_import(store, again.import_id)
    assert store.scalar("SELECT count(*) FROM surveys") == 0


def test_freshdesk_survey_results_and_interaction_counts(store):
    report = import_any(store, SURVEYS / "freshdesk_tickets_with_survey.csv")
    assert report.format == "freshdesk"
    assert report.mapping["customer_replies"] == "Customer interactions"
    assert report.mapping["agent_replies"] == "Agent interactions"
    assert store.rows("SELECT rating FROM surveys ORDER BY response_id") == [(5.0,), (4.0,), (3.0,), (2.0,), (1.0,),
                                                                             (4.0,)]
    assert store.rows("SELECT agent_replies, customer_replies FROM tickets WHERE ticket_id = '2002'") == [(2, 1)]


def test_a_first_contact_column_is_read_as_yes_no(store):
    report = import_any(store, SURVEYS / "call_log_fcr.csv",
                        options=ImportOptions(mapping={"ticket_id": "Call ID"}))
    assert report.mapping["first_contact"] == "Resolved on first call"
    got = dict(store.rows("SELECT ticket_id, first_contact FROM tickets"))
    assert got == {"C0": True, "C1": False, "C2": True, "C3": True, "C4": False, "C5": True, "C6": None}
    assert store.scalar("SELECT count(*) FROM surveys") == 0  # no satisfaction column: no survey rows


def test_rejected_rows_keep_their_spreadsheet_row_numbers_after_a_malformed_line(store, tmp_path):
    f = tmp_path / "m.csv"
    f.write_text('Response ID,Rating (1-5),Comment\nA,5,ok\nB,4,"a,b",extra,cells\nC,9,bad\nD,3,\n')
    report = import_any(store, f, kind="surveys")
    assert (report.loaded, report.rejected) == (2, 2)
    assert list(report.rejected_rows["row_number"]) == [3, 4]
    assert report.rejected_rows["reason"].iloc[1] == "rating 9 outside the scale 1-5"
