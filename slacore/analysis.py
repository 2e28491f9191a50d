"""The aggregates behind the Performance, Trends and Benchmarks pages — small frames, computed in DuckDB.

Every function takes an open metrics.Evaluation (or the store) and returns at most a few thousand rows, so a chart
never receives ticket-level data whatever the data size.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from . import metric_defs
from .metrics import Evaluation, filter_sql
from .scope import Filters, period_bounds, require_dimension
from .store import Store
from .targets import Target

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def tiles(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Per target: this period's summary with the attainment of the previous equal period, the delta, and its
    colour (`tone`: green better, red worse, gray unchanged or nothing to compare)."""
    prev = previous[["name", "attainment"]].rename(columns={"attainment": "previous"})
    out = current.merge(prev, on="name", how="left")
    out["delta"] = (out["attainment"] - out["previous"]).round(1)
    out["state"] = np.select(
        [out["attainment"].isna(), out["goal_met"] == True],  # noqa: E712 - object column of True/False/None
        ["no data", "met"], default="breached")
    out["tone"] = [delta_tone(d, _higher_is_better(m)) for d, m in zip(out["delta"], out.get("metric", out["name"]))]
    return out


def _higher_is_better(metric: str) -> bool:
    """A tile shows attainment, the share of units that met the target: more is better for every metric unless the
    metric declares otherwise (`higher_is_better = False` in its definition)."""
    from . import metric_defs

    try:
        return bool(getattr(metric_defs.get(metric), "higher_is_better", True))
    except KeyError:
        return True


def delta_tone(delta, higher_is_better: bool = True) -> str:
    """The colour of a change: 'gray' for none (0.0 after rounding, or no previous figure), 'green' when the
    figure moved the better way, 'red' when it moved the worse way — by what is better, not by the sign."""
    if delta is None or delta != delta or round(float(delta), 1) == 0:
        return "gray"
    return "green" if (delta > 0) == higher_is_better else "red"


