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

How: this module is the engine, the metrics are in slacore.metric_defs (one module each: how a unit is judged, as
SQL). Each ticket carries its business-clock positions per calendar (slacore.clocks), so a ticket's elapsed
business time is a subtraction and its verdict a CASE expression. The judged tickets are views (never
materialised): DuckDB evaluates them inside each aggregate, reading only the columns and the target a query needs.
All of it runs in one read transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd

from .clocks import ensure as ensure_clocks
from .errors import UserError
from .metric_defs import get as metric_of
from .metric_defs.units import UNITS
from .quality import ensure_duplicates, suspicious_sql
from .scope import (BEGINNING, DIMENSIONS, FOREVER, Filters, default_as_of, period_bounds, require_dimension,
                    set_workspace_timezone, sql_string as _lit, sql_timestamp as _ts, workspace_timezone)
from .store import Store
from .targets import (Target, all_versions, calendars as all_calendars, missing_calendar,
                      targets_for_period)

# Re-exported for the callers that knew them here (tests, scripts): they live in slacore.scope.
__all__ = ["Evaluation", "Filters", "default_as_of", "elapsed_quantile", "filter_sql", "period_bounds",
           "set_workspace_timezone", "summarize", "workspace_timezone"]



def filter_sql(filters: Filters, store: Store, alias: str = "t") -> str:
    """The whole filter bar as one literal condition on tickets `alias`: the data-quality switch, the dimensions and
    the excluded ids (register them with `filters.register_excluded(cur)`). Call it before a read transaction: the
    switch brings the duplicate flags up to date first."""
    return UNITS["tickets"].filter_sql(filters, store, alias)


def _scope_sql(target: Target) -> str:
    clauses = []
    for col, values in target.where:
        if col == "priority":
            clauses.append(f"t.priority IN ({', '.join(_lit(v) for v in values)})")
        else:  # case-insensitive: 'Email' and 'email' are the same channel to a user
            clauses.append(f"lower(t.{col}) IN ({', '.join(_lit(v.lower()) for v in values)})")
    return " AND ".join(clauses) or "true"


@dataclass(frozen=True)
class _Segment:
    """One target version over the part of the period it was in force: [lo, hi) of creation time."""

    position: int
    target: Target  # the target as listed (name, id)
    version: Target  # the definition that judges these tickets
    lo: datetime
    hi: datetime


STATUS_NAMES = ("met", "breached", "pending", "unmeasured")
_CODE_BASE, _CODE_CHUNK = 5, 20  # a ticket's statuses for 20 targets packed in one BIGINT (4 = out of scope)


