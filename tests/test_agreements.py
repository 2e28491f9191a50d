"""Agreements (SLA / OLA / UC): a named set of targets with a counterparty, a scope and a cadence — versioned, one
agreement per target, judged on its scope only; the YAML round trip; reviews held for an agreement; action items
carried over by period."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from slacore import agreements as ag, reviews
from slacore.errors import UserError
from slacore.metrics import Filters, summarize
from slacore.review_pack import html_report, workbook_bytes
from slacore.sla_yaml import apply_yaml, export_yaml
from slacore.targets import build_target, get_target, retire_target, save_target
from ticketdata import add_tickets, tk, u

AS_OF = u(2025, 2, 1)
JAN = (date(2025, 1, 1), date(2025, 1, 28))


@pytest.fixture
def desk(store):
    """January 2025: ACME's tickets are answered in 30 min on even days and in 2 h on odd days; Globex's always
    in 3 h. Three targets; the ACME agreement holds two of them."""
    save_target(store, build_target("Fast reply", "first_response", "1h", "90%"), author="t")
    save_target(store, build_target("Resolved in a day", "resolution", "24h", "80%"), author="t")
    save_target(store, build_target("Internal reply", "first_response", "4h", "80%"), author="t")
    rows = []
    for day in range(1, 29):
        slow = day % 2 == 1
        rows.append(tk(f"a{day}", u(2025, 1, day, 9), fr=u(2025, 1, day, 11 if slow else 9, 30),
                       rs=u(2025, 1, day, 15), customer="ACME", team="Tier 1"))
        rows.append(tk(f"g{day}", u(2025, 1, day, 10), fr=u(2025, 1, day, 13), rs=u(2025, 1, day, 16),
                       customer="Globex", team="Tier 2"))
    add_tickets(store, *rows)
    return store


def _acme(store, **overrides) -> ag.Agreement:
    ids = ag.target_ids_for(store, overrides.pop("targets", ["Fast reply", "Resolved in a day"]))
    fields = {"name": "ACME support", "kind": "SLA", "counterparty": "ACME Corp", "scope": {"customer": "ACME"},
              "cadence": "quarter", "description": "Schedule B", "target_ids": ids} | overrides
    return ag.build_agreement(**fields)


def test_bad_fields_are_refused_naming_the_field():
    for fields, fragment in [({"name": " "}, "name:"), ({"name": "A", "kind": "SLO"}, "kind:"),
                             ({"name": "A", "cadence": "weekly"}, "cadence:"),
                             ({"name": "A", "scope": {"tier": "gold"}}, "scope: unknown scope field 'tier'"),
                             ({"name": "A", "scope": {"priority": "p1"}}, "priority must be")]:
        with pytest.raises(ValueError, match=fragment):
            ag.build_agreement(**fields)
    assert ag.build_agreement("A", kind="ola").kind == "OLA"


def test_an_agreement_is_judged_on_its_targets_and_its_scope_only(desk):
    assert ag.save_agreement(desk, _acme(desk), author="lead", reason="contract signed") == "created"
    acme = ag.get_agreement(desk, "acme SUPPORT")  # names match whatever the case
    frame = ag.summarize_agreement(desk, acme, *JAN, AS_OF)
    assert list(frame["name"]) == ["Fast reply", "Resolved in a day"]
    assert (int(frame["met"][0]), int(frame["breached"][0])) == (14, 14), "ACME only: Globex's 28 late replies out"
    assert float(frame["attainment"][0]) == 50.0
    # the same as the whole summary narrowed to ACME, for those two targets
    whole = summarize(desk, *JAN, AS_OF, filters=Filters(customer=("ACME",))).set_index("name")
    assert list(frame["met"]) == list(whole.loc[["Fast reply", "Resolved in a day"], "met"])
    # targets outside any agreement keep working: the plain summary still judges all three on every ticket
    plain = summarize(desk, *JAN, AS_OF).set_index("name")
    assert list(plain.index) == ["Fast reply", "Resolved in a day", "Internal reply"]
    assert int(plain.loc["Fast reply", "breached"]) == 42


def test_every_change_is_a_version_with_author_and_reason(desk):
    ag.save_agreement(desk, _acme(desk), author="lead", reason="contract signed")
    assert ag.save_agreement(desk, _acme(desk), author="lead") == "unchanged"
    assert ag.save_agreement(desk, _acme(desk, cadence="month"), author="ana", reason="monthly from March") \
        == "changed"
    assert ag.save_agreement(desk, _acme(desk, name="ACME Premium", cadence="month"), author="ana",
                             reason="renamed", previous_name="ACME support") == "changed"
    hist = ag.history(desk)
    assert list(hist["version"]) == [1, 2, 3] and set(hist["agreement"]) == {"ACME Premium"}
    assert list(hist["author"]) == ["lead", "ana", "ana"]
    assert list(hist["reason"]) == ["contract signed", "monthly from March", "renamed"]
    assert "quarterly reviews" in hist["change"][0] and "monthly reviews" in hist["change"][1]
    assert "Fast reply, Resolved in a day" in hist["change"][0]
    ag.retire_agreement(desk, "ACME Premium", author="ana", reason="contract ended")
    assert ag.current_agreements(desk) == [] and ag.history(desk)["change"].iloc[-1] == "retired"
    with pytest.raises(UserError, match=r"^There is no agreement called 'ACME Premium' \(none is defined yet\)\.$"):
        ag.get_agreement(desk, "ACME Premium")


def test_a_target_belongs_to_at_most_one_agreement(desk):
    ag.save_agreement(desk, _acme(desk))
    internal = ag.build_agreement("Tier 1 OLA", "OLA", "Tier 1", {"team": "Tier 1"}, "month",
                                  target_ids=ag.target_ids_for(desk, ["Fast reply", "Internal reply"]))
    with pytest.raises(UserError, match="'Fast reply' belongs to the agreement 'ACME support' already"):
        ag.save_agreement(desk, internal)
    assert [a.name for a in ag.current_agreements(desk)] == ["ACME support"], "refused whole"
    ag.save_agreement(desk, ag.build_agreement("Tier 1 OLA", "OLA", "Tier 1", {"team": "Tier 1"}, "month",
                                               target_ids=ag.target_ids_for(desk, ["Internal reply"])))
    assert ag.membership(desk) == {get_target(desk, "Fast reply").target_id: "ACME support",
                                   get_target(desk, "Resolved in a day").target_id: "ACME support",
                                   get_target(desk, "Internal reply").target_id: "Tier 1 OLA"}


def test_a_renamed_or_retired_target_stays_in_its_agreement(desk):
    ag.save_agreement(desk, _acme(desk))
    fast = get_target(desk, "Fast reply")
    save_target(desk, build_target("Quick reply", "first_response", "1h", "90%"), previous_name="Fast reply")
    retire_target(desk, "Resolved in a day", effective=u(2025, 1, 15))
    acme = ag.get_agreement(desk, "ACME support")
    assert fast.target_id in acme.target_ids
    names = list(ag.summarize_agreement(desk, acme, *JAN, AS_OF)["name"])
    assert names == ["Quick reply", "Resolved in a day"], "January still shows what was promised then"
    assert list(ag.summarize_agreement(desk, acme, date(2025, 2, 1), date(2025, 2, 28), AS_OF)["name"]) \
        == ["Quick reply"]
    # a new version (from the page, which lists current targets only) keeps the retired member
    assert ag.save_agreement(desk, _acme(desk, targets=["Quick reply"])) == "unchanged"


YAML = """\
targets:
  - name: Fast reply
    metric: first_response
    within: 1h
    goal: 90%
  - name: Internal reply
    metric: first_response
    within: 4h
    goal: 80%
