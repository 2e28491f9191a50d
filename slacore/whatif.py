"""What-if for a target being edited: the attainment it would have had, and a threshold the history supports.

Both run the normal engine (metrics.Evaluation) on an unsaved target, so the numbers are exactly what the target
would show once saved.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from . import metric_defs
from .calendars import format_duration
from .metrics import Evaluation, _scope_sql, elapsed_quantile
from .scope import BEGINNING, default_as_of, workspace_timezone
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
    units = metric_defs.units.UNITS[metric.reads]
    asked = metric.note_counts(target)
    columns = "".join(f", {sql} AS {name}" for name, sql in asked.items())
    as_of = default_as_of(store)
    tz = workspace_timezone(store)
    with store.cursor() as cur:
        cur.begin()
        try:  # the units' temp objects live only as long as this read
            relation = units.prepare(cur, store, BEGINNING, as_of + timedelta(microseconds=1), as_of, tz)
            counts = cur.execute(f"SELECT count(*) AS n{columns} FROM {relation} t "
                                 f"WHERE {_scope_sql(target)}").df().iloc[0]
        finally:
            cur.rollback()
    if counts["n"] == 0:
        return [f"No {units.label} are in this target's scope yet."]
    cal = calendars(store).get(target.calendar)
    business_calendar = cal is not None and not cal.is_24x7()
    return metric.measurement_notes(target, counts.to_dict(), business_calendar)


def missed_periods(store: Store, target: Target, goal: float | None = None, grain: str = "month", periods: int = 12,
                   as_of: datetime | None = None) -> tuple[pd.DataFrame, str]:
    """How many of the last `periods` whole months (or weeks, quarters) `target` would have missed at `goal`:
    "At 99.95% you would have missed 3 of the last 12 months." The frame has period, attainment, missed."""
    as_of = as_of or default_as_of(store)
    goal = target.goal if goal is None else goal
    tz = workspace_timezone(store)
    start = _periods_back(as_of.astimezone(ZoneInfo(tz)).date(), grain, periods)
    with Evaluation(store, [_probe(target)], start, as_of.date(), as_of) as ev:
        frame = ev.by_period(grain)
    frame = frame[["period", "met", "breached", "attainment"]].copy()
    decided = frame["met"] + frame["breached"]
    frame["missed"] = (frame["met"] < goal * decided - 1e-9) & (decided > 0)
    judged = int((decided > 0).sum())
    word = {"day": "days", "week": "weeks", "month": "months", "quarter": "quarters"}[grain]
    if judged == 0:
        return frame, f"No {word} of the last {periods} have anything to judge."
    sentence = (f"At {goal * 100:g}% you would have missed {int(frame['missed'].sum())} of the last {judged} {word}"
                + ("" if judged == periods else f" with data (of {periods} asked)") + ".")
    return frame, sentence


def _periods_back(day, grain: str, periods: int):
    """The first day of the period `periods - 1` periods before the one holding `day`."""
    if grain == "month":
        index = day.year * 12 + day.month - 1 - (periods - 1)
        return day.replace(year=index // 12, month=index % 12 + 1, day=1)
    if grain == "quarter":
        index = day.year * 4 + (day.month - 1) // 3 - (periods - 1)
        return day.replace(year=index // 4, month=(index % 4) * 3 + 1, day=1)
    if grain == "week":
        return day - timedelta(days=day.weekday() + 7 * (periods - 1))
    return day - timedelta(days=periods - 1)
