"""SLA as code: YAML round trip, the documented example, error messages naming line and field, atomic apply, and
the bundled templates."""

from __future__ import annotations

import textwrap
from datetime import date, datetime, timezone

import pytest
import yaml

import slacore.sla_yaml as sla_yaml
from slacore.calendars import TEMPLATE_CALENDARS, calendar_from_dict
from slacore.errors import UserError
from slacore.sla_yaml import apply_yaml, export_yaml, parse_yaml
from slacore.targets import calendars, current_targets, get_target, history, save_calendar, versions
from slacore.templates import TEMPLATES, template_yaml

# Line numbers below refer to this document.
BASE = """\
calendars:
  berlin-office:
    timezone: Europe/Berlin
    hours: {mon-fri: "09:00-17:00"}
    holidays: DE-BE
    closed: [2025-12-24]
targets:
  - name: Urgent first response
    metric: first_response
    where: {priority: urgent}
    within: 1h
    goal: 95%
    calendar: berlin-office
  - name: Billing resolution
    metric: resolution
    where: {team: [Billing, Finance], priority: [urgent, high]}
    within: 8h
    goal: 90%
    calendar: berlin-office
    pause: [pending, on_hold]
  - name: Vendor email
    metric: first_response
    where: {channel: Email}
    within: 4h
    goal: 85%
    measure: vendor
    effective: 2025-01-01
    reason: vendor clock per contract
"""


def with_line(number: int, text: str | None) -> str:
    """BASE with line `number` replaced (None deletes it)."""
    lines = BASE.splitlines()
    assert 1 <= number <= len(lines)
    if text is None:
        del lines[number - 1]
    else:
        lines[number - 1] = text
    return "\n".join(lines) + "\n"


def definitions(targets) -> list[tuple]:
    return [(t.name, t.definition()) for t in targets]


def stored_counts(store) -> tuple[int, int, int]:
    return (store.scalar("SELECT count(*) FROM targets"), store.scalar("SELECT count(*) FROM target_versions"),
            store.scalar("SELECT count(*) FROM calendars"))


# ---------------------------------------------------------------------------------------------------------------
# Parsing and applying
# ---------------------------------------------------------------------------------------------------------------


def test_parse_the_base_document():
    config = parse_yaml(BASE)
    assert [c.name for c in config.calendars] == ["berlin-office"]
    cal = config.calendars[0]
    assert (cal.timezone, cal.holidays, cal.closed) == ("Europe/Berlin", "DE-BE", (date(2025, 12, 24),))
    assert cal.hours[0] == ((540, 1020),) and cal.hours[5] == ()
    (t1, e1, r1), (t2, e2, r2), (t3, e3, r3) = config.targets
    assert (t1.name, t1.metric, t1.within_s, t1.goal, t1.where, t1.calendar) == (
        "Urgent first response", "first_response", 3600, 0.95, (("priority", ("urgent",)),), "berlin-office")
    assert (t2.within_s, t2.goal, t2.pause, t2.where) == (
        8 * 3600, 0.9, ("on_hold", "pending"), (("priority", ("high", "urgent")), ("team", ("Billing", "Finance"))))
    assert (t3.measure, t3.calendar, t3.where, e3, r3) == (
        "vendor", "24x7", (("channel", ("Email",)),), date(2025, 1, 1), "vendor clock per contract")
    assert (e1, r1, e2, r2) == (None, "", None, "")


