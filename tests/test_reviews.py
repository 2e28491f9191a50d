"""Review sessions: frozen figures, notes, action items carried over within a series, sign-off, target proposals."""

from __future__ import annotations

from datetime import date

import pytest

from slacore import reviews
from slacore.errors import UserError
from slacore.metrics import Filters, summarize
from slacore.review_figures import compute_snapshot, summary_json
from slacore.targets import build_target, save_target, versions
from ticketdata import add_tickets, tk, u


@pytest.fixture
def desk(store):
    """Two teams in January 2025 and December 2024; a 1 h first-response target at 90%."""
    save_target(store, build_target("Fast reply", "first_response", "1h", "90%"), author="t")
    rows = []
    for day in range(1, 29):  # January: Tier 1 always within 1 h, Tier 2 every other ticket late
        rows.append(tk(f"a{day}", u(2025, 1, day, 9), fr=u(2025, 1, day, 9, 30), team="Tier 1"))
        late = day % 2 == 0
        rows.append(tk(f"b{day}", u(2025, 1, day, 10), fr=u(2025, 1, day, 12 if late else 10, 20), team="Tier 2",
                       subject=f"=HYPERLINK(\"http://x\",\"{day}\")" if day == 2 else "Help"))
    for day in range(1, 29):  # December: everyone within 1 h
        rows.append(tk(f"d{day}", u(2024, 12, day, 9), fr=u(2024, 12, day, 9, 10), team="Tier 2"))
    add_tickets(store, *rows)
    return store


def _jan(store, **kw):
    return reviews.start_review(store, kw.pop("name", "January"), kw.pop("series", "Team monthly"), "month",
                                date(2025, 1, 1), date(2025, 1, 28), "Ana, Ben", kw.pop("filters", None),
                                author="lead", as_of=u(2025, 2, 1))


def test_default_period_is_the_last_complete_one():
    assert reviews.default_period("month", date(2025, 3, 14)) == (date(2025, 2, 1), date(2025, 2, 28))
    assert reviews.default_period("quarter", date(2025, 1, 5)) == (date(2024, 10, 1), date(2024, 12, 31))
    assert reviews.default_period("two_weeks", date(2025, 3, 13)) == (date(2025, 2, 24), date(2025, 3, 9))


def test_snapshot_equals_the_summary_and_compares_with_the_previous_period(desk):
    review = _jan(desk)
    expected = summarize(desk, date(2025, 1, 1), date(2025, 1, 28), u(2025, 2, 1))
    row = review.snapshot["targets"][0]
    assert (row["met"], row["breached"]) == (int(expected["met"][0]), int(expected["breached"][0])) == (42, 14)
    assert row["attainment"] == 75.0 and row["state"] == "missed"
    assert row["previous"] == 100.0  # 4 Dec – 31 Dec 2024: all within 1 h
    assert row["delta"] == -25.0
    assert review.snapshot["movers"][0]["name"] == "Fast reply"
    drivers = {d["value"]: d["breached"] for d in review.snapshot["drivers"]["team"]}
    assert drivers == {"Tier 2": 14}
    assert len(review.snapshot["top_breaches"]) == 14
    assert summary_json(review.snapshot)["targets"][0]["attainment"] == 75.0


def test_scope_limits_the_figures(desk):
    review = _jan(desk, filters=Filters(team=("Tier 1",)))
    assert review.scope == {"team": ["Tier 1"]}
    assert review.snapshot["targets"][0]["attainment"] == 100.0


def test_figures_stay_frozen_after_a_reimport_until_refreshed(desk):
    review = _jan(desk)
    add_tickets(desk, *[tk(f"late{i}", u(2025, 1, 20, 9), fr=u(2025, 1, 20, 15), team="Tier 1") for i in range(20)])
    again = reviews.get_review(desk, review.review_id)
    assert again.snapshot["targets"][0]["breached"] == 14, "a past review keeps what the meeting saw"
    today = reviews.todays_figures(desk, again, as_of=u(2025, 2, 1))
    assert today["targets"][0]["breached"] == 34
    refreshed = reviews.refresh_figures(desk, review.review_id, as_of=u(2025, 2, 1))
    assert refreshed.snapshot["targets"][0]["breached"] == 34


