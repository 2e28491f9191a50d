"""Resolution: business time from a ticket's creation to its (final) resolution, within a threshold.

The clock may pause while the ticket waits on the customer or a third party, where the export says how long.
"""

from __future__ import annotations

from .base import Benchmark, ElapsedMetric


class Resolution(ElapsedMetric):
    def event_sql(self, clock, as_of_sql: str) -> tuple[str, str, str]:
        solved = f"t.resolved_at <= {as_of_sql}"
        return (f"coalesce({solved}, false)", f"CASE WHEN {solved} THEN {clock.column('resolved')} END",
                f"CASE WHEN {solved} THEN t.vendor_resolution_business_min END")


METRIC = Resolution(
    name="resolution", label="Resolution", noun="resolution", verb="resolved",
    measures=("app", "vendor"), pauses=("pending", "on_hold"),
    clock_stamps={"created": "created_at", "resolved": "resolved_at"},
    vendor_column="vendor_resolution_business_min",
    summary_fields={"met": "tickets resolved within the threshold",
                    "breached": "tickets resolved after it, or still open past it",
                    "pending": "tickets open and still within it"},
    benchmark=Benchmark(
        metric="resolution", label="Resolution time", units=("minutes", "hours"),
        calendar_end_sql="t.resolved_at",
        calendar_help="Calendar time from creation to the resolution, the way the published sources measure."),
)
