"""The figures a review is held on, as one JSON-able snapshot.

A review must show, later, exactly what the meeting saw: re-imported or edited data must not silently rewrite it.
So everything a review shows is computed here once (a few DuckDB scans over the period and the one before it),
kept as plain lists of records, and stored with the review (slacore.reviews). The review page, the Excel pack, the
HTML report and `python -m slacore report` all read a snapshot, never the live tables.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timezone

import pandas as pd

from . import metric_defs
from .metrics import Evaluation
from .scope import FILTER_DIMENSIONS, Filters, default_as_of, sql_string
from .store import Store
from .view_state import previous_period

DRIVER_DIMENSIONS = FILTER_DIMENSIONS  # a review's scope and its breach drivers: the filter bar's dimensions
TOP_BREACHES = 50
SNAPSHOT_VERSION = 1


def _records(frame: pd.DataFrame) -> list[dict]:
    """Plain JSON values (no NaN, no numpy scalars, time stamps as ISO text)."""
    return json.loads(frame.to_json(orient="records", date_format="iso")) if len(frame) else []


def _number(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def filters_dict(filters: Filters) -> dict:
    return {k: list(getattr(filters, k)) for k in DRIVER_DIMENSIONS if getattr(filters, k)}


def filters_from_dict(scope: dict | None) -> Filters:
    scope = scope or {}
    return Filters(**{k: tuple(scope.get(k) or ()) for k in DRIVER_DIMENSIONS})


def describe_scope(scope: dict | None) -> str:
    """'team = Tier 1; priority = urgent, high' or 'all tickets' (written at the top of every export sheet)."""
    parts = [f"{k} = {', '.join(v)}" for k, v in (scope or {}).items() if v]
    return "; ".join(parts) or "all tickets"


def _targets_table(current: pd.DataFrame, previous: pd.DataFrame) -> list[dict]:
    prev = {r["name"]: r for r in previous.to_dict("records")}
    rows = []
    for r in current.to_dict("records"):
        p = prev.get(r["name"], {})
        att, before = _number(r["attainment"]), _number(p.get("attainment"))
        decided = int(r["met"]) + int(r["breached"])
        rows.append({
            "name": r["name"], "metric": r["metric"], "goal": float(r["goal"]),
            "met": int(r["met"]), "breached": int(r["breached"]), "pending": int(r["pending"]),
            "attainment": None if att is None else float(att),
            "goal_met": None if r["goal_met"] is None or att is None else bool(r["goal_met"]),
            "state": "no data" if att is None else ("met" if r["goal_met"] else "missed"),
            "previous": None if before is None else float(before),
            "delta": None if att is None or before is None else round(float(att) - float(before), 1),
            "decided": decided,
        })
    return rows


def _movers(targets: list[dict], limit: int = 5) -> list[dict]:
    """The biggest changes against the previous period, either way."""
    moved = [t for t in targets if t["delta"] is not None]
    moved.sort(key=lambda t: abs(t["delta"]), reverse=True)
    return [{"name": t["name"], "attainment": t["attainment"], "previous": t["previous"], "delta": t["delta"]}
            for t in moved[:limit] if t["delta"] != 0]


def _drivers(ev: Evaluation) -> dict[str, list[dict]]:
    """Per dimension: the groups with the most breaches, per target (what drove the breaches)."""
    out = {}
    for dim in DRIVER_DIMENSIONS:
        frame = ev.sql(f"""
            SELECT target, coalesce({dim}::VARCHAR, '(none)') AS value,
                   count(*) FILTER (WHERE status = 0) AS met, count(*) FILTER (WHERE status = 1) AS breached,
                   round(100.0 * count(*) FILTER (WHERE status = 0)
                         / nullif(count(*) FILTER (WHERE status IN (0, 1)), 0), 1) AS attainment
            FROM o GROUP BY target, value HAVING count(*) FILTER (WHERE status = 1) > 0
            QUALIFY row_number() OVER (PARTITION BY target ORDER BY breached DESC, value) <= 5
            ORDER BY target, breached DESC, value""")
        out[dim] = _records(frame)
    return out


def _hot_cells(ev: Evaluation, limit: int = 10) -> list[dict]:
    frame = ev.sql(f"""
        SELECT ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][isodow(created_local)] AS weekday,
               hour(created_local) AS hour, count(*) FILTER (WHERE status = 1) AS breached,
               count(*) FILTER (WHERE status IN (0, 1)) AS decided
        FROM o GROUP BY ALL HAVING count(*) FILTER (WHERE status = 1) > 0
        ORDER BY breached DESC, weekday, hour LIMIT {int(limit)}""")
    return _records(frame)


# Export columns that may hold the ticket's address in the source system (Jira "Issue URL", a view's "Link"...).
URL_HEADERS = ("URL", "Url", "url", "Link", "link", "Ticket URL", "Ticket Url", "Ticket link", "Issue URL",
               "Permalink", "Web link", "Case URL")


def _top_breaches(ev: Evaluation, limit: int = TOP_BREACHES) -> list[dict]:
    """The tickets most over their threshold (the time metrics: minutes over means something there), with a link
    back to the source system where the export carried one (an http(s) address in a URL-like column)."""
    timed = [t.metric for t in ev.targets if metric_defs.get(t.metric).threshold]
    if not timed:
        return []
    candidates = ", ".join(f"json_extract_string(tk.extra, '$.\"{h}\"')" for h in URL_HEADERS)
    frame = ev.sql(f"""
        SELECT o.target, o.source, o.ticket_id, o.created_at, o.priority, o.team, o.channel, o.customer, o.subject,
               round(o.elapsed_s / 60, 1) AS business_minutes, round(o.within_s / 60, 1) AS threshold_minutes,
               round((o.elapsed_s - o.within_s) / 60, 1) AS minutes_over,
               (SELECT u FROM (SELECT unnest([{candidates}]) AS u) WHERE regexp_matches(u, '^https?://') LIMIT 1)
                   AS url
        FROM o LEFT JOIN tickets tk ON tk.rowid = o.rid
        WHERE o.status = 1 AND o.metric IN ({', '.join(sql_string(m) for m in dict.fromkeys(timed))})
        ORDER BY o.elapsed_s - o.within_s DESC, o.created_at LIMIT {int(limit)}""")
    return _records(frame)


def _trend(ev: Evaluation, grain: str) -> list[dict]:
    frame = ev.by_period(grain)[["target", "period", "met", "breached", "pending", "attainment", "goal"]]
    return _records(frame)


def _quality(store: Store, start: date, end: date, filters: Filters) -> list[dict]:
    from . import quality

    frame = quality.summary(store, start, end, filters)
    return _records(frame[["check", "what", "tickets", "share", "effect", "note"]])


def _benchmarks(store: Store, start: date, end: date, filters: Filters) -> list[dict]:
    from .benchmarks import team_standing

    frame = team_standing(store, start, end, filters)
    frame = frame[frame["comparison"] != "no data"] if "comparison" in frame else frame
    keep = [c for c in ("metric_label", "figure_for", "figure", "yours", "standing", "cited", "url") if c in frame]
    return _records(frame[keep])


def comparison_period(start: date, end: date) -> tuple[date, date]:
    """The period a review compares with: whole calendar months (a month, a quarter) with as many whole months
    before — February with January, Q3 with Q2 —, any other period with the equal-length one right before."""
    from datetime import timedelta

    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        index = start.year * 12 + start.month - 1 - months
        return date(index // 12, index % 12 + 1, 1), start - timedelta(days=1)
    return previous_period(start, end)


def compute_snapshot(store: Store, start: date, end: date, filters: Filters | None = None,
                     as_of: datetime | None = None, agreement=None) -> dict:
    """Everything a review of [start, end] (inclusive) shows, with the period before (comparison_period) for the
    deltas. With an `agreement` (slacore.agreements), only its targets, and the snapshot names it."""
    filters = filters or Filters()
    as_of = as_of or default_as_of(store)
    before = comparison_period(start, end)
    grain = "week" if (end - start).days <= 62 else "month"

    def chosen(first_day: date):
        if agreement is None:
            return None  # every target in force in the period
        from .agreements import agreement_targets

        return agreement_targets(store, agreement, first_day)

    with Evaluation(store, chosen(before[0]), start=before[0], end=before[1], as_of=as_of, filters=filters) as ev:
        previous = ev.summary()
    with Evaluation(store, chosen(start), start=start, end=end, as_of=as_of, filters=filters) as ev:
        current = ev.summary()
        targets = _targets_table(current, previous)
        drivers, hot, breaches, trend = _drivers(ev), _hot_cells(ev), _top_breaches(ev), _trend(ev, grain)
        extras = ev.extras()  # each metric's own figures: CSAT response rate, FCR definition, error budget, credits
    snapshot = {
        "version": SNAPSHOT_VERSION,
        "computed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "as_of": as_of.isoformat(),
        "period": [start.isoformat(), end.isoformat()],
        "previous_period": [before[0].isoformat(), before[1].isoformat()],
        "scope": filters_dict(filters),
        "grain": grain,
        "targets": targets,
        "movers": _movers(targets),
        "drivers": drivers,
        "hot_cells": hot,
        "top_breaches": breaches,
        "trend": trend,
        "quality": _quality(store, start, end, filters),
        "benchmarks": _benchmarks(store, start, end, filters),
        "extras": extras,
    }
    if agreement is not None:
        snapshot["agreement"] = agreement.header()
    return snapshot


def credits_rows(snapshot: dict) -> list[dict]:
    """Per uptime target and budget period of the review: uptime, downtime, the budget and the credit owed (the
    pack's Service credits sheet). Snapshots frozen before metrics had their own figures have none."""
    rows = []
    for name, extra in (snapshot.get("extras") or {}).items():
        for p in extra.get("periods", []) if isinstance(extra, dict) else []:
            rows.append({"target": name, "period": p["period"][:10], "attainment": p["attainment"],
                         "down_min": round(p["down_s"] / 60, 1), "allowed_min": round(p["allowed_down_s"] / 60, 1),
                         "budget_used": p["budget_used_percent"], "credit": p["credit_percent"],
                         "partial": p["partial"]})
    return rows


def summary_json(snapshot: dict) -> dict:
    """The `summary --json` shape of a snapshot's targets (the report command prints it)."""
    keys = ("name", "metric", "goal", "met", "breached", "pending", "attainment", "goal_met")
    return {"targets": [{k: t[k] for k in keys} for t in snapshot["targets"]]}
