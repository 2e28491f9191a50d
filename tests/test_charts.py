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
