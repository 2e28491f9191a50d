"""The metric registry: every metric a target can promise, and every metric with published benchmark figures.

Add a metric as a module of this package holding a `METRIC` (see base.Metric for the interface) and list it in
`_MODULES`; nothing else tests a metric's name.
"""

from __future__ import annotations

from . import csat, fcr, first_response, published, resolution, units, uptime
from .base import MET, BREACHED, PENDING, UNMEASURED, Benchmark, ElapsedMetric, Metric, Published

_MODULES = (first_response, resolution, csat, fcr, uptime)  # in the order the pages list them

METRICS: dict[str, Metric] = {m.METRIC.name: m.METRIC for m in _MODULES}
# Every metric with benchmark figures, measured first (the Benchmarks page's order).
BENCHMARKS: dict[str, Benchmark] = {
    **{m.name: m.benchmark for m in METRICS.values() if m.benchmark is not None},
    **{p.name: p.benchmark for p in published.FIGURES},
}


def get(name: str) -> Metric:
    """The metric called `name` (KeyError for an unknown one: validate user input with `METRICS`)."""
    return METRICS[name]


def clock_stamps(reads: str = "tickets") -> dict[str, str]:
    """clock name -> stamp column of every metric reading `reads`: the business-clock columns slacore.clocks keeps."""
    out: dict[str, str] = {}
    for metric in METRICS.values():
        if metric.reads == reads:
            out.update(metric.clock_stamps)
    return out


__all__ = ["BENCHMARKS", "BREACHED", "Benchmark", "ElapsedMetric", "MET", "METRICS", "Metric", "PENDING",
           "Published", "UNMEASURED", "clock_stamps", "get"]
