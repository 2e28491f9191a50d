"""The page aggregates: control limits, volume/backlog, the performance view, stepping goals."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
import pytest

from slacore import analysis
from slacore.metrics import Filters
from slacore.targets import build_target, save_target


def _tickets(store, rows):
    with store.transaction() as cur:
        cur.executemany(
            "INSERT INTO tickets (source, ticket_id, created_at, first_response_at, resolved_at, team) "
            "VALUES ('s', ?, ?, ?, ?, ?)", rows)


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def test_p_chart_limits_follow_each_periods_size():
    periods = pd.DataFrame({
        "target": ["T"] * 3, "period": pd.to_datetime(["2025-01-06", "2025-01-13", "2025-01-20"]),
        "met": [90, 9, 40], "breached": [10, 1, 60], "attainment": [90.0, 90.0, 40.0],
    })
    out = analysis.p_chart(periods)
    # pooled p = 139 / 210
    assert out["center"].iloc[0] == pytest.approx(100 * 139 / 210, abs=0.01)
    small, large = out.iloc[1], out.iloc[0]
    assert (small["ucl"] - small["lcl"]) > (large["ucl"] - large["lcl"]), "fewer tickets, wider limits"
    assert list(out["signal"]) == [True, False, True]  # 90% of 100 is a real shift up; 40% of 100 one down
    assert out["rolling"].iloc[2] == pytest.approx(100 * 139 / 210, abs=0.1)


def test_volume_counts_created_resolved_and_backlog_and_honours_exclusion(store):
    _tickets(store, [
        ("1", utc(2024, 12, 30, 9), None, None, "A"),          # open before the period: opening backlog 1
        ("2", utc(2025, 1, 6, 9), None, utc(2025, 1, 7, 9), "A"),
        ("3", utc(2025, 1, 7, 9), None, None, "A"),
        ("4", utc(2025, 1, 14, 9), None, utc(2025, 1, 15, 9), "B"),
    ])
    frame = analysis.volume(store, "week", date(2025, 1, 6), date(2025, 1, 19), Filters(), "UTC")
    assert frame[["created", "resolved", "backlog"]].values.tolist() == [[2, 1, 2], [1, 1, 2]]
    excluded = analysis.volume(store, "week", date(2025, 1, 6), date(2025, 1, 19),
                               Filters(exclude_ids=(("s", "3"),)), "UTC")
    assert excluded["created"].tolist() == [1, 1]
    team_b = analysis.volume(store, "week", date(2025, 1, 6), date(2025, 1, 19), Filters(team=("B",)), "UTC")
    assert team_b["created"].tolist() == [1]


def test_performance_view_splits_current_and_previous_periods(store):
    _tickets(store, [
        ("1", utc(2025, 1, 2, 9), utc(2025, 1, 2, 9, 30), None, "A"),   # previous period: met
        ("2", utc(2025, 1, 9, 9), utc(2025, 1, 9, 12), None, "A"),      # current: breached
        ("3", utc(2025, 1, 10, 9), utc(2025, 1, 10, 9, 10), None, "B"),  # current: met
    ])
    save_target(store, build_target("FR", "first_response", "1h", "90%"))
    view = analysis.performance_view(store, date(2025, 1, 8), date(2025, 1, 14), (date(2025, 1, 1), date(2025, 1, 7)),
                                     utc(2025, 1, 20), Filters())
    tile = view["tiles"].iloc[0]
    assert (tile["met"], tile["breached"], tile["attainment"], tile["previous"]) == (1, 1, 50.0, 100.0)
    assert tile["delta"] == -50.0 and tile["state"] == "breached"
    teams = view["dims"]["team"].set_index("value")["attainment"].to_dict()
    assert teams == {"A": 0.0, "B": 100.0}
    assert view["heat"]["breached"].sum() == 1
    hist, threshold = analysis.target_distribution(store, "FR", date(2025, 1, 8), date(2025, 1, 14),
                                                   utc(2025, 1, 20), Filters())
    assert threshold == 60 and hist["tickets"].sum() == 2


def test_a_heat_cell_drills_down_in_the_workspace_time_zone(store):
    from slacore.metrics import Evaluation, set_workspace_timezone

    _tickets(store, [
        ("1", utc(2025, 1, 9, 9), utc(2025, 1, 9, 12), None, "A"),    # Thu 09:00 UTC = 10:00 Berlin: breached
        ("2", utc(2025, 1, 9, 9, 30), utc(2025, 1, 9, 9, 40), None, "A"),  # same cell, met
        ("3", utc(2025, 1, 10, 9), utc(2025, 1, 10, 12), None, "B"),  # Fri: breached
    ])
    save_target(store, build_target("FR", "first_response", "1h", "90%"))
    set_workspace_timezone(store, "Europe/Berlin")
    with Evaluation(store, start=date(2025, 1, 1), end=date(2025, 1, 31), as_of=utc(2025, 2, 1)) as ev:
        assert ev.tickets("FR", "breached", cell=("Thu", 10))["ticket_id"].tolist() == ["1"]
        assert ev.tickets("FR", None, cell=("Thu", 10))["ticket_id"].tolist() == ["2", "1"]
        assert ev.tickets("FR", "breached", cell=("Thu", 9)).empty  # 09:00 UTC is not 09:00 in Berlin


def test_goal_steps_follow_target_versions(store):
    save_target(store, build_target("FR", "first_response", "1h", "90%"), effective=date(2025, 1, 1))
    save_target(store, build_target("FR", "first_response", "2h", "95%"), effective=date(2025, 1, 13))
    from slacore.targets import current_targets

    periods = pd.DataFrame({"target": ["FR", "FR"], "period": [date(2025, 1, 6), date(2025, 1, 13)]})
    steps = analysis.goal_steps(store, current_targets(store), periods)
    assert steps["goal_step"].tolist() == [90.0, 95.0]
    assert steps["within_min"].tolist() == [60.0, 120.0]
