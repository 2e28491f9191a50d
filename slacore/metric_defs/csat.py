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

    def summary_extra(self, ev, target) -> dict:
        """Response rate (answered / offered), the average score per scale, and the workspace's satisfied rule."""
        from .units import SurveyUnits, satisfied_words, top_boxes

        row = ev.sql(f"""
            SELECT count(*) AS offered, count(*) FILTER (WHERE s.answered) AS answered,
                   avg((s.rating - s.scale_min) / nullif(s.scale_max - s.scale_min, 0)) FILTER (WHERE s.answered)
                       AS score_share,
                   count(*) FILTER (WHERE s.rated_at IS NULL) AS by_resolution
            FROM o JOIN {SurveyUnits.VIEW} s ON s.rid = o.rid WHERE o.target = ?""", [target.name]).iloc[0]
        scales = ev.sql(f"""
            SELECT coalesce(s.scale, CAST(s.scale_min AS INTEGER) || '-' || CAST(s.scale_max AS INTEGER)) AS scale,
                   round(avg(s.rating), 2) AS average, count(*) AS responses
            FROM o JOIN {SurveyUnits.VIEW} s ON s.rid = o.rid WHERE o.target = ? AND s.answered
            GROUP BY ALL ORDER BY responses DESC""", [target.name])
        offered, answered = int(row["offered"]), int(row["answered"])
        return {
            "response_rate": round(100.0 * answered / offered, 1) if offered else None,
            "responses": answered, "offered": offered,
            "average_score_percent": None if row["score_share"] != row["score_share"] or row["score_share"] is None
            else round(100.0 * float(row["score_share"]), 1),
            "averages": {str(r["scale"]): float(r["average"]) for r in scales.to_dict("records")},
            "placed_by_resolution": int(row["by_resolution"]),
            "satisfied": satisfied_words(top_boxes(ev.store)),
        }

    def drilldown(self, ev, target=None, outcome=None, where=None, limit: int = 5000, cell=None):
        """The responses behind a number, lowest rated first, with their comments (what a review reads)."""
        from ..scope import DIMENSIONS
        from .units import SurveyUnits

        clauses, params = ["true"], []
        for name, value in (("o.target", target), ("o.outcome", outcome)):
            if value:
                clauses.append(f"{name} = ?")
                params.append(value)
        for col, value in (where or {}).items():
            if col not in DIMENSIONS:
                raise ValueError(f"cannot filter by {col}")
            clauses.append(f"o.{col} IS NULL" if value == "(none)" else f"o.{col} = ?")
            params.extend([] if value == "(none)" else [value])
        if cell:
            clauses.append("isodow(o.created_local) = ? AND hour(o.created_local) = ?")
            params.extend([("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun").index(cell[0]) + 1, int(cell[1])])
        return ev.sql(f"""
            SELECT o.target, o.outcome, s.source, s.ticket_id, s.rated_at,
                   coalesce(s.label, regexp_replace(CAST(s.rating AS VARCHAR), '[.]0$', '')) AS rating, s.scale,
                   s.comment, o.team, o.assignee,
                   o.priority, o.channel, o.customer, o.subject
            FROM o JOIN {SurveyUnits.VIEW} s ON s.rid = o.rid
            WHERE {' AND '.join(clauses)}
            ORDER BY s.answered DESC, (s.rating - s.scale_min) / nullif(s.scale_max - s.scale_min, 0) NULLS LAST,
                     s.comment IS NULL, s.rated_at DESC
            LIMIT {int(limit)}""", params)

    def counts_text(self, met, breached, pending, unmeasured=0) -> str:
        return f"{met:,} satisfied, {breached:,} not, {unmeasured:,} offered but unanswered"

    def tile_line(self, extra):
        if not extra:
            return None
        rate = "–" if extra["response_rate"] is None else f"{extra['response_rate']:.1f}%"
        return f"Response rate {rate} of {extra['offered']:,} surveys; {extra['satisfied']}"

    def extra_lines(self, extra: dict) -> list[str]:
        if not extra["offered"]:
            return []
        return [f": response rate {extra['response_rate']:.1f}% of {extra['offered']:,} surveys; {extra['satisfied']}"]

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
    breach_label="Unsatisfied responses",
    drill_label="Responses",
    name="csat", label="CSAT", noun="customer satisfaction", verb="satisfied", units="survey responses",
    reads="surveys", period_stamp="rated_at",
    measure_words={"app": "the share of answered surveys in the top boxes of their scale"}, threshold=False, calendar=False,
    no_pause_why="a rating is not a clock",
    summary_fields={"met": "satisfied responses", "breached": "unsatisfied responses",
                    "pending": "always 0", "unmeasured": "surveys offered but not answered"},
    benchmark=Benchmark(metric="csat", label="Customer satisfaction (CSAT)", units=("percent",), share=True),
)