def test_notes_and_actions_persist_and_open_items_carry_over(desk, db_path):
    jan = _jan(desk)
    reviews.save_note(desk, jan.review_id, "targets", "Tier 2 missed twice a week")
    first = reviews.add_action(desk, jan.review_id, "Staff Tier 2 mornings", "Ana", date(2025, 2, 15))
    second = reviews.add_action(desk, jan.review_id, "Check the auto-reply", "Ben", date(2025, 2, 28))
    from slacore.store import close_all, open_store

    close_all()  # a restart
    store = open_store(db_path)
    assert reviews.notes(store, jan.review_id) == {"targets": "Tier 2 missed twice a week"}
    feb = reviews.start_review(store, "February", "Team monthly", "month", date(2025, 2, 1), date(2025, 2, 28),
                               as_of=u(2025, 3, 1))
    carried = reviews.actions(store, feb, today=date(2025, 3, 1))
    assert list(carried["action_id"]) == [first, second]
    assert list(carried["overdue"]) == [True, True]
    reviews.set_action_status(store, feb.review_id, first, "done")
    other_series = reviews.start_review(store, "Client Q1", "ACME quarterly", "quarter", date(2025, 1, 1),
                                        date(2025, 3, 31), as_of=u(2025, 4, 1))
    assert reviews.actions(store, other_series).empty, "items stay within their series"
    march = reviews.start_review(store, "March", "Team monthly", "month", date(2025, 3, 1), date(2025, 3, 31),
                                 as_of=u(2025, 4, 1))
    assert list(reviews.actions(store, march)["action_id"]) == [second], "a closed item does not carry over"
    feb_items = reviews.actions(store, feb).set_index("action_id")
    assert feb_items.loc[first, "status"] == "done" and bool(feb_items.loc[first, "closed_here"])
    assert reviews.actions(store, jan).set_index("action_id").loc[first, "status"] == "open", \
        "January shows the item as it stood then"


def test_an_agreed_review_is_read_only(desk):
    review = _jan(desk)
    agreed = reviews.sign_off(desk, review.review_id, "Client Lead")
    assert agreed.agreed and agreed.agreed_by == "Client Lead"
    for attempt in (lambda: reviews.save_note(desk, review.review_id, "general", "late edit"),
                    lambda: reviews.add_action(desk, review.review_id, "late item"),
                    lambda: reviews.refresh_figures(desk, review.review_id),
                    lambda: reviews.sign_off(desk, review.review_id, "Someone else")):
        with pytest.raises(UserError, match="read-only"):
            attempt()
    assert reviews.notes(desk, review.review_id) == {}


def test_bad_input_is_refused_in_a_sentence(desk):
    with pytest.raises(UserError, match="needs a name"):
        reviews.start_review(desk, " ", "", "month", date(2025, 1, 1), date(2025, 1, 31))
    with pytest.raises(UserError, match="Cadence"):
        reviews.start_review(desk, "x", "x", "weekly-ish", date(2025, 1, 1), date(2025, 1, 31))
    with pytest.raises(UserError, match="ends before"):
        reviews.start_review(desk, "x", "x", "month", date(2025, 2, 1), date(2025, 1, 31))
    _jan(desk)
    with pytest.raises(UserError, match="exists already"):
        _jan(desk, name="JANUARY")
    with pytest.raises(UserError, match="no review called"):
        reviews.find_review(desk, "nope")


def test_a_proposed_change_becomes_a_version_naming_the_review(desk):
    review = _jan(desk)
    proposal = reviews.propose_target_change(desk, review.review_id, "Fast reply", within="2h", goal="85%")
    reviews.apply_proposal(desk, proposal, author="lead", effective=date(2025, 2, 1))
    history = versions(desk, desk.scalar("SELECT target_id FROM targets WHERE name = 'Fast reply'"))
    newest, _ = history[-1]
    assert newest.within_s == 7200 and newest.goal == 0.85
    assert "Review 'January'" in newest.reason
    with pytest.raises(UserError, match="threshold, a new goal"):
        reviews.propose_target_change(desk, review.review_id, "Fast reply")
    with pytest.raises(UserError, match="cannot be applied"):
        reviews.apply_proposal(desk, {**proposal, "within": "soon"})


