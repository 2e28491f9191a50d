"""CSAT: the share of survey responses that are satisfied (the top boxes of their scale, or 'good').

Reads survey responses (metric_defs.units.SurveyUnits): a response counts in the period of its rating time, or its
ticket's resolution time when the export gives no rating time. Satisfied responses are met, unsatisfied ones
breached; surveys offered but not answered are unmeasured (they count in the response rate, never in CSAT).
"""

from __future__ import annotations

from .base import BREACHED, MET, UNMEASURED, Benchmark, Metric


class Csat(Metric):
    def judge_sql(self, target, clock, as_of) -> tuple[str, str]:
        return "coalesce(t.answered AND t.satisfied IS NOT NULL, false)", "CASE WHEN t.satisfied THEN 1 ELSE 0 END"

    def status_sql(self, target, done: str, value: str) -> str:
        return f"CASE WHEN NOT {done} THEN {UNMEASURED} WHEN {value} = 1 THEN {MET} ELSE {BREACHED} END"

    def note_counts(self, target) -> dict[str, str]:
        return {"responses": "count(*)", "answered": "count(*) FILTER (WHERE t.answered)",
                "by_resolution": "count(*) FILTER (WHERE t.rated_at IS NULL)",
                "unlinked": "count(*) FILTER (WHERE NOT t.linked)"}

    def measurement_notes(self, target, counts: dict, business_calendar: bool) -> list[str]:
        notes = []
        if not counts.get("responses"):
            notes.append("No survey responses are imported yet: import a survey export (Data page, or python -m "
                         "slacore import FILE --kind surveys), or a ticket export with a satisfaction column.")
        if counts.get("by_resolution"):
            notes.append(f"{counts['by_resolution']:,} responses have no rating time: they count in the period of "
                         "their ticket's resolution.")
        if target.where and counts.get("unlinked"):
            notes.append(f"{counts['unlinked']:,} responses are not linked to a ticket: a scope on priority, tier "
                         "or category cannot include them.")
        return notes


METRIC = Csat(
    name="csat", label="CSAT", noun="customer satisfaction", verb="satisfied", units="survey responses",
    reads="surveys", period_stamp="rated_at", threshold=False, calendar=False,
    no_pause_why="a rating is not a clock",
    summary_fields={"met": "satisfied responses", "breached": "unsatisfied responses",
                    "pending": "always 0", "unmeasured": "surveys offered but not answered"},
    benchmark=Benchmark(metric="csat", label="Customer satisfaction (CSAT)", units=("percent",), share=True),
)
