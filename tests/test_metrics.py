"""Attainment to the ticket: tiny hand-built ticket sets in a real store, every expected number worked out by hand.

Each ticket is inserted with SQL (source, ticket_id, created_at and whatever else the case needs). Business-time
expectations are spelled out in the comments in local wall time; the instants are written in the zone that makes
them easiest to check. Unsaved ("what-if") targets are used where versions do not matter; version switching lives
in test_targets.py.
"""

from __future__ import annotations

import math
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacore.calendars import calendar_from_dict
from slacore.metrics import (Evaluation, default_as_of, period_bounds, set_workspace_timezone, summarize,
                             workspace_timezone)
from slacore.targets import build_target, save_calendar
from ticketdata import add_tickets, tk, u  # noqa: E402

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
MIN, H = 60, 3600


def b(y, mo, d, h=0, mi=0, s=0) -> datetime:
    """Berlin wall time."""
    return datetime(y, mo, d, h, mi, s, tzinfo=BERLIN)








def judged(store, target, as_of, start=None, end=None) -> dict:
    """ticket_id -> (outcome, elapsed_s, left_s) for one unsaved target."""
    with Evaluation(store, [target], start, end, as_of) as ev:
        frame = ev.sql("SELECT ticket_id, outcome, elapsed_s, left_s FROM od ORDER BY ticket_id")
    return {r.ticket_id: (r.outcome, r.elapsed_s, None if pd.isna(r.left_s) else r.left_s)
            for r in frame.itertuples()}


def counts(store, targets, as_of, start=None, end=None) -> dict:
    """name -> (met, breached, pending, unmeasured, attainment, goal_met)."""
    with Evaluation(store, targets, start, end, as_of) as ev:
        frame = ev.summary()
    return {r["name"]: (r["met"], r["breached"], r["pending"], r["unmeasured"],
                        None if pd.isna(r["attainment"]) else r["attainment"], r["goal_met"])
            for r in frame.to_dict("records")}


@pytest.fixture
def office(store):
    """Berlin office hours Mon-Fri 09:00-17:00, Berlin public holidays, closed on Christmas Eve 2025."""
    save_calendar(store, calendar_from_dict("berlin-office", {
        "timezone": "Europe/Berlin", "hours": {"mon-fri": "09:00-17:00"}, "holidays": "DE-BE",
        "closed": ["2025-12-24"]}))
    save_calendar(store, calendar_from_dict("berlin-no-holidays", {
        "timezone": "Europe/Berlin", "hours": {"mon-fri": "09:00-17:00"}}))
    return "berlin-office"


# ---------------------------------------------------------------------------------------------------------------
# Business time: nights, weekends, holidays, DST
# ---------------------------------------------------------------------------------------------------------------


def test_night_and_weekend_tickets_count_only_open_hours(store, office):
    add_tickets(
        store,
        # Fri 22:00 -> Mon 09:30: only Monday 09:00-09:30 is open time.
        tk(1, b(2025, 11, 28, 22), fr=b(2025, 12, 1, 9, 30)),
        # Sat 10:00 -> Mon 10:30: 90 min.
        tk(2, b(2025, 11, 29, 10), fr=b(2025, 12, 1, 10, 30)),
        # Mon 07:00 (before opening) -> Mon 10:00: exactly 60 min, the threshold: met.
        tk(3, b(2025, 12, 1, 7), fr=b(2025, 12, 1, 10)),
        # Wed 16:30 -> Thu 09:31: 30 + 31 = 61 min.
        tk(4, b(2025, 12, 3, 16, 30), fr=b(2025, 12, 4, 9, 31)),
    )
    target = build_target("FR", "first_response", "1h", "90%", calendar=office)
    got = judged(store, target, as_of=u(2025, 12, 31))
    assert got == {
        "1": ("met", 30 * MIN, None),
        "2": ("breached", 90 * MIN, None),
        "3": ("met", 60 * MIN, None),
        "4": ("breached", 61 * MIN, None),
    }
    assert counts(store, [target], u(2025, 12, 31))["FR"] == (2, 2, 0, 0, 50.0, False)


