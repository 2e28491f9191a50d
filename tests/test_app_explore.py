"""AppTest of the Performance, Trends and Targets pages: with the sample data, and with nothing loaded.

The figures a page shows are checked against an independent computation: `metrics.summarize` (what
`python -m slacore summary` prints; the pages use other code paths), the sample template's YAML, or SQL."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
import yaml

from apptest_helpers import assert_clean, assert_errors, charts, metrics, open_page as _app, texts as _texts

WHOLE = {"period": "custom", "from": "2025-10-01", "to": "2026-11-20"}  # the whole sample (see sample_data/README)


def _template_targets() -> list[str]:
    from slacore.sample import SAMPLE_TEMPLATE
    from slacore.templates import template_yaml

    return [t["name"] for t in yaml.safe_load(template_yaml(SAMPLE_TEMPLATE))["targets"]]


def _summary(db_path, start: date, end: date, **filters):
    """Per target (name -> row) over [start, end], judged at the data's as-of time, as the CLI summary does."""
    from slacore.metrics import Filters, default_as_of, summarize
    from slacore.store import open_store

    store = open_store(db_path)
    frame = summarize(store, start, end, default_as_of(store), Filters(**filters))
    return {r["name"]: r for r in frame.to_dict("records")}


def _tile_value(row) -> str:
    from slacore import metric_defs

    digits = metric_defs.get(row["metric"]).precision
    return "–" if row["attainment"] != row["attainment"] else f"{row['attainment']:.{digits}f}%"


def _tile_caption(row) -> str:
    """The tile's counts in its metric's words (met / breached / pending for the time metrics)."""
    from slacore import metric_defs

    return metric_defs.get(row["metric"]).counts_text(int(row["met"]), int(row["breached"]), int(row["pending"]),
                                                      int(row["unmeasured"]))


def test_performance_shows_a_tile_per_target_with_sample_data(sample_app):
    at = assert_clean(_app("pages/performance.py", WHOLE))
    summary = _summary(sample_app, date(2025, 10, 1), date(2026, 11, 20))
    assert list(summary) == _template_targets()
    assert metrics(at) == {name: _tile_value(row) for name, row in summary.items()}
    captions = " | ".join(c.value for c in at.caption)
    for row in summary.values():
        assert _tile_caption(row) in captions, (row["name"], captions)
    from slacore import metric_defs

    labels = [b.label for b in at.button]
    for label in {metric_defs.get(r["metric"]).drill_label for r in summary.values()}:
        assert labels.count(label) == sum(metric_defs.get(r["metric"]).drill_label == label for r in summary.values())
    assert len(charts(at)) == 3, "the attainment, distribution and heatmap charts are drawn"
    # The at-risk table: one row per pending (target, ticket) in the period, for the targets with a clock (an open
    # ticket is pending for FCR too, but has no time left to lose).
    risk = at.dataframe[-1].value
    from slacore import metric_defs

    clocked = [r for r in summary.values() if metric_defs.get(r["metric"]).threshold]
    assert len(risk) == sum(r["pending"] for r in clocked) > 0


def test_performance_tile_button_opens_the_drilldown(sample_app):
    at = _app("pages/performance.py", WHOLE)
    at.button(key="tile-Urgent first response").click().run()
    assert_clean(at)
    assert "Tickets behind the selection" in [s.value for s in at.subheader]
    row = _summary(sample_app, date(2025, 10, 1), date(2026, 11, 20))["Urgent first response"]
    frame = at.dataframe[-1].value
    assert len(frame) == row["met"] + row["breached"] + row["pending"]
    assert set(frame["target"]) == {"Urgent first response"} and set(frame["priority"]) == {"urgent"}
    assert frame["outcome"].value_counts().to_dict() == {k: row[k] for k in ("met", "breached", "pending") if row[k]}
    assert any(d.label == "Download CSV" for d in at.get("download_button"))