class Evaluation:
    """Targets judged over a period at an as-of time, queryable in SQL.

    `o` (alias `od`) is a view with one row per (target, ticket): target, metric, position, status (0 met,
    1 breached, 2 pending, 3 unmeasured), outcome (its name), elapsed_s, left_s, within_s, goal, the dimensions,
    created_local and the ticket's ids, time stamps and subject. Nothing is materialised: every query judges the
    tickets it reads straight from the stored clock columns (slacore.clocks), so a query touching one target reads
    one target's tickets. `status_counts` counts many groupings in one scan (the pages' tiles and bars).

    Use as a context manager: it holds one cursor and one read transaction for its whole life.
    """

    def __init__(self, store: Store, targets: list[Target] | None = None, start: date | None = None,
                 end: date | None = None, as_of: datetime | None = None, filters: Filters | None = None,
                 tz: str | None = None):
        self.store = store
        # Periods are cut, and created_local is stored, in the workspace zone (`tz` must be that zone if given).
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
        segments = self._segments()
        # Business clocks are kept on tickets (slacore.clocks), for the calendars of the metrics that use one.
        used = {s.version.calendar: self.calendars[s.version.calendar] for s in segments
                if metric_of(s.version.metric).reads == "tickets"}
        self._clocks = ensure_clocks(self.store, list(used.values()))
        # The units each metric reads; tickets always (the wide view's rows when no other kind is judged).
        kinds = dict.fromkeys(["tickets", *(metric_of(s.version.metric).reads for s in segments)])
        self._units = {k: UNITS[k] for k in kinds}
        # Before the read transaction starts: the exclusion switch may bring the duplicate flags up to date first.
        self._filters_sql = {k: u.filter_sql(self.filters, self.store) for k, u in self._units.items()}
        self._filter_sql = self._filters_sql["tickets"]
        self._cm = self.store.cursor()
        self.cur = self._cm.__enter__()
        self.cur.begin()
        try:
            lo, hi = self._bounds()
            self._relations = {k: u.prepare(self.cur, self.store, lo, hi, self.as_of, self.tz)
                               for k, u in self._units.items()}
            self._create_views(segments)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.cur.rollback()
        finally:
            self._cm.__exit__(None, None, None)

    def _bounds(self) -> tuple[datetime, datetime]:
        """The period as [lo, hi) of the units' period stamps; nothing after the as-of time counts."""
        lo, hi = period_bounds(self.start, self.end, self.tz)
        return lo, min(hi, self.as_of + timedelta(microseconds=1))

    def units_of(self, metric: str):
        """The Units a metric's rows come from (slacore.metric_defs.units)."""
        return UNITS[metric_of(metric).reads]

    def _segments(self) -> list[_Segment]:
        lo, hi = period_bounds(self.start, self.end, self.tz)
        hi = min(hi, self.as_of + timedelta(microseconds=1))  # tickets created after the as-of time do not count
        out, stored = [], all_versions(self.store)
        for position, target in enumerate(self.targets):
            history = stored.get(target.target_id, []) if target.target_id > 0 else [(target, BEGINNING)]
            for i, (version, effective) in enumerate(history):
                if version is None:  # retired from here on
                    continue
                # In force from its effective time until a LATER edit takes effect: the latest edit wins, so a
                # backdated version supersedes the ones saved before it and no ticket is judged twice.
                v_lo = BEGINNING if i == 0 else effective
                v_hi = min((e for _, e in history[i + 1:]), default=FOREVER)
                a, b = max(lo, v_lo), min(hi, v_hi)
                if a >= b:
                    continue
                if version.calendar not in self.calendars:
                    raise missing_calendar(self.store, version.name, version.calendar)
                out.append(_Segment(position, target, version if target.target_id > 0 else target, a, b))
        return out

    def _judge(self, version: Target) -> tuple[str, str]:
        metric = metric_of(version.metric)
        return metric.judge_sql(version, self._clocks.get(version.calendar), self.as_of)

    def _create_views(self, segments: list[_Segment]) -> None:
        self.filters.register_excluded(self.cur)
        slices = []
        for seg in segments:
            v = seg.version
            metric = metric_of(v.metric)
            units = metric.reads
            done, elapsed = self._judge(v)
            left = (f"CASE WHEN status = 2 THEN {float(v.within_s)} - coalesce(elapsed_s, 0) END" if metric.threshold
                    else "CAST(NULL AS DOUBLE)")
            slices.append(f"""
                SELECT rid, {seg.target.target_id} AS target_id, {v.version or 0} AS version,
                       {_lit(seg.target.name)} AS target, {_lit(seg.target.metric)} AS metric,
                       {seg.position} AS position, status::TINYINT AS status,
                       ['met', 'breached', 'pending', 'unmeasured'][status + 1] AS outcome, elapsed_s,
                       {left} AS left_s,
                       {float(v.within_s)} AS within_s, {float(v.goal)} AS goal, * EXCLUDE (rid, _done, status, elapsed_s)
                FROM (SELECT *, {metric.status_sql(v, '_done', 'elapsed_s')} AS status FROM (
                      SELECT {self._units[units].fields()}, {done} AS _done, ({elapsed})::DOUBLE AS elapsed_s
                      FROM {self._relations[units]} t
                      WHERE t.created_at >= {_ts(seg.lo)} AND t.created_at < {_ts(seg.hi)}
                        AND {_scope_sql(v)} AND {self._filters_sql[units]}))""")
        if not slices:  # no target in force: an empty view with the right columns
            slices.append(f"""SELECT NULL::BIGINT AS rid, 0 AS target_id, 0 AS version, '' AS target, '' AS metric,
                       0 AS position, 0::TINYINT AS status, '' AS outcome, 0.0 AS elapsed_s, 0.0 AS left_s,
                       0.0 AS within_s, 0.0 AS goal, * EXCLUDE (rid)
                       FROM (SELECT {self._units['tickets'].fields()} FROM tickets t) WHERE false""")
        self.cur.execute("CREATE TEMP VIEW o AS " + " UNION ALL ".join(slices))
        self.cur.register("_target_names", pd.DataFrame({
            "position": pd.Series(range(len(self.targets)), dtype="int64"),
            "target": pd.Series([t.name for t in self.targets], dtype=object),
            "metric": pd.Series([t.metric for t in self.targets], dtype=object)}))
        self.cur.execute("CREATE TEMP VIEW od AS SELECT * FROM o")
        self._create_wide_view(segments)

    def _create_wide_view(self, segments: list[_Segment]) -> None:
        """`_w`: one row per unit of the period with every target's status packed in BIGINT codes (5 per digit:
        the status, or 4 out of scope), so counting all targets by any grouping is one scan and one hash key.

        Units of several kinds (tickets, survey responses, uptime stretches) are one UNION ALL of the same
        columns; a target's status is out of scope (4) on the rows of another kind."""
        lo, hi = self._bounds()
        judges: dict[tuple, int] = {}  # one judged (done, value) pair per distinct way of judging
        judged_sql: dict[int, tuple[str, str]] = {}
        for seg in segments:
            v = seg.version
            key = (metric_of(v.metric).reads, v.calendar, v.metric, v.measure, tuple(v.pause))
            if key not in judges:
                judges[key] = len(judges)
                judged_sql[judges[key]] = self._judge(v)
        per_target: dict[int, list[str]] = {}
        for seg in segments:
            v = seg.version
            units = metric_of(v.metric).reads
            j = judges[(units, v.calendar, v.metric, v.measure, tuple(v.pause))]
            kind = f"_kind = {_lit(units)} AND " if len(self._units) > 1 else ""
            when = f"{kind}t.created_at >= {_ts(seg.lo)} AND t.created_at < {_ts(seg.hi)} AND {_scope_sql(v)}"
            per_target.setdefault(seg.position, []).append(
                f"WHEN {when} THEN {metric_of(v.metric).status_sql(v, f'_d{j}', f'_e{j}')}")
        codes = []
        for chunk in range(0, max(len(self.targets), 1), _CODE_CHUNK):
            # A target with no version in force in the period is out of scope (4) for every unit.
            terms = [(f"(CASE {' '.join(per_target[k])} ELSE 4 END)::BIGINT" if k in per_target else "4::BIGINT")
                     + f" * {_CODE_BASE ** (k - chunk)}"
                     for k in range(chunk, min(chunk + _CODE_CHUNK, len(self.targets)))]
            codes.append(f"({' + '.join(terms) or '0'})::BIGINT AS code{chunk // _CODE_CHUNK}")
        self._code_columns = [f"code{i}" for i in range(len(codes))]
        parts = []
        for kind, units in self._units.items():
            judged = []
            for (k, *_), j in judges.items():
                if k == kind:
                    done, value = judged_sql[j]
                    judged.append(f"{done} AS _d{j}, ({value})::DOUBLE AS _e{j}")
                else:
                    judged.append(f"CAST(NULL AS BOOLEAN) AS _d{j}, CAST(NULL AS DOUBLE) AS _e{j}")
            parts.append(f"""
                SELECT {units.fields()}{''.join(', ' + c for c in judged)}, {_lit(kind)} AS _kind
                FROM {self._relations[kind]} t
                WHERE t.created_at >= {_ts(lo)} AND t.created_at < {_ts(hi)} AND {self._filters_sql[kind]}""")
        self.cur.execute(f"""
            CREATE TEMP VIEW _w AS SELECT t.* EXCLUDE (t.rid), {', '.join(codes)}
            FROM ({' UNION ALL '.join(parts)}) t""")

    def sql(self, query: str, params: list | None = None) -> pd.DataFrame:
        """Run `query`, which may use `o` / `od` (one row per target and ticket, see the class docstring)."""
        return self.cur.execute(query, params).df()

    def status_counts(self, groupings: dict[str, list[str]], where: str = "true",
                      columns: dict[str, str] | None = None) -> dict[str, pd.DataFrame]:
        """Met / breached / pending / unmeasured per target and group, for several groupings in ONE scan.

        `groupings` maps a name to the columns it groups by (ticket dimensions, created_local, or a name from
        `columns`, which maps extra names to SQL over the ticket, e.g. {"part": "created_local >= DATE '…'"}).
        `where` narrows the tickets (SQL on the same columns). Each result has the group columns, then target,
        metric, position, met, breached, pending, unmeasured (groups with no ticket in a target's scope are absent).
        """
        columns = columns or {}
        # The same grouping asked for twice (under two names, or in another column order) is counted once.
        asked = dict(groupings)
        unique = {frozenset(cols): list(cols) for cols in asked.values()}
        groupings = {str(i): cols for i, cols in enumerate(unique.values())}
        names = list(dict.fromkeys(c for cols in groupings.values() for c in cols))
        select = names  # the extra columns are computed in the subquery below
        codes = ", ".join(self._code_columns)
        sets = [tuple(cols) for cols in groupings.values()]
        if len(sets) == 1:
            group = ", ".join([*sets[0], codes])
            grouping = "0 AS _set"
        else:
            group = "GROUPING SETS (" + ", ".join("(" + ", ".join([*cols, codes]) + ")" for cols in sets) + ")"
            grouping = f"GROUPING({', '.join(names)}) AS _set" if names else "0 AS _set"
        lead = "".join(f"{c}, " for c in select)
        chunk = "CASE r.k // {0} {1} END".format(
            _CODE_CHUNK, " ".join(f"WHEN {i} THEN g.{c}" for i, c in enumerate(self._code_columns)))
        powers = "[" + ", ".join(str(_CODE_BASE ** i) for i in range(_CODE_CHUNK)) + "]"
        # Packed codes are unpacked in SQL too: a cross join of the (small) grouped result with the target numbers.
        frame = self.cur.execute(f"""
            WITH g AS (
                SELECT {lead}{codes}, {grouping}, sum(weight)::BIGINT AS n
                FROM (SELECT *{''.join(f', ({expr}) AS {name}' for name, expr in columns.items())} FROM _w)
                WHERE {where} GROUP BY {group}
            ), u AS (
                SELECT g.*, r.k, ({chunk} // {powers}[r.k % {_CODE_CHUNK} + 1]) % {_CODE_BASE} AS s
                FROM g, range({len(self.targets)}) r(k)
            )
            SELECT u._set, {''.join(f'u.{c}, ' for c in select)}n.target, n.metric, u.k AS position,
                   {', '.join(f'coalesce(sum(u.n) FILTER (WHERE u.s = {i}), 0)::BIGINT AS {name}'
                              for i, name in enumerate(STATUS_NAMES))}
            FROM u JOIN _target_names n ON n.position = u.k WHERE u.s < 4
            GROUP BY ALL ORDER BY position{''.join(f', {c}' for c in select)}
        """).df()
        out = {}
        for name, cols in asked.items():
            cols = list(cols)
            mask = sum(1 << (len(names) - 1 - i) for i, c in enumerate(names) if c not in cols) if len(sets) > 1 else 0
            part = frame[frame["_set"] == mask]
            out[name] = part[[*cols, "target", "metric", "position", *STATUS_NAMES]].reset_index(drop=True)
        return out

    # -- the aggregates pages and the command line use ---------------------------------------------------------
    def summary(self, where: str = "true", counts: pd.DataFrame | None = None) -> pd.DataFrame:
        """Per target: met, breached, pending, attainment (percent), goal (percent), goal_met.

        `where` narrows the tickets (SQL on `o`'s ticket columns, e.g. one sub-period); every target keeps its row.
        `counts` is a status_counts() result with no group columns, when the caller already has it."""
        if counts is None:
            counts = self.status_counts({"all": []}, where)["all"]
        frame = pd.DataFrame({"name": pd.Series([t.name for t in self.targets], dtype=object),
                              "metric": pd.Series([t.metric for t in self.targets], dtype=object)})
        counts = counts.drop(columns=["metric", "position"]).rename(columns={"target": "name"})
        frame = frame.merge(counts.astype({"name": object}), on="name", how="left")
        for name in STATUS_NAMES:
            frame[name] = frame[name].fillna(0).astype("int64")
        goals = {t.name: t.goal for t in self.targets}
        frame["goal"] = (frame["name"].map(goals).astype(float) * 100).round(4)  # 0.57 * 100 is 56.99999999999999
        decided = frame["met"] + frame["breached"]
        exact = np.where(decided > 0, frame["met"] / decided.where(decided > 0, 1), np.nan)
        decimals = frame["metric"].map(lambda m: metric_of(m).precision)
        frame["attainment"] = [round(v, d) for v, d in zip(100 * exact, decimals)]
        # Decided on the exact share, not the rounded percent: 2 of 3 shows as 66.7 but misses a 66.7% goal.
        goal_share = frame["name"].map(goals).astype(float)
        frame["goal_met"] = np.where(decided > 0, exact >= goal_share - 1e-12, None)
        return frame[["name", "metric", "goal", "met", "breached", "pending", "unmeasured", "attainment", "goal_met"]]

    def _precision_sql(self) -> str:
        """The decimals of each target's attainment (its metric's `precision`) as SQL over `metric`."""
        cases = " ".join(f"WHEN {_lit(m)} THEN {metric_of(m).precision}"
                         for m in dict.fromkeys(t.metric for t in self.targets))
        return f"CASE metric {cases} ELSE 1 END" if cases else "1"

    def extras(self) -> dict[str, dict]:
        """{target name: the figures only its metric has} (Metric.summary_extra), for the targets that have any."""
        out = {}
        for target in self.targets:
            extra = metric_of(target.metric).summary_extra(self, target)
            if extra is not None:
                out[target.name] = extra
        return out

    def by_dimension(self, dimension: str, where: str = "true", counts: pd.DataFrame | None = None) -> pd.DataFrame:
        """Attainment per target and value of `dimension`; `where` narrows the tickets (SQL on `o`).

        `counts` is a status_counts() result grouped by `dimension`, when the caller already has it."""
        require_dimension(dimension)
        if counts is None:
            counts = self.status_counts({"dim": [dimension]}, where)["dim"]
        # A target whose units do not carry the dimension (uptime by team) has no groups, not one "(none)" group.
        grouped = {t.name for t in self.targets if dimension in self.units_of(t.metric).groupings}
        frame = counts[counts["target"].isin(grouped)].rename(columns={dimension: "value"})
        frame["value"] = frame["value"].astype(object).where(frame["value"].notna(), "(none)")
        decided = frame["met"] + frame["breached"]
        share = 100.0 * frame["met"] / decided.where(decided > 0)
        frame["attainment"] = [round(v, metric_of(m).precision) for v, m in zip(share, frame["metric"])]
        frame["goal"] = frame["target"].map({t.name: t.goal * 100 for t in self.targets})
        frame = frame.sort_values(["position", "value"])
        return frame[["target", "value", "met", "breached", "pending", "attainment", "goal"]].reset_index(drop=True)

    def by_period(self, grain: str = "week") -> pd.DataFrame:
        if grain not in ("day", "week", "month", "quarter"):
            raise ValueError(f"unknown period grain {grain}")
        return self.sql(f"""
            SELECT target, metric, date_trunc('{grain}', created_local)::DATE AS period,
                   coalesce(sum(weight) FILTER (WHERE status = 0), 0)::BIGINT AS met,
                   coalesce(sum(weight) FILTER (WHERE status = 1), 0)::BIGINT AS breached,
                   coalesce(sum(weight) FILTER (WHERE status = 2), 0)::BIGINT AS pending,
                   round(100.0 * coalesce(sum(weight) FILTER (WHERE status = 0), 0)
                         / nullif(sum(weight) FILTER (WHERE status IN (0, 1)), 0),
                         {self._precision_sql()})
                       AS attainment,
                   max(goal) * 100 AS goal, min(goal) * 100 AS goal_min,
                   quantile_cont(elapsed_s, 0.5) FILTER (WHERE status IN (0, 1)) AS p50_s,
                   quantile_cont(elapsed_s, 0.9) FILTER (WHERE status IN (0, 1)) AS p90_s
            FROM o GROUP BY target, metric, period, position ORDER BY position, period
        """)

    def tickets(self, target: str | None = None, outcome: str | None = None, where: dict | None = None,
                limit: int = 5000, cell: tuple | None = None) -> pd.DataFrame:
        """The tickets behind a number (drill-down), newest first.

        `cell` = (weekday "Mon".."Sun", hour) narrows to a heat-map cell: creation in the workspace time zone."""
        clauses, params = ["1=1"], []
        if cell:
            clauses.append("isodow(created_local) = ? AND hour(created_local) = ?")
            params.extend([("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun").index(cell[0]) + 1, int(cell[1])])
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
            FROM od WHERE status = 2 AND left_s IS NOT NULL AND {where} ORDER BY left_s, created_at LIMIT {int(limit)}
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
