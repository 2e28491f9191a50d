"""What a number is about: the dimensions, the filter bar, the workspace time zone, the period and the as-of time.

Every analysis (metrics, benchmarks, data quality, the pages) narrows the same way, so it lives here, apart from
any one metric: the dimensions a target's scope and the filter bar use are listed once (below), periods are cut at
local midnight in the workspace zone, and open work is judged at an as-of time.

This module imports nothing else of slacore's analysis (metrics, clocks, quality, targets import it), so the
import graph has no circle. The data-quality switch of the filter bar is a flag here; its SQL condition belongs to
slacore.quality and is applied by `metrics.filter_sql`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time as dtime, timedelta, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .store import Store

if TYPE_CHECKING:  # pandas loads where a frame is needed: modules that import this one start without it
    import pandas as pd

# -- dimensions: the one list ---------------------------------------------------------------------------------------
# What a target's scope may name (`where: {priority: urgent, team: Billing}`).
SCOPE_FIELDS = ("priority", "team", "channel", "customer", "customer_tier", "category")
# What the filter bar narrows by, in the bar's order (also the URL's keys and the Filters fields).
FILTER_DIMENSIONS = ("team", "priority", "channel", "customer")
# What judged units can be grouped and listed by.
# Uptime's units are per service (slacore.metric_defs.units): a scope field and a grouping of theirs only.
UNIT_SCOPE_FIELDS = ("service",)
DIMENSIONS = (*SCOPE_FIELDS, "source", "assignee", *UNIT_SCOPE_FIELDS)
DIMENSION_LABELS = {"priority": "Priority", "team": "Team", "channel": "Channel", "customer": "Customer",
                    "customer_tier": "Tier", "category": "Category", "source": "Source", "assignee": "Assignee",
                    "service": "Service"}

# How often an agreement is reviewed (slacore.reviews and slacore.agreements both name them).
REVIEW_CADENCES = {"two_weeks": "Every two weeks", "month": "Monthly", "quarter": "Quarterly",
                   "custom": "Custom period"}

BEGINNING = datetime(1900, 1, 1, tzinfo=timezone.utc)  # before any ticket: the first target version's start
FOREVER = datetime(2200, 1, 1, tzinfo=timezone.utc)  # after any ticket: an open end


def require_dimension(dimension: str) -> str:
    """`dimension` if units can be grouped by it; refuses anything else (it is put into SQL)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"cannot group by {dimension}")
    return dimension


def sql_string(value) -> str:
    """A SQL string literal (the judged views are TEMP VIEWs, which cannot hold parameters)."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_timestamp(moment: datetime) -> str:
    return f"TIMESTAMPTZ '{moment.astimezone(timezone.utc).isoformat()}'"


@dataclass(frozen=True)
class Filters:
    """The filter bar: empty tuples mean 'all'. One field per FILTER_DIMENSIONS entry (a test keeps them equal)."""

    team: tuple = ()
    priority: tuple = ()
    channel: tuple = ()
    customer: tuple = ()
    exclude_ids: tuple = ()  # (source, ticket_id) pairs excluded (tests, scripts)
    exclude_suspicious: bool = False  # the data quality switch: drop what slacore.quality flags as suspicious

    def sql(self, alias: str = "t") -> tuple[str, list]:
        """' AND …' over the dimensions with parameters ('' when none is set)."""
        clauses, params = [], []
        for col in FILTER_DIMENSIONS:
            values = getattr(self, col)
            if values:
                clauses.append(f"{alias}.{col} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        return (" AND " + " AND ".join(clauses)) if clauses else "", params

    def literal_sql(self, alias: str = "t") -> list[str]:
        """The dimensions and the excluded ids as literal conditions (no parameters: for views). The ids need
        `register_excluded` on the cursor that runs the query."""
        clauses = []
        for col in FILTER_DIMENSIONS:
            values = getattr(self, col)
            if values:
                clauses.append(f"{alias}.{col} IN ({', '.join(sql_string(v) for v in values)})")
        if self.exclude_ids:
            clauses.append(f"NOT EXISTS (SELECT 1 FROM _excluded e WHERE e.source = {alias}.source "
                           f"AND e.ticket_id = {alias}.ticket_id)")
        return clauses

    def register_excluded(self, cur) -> None:
        """Make the excluded ids visible to `cur` as `_excluded` (nothing when there are none)."""
        if self.exclude_ids:
            import pandas as pd

            cur.register("_excluded", pd.DataFrame(list(self.exclude_ids), columns=["source", "ticket_id"]))


# -- the workspace time zone and periods ------------------------------------------------------------------------
def workspace_timezone(store: Store) -> str:
    value = store.scalar("SELECT value FROM settings WHERE key = 'timezone'")
    return str(value).strip('"') if value else "UTC"


def workspace_timezone_of(cur) -> str:
    """workspace_timezone, read through an open cursor (inside a write transaction)."""
    row = cur.execute("SELECT value FROM settings WHERE key = 'timezone'").fetchone()
    return str(row[0]).strip('"') if row and row[0] else "UTC"


def set_workspace_timezone(store: Store, tz: str) -> None:
    ZoneInfo(tz)
    with store.transaction() as cur:
        cur.execute("INSERT OR REPLACE INTO settings VALUES ('timezone', to_json(?::VARCHAR))", [tz])


def day_start(day: date, tz: str) -> datetime:
    """Local midnight of `day` in zone `tz`, as an aware datetime."""
    return datetime.combine(day, dtime(0), tzinfo=ZoneInfo(tz))


def period_bounds(start: date | None, end: date | None, tz: str) -> tuple[datetime, datetime]:
    """Inclusive dates -> [start 00:00, day after end 00:00) in the workspace zone."""
    lo = day_start(start, tz) if start else BEGINNING
    hi = day_start(end + timedelta(days=1), tz) if end else FOREVER
    return lo, hi


# -- the as-of time -----------------------------------------------------------------------------------------------
def default_as_of(store: Store) -> datetime:
    """The newest time stamp in the data (tickets, survey ratings, incidents, checks) that is not in the future,
    capped at now: an old export is judged at its own end, not today (and one stray future stamp does not move it)."""
    import pandas as pd

    newest = store.scalar("""
        SELECT greatest(
            (SELECT greatest(max(created_at) FILTER (WHERE created_at <= now()),
                             max(first_response_at) FILTER (WHERE first_response_at <= now()),
                             max(resolved_at) FILTER (WHERE resolved_at <= now()),
                             max(updated_at) FILTER (WHERE updated_at <= now())) FROM tickets),
            (SELECT max(rated_at) FILTER (WHERE rated_at <= now()) FROM surveys),
            (SELECT greatest(max(started_at) FILTER (WHERE started_at <= now()),
                             max(ended_at) FILTER (WHERE ended_at <= now())) FROM incidents),
            (SELECT max(checked_at) FILTER (WHERE checked_at <= now()) FROM checks))
    """)
    now = datetime.now(timezone.utc)
    if newest is None or pd.isna(newest):
        return now
    return min(pd.Timestamp(newest).to_pydatetime(), now)