def test_snapshot_of_an_empty_period_has_no_attainment(desk):
    snap = compute_snapshot(desk, date(2023, 1, 1), date(2023, 1, 31), as_of=u(2025, 2, 1))
    assert snap["targets"][0]["attainment"] is None and snap["targets"][0]["state"] == "no data"
    assert snap["top_breaches"] == [] and snap["movers"] == []


def test_two_sessions_starting_the_same_name_at_once_make_one_review(desk, monkeypatch):
    """The name check runs again inside the write: another session may store the name while the figures compute."""
    real = reviews.compute_snapshot

    def meanwhile(*args, **kw):
        monkeypatch.setattr(reviews, "compute_snapshot", real)
        _jan(desk)  # the other session finishes first
        return real(*args, **kw)

    monkeypatch.setattr(reviews, "compute_snapshot", meanwhile)
    with pytest.raises(UserError, match="exists already"):
        _jan(desk)
    assert desk.scalar("SELECT count(*) FROM reviews") == 1


def test_a_refresh_that_ends_after_the_sign_off_leaves_the_agreed_figures(desk, monkeypatch):
    review = _jan(desk)
    real = reviews.compute_snapshot

    def signed_meanwhile(*args, **kw):
        reviews.sign_off(desk, review.review_id, "Client Lead")
        return {**real(*args, **kw), "targets": []}

    monkeypatch.setattr(reviews, "compute_snapshot", signed_meanwhile)
    with pytest.raises(UserError, match="read-only"):
        reviews.refresh_figures(desk, review.review_id, as_of=u(2025, 2, 1))
    assert reviews.get_review(desk, review.review_id).snapshot == review.snapshot


def test_a_note_waiting_for_the_write_lock_during_the_sign_off_is_refused(desk):
    """Writes check 'agreed' under the write lock: a note saved while the review is being signed off is refused,
    not stored into the agreed review."""
    import threading
    import time

    review = _jan(desk)
    outcome = {}

    def save():
        try:
            reviews.save_note(desk, review.review_id, "general", "late edit")
            outcome["saved"] = True
        except UserError as exc:
            outcome["refused"] = str(exc)

    with desk.write_lock():
        other = threading.Thread(target=save)
        other.start()
        time.sleep(0.5)  # the other session is waiting for the lock
        reviews.sign_off(desk, review.review_id, "Client Lead")
    other.join(10)
    assert "read-only" in outcome.get("refused", "")
    assert reviews.notes(desk, review.review_id) == {}


def _series(desk):
    """January (raises an item), February, March of one series."""
    jan = _jan(desk)
    item = reviews.add_action(desk, jan.review_id, "Staff Tier 2 mornings", "Ana", date(2025, 2, 15))
    feb = reviews.start_review(desk, "February", "Team monthly", "month", date(2025, 2, 1), date(2025, 2, 28),
                               as_of=u(2025, 3, 1))
    return jan, feb, item


def test_an_item_closed_and_reopened_carries_over_again(desk):
    jan, feb, item = _series(desk)
    reviews.set_action_status(desk, feb.review_id, item, "done")
    march = reviews.start_review(desk, "March", "Team monthly", "month", date(2025, 3, 1), date(2025, 3, 31),
                                 as_of=u(2025, 4, 1))
    assert reviews.actions(desk, march).empty
    reviews.set_action_status(desk, feb.review_id, item, "open")  # February is still open: it changes its mind
    assert list(reviews.actions(desk, march)["action_id"]) == [item]
    reviews.set_action_status(desk, march.review_id, item, "dropped")
    april = reviews.start_review(desk, "April", "Team monthly", "month", date(2025, 4, 1), date(2025, 4, 30),
                                 as_of=u(2025, 5, 1))
    assert reviews.actions(desk, april).empty
    assert reviews.actions(desk, feb).set_index("action_id").loc[item, "status"] == "open"