def test_holidays_and_closed_dates_stop_the_clock(store, office):
    add_tickets(
        store,
        # Tue 23 Dec 16:30 -> Mon 29 Dec 09:20: 30 min on the 23rd; the 24th is closed, 25/26 are DE-BE holidays,
        # 27/28 the weekend; 20 min on the 29th. 50 min.
        tk(1, b(2025, 12, 23, 16, 30), fr=b(2025, 12, 29, 9, 20)),
        # Created and answered on closed days only: no business time at all.
        tk(2, b(2025, 12, 24, 10), fr=b(2025, 12, 27, 12)),
        # Thu 25 Dec (holiday) -> Mon 29 Dec 10:05: 65 min.
        tk(3, b(2025, 12, 25, 8), fr=b(2025, 12, 29, 10, 5)),
    )
    target = build_target("FR", "first_response", "1h", "90%", calendar=office)
    assert judged(store, target, as_of=u(2025, 12, 31)) == {
        "1": ("met", 50 * MIN, None),
        "2": ("met", 0.0, None),
        "3": ("breached", 65 * MIN, None),
    }
    # The same tickets on a calendar without holidays: 30 min + 3 full days (24, 25, 26) + 20 min.
    plain = build_target("FR plain", "first_response", "1h", "90%", calendar="berlin-no-holidays")
    got = judged(store, plain, as_of=u(2025, 12, 31))
    assert got["1"] == ("breached", 30 * MIN + 3 * 8 * H + 20 * MIN, None)


def test_24x7_across_dst_is_real_elapsed_time(store):
    add_tickets(
        store,
        # Berlin spring forward: Sat 29 Mar 23:30 CET -> Sun 30 Mar 03:30 CEST is 4 h on the wall, 3 h real.
        tk("be-spring", b(2025, 3, 29, 23, 30), fr=b(2025, 3, 30, 3, 30)),
        # Berlin fall back: 02:30 CEST on 26 Oct (00:30 UTC) -> 02:30 CET (01:30 UTC): 0 h on the wall, 1 h real.
        tk("be-autumn", u(2025, 10, 26, 0, 30), fr=u(2025, 10, 26, 1, 30)),
        # New York fall back: 00:30 EDT (04:30 UTC) -> 01:30 EST (06:30 UTC): 1 h on the wall, 2 h real.
        tk("ny-autumn", datetime(2025, 11, 2, 0, 30, tzinfo=NEW_YORK),
           fr=datetime(2025, 11, 2, 1, 30, fold=1, tzinfo=NEW_YORK)),
        # New York spring forward: 01:30 EST (06:30 UTC) -> 03:30 EDT (07:30 UTC): 2 h on the wall, 1 h real.
        tk("ny-spring", datetime(2025, 3, 9, 1, 30, tzinfo=NEW_YORK), fr=datetime(2025, 3, 9, 3, 30, tzinfo=NEW_YORK)),
    )
    target = build_target("FR", "first_response", "1h", "90%", calendar="24x7")
    assert judged(store, target, as_of=u(2025, 12, 31)) == {
        "be-autumn": ("met", 1 * H, None),
        "be-spring": ("breached", 3 * H, None),
        "ny-autumn": ("breached", 2 * H, None),
        "ny-spring": ("met", 1 * H, None),
    }
    three = build_target("FR 3h", "first_response", "3h", "90%", calendar="24x7")
    assert judged(store, three, as_of=u(2025, 12, 31))["be-spring"] == ("met", 3 * H, None)  # equality is met


