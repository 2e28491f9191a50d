"""Attainment, to the ticket: each ticket in a target's scope is met, breached or pending at an as-of time.

Semantics (the README repeats them):
- a ticket counts in the period that holds its creation time (workspace time zone, default UTC);
- first response is met when the business time from creation to first response is within the threshold; a ticket
  resolved with no response counts its resolution as the response. It is breached when over the threshold, or still
  unanswered past the threshold at the as-of time; otherwise it is pending (excluded from attainment, at risk);
- resolution likewise with the resolved time (the final resolution of a reopened ticket);
- events after the as-of time have not happened yet; tickets created after it do not count;
- attainment = met / (met + breached); the goal is met when attainment >= goal;
- each ticket is judged by the target version in force when it was created (the first version also judges older
  tickets).

How: per target version, DuckDB copies the scoped tickets (epoch seconds and the dimensions) into a local table;
numpy judges the numbers with the calendar's open windows (calendars.business_seconds, ~0.16 s per million); the
verdicts go back by a POSITIONAL JOIN into one local outcome table, where every aggregate is plain SQL. All of it
runs in one read transaction, so ticket rowids (used to fetch listing columns) are stable.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time as dtime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from .calendars import Calendar, business_seconds
from .errors import UserError
from .store import Store
from .targets import BEGINNING, Target, calendars as all_calendars, targets_for_period, versions

MET, BREACHED, PENDING, UNMEASURED = 0, 1, 2, 3
STATUS_SQL = "CASE x.status WHEN 0 THEN 'met' WHEN 1 THEN 'breached' WHEN 2 THEN 'pending' ELSE 'unmeasured' END"
DIMENSIONS = ("priority", "team", "channel", "customer", "customer_tier", "category", "source", "assignee")
# The dimensions copied into the outcome table `o` (the filter bar's); the others are read through `od`.
OUTCOME_DIMENSIONS = ("priority", "team", "channel", "customer")


def relation_for(dimension: str) -> str:
    """`o` when the outcome table holds the dimension, else `od` (joined to tickets: slower, complete)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"cannot group by {dimension}")
    return "o" if dimension in OUTCOME_DIMENSIONS else "od"


