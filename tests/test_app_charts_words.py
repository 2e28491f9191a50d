"""AppTest of issue 10's chart and wording items on the sample data: trends that span the data and mark partial
periods, tiles that say a missed goal and colour a change by better/worse, a distribution clipped at p99 with its
tail counted, a what-if showing the weeks asked for, and tables headed in words.

Figures are checked against independent computations (`metrics.summarize`, the drill-down's ticket list, dates
worked out by hand), never against the function the page calls."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

from apptest_helpers import assert_clean, charts, metrics, open_page, texts

# Thursday 20 Aug to Wednesday 18 Nov 2026: the weeks of 17 Aug and 16 Nov are cut, the months of Aug and Nov too.
CUT = {"period": "custom", "from": "2026-08-20", "to": "2026-11-18"}


def _spec(chart) -> dict:
    return json.loads(chart.proto.spec)


def _period_x(spec: dict) -> dict:
    return next(layer["encoding"]["x"] for layer in spec["layer"] if layer["encoding"].get("x", {}).get("field")
                == "period")


def _summary(db_path, start: date, end: date):
    from slacore.metrics import Filters, default_as_of, summarize
    from slacore.store import open_store

    store = open_store(db_path)
    return {r["name"]: r for r in summarize(store, start, end, default_as_of(store), Filters()).to_dict("records")}


def test_weekly_trend_spans_the_data_and_fades_the_cut_weeks(app_env):
    from slacore.store import open_store
    from slacore.targets import current_targets, save_target

    at = open_page("pages/trends.py", CUT)  # the first start loads the sample
    store = open_store(app_env)
    first = current_targets(store)[0]
    # A target change long before the period: it must not stretch the axis back to January.
    save_target(store, replace(first, goal=0.9, target_id=None, version=None), author="test", reason="earlier",
                effective=date(2026, 1, 15))
    at.run()
    assert_clean(at)
    trend = _spec(charts(at)[0])
    domain = _period_x(trend)["scale"]["domain"]
    assert [(d["year"], d["month"], d["date"]) for d in domain] == [(2026, 8, 17), (2026, 11, 16)]
    assert not [layer for layer in trend["layer"] if layer["mark"]["type"] == "rule"], "no rule for the Jan change"
    shown = texts(at)
    assert "Faded: the week of 17 Aug 2026 and the week of 16 Nov 2026 fall only partly in 20 Aug – 18 Nov 2026" \
        in shown, shown
    assert "Every whole week is inside the control limits" in shown or "outside the control limits" in shown
    numbers = at.dataframe[0].value
    assert numbers["partial"].tolist() == [True] + [False] * (len(numbers) - 2) + [True]
    assert numbers.loc[numbers["partial"], ["lcl", "ucl"]].isna().all().all(), "cut weeks get no limits"
    # The pooled centre comes from the whole weeks only.
    whole = numbers[~numbers["partial"]]
    centre = 100 * whole["met"].sum() / (whole["met"].sum() + whole["breached"].sum())
    assert abs(whole["center"].iloc[0] - centre) < 0.01


def test_monthly_points_are_labelled_by_month(app_env):
    at = assert_clean(open_page("pages/trends.py", {**CUT, "grain": "month"}))
    axis = _period_x(_spec(charts(at)[0]))["axis"]
    assert axis["format"] == "%b"
    assert [(v["year"], v["month"], v["date"]) for v in axis["values"]] == [(2026, m, 1) for m in (8, 9, 10, 11)]
    assert "Faded: August 2026 and November 2026 fall only partly" in texts(at)


def test_no_verdict_without_whole_periods_or_decided_tickets(app_env):
    at = assert_clean(open_page("pages/trends.py", {**CUT, "grain": "quarter"}))
    shown = texts(at)
    assert "No whole quarter with decided tickets in the period: no control limits to judge against." in shown
    assert "inside the control limits" not in shown
    empty = assert_clean(open_page("pages/trends.py", {"period": "custom", "from": "2020-01-01", "to": "2020-01-31"}))
    assert "inside the control limits" not in texts(empty)
    assert any("No decided tickets for this target" in i.value for i in empty.info)


def test_tiles_say_a_missed_goal_and_colour_the_change_by_better(app_env):
    at = assert_clean(open_page("pages/performance.py", CUT))
    now = _summary(app_env, date(2026, 8, 20), date(2026, 11, 18))
    before = _summary(app_env, date(2026, 5, 21), date(2026, 8, 19))  # the 91 days before
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    tiles = {m.label: m.proto for m in at.metric}
    assert set(tiles) == set(now)
    for name, row in now.items():
        delta = round(row["attainment"] - before[name]["attainment"], 1)
        want = "GRAY" if delta == 0 else ("GREEN" if delta > 0 else "RED")
        assert type(tiles[name]).MetricColor.Name(tiles[name].color) == want, (name, delta)
        missed = f":red-badge[Goal missed: {row['attainment']:.1f}% of {row['goal']:g}%]"
        assert (missed in badges) == (row["goal_met"] is False), (name, badges)
    assert any("Goal missed" in b for b in badges), "the sample misses at least one goal in this period"


def test_distribution_is_clipped_and_its_tail_counted(app_env):
    import re

    from slacore.metrics import Evaluation, Filters, default_as_of
    from slacore.store import open_store

    at = assert_clean(open_page("pages/performance.py", CUT))
    target = at.selectbox(key="perf-target").value
    hist = _spec(charts(at)[1])
    clip = hist["layer"][0]["encoding"]["x"]["scale"]["domain"][1]
    caption = next(c.value for c in at.caption if c.value.startswith("Threshold"))
    counted = re.search(r"(\d+) tickets? beyond ", caption)
    store = open_store(app_env)
    with Evaluation(store, start=date(2026, 8, 20), end=date(2026, 11, 18), as_of=default_as_of(store),
                    filters=Filters()) as ev:
        tickets = ev.tickets(target, limit=100000)
    decided = tickets[tickets["outcome"].isin(["met", "breached"])]
    beyond = int((decided["business_minutes"] > clip + 0.05).sum())
    assert beyond > 0 and counted and int(counted.group(1)) == beyond, (caption, beyond, clip)
    assert clip < decided["business_minutes"].max(), "the slowest ticket no longer sets the axis"


def test_at_risk_table_leads_with_time_left_in_words(app_env):
    at = assert_clean(open_page("pages/performance.py", CUT))
    risk = at.dataframe[-1]
    assert list(risk.proto.column_order)[0] == "time_left"
    config = json.loads(risk.proto.columns)
    labels = [c["label"] for name, c in config.items() if not name.startswith("_")]
    assert "Time left" in labels and not [label for label in labels if "_" in label], labels
    assert risk.proto.placeholder == "", "an empty cell shows empty, not 'None'"


def test_whatif_shows_exactly_the_weeks_asked_for(app_env):
    from slacore.metrics import default_as_of
    from slacore.store import open_store

    at = open_page("pages/targets.py")
    at.slider(key="whatif-weeks").set_value(8).run()
    assert_clean(at)
    weeks = metrics(at)["Weeks meeting the goal"]
    assert weeks.split(" of ")[1].startswith("8"), weeks
    chart = next(c for c in charts(at) if "what-if" in json.dumps(_spec(c)["title"]))
    spec = _spec(chart)
    bars = spec["layer"][0]
    as_of = default_as_of(open_store(app_env)).date()
    monday = as_of - timedelta(days=as_of.weekday())
    wanted = [f"{monday - timedelta(weeks=7 - i):%d %b}" for i in range(8)]
    assert bars["encoding"]["x"]["sort"] == wanted
    assert bars["encoding"]["y"]["scale"] == {"domain": [0, 100], "clamp": True, "nice": False}
    assert bars["mark"]["clip"] is True