def test_apply_then_export_round_trips(store):
    assert apply_yaml(store, BASE, author="ann") == {"calendars": 1, "created": 3, "changed": 0, "unchanged": 0}
    assert history(store)["author"].tolist() == ["ann"] * 3
    assert history(store, "Vendor email")["reason"].tolist() == ["vendor clock per contract"]
    assert history(store, "Urgent first response")["reason"].tolist() == ["applied from YAML"]
    exported = export_yaml(store)
    again = parse_yaml(exported)
    assert definitions(t for t, _, _ in again.targets) == definitions(current_targets(store))
    stored = calendars(store)
    assert {c.name: c for c in again.calendars} == {"berlin-office": stored["berlin-office"]}
    # Applying the export changes nothing.
    assert apply_yaml(store, exported) == {"calendars": 0, "created": 0, "changed": 0, "unchanged": 3}
    assert stored_counts(store) == (3, 3, 1)
    # And the exported text is plain YAML a person can read.
    doc = yaml.safe_load(exported)
    assert doc["targets"][0] == {"name": "Urgent first response", "metric": "first_response",
                                 "where": {"priority": "urgent"}, "within": "1h", "goal": "95%",
                                 "calendar": "berlin-office"}
    assert doc["calendars"]["berlin-office"] == {"timezone": "Europe/Berlin", "hours": {"mon-fri": "09:00-17:00"},
                                                 "holidays": "DE-BE", "closed": ["2025-12-24"]}


def test_round_trip_of_awkward_values(store):
    text = textwrap.dedent("""\
        calendars:
          shifts:
            timezone: America/New_York
            hours: {mon-thu: "08:00-12:00, 13:00-17:30", fri: "24h", sun: "10:00-14:00"}
            closed: [2025-07-03, 2025-12-24]
        targets:
          - {name: Odd, metric: resolution, within: 1h30m, goal: 99.5%, calendar: shifts, pause: on_hold,
             where: {customer: [Acme, "Beta Corp"], category: Billing, customer_tier: Gold}}
          - {name: Seconds, metric: first_response, within: 90s, goal: 0.5, calendar: office-eu}
          - {name: Minutes, metric: first_response, within: 45, goal: 80, calendar: 24x7}
    """)
    apply_yaml(store, text)
    odd, seconds, minutes = current_targets(store)
    assert (odd.within_s, odd.goal, odd.pause) == (5400, 0.995, ("on_hold",))
    assert (seconds.within_s, seconds.goal) == (90, 0.5)
    assert (minutes.within_s, minutes.goal) == (45 * 60, 0.8)  # a bare number is minutes
    exported = export_yaml(store)
    assert definitions(t for t, _, _ in parse_yaml(exported).targets) == definitions(current_targets(store))
    parsed_cals = {c.name: c for c in parse_yaml(exported).calendars}
    assert parsed_cals["shifts"] == calendars(store)["shifts"]
    assert parsed_cals["office-eu"] == TEMPLATE_CALENDARS["office-eu"]  # a used built-in calendar is exported too
    assert apply_yaml(store, exported)["unchanged"] == 3


def test_the_documented_example_applies(store):
    doc = sla_yaml.__doc__
    example = textwrap.dedent(doc[doc.index("    calendars:"):doc.index("Optional per target")])
    assert apply_yaml(store, example) == {"calendars": 1, "created": 4, "changed": 0, "unchanged": 0}
    t = get_target(store, "Urgent first response")
    assert (t.metric, t.within_s, t.goal, t.scope, t.calendar) == (
        "first_response", 3600, 0.95, {"priority": ["urgent"]}, "berlin-office")
    cal = calendars(store)["berlin-office"]
    assert (cal.timezone, cal.holidays, cal.closed) == ("Europe/Berlin", "DE-BE", (date(2025, 12, 24),))


def test_effective_date_and_a_second_apply_make_a_version(store):
    apply_yaml(store, BASE)
    changed = BASE.replace("    within: 1h\n", "    within: 2h\n    effective: 2025-03-15\n    reason: renegotiated\n")
    assert apply_yaml(store, changed, author="bob") == {"calendars": 0, "created": 0, "changed": 1, "unchanged": 2}
    t = get_target(store, "Urgent first response")
    assert (t.version, t.within_s, t.author, t.reason) == (2, 7200, "bob", "renegotiated")
    assert versions(store, t.target_id)[1][1] == datetime(2025, 3, 15, tzinfo=timezone.utc)


def test_targets_may_use_a_calendar_already_stored(store):
    save_calendar(store, calendar_from_dict("night-desk", {"timezone": "UTC", "hours": {"mon-sun": "20:00-24:00"}}))
    text = "targets:\n  - {name: Night, metric: first_response, within: 2h, goal: 90%, calendar: night-desk}\n"
    assert apply_yaml(store, text)["created"] == 1
    with pytest.raises(UserError, match="line 2: targets\\[1\\].calendar: unknown calendar 'night-desk'"):
        parse_yaml(text)  # without the store, the file alone does not define it


