"""Every table the app shows can be downloaded as CSV and Excel, every chart as PNG and SVG."""

from __future__ import annotations

import pandas as pd

from apptest_helpers import assert_clean, open_page
from slacore.charts import heatmap_chart
from slacore.exports import chart_png, chart_svg


def test_charts_render_to_png_and_svg_without_a_browser():
    frame = pd.DataFrame({"weekday": ["Mon"], "hour": [9], "breached": [3], "decided": [10], "breach_rate": [30.0]})
    chart = heatmap_chart(frame)
    assert chart_png(chart)[:8] == b"\x89PNG\r\n\x1a\n"
    svg = chart_svg(chart)
    assert svg.lstrip().startswith("<svg") and "Breaches by weekday" in svg


def _labels(at) -> list[str]:
    return [d.label for d in at.get("download_button")]


def test_the_pages_offer_their_tables_and_charts_for_download(app_env):
    at = open_page("pages/performance.py")
    assert_clean(at)
    labels = _labels(at)
    assert labels.count("PNG") >= 3 and labels.count("SVG") >= 3, labels  # bars, distribution, heat map
    assert "CSV" in labels and "Excel" in labels, labels  # the at-risk table
    trends = open_page("pages/trends.py")
    assert_clean(trends)
    assert _labels(trends).count("PNG") >= 3 and "Excel" in _labels(trends)
    home = open_page("pages/home.py")
    assert_clean(home)
    assert "PNG" in _labels(home) and "SVG" in _labels(home)
