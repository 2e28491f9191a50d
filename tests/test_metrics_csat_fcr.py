"""CSAT and first contact resolution through the engine, against hand-computed expectations.

Rows go straight into the tables (the importers have their own tests): what is checked here is the judging — which
responses are satisfied on which scale, where offered-only surveys go, which period a response counts in, that a
response takes its ticket's team for the filter bar, and the FCR definitions including the one that cannot apply.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from slacore.metric_defs.units import TOP_BOXES_KEY, satisfied_words
from slacore.metrics import Evaluation, summarize
from slacore.scope import Filters
from slacore.sla_yaml import apply_yaml, export_yaml, parse_yaml
from slacore.targets import build_target, current_targets

UTC = timezone.utc


def u(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def tickets(store, rows):
    """rows: (id, created, resolved, team, reopens, agent_replies, customer_replies, first_contact)."""
    with store.transaction() as cur:
        cur.executemany(
            "INSERT INTO tickets (source, ticket_id, created_at, resolved_at, team, priority, reopens, agent_replies, "
            "customer_replies, first_contact) VALUES ('desk', ?, ?, ?, ?, 'normal', ?, ?, ?, ?)", rows)


def surveys(store, rows):
    """rows: (response id, ticket id, rated_at, answered, rating, scale_min, scale_max, team)."""
    with store.transaction() as cur:
        cur.executemany(
            "INSERT INTO surveys (source, response_id, ticket_id, rated_at, answered, rating, scale_min, scale_max, "
            "team) VALUES ('poll', ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def one(store, yaml_target: str, start=date(2025, 3, 1), end=date(2025, 3, 31), as_of=u(2025, 4, 1), filters=None):
    apply_yaml(store, "targets:\n  - " + yaml_target + "\n")
    name = parse_yaml("targets:\n  - " + yaml_target + "\n").targets[0][0].name
    with Evaluation(store, start=start, end=end, as_of=as_of, filters=filters) as ev:
        return ev.summary().set_index("name").loc[name]


def test_csat_counts_the_top_two_boxes_of_each_scale_and_leaves_offered_surveys_out(store):
    surveys(store, [
        ("r1", None, u(2025, 3, 2), True, 1, 0, 1, None),  # good
        ("r2", None, u(2025, 3, 2), True, 0, 0, 1, None),  # bad
        ("r3", None, u(2025, 3, 3), True, 4, 1, 5, None),  # 4 of 5: satisfied
        ("r4", None, u(2025, 3, 3), True, 3, 1, 5, None),  # 3 of 5: not
        ("r5", None, u(2025, 3, 4), True, 9, 0, 10, None),  # 9 of 0-10: satisfied
        ("r6", None, u(2025, 3, 4), True, 8, 1, 10, None),  # 8 of 1-10: not
        ("r7", None, u(2025, 3, 5), True, 6, 1, 7, None),  # 6 of 7: satisfied
        ("r8", None, u(2025, 3, 5), False, None, 0, 1, None),  # offered, never answered
        ("r9", None, u(2025, 4, 2), True, 1, 0, 1, None),  # next month
    ])
    row = one(store, "{name: CSAT, metric: csat, goal: 60%}")
    assert (row["met"], row["breached"], row["unmeasured"], row["pending"]) == (4, 3, 1, 0)
    assert row["attainment"] == pytest.approx(57.1) and not row["goal_met"]

    # The workspace threshold: top box only (5 of 5, 10 of 10, 7 of 7, good).
    with store.transaction() as cur:
        cur.execute("INSERT OR REPLACE INTO settings VALUES (?, to_json(1))", [TOP_BOXES_KEY])
    with Evaluation(store, start=date(2025, 3, 1), end=date(2025, 3, 31), as_of=u(2025, 4, 1)) as ev:
        row = ev.summary().iloc[0]
    assert (row["met"], row["breached"]) == (1, 6)
    assert satisfied_words(1) == "satisfied = 5 of 5, 7 of 7, 10 of 10, or 'good'"
    assert satisfied_words(2) == "satisfied = 4–5 of 5, 6–7 of 7, 9–10 of 10, or 'good'"


def test_a_response_without_rating_time_counts_when_its_ticket_was_resolved_and_takes_its_team(store):
    tickets(store, [("T1", u(2025, 2, 20), u(2025, 3, 10), "Billing", 0, 1, 1, None),
                    ("T2", u(2025, 2, 20), u(2025, 2, 25), "Billing", 0, 1, 1, None)])
    surveys(store, [
        ("r1", "T1", None, True, 5, 1, 5, "Other"),  # no rating time: counts in March (T1 resolved 10 March)
        ("r2", "T2", None, True, 1, 1, 5, None),  # no rating time: February (T2 resolved 25 Feb)
        ("r3", None, u(2025, 3, 12), True, 2, 1, 5, "Support"),  # no ticket: its own team
    ])
    row = one(store, "{name: CSAT, metric: csat, goal: 50%}")
    assert (row["met"], row["breached"]) == (1, 1)
    with Evaluation(store, start=date(2025, 3, 1), end=date(2025, 3, 31), as_of=u(2025, 4, 1),
                    filters=Filters(team=("Billing",))) as ev:
        billing = ev.summary().iloc[0]
    with Evaluation(store, start=date(2025, 3, 1), end=date(2025, 3, 31), as_of=u(2025, 4, 1)) as ev:
        by_team = ev.by_dimension("team").set_index("value")
    assert (billing["met"], billing["breached"]) == (1, 0)  # the ticket's team wins over the response's own
    assert by_team.loc["Support", "breached"] == 1 and by_team.loc["Billing", "met"] == 1


def test_fcr_definitions_and_the_one_that_cannot_apply(store):
    tickets(store, [
        # id, created, resolved, team, reopens, agent replies, customer replies, first-contact column
        ("A", u(2025, 3, 3), u(2025, 3, 3, 5), "T", 0, 1, 1, True),  # first contact by every definition
        ("B", u(2025, 3, 4), u(2025, 3, 5), "T", 1, 1, 1, False),  # reopened
        ("C", u(2025, 3, 5), u(2025, 3, 6), "T", 0, 3, 2, False),  # three replies, a follow-up
        ("D", u(2025, 3, 6), None, "T", 0, 1, 1, None),  # still open: pending
        ("E", u(2025, 3, 7), u(2025, 3, 8), "T", None, None, None, None),  # nothing to judge by: unmeasured
    ])
    row = one(store, "{name: FCR, metric: fcr, goal: 50%}")
    assert (row["met"], row["breached"], row["pending"], row["unmeasured"]) == (1, 2, 1, 1)
    row = one(store, "{name: FCR2, metric: fcr, measure: no_follow_up, goal: 50%}")
    assert (row["met"], row["breached"]) == (2, 1)  # B had no customer follow-up
    summary = summarize(store, date(2025, 3, 1), date(2025, 3, 31), u(2025, 4, 1)).set_index("name")
    assert summary.loc["FCR", "attainment"] == pytest.approx(33.3)


def test_fcr_on_an_export_without_counts_is_unmeasured_and_says_why(store):
    from slacore.whatif import measurement_notes

    tickets(store, [("A", u(2025, 3, 3), u(2025, 3, 4), "T", None, None, None, None)])
    row = one(store, "{name: FCR, metric: fcr, goal: 70%}")
    assert (row["met"], row["breached"], row["unmeasured"]) == (0, 0, 1)
    assert row["goal_met"] is None
    notes = measurement_notes(store, current_targets(store)[0])
    assert any("cannot be applied" in n for n in notes), notes


def test_new_metric_targets_take_no_threshold_and_round_trip_through_yaml(store):
    with pytest.raises(ValueError, match="within: customer satisfaction has no threshold"):
        build_target("C", "csat", "1h", "80%")
    with pytest.raises(ValueError, match="where: uptime is scoped by service, not team"):
        build_target("U", "uptime", None, "99.9%", {"team": "Billing"})
    with pytest.raises(ValueError, match="credits: only uptime targets carry service credits"):
        build_target("C", "csat", None, "80%", credits=[{"below": "80%", "credit": "5%"}])
    with pytest.raises(ValueError, match="a lower uptime must not earn a smaller credit"):
        build_target("U", "uptime", None, "99.9%", credits=[{"below": "99.9%", "credit": "25%"},
                                                           {"below": "99%", "credit": "10%"}])
    text = ("targets:\n"
            "  - {name: CSAT, metric: csat, goal: 85%}\n"
            "  - {name: FCR, metric: fcr, measure: first_contact, goal: 70%}\n"
            "  - name: API\n    metric: uptime\n    where: {service: API}\n    goal: 99.9%\n    budget: quarter\n"
            "    credits: [{below: 99%, credit: 25%}, {below: 99.9%, credit: 10%}]\n")
    apply_yaml(store, text)
    api = {t.name: t for t in current_targets(store)}["API"]
    assert api.credits == ((0.999, 0.1), (0.99, 0.25)) and api.budget == "quarter"
    assert api.describe() == "API up 99.9% of the time per quarter (planned maintenance excluded; credits below " \
                             "99.9%, 99%)"
    again = export_yaml(store)
    assert "within" not in again and "budget: quarter" in again
    assert apply_yaml(store, again) == {"calendars": 0, "created": 0, "changed": 0, "unchanged": 3}
    assert [t.metric for t, _, _ in parse_yaml(again).targets] == ["csat", "fcr", "uptime"]


def test_the_csat_drilldown_lists_the_lowest_ratings_first_with_their_comments(store):
    from slacore.metric_defs import get

    with store.transaction() as cur:
        cur.executemany(
            "INSERT INTO surveys (source, response_id, rated_at, answered, rating, scale_min, scale_max, comment) "
            "VALUES ('poll', ?, ?, ?, ?, 1, 5, ?)",
            [("a", u(2025, 3, 2), True, 5, "great"), ("b", u(2025, 3, 3), True, 1, "slow"),
             ("c", u(2025, 3, 4), True, 2, None), ("d", u(2025, 3, 5), False, None, None)])
    apply_yaml(store, "targets:\n  - {name: CSAT, metric: csat, goal: 80%}\n")
    with Evaluation(store, start=date(2025, 3, 1), end=date(2025, 3, 31), as_of=u(2025, 4, 1)) as ev:
        rows = get("csat").drilldown(ev, "CSAT")
        bad = get("csat").drilldown(ev, "CSAT", "breached")
    assert rows["comment"].fillna("").tolist()[:3] == ["slow", "", "great"] and rows["outcome"].tolist()[-1] == "unmeasured"
    assert bad["rating"].tolist() == ["1", "2"]