def heatmap(ev: Evaluation, where: str = "true", counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Breaches by target, weekday × hour of creation (workspace time zone): at most 7 × 24 rows a target.

    `counts` is a status_counts() result grouped by dow, hour, when the caller already has it."""
    if counts is None:
        counts = ev.status_counts({"heat": ["dow", "hour"]}, where, columns=HEAT_COLUMNS)["heat"]
    frame = counts[["target", "dow", "hour", "breached"]].copy()
    frame["decided"] = counts["met"] + counts["breached"]
    frame["weekday"] = frame["dow"].map(lambda d: WEEKDAYS[int(d)])
    frame["breach_rate"] = (100 * frame["breached"] / frame["decided"].where(frame["decided"] > 0)).round(1)
    return frame.reset_index(drop=True)


HEAT_COLUMNS = {"dow": "isodow(created_local) - 1", "hour": "hour(created_local)"}


def distribution(ev: Evaluation, target: str, bins: int = 40, where: str = "true") -> tuple[pd.DataFrame, float, dict]:
    """Histogram of business minutes (decided tickets) up to the 99th percentile, the threshold in minutes, and the
    tail left out ({"tickets": n, "beyond_min": m})."""
    return _histogram(ev, target, where, bins)


PERIOD_STEPS = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1),
                "quarter": pd.DateOffset(months=3)}


def mark_partial(frame: pd.DataFrame, grain: str, start: date, end: date) -> pd.DataFrame:
    """Add `period_end` (exclusive) and `partial`: a period the view's [start, end] days cut (the week that began
    before the first day, the month still running at the as-of day). A partial period holds fewer days of tickets,
    so it is drawn faded and kept out of control limits."""
    if grain not in PERIOD_STEPS:
        raise ValueError(grain)
    out = frame.copy()
    periods = pd.to_datetime(out["period"])
    out["period"] = periods
    out["period_end"] = periods + PERIOD_STEPS[grain]
    out["partial"] = (periods < pd.Timestamp(start)) | (out["period_end"] > pd.Timestamp(end) + pd.Timedelta(days=1))
    return out


def p_chart(periods: pd.DataFrame) -> pd.DataFrame:
    """Control limits for attainment (a p-chart): centre = pooled share met, limits = ±3 σ for each period's n;
    for a time-weighted metric (uptime) an individuals chart instead (see below).

    Points outside the limits are a real shift, not noise. Also a 3-period rolling average. Periods marked
    `partial` (mark_partial) are kept, but neither count towards the centre nor get limits or a signal: a week cut
    to two days would widen the band and could raise a false alarm.
    """
    out = periods.copy()
    if "partial" not in out:
        out["partial"] = False
    out["decided"] = out["met"] + out["breached"]
    out = out[out["decided"] > 0].copy()
    if out.empty:
        return out.assign(center=[], ucl=[], lcl=[], signal=[], rolling=[])
    parts = []
    for _, group in out.groupby("target", sort=False):
        g = group.sort_values("period").copy()
        whole = g[~g["partial"].astype(bool)]
        if whole.empty:
            g["center"], g["ucl"], g["lcl"], g["signal"] = np.nan, np.nan, np.nan, False
        elif "metric" in g and metric_defs.get(g["metric"].iloc[0]).weight != "count":
            # Time-weighted (uptime): seconds are not independent trials, so a p-chart's limits would be a hair
            # wide and flag every period. An individuals (XmR) chart on the periods' shares instead: centre = their
            # mean, limits = ±2.66 × the mean moving range.
            shares = whole["met"] / whole["decided"]
            centre, spread = shares.mean(), shares.diff().abs().mean()
            spread = 0.0 if spread != spread else spread
            limited = ~g["partial"].astype(bool)
            g["center"] = np.where(limited, round(100 * centre, 3), np.nan)
            g["ucl"] = np.where(limited, min(100 * (centre + 2.66 * spread), 100), np.nan).round(3)
            g["lcl"] = np.where(limited, max(100 * (centre - 2.66 * spread), 0), np.nan).round(3)
            g["signal"] = limited & (len(whole) >= 3) & ((g["attainment"] > g["ucl"]) | (g["attainment"] < g["lcl"]))
        else:
            p = whole["met"].sum() / whole["decided"].sum()
            sigma = np.sqrt(p * (1 - p) / g["decided"])
            limited = ~g["partial"].astype(bool)
            g["center"] = np.where(limited, round(100 * p, 2), np.nan)
            g["ucl"] = np.where(limited, np.minimum(100 * (p + 3 * sigma), 100).round(2), np.nan)
            g["lcl"] = np.where(limited, np.maximum(100 * (p - 3 * sigma), 0).round(2), np.nan)
            g["signal"] = limited & ((g["attainment"] > g["ucl"]) | (g["attainment"] < g["lcl"]))
        g["signal"] = g["signal"].astype(bool)
        g["rolling"] = (100 * g["met"].rolling(3, min_periods=1).sum()
                        / g["decided"].rolling(3, min_periods=1).sum()).round(1)
        parts.append(g)
    return pd.concat(parts, ignore_index=True)


def target_changes(store: Store, names: list[str]) -> pd.DataFrame:
    """Version changes after the first (for annotating trend lines where the target stepped)."""
    from .targets import history

    frame = history(store)
    if frame.empty:
        return frame
    frame = frame[(frame["target"].isin(names)) & (frame["version"] > 1)].copy()
    frame["date"] = pd.to_datetime(frame["effective_from"]).dt.tz_convert("UTC").dt.tz_localize(None)
    return frame


def goal_steps(store: Store, targets: list[Target], periods: pd.DataFrame) -> pd.DataFrame:
    """The goal and threshold in force at each period start, per target (a stepping target line)."""
    from .targets import all_versions

    rows, stored = [], all_versions(store)
    for t in targets:
        history = stored.get(t.target_id, []) if t.target_id else [(t, None)]
        starts = periods.loc[periods["target"] == t.name, "period"].drop_duplicates().sort_values()
        for start in starts:
            moment = pd.Timestamp(start).tz_localize("UTC")
            active = None
            for i, (version, effective) in enumerate(history):
                if i == 0 or effective is None or pd.Timestamp(effective) <= moment:
                    active = version
            if active is not None:
                rows.append({"target": t.name, "period": start, "goal_step": active.goal * 100,
                             "within_min": active.within_s / 60})
    return pd.DataFrame(rows, columns=["target", "period", "goal_step", "within_min"])


def volume(store: Store, grain: str, start: date, end: date, filters: Filters, tz: str) -> pd.DataFrame:
    """Created, resolved and backlog (open at the end of each period) over time."""
    if grain not in ("day", "week", "month", "quarter"):
        raise ValueError(grain)
    lo, hi = period_bounds(start, end, tz)
    query = f"""
        WITH t AS (SELECT * FROM tickets t WHERE {filter_sql(filters, store)}),
        created AS (
            SELECT date_trunc('{grain}', timezone('{tz}', created_at))::DATE AS period, count(*) AS created
            FROM t WHERE created_at >= ? AND created_at < ? GROUP BY ALL),
        resolved AS (
            SELECT date_trunc('{grain}', timezone('{tz}', resolved_at))::DATE AS period, count(*) AS resolved
            FROM t WHERE resolved_at >= ? AND resolved_at < ? GROUP BY ALL),
        periods AS (SELECT period FROM created UNION SELECT period FROM resolved),
        opening AS (
            SELECT count(*) FILTER (WHERE created_at < ?) - count(*) FILTER (WHERE resolved_at < ?) AS open_before
            FROM t)
        SELECT p.period, coalesce(c.created, 0) AS created, coalesce(r.resolved, 0) AS resolved,
               (SELECT open_before FROM opening)
               + sum(coalesce(c.created, 0) - coalesce(r.resolved, 0)) OVER (ORDER BY p.period) AS backlog
        FROM periods p LEFT JOIN created c USING (period) LEFT JOIN resolved r USING (period)
        ORDER BY p.period
    """
    with store.cursor() as cur:
        filters.register_excluded(cur)
        return cur.execute(query, [lo, hi, lo, hi, lo, lo]).df()


def compare_groups(ev: Evaluation, dimension: str, where: str = "true") -> pd.DataFrame:
    """Team vs team (or channel vs channel): attainment and median business time with counts per target."""
    require_dimension(dimension)
    return ev.sql(f"""
        SELECT target, coalesce({dimension}, '(none)') AS value,
               count(*) FILTER (WHERE status IN (0, 1)) AS decided,
               round(100.0 * count(*) FILTER (WHERE status = 0)
                     / nullif(count(*) FILTER (WHERE status IN (0, 1)), 0), 1) AS attainment,
               round(median(elapsed_s) FILTER (WHERE status IN (0, 1)) / 60, 1) AS median_minutes,
               any_value(goal) * 100 AS goal
        FROM o WHERE {where} GROUP BY target, value, position ORDER BY position, decided DESC
    """)


def performance_view(store: Store, start: date, end: date, previous: tuple[date, date], as_of: datetime,
                     filters: Filters) -> dict:
    """The Performance page's tiles, bars for every dimension, heat map and at-risk list, from ONE evaluation over
    the previous and current periods and one counting scan (switching dimension on the page recomputes nothing).

    The distribution of one target is `target_distribution` (the page asks for the target it shows)."""
    part = f"CASE WHEN created_local >= DATE '{start.isoformat()}' THEN 'current' ELSE 'previous' END"
    dims = ("team", "channel", "priority", "customer", "service")  # service: uptime's (the others have none)
    groupings = {"period": ["part"], **{d: ["part", d] for d in dims}, "heat": ["part", "dow", "hour"]}
    with Evaluation(store, start=previous[0], end=end, as_of=as_of, filters=filters) as ev:
        counts = ev.status_counts(groupings, columns={"part": part, **HEAT_COLUMNS})

        def only(name: str, which: str = "current") -> pd.DataFrame:
            frame = counts[name]
            return frame[frame["part"] == which].drop(columns="part")

        out = {"tiles": tiles(ev.summary(counts=only("period")), ev.summary(counts=only("period", "previous"))),
               "dims": {d: ev.by_dimension(d, counts=only(d)) for d in dims},
               "heat": heatmap(ev, counts=only("heat")),
               "risk": ev.at_risk(200, f"created_local >= DATE '{start.isoformat()}'")}
    return out


def target_distribution(store: Store, target: str, start: date, end: date, as_of: datetime,
                        filters: Filters) -> tuple[pd.DataFrame, float, dict]:
    """The distribution chart of one target over [start, end] (only that target's tickets are judged): bins, the
    threshold in minutes and the tail beyond the 99th percentile (see _histogram)."""
    with Evaluation(store, start=start, end=end, as_of=as_of, filters=filters) as ev:
        return _histogram(ev, target, "true")


CLIP_QUANTILE = 0.99


def _histogram(ev: Evaluation, target: str, where: str, bins: int = 40) -> tuple[pd.DataFrame, float, dict]:
    """Bins of business minutes up to the 99th percentile, and the tail beyond it counted, not drawn: one ticket open
    for weeks must not squash every other bar into the first one. In a small sample the 99th percentile is itself
    one of the few outliers (of 190 tickets, the second slowest), so the axis also stops at 3 × the 90th percentile;
    it always reaches 1.2 × the threshold, so the threshold line and what lies just beyond it stay in view."""
    stats = ev.sql(f"""
        SELECT least(quantile_cont(elapsed_s, {CLIP_QUANTILE}), 3 * quantile_cont(elapsed_s, 0.9)) AS hi,
               max(within_s) AS within FROM o
        WHERE target = ? AND status IN (0, 1) AND {where}""", [target]).iloc[0]
    within_min = float(stats["within"]) / 60 if pd.notna(stats["within"]) else float("nan")
    if pd.isna(stats["hi"]):
        return (pd.DataFrame(columns=["minutes", "minutes_end", "tickets", "outcome"]), within_min,
                {"tickets": 0, "beyond_min": None})
    top = max(float(stats["hi"]) / 60, within_min * 1.2 if within_min == within_min else 0.0, 1.0)
    width = top / bins
    # One scan: the tail lands in bin -1, counted and dropped.
    frame = ev.sql(f"""
        SELECT CASE WHEN elapsed_s / 60 > {top} THEN -1
                    ELSE least(floor(elapsed_s / 60 / {width}), {bins - 1}) * {width} END AS minutes,
               outcome, count(*) AS tickets
        FROM o WHERE target = ? AND status IN (0, 1) AND {where} GROUP BY ALL ORDER BY minutes, outcome
    """, [target])
    tail = frame["minutes"] < 0
    beyond = int(frame.loc[tail, "tickets"].sum())
    frame = frame[~tail].reset_index(drop=True)
    frame["minutes_end"] = frame["minutes"] + width
    return frame, within_min, {"tickets": beyond, "beyond_min": top}