def test_business_hours_across_dst(store, office):
    add_tickets(
        store,
        # Berlin: Fri 28 Mar 16:00 CET -> Mon 31 Mar 10:00 CEST: 1 h + 1 h of open time.
        tk("be-spring", u(2025, 3, 28, 15), fr=u(2025, 3, 31, 8)),
        # Berlin: Fri 24 Oct 16:00 CEST -> Mon 27 Oct 10:00 CET: 1 h + 1 h.
        tk("be-autumn", u(2025, 10, 24, 14), fr=u(2025, 10, 27, 9)),
        # New York office (08:00-18:00): Fri 7 Mar 17:00 EST -> Mon 10 Mar 09:00 EDT: 1 h + 1 h.
        tk("ny-spring", u(2025, 3, 7, 22), fr=u(2025, 3, 10, 13)),
        # New York: Fri 31 Oct 17:30 EDT -> Mon 3 Nov 08:30 EST: 30 min + 30 min.
        tk("ny-autumn", u(2025, 10, 31, 21, 30), fr=u(2025, 11, 3, 13, 30)),
    )
    berlin = build_target("Berlin", "first_response", "2h", "90%", calendar=office)
    got = judged(store, berlin, as_of=u(2025, 12, 31))
    assert got["be-spring"] == ("met", 2 * H, None)
    assert got["be-autumn"] == ("met", 2 * H, None)
    us = build_target("US", "first_response", "1h", "90%", calendar="office-us")
    got = judged(store, us, as_of=u(2025, 12, 31))
    assert got["ny-spring"] == ("breached", 2 * H, None)
    assert got["ny-autumn"] == ("met", 1 * H, None)


# ---------------------------------------------------------------------------------------------------------------
# Open tickets, the as-of time, resolution without response, reopened tickets
# ---------------------------------------------------------------------------------------------------------------


def test_resolved_without_response_counts_resolution_as_response(store):
    add_tickets(
        store,
        tk(1, u(2025, 3, 3, 10), rs=u(2025, 3, 3, 10, 40)),  # 40 min: met
        tk(2, u(2025, 3, 3, 10), rs=u(2025, 3, 3, 11, 30)),  # 90 min: breached
        tk(3, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 10, 5), rs=u(2025, 3, 3, 15)),  # the response counts: 5 min
    )
    target = build_target("FR", "first_response", "1h", "90%")
    assert judged(store, target, as_of=u(2025, 3, 4)) == {
        "1": ("met", 40 * MIN, None),
        "2": ("breached", 90 * MIN, None),
        "3": ("met", 5 * MIN, None),
    }


def test_open_tickets_pending_or_breached_at_the_as_of_time(store):
    as_of = u(2025, 3, 3, 12)
    add_tickets(
        store,
        tk("a", u(2025, 3, 3, 10)),  # open for 2 h at as-of: breached while open
        tk("b", u(2025, 3, 3, 11, 15)),  # open 45 min: pending, 15 min left
        tk("c", u(2025, 3, 3, 11), fr=u(2025, 3, 3, 11, 30)),  # met
        tk("d", u(2025, 3, 3, 11, 30), fr=u(2025, 3, 3, 12, 10)),  # response after as-of: not yet; 30 min left
        tk("e", u(2025, 3, 3, 10, 30), fr=u(2025, 3, 3, 12, 30)),  # response after as-of, 90 min open: breached
        tk("f", u(2025, 3, 3, 12, 30), fr=u(2025, 3, 3, 12, 35)),  # created after as-of: not counted at all
        tk("g", u(2025, 3, 3, 11), rs=u(2025, 3, 3, 12, 5)),  # resolved (=responded) after as-of: 60 min open
        # Resolved at 11:50 before any response (the reply came at 12:20, after as-of): at the as-of time it is a
        # ticket resolved with no response, so the resolution counts (50 min).
        tk("h", u(2025, 3, 3, 11), fr=u(2025, 3, 3, 12, 20), rs=u(2025, 3, 3, 11, 50)),
    )
    target = build_target("FR", "first_response", "1h", "90%")
    assert judged(store, target, as_of=as_of) == {
        "a": ("breached", 2 * H, None),
        "b": ("pending", 45 * MIN, 15 * MIN),
        "c": ("met", 30 * MIN, None),
        "d": ("pending", 30 * MIN, 30 * MIN),
        "e": ("breached", 90 * MIN, None),
        "g": ("pending", 60 * MIN, 0.0),  # exactly at the threshold and still open: not past it yet
        "h": ("met", 50 * MIN, None),
    }
    assert counts(store, [target], as_of)["FR"] == (2, 2, 3, 0, 50.0, False)
    with Evaluation(store, [target], as_of=as_of) as ev:
        risk = ev.at_risk()
    assert list(risk["ticket_id"]) == ["g", "b", "d"]  # least time left first
    assert list(risk["minutes_left"]) == [0.0, 15.0, 30.0]