def test_performance_filter_comes_from_the_url(sample_app):
    at = assert_clean(_app("pages/performance.py", {"team": "Tier 2", "period": "last_quarter"}))
    assert at.multiselect(key="fb-team").value == ["Tier 2"]
    assert at.selectbox(key="fb-period").value == "last_quarter"
    # The sample ends on 20 Nov 2026, so its last quarter is Q3 2026.
    assert at.caption[0].value == "01 Jul 2026 – 30 Sep 2026"
    summary = _summary(sample_app, date(2026, 7, 1), date(2026, 9, 30), team=("Tier 2",))
    assert metrics(at) == {name: _tile_value(row) for name, row in summary.items()}
    assert sum(r["met"] + r["breached"] for r in summary.values()) > 0


@pytest.mark.parametrize("page", ["pages/performance.py", "pages/trends.py"])
def test_explore_pages_with_the_exclusion_switch_on(sample_app, page):
    at = assert_clean(_app(page, {**WHOLE, "exclude": "1", "grain": "month"}))
    assert at.toggle(key="fb-exclude").value is True
    specs = [json.loads(c.proto.spec) for c in charts(at)]
    assert len(specs) == 3 and all("suspicious tickets excluded" in json.dumps(s.get("title")) for s in specs)
    summary = _summary(sample_app, date(2025, 10, 1), date(2026, 11, 20), exclude_suspicious=True)
    everything = _summary(sample_app, date(2025, 10, 1), date(2026, 11, 20))
    judged = {n: r["met"] + r["breached"] + r["pending"] for n, r in summary.items()}
    assert sum(judged.values()) < sum(r["met"] + r["breached"] + r["pending"] for r in everything.values())
    if page == "pages/performance.py":
        assert metrics(at) == {name: _tile_value(row) for name, row in summary.items()}
    else:
        first = _template_targets()[0]
        numbers = at.dataframe[0].value
        assert int(numbers["met"].sum() + numbers["breached"].sum() + numbers["pending"].sum()) == judged[first]


def test_performance_filter_that_matches_nothing_says_so(sample_app):
    at = assert_clean(_app("pages/performance.py", {"period": "custom", "from": "2001-01-01", "to": "2001-01-31"}))
    assert [i.value for i in at.info] == [
        "No tickets match these filters in this period. Widen the period or clear a filter."]
    assert not at.metric and not charts(at)


def test_trends_draws_control_chart_and_volume(sample_app):
    at = assert_clean(_app("pages/trends.py", {**WHOLE, "grain": "month"}))
    assert len(charts(at)) == 3  # attainment with limits, p50/p90, volume
    first = _template_targets()[0]
    assert at.selectbox(key="trend-target").value == first
    numbers = at.dataframe[0].value  # the "Numbers" table: one row per month of the sample
    assert len(numbers) == 14  # October 2025 to November 2026
    row = _summary(sample_app, date(2025, 10, 1), date(2026, 11, 20))[first]
    assert (int(numbers["met"].sum()), int(numbers["breached"].sum()), int(numbers["pending"].sum())) == (
        row["met"], row["breached"], row["pending"])


@pytest.mark.parametrize("page", ["pages/performance.py", "pages/trends.py"])
def test_explore_pages_without_data_show_the_way_to_the_data_page(empty_app, page):
    at = assert_clean(_app(page))
    assert [i.value for i in at.info] == ["No tickets yet: upload a ticket export first."]
    assert not at.metric and not charts(at)


def test_targets_page_lists_sample_targets_and_history(sample_app):
    at = assert_clean(_app("pages/targets.py"))
    frames = at.dataframe
    assert len(frames) == 3, "the targets editor, the calendars editor and the history table are shown"
    names = _template_targets()
    assert list(frames[0].value["name"]) == names
    history = frames[-1].value
    assert sorted(history["target"]) == sorted(names), "one version per target"
    assert (history["reason"] == "applied from the sample template").all()
    text = _texts(at)
    assert "Each row is one promise" in text


