"""What-if for a target being edited: the attainment it would have had, and a threshold the history supports.

Both run the normal engine (metrics.Evaluation) on an unsaved target, so the numbers are exactly what the target
would show once saved.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pandas as pd

from . import metric_defs
from .calendars import format_duration
from .metrics import Evaluation, _scope_sql, elapsed_quantile
from .scope import default_as_of, workspace_timezone
from .store import Store
from .targets import Target, calendars


def _probe(target: Target) -> Target:
    return replace(target, target_id=None, version=None)


def recent_attainment(store: Store, target: Target, weeks: int = 12, as_of: datetime | None = None) -> pd.DataFrame:
    """Weekly met / breached / attainment of `target` over exactly `weeks` weeks (Monday to Sunday, in the workspace
    time zone), the last one the week of the as-of day (so far). Every week has its row; one without decided
    tickets has no attainment."""
    as_of = as_of or default_as_of(store)
    weeks = max(int(weeks), 1)
    last_day = pd.Timestamp(as_of).tz_convert(workspace_timezone(store)).date()
    this_monday = last_day - timedelta(days=last_day.weekday())
    first_monday = this_monday - timedelta(weeks=weeks - 1)
    with Evaluation(store, [_probe(target)], first_monday, last_day, as_of) as ev:
        found = ev.by_period("week")
    every = pd.DataFrame({"period": pd.date_range(first_monday, periods=weeks, freq="7D")})
    found = found.assign(period=pd.to_datetime(found["period"]))
    out = every.merge(found, on="period", how="left")
    for column in ("met", "breached", "pending"):
        out[column] = out[column].fillna(0).astype("int64")
    out["target"] = target.name
    out["metric"] = target.metric
    out["partial"] = out["period"] == pd.Timestamp(this_monday)
    return out[["target", "metric", "period", "met", "breached", "pending", "attainment", "partial"]]


def recommend_threshold(store: Store, target: Target, goal: float | None = None, days: int = 91,
                        as_of: datetime | None = None) -> tuple[float | None, int, str]:
    """(seconds, tickets, sentence): the business time within which `goal` of the scope's tickets were handled."""
    if not metric_defs.get(target.metric).threshold:
        return None, 0, f"{metric_defs.get(target.metric).label} has no threshold: there is none to recommend."
    as_of = as_of or default_as_of(store)
    goal = goal if goal is not None else target.goal
    seconds, n = elapsed_quantile(store, _probe(target), goal, (as_of - timedelta(days=days)).date(), as_of.date(),
                                  as_of)
    scope = ", ".join("/".join(v) for _, v in target.where) or "all"
    metric = metric_defs.get(target.metric)
    verb, units = metric.verb, metric.units
    if seconds is None or n == 0:
        return None, 0, f"No {scope} {units} were {verb} in the last {days} days: nothing to recommend from."
    sentence = (f"{goal:.0%} of {scope} {units} were {verb} within {format_duration(seconds)} of business time "
                f"({target.calendar}) in the last {days} days ({n:,} {units}).")
    return seconds, n, sentence


def measurement_notes(store: Store, target: Target) -> list[str]:
    """Plain statements about what a target really measures with the data at hand (shown on the Targets page):
    one scan of the scope's units counting what the metric asks for, then the metric's own sentences."""
    metric = metric_defs.get(target.metric)
    asked = metric.note_counts(target)
    columns = "".join(f", {sql} AS {name}" for name, sql in asked.items())
    counts = store.query(f"SELECT count(*) AS n{columns} FROM {metric.reads} t WHERE {_scope_sql(target)}").iloc[0]
    if counts["n"] == 0:
        return [f"No {metric.units} are in this target's scope yet."]
    cal = calendars(store).get(target.calendar)
    business_calendar = cal is not None and not cal.is_24x7()
    return metric.measurement_notes(target, counts.to_dict(), business_calendar)
