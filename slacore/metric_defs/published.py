"""Metrics with published figures that no target measures yet: listed on the Benchmarks page with the reason.

When one becomes a metric (a module of its own with a `benchmark`), its entry here goes.
"""

from __future__ import annotations

from .base import Benchmark, Published

INDEX_UNIT = "index 0-100"

FIGURES = (
    Published(Benchmark("csat", "Customer satisfaction (CSAT)", ("percent",),
                        not_measured_why="needs a satisfaction-survey import")),
    Published(Benchmark("csat_index", "Satisfaction index (e.g. ACSI)", (INDEX_UNIT,),
                        not_measured_why="needs a satisfaction-survey import")),
    Published(Benchmark("fcr", "First-contact resolution (FCR)", ("percent",),
                        not_measured_why="needs contact counts per ticket")),
    Published(Benchmark("uptime", "Uptime", ("percent",), not_measured_why="needs an outage log import")),
)
