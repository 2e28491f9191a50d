"""Metrics with published figures that no target measures yet: listed on the Benchmarks page with the reason.

When one becomes a metric (a module of its own with a `benchmark`), its entry here goes.
"""

from __future__ import annotations

from .base import Benchmark, Published

INDEX_UNIT = "index 0-100"

FIGURES = (
    Published(Benchmark("csat_index", "Satisfaction index (e.g. ACSI)", (INDEX_UNIT,),
                        not_measured_why="an index is computed by its publisher from its own survey, not from a team's responses")),
)
