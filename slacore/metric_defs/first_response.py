"""First response: business time from a ticket's creation to its first response, within a threshold.

A ticket resolved with no response (yet) counts its resolution as the response; for the vendor measure the vendor's
resolution figure stands in when it gives no first-response figure.
"""

from __future__ import annotations

from .base import Benchmark, ElapsedMetric

# Ticket sources whose exports carry no first-response time at all (no stamp, no vendor figure): many Jira exports.
# Their tickets are measured by their resolution (see the module's docstring), which the tile and summary must say.
SOURCES_WITHOUT_RESPONSE_TIMES = """
    SELECT source, count(*) AS tickets, count(resolved_at) AS resolved FROM tickets GROUP BY source
    HAVING count(first_response_at) = 0 AND count(vendor_first_response_business_min) = 0"""


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

    def summary_extra(self, ev, target) -> dict | None:
        """How many of the target's tickets come from a source without response times (None: none do, and the
        summary keeps the keys it always had). The sources are found once per evaluation (one grouped scan)."""
        sources = ev.__dict__.get("_sources_without_response_times")
        if sources is None:
            found = ev.sql(f"SELECT source FROM ({SOURCES_WITHOUT_RESPONSE_TIMES}) ORDER BY source")
            sources = found["source"].tolist()
            ev.__dict__["_sources_without_response_times"] = sources
        if not sources:
            return None
        row = ev.sql("""
            SELECT count(*) AS tickets, list(DISTINCT tk.source ORDER BY tk.source) AS sources
            FROM o JOIN tickets tk ON tk.rowid = o.rid
            WHERE o.target = ? AND list_contains(?, tk.source)""", [target.name, sources]).iloc[0]
        if not int(row["tickets"]):
            return None
        return {"without_response_times": int(row["tickets"]), "sources_without_response_times": list(row["sources"])}

    def tile_line(self, extra: dict | None) -> str | None:
        if not extra:
            return None
        n, sources = extra["without_response_times"], ", ".join(extra["sources_without_response_times"])
        return (f"{n:,} ticket{'s' if n != 1 else ''} from {sources}: that export has no first-response times, so "
                "the resolution counts as the response.")

    def extra_lines(self, extra: dict) -> list[str]:
        line = self.tile_line(extra)
        return [f": {line}"] if line else []

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