def test_pending_on_a_business_calendar_counts_business_time_left(store, office):
    # Fri 16:45 Berlin, judged Fri 23:00: 15 min of open time so far, 45 min left (the clock resumes Monday).
    add_tickets(store, tk(1, b(2025, 11, 28, 16, 45)))
    target = build_target("FR", "first_response", "1h", "90%", calendar=office)
    assert judged(store, target, as_of=b(2025, 11, 28, 23)) == {"1": ("pending", 15 * MIN, 45 * MIN)}
    # Monday 09:46: 15 + 46 = 61 min: breached while still open.
    assert judged(store, target, as_of=b(2025, 12, 1, 9, 46)) == {"1": ("breached", 61 * MIN, None)}


def test_reopened_ticket_resolution_is_measured_to_the_final_resolution(store):
    # Solved at 10:00, reopened, solved for good at 14:00: the export's resolved_at is the final one (5 h).
    add_tickets(store, tk(1, u(2025, 3, 3, 9), fr=u(2025, 3, 3, 9, 10), rs=u(2025, 3, 3, 14), reopens=1,
                          status="solved"))
    target = build_target("Res", "resolution", "4h", "90%")
    assert judged(store, target, as_of=u(2025, 3, 4)) == {"1": ("breached", 5 * H, None)}
    # Judged at 10:30 (between the two resolutions, where the export only knows the final one): still open.
    assert judged(store, target, as_of=u(2025, 3, 3, 10, 30)) == {"1": ("pending", 90 * MIN, 150 * MIN)}


def test_exact_threshold_equality(store):
    add_tickets(
        store,
        tk(1, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 10, 30)),  # exactly 30 min: met
        tk(2, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 10, 30, 1)),  # one second over: breached
    )
    target = build_target("FR", "first_response", "30m", "50%")
    assert judged(store, target, as_of=u(2025, 3, 4)) == {
        "1": ("met", 30 * MIN, None), "2": ("breached", 30 * MIN + 1, None)}
    assert counts(store, [target], u(2025, 3, 4))["FR"] == (1, 1, 0, 0, 50.0, True)  # 50% >= 50%: goal met


def test_goal_met_is_decided_on_the_exact_attainment_not_the_rounded_one(store):
    # 2 of 3 = 66.666..% shows as 66.7, but it is below a 66.7% goal.
    add_tickets(store, tk(1, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 10, 5)),
                tk(2, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 10, 5)),
                tk(3, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 12)))
    target = build_target("FR", "first_response", "1h", "66.7%")
    assert counts(store, [target], u(2025, 3, 4))["FR"] == (2, 1, 0, 0, 66.7, False)
    easy = build_target("FR easy", "first_response", "1h", "66.6%")
    assert bool(counts(store, [easy], u(2025, 3, 4))["FR easy"][5]) is True


def test_goal_is_reported_as_a_clean_percent(store):
    add_tickets(store, tk(1, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 10, 5)))
    target = build_target("FR", "first_response", "1h", "57%")  # 0.57 * 100 is 56.99999999999999 in floats
    with Evaluation(store, [target], as_of=u(2025, 3, 4)) as ev:
        assert ev.summary()["goal"].tolist() == [57.0]


def test_no_decided_ticket_gives_no_attainment(store):
    add_tickets(store, tk(1, u(2025, 3, 3, 10)))
    target = build_target("FR", "first_response", "1h", "90%")
    assert counts(store, [target], u(2025, 3, 3, 10, 30))["FR"] == (0, 0, 1, 0, None, None)
    # A target with no ticket in scope is still listed.
    other = build_target("Urgent", "first_response", "1h", "90%", where={"priority": "urgent"})
    assert counts(store, [other], u(2025, 3, 3, 10, 30))["Urgent"] == (0, 0, 0, 0, None, None)


# ---------------------------------------------------------------------------------------------------------------
# Periods and scopes
# ---------------------------------------------------------------------------------------------------------------