agreements:
  - name: ACME support
    kind: sla
    counterparty: ACME Corp
    scope: {customer: ACME}
    cadence: quarter
    description: Schedule B
    targets: [Fast reply]
  - name: Tier 1 OLA
    kind: OLA
    scope: {team: [Tier 1]}
    cadence: month
    targets: [Internal reply]
"""


def test_yaml_round_trip(store):
    assert apply_yaml(store, YAML) == {"calendars": 0, "created": 2, "changed": 0, "unchanged": 0, "agreements": 2}
    exported = export_yaml(store)
    doc = yaml.safe_load(exported)
    assert doc["agreements"] == [
        {"name": "ACME support", "kind": "SLA", "counterparty": "ACME Corp", "scope": {"customer": "ACME"},
         "cadence": "quarter", "description": "Schedule B", "targets": ["Fast reply"]},
        {"name": "Tier 1 OLA", "kind": "OLA", "scope": {"team": "Tier 1"}, "cadence": "month",
         "targets": ["Internal reply"]},
    ]
    assert apply_yaml(store, exported) == {"calendars": 0, "created": 0, "changed": 0, "unchanged": 2,
                                           "agreements": 0}, "an export applies back unchanged"
    assert len(ag.history(store)) == 2
    # one file may move a target from one agreement to another
    moved = YAML.replace("targets: [Fast reply]", "targets: [Fast reply, Internal reply]") \
                .replace("targets: [Internal reply]", "targets: []")
    assert apply_yaml(store, moved)["agreements"] == 2
    assert set(ag.membership(store).values()) == {"ACME support"}


def test_a_file_without_agreements_leaves_them_and_the_counts_as_they_were(store):
    apply_yaml(store, YAML)
    targets_only = YAML[:YAML.index("agreements:")]
    assert apply_yaml(store, targets_only) == {"calendars": 0, "created": 0, "changed": 0, "unchanged": 2}
    assert len(ag.current_agreements(store)) == 2
    counts = apply_yaml(store, YAML[:YAML.index("  - name: Tier 1 OLA")], retire_missing=True)
    assert counts["agreements_retired"] == 1 and ag.names(store) == ["ACME support"]


@pytest.mark.parametrize("change, message", [
    (("targets: [Fast reply]", "targets: [Nope]"), "line 17: agreements[1].targets: no current target named 'Nope'"),
    (("targets: [Internal reply]", "targets: [Fast reply]"),
     "line 22: agreements[2].targets: 'Fast reply' is listed by 'ACME support' too"),
    (("kind: OLA", "kind: SLO"), "line 19: agreements[2].kind: 'SLO' is not one of SLA, OLA, UC"),
    (("cadence: month", "cadence: weekly"), "line 21: agreements[2].cadence:"),
    (("scope: {team: [Tier 1]}", "scope: {tier: gold}"), "line 20: agreements[2].scope: unknown scope field"),
    (("    description: Schedule B\n", "    owner: Ana\n"), "line 16: agreements[1].owner: unknown field"),
    (("  - name: Tier 1 OLA", "  - name: ACME SUPPORT"), "line 18: agreements[2].name: a second agreement"),
])
def test_a_bad_agreement_is_refused_with_its_line_and_nothing_applied(store, change, message):
    with pytest.raises(UserError) as refused:
        apply_yaml(store, YAML.replace(*change))
    assert str(refused.value).startswith(message), str(refused.value)
    assert store.scalar("SELECT count(*) FROM targets") == 0 and ag.current_agreements(store) == []


def test_a_target_in_a_stored_agreement_cannot_join_another_from_a_file(store):
    apply_yaml(store, YAML)
    other = "agreements:\n  - name: Vendor UC\n    kind: UC\n    targets: [Fast reply]\n"
    with pytest.raises(UserError, match="belongs to the agreement"):
        apply_yaml(store, other)
    assert ag.names(store) == ["ACME support", "Tier 1 OLA"]


# -- reviews ----------------------------------------------------------------------------------------------------
def test_a_review_held_for_an_agreement_judges_its_targets_and_names_it(desk):
    ag.save_agreement(desk, _acme(desk))
    acme = ag.get_agreement(desk, "ACME support")
    review = reviews.start_review(desk, "ACME Q1", "ACME quarterly", acme.cadence, *JAN, "Ana",
                                  acme.filters, author="lead", as_of=AS_OF, agreement="ACME support")
    assert review.agreement_id == acme.agreement_id and review.scope == {"customer": ["ACME"]}
    assert [t["name"] for t in review.snapshot["targets"]] == ["Fast reply", "Resolved in a day"]
    assert review.snapshot["targets"][0]["attainment"] == 50.0
    assert review.snapshot["agreement"]["name"] == "ACME support"
    info = {"name": review.name, "attendees": review.attendees, "agreed_by": None, "agreed_at": None}
    assert "SLA review: ACME Q1 · agreement ACME support (SLA with ACME Corp)" in html_report(review.snapshot, info)
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(review.snapshot, info, with_charts=False)))
    assert book["Summary"]["A1"].value == "SLA review: ACME Q1 · agreement ACME support (SLA with ACME Corp)"
    # a refresh and "today's numbers" keep to the agreement's targets
    assert [t["name"] for t in reviews.todays_figures(desk, review, AS_OF)["targets"]] == \
        ["Fast reply", "Resolved in a day"]
    refreshed = reviews.refresh_figures(desk, review.review_id, AS_OF)
    assert len(refreshed.snapshot["targets"]) == 2 and refreshed.snapshot["agreement"]["name"] == "ACME support"
    with pytest.raises(UserError, match="no agreement called 'Nope'"):
        reviews.start_review(desk, "X", "X", "month", *JAN, agreement="Nope")


def test_open_items_carry_over_by_period_not_by_the_order_reviews_were_held(desk):
    """January and February are held; December's review is held after them. December must not inherit what
    January raised (it was raised for a later period), and what December raises carries into January."""
    start = lambda name, a, b: reviews.start_review(desk, name, "Team monthly", "month", a, b, as_of=AS_OF)  # noqa
    jan = start("January", date(2025, 1, 1), date(2025, 1, 31))
    raised_jan = reviews.add_action(desk, jan.review_id, "Staff Tier 2 mornings")
    feb = start("February", date(2025, 2, 1), date(2025, 2, 28))
    dec = start("December", date(2024, 12, 1), date(2024, 12, 31))
    assert reviews.actions(desk, dec).empty, "December's review does not carry January's item"
    raised_dec = reviews.add_action(desk, dec.review_id, "Fix the holiday calendar")
    assert list(reviews.actions(desk, jan)["action_id"]) == [raised_jan, raised_dec]
    assert list(reviews.actions(desk, feb)["action_id"]) == [raised_jan, raised_dec]
    reviews.set_action_status(desk, jan.review_id, raised_dec, "done")
    assert list(reviews.actions(desk, feb)["action_id"]) == [raised_jan], "closed in January: not in February"
    assert reviews.actions(desk, dec).set_index("action_id").loc[raised_dec, "status"] == "open", \
        "December shows it as it stood then"
    with pytest.raises(UserError, match="not on this review's list"):
        reviews.set_action_status(desk, dec.review_id, raised_jan, "done")
