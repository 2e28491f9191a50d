"""Headers as people write them: each decoration on realistic headers, the zone and unit annotations, the
invariants (a decoration never changes the field; one column per field, one field per column), and what an
import does with them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from slacore.errors import UserError
from slacore.importers import headers as H
from slacore.importers import presets
from slacore.importers.pipeline import ImportOptions, import_file, plan_import

UTC = timezone.utc


def field_of(header: str, fmt: str = "generic", others: tuple[str, ...] = ()) -> str | None:
    """The field a header is used for (sure matches only), alone or beside `others`."""
    mapping = presets.propose_mapping([header, *others], fmt)
    return next((f for f, h in mapping.items() if h == header), None)


def match_of(header: str, fmt: str = "generic") -> H.Match | None:
    return next((m for m in presets.match_columns([header], fmt) if m.header == header), None)


# -- one decoration at a time, on headers seen in real exports -------------------------------------------------------

@pytest.mark.parametrize("header, fld", [
    ("Date opened (GMT)", "created_at"),
    ("Created [UTC+1]", "created_at"),
    ("Resolved (local time)", "resolved_at"),
    ("Solved at (CET)", "resolved_at"),
    ("Priority [list]", "priority"),  # Zendesk: a custom field's type after its title
    ("Customer tier [list]", "customer_tier"),
    ("Product [list]", "category"),
    ("Closed (Europe/Berlin)", "resolved_at"),
    ("Assignee {agent}", "assignee"),
])
def test_annotations_in_brackets_are_set_aside(header, fld):
    m = match_of(header)
    assert m is not None and (m.field, m.sure) == (fld, True), m
    assert m.score == H.DECORATED


@pytest.mark.parametrize("header, words", [
    ("miseÀJour", ("mise", "à", "jour")), ("fechaDeCreación", ("fecha", "de", "creación")),
    ("géÉtat", ("gé", "état")), ("ÉTATÉquipe", ("état", "équipe")), ("ticketID", ("ticket", "id")),
    ("HTTPServer", ("http", "server")), ("FIRST_RESPONSE_AT", ("first", "response", "at")),
])
def test_camel_case_splits_at_case_changes_beyond_ascii(header, words):
    assert H.read(header).words == words


def test_an_annotation_alone_does_not_make_a_field():
    assert match_of("Tags [list]") is None  # 'Tags' is no field; the annotation adds none


@pytest.mark.parametrize("header, fld", [
    ("Opened_On", "created_at"),
    ("Request_No", "ticket_id"),
    ("createdAt", "created_at"),
    ("ticket.created", "created_at"),
    ("First-Response", "first_response_at"),
    ("FIRST_RESPONSE_AT", "first_response_at"),
    ("resolvedAt", "resolved_at"),
    ("last--updated", "updated_at"),
    ("ticketID", "ticket_id"),
    ("assignment.group", "team"),
])
def test_snake_camel_dotted_and_punctuated_headers(header, fld):
    m = match_of(header)
    assert m is not None and m.field == fld and m.sure, m


@pytest.mark.parametrize("header, fld, vendor", [
    ("u_responded_at", "first_response_at", "ServiceNow custom field"),
    ("u_first_reply", "first_response_at", "ServiceNow custom field"),
    ("u_first_response_time", "first_response_at", "ServiceNow custom field"),
    ("cf_first_response", "first_response_at", "Freshdesk custom field"),
    ("cf_customer_tier", "customer_tier", "Freshdesk custom field"),
    ("Custom field (Team)", "team", "Jira custom field"),
    ("Custom field (Customer Tier)", "customer_tier", "Jira custom field"),
    ("Custom field ([CHART] Date of First Response)", "first_response_at", "Jira custom field"),
    ("Campo personalizado (Organizations)", "customer", "Jira custom field"),
    ("sys_created_on", "created_at", "ServiceNow system field"),
])
def test_vendor_custom_field_conventions(header, fld, vendor):
    m = match_of(header)
    assert m is not None and m.field == fld and m.sure, m
    assert m.score == 1.0 or m.reading.vendor == vendor


def test_jira_sla_clocks_are_no_time_stamps():
    """Jira's 'Time to first response' holds the SLA clock (remaining 'hh:mm', negative once breached): a time
    stamp column made of it would reject every row."""
    for header in ("Custom field (Time to first response)", "Custom field (Time to resolution)",
                   "Time to first response"):
        assert match_of(header) is None, header
    assert field_of("Time to first response (hrs)") == "first_response_hours"  # a duration once it has a unit


@pytest.mark.parametrize("header, fld", [
    ("Ticket created on", "created_at"),
    ("Date/time opened", "created_at"),
    ("Time of first reply", "first_response_at"),
    ("Ticket created - Timestamp", "created_at"),  # Zendesk Explore
    ("Date of resolution", "resolved_at"),
    ("Incident state", "status"),
    ("Ticket Priority", "priority"),
    ("Case Subject", "subject"),
    ("Request Type", "category"),
    ("Ticket Nr.", "ticket_id"),
])
def test_common_words_around_the_noun(header, fld):
    m = match_of(header)
    assert m is not None and m.field == fld and m.sure, m


@pytest.mark.parametrize("header", [
    "Created by", "sys_created_by", "Resolved by", "Opened by", "Updated by",  # people
    "Status date", "Priority changed at", "Reopened at",  # a moment, not the field
    "First response due", "SLA first response", "Resolution breached",  # deadlines and SLA flags
    "Customer ID", "Status Category", "Requester email",
    "First response time (seconds)",  # a unit no field has
])
def test_headers_that_only_look_like_a_field_are_not_mapped(header):
    assert field_of(header) is None, presets.match_columns([header], "generic")


# -- units and zones ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("header, fld", [
    ("First response time (in hrs)", "first_response_hours"),
    ("First response time (hours)", "first_response_hours"),
    ("First response time (h)", "first_response_hours"),
    ("First response time (min)", "first_response_minutes"),
    ("First response time (mins)", "first_response_minutes"),
    ("First reply time (min)", "first_response_minutes"),  # Zendesk Explore
    ("Resolution time (in minutes)", "resolution_minutes"),
    ("Full resolution time (min)", "resolution_minutes"),
    ("Resolution time (in hrs)", "resolution_hours"),
    ("Minutes to first response", "first_response_minutes"),
    ("First reply time in minutes (business hours)", "first_response_business_minutes"),
])
def test_a_unit_annotation_selects_the_duration_field(header, fld):
    assert field_of(header) == fld


def test_a_header_with_a_unit_is_never_a_time_stamp():
    headers = ["Created", "First response (hours)", "Resolved (min)"]
    mapping = presets.propose_mapping(headers, "generic")
    assert "first_response_at" not in mapping and "resolved_at" not in mapping
    assert mapping.get("first_response_hours") == "First response (hours)"


@pytest.mark.parametrize("text, zone", [
    ("GMT", "UTC"), ("UTC", "UTC"), ("Z", "UTC"), ("UTC+0", "UTC"),
    ("CET", "Europe/Berlin"), ("CEST", "Europe/Berlin"), ("EST", "America/New_York"), ("PST", "America/Los_Angeles"),
    ("IST", "Asia/Kolkata"), ("AEST", "Australia/Sydney"),
    ("UTC+1", "Etc/GMT-1"), ("UTC+01:00", "Etc/GMT-1"), ("GMT-5", "Etc/GMT+5"), ("+02:00", "Etc/GMT-2"),
    ("UTC−03:00", "Etc/GMT+3"), ("UTC+05:30", "Asia/Kolkata"), ("UTC+5:45", "Asia/Kathmandu"),
    ("Europe/Berlin", "Europe/Berlin"), ("america/new_york", "America/New_York"), ("Time zone: Asia/Tokyo", "Asia/Tokyo"),
    ("local time", None), ("list", None), ("in hrs", None), ("UTC+5:17", None),
])
def test_zone_annotations(text, zone):
    assert H.zone_of(text) == zone


@given(st.integers(-12, 14), st.sampled_from(["UTC", "GMT", ""]), st.sampled_from([":00", "", "00"]))
def test_an_offset_annotation_names_a_zone_with_that_offset(hours, prefix, minutes):
    text = f"{prefix}{'+' if hours >= 0 else '-'}{abs(hours):02d}{minutes}"
    zone = H.zone_of(text)
    assert zone is not None, text
    assert ZoneInfo(zone).utcoffset(datetime(2025, 1, 15)) == timedelta(hours=hours)


def test_a_zone_annotation_is_read_beside_the_field():
    r = H.read("Created [UTC+1]")
    assert (r.words, r.zone, r.zone_text, r.unit) == (("created",), "Etc/GMT-1", "UTC+1", None)
    assert H.read("created_at_utc").zone == "UTC"
    local = H.read("Resolved (local time)")  # names no zone: the chosen source zone applies
    assert (local.words, local.zone, local.annotations) == (("resolved",), None, ("local time",))


# -- invariants ----------------------------------------------------------------------------------------------------------

def _plain_entries() -> list[str]:
    """Vocabulary entries written without brackets or symbols (the ones a decoration can be put on)."""
    out = []
    for preset in presets.PRESETS.values():
        for synonyms in preset.mapping.values():
            out += [s for s in synonyms if all(c.isalnum() or c in " _" for c in s)]
    return sorted(set(out))


ENTRIES = _plain_entries()
ANNOTATIONS = ["(GMT)", "[UTC+1]", "(local time)", "(CET)", "[list]", "(Europe/Paris)", "[txt]", "(UTC-05:00)"]


def _styled(words: list[str], style: str) -> str:
    if style == "camel":
        return words[0].lower() + "".join(w[:1].upper() + w[1:].lower() for w in words[1:])
    sep = {"snake": "_", "dots": ".", "dashes": "-", "spaces": "  ", "slash": " / "}.get(style, " ")
    text = sep.join(words)
    return {"upper": text.upper(), "lower": text.lower(), "title": text.title()}.get(style, text)


decorations = st.tuples(
    st.sampled_from(["keep", "camel", "snake", "dots", "dashes", "spaces", "upper", "lower", "title"]),
    st.lists(st.sampled_from(ANNOTATIONS), max_size=2),
)


def _decorate(entry: str, decoration) -> str:
    style, notes = decoration
    words = H._tokens(entry) if style != "keep" else [entry]
    text = _styled(words, style) if style != "keep" else entry
    return " ".join([text, *notes])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ENTRIES), decorations, st.sampled_from(list(presets.PRESETS)))
@example("Mise à jour", ("camel", ["(GMT)"]), "zendesk")  # 'miseÀJour': a case change beyond ASCII splits words
def test_a_decoration_never_changes_the_field_a_header_maps_to(entry, decoration, fmt):
    plain = field_of(entry, fmt)
    decorated = _decorate(entry, decoration)
    assert field_of(decorated, fmt) == plain, (entry, decorated)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(ENTRIES), min_size=2, max_size=12, unique=True), decorations,
       st.sampled_from(list(presets.PRESETS)))
@example(["Abteilung", "Team", "Componentes"], ("keep", ["(GMT)"]), "jira")  # two exact names for one field, a tie
def test_decorating_every_header_alike_keeps_the_mapping(entries, decoration, fmt):
    before = presets.propose_mapping(entries, fmt)
    decorated = [_decorate(e, decoration) for e in entries]
    if len(set(map(H.norm, decorated))) < len(decorated):
        return  # two entries became one name ('Created at' and 'Created_At'): nothing to compare
    after = presets.propose_mapping(decorated, fmt)
    assert {f: entries[decorated.index(h)] for f, h in after.items()} == before


def test_a_tie_is_broken_as_it_would_be_without_the_annotations():
    """'Team' and 'Componentes' are both names of Jira's team; written '... (GMT)' both match at 0.95, and the one
    the undecorated names pick (the preset's own 'Componentes') still wins; an undecorated twin still beats both."""
    assert presets.propose_mapping(["Team", "Componentes"], "jira") == {"team": "Componentes"}
    assert presets.propose_mapping(["Team (GMT)", "Componentes (GMT)"], "jira") == {"team": "Componentes (GMT)"}
    assert presets.propose_mapping(["Team (GMT)", "Team"], "generic") == {"team": "Team"}
    assert H.read("Custom field (Team [list])").undecorated == "customfieldteam"
    assert H.read("First response time (in hrs) (CET)").undecorated == "firstresponsetimeinhrs"  # a unit stays


headers_lists = st.lists(
    st.one_of(st.sampled_from(ENTRIES), st.builds(_decorate, st.sampled_from(ENTRIES), decorations),
              st.text(min_size=1, max_size=20)),
    min_size=1, max_size=30, unique=True)  # a file's column names are distinct (the reader renames repeats)


@settings(max_examples=300, deadline=None)
@given(headers_lists, st.sampled_from(list(presets.PRESETS)))
def test_the_mapping_is_injective(headers, fmt):
    """One column per field and one field per column, sure and unsure matches together."""
    matches = presets.match_columns(headers, fmt)
    fields = [m.field for m in matches]
    columns = [m.header for m in matches]
    assert len(set(fields)) == len(fields)
    assert len(set(columns)) == len(columns)
    assert all(m.header in headers and m.field in presets.FIELDS and 0 < m.score <= 1 for m in matches)
    mapping = presets.propose_mapping(headers, fmt)
    assert len(set(mapping.values())) == len(mapping)


@settings(max_examples=200, deadline=None)
@given(headers_lists, st.sampled_from(list(presets.PRESETS)))
def test_a_looser_match_never_takes_a_column_from_an_exact_one(headers, fmt):
    """What exact names alone map stays mapped the same whatever else the header holds."""
    exact_only = presets.match_columns(headers, fmt)
    exact = {m.field: m.header for m in exact_only if m.score == 1.0}
    for fld, header in exact.items():
        assert presets.propose_mapping(headers, fmt)[fld] == header


# -- vendor files: what the preset lacks, the generic vocabulary adds ---------------------------------------------

SERVICENOW = ["number", "opened_at", "resolved_at", "sys_updated_on", "priority", "assignment_group",
              "short_description", "incident_state", "contact_type", "caller_id"]


@pytest.mark.parametrize("custom", ["u_first_response", "u_responded_at", "u_first_reply", "u_first_response_time"])
def test_a_servicenow_export_with_a_custom_first_response_field_gets_that_column(custom):
    headers = SERVICENOW + [custom]
    assert presets.detect_format(headers) == "servicenow"
    mapping = presets.propose_mapping(headers, "servicenow")
    assert mapping["first_response_at"] == custom
    assert mapping["created_at"] == "opened_at" and mapping["ticket_id"] == "number"  # the preset's own


def test_a_servicenow_custom_first_response_is_imported(store, tmp_path):
    f = tmp_path / "incident.csv"
    f.write_text(",".join(SERVICENOW + ["u_responded_at"]) + "\n"
                 "INC1,2025-01-06 09:00:00,2025-01-06 12:00:00,2025-01-06 12:00:00,2,Desk,Printer,6,phone,x,"
                 "2025-01-06 09:20:00\n")
    report = import_file(store, f)
    assert report.format == "servicenow" and report.loaded == 1
    assert report.mapping["first_response_at"] == "u_responded_at"
    column = next(c for c in report.columns if c.field == "first_response_at")
    assert column.header == "u_responded_at" and column.score == H.VENDOR and "ServiceNow" in column.how
    stamp = store.scalar("SELECT first_response_at FROM tickets")
    assert stamp == datetime(2025, 1, 6, 9, 20, tzinfo=UTC)
    assert report.measured_as == {}


def test_jira_chart_date_of_first_response_is_the_first_response(store, tmp_path):
    f = tmp_path / "jira.csv"
    f.write_text("Issue key,Issue id,Issue Type,Summary,Project key,Priority,Created,Resolved,"
                 "Custom field (Time to first response),Custom field ([CHART] Date of First Response)\n"
                 "SUP-1,1,Incident,VPN,SUP,High,05/Mar/25 9:05 AM,05/Mar/25 4:30 PM,-01:20,05/Mar/25 9:35 AM\n")
    report = import_file(store, f)
    assert report.format == "jira" and report.rejected == 0
    assert report.mapping["first_response_at"] == "Custom field ([CHART] Date of First Response)"
    assert store.scalar("SELECT first_response_at FROM tickets") == datetime(2025, 3, 5, 9, 35, tzinfo=UTC)
    assert "'Custom field (Time to first response)' is Jira's SLA clock (the time left, not a time stamp): not used" \
        in report.notes


# -- what the import does with it --------------------------------------------------------------------------------------

def test_a_zone_in_the_header_proposes_the_source_zone(store, tmp_path):
    f = tmp_path / "cet.csv"
    f.write_text("Ticket ID,Created (CET),Solved at (CET)\n1,2025-01-15 10:00:00,2025-01-15 12:00:00\n"
                 "2,2025-07-15 10:00:00,\n")
    plan = plan_import(store, f)
    assert (plan.timezone, plan.timezone_from) == ("Europe/Berlin", ["Created (CET)", "Solved at (CET)"])
    report = import_file(store, f)
    assert report.timezone == "Europe/Berlin"
    t = store.query("SELECT ticket_id, created_at, resolved_at FROM tickets ORDER BY ticket_id")
    assert t.loc[0, "created_at"] == datetime(2025, 1, 15, 9, 0, tzinfo=UTC)  # CET, +01:00
    assert t.loc[1, "created_at"] == datetime(2025, 7, 15, 8, 0, tzinfo=UTC)  # CEST, +02:00
    assert store.scalar("SELECT timezone FROM imports") == "Europe/Berlin"


@pytest.mark.parametrize("header, hours", [("Created [UTC+1]", 1), ("Created (GMT-05:00)", -5),
                                           ("Created (UTC+05:30)", 5.5)])
def test_an_offset_in_the_header_reads_naive_stamps_at_that_offset(store, tmp_path, header, hours):
    f = tmp_path / "offset.csv"
    f.write_text(f"Ticket ID,{header}\n1,2025-07-15 10:00:00\n")
    import_file(store, f)
    assert store.scalar("SELECT created_at FROM tickets") == datetime(2025, 7, 15, 10, 0, tzinfo=UTC) - timedelta(hours=hours)


def test_a_chosen_zone_wins_over_the_header(store, tmp_path):
    f = tmp_path / "cet.csv"
    f.write_text("Ticket ID,Created [UTC+1]\n1,2025-01-15 10:00:00\n")
    assert plan_import(store, f).timezone == "Etc/GMT-1"
    report = import_file(store, f, options=ImportOptions(timezone="UTC"))
    assert (report.timezone, report.timezone_from) == ("UTC", [])
    assert store.scalar("SELECT created_at FROM tickets") == datetime(2025, 1, 15, 10, 0, tzinfo=UTC)


def test_offsets_in_the_values_still_win_over_a_zone_in_the_header(store, tmp_path):
    f = tmp_path / "offsets.csv"
    f.write_text("Ticket ID,Created (CET)\n1,2025-01-15T10:00:00Z\n")
    import_file(store, f)
    assert store.scalar("SELECT created_at FROM tickets") == datetime(2025, 1, 15, 10, 0, tzinfo=UTC)


def test_headers_naming_different_zones_propose_none(store, tmp_path):
    f = tmp_path / "two.csv"
    f.write_text("Ticket ID,Created (CET),Resolved (UTC)\n1,2025-01-15 10:00:00,2025-01-15 12:00:00\n")
    plan = plan_import(store, f)
    assert plan.timezone == "UTC" and plan.timezone_from == []
    assert any("different time zones" in n for n in plan.notes)


def test_an_unsure_match_is_asked_not_assumed_and_used_once_confirmed(store, tmp_path):
    f = tmp_path / "level.csv"
    f.write_text("Ticket ID,Created,Priority level\n1,2025-01-15 10:00:00,P1\n")
    plan = plan_import(store, f)
    assert "priority" not in plan.mapping
    assert [(m.field, m.header, m.sure) for m in plan.asked] == [("priority", "Priority level", False)]
    assert "confirm" in plan.asked[0].explain()
    report = import_file(store, f)
    assert store.scalar("SELECT priority_raw FROM tickets") is None and report.asked
    confirmed = import_file(store, f, options=ImportOptions(mapping={"priority": "Priority level"}))
    assert store.scalar("SELECT priority FROM tickets") == "urgent" and not confirmed.asked
    assert next(c for c in confirmed.columns if c.field == "priority").how == "chosen by hand"


def test_a_column_guessed_by_its_name_that_holds_no_dates_is_not_used(store, tmp_path):
    f = tmp_path / "durations.csv"
    f.write_text("Ticket ID,Created,Resolution time\n1,2025-01-15 10:00:00,3.5\n2,2025-01-15 11:00:00,12\n")
    report = import_file(store, f)
    assert (report.loaded, report.rejected) == (2, 0)  # not 'unreadable resolved time' on every row
    assert "resolved_at" not in report.mapping
    assert any("'Resolution time'" in n and "no dates" in n for n in report.notes)
    g = tmp_path / "stamps.csv"
    g.write_text("Ticket ID,Created,Resolution time\n1,2025-01-15 10:00:00,2025-01-15 13:30:00\n")
    assert import_file(store, g).mapping["resolved_at"] == "Resolution time"


def test_no_first_response_column_says_what_first_response_targets_measure(store, tmp_path):
    f = tmp_path / "plain.csv"
    f.write_text("Ticket ID,Created,Resolved\n1,2025-01-15 10:00:00,2025-01-15 12:00:00\n")
    plan = plan_import(store, f)
    report = import_file(store, f)
    for measured in (plan.measured_as, report.measured_as):
        sentence = measured["first_response"]
        assert "no first-response column" in sentence and "resolution as its first response" in sentence
    assert report.as_json()["measured_as"] == report.measured_as


def test_the_vendor_business_minutes_only_case_is_said_too(store):
    from paths import REPO

    report = import_file(store, REPO / "tests" / "fixtures" / "zendesk_business_minutes_only.csv")
    assert "vendor's business-hours figure" in report.measured_as["first_response"]
    zendesk = import_file(store, REPO / "tests" / "fixtures" / "zendesk_export.csv")
    assert zendesk.measured_as == {}  # first replies derived from the reply minutes


def test_json_report_gains_columns_asked_timezone_and_measured_as(store, tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("Request_No,Date opened (GMT),Priority level\nR1,2025-01-15 10:00:00,High\n")
    out = import_file(store, f).as_json()
    assert {"loaded", "updated", "rejected", "format", "source", "import_id", "file", "rows_read", "duplicates",
            "seconds", "mapping", "timestamp_formats", "notes"} <= set(out)
    assert out["columns"]["created_at"] == {"header": "Date opened (GMT)", "score": 0.95,
                                            "how": "like “Date opened”; set aside: (GMT)"}
    assert out["columns"]["ticket_id"]["header"] == "Request_No" and out["columns"]["ticket_id"]["score"] == 0.8
    assert [a["header"] for a in out["asked"]] == ["Priority level"]
    assert (out["timezone"], out["timezone_from"]) == ("UTC", ["Date opened (GMT)"])
    assert "first_response" in out["measured_as"]
    json.dumps(out)


def test_a_column_is_one_field_even_by_hand(store, tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("Ticket ID,Created,Closed\n1,2025-01-15 10:00:00,2025-01-15 11:00:00\n")
    with pytest.raises(UserError, match="one field only"):
        import_file(store, f, options=ImportOptions(mapping={"created_at": "Closed", "resolved_at": "Closed"}))
    report = import_file(store, f, options=ImportOptions(mapping={"first_response_at": "Closed"}))
    assert report.mapping["first_response_at"] == "Closed" and "resolved_at" not in report.mapping


# -- the command line ----------------------------------------------------------------------------------------------------

def test_cli_json_says_where_columns_came_from_and_timezone_wins(tmp_path):
    from test_cli_import import cli, last_json, stored

    f = tmp_path / "cet.csv"
    f.write_text("Ticket ID,Created (CET),Priority level\n1,2025-01-15 10:00:00,High\n")
    db = tmp_path / "c.duckdb"
    out = last_json(cli("import", f, "--db", db, "--json"))
    assert (out["loaded"], out["format"], out["timezone"], out["timezone_from"]) == (1, "generic", "Europe/Berlin",
                                                                                    ["Created (CET)"])
    assert out["columns"]["created_at"]["header"] == "Created (CET)" and out["columns"]["ticket_id"]["score"] == 1.0
    assert out["asked"][0]["field"] == "priority" and "priority" not in out["mapping"]
    assert "count every ticket as unanswered" in out["measured_as"]["first_response"]  # no resolution either
    assert str(stored(db, "SELECT strftime(created_at, '%H:%M') FROM tickets")) == "09:00"
    again = last_json(cli("import", f, "--db", db, "--json", "--timezone", "UTC", "--map", "priority=Priority level"))
    assert (again["updated"], again["timezone"], again["timezone_from"], again["asked"]) == (1, "UTC", [], [])
    assert str(stored(db, "SELECT strftime(created_at, '%H:%M') FROM tickets")) == "10:00"
    human = cli("import", f, "--db", tmp_path / "h.duckdb")
    assert human.returncode == 0
    assert "read in Europe/Berlin, as the header 'Created (CET)' says" in human.stdout
    assert "please confirm: 'Priority level' may be priority" in human.stdout
    assert "--map priority='Priority level'" in human.stdout
    assert "first-response targets will count every ticket as unanswered" in human.stdout


# -- whole headers of real exports (column names as published in public projects) -----------------------------------

SERVICENOW_INCIDENT_TABLE = (
    "parent,u_work_hours,caused_by,watch_list,sys_updated_on,number,u_first_level_of_resolution,state,sys_created_by,"
    "cmdb_ci,impact,active,priority,business_duration,short_description,work_start,u_acknowledgement_time,"
    "closed_by,reopened_by,u_target_date,reassignment_count,assigned_to,sla_due,made_sla,resolved_by,sys_updated_by,"
    "u_first_response,opened_by,sys_created_on,closed_at,time_worked,opened_at,work_end,reopened_time,resolved_at,"
    "caller_id,close_code,assignment_group,calendar_duration,sys_id,contact_type,u_customer_response,incident_state,"
    "urgency,company,due_date,sys_mod_count,reopen_count,location,category").split(",")
ZENDESK_EXPLORE = (
    "Id,Requester id,Group,Status,Priority,Via,Created at,Updated at,Assigned at,Initially assigned at,Solved at,"
    "Resolution time,Satisfaction Score,Reopens,Replies,First reply time in minutes within business hours,"
    "First resolution time in minutes,Full resolution time in minutes,Requester wait time in minutes,"
    "Manual Tagging of Categories [list]").split(",")
JIRA_SERVICE_DESK = [
    "Summary", "Issue Key", "Issue Type", "Status", "Created", "Resolved", "Updated",
    "Custom field (Time to resolution)", "Custom field (Time to first response)",
    "Custom field ([CHART] Date of First Response)", "Custom field (Request Type)", "Custom field (Source)",
    "Satisfaction rating", "Custom field (Satisfaction date)", "Status Category", "Status Category Changed",
    "Priority", "Assignee", "Reporter"]


def test_a_real_servicenow_incident_table_with_custom_fields():
    assert presets.detect_format(SERVICENOW_INCIDENT_TABLE) == "servicenow"
    mapping = presets.propose_mapping(SERVICENOW_INCIDENT_TABLE, "servicenow")
    assert mapping["first_response_at"] == "u_first_response"  # the custom field the preset lacks
    assert (mapping["created_at"], mapping["resolved_at"], mapping["updated_at"]) == \
        ("opened_at", "resolved_at", "sys_updated_on")
    assert set(mapping.values()).isdisjoint({"reopened_time", "sys_created_by", "resolved_by", "sla_due", "due_date"})


def test_a_servicenow_duration_field_is_no_first_response_time_stamp():
    """ServiceNow writes durations as epoch date-times ('1970-01-01 06:22:14'): read as a time stamp, every
    ticket would be answered before it was created."""
    assert field_of("u_first_response_duration", "servicenow", tuple(SERVICENOW)) is None


def test_a_real_zendesk_explore_export():
    assert presets.detect_format(ZENDESK_EXPLORE) == "zendesk"
    ms = {m.field: m for m in presets.match_columns(ZENDESK_EXPLORE, "zendesk")}
    assert all(m.score == 1.0 for m in ms.values())  # the preset's own names, nothing guessed
    assert ms["resolved_at"].header == "Solved at" and "Resolution time" not in {m.header for m in ms.values()}


def test_a_real_jira_service_management_export():
    assert presets.detect_format(JIRA_SERVICE_DESK) == "jira"
    mapping = presets.propose_mapping(JIRA_SERVICE_DESK, "jira")
    assert mapping["first_response_at"] == "Custom field ([CHART] Date of First Response)"
    assert "Custom field (Time to first response)" not in mapping.values()
    assert mapping["status"] == "Status" and mapping["category"] == "Custom field (Request Type)"


def test_the_formats_and_mappings_of_every_real_file_are_unchanged(store, inputs):
    """tests/fixtures/header_mappings.json holds what the exact-name matcher proposed for every fixture, shared
    input and sample file before this matcher; only a column found in addition may differ (none does yet)."""
    from paths import REPO

    expected = json.loads((REPO / "tests" / "fixtures" / "header_mappings.json").read_text())
    where = {"fixtures": REPO / "tests" / "fixtures", "inputs": inputs, "sample_data": REPO / "sample_data"}
    changed = {}
    for name, before in expected.items():
        folder, file = name.split("/")
        plan = plan_import(store, where[folder] / file)
        now = {"format": plan.format, "mapping": plan.mapping}
        if now["format"] != before["format"] or any(plan.mapping.get(f) != h for f, h in before["mapping"].items()):
            changed[name] = (before, now)
    assert not changed