def test_targets_what_if_recommends_a_threshold(sample_app):
    at = _app("pages/targets.py")
    at.text_input(key="whatif-within").set_value("2h").run()
    assert_clean(at)
    infos = [i.value for i in at.info]
    assert any("tickets were answered within" in i for i in infos), infos
    # Independently: the first target (urgent first response) with a 2 h threshold, over the same weeks.
    from slacore.metrics import Evaluation, default_as_of
    from slacore.store import open_store
    from slacore.targets import current_targets

    store = open_store(sample_app)
    base = current_targets(store)[0]
    probe = replace(base, within_s=2 * 3600, target_id=None, version=None)  # not a stored version
    as_of = default_as_of(store)
    # The 12 weeks asked for: Monday to Sunday, the last one the as-of week (the sample's zone is UTC).
    first_monday = as_of.date() - timedelta(days=as_of.date().weekday()) - timedelta(weeks=11)
    with Evaluation(store, [probe], first_monday, as_of.date(), as_of) as ev:
        row = ev.summary().iloc[0]
    overall = 100 * row["met"] / (row["met"] + row["breached"])
    assert metrics(at)["Attainment with 2 h 00 min"] == f"{overall:.1f}%"


def test_targets_template_loads_into_an_empty_database(empty_app):
    at = assert_clean(_app("pages/targets.py"))
    assert "No targets yet. Load a template above, or add rows to the table below and save." in _texts(at)
    at.selectbox(key="template").set_value("critical-ops-24x7").run()
    at.button(key="load-template").click().run()
    assert_clean(at)
    from slacore.store import open_store
    from slacore.targets import current_targets

    names = [t.name for t in current_targets(open_store(empty_app))]
    assert names == ["Critical response", "Critical restore", "High response", "High restore", "Platform uptime"]
    assert list(at.dataframe[0].value["name"]) == names


def test_targets_bad_yaml_is_refused_with_the_line(empty_app):
    at = _app("pages/targets.py")
    at.text_area(key="yaml-input").set_value("targets:\n  - name: x\n    metric: speed\n    within: 1h\n    goal: 90%\n")
    at.button(key="apply-yaml").click().run()
    assert_errors(at, ["line 3: targets[1].metric: 'speed' is not one of first_response, resolution, csat, fcr, uptime"])
    from slacore.store import open_store

    assert open_store(empty_app).scalar("SELECT count(*) FROM targets") == 0, "nothing applied"


def test_performance_shows_csat_fcr_and_uptime_in_their_own_words(sample_app):
    """The sample's survey export and outage log reach the tiles: CSAT with its response rate and rule, FCR with its
    definition, uptime to three decimals with its error budget; choosing the uptime target draws the budget's burn
    and groups by service (the only dimension uptime has)."""
    at = assert_clean(_app("pages/performance.py", WHOLE))
    summary = _summary(sample_app, date(2025, 10, 1), date(2026, 11, 20))
    shown = metrics(at)
    for name in ("Customer satisfaction", "First contact resolution", "Service uptime"):
        assert shown[name] == _tile_value(summary[name]) != "–"
    assert summary["Customer satisfaction"]["met"] > 0 and summary["Service uptime"]["breached"] > 0
    words = " | ".join(c.value for c in at.caption)
    assert "Response rate" in words and "satisfied = 4–5 of 5" in words
    assert "First contact: resolved, never reopened, at most one agent reply" in words
    assert "error budget" in words
    at.selectbox(key="perf-target").set_value("Service uptime").run()
    assert_clean(at)
    titles = [c.proto.spec for c in charts(at)]
    assert any("Error budget" in spec for spec in titles), "the burn chart is drawn"
    assert not any("weekday and hour" in spec for spec in titles), "no arrival heat map for time"
    captions = " | ".join(c.value for c in at.caption)
    assert "of downtime used of" in captions and "the budget resets each month" in captions


def test_the_whatif_of_an_uptime_target_moves_the_goal_and_counts_missed_months(sample_app):
    from slacore.store import open_store
    from slacore.targets import current_targets
    from slacore.whatif import missed_periods

    at = assert_clean(_app("pages/targets.py"))
    at.selectbox(key="whatif-target").set_value(
        next(t for t in at.selectbox(key="whatif-target").options if "Service uptime" in str(t))).run()
    assert_clean(at)
    assert "Uptime has no threshold: try another goal." in _texts(at)
    at.number_input(key="whatif-goal-Service uptime").set_value(99.95).run()
    assert_clean(at)
    target = next(t for t in current_targets(open_store(sample_app)) if t.name == "Service uptime")
    _, expected = missed_periods(open_store(sample_app), target, 0.9995)
    assert expected.startswith("At 99.95% you would have missed ") and expected in [i.value for i in at.info]