def test_period_boundaries_are_inclusive_dates_in_the_workspace_time_zone(store):
    add_tickets(
        store,
        tk("a", u(2025, 2, 28, 23, 30), fr=u(2025, 2, 28, 23, 35)),  # Sat 1 Mar 00:30 in Berlin
        tk("b", u(2025, 2, 28, 22, 59), fr=u(2025, 2, 28, 23, 5)),  # Fri 28 Feb 23:59 in Berlin
        tk("c", u(2025, 3, 31, 21, 59), fr=u(2025, 3, 31, 22, 5)),  # Mon 31 Mar 23:59 CEST
        tk("d", u(2025, 3, 31, 22, 0), fr=u(2025, 3, 31, 22, 5)),  # Tue 1 Apr 00:00 CEST
    )
    target = build_target("FR", "first_response", "1h", "90%")
    as_of = u(2025, 4, 30)

    def ids(start, end):
        with Evaluation(store, [target], start, end, as_of) as ev:
            return ev.sql("SELECT ticket_id FROM od ORDER BY ticket_id")["ticket_id"].tolist()

    assert workspace_timezone(store) == "UTC"
    assert ids(date(2025, 3, 1), date(2025, 3, 31)) == ["c", "d"]
    assert ids(date(2025, 2, 28), date(2025, 2, 28)) == ["a", "b"]
    set_workspace_timezone(store, "Europe/Berlin")
    assert workspace_timezone(store) == "Europe/Berlin"
    assert ids(date(2025, 3, 1), date(2025, 3, 31)) == ["a", "c"]
    assert ids(date(2025, 3, 31), date(2025, 3, 31)) == ["c"]  # a one-day period: both ends inclusive
    assert ids(date(2025, 2, 28), date(2025, 2, 28)) == ["b"]
    assert ids(date(2025, 4, 1), date(2025, 4, 1)) == ["d"]
    assert summarize(store, date(2025, 3, 1), date(2025, 3, 31), as_of).empty  # no saved target: nothing listed
    lo, hi = period_bounds(date(2025, 3, 30), date(2025, 3, 30), "Europe/Berlin")
    assert hi.timestamp() - lo.timestamp() == 23 * H  # the DST day is 23 hours long


def test_scope_priority_and_team_combined(store):
    add_tickets(
        store,
        tk(1, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 10, 30), priority="urgent", team="Billing"),
        tk(2, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 12), priority="urgent", team="Billing"),
        tk(3, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 10, 30), priority="urgent", team="billing"),  # case-insensitive
        tk(4, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 10, 30), priority="urgent", team="Support"),
        tk(5, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 10, 30), priority="high", team="Billing"),
        tk(6, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 10, 30), priority="urgent"),  # no team
        tk(7, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 10, 30), priority=None, team="Billing"),
    )
    both = build_target("Urgent billing", "first_response", "1h", "90%",
                        where={"priority": "Urgent", "team": "Billing"})
    assert sorted(judged(store, both, u(2025, 3, 4))) == ["1", "2", "3"]
    assert counts(store, [both], u(2025, 3, 4))["Urgent billing"] == (2, 1, 0, 0, 66.7, False)
    several = build_target("Urgent or high", "first_response", "1h", "90%", where={"priority": ["urgent", "high"]})
    assert sorted(judged(store, several, u(2025, 3, 4))) == ["1", "2", "3", "4", "5", "6"]
    everyone = build_target("All", "first_response", "1h", "90%")
    assert len(judged(store, everyone, u(2025, 3, 4))) == 7


def test_channel_scope_is_case_insensitive(store):
    add_tickets(
        store,
        tk(1, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 10, 1), channel="email"),
        tk(2, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 10, 1), channel="EMAIL"),
        tk(3, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 10, 1), channel="Email"),
        tk(4, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 10, 1), channel="chat"),
        tk(5, u(2025, 3, 3, 10), fr=u(2025, 3, 3, 10, 1)),
    )
    target = build_target("Mail", "first_response", "1h", "90%", where={"channel": "Email"})
    assert sorted(judged(store, target, u(2025, 3, 4))) == ["1", "2", "3"]


# ---------------------------------------------------------------------------------------------------------------
# Vendor measure and paused clocks
# ---------------------------------------------------------------------------------------------------------------


