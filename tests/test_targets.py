"""Targets: validation, versions with effective dates, history, retirement, and which version judges which ticket.

Tickets are inserted with SQL; every expected count is worked out by hand in the comments.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
import pytest

from slacore.calendars import calendar_from_dict
from slacore.errors import UserError
from slacore.metrics import Evaluation, set_workspace_timezone, summarize
from slacore.targets import (build_target, calendars, current_targets, delete_calendar, get_target, history,
                             make_where, parse_goal, retire_target, save_calendar, save_target, versions)
from ticketdata import add_tickets, u  # noqa: E402

UTC = timezone.utc
MIN, H = 60, 3600






def answered(ticket_id, created: datetime, minutes: int, **extra) -> dict:
    return {"ticket_id": ticket_id, "created_at": created,
            "first_response_at": created + pd.Timedelta(minutes=minutes).to_pytimedelta(), **extra}


def judged_versions(store, start=None, end=None, as_of=None, targets=None) -> dict:
    """ticket_id -> (target version, outcome) for the saved targets."""
    with Evaluation(store, targets, start, end, as_of or u(2025, 4, 30)) as ev:
        frame = ev.sql("SELECT ticket_id, version, outcome FROM od ORDER BY ticket_id")
    assert frame["ticket_id"].is_unique, "a ticket was judged by two versions of one target"
    return {r.ticket_id: (int(r.version), r.outcome) for r in frame.itertuples()}


def summary_row(store, start, end, as_of=None) -> dict:
    frame = summarize(store, start, end, as_of or u(2025, 4, 30))
    return {r["name"]: (r["met"], r["breached"], r["pending"], r["attainment"]) for r in frame.to_dict("records")}


# ---------------------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, share", [("95%", 0.95), (95, 0.95), (0.95, 0.95), ("99.5%", 0.995), ("1%", 0.01),
                                         (1, 1.0), ("100%", 1.0), (" 80 % ", 0.8)])
def test_parse_goal(text, share):
    assert parse_goal(text) == share


@pytest.mark.parametrize("text", ["150%", "0%", 0, -5, "abc", True, ""])
def test_parse_goal_refuses(text):
    with pytest.raises(ValueError):
        parse_goal(text)


@pytest.mark.parametrize("kwargs, field", [
    ({"name": "  "}, "name"),
    ({"metric": "resolve"}, "metric"),
    ({"within": "soon"}, "within"),
    ({"within": "0m"}, "within"),
    ({"goal": "150%"}, "goal"),
    ({"where": {"prio": "urgent"}}, "where"),
    ({"where": {"priority": "critical"}}, "where"),
    ({"measure": "theirs"}, "measure"),
    ({"metric": "resolution", "pause": ["lunch"]}, "pause"),
    ({"pause": ["pending"]}, "pause"),  # first response never pauses
])
def test_build_target_names_the_bad_field(kwargs, field):
    args = {"name": "T", "metric": "first_response", "within": "1h", "goal": "90%", **kwargs}
    with pytest.raises(ValueError) as info:
        build_target(args.pop("name"), args.pop("metric"), args.pop("within"), args.pop("goal"), **args)
    assert str(info.value).startswith(f"{field}:")


def test_build_target_normalises():
    t = build_target(" Urgent ", "resolution", "1h30m", "95%", where={"team": ["B", "A", "A"], "priority": "URGENT",
                                                                     "channel": []},
                     calendar="office-eu", pause="on_hold")
    assert (t.name, t.within_s, t.goal, t.calendar, t.pause) == ("Urgent", 5400, 0.95, "office-eu", ("on_hold",))
    assert t.where == (("priority", ("urgent",)), ("team", ("A", "B")))
    assert t.scope == {"priority": ["urgent"], "team": ["A", "B"]}
    assert make_where({"team": "A", "priority": "high"}) == make_where({"priority": ["high"], "team": ["A"]})
    assert build_target("d", "first_response", "2d", "90%").within_s == 2 * 86400
    assert build_target("m", "first_response", "30m", "90%").within_s == 1800


def test_describe_keeps_a_fractional_goal():
    assert build_target("T", "first_response", "1h", "95%").describe() == \
        "95% of all tickets answered within 1 h 00 min (24x7)"
    assert build_target("T", "resolution", "2h30m", "99.5%", where={"priority": "urgent"}).describe() == \
        "99.5% of urgent tickets resolved within 2 h 30 min (24x7)"


# ---------------------------------------------------------------------------------------------------------------
# Versions
# ---------------------------------------------------------------------------------------------------------------


def test_version_switch_mid_period_judges_each_ticket_by_its_version(store):
    v1 = build_target("FR", "first_response", "1h", "90%")
    v2 = build_target("FR", "first_response", "2h", "90%")
    assert save_target(store, v1, author="alice", reason="initial", effective=date(2025, 3, 1)) == "created"
    assert save_target(store, v2, author="bob", reason="contract renewal", effective=date(2025, 3, 15)) == "changed"
    add_tickets(
        store,
        answered("feb", u(2025, 2, 20, 10), 90),  # before the first version: the first version judges it (1 h)
        answered("mar10", u(2025, 3, 10, 10), 90),  # v1: 90 min > 1 h
        answered("mar14", u(2025, 3, 14, 23, 59), 90),  # v1, last minute before the switch
        answered("mar15", u(2025, 3, 15, 0, 0), 90),  # v2 from midnight: 90 min <= 2 h
        answered("mar20", u(2025, 3, 20, 10), 90),  # v2: met
        answered("mar21", u(2025, 3, 21, 10), 150),  # v2: 150 min > 2 h
    )
    assert judged_versions(store) == {
        "feb": (1, "breached"), "mar10": (1, "breached"), "mar14": (1, "breached"),
        "mar15": (2, "met"), "mar20": (2, "met"), "mar21": (2, "breached"),
    }
    assert summary_row(store, date(2025, 3, 1), date(2025, 3, 31)) == {"FR": (2, 3, 0, 40.0)}
    assert summary_row(store, date(2025, 2, 1), date(2025, 2, 28)) == {"FR": (0, 1, 0, 0.0)}
    assert summary_row(store, date(2025, 3, 15), date(2025, 3, 20)) == {"FR": (2, 0, 0, 100.0)}

    current = get_target(store, "FR")
    assert (current.version, current.within_s, current.author, current.reason) == (2, 7200, "bob", "contract renewal")
    assert [(t.version if t else None, eff) for t, eff in versions(store, current.target_id)] == [
        (1, u(2025, 3, 1)), (2, u(2025, 3, 15))]
    h = history(store)
    assert h[["target", "version", "author", "reason"]].values.tolist() == [
        ["FR", 1, "alice", "initial"], ["FR", 2, "bob", "contract renewal"]]
    assert h["change"].tolist() == ["90% of all tickets answered within 1 h 00 min (24x7)",
                                    "90% of all tickets answered within 2 h 00 min (24x7)"]
    assert [ts.to_pydatetime() for ts in h["effective_from"]] == [u(2025, 3, 1), u(2025, 3, 15)]
    assert len(history(store, "FR")) == 2 and history(store, "nope").empty


def test_unchanged_save_creates_no_version(store):
    t = build_target("FR", "first_response", "1h", "90%", where={"priority": ["urgent", "high"]})
    assert save_target(store, t, author="a", effective=date(2025, 1, 1)) == "created"
    same = build_target("FR", "first_response", "60m", 0.9, where={"priority": ["high", "urgent"]})
    assert save_target(store, same, author="b", reason="again", effective=date(2025, 6, 1)) == "unchanged"
    assert len(history(store)) == 1
    assert save_target(store, build_target("FR", "first_response", "1h", "95%",
                                           where={"priority": ["urgent", "high"]}), author="c") == "changed"
    assert history(store)["version"].tolist() == [1, 2]
    assert get_target(store, "FR").goal == 0.95


def test_backdated_version_overrides_from_its_effective_date(store):
    """v3 is saved last with an effective date before v2's: from 10 March on v3 is in force (it is the current
    version, and it supersedes v2 entirely); no ticket may be judged twice."""
    save_target(store, build_target("FR", "first_response", "1h", "90%"), effective=date(2025, 3, 1))
    save_target(store, build_target("FR", "first_response", "2h", "90%"), effective=date(2025, 3, 15))
    save_target(store, build_target("FR", "first_response", "3h", "90%"), effective=date(2025, 3, 10))
    add_tickets(store, answered("mar05", u(2025, 3, 5, 10), 150),  # v1 (1 h): breached
                answered("mar12", u(2025, 3, 12, 10), 150),  # v3 (3 h): met
                answered("mar20", u(2025, 3, 20, 10), 150))  # v3 (3 h), not v2: met
    assert judged_versions(store) == {"mar05": (1, "breached"), "mar12": (3, "met"), "mar20": (3, "met")}
    assert summary_row(store, date(2025, 3, 1), date(2025, 3, 31)) == {"FR": (2, 1, 0, 66.7)}


def test_effective_dates_are_local_midnight_in_the_workspace_time_zone(store):
    set_workspace_timezone(store, "Europe/Berlin")
    save_target(store, build_target("FR", "first_response", "1h", "90%"), effective=date(2025, 3, 1))
    save_target(store, build_target("FR", "first_response", "2h", "90%"), effective=date(2025, 3, 15))
    # 14 Mar 23:30 UTC is 15 Mar 00:30 in Berlin: the 15 March version applies, as the 15 March period says.
    add_tickets(store, answered("a", u(2025, 3, 14, 23, 30), 90), answered("b", u(2025, 3, 14, 22, 30), 90))
    assert judged_versions(store) == {"a": (2, "met"), "b": (1, "breached")}
    tid = get_target(store, "FR").target_id
    assert [eff for _, eff in versions(store, tid)][1] == u(2025, 3, 14, 23)
    # An explicit datetime is taken as given.
    save_target(store, build_target("FR", "first_response", "3h", "90%"), effective=u(2025, 3, 20, 12))
    assert [eff for _, eff in versions(store, tid)][2] == u(2025, 3, 20, 12)


def test_retire_stops_judging_later_tickets_and_a_new_save_revives(store):
    save_target(store, build_target("FR", "first_response", "1h", "90%"), author="alice", effective=date(2025, 3, 1))
    before = get_target(store, "FR")
    add_tickets(store, answered("mar10", u(2025, 3, 10, 10), 30),
                answered("mar25", u(2025, 3, 25, 10), 30),
                answered("apr10", u(2025, 4, 10, 10), 30))
    retire_target(store, "FR", author="carol", reason="dropped from the contract", effective=date(2025, 3, 20))
    assert current_targets(store) == []
    with pytest.raises(UserError):
        get_target(store, "FR")
    with pytest.raises(UserError):
        retire_target(store, "FR")
    # Judged with its stored versions, the retired target only covers tickets created before 20 March.
    assert judged_versions(store, targets=[before]) == {"mar10": (1, "met")}
    h = history(store, "FR")
    assert h[["version", "change", "author", "reason"]].values.tolist()[-1] == [
        2, "retired", "carol", "dropped from the contract"]
    # Saving it again revives it from its effective date; the retired stretch stays unjudged.
    assert save_target(store, build_target("FR", "first_response", "1h", "90%"), author="dave",
                       effective=date(2025, 4, 1)) == "changed"
    assert get_target(store, "FR").version == 3
    assert judged_versions(store) == {"mar10": (1, "met"), "apr10": (3, "met")}


def test_rename_keeps_the_history(store):
    save_target(store, build_target("FR", "first_response", "1h", "90%"), effective=date(2025, 3, 1))
    save_target(store, build_target("FR", "first_response", "1h", "90%", where={"team": "B"}),
                effective=date(2025, 3, 2))
    assert save_target(store, build_target("First response", "first_response", "1h", "90%", where={"team": "B"}),
                       previous_name="FR", effective=date(2025, 3, 3)) == "changed"
    assert [t.name for t in current_targets(store)] == ["First response"]
    assert history(store, "First response")["version"].tolist() == [1, 2, 3]
    save_target(store, build_target("Other", "resolution", "4h", "90%"))
    with pytest.raises(UserError):
        save_target(store, build_target("Other", "first_response", "1h", "90%"), previous_name="First response")


def test_calendars_are_checked(store):
    with pytest.raises(UserError, match="calendar 'nowhere'"):
        save_target(store, build_target("FR", "first_response", "1h", "90%", calendar="nowhere"))
    assert current_targets(store) == []
    cal = calendar_from_dict("berlin", {"timezone": "Europe/Berlin", "hours": {"mon-fri": "09:00-17:00"},
                                        "holidays": "DE-BE", "closed": ["2025-12-24"]})
    save_calendar(store, cal)
    assert calendars(store)["berlin"] == cal
    save_target(store, build_target("FR", "first_response", "1h", "90%", calendar="berlin"))
    with pytest.raises(UserError, match="FR"):
        delete_calendar(store, "berlin")
    with pytest.raises(UserError):
        save_calendar(store, calendar_from_dict("24x7", {"timezone": "Europe/Berlin"}))
    assert "office-eu" in calendars(store) and "24x7" in calendars(store)


def test_a_retired_target_still_reports_the_periods_it_judged(store):
    """Retiring stops judging later tickets, but a past period still shows what was promised then."""
    from datetime import date

    from slacore.metrics import summarize
    from slacore.targets import build_target, retire_target, save_target

    with store.transaction() as cur:
        cur.execute("""INSERT INTO tickets (source, ticket_id, created_at, first_response_at) VALUES
            ('x', '1', '2025-03-03 10:00:00+00', '2025-03-03 10:20:00+00'),
            ('x', '2', '2025-05-05 10:00:00+00', '2025-05-05 12:00:00+00')""")
    save_target(store, build_target("FR", "first_response", "1h", "90%"), effective=date(2025, 1, 1))
    retire_target(store, "FR", effective=date(2025, 4, 1))
    march = summarize(store, date(2025, 3, 1), date(2025, 3, 31)).to_dict("records")
    assert [(r["name"], r["met"], r["breached"]) for r in march] == [("FR", 1, 0)]
    assert summarize(store, date(2025, 5, 1), date(2025, 5, 31)).empty