def test_an_agreed_review_keeps_showing_an_item_as_it_stood(desk):
    """Reopening (or re-closing) an item from another review must not rewrite an agreed review's list."""
    jan, feb, item = _series(desk)
    reviews.set_action_status(desk, feb.review_id, item, "done")
    reviews.sign_off(desk, feb.review_id, "Client Lead")
    march = reviews.start_review(desk, "March", "Team monthly", "month", date(2025, 3, 1), date(2025, 3, 31),
                                 as_of=u(2025, 4, 1))
    for status in ("open", "dropped"):
        with pytest.raises(UserError, match="agreed review 'February'"):
            reviews.set_action_status(desk, march.review_id, item, status)
    assert reviews.actions(desk, reviews.get_review(desk, feb.review_id)).set_index("action_id").loc[
        item, "status"] == "done"
    # an item an agreed review shows open may still be closed later: the agreed review keeps showing it open
    reviews.sign_off(desk, jan.review_id, "Team lead")
    other = reviews.add_action(desk, march.review_id, "Check the auto-reply")
    reviews.set_action_status(desk, march.review_id, other, "done")
    assert reviews.actions(desk, reviews.get_review(desk, jan.review_id)).set_index("action_id").loc[
        item, "status"] == "open"


def test_an_earlier_open_review_cannot_close_what_a_later_agreed_one_shows_open(desk):
    jan, feb, item = _series(desk)
    reviews.sign_off(desk, feb.review_id, "Client Lead")
    with pytest.raises(UserError, match="agreed review 'February'"):
        reviews.set_action_status(desk, jan.review_id, item, "done")


def test_an_agreed_review_marks_overdue_as_of_its_sign_off(desk):
    jan, _, item = _series(desk)
    reviews.sign_off(desk, jan.review_id, "Team lead")
    with desk.transaction() as cur:
        cur.execute("UPDATE reviews SET agreed_at = TIMESTAMPTZ '2025-02-03 10:00:00+00' WHERE review_id = ?",
                    [jan.review_id])
    agreed = reviews.get_review(desk, jan.review_id)
    shown = reviews.actions(desk, agreed).set_index("action_id")
    assert not shown.loc[item, "overdue"], "due 15 Feb: not overdue when January was agreed on 3 Feb"


def test_a_month_or_quarter_is_compared_with_the_month_or_quarter_before(desk):
    """A monthly review of February compares with January, a quarterly one with the quarter before (an
    equal-length period would be 4–31 January, or start on 31 March for the third quarter)."""
    feb = compute_snapshot(desk, date(2025, 2, 1), date(2025, 2, 28), as_of=u(2025, 3, 1))
    assert feb["previous_period"] == ["2025-01-01", "2025-01-31"]
    jan = summarize(desk, date(2025, 1, 1), date(2025, 1, 31), u(2025, 3, 1))
    assert feb["targets"][0]["previous"] == float(jan["attainment"][0])
    q3 = compute_snapshot(desk, date(2026, 7, 1), date(2026, 9, 30), as_of=u(2026, 10, 1))
    assert q3["previous_period"] == ["2026-04-01", "2026-06-30"]
    q1 = compute_snapshot(desk, date(2025, 1, 1), date(2025, 3, 31), as_of=u(2025, 4, 1))
    assert q1["previous_period"] == ["2024-10-01", "2024-12-31"]
    assert compute_snapshot(desk, date(2025, 1, 1), date(2025, 1, 28), as_of=u(2025, 2, 1))["previous_period"] == [
        "2024-12-04", "2024-12-31"], "any other period: the equal-length one before"


def test_a_note_saved_over_someone_elses_newer_note_is_refused(desk):
    """Two people taking notes on one section: the second save names what the first saved instead of silently
    replacing it (the page passes the text it loaded as `base`)."""
    review = _jan(desk)
    reviews.save_note(desk, review.review_id, "targets", "Tier 2 short-staffed", base="")
    with pytest.raises(UserError, match="meanwhile: .Tier 2 short-staffed"):
        reviews.save_note(desk, review.review_id, "targets", "My own notes", base="")
    assert reviews.notes(desk, review.review_id) == {"targets": "Tier 2 short-staffed"}
    reviews.save_note(desk, review.review_id, "targets", "Both: short-staffed", base="Tier 2 short-staffed")
    assert reviews.notes(desk, review.review_id) == {"targets": "Both: short-staffed"}
    reviews.save_note(desk, review.review_id, "targets", "without a base, the last save wins")
