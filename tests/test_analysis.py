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
    hist, threshold, tail = analysis.target_distribution(store, "FR", date(2025, 1, 8), date(2025, 1, 14),
                                                         utc(2025, 1, 20), Filters())
    assert threshold == 60 and hist["tickets"].sum() + tail["tickets"] == 2


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


def test_partial_periods_are_marked_and_kept_out_of_the_control_limits():
    # A view from Wed 8 Jan to Tue 28 Jan 2025: the weeks of 6 Jan and 27 Jan are cut, 13 and 20 Jan whole.
    periods = pd.DataFrame({
        "target": ["T"] * 4, "period": pd.to_datetime(["2025-01-06", "2025-01-13", "2025-01-20", "2025-01-27"]),
        "met": [1, 90, 80, 0], "breached": [0, 10, 20, 3], "attainment": [100.0, 90.0, 80.0, 0.0],
    })
    marked = analysis.mark_partial(periods, "week", date(2025, 1, 8), date(2025, 1, 28))
    assert marked["partial"].tolist() == [True, False, False, True]
    out = analysis.p_chart(marked)
    assert out["center"].iloc[1] == pytest.approx(100 * 170 / 200, abs=0.01), "only whole weeks set the centre"
    assert out.loc[out["partial"], ["lcl", "ucl", "center"]].isna().all().all()
    assert not out.loc[out["partial"], "signal"].any(), "a 0% of 3 tickets cut week raises no alarm"
    whole = analysis.mark_partial(periods, "week", date(2025, 1, 6), date(2025, 2, 2))
    assert not whole["partial"].any()
    months = analysis.mark_partial(pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-02-01"])}), "month",
                                   date(2025, 1, 1), date(2025, 2, 27))
    assert months["partial"].tolist() == [False, True]  # February ends on the 28th


def test_a_series_of_partial_periods_only_gets_no_limits():
    periods = pd.DataFrame({"target": ["T"], "period": pd.to_datetime(["2025-01-01"]), "met": [5], "breached": [5],
                            "attainment": [50.0]})
    out = analysis.p_chart(analysis.mark_partial(periods, "quarter", date(2025, 2, 1), date(2025, 2, 28)))
    assert out["ucl"].isna().all() and not out["signal"].any()


def test_the_distribution_clips_at_p99_and_counts_the_tail(store):
    rows = [(str(i), utc(2025, 1, 9, 9), utc(2025, 1, 9, 9, i % 50 + 1), None, "A") for i in range(200)]
    rows += [("slow1", utc(2025, 1, 9, 9), utc(2025, 1, 12, 9), None, "A"),  # three days: far beyond the rest
             ("slow2", utc(2025, 1, 9, 9), utc(2025, 1, 13, 9), None, "A")]
    _tickets(store, rows)
    save_target(store, build_target("FR", "first_response", "1h", "90%"))
    hist, threshold, tail = analysis.target_distribution(store, "FR", date(2025, 1, 8), date(2025, 1, 14),
                                                         utc(2025, 1, 20), Filters())
    assert tail["tickets"] == 2 and tail["beyond_min"] < 3 * 24 * 60
    assert hist["tickets"].sum() == 200 and hist["minutes_end"].max() <= tail["beyond_min"] + 1e-6
    assert tail["beyond_min"] == pytest.approx(72.0), "the axis ends at 1.2 x the threshold, not at the outliers"


def test_delta_colour_follows_better_not_the_sign():
    assert analysis.delta_tone(0.0) == "gray" and analysis.delta_tone(0.04) == "gray"
    assert analysis.delta_tone(float("nan")) == "gray"
    assert analysis.delta_tone(-3.2) == "red" and analysis.delta_tone(2.0) == "green"
    assert analysis.delta_tone(-3.2, higher_is_better=False) == "green"


def test_the_whatif_shows_exactly_the_weeks_asked_for(store):
    from slacore.whatif import recent_attainment

    # As of Thu 20 Nov 2025: weeks start on Mondays; 3 weeks are 3-9, 10-16 and 17-20 (so far) November.
    _tickets(store, [("1", utc(2025, 11, 4, 9), utc(2025, 11, 4, 9, 30), None, "A"),
                     ("2", utc(2025, 11, 18, 9), utc(2025, 11, 18, 12), None, "A"),
                     ("3", utc(2025, 10, 28, 9), utc(2025, 10, 28, 9, 5), None, "A")])  # before the three weeks
    target = build_target("FR", "first_response", "1h", "90%")
    weekly = recent_attainment(store, target, weeks=3, as_of=utc(2025, 11, 20, 12))
    assert [p.date() for p in weekly["period"]] == [date(2025, 11, 3), date(2025, 11, 10), date(2025, 11, 17)]
    assert weekly["met"].tolist() == [1, 0, 0] and weekly["breached"].tolist() == [0, 0, 1]
    assert weekly["attainment"].isna().tolist() == [False, True, False], "an empty week keeps its row"
    assert weekly["partial"].tolist() == [False, False, True]