# ---------------------------------------------------------------------------------------------------------------
# Errors name the line and the field; nothing is half-applied
# ---------------------------------------------------------------------------------------------------------------

ERRORS = [
    # (line replaced, new text, expected start of the message)
    (17, "    within: 8 parsecs", "line 17: targets[2].within: bad duration '8 parsecs'"),
    (17, "    within: 0m", "line 17: targets[2].within: the threshold must be more than zero"),
    (22, "    metric: first_reply", "line 22: targets[3].metric: 'first_reply' is not one of"),
    (19, "    calendar: berlin-ofice", "line 19: targets[2].calendar: unknown calendar 'berlin-ofice'"),
    (28, "    reasn: typo", "line 28: targets[3].reasn: unknown field"),
    (25, "    goal: 150%", "line 25: targets[3].goal: goal '150%' must be between 0% and 100%"),
    (12, "    goal: lots", "line 12: targets[1].goal: bad goal 'lots'"),
    (21, "  - name: Urgent first response", "line 21: targets[3].name: a second target named 'Urgent first response'"),
    (11, "    within: 1h: x", "line 11: not valid YAML"),
    (11, '    within: "1h', "line 11: not valid YAML"),  # unclosed quote: found at the end, named where it opened
    (10, "    where: {priority: urgent", "line 10: not valid YAML"),
    (12, "\tgoal: 95%", "line 12: not valid YAML"),
    (3, "    timezone: Mars/Olympus", "line 3: calendars.berlin-office.timezone: calendar 'berlin-office': "
                                     "unknown time zone 'Mars/Olympus'"),
    (4, '    hours: {mon-fri: "17:00-09:00"}', "line 4: calendars.berlin-office.hours:"),
    (5, "    holidays: XX-YY", "line 5: calendars.berlin-office.holidays:"),
    (6, "    closed: [next friday]", "line 6: calendars.berlin-office.closed:"),
    (10, "    where: {prio: urgent}", "line 10: targets[1].where: unknown scope field 'prio'"),
    (10, "    where: {priority: critical}", "line 10: targets[1].where: priority must be"),
    (10, "    where: urgent", "line 10: targets[1].where:"),
    (26, "    measure: theirs", "line 26: targets[3].measure:"),
    (26, "    pause: [pending]", "line 26: targets[3].pause: only resolution clocks pause"),
    (20, "    pause: [lunch]", "line 20: targets[2].pause: lunch not one of"),
    (20, "    pause: 5", "line 20: targets[2].pause:"),
    (27, "    effective: soon", "line 27: targets[3].effective: must be a date"),
    (14, "  - name:", "line 14: targets[2].name: has no value"),
    (12, None, "line 8: targets[1]: 'goal' is missing"),
    (13, "    goal: 99%", "line 13: goal: given twice in the same mapping (first on line 12)"),
    (7, "targetz:", "line 7: targetz: unknown section"),
    (2, "  24x7:", "line 2: calendars.24x7: the calendar name 24x7 is built in"),
]


@pytest.mark.parametrize("number, text, message", ERRORS, ids=[f"line{n}-{m.split(': ')[1][:20]}" for n, _, m in ERRORS])
def test_errors_name_the_line_and_field(number, text, message):
    with pytest.raises(UserError) as info:
        parse_yaml(with_line(number, text))  # apply_yaml validates with the same parse before writing anything
    assert str(info.value).startswith(message), str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("number, text", [(17, "    within: 8 parsecs"), (7, "targetz:"), (11, '    within: "1h')])
def test_a_refused_file_applies_nothing(store, number, text):
    with pytest.raises(UserError, match=f"^line {number}: "):
        apply_yaml(store, with_line(number, text))
    assert stored_counts(store) == (0, 0, 0)


