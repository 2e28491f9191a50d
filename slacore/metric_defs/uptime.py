"""Uptime: the share of a service's time that it was up, from incident/outage logs and monitor check logs.

Reads stretches of service time (metric_defs.units.UptimeUnits, built by slacore.uptime): each weighs its seconds,
so attainment is up / (up + down) = 1 - merged downtime / measured time. Planned maintenance is left out of the
measured time by default (`measure: app`); `measure: with_planned` counts it as downtime. Time no monitor covered is
unmeasured. A target's error budget is (1 - goal) of the budget period (month or quarter: `budget: quarter`), and
it may carry a service-credit schedule (`credits: [{below: 99.9%, credit: 10%}]`).
"""

from __future__ import annotations

from .base import BREACHED, MET, UNMEASURED, Benchmark, Metric

DEFINITIONS = {"app": "planned maintenance excluded", "with_planned": "planned maintenance counted as downtime"}
STATES = {"up": 0, "down": 1, "planned": 2, "unknown": 3}


class Uptime(Metric):
    def judge_sql(self, target, clock, as_of) -> tuple[str, str]:
        cases = " ".join(f"WHEN '{state}' THEN {code}" for state, code in STATES.items())
        return "true", f"CASE t.ticket_status {cases} END"

    def status_sql(self, target, done: str, value: str) -> str:
        planned = BREACHED if target.measure == "with_planned" else UNMEASURED
        return (f"CASE {value} WHEN 0 THEN {MET} WHEN 1 THEN {BREACHED} WHEN 2 THEN {planned} "
                f"ELSE {UNMEASURED} END")

    def describe(self, target) -> str:
        scope = ", ".join("/".join(v) for _, v in target.where) or "every service"
        credits = f"; credits below {', '.join(f'{b * 100:g}%' for b, _ in target.credits)}" if target.credits else ""
        return (f"{scope} up {target.goal * 100:g}% of the time per {target.budget} "
                f"({DEFINITIONS[target.measure]}{credits})")

    def note_counts(self, target) -> dict[str, str]:
        return {"stretches": "count(*)", "unknown": "sum(t.weight) FILTER (WHERE t.ticket_status = 'unknown')"}

    def measurement_notes(self, target, counts: dict, business_calendar: bool) -> list[str]:
        notes = []
        if not counts.get("stretches"):
            notes.append("No outage log or check log is imported for this scope yet: import one (Data page, or "
                         "python -m slacore import FILE --kind incidents|checks).")
        if counts.get("unknown"):
            notes.append(f"{counts['unknown'] / 3600:,.1f} h of the period had no monitor check: not counted as up "
                         "or down.")
        return notes


METRIC = Uptime(
    name="uptime", label="Uptime", noun="uptime", verb="up", units="seconds", reads="uptime",
    period_stamp="the stretch's start", threshold=False, calendar=False, weight="seconds",
    measures=tuple(DEFINITIONS), measure_label="Planned maintenance", measure_words=DEFINITIONS,
    credits=True, no_pause_why="uptime is not a ticket clock",
    summary_fields={"met": "seconds up", "breached": "seconds down", "pending": "always 0",
                    "unmeasured": "seconds of planned maintenance (excluded) or with no monitor check"},
    benchmark=Benchmark(metric="uptime", label="Uptime", units=("percent",), share=True),
)
