"""Chart specs: what a reader sees must not distort the numbers."""

from __future__ import annotations

import pandas as pd

from slacore.charts import heatmap_chart


def test_heat_map_shows_zero_breaches_as_white():
    frame = pd.DataFrame({"weekday": ["Mon", "Tue"], "hour": [9, 10], "breached": [0, 12], "decided": [5, 40],
                          "breach_rate": [0.0, 30.0]})
    spec = heatmap_chart(frame).to_dict()
    scale = spec["encoding"]["color"]["scale"]
    assert scale["range"][0].lower() in ("#ffffff", "white")
    assert scale["domainMin"] == 0  # a period whose fewest breaches is 3 still starts the scale at zero


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def _trend_frame(starts, partial):
    from slacore import analysis

    n = len(starts)
    periods = pd.DataFrame({"target": ["T"] * n, "period": pd.to_datetime(starts), "met": [80] * n,
                            "breached": [20] * n, "attainment": [80.0] * n})
    periods["partial"] = partial
    periods["period_end"] = periods["period"] + pd.DateOffset(months=1)
    return analysis.p_chart(periods)


def test_the_trend_axis_spans_the_data_not_a_target_change_long_before():
    from slacore.charts import trend_chart

    frame = _trend_frame(["2026-08-01", "2026-09-01", "2026-10-01", "2026-11-01"], [True, False, False, True])
    changes = pd.DataFrame({"target": ["T"], "date": pd.to_datetime(["2025-01-15"]), "change": ["goal 90% -> 95%"],
                            "reason": [""]})
    spec = trend_chart(frame, pd.DataFrame(), changes, grain="month").to_dict()
    layers = _layers(spec)
    x = next(layer["encoding"]["x"] for layer in layers if layer["encoding"]["x"]["field"] == "period")
    domain = x["scale"]["domain"]
    assert (domain[0]["year"], domain[0]["month"]) == (2026, 8) and (domain[1]["year"], domain[1]["month"]) == (2026, 11)
    assert x["axis"]["format"] == "%b" and len(x["axis"]["values"]) == 4, "one label per month, named by month"
    assert not any(layer.get("mark", {}).get("type") == "rule" for layer in layers), "the 2025 change is not drawn"
    assert "partial periods faded" in spec["title"]["text"]


def test_quarters_are_labelled_as_quarters_and_years_shown_across_a_new_year():
    from slacore.charts import period_x

    quarter = period_x(pd.Series(pd.to_datetime(["2026-07-01", "2026-10-01"])), "quarter").to_dict()
    assert "quarter(datum.value)" in quarter["axis"]["labelExpr"]
    weeks = period_x(pd.Series(pd.to_datetime(["2025-12-22", "2026-01-05"])), "week").to_dict()
    assert weeks["axis"]["format"] == "%d %b %Y"
    months = period_x(pd.Series(pd.to_datetime(["2025-12-01", "2026-01-01"])), "month").to_dict()
    assert months["axis"]["format"] == "%b %Y"


def test_the_whatif_chart_has_one_bar_per_week_asked_and_a_clipping_axis():
    from slacore.charts import whatif_chart

    weekly = pd.DataFrame({"period": pd.date_range("2026-09-07", periods=4, freq="7D"), "met": [9, 0, 10, 5],
                           "breached": [1, 0, 0, 1], "pending": [0, 0, 0, 2],
                           "attainment": [90.0, float("nan"), 100.0, 83.3], "partial": [False, False, False, True]})
    spec = whatif_chart(weekly, 95.0).to_dict()
    bars = _layers(spec)[0]
    assert bars["encoding"]["x"]["sort"] == ["07 Sep", "14 Sep", "21 Sep", "28 Sep"], "a week without tickets keeps its place"
    scale = bars["encoding"]["y"]["scale"]
    assert scale["domain"] == [0, 100] and scale["clamp"] is True and bars["mark"]["clip"] is True
    assert "4 weeks" in spec["title"]["text"]


def test_the_distribution_axis_ends_at_the_clip():
    from slacore.charts import distribution_chart

    frame = pd.DataFrame({"minutes": [0.0, 10.0], "minutes_end": [10.0, 20.0], "tickets": [5, 3],
                          "outcome": ["met", "breached"]})
    spec = distribution_chart(frame, 15.0, "First response", clip_min=20.0).to_dict()
    assert _layers(spec)[0]["encoding"]["x"]["scale"]["domain"] == [0, 20.0]
