"""First response: business time from a ticket's creation to its first response, within a threshold.

A ticket resolved with no response (yet) counts its resolution as the response; for the vendor measure the vendor's
resolution figure stands in when it gives no first-response figure.
"""

from __future__ import annotations

from .base import Benchmark, ElapsedMetric


class FirstResponse(ElapsedMetric):
    def event_sql(self, clock, as_of_sql: str) -> tuple[str, str, str]:
        response, resolved = clock.column("response"), clock.column("resolved")
        responded, solved = f"t.first_response_at <= {as_of_sql}", f"t.resolved_at <= {as_of_sql}"
        end = f"CASE WHEN {responded} THEN {response} WHEN {solved} THEN {resolved} END"
        vendor = (f"CASE WHEN {responded} THEN t.vendor_first_response_business_min WHEN {solved} THEN "
                  "(CASE WHEN t.vendor_first_response_business_min IS NULL OR t.first_response_at IS NOT NULL "
                  "THEN t.vendor_resolution_business_min ELSE t.vendor_first_response_business_min END) END")
        return f"coalesce({responded} OR {solved}, false)", end, vendor

    def note_counts(self, target) -> dict[str, str]:
        return {**super().note_counts(target), "responded": "count(t.first_response_at)"}

    def measurement_notes(self, target, counts: dict, business_calendar: bool) -> list[str]:
        notes = super().measurement_notes(target, counts, business_calendar)
        if counts["responded"] == 0 and target.measure == "app":
            notes.append("The exports have no first-response time stamps for these tickets: resolution times stand "
                         "in for the response.")
        return notes


METRIC = FirstResponse(
    name="first_response", label="First response", noun="first response", verb="answered",
    measures=("app", "vendor"), no_pause_why="first response never waits on the customer",
    clock_stamps={"created": "created_at", "response": "first_response_at", "resolved": "resolved_at"},
    vendor_column="vendor_first_response_business_min",
    summary_fields={"met": "tickets answered within the threshold",
                    "breached": "tickets answered after it, or still unanswered past it",
                    "pending": "tickets unanswered and still within it"},
    benchmark=Benchmark(
        metric="first_response", label="First response time", units=("minutes", "hours"),
        calendar_end_sql="coalesce(t.first_response_at, t.resolved_at)",
        calendar_help="Calendar time from creation to the first response (or to the resolution when there was "
                      "none), the way the published sources measure."),
)
