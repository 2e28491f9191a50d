"""What-if for a target being edited: the attainment it would have had, and a threshold the history supports.

Both run the normal engine (metrics.Evaluation) on an unsaved target, so the numbers are exactly what the target
would show once saved.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pandas as pd

from .calendars import format_duration
from .metrics import Evaluation, _scope_sql, elapsed_quantile
from .scope import default_as_of
from .store import Store
from .targets import Target, calendars


def _probe(target: Target) -> Target:
    return replace(target, target_id=None, version=None)


def recent_attainment(store: Store, target: Target, weeks: int = 12, as_of: datetime | None = None) -> pd.DataFrame:
    """Weekly met / breached / attainment of `target` over the last `weeks` weeks before the as-of time."""
    as_of = as_of or default_as_of(store)
    start = (as_of - timedelta(weeks=weeks)).date()
    with Evaluation(store, [_probe(target)], start, as_of.date(), as_of) as ev:
        return ev.by_period("week")


def recommend_threshold(store: Store, target: Target, goal: float | None = None, days: int = 91,
                        as_of: datetime | None = None) -> tuple[float | None, int, str]:
    """(seconds, tickets, sentence): the business time within which `goal` of the scope's tickets were handled."""
    as_of = as_of or default_as_of(store)
    goal = goal if goal is not None else target.goal
    seconds, n = elapsed_quantile(store, _probe(target), goal, (as_of - timedelta(days=days)).date(), as_of.date(),
                                  as_of)
    scope = ", ".join("/".join(v) for _, v in target.where) or "all"
    verb = "answered" if target.metric == "first_response" else "resolved"
    if seconds is None or n == 0:
        return None, 0, f"No {scope} tickets were {verb} in the last {days} days: nothing to recommend from."
    sentence = (f"{goal:.0%} of {scope} tickets were {verb} within {format_duration(seconds)} of business time "
                f"({target.calendar}) in the last {days} days ({n:,} tickets).")
    return seconds, n, sentence


def measurement_notes(store: Store, target: Target) -> list[str]:
    """Plain statements about what a target really measures with the data at hand (shown on the Targets page)."""
    notes = []
    counts = store.query(f"""
        SELECT count(*) AS n,
               count(t.vendor_first_response_business_min) AS vendor_fr,
               count(t.vendor_resolution_business_min) AS vendor_res,
               count(t.pending_min) AS pending_calendar, count(t.pending_business_min) AS pending_business,
               count(t.on_hold_min) AS on_hold_calendar, count(t.on_hold_business_min) AS on_hold_business,
               count(t.first_response_at) AS responded
        FROM tickets t WHERE {_scope_sql(target)}
    """).iloc[0]
    if counts["n"] == 0:
        return ["No tickets are in this target's scope yet."]
    if target.measure == "vendor":
        column = "vendor_fr" if target.metric == "first_response" else "vendor_res"
        if counts[column] == 0:
            notes.append("The exports carry no vendor business-minutes figure for this metric: every ticket will "
                         "show as unmeasured. Use measure 'app' instead.")
        else:
            notes.append("Measured with the vendor's own business-hours figure from the export (the vendor's "
                         "business hours), not this app's calendar.")
    cal = calendars(store).get(target.calendar)
    business_calendar = cal is not None and not cal.is_24x7()
    for reason in target.pause:
        kind = "business" if business_calendar else "calendar"
        if counts[f"{reason}_{kind}"] == 0:
            what = "business-hours " if business_calendar else ""
            notes.append(f"Pause on '{reason}' is asked for, but the exports carry no {what}"
                         f"{reason.replace('_', ' ')} time: resolution is measured without that pause.")
    if target.metric == "first_response" and counts["responded"] == 0 and target.measure == "app":
        notes.append("The exports have no first-response time stamps for these tickets: resolution times stand in "
                     "for the response.")
    return notes