@pytest.mark.parametrize("text, message", [
    ("", "line 1: the file is empty"),
    ("- a\n- b\n", "line 1: the file must be a mapping"),
    ("targets:\n  name: x\n", "line 1: targets: must be a list"),
    ("targets:\n  - just a string\n", "line 1: targets[1]: each target must be a mapping"),
    ("calendars: [a, b]\n", "line 1: calendars: must be a mapping"),
])
def test_malformed_documents(text, message):
    with pytest.raises(UserError) as info:
        parse_yaml(text)
    assert str(info.value).startswith(message), str(info.value)


@pytest.mark.parametrize("field", ["name", "metric", "within", "goal", "where", "calendar", "measure", "pause",
                                   "effective", "reason"])
@pytest.mark.parametrize("value", ["[1, 2]", "{a: 1}", "~", "yes", "-3", "2025-01-01"])
def test_odd_value_types_give_a_user_error_or_a_valid_target(field, value):
    """Whatever a person types as a value, the answer is a UserError with a line number, never a crash."""
    line = {"name": 8, "metric": 9, "where": 10, "within": 11, "goal": 12, "calendar": 13}.get(field)
    text = with_line(line, f"    {field}: {value}") if line else BASE.replace(
        "    calendar: berlin-office\n  - name: Billing", f"    calendar: berlin-office\n    {field}: {value}\n"
                                                         "  - name: Billing", 1)
    try:
        parse_yaml(text)
    except UserError as exc:
        assert str(exc).startswith("line "), str(exc)


def test_a_bad_third_target_applies_nothing(store):
    bad = with_line(24, "    within: forever")  # the 3rd target
    with pytest.raises(UserError, match="line 24: targets\\[3\\].within"):
        apply_yaml(store, bad)
    assert stored_counts(store) == (0, 0, 0)  # neither the first two targets nor the calendar
    assert current_targets(store) == [] and "berlin-office" not in calendars(store)


def test_a_failure_while_writing_rolls_back_everything(store, monkeypatch):
    apply_yaml(store, BASE)
    before = stored_counts(store)
    changed = BASE.replace("within: 1h", "within: 3h").replace("within: 8h", "within: 9h").replace(
        "within: 4h", "within: 5h").replace('"09:00-17:00"', '"08:00-16:00"')
    real, calls = sla_yaml.save_target, []

    def failing(*args, **kwargs):
        calls.append(args[1].name)
        if len(calls) == 3:
            raise UserError("the disk is full")
        return real(*args, **kwargs)

    monkeypatch.setattr(sla_yaml, "save_target", failing)
    with pytest.raises(UserError, match="disk is full"):
        apply_yaml(store, changed)
    assert len(calls) == 3
    assert stored_counts(store) == before
    assert [t.within_s for t in current_targets(store)] == [3600, 8 * 3600, 4 * 3600]
    assert calendars(store)["berlin-office"].hours[0] == ((540, 1020),)


# ---------------------------------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_applies_cleanly_and_round_trips(store, name):
    text = template_yaml(name)
    expected = len(yaml.safe_load(text)["targets"])
    counts = apply_yaml(store, text, author="template")
    assert counts["created"] == expected and counts["changed"] == 0
    assert len(current_targets(store)) == expected
    for t in current_targets(store):
        assert t.calendar in calendars(store)
    assert apply_yaml(store, export_yaml(store)) == {"calendars": 0, "created": 0, "changed": 0,
                                                     "unchanged": expected}
    assert apply_yaml(store, text)["unchanged"] == expected


def test_template_contents():
    assert sorted(TEMPLATES) == ["b2b-saas", "critical-ops-24x7", "it-service-desk", "retail-care"]
    it = {t.name: t for t, _, _ in parse_yaml(template_yaml("it-service-desk")).targets}
    assert (it["P1 first response"].within_s, it["P1 first response"].goal) == (1800, 0.95)
    assert it["P4 resolution"].within_s == 50 * 3600
    saas = {t.name: t for t, _, _ in parse_yaml(template_yaml("b2b-saas")).targets}
    assert saas["Urgent resolution"].pause == ("pending",)
    retail = {t.name: t for t, _, _ in parse_yaml(template_yaml("retail-care")).targets}
    assert retail["Chat first response"].where == (("channel", ("chat",)),)
    assert retail["Chat first response"].within_s == 300
