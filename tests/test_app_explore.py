"""AppTest of the Performance, Trends and Targets pages: with the sample data, and with nothing loaded."""

from __future__ import annotations

import pytest

from apptest_helpers import open_page as _app, texts as _texts









def test_performance_shows_a_tile_per_target_with_sample_data(app_env):
    at = _app("pages/performance.py")
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert "Urgent first response" in labels and "Standard resolution" in labels
    values = [m.value for m in at.metric]
    assert all(v.endswith("%") or v == "–" for v in values)
    assert any(b.label == "Tickets" for b in at.button)
    assert at.get("vega_lite_chart"), "the attainment, distribution and heatmap charts are drawn"


def test_performance_tile_button_opens_the_drilldown(app_env):
    at = _app("pages/performance.py")
    at.button(key="tile-Urgent first response").click().run()
    assert not at.exception, at.exception
    assert "Tickets behind the selection" in [s.value for s in at.subheader]
    assert any(d.label == "Download CSV" for d in at.get("download_button"))


def test_performance_filter_comes_from_the_url(app_env):
    at = _app("pages/performance.py", {"team": "Tier 2", "period": "last_quarter"})
    assert not at.exception, at.exception
    assert at.multiselect(key="fb-team").value == ["Tier 2"]
    assert at.selectbox(key="fb-period").value == "last_quarter"


def test_performance_filter_that_matches_nothing_says_so(app_env):
    at = _app("pages/performance.py", {"period": "custom", "from": "2001-01-01", "to": "2001-01-31"})
    assert not at.exception, at.exception
    assert "No tickets match these filters" in _texts(at)


def test_trends_draws_control_chart_and_volume(app_env):
    at = _app("pages/trends.py", {"grain": "month", "period": "custom", "from": "2025-10-01", "to": "2026-11-20"})
    assert not at.exception, at.exception
    charts = at.get("vega_lite_chart")
    assert len(charts) >= 3  # attainment with limits, p50/p90, volume


@pytest.mark.parametrize("page", ["pages/performance.py", "pages/trends.py"])
def test_explore_pages_without_data_show_the_way_to_the_data_page(empty_app, page):
    at = _app(page)
    assert not at.exception, at.exception
    assert "No tickets yet" in _texts(at)


def test_targets_page_lists_sample_targets_and_history(app_env):
    at = _app("pages/targets.py")
    assert not at.exception, at.exception
    frames = at.dataframe
    assert frames, "the targets editor and the history table are shown"
    history = frames[-1].value
    assert set(history["target"]) >= {"Urgent first response", "Standard resolution"}
    assert (history["reason"] == "applied from the sample template").all()
    text = _texts(at)
    assert "Each row is one promise" in text


def test_targets_what_if_recommends_a_threshold(app_env):
    at = _app("pages/targets.py")
    at.text_input(key="whatif-within").set_value("2h").run()
    assert not at.exception, at.exception
    infos = [i.value for i in at.info]
    assert any("tickets were answered within" in i or "tickets were resolved within" in i for i in infos), infos
    assert any(m.label.startswith("Attainment with 2 h") for m in at.metric)


def test_targets_template_loads_into_an_empty_database(empty_app):
    at = _app("pages/targets.py")
    assert not at.exception, at.exception
    at.selectbox(key="template").set_value("critical-ops-24x7").run()
    at.button(key="load-template").click().run()
    assert not at.exception, at.exception
    from slacore.store import open_store
    from slacore.targets import current_targets

    names = [t.name for t in current_targets(open_store(empty_app))]
    assert names == ["Critical response", "Critical restore", "High response", "High restore"]


def test_targets_bad_yaml_is_refused_with_the_line(empty_app):
    at = _app("pages/targets.py")
    at.text_area(key="yaml-input").set_value("targets:\n  - name: x\n    metric: speed\n    within: 1h\n    goal: 90%\n")
    at.button(key="apply-yaml").click().run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any("line 3" in e and "metric" in e for e in errors), errors