def test_vendor_measure_uses_the_exports_business_minutes(store):
    as_of = u(2025, 3, 3, 14)
    add_tickets(
        store,
        # The time stamps say 5 min, the vendor says 61 business minutes: the vendor figure decides.
        tk(1, u(2025, 3, 3, 9), fr=u(2025, 3, 3, 9, 5), vendor_first_response_business_min=61.0),
        tk(2, u(2025, 3, 3, 9), fr=u(2025, 3, 3, 11), vendor_first_response_business_min=45.0),
        tk(3, u(2025, 3, 3, 9), fr=u(2025, 3, 3, 9, 30), vendor_first_response_business_min=60.0),  # equality
        tk(4, u(2025, 3, 3, 9), fr=u(2025, 3, 3, 9, 30)),  # answered but no vendor figure: unmeasured
        # Answered after the as-of time: the figure describes an event that has not happened yet; open for
        # 30 min on the target's calendar, so pending with 30 min left.
        tk(5, u(2025, 3, 3, 13, 30), fr=u(2025, 3, 3, 15), vendor_first_response_business_min=10.0),
        # Open for 5 h: breached while still open, with or without a vendor figure.
        tk(6, u(2025, 3, 3, 9)),
        # Resolved without a response: the vendor's resolution figure stands in (20 min).
        tk(7, u(2025, 3, 3, 9), rs=u(2025, 3, 3, 12), vendor_resolution_business_min=20.0),
    )
    target = build_target("Vendor FR", "first_response", "1h", "50%", measure="vendor")
    got = judged(store, target, as_of)
    outcome, elapsed, left = got.pop("4")
    assert outcome == "unmeasured" and math.isnan(elapsed) and left is None
    assert got == {
        "1": ("breached", 61 * MIN, None),
        "2": ("met", 45 * MIN, None),
        "3": ("met", 60 * MIN, None),
        "5": ("pending", 30 * MIN, 30 * MIN),
        "6": ("breached", 5 * H, None),
        "7": ("met", 20 * MIN, None),
    }
    assert counts(store, [target], as_of)["Vendor FR"] == (3, 2, 1, 1, 60.0, True)

    resolution = build_target("Vendor res", "resolution", "2h", "50%", measure="vendor")
    add_tickets(store, tk(8, u(2025, 3, 3, 9), rs=u(2025, 3, 3, 9, 10), vendor_resolution_business_min=150.0))
    got = judged(store, resolution, as_of)
    assert got["7"] == ("met", 20 * MIN, None)
    assert got["8"] == ("breached", 150 * MIN, None)


def test_paused_clocks_subtract_pending_and_on_hold(store, office):
    as_of = u(2025, 12, 31)
    add_tickets(
        store,
        # 24x7: resolved 6 h after creation; 90 min pending + 60 min on hold (calendar minutes) -> 3.5 h.
        tk("cal", u(2025, 3, 3, 9), rs=u(2025, 3, 3, 15), pending_min=90.0, on_hold_min=60.0,
           pending_business_min=10.0, on_hold_business_min=10.0),
        # Business calendar: Mon 09:00 -> Mon 15:00 Berlin is 6 business hours; the business-hours twins count
        # (150 min pending), not the calendar minutes (1000).
        tk("biz", b(2025, 12, 1, 9), rs=b(2025, 12, 1, 15), pending_min=1000.0, pending_business_min=150.0),
        # No pause figures at all: measured without pause.
        tk("none", b(2025, 12, 1, 9), rs=b(2025, 12, 1, 15)),
    )
    both = build_target("Res 24x7", "resolution", "4h", "90%", pause=["pending", "on_hold"])
    got = judged(store, both, as_of)
    assert got["cal"] == ("met", 3.5 * H, None)
    assert got["none"] == ("breached", 6 * H, None)  # 24x7: 6 h, nothing to subtract
    only_pending = build_target("Res pending", "resolution", "4h", "90%", pause=["pending"])
    assert judged(store, only_pending, as_of)["cal"] == ("breached", 4.5 * H, None)  # 6 h - 90 min > 4 h
    office_target = build_target("Res office", "resolution", "4h", "90%", calendar=office, pause=["pending"])
    got = judged(store, office_target, as_of)
    assert got["biz"] == ("met", 3.5 * H, None)
    # A target with a pause on tickets whose export has no pause columns (all NULL) measures without a pause.
    assert got["none"] == ("breached", 6 * H, None)
    no_pause = build_target("Res office plain", "resolution", "4h", "90%", calendar=office)
    assert judged(store, no_pause, as_of)["biz"] == ("breached", 6 * H, None)


