"""Uptime from incident logs and monitor check logs: time "units" per service and local day, all in DuckDB SQL.

`build_units(cur, lo, hi, as_of, tz)` makes a TEMP table of units over [lo, hi): contiguous pieces of one service's
time in one state, never crossing a local midnight of `tz`, so any period of whole local days sums exactly.

Semantics (also in the README, "Uptime"):
- Downtime of a service = the union of its unplanned incidents with `down` true (overlaps counted once) and of its
  failed check intervals. An open incident (ended_at NULL) runs to `as_of`. Incidents with `down` false (Statuspage
  impact 'none', a notice) are listed nowhere as downtime.
- Planned maintenance (`planned` and `down`) is state 'planned'; time that is both planned and unplanned-down is
  'down' (the outage overran or hit during the window: it still counts).
- Coverage (what we know): a service with monitor checks is known only inside its checks' intervals; check i covers
  [t_i, min(t_{i+1}, t_i + max gap)) in its own state (max gap: the `max_check_gap_s` parameter, else the setting
  'uptime_max_check_gap_s', else 3 x the service's median check interval, else DEFAULT_CHECK_GAP_S for a single
  check); beyond that the time is 'unknown' (a stopped monitor is not up). A service known only from incident logs
  is 'up' from the start of the log (imports.covers_from, else the local midnight of the log's first record) to `hi`.
- A service's units run from the start of what we know of it (the earliest log start, first check or outage, not
  before `lo`) to `hi`: per (service, day) the seconds of up + down + planned + unknown add up to that covered part.
- Time stamps are cut to whole seconds first, so every sum is exact in BIGINT seconds. The caller cuts `hi` at the
  as-of time.

The heavy part runs as one SQL statement in epoch seconds (integers, no calendar arithmetic per row): a sweep over
start/end events (+1/-1 per state) with window sums, then gaps-and-islands to join pieces into units.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

import pandas as pd

from .store import Store

UNITS_TABLE = "uptime_units"
GAP_SETTING_KEY = "uptime_max_check_gap_s"
# One check alone has no interval to take a median of: five minutes, the common monitor interval (UptimeRobot free).
DEFAULT_CHECK_GAP_S = 300
# An outage lasting longer than this is almost always an incident nobody closed (data quality, not an outage).
LONG_OUTAGE_S = 30 * 86400
STATES = ("up", "down", "planned", "unknown")


@contextmanager
def _cursor(store_or_cur) -> Iterator:
    if isinstance(store_or_cur, Store):
        with store_or_cur.cursor() as cur:
            yield cur
    else:
        yield store_or_cur


def _epoch(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp() // 1)


def setting_gap_s(cur) -> float | None:
    row = cur.execute("SELECT value FROM settings WHERE key = ?", [GAP_SETTING_KEY]).fetchone()
    if not row or row[0] is None:
        return None
    try:
        value = float(json.loads(row[0]))
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def _params_cte(cur, lo_s: int, hi_s: int, as_of_s: int, tz: str, max_check_gap_s: float | None) -> tuple[str, list]:
    gap_setting = setting_gap_s(cur)
    sql = ("p AS (SELECT ?::BIGINT AS lo, ?::BIGINT AS hi, ?::BIGINT AS as_of, ?::VARCHAR AS tz, "
           "?::DOUBLE AS gap_override, ?::DOUBLE AS gap_setting)")
    return sql, [lo_s, hi_s, as_of_s, tz, max_check_gap_s, gap_setting]


# Intervals in epoch seconds, ends cut at as_of, starting before hi. Episodes merge on these uncut-by-window
# intervals, so an outage crossing a period boundary is one episode with one length on both sides.
_INTERVALS_SQL = """
inc AS (
    SELECT i.source, i.service, i.incident_id, i.planned, i.down, i.title, i.import_id,
           floor(epoch(i.started_at))::BIGINT AS s,
           least(floor(epoch(coalesce(i.ended_at, to_timestamp(p.as_of))))::BIGINT, p.as_of) AS e,
           i.ended_at IS NULL AS open
    FROM incidents i, p
    WHERE i.started_at < to_timestamp(p.hi)
),
chk_raw AS (
    SELECT c.source, c.service, floor(epoch(c.checked_at))::BIGINT AS t, c.up, c.status_text
    FROM checks c, p WHERE c.checked_at < to_timestamp(p.hi)
),
gaps AS (
    SELECT service, coalesce(any_value(p.gap_override), any_value(p.gap_setting),
                             3 * median(d) FILTER (WHERE d > 0), ?::DOUBLE)::BIGINT AS gap_s
    FROM (SELECT service, t - lag(t) OVER (PARTITION BY service ORDER BY t) AS d FROM chk_raw), p
    GROUP BY service
),
chk AS (
    SELECT c.source, c.service, c.up, c.status_text, c.t AS s,
           least(lead(c.t) OVER (PARTITION BY c.service ORDER BY c.t, c.up DESC), c.t + g.gap_s, p.as_of) AS e
    FROM chk_raw c JOIN gaps g USING (service), p
),
down_raw AS (
    SELECT service, source, incident_id, title, NULL AS check_text, s, e, open, 0 AS failed_checks
    FROM inc WHERE down AND NOT planned AND e > s
    UNION ALL
    SELECT service, source, NULL, NULL, nullif(trim(status_text), ''), s, e, false, 1 FROM chk WHERE NOT up AND e > s
),
planned_raw AS (
    SELECT service, source, incident_id, title, NULL AS check_text, s, e, open, 0 AS failed_checks
    FROM inc WHERE down AND planned AND e > s
),
"""


def _episodes_sql(raw: str, name: str) -> str:
    """Merge overlapping or touching intervals of one service into numbered episodes (gaps and islands)."""
    return f"""
{name}_marked AS (
    SELECT *, CASE WHEN max(e) OVER (PARTITION BY service ORDER BY s, e
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) >= s THEN 0 ELSE 1 END AS brk
    FROM {raw}
),
{name}_numbered AS (
    SELECT *, sum(brk) OVER (PARTITION BY service ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS ep FROM {name}_marked
),
{name} AS (
    SELECT service, ep, min(s) AS s, max(e) AS e, arg_min(source, s) AS source,
           string_agg(DISTINCT incident_id, ', ' ORDER BY incident_id) AS incident_ids,
           arg_min(title, s) FILTER (WHERE title IS NOT NULL) AS title,
           arg_min(check_text, s) FILTER (WHERE check_text IS NOT NULL) AS check_text,
           sum(failed_checks)::BIGINT AS failed_checks,
           bool_or(open) AS open
    FROM {name}_numbered GROUP BY service, ep
),
"""


def _with(cur, lo: datetime, hi: datetime, as_of: datetime, tz: str, max_check_gap_s: float | None):
    hi = min(hi, as_of)  # nothing is known after the as-of time (the caller normally cuts it already)
    params_sql, params = _params_cte(cur, _epoch(lo), _epoch(hi), _epoch(as_of), tz, max_check_gap_s)
    sql = ("WITH " + params_sql + "," + _INTERVALS_SQL + _episodes_sql("down_raw", "down_eps")
           + _episodes_sql("planned_raw", "planned_eps"))
    return sql, params + [DEFAULT_CHECK_GAP_S]


_DETAIL_SQL = """
CASE WHEN {sec} < 60 THEN {sec}::VARCHAR || ' s' ELSE round({sec} / 60.0)::BIGINT::VARCHAR || ' min' END
"""


def _what(alias: str) -> str:
    """The episode's words: its first incident's title, else what the failed checks said."""
    return (f"coalesce({alias}.title, CASE WHEN {alias}.failed_checks > 0 THEN {alias}.failed_checks::VARCHAR || "
            f"' failed check' || CASE WHEN {alias}.failed_checks > 1 THEN 's' ELSE '' END "
            f"|| coalesce(' (' || {alias}.check_text || ')', '') END, 'no description')")


def build_units(cur, lo: datetime, hi: datetime, as_of: datetime, tz: str, *,
                max_check_gap_s: float | None = None) -> str:
    """Create (or replace) the TEMP table of uptime units over [lo, hi) on `cur` and return its name.

    Columns: service, source, created_at (unit start), created_local (the same in `tz`), state ('up' | 'down' |
    'planned' | 'unknown'), seconds, detail ('down 37 min: API latency above 10s'), incident_id (NULL for up time).
    """
    head, params = _with(cur, lo, hi, as_of, tz, max_check_gap_s)
    sec = "(ep_e - ep_s)"
    sql = head + f"""
-- what each log says it covers: incident logs from covers_from (else the local midnight of their first record)
logs AS (
    SELECT inc.source, inc.import_id, any_value(im.covers_from) AS covers_from, min(inc.s) AS first_s
    FROM inc LEFT JOIN imports im ON im.import_id = inc.import_id
    GROUP BY inc.source, inc.import_id
),
log_starts AS (
    SELECT source, import_id,
           CASE WHEN covers_from IS NOT NULL THEN least(floor(epoch(covers_from))::BIGINT, first_s)
                ELSE floor(epoch(timezone(p.tz, date_trunc('day', timezone(p.tz, to_timestamp(first_s))))))::BIGINT
           END AS start_s
    FROM logs, p
),
inc_services AS (
    SELECT i.service, min(l.start_s) AS cov_s, arg_min(i.source, l.start_s) AS source
    FROM (SELECT DISTINCT service, source, import_id FROM inc) i
    JOIN log_starts l ON l.source = i.source AND l.import_id IS NOT DISTINCT FROM i.import_id
    GROUP BY i.service
),
chk_services AS (
    SELECT service, min(s) AS first_s, min(source) AS source FROM chk GROUP BY service
),
services AS (
    SELECT service,
           greatest(least(i.cov_s, c.first_s, d.first_s), p.lo) AS span_s, p.hi AS span_e,
           coalesce(c.source, i.source) AS source, c.service IS NOT NULL AS has_checks
    FROM inc_services i FULL JOIN chk_services c USING (service)
    LEFT JOIN (SELECT service, min(s) AS first_s FROM down_raw GROUP BY service) d USING (service), p
),
spans AS (SELECT * FROM services WHERE span_s < span_e),
-- coverage: check intervals for services with checks, the whole span for the others
cov AS (
    SELECT c.service, greatest(c.s, p.lo) AS s, least(c.e, p.hi) AS e FROM chk c, p
    WHERE c.e > p.lo AND c.s < p.hi
    UNION ALL
    SELECT service, span_s, span_e FROM spans WHERE NOT has_checks
),
-- local midnights inside each span (the day marks), and the day each span starts in
days AS (
    SELECT floor(epoch(timezone(p.tz, d::TIMESTAMP)))::BIGINT AS midnight
    FROM p, (SELECT min(span_s) AS a, max(span_e) AS b FROM spans) r,
         generate_series(date_trunc('day', timezone(p.tz, to_timestamp(r.a))),
                         date_trunc('day', timezone(p.tz, to_timestamp(r.b))) + INTERVAL 1 DAY, INTERVAL 1 DAY) g(d)
    WHERE r.a IS NOT NULL
),
span_days AS (
    SELECT sp.service, max(d.midnight) FILTER (WHERE d.midnight <= sp.span_s) AS first_day
    FROM spans sp, days d GROUP BY sp.service
),
ev AS (
    SELECT service, greatest(s, p.lo) AS t, 1 AS dd, 0 AS dp, 0 AS dc, ep AS dep, NULL::BIGINT AS pep,
           NULL::BIGINT AS day FROM down_eps, p WHERE e > p.lo AND s < p.hi
    UNION ALL SELECT service, least(e, p.hi), -1, 0, 0, NULL, NULL, NULL FROM down_eps, p WHERE e > p.lo AND s < p.hi
    UNION ALL SELECT service, greatest(s, p.lo), 0, 1, 0, NULL, ep, NULL FROM planned_eps, p WHERE e > p.lo AND s < p.hi
    UNION ALL SELECT service, least(e, p.hi), 0, -1, 0, NULL, NULL, NULL FROM planned_eps, p WHERE e > p.lo AND s < p.hi
    UNION ALL SELECT service, s, 0, 0, 1, NULL, NULL, NULL FROM cov WHERE e > s
    UNION ALL SELECT service, e, 0, 0, -1, NULL, NULL, NULL FROM cov WHERE e > s
    UNION ALL SELECT sp.service, sp.span_s, 0, 0, 0, NULL, NULL, sd.first_day
        FROM spans sp JOIN span_days sd USING (service)
    UNION ALL SELECT service, span_e, 0, 0, 0, NULL, NULL, NULL FROM spans
    UNION ALL SELECT sp.service, d.midnight, 0, 0, 0, NULL, NULL, d.midnight
        FROM spans sp JOIN days d ON d.midnight > sp.span_s AND d.midnight < sp.span_e
),
pts AS (
    SELECT service, t, sum(dd) AS dd, sum(dp) AS dp, sum(dc) AS dc, max(dep) AS dep, max(pep) AS pep, max(day) AS day
    FROM ev GROUP BY service, t
),
seg AS (
    SELECT service, t AS s, lead(t) OVER (PARTITION BY service ORDER BY t) AS e,
           sum(dd) OVER w AS nd, sum(dp) OVER w AS np, sum(dc) OVER w AS nc,
           max(dep) OVER w AS cur_dep, max(pep) OVER w AS cur_pep, max(day) OVER w AS day
    FROM pts
    WINDOW w AS (PARTITION BY service ORDER BY t ROWS UNBOUNDED PRECEDING)
),
seg_state AS (
    SELECT seg.service, seg.s, seg.e, seg.day,
           CASE WHEN nd > 0 THEN 'down' WHEN np > 0 THEN 'planned' WHEN nc > 0 THEN 'up' ELSE 'unknown' END AS state,
           CASE WHEN nd > 0 THEN cur_dep WHEN np > 0 THEN cur_pep END AS ep
    FROM seg JOIN spans sp USING (service)
    WHERE seg.e IS NOT NULL AND seg.s >= sp.span_s AND seg.e <= sp.span_e AND seg.e > seg.s
),
seg_marked AS (
    SELECT *, CASE WHEN lag(state) OVER w = state AND lag(day) OVER w = day AND lag(ep) OVER w IS NOT DISTINCT FROM ep
                   AND lag(e) OVER w = s THEN 0 ELSE 1 END AS brk
    FROM seg_state WINDOW w AS (PARTITION BY service ORDER BY s)
),
seg_units AS (
    SELECT service, state, ep, min(s) AS s, sum(e - s)::BIGINT AS seconds
    FROM (SELECT *, sum(brk) OVER (PARTITION BY service ORDER BY s ROWS UNBOUNDED PRECEDING) AS unit FROM seg_marked)
    GROUP BY service, unit, state, ep
),
units AS (
    SELECT u.service, u.state, u.s, u.seconds, sp.source AS service_source, sp.has_checks,
           CASE u.state WHEN 'down' THEN de.source WHEN 'planned' THEN pe.source END AS ep_source,
           CASE u.state WHEN 'down' THEN de.incident_ids WHEN 'planned' THEN pe.incident_ids END AS incident_ids,
           CASE u.state WHEN 'down' THEN de.title WHEN 'planned' THEN pe.title END AS title,
           CASE u.state WHEN 'down' THEN de.check_text END AS check_text,
           CASE u.state WHEN 'down' THEN de.failed_checks WHEN 'planned' THEN pe.failed_checks END AS failed_checks,
           CASE u.state WHEN 'down' THEN de.open WHEN 'planned' THEN pe.open END AS open,
           CASE u.state WHEN 'down' THEN de.s WHEN 'planned' THEN pe.s END AS ep_s,
           CASE u.state WHEN 'down' THEN de.e WHEN 'planned' THEN pe.e END AS ep_e
    FROM seg_units u JOIN spans sp USING (service)
    LEFT JOIN down_eps de ON u.state = 'down' AND de.service = u.service AND de.ep = u.ep
    LEFT JOIN planned_eps pe ON u.state = 'planned' AND pe.service = u.service AND pe.ep = u.ep
)
SELECT u.service::TEXT AS service, coalesce(u.ep_source, u.service_source)::TEXT AS source,
       to_timestamp(u.s) AS created_at, timezone(p.tz, to_timestamp(u.s)) AS created_local,
       u.state::TEXT AS state, u.seconds::BIGINT AS seconds,
       (CASE u.state
            WHEN 'down' THEN 'down ' || {_DETAIL_SQL.format(sec=sec).strip()}
                             || CASE WHEN u.open THEN ' (still open)' ELSE '' END || ': ' || {_what('u')}
            WHEN 'planned' THEN 'planned maintenance ' || {_DETAIL_SQL.format(sec=sec).strip()}
                             || CASE WHEN u.open THEN ' (still open)' ELSE '' END || ': ' || {_what('u')}
            WHEN 'unknown' THEN CASE WHEN u.has_checks THEN 'no check data: the monitor was silent or not yet running'
                                     ELSE 'not covered by any log' END
        END)::TEXT AS detail,
       u.incident_ids::TEXT AS incident_id
FROM units u, p
ORDER BY service, created_at
"""
    cur.execute(f"CREATE OR REPLACE TEMP TABLE {UNITS_TABLE} AS " + sql, params)
    return UNITS_TABLE


def outages(store_or_cur, lo: datetime, hi: datetime, as_of: datetime, service: str | None = None, *,
            max_check_gap_s: float | None = None) -> pd.DataFrame:
    """Merged episodes overlapping [lo, hi): unplanned downtime (incidents and runs of failed checks, overlaps
    joined) and planned maintenance, each with its whole start and end (an open one runs to `as_of`)."""
    with _cursor(store_or_cur) as cur:
        head, params = _with(cur, lo, hi, as_of, "UTC", max_check_gap_s)
        sql = head + f"""
eps AS (
    SELECT *, false AS planned FROM down_eps UNION ALL SELECT *, true AS planned FROM planned_eps
)
SELECT service::TEXT AS service, source::TEXT AS source, to_timestamp(s) AS started_at,
       CASE WHEN open THEN NULL ELSE to_timestamp(e) END AS ended_at, open,
       round((e - s) / 60.0, 1) AS minutes,
       round((least(e, p.hi) - greatest(s, p.lo)) / 60.0, 1) AS minutes_in_range,
       planned, {_what('eps')}::TEXT AS title, incident_ids::TEXT AS incident_ids, failed_checks
FROM eps, p
WHERE e > p.lo AND s < p.hi AND (?::VARCHAR IS NULL OR service = ?::VARCHAR)
ORDER BY started_at, service
"""
        return cur.execute(sql, params + [service, service]).df()


def allowed_downtime_s(goal: float, period_s: float) -> float:
    """Seconds of downtime a goal allows in a period: 99.9% (0.999 or 99.9) of 30 days is 2592 s (43.2 min)."""
    share = goal / 100.0 if goal > 1 else goal
    return (1.0 - share) * period_s


def credit_owed(attainment_share: float, schedule) -> float:
    """The service credit owed: the highest credit among the tiers whose `below` the attainment is under (0 if none).

    `schedule`: [(below_share, credit_share), ...], e.g. [(0.999, 0.10), (0.99, 0.25)]; 99.5% owes 10%, 98% owes 25%.
    """
    owed = 0.0
    for below, credit in schedule:
        if attainment_share < below:
            owed = max(owed, credit)
    return owed


def mtta_mttr(store_or_cur, lo: datetime | None = None, hi: datetime | None = None,
              service: str | None = None) -> dict:
    """Mean time to acknowledge and to resolve (minutes) of unplanned incidents started in [lo, hi).

    MTTA over incidents with an acknowledgement time, MTTR over resolved ones; counts say how many each is of.
    """
    lo = lo or datetime(1, 1, 1, tzinfo=timezone.utc)
    hi = hi or datetime(9999, 1, 1, tzinfo=timezone.utc)
    with _cursor(store_or_cur) as cur:
        row = cur.execute(
            """SELECT count(*),
                      avg(epoch(acknowledged_at) - epoch(started_at)) FILTER (WHERE acknowledged_at >= started_at),
                      count(*) FILTER (WHERE acknowledged_at >= started_at),
                      avg(epoch(ended_at) - epoch(started_at)) FILTER (WHERE ended_at >= started_at),
                      count(*) FILTER (WHERE ended_at >= started_at)
               FROM incidents
               WHERE NOT planned AND started_at >= ? AND started_at < ? AND (?::VARCHAR IS NULL OR service = ?)""",
            [lo, hi, service, service]).fetchone()
    incidents, mtta_s, acknowledged, mttr_s, resolved = row
    return {"incidents": int(incidents),
            "mtta_min": None if mtta_s is None else round(mtta_s / 60.0, 1), "acknowledged": int(acknowledged),
            "mttr_min": None if mttr_s is None else round(mttr_s / 60.0, 1), "resolved": int(resolved)}


def problems(store_or_cur, as_of: datetime | None = None, limit: int = 20) -> list[dict]:
    """Data-quality checks that skew uptime: outages ending before they start (the import rejected them), outages
    over 30 days and monitors that went silent.

    Each: {"check", "label", "count", "examples" (a small DataFrame), "explanation"}. A silent monitor: its last
    check is more than its max gap (as build_units uses it) before the newest check of the same log, so its end is
    'unknown'.
    """
    as_of = as_of or datetime.now(timezone.utc)
    with _cursor(store_or_cur) as cur:
        long = cur.execute(
            f"""SELECT source, incident_id, service, started_at, ended_at, title,
                       round((epoch(coalesce(ended_at, ?::TIMESTAMPTZ)) - epoch(started_at)) / 86400.0, 1) AS days
                FROM incidents WHERE epoch(coalesce(ended_at, ?::TIMESTAMPTZ)) - epoch(started_at) > {LONG_OUTAGE_S}
                ORDER BY days DESC, source, incident_id""", [as_of, as_of]).df()
        gap_setting = setting_gap_s(cur)
        silent = cur.execute(
            """WITH c AS (
                   SELECT source, import_id, service, floor(epoch(checked_at))::BIGINT AS t FROM checks),
               d AS (SELECT service, t - lag(t) OVER (PARTITION BY service ORDER BY t) AS d FROM c),
               g AS (SELECT service, coalesce(?::DOUBLE, 3 * median(d) FILTER (WHERE d > 0), ?::DOUBLE) AS gap_s
                     FROM d GROUP BY service),
               last AS (SELECT source, import_id, service, max(t) AS last_t FROM c GROUP BY ALL),
               newest AS (SELECT source, import_id, max(t) AS newest_t FROM c GROUP BY ALL)
               SELECT l.source, l.service, to_timestamp(l.last_t) AS last_check, to_timestamp(n.newest_t) AS log_ends,
                      round((n.newest_t - l.last_t) / 3600.0, 1) AS silent_hours
               FROM last l JOIN newest n ON n.source = l.source AND n.import_id IS NOT DISTINCT FROM l.import_id
               JOIN g USING (service)
               WHERE n.newest_t - l.last_t > g.gap_s
               ORDER BY silent_hours DESC, l.source, l.service""",
            [gap_setting, DEFAULT_CHECK_GAP_S]).df()
        backwards = cur.execute(
            """SELECT i.source, i.file_name, r.row_number, r.reason, r.raw
               FROM rejected_rows r JOIN imports i USING (import_id)
               WHERE i.kind = 'incidents' AND starts_with(r.reason, 'end before start')
               ORDER BY i.import_id, r.row_number""").df()
    return [
        {"check": "end_before_start", "label": "Outages ending before they start (rejected at import)",
         "count": len(backwards), "examples": backwards.head(limit),
         "explanation": "The log says the outage ended before it started (swapped columns or a time-zone mix-up): "
                        "the row was rejected, so its downtime is missing. Fix the row in the source and import "
                        "again."},
        {"check": "long_outage", "label": "Outages lasting over 30 days", "count": len(long),
         "examples": long.head(limit),
         "explanation": "An outage open or lasting more than 30 days is almost always an incident nobody closed: "
                        "it eats the whole error budget. Close it in the source and import again."},
        {"check": "silent_monitor", "label": "Monitors that went silent", "count": len(silent),
         "examples": silent.head(limit),
         "explanation": "The monitor's checks stop well before the end of its log: the time after its last check "
                        "is unknown (neither up nor down), not up."},
    ]