@dataclass(frozen=True)
class Filters:
    """The filter bar: empty tuples mean 'all'."""

    team: tuple = ()
    priority: tuple = ()
    channel: tuple = ()
    customer: tuple = ()
    exclude_ids: tuple = ()  # (source, ticket_id) pairs excluded as suspicious (data quality switch)

    def sql(self, alias: str = "t") -> tuple[str, list]:
        clauses, params = [], []
        for col in ("team", "priority", "channel", "customer"):
            values = getattr(self, col)
            if values:
                clauses.append(f"{alias}.{col} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        return (" AND " + " AND ".join(clauses)) if clauses else "", params


def workspace_timezone(store: Store) -> str:
    value = store.scalar("SELECT value FROM settings WHERE key = 'timezone'")
    return str(value).strip('"') if value else "UTC"


def set_workspace_timezone(store: Store, tz: str) -> None:
    ZoneInfo(tz)
    with store.transaction() as cur:
        cur.execute("INSERT OR REPLACE INTO settings VALUES ('timezone', to_json(?::VARCHAR))", [tz])


def default_as_of(store: Store) -> datetime:
    """The newest time stamp in the data that is not in the future, capped at now: an old export is judged at its
    own end, not today (and one stray future stamp does not move it)."""
    newest = store.scalar("""
        SELECT greatest(max(created_at) FILTER (WHERE created_at <= now()),
                        max(first_response_at) FILTER (WHERE first_response_at <= now()),
                        max(resolved_at) FILTER (WHERE resolved_at <= now()),
                        max(updated_at) FILTER (WHERE updated_at <= now()))
        FROM tickets
    """)
    now = datetime.now(timezone.utc)
    if newest is None or pd.isna(newest):
        return now
    return min(pd.Timestamp(newest).to_pydatetime(), now)


def day_start(day: date, tz: str) -> datetime:
    """Local midnight of `day` in zone `tz`, as an aware datetime."""
    return datetime.combine(day, dtime(0), tzinfo=ZoneInfo(tz))


def period_bounds(start: date | None, end: date | None, tz: str) -> tuple[datetime, datetime]:
    """Inclusive dates -> [start 00:00, day after end 00:00) in the workspace zone."""
    lo = day_start(start, tz) if start else BEGINNING
    hi = day_start(end + timedelta(days=1), tz) if end else datetime(2200, 1, 1, tzinfo=timezone.utc)
    return lo, hi


def _scope_sql(target: Target) -> tuple[str, list]:
    clauses, params = [], []
    for col, values in target.where:
        if col == "priority":
            clauses.append(f"t.priority IN ({', '.join('?' for _ in values)})")
            params.extend(values)
        else:  # case-insensitive: 'Email' and 'email' are the same channel to a user
            clauses.append(f"lower(t.{col}) IN ({', '.join('?' for _ in values)})")
            params.extend(v.lower() for v in values)
    return (" AND " + " AND ".join(clauses)) if clauses else "", params


def _pause_seconds(frame: pd.DataFrame, target: Target, cal: Calendar) -> np.ndarray:
    """Paused time to subtract: business-hours figures for business calendars, calendar minutes for 24x7.

    A business calendar never subtracts calendar minutes (that would remove nights and weekends the clock never
    counted): without the business-hours figure nothing is subtracted, and the Targets page says so."""
    total = np.zeros(len(frame))
    for reason in target.pause:
        column = {"pending": "pending", "on_hold": "on_hold"}[reason]
        minutes = frame[f"{column}_min" if cal.is_24x7() else f"{column}_business_min"].to_numpy(dtype=float)
        total += np.nan_to_num(minutes) * 60
    return total


def _judge(frame: pd.DataFrame, target: Target, cal: Calendar, as_of_epoch: float) -> pd.DataFrame:
    """Vectorised status and elapsed business seconds for one target version's tickets."""
    created = frame["c"].to_numpy(dtype=float)
    # Events after the as-of time have not happened yet (NaN compares False, so missing stays missing).
    response, resolved = frame["fr"].to_numpy(dtype=float), frame["rs"].to_numpy(dtype=float)
    responded, solved = response <= as_of_epoch, resolved <= as_of_epoch
    missing = np.full(len(frame), np.nan)
    vfr = frame["vfr"].to_numpy(dtype=float) if "vfr" in frame else missing  # fetched for vendor measures only
    vrs = frame["vrs"].to_numpy(dtype=float) if "vrs" in frame else missing
    if target.metric == "first_response":
        # Resolved with no response (yet, at the as-of time): the resolution counts as the response, and for the
        # vendor measure the vendor's resolution figure stands in when it gives no first-response figure.
        end = np.where(responded, response, np.where(solved, resolved, np.nan))
        vendor = np.where(responded, vfr, np.where(solved, np.where(np.isnan(vfr) | ~np.isnan(response), vrs, vfr),
                                                   np.nan))
    else:
        end = np.where(solved, resolved, np.nan)
        vendor = np.where(solved, vrs, np.nan)
    done = ~np.isnan(end)
    threshold = float(target.within_s)
    if target.measure == "vendor":
        # Decided tickets use the export's figure; open ones run on the target's calendar so far, so a ticket
        # still unanswered past the threshold is breached (not pending for ever).
        so_far = business_seconds(cal, created, np.full(len(created), as_of_epoch))
        elapsed = np.where(done, vendor * 60.0, so_far)
        status = np.where(done, np.where(np.isnan(elapsed), UNMEASURED, np.where(elapsed <= threshold, MET, BREACHED)),
                          np.where(elapsed > threshold, BREACHED, PENDING))
    else:
        elapsed = business_seconds(cal, created, np.where(done, end, as_of_epoch))
        if target.pause:
            elapsed = np.maximum(elapsed - _pause_seconds(frame, target, cal), 0)
        status = np.where(done, np.where(elapsed <= threshold, MET, BREACHED),
                          np.where(elapsed > threshold, BREACHED, PENDING))
    left = np.where(status == PENDING, threshold - np.nan_to_num(elapsed), np.nan)
    return pd.DataFrame({
        "rid": frame["rid"].to_numpy(), "target_id": target.target_id, "version": target.version,
        "status": status.astype("int8"), "elapsed_s": elapsed, "left_s": left,
        "within_s": threshold, "goal": target.goal,
    })


_TICKET_NUMBERS = """
    SELECT t.rowid AS rid, epoch(t.created_at) AS c, epoch(t.first_response_at) AS fr, epoch(t.resolved_at) AS rs,
           t.vendor_first_response_business_min AS vfr, t.vendor_resolution_business_min AS vrs,
           t.on_hold_min, t.on_hold_business_min, t.pending_min, t.pending_business_min,
           t.source, t.created_at, t.priority, t.team, t.channel, t.customer, t.customer_tier, t.category
    FROM tickets t
    WHERE t.created_at >= ? AND t.created_at < ? AND t.created_at <= ?
"""


def _number_columns(target: Target) -> str:
    """Only the numbers this target's judgement reads (fetching unused columns cost ~30% at 1M tickets)."""
    cols = ["rid", "c", "fr", "rs"]
    if target.measure == "vendor":
        cols += ["vfr", "vrs"]
    for reason in target.pause:
        cols += [f"{reason}_min", f"{reason}_business_min"]
    return ", ".join(cols)
_OUTCOME_TABLE = """
    CREATE TEMP TABLE _o (
        rid BIGINT, target_id BIGINT, version INTEGER,
        status TINYINT, elapsed_s DOUBLE, left_s DOUBLE, within_s DOUBLE, goal DOUBLE,
        created_at TIMESTAMPTZ, priority VARCHAR, team VARCHAR, channel VARCHAR, customer VARCHAR,
        created_local TIMESTAMP)
"""


class Evaluation:
    """Targets judged over a period at an as-of time, queryable in SQL: `o` has one row per (target, ticket) with
    status, elapsed and the dimensions; `od` adds the ticket's ids, time stamps and subject (for listings).

    Use as a context manager: it holds one cursor and one read transaction for its whole life.
    """

    def __init__(self, store: Store, targets: list[Target] | None = None, start: date | None = None,
                 end: date | None = None, as_of: datetime | None = None, filters: Filters | None = None,
                 tz: str | None = None):
        self.store = store
        self.tz = tz or workspace_timezone(store)
        # By default: every target in force at some point of the period (a retired one still judges its past).
        chosen = targets_for_period(store, period_bounds(start, end, self.tz)[0]) if targets is None else targets
        # Unsaved targets (what-if) get negative ids: they have no stored versions.
        self.targets = [t if t.target_id is not None else replace(t, target_id=-(i + 1), version=0)
                        for i, t in enumerate(chosen)]
        self.start, self.end = start, end
        self.as_of = as_of or default_as_of(store)
        if self.as_of.tzinfo is None:
            self.as_of = self.as_of.replace(tzinfo=timezone.utc)
        self.filters = filters or Filters()
        self.calendars = all_calendars(store)
        self.cur = None
        self._cm = None

    def __enter__(self) -> "Evaluation":
        self._cm = self.store.cursor()
        self.cur = self._cm.__enter__()
        self.cur.begin()
        try:
            self._compute()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.cur.rollback()
        finally:
            self._cm.__exit__(None, None, None)

    def _compute(self) -> None:
        lo, hi = period_bounds(self.start, self.end, self.tz)
        as_of_epoch = self.as_of.timestamp()
        filter_sql, filter_params = self.filters.sql()
        if self.filters.exclude_ids:
            self.cur.register("_excluded", pd.DataFrame(list(self.filters.exclude_ids), columns=["source", "ticket_id"]))
        local = "b.created_at::TIMESTAMP" if self.tz == "UTC" else f"timezone('{self.tz}', b.created_at)"
        self.cur.execute(_OUTCOME_TABLE)
        for position, target in enumerate(self.targets):
            history = versions(self.store, target.target_id) if target.target_id > 0 else [(target, BEGINNING)]
            for i, (version, effective) in enumerate(history):
                if version is None:  # retired from here on
                    continue
                # In force from its effective time until a LATER edit takes effect: the latest edit wins, so a
                # backdated version supersedes the ones saved before it and no ticket is judged twice.
                v_lo = BEGINNING if i == 0 else effective
                v_hi = min((e for _, e in history[i + 1:]), default=datetime(2200, 1, 1, tzinfo=timezone.utc))
                a, b = max(lo, v_lo), min(hi, v_hi)
                if a >= b:
                    continue
                cal = self.calendars.get(version.calendar)
                if cal is None:
                    raise UserError(f"Target {version.name!r} uses calendar {version.calendar!r}, which no longer exists.")
                scope_sql, scope_params = _scope_sql(version)
                excluded = ""
                if self.filters.exclude_ids:
                    excluded = (" AND NOT EXISTS (SELECT 1 FROM _excluded e "
                                "WHERE e.source = t.source AND e.ticket_id = t.ticket_id)")
                # numpy judges the scoped tickets' numbers; the verdicts meet the tickets' dimensions again with a
                # POSITIONAL JOIN over the same selection (a table scan keeps its order inside this transaction),
                # so text columns are copied once and no hash join by rowid is needed.
                selection = _TICKET_NUMBERS + scope_sql + filter_sql + excluded
                params = [a, b, self.as_of, *scope_params, *filter_params]
                numbers = self.cur.execute(f"SELECT {_number_columns(version)} FROM ({selection})", params).df()
                if not len(numbers):
                    continue
                version = version if target.target_id > 0 else target
                judged = _judge(numbers, version, cal, as_of_epoch)
                self.cur.register("_j", judged)
                inserted = self.cur.execute(f"""
                    INSERT INTO _o SELECT b.rid, j.target_id, j.version, j.status, j.elapsed_s, j.left_s,
                           j.within_s, j.goal, b.created_at, b.priority, b.team, b.channel, b.customer,
                           {local} AS created_local
                    FROM ({selection}) b POSITIONAL JOIN _j j WHERE b.rid = j.rid
                """, params).fetchone()[0]
                self.cur.unregister("_j")
                if inserted != len(judged):  # a changed scan order would be a bug, never a silent miscount
                    raise RuntimeError("outcome rows lost their order")
        names = pd.DataFrame({
            "target_id": pd.Series([t.target_id for t in self.targets], dtype="int64"),
            "target": pd.Series([t.name for t in self.targets], dtype="object"),
            "metric": pd.Series([t.metric for t in self.targets], dtype="object"),
            "position": pd.Series(range(len(self.targets)), dtype="int64"),
        })
        self.cur.register("_target_names", names)

    def sql(self, query: str, params: list | None = None) -> pd.DataFrame:
        """Run `query`, which may use `o` (one row per target and ticket, the columns aggregates need) and `od`
        (the same with the ticket's ids, time stamps, status, assignee and subject: for listings)."""
        ctes = f"""
            WITH o AS (SELECT x.*, n.target, n.metric, n.position, {STATUS_SQL} AS outcome
                       FROM _o x JOIN _target_names n USING (target_id)),
            od AS (SELECT o.*, t.source, t.ticket_id, t.first_response_at, t.resolved_at,
                          t.status AS ticket_status, t.customer_tier, t.category, t.assignee, t.subject
                   FROM o JOIN tickets t ON t.rowid = o.rid)
        """
        return self.cur.execute(ctes + query, params).df()

    # -- the aggregates pages and the command line use ---------------------------------------------------------
    def summary(self, where: str = "true") -> pd.DataFrame:
        """Per target: met, breached, pending, attainment (percent), goal (percent), goal_met.

        `where` narrows the outcomes (SQL on `o`, e.g. one sub-period); every target keeps its row."""
        frame = self.sql(f"""
            SELECT n.target AS name, n.metric,
                   count(x.status) FILTER (WHERE x.status = 0) AS met,
                   count(x.status) FILTER (WHERE x.status = 1) AS breached,
                   count(x.status) FILTER (WHERE x.status = 2) AS pending,
                   count(x.status) FILTER (WHERE x.status = 3) AS unmeasured
            FROM _target_names n LEFT JOIN (SELECT * FROM o WHERE {where}) x USING (target_id)
            GROUP BY n.target, n.metric, n.position ORDER BY n.position
        """)
        goals = {t.name: t.goal for t in self.targets}
        frame["goal"] = (frame["name"].map(goals).astype(float) * 100).round(4)  # 0.57 * 100 is 56.99999999999999
        decided = frame["met"] + frame["breached"]
        exact = np.where(decided > 0, frame["met"] / decided.where(decided > 0, 1), np.nan)
        frame["attainment"] = (100 * exact).round(1)
        # Decided on the exact share, not the rounded percent: 2 of 3 shows as 66.7 but misses a 66.7% goal.
        goal_share = frame["name"].map(goals).astype(float)
        frame["goal_met"] = np.where(decided > 0, exact >= goal_share - 1e-12, None)
        return frame[["name", "metric", "goal", "met", "breached", "pending", "unmeasured", "attainment", "goal_met"]]

    def by_dimension(self, dimension: str, where: str = "true") -> pd.DataFrame:
        """Attainment per target and value of `dimension`; `where` narrows the outcomes (SQL on `o`)."""
        relation = relation_for(dimension)
        return self.sql(f"""
            SELECT target, coalesce({dimension}, '(none)') AS value,
                   count(*) FILTER (WHERE status = 0) AS met, count(*) FILTER (WHERE status = 1) AS breached,
                   count(*) FILTER (WHERE status = 2) AS pending,
                   round(100.0 * count(*) FILTER (WHERE status = 0)
                         / nullif(count(*) FILTER (WHERE status IN (0, 1)), 0), 1) AS attainment,
                   any_value(goal) * 100 AS goal
            FROM {relation} WHERE {where} GROUP BY target, value, position ORDER BY position, value
        """)

    def by_period(self, grain: str = "week") -> pd.DataFrame:
        if grain not in ("day", "week", "month", "quarter"):
            raise ValueError(f"unknown period grain {grain}")
        return self.sql(f"""
            SELECT target, metric, date_trunc('{grain}', created_local)::DATE AS period,
                   count(*) FILTER (WHERE status = 0) AS met, count(*) FILTER (WHERE status = 1) AS breached,
                   count(*) FILTER (WHERE status = 2) AS pending,
                   round(100.0 * count(*) FILTER (WHERE status = 0)
                         / nullif(count(*) FILTER (WHERE status IN (0, 1)), 0), 1) AS attainment,
                   max(goal) * 100 AS goal, min(goal) * 100 AS goal_min,
                   quantile_cont(elapsed_s, 0.5) FILTER (WHERE status IN (0, 1)) AS p50_s,
                   quantile_cont(elapsed_s, 0.9) FILTER (WHERE status IN (0, 1)) AS p90_s
            FROM o GROUP BY target, metric, period, position ORDER BY position, period
        """)

    def tickets(self, target: str | None = None, outcome: str | None = None, where: dict | None = None,
                limit: int = 5000) -> pd.DataFrame:
        """The tickets behind a number (drill-down), newest first."""
        clauses, params = ["1=1"], []
        if target:
            clauses.append("target = ?")
            params.append(target)
        if outcome:
            clauses.append("outcome = ?")
            params.append(outcome)
        for col, value in (where or {}).items():
            if col not in DIMENSIONS:
                raise ValueError(f"cannot filter by {col}")
            if value == "(none)":
                clauses.append(f"{col} IS NULL")
            else:
                clauses.append(f"{col} = ?")
                params.append(value)
        return self.sql(f"""
            SELECT target, outcome, source, ticket_id, created_at, first_response_at, resolved_at, ticket_status,
                   priority, team, channel, customer, subject, round(elapsed_s / 60, 1) AS business_minutes,
                   round(within_s / 60, 1) AS threshold_minutes
            FROM od WHERE {' AND '.join(clauses)} ORDER BY created_at DESC LIMIT {int(limit)}
        """, params)

    def at_risk(self, limit: int = 200, where: str = "true") -> pd.DataFrame:
        """Pending tickets with the business time left on each clock, most urgent first."""
        return self.sql(f"""
            SELECT target, source, ticket_id, created_at, priority, team, channel, subject,
                   round(left_s / 60, 1) AS minutes_left, round(elapsed_s / 60, 1) AS business_minutes_so_far
            FROM od WHERE status = 2 AND {where} ORDER BY left_s, created_at LIMIT {int(limit)}
        """)


def summarize(store: Store, start: date | None, end: date | None, as_of: datetime | None = None,
              filters: Filters | None = None) -> pd.DataFrame:
    """Per-target attainment over [start, end] (inclusive dates) — what `python -m slacore summary` prints."""
    with Evaluation(store, start=start, end=end, as_of=as_of, filters=filters) as ev:
        return ev.summary()


def elapsed_quantile(store: Store, target: Target, quantile: float, start: date | None = None,
                     end: date | None = None, as_of: datetime | None = None) -> tuple[float | None, int]:
    """The business time within which `quantile` of decided tickets were handled (for recommending a threshold).

    Pending tickets are left out; breached-while-open ones count at their elapsed time so far (a lower bound).
    """
    probe = Target(name=target.name or "what-if", metric=target.metric, within_s=target.within_s, goal=target.goal,
                   where=target.where, calendar=target.calendar, measure=target.measure, pause=target.pause)
    with Evaluation(store, [probe], start, end, as_of) as ev:
        row = ev.sql(f"""SELECT quantile_cont(elapsed_s, {float(quantile)}) AS q, count(*) AS n
                        FROM o WHERE status IN (0, 1)""").iloc[0]
    q = None if pd.isna(row["q"]) else float(row["q"])
    return q, int(row["n"])