# ---------------------------------------------------------------------------------------------------------------
# The default as-of time
# ---------------------------------------------------------------------------------------------------------------


def test_default_as_of_is_the_newest_time_stamp_capped_at_now(store):
    add_tickets(store, tk(1, u(2025, 3, 3, 9), fr=u(2025, 3, 3, 10), updated_at=u(2025, 3, 5, 8)),
                tk(2, u(2025, 3, 4, 9)))
    assert default_as_of(store) == u(2025, 3, 5, 8)
    # With as_of left out, ticket 2 is judged at 5 Mar 08:00: open for 23 h -> breached.
    target = build_target("FR", "first_response", "1h", "90%")
    with Evaluation(store, [target]) as ev:
        assert ev.as_of == u(2025, 3, 5, 8)
        assert ev.summary()[["met", "breached", "pending"]].iloc[0].tolist() == [1, 1, 0]
    # A stray future stamp (a clock error) does not drag the as-of time to today.
    future = datetime.now(UTC) + timedelta(days=400)
    add_tickets(store, tk(3, u(2025, 3, 4, 9), updated_at=future))
    assert default_as_of(store) == u(2025, 3, 5, 8)


# ---------------------------------------------------------------------------------------------------------------
# Property: every scoped ticket in the period is counted exactly once, attainment is a percent, and a longer
# threshold never loses a met ticket. On 24x7 each ticket's status is also checked against a plain-Python oracle.
# ---------------------------------------------------------------------------------------------------------------

BASE = u(2025, 3, 26)  # the window spans the Berlin DST switch (30 Mar)

_ticket = st.tuples(
    st.integers(0, 7 * 24 * 60),  # created, minutes after BASE
    st.one_of(st.none(), st.integers(0, 3 * 24 * 60)),  # response, minutes after creation
    st.one_of(st.none(), st.integers(0, 4 * 24 * 60)),  # resolution, minutes after creation
    st.sampled_from(["urgent", "high", None]),
    st.one_of(st.none(), st.integers(0, 3000)),  # the vendor's business minutes (for both clocks)
)

