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
        return "true", f"CASE t.state {cases} END"

    def status_sql(self, target, done: str, value: str) -> str:
        planned = BREACHED if target.measure == "with_planned" else UNMEASURED
        return (f"CASE {value} WHEN 0 THEN {MET} WHEN 1 THEN {BREACHED} WHEN 2 THEN {planned} "
                f"ELSE {UNMEASURED} END")

    def summary_extra(self, ev, target) -> dict:
        """Per budget period (month or quarter): uptime, downtime, the error budget allowed / used / left, and the
        service credit owed. A period the evaluation covers only in part (the asked range or the as-of time cuts it)
        is marked partial: its budget is the budget of the part measured."""
        from .. import uptime

        frame = ev.sql(f"""
            SELECT date_trunc('{target.budget}', created_local)::DATE AS period,
                   coalesce(sum(weight) FILTER (WHERE status = 0), 0)::BIGINT AS up_s,
                   coalesce(sum(weight) FILTER (WHERE status = 1), 0)::BIGINT AS down_s,
                   coalesce(sum(weight) FILTER (WHERE status = 3), 0)::BIGINT AS unmeasured_s,
                   date_diff('second', period::TIMESTAMP, (period + INTERVAL 1 {target.budget})::TIMESTAMP)
                       * count(DISTINCT service) AS period_s
            FROM o WHERE target = ? GROUP BY period ORDER BY period""", [target.name])
        periods = []
        for r in frame.to_dict("records"):
            measured = int(r["up_s"]) + int(r["down_s"])
            share = int(r["up_s"]) / measured if measured else None
            allowed = uptime.allowed_downtime_s(target.goal, measured)
            periods.append({
                "period": r["period"].isoformat(), "attainment": None if share is None else round(100 * share, 3),
                "up_s": int(r["up_s"]), "down_s": int(r["down_s"]), "unmeasured_s": int(r["unmeasured_s"]),
                "allowed_down_s": round(allowed, 1), "budget_left_s": round(allowed - int(r["down_s"]), 1),
                "budget_used_percent": round(100 * int(r["down_s"]) / allowed, 1) if allowed else None,
                "credit_percent": None if share is None else round(100 * uptime.credit_owed(share, target.credits), 3),
                # an hour of slack: a DST change makes a local month an hour shorter or longer
                "partial": measured + int(r["unmeasured_s"]) < int(r["period_s"]) - 3600,
            })
        return {"budget": target.budget, "periods": periods}

    def drilldown(self, ev, target=None, outcome=None, where=None, limit: int = 5000, cell=None):
        """The stretches behind a number — downtime first, longest first — per service and day."""
        clauses, params = ["true"], []
        for name, value in (("target", target), ("outcome", outcome)):
            if value:
                clauses.append(f"{name} = ?")
                params.append(value)
        for col, value in (where or {}).items():
            if col not in ("service", "source"):
                raise ValueError(f"cannot filter uptime by {col}")
            clauses.append(f"{col} = ?")
            params.append(value)
        return ev.sql(f"""
            SELECT target, outcome, service, source, created_local AS starts, round(weight / 60.0, 1) AS minutes,
                   ticket_status AS state, detail, ticket_id AS incident
            FROM o WHERE {' AND '.join(clauses)}
            ORDER BY CASE outcome WHEN 'breached' THEN 0 WHEN 'unmeasured' THEN 1 ELSE 2 END, weight DESC, created_local LIMIT {int(limit)}""", params)

    def counts_text(self, met, breached, pending, unmeasured=0) -> str:
        from ..calendars import format_duration

        # Service time summed over services (4 services x 90 days is 8,640 h): hours measured, downtime in words.
        text = f"down {format_duration(breached)} of {(met + breached) / 3600:,.0f} h measured"
        return text + (f"; {format_duration(unmeasured)} not measured (planned or unmonitored)" if unmeasured else "")

    def tile_line(self, extra):
        """The last budget period: budget left (or overspent) and the credit owed."""
        from ..calendars import format_duration

        periods = (extra or {}).get("periods") or []
        if not periods:
            return None
        last = periods[-1]
        left = last["budget_left_s"]
        state = (f"{format_duration(left)} of error budget left" if left >= 0
                 else f"error budget overspent by {format_duration(-left)}")
        credit = f"; credit owed {last['credit_percent']:g}%" if last["credit_percent"] else ""
        return f"{last['period'][:7]}: {state} (allowed {format_duration(last['allowed_down_s'])}){credit}"

    def extra_lines(self, extra: dict) -> list[str]:
        lines = []
        for p in extra["periods"]:
            used = "–" if p["budget_used_percent"] is None else f"{p['budget_used_percent']:.0f}%"
            credit = f", credit owed {p['credit_percent']:g}%" if p["credit_percent"] else ""
            up = "–" if p["attainment"] is None else f"{p['attainment']:.3f}%"
            lines.append(f" {p['period'][:7]}{' (part)' if p['partial'] else ''}: {up} up, "
                         f"{p['down_s'] / 60:,.1f} min down of {p['allowed_down_s'] / 60:,.1f} allowed "
                         f"(budget used {used}){credit}")
        return lines

    def describe(self, target) -> str:
        scope = ", ".join("/".join(v) for _, v in target.where) or "every service"
        credits = f"; credits below {', '.join(f'{b * 100:g}%' for b, _ in target.credits)}" if target.credits else ""
        return (f"{scope} up {target.goal * 100:g}% of the time per {target.budget} "
                f"({DEFINITIONS[target.measure]}{credits})")

    def note_counts(self, target) -> dict[str, str]:
        return {"stretches": "count(*)", "unknown": "coalesce(sum(t.seconds) FILTER (WHERE t.state = 'unknown'), 0)"}

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
    drill_label="Downtime",
    name="uptime", label="Uptime", noun="uptime", verb="up", units="seconds", reads="uptime",
    period_stamp="the stretch's start", threshold=False, calendar=False, weight="seconds",
    measures=tuple(DEFINITIONS), measure_label="Planned maintenance", measure_words=DEFINITIONS,
    credits=True, precision=3, no_pause_why="uptime is not a ticket clock",
    summary_fields={"met": "seconds up", "breached": "seconds down", "pending": "always 0",
                    "unmeasured": "seconds of planned maintenance (excluded) or with no monitor check"},
    benchmark=Benchmark(metric="uptime", label="Uptime", units=("percent",), share=True),
)