_PROPERTY_DIR = Path(tempfile.mkdtemp(prefix="slacore-metrics-property-"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    tickets=st.lists(_ticket, max_size=12),
    as_of_min=st.integers(0, 8 * 24 * 60),
    threshold=st.integers(1, 48 * 60),  # minutes
    extra=st.integers(0, 24 * 60),
    metric=st.sampled_from(["first_response", "resolution"]),
    calendar=st.sampled_from(["24x7", "office-eu"]),
    measure=st.sampled_from(["app", "app", "vendor"]),
    urgent_only=st.booleans(),
    first_day=st.integers(0, 7),
    days=st.integers(0, 7),
)
def test_property_counts_add_up_and_thresholds_are_monotonic(tickets, as_of_min, threshold, extra, metric, calendar,
                                                             measure, urgent_only, first_day, days):
    from slacore.store import open_store

    store = open_store(_PROPERTY_DIR / "property.duckdb")
    with store.transaction() as cur:
        cur.execute("DELETE FROM tickets")
    rows = []
    for i, (created, fr, rs, priority, vendor) in enumerate(tickets):
        c = BASE + timedelta(minutes=created)
        rows.append(tk(i, c, fr=None if fr is None else c + timedelta(minutes=fr),
                       rs=None if rs is None else c + timedelta(minutes=rs), priority=priority,
                       vendor_first_response_business_min=None if vendor is None else float(vendor),
                       vendor_resolution_business_min=None if vendor is None else float(vendor)))
    if rows:
        add_tickets(store, *rows)
    as_of = BASE + timedelta(minutes=as_of_min)
    start = (BASE + timedelta(days=first_day)).date()
    end = start + timedelta(days=days)
    where = {"priority": "urgent"} if urgent_only else None
    short = build_target("short", metric, threshold * 60, "90%", where=where, calendar=calendar, measure=measure)
    long = build_target("long", metric, (threshold + extra) * 60, "90%", where=where, calendar=calendar,
                        measure=measure)
    with Evaluation(store, [short, long], start, end, as_of) as ev:
        summary = ev.summary().set_index("name")
        per_ticket = ev.sql("SELECT target, ticket_id, outcome, elapsed_s FROM od")

    lo, hi = datetime.combine(start, datetime.min.time(), UTC), datetime.combine(end + timedelta(days=1),
                                                                                 datetime.min.time(), UTC)
    in_scope = [r for r, t in zip(rows, tickets)
                if lo <= r["created_at"] < hi and r["created_at"] <= as_of and (not urgent_only or t[3] == "urgent")]
    for name in ("short", "long"):
        row = summary.loc[name]
        assert row["met"] + row["breached"] + row["pending"] + row["unmeasured"] == len(in_scope)
        if measure == "app":
            assert row["unmeasured"] == 0  # only the vendor measure leaves tickets unmeasured
        decided = row["met"] + row["breached"]
        if decided:
            assert 0.0 <= row["attainment"] <= 100.0
            assert row["attainment"] == round(100 * row["met"] / decided, 1)
        else:
            assert pd.isna(row["attainment"])
    assert summary.loc["long", "met"] >= summary.loc["short", "met"]
    assert summary.loc["long", "breached"] <= summary.loc["short", "breached"]
    outcome = {(r.target, r.ticket_id): r.outcome for r in per_ticket.itertuples()}
    for r in in_scope:
        if outcome[("short", r["ticket_id"])] == "met":
            assert outcome[("long", r["ticket_id"])] == "met"

    if calendar == "24x7" and measure == "app":  # an independent oracle: plain elapsed seconds
        for r in in_scope:
            fr, rs = r["first_response_at"], r["resolved_at"]
            fr_done = fr is not None and fr <= as_of
            rs_done = rs is not None and rs <= as_of
            if metric == "first_response":  # the resolution stands in while there is no response (yet)
                end_at = fr if fr_done else (rs if rs_done else None)
            else:
                end_at = rs if rs_done else None
            for name, limit in (("short", threshold * 60), ("long", (threshold + extra) * 60)):
                if end_at is not None:
                    elapsed = max((end_at - r["created_at"]).total_seconds(), 0)
                    expected = "met" if elapsed <= limit else "breached"
                else:
                    elapsed = (as_of - r["created_at"]).total_seconds()
                    expected = "breached" if elapsed > limit else "pending"
                assert outcome[(name, r["ticket_id"])] == expected, (name, r, as_of)

    # The two routes through the engine agree: the packed per-ticket codes behind summary() and the one-row-per-pair
    # view behind listings.
    for name in ("short", "long"):
        mine = per_ticket[per_ticket["target"] == name]["outcome"].value_counts()
        for outcome_name in ("met", "breached", "pending", "unmeasured"):
            assert summary.loc[name, outcome_name] == mine.get(outcome_name, 0)

    if measure == "app":  # business time from the stored clock positions equals the numpy route, ticket by ticket
        from slacore.calendars import TEMPLATE_CALENDARS, business_seconds

        cal = TEMPLATE_CALENDARS[calendar]
        elapsed_by_ticket = {(r.target, r.ticket_id): r.elapsed_s for r in per_ticket.itertuples()}
        for r in in_scope:
            fr, rs = r["first_response_at"], r["resolved_at"]
            fr_done, rs_done = fr is not None and fr <= as_of, rs is not None and rs <= as_of
            end_at = (fr if fr_done else (rs if rs_done else as_of)) if metric == "first_response" else \
                (rs if rs_done else as_of)
            expected = business_seconds(cal, r["created_at"].timestamp(), end_at.timestamp())
            assert elapsed_by_ticket[("short", r["ticket_id"])] == pytest.approx(float(expected), abs=1e-5)
