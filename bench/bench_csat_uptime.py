"""CSAT and uptime through the engine at 1M survey responses and 100k outages, beside plain DuckDB aggregates.

    python bench/bench_csat_uptime.py [--surveys 1000000] [--outages 100000] [--keep]

Generated in DuckDB into a fresh database file (13 months, 2025-11-01 to 2026-11-30): survey responses on mixed
scales (good/bad 0..1, 1-5, 0-10; ~10% offered but not answered; ~70% linked to one of ~300k tickets), and outages
of 20 services (log-normal lengths, so they overlap and cross midnights and month ends; 5% planned, 5% not down, three
still open), with one import row per source (the outage log's covers_from at the first day). Targets: CSAT 85%,
uptime 99.9% over every service with a credit schedule, and uptime 99.9% of service S1.

Measured, three times each (min–max), at the as-of time 2026-12-01 00:00 UTC:
- CSAT: `metrics.summarize` (every target: what `summary` computes) over the last 3 months and over all 13, and an
  `Evaluation` of the CSAT target alone + `.summary()`, beside one plain DuckDB aggregate over the same survey rows
  (satisfied and answered counts with the top-two-box rule);
- uptime: `uptime.build_units` alone, an `Evaluation` of the two uptime targets + `.summary()`, its `.extras()`
  (error budget and credits per month) and `budget.burn`, beside one plain DuckDB aggregate over the incidents (the
  sum of each outage's clipped length per service, no merging of overlaps, no stretches);
- the whole `python -m slacore summary --json` process over the last 3 months, beside a whole Python process that
  opens the file with DuckDB and counts the survey rows.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

UTC = timezone.utc
FIRST, LAST = date(2025, 11, 1), date(2026, 11, 30)  # 13 whole months
AS_OF = datetime(2026, 12, 1, tzinfo=UTC)
RECENT = date(2026, 9, 1)  # the last 3 months
SERVICES = 20
TARGETS_YAML = """targets:
  - {name: CSAT, metric: csat, goal: 85%}
  - name: Uptime (every service)
    metric: uptime
    goal: 99.9%
    credits: [{below: 99.9%, credit: 10%}, {below: 99%, credit: 25%}]
  - {name: Uptime S1, metric: uptime, where: {service: S1}, goal: 99.9%}
"""


def _times(fn, repeat: int = 3) -> tuple[list[float], object]:
    out, value = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        out.append(time.perf_counter() - t0)
    return out, value


def _wall(argv: list[str], repeat: int = 3) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(argv, cwd=REPO, check=True, capture_output=True)
        out.append(time.perf_counter() - t0)
    return out


def generate(db: Path, surveys: int, outages: int) -> tuple[float, int]:
    """Fill a fresh store; returns (seconds, tickets)."""
    from slacore.auth import SYSTEM, acting_as
    from slacore.sla_yaml import apply_yaml
    from slacore.store import Store

    tickets = max(1, int(surveys * 0.3))
    span_s = (AS_OF - datetime(FIRST.year, FIRST.month, FIRST.day, tzinfo=UTC)).total_seconds()
    t0 = time.perf_counter()
    store = Store(db)
    with acting_as(SYSTEM):
        with store.transaction() as cur:
            cur.execute("SELECT setseed(0.17)")
            for import_id, kind, source, rows in ((1, "tickets", "desk", tickets), (2, "surveys", "survey", surveys),
                                                  (3, "incidents", "status", outages)):
                cur.execute("INSERT INTO imports (import_id, kind, file_name, sha256, format, source, timezone, "
                            "rows_read, loaded, updated, rejected, duplicates, started_at, finished_at, covers_from) "
                            "VALUES (?, ?, 'generated', '-', 'generic', ?, 'UTC', ?, ?, 0, 0, 0, now(), now(), ?)",
                            [import_id, kind, source, rows, rows,
                             datetime(FIRST.year, FIRST.month, FIRST.day, tzinfo=UTC) if kind == "incidents" else None])
            cur.execute(f"""
                INSERT INTO tickets (source, ticket_id, created_at, resolved_at, team, priority, agent_replies,
                                     reopens, import_id)
                SELECT 'desk', CAST(i AS VARCHAR), created,
                       CASE WHEN r < 0.97 THEN created + to_microseconds(CAST(3600e6 * (1 + 48 * random()) AS BIGINT))
                       END,
                       'Team ' || (i % 8), ['urgent', 'high', 'normal', 'low'][1 + (i % 4)], CAST(1 + i % 4 AS INT),
                       CAST(r < 0.05 AS INT), 1
                FROM (SELECT i, random() AS r,
                             TIMESTAMPTZ '{FIRST.isoformat()} 00:00:00+00'
                             + to_microseconds(CAST((i / {tickets}::DOUBLE) * {span_s - 2 * 86400} * 1e6 AS BIGINT))
                                 AS created
                      FROM range({tickets}) t(i))""")
            # Scales by i % 3: good/bad (0..1), 1-5, 0-10; ratings skewed towards the top.
            cur.execute(f"""
                INSERT INTO surveys (source, response_id, ticket_id, rated_at, offered_at, answered, rating, scale_min,
                                     scale_max, scale, label, comment, import_id)
                SELECT 'survey', CAST(i AS VARCHAR),
                       CASE WHEN r1 < 0.7 THEN CAST((i * 7919) % {tickets} AS VARCHAR) END,
                       rated, rated - INTERVAL 1 HOUR, r2 >= 0.1,
                       CASE WHEN r2 < 0.1 THEN NULL
                            WHEN i % 3 = 0 THEN CAST(r3 < 0.86 AS DOUBLE)
                            WHEN i % 3 = 1 THEN least(5, 1 + floor(5 * sqrt(r3)))
                            ELSE least(10, floor(11 * sqrt(r3))) END,
                       [0, 1, 0][1 + i % 3]::DOUBLE, [1, 5, 10][1 + i % 3]::DOUBLE,
                       ['good/bad', '1-5', '0-10'][1 + i % 3],
                       CASE WHEN i % 3 = 0 AND r2 >= 0.1 THEN CASE WHEN r3 < 0.86 THEN 'good' ELSE 'bad' END END,
                       CASE WHEN r4 < 0.2 THEN 'Comment ' || (i % 97) END, 2
                FROM (SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                             TIMESTAMPTZ '{FIRST.isoformat()} 00:00:00+00'
                             + to_microseconds(CAST(random() * {span_s - 60} * 1e6 AS BIGINT)) AS rated
                      FROM range({surveys}) t(i))""")
            # Log-normal lengths (median 4 min, a long tail into hours): overlaps within a service, midnights and
            # month ends crossed; three open outages in the last week.
            cur.execute(f"""
                INSERT INTO incidents (source, incident_id, service, started_at, ended_at, acknowledged_at, planned,
                                       down, severity, status, title, import_id)
                SELECT 'status', CAST(i AS VARCHAR), 'S' || (1 + i % {SERVICES}), started,
                       CASE WHEN i >= 3 THEN started + to_microseconds(CAST(
                           60e6 * exp(ln(4) + 1.3 * sqrt(-2 * ln(greatest(r1, 1e-9))) * cos(2 * pi() * r2))
                           AS BIGINT)) END,
                       started + INTERVAL 2 MINUTE, r3 < 0.05, NOT (r3 >= 0.05 AND r3 < 0.10),
                       ['minor', 'major', 'critical'][1 + i % 3], CASE WHEN i >= 3 THEN 'resolved' ELSE 'open' END,
                       'Outage ' || (i % 50), 3
                FROM (SELECT i, random() AS r1, random() AS r2, random() AS r3,
                             CASE WHEN i < 3 THEN TIMESTAMPTZ '2026-11-25 00:00:00+00' + to_microseconds(i * 3600e6::BIGINT)
                                  ELSE TIMESTAMPTZ '{FIRST.isoformat()} 00:00:00+00'
                                       + to_microseconds(CAST(random() * {span_s - 60} * 1e6 AS BIGINT)) END AS started
                      FROM range({outages}) t(i))""")
        apply_yaml(store, TARGETS_YAML, author="bench")
    store.close()
    return time.perf_counter() - t0, tickets


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    from slacore.scope import period_bounds

    lo, hi = period_bounds(start, end, "UTC")
    return lo, min(hi, AS_OF)


def csat_baseline(store, start: date, end: date):
    lo, hi = _bounds(start, end)
    with store.cursor() as cur:
        return cur.execute("""
            SELECT count(*) FILTER (WHERE answered AND CASE WHEN scale_max - scale_min <= 1 THEN rating >= scale_max
                                                           ELSE rating > scale_max - 2 END),
                   count(*) FILTER (WHERE answered), count(*)
            FROM surveys WHERE rated_at >= ? AND rated_at < ?""", [lo, hi]).fetchone()


def uptime_baseline(store, start: date, end: date):
    lo, hi = _bounds(start, end)
    with store.cursor() as cur:
        return cur.execute("""
            SELECT service, sum(epoch(least(coalesce(ended_at, ?::TIMESTAMPTZ), ?::TIMESTAMPTZ))
                                - epoch(greatest(started_at, ?::TIMESTAMPTZ))) AS down_s
            FROM incidents
            WHERE down AND NOT planned AND started_at < ? AND coalesce(ended_at, ?::TIMESTAMPTZ) > ?
            GROUP BY service""", [AS_OF, hi, lo, hi, AS_OF, lo]).fetchall()


def units_only(store, start: date, end: date) -> int:
    from slacore import uptime

    lo, hi = _bounds(start, end)
    with store.cursor() as cur:
        cur.begin()
        try:
            table = uptime.build_units(cur, lo, hi, AS_OF, "UTC")
            return cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            cur.rollback()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--surveys", type=int, default=1_000_000)
    parser.add_argument("--outages", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated database (its path is printed)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-csat-uptime-"))
    db = work / "bench.duckdb"
    made, tickets = generate(db, args.surveys, args.outages)
    print(f"{args.surveys:,} survey responses, {tickets:,} tickets, {args.outages:,} outages of {SERVICES} services "
          f"generated in {made:.1f} s ({db})", flush=True)

    from slacore.auth import SYSTEM, acting_as
    from slacore.budget import burn
    from slacore.metrics import Evaluation, summarize
    from slacore.store import Store
    from slacore.targets import current_targets

    rows: list[tuple[str, list[float], str, list[float]]] = []  # figure, times, baseline name, baseline times
    periods = {"3 months": (RECENT, LAST), "13 months": (FIRST, LAST)}
    with acting_as(SYSTEM):
        store = Store(db)
        targets = {t.name: t for t in current_targets(store)}
        csat = [targets["CSAT"]]
        ups = [targets["Uptime (every service)"], targets["Uptime S1"]]
        notes = []
        for label, (start, end) in periods.items():
            base, counts = _times(lambda: csat_baseline(store, start, end))
            name = f"one DuckDB aggregate over the surveys, {label}"
            t, frame = _times(lambda: summarize(store, start, end, AS_OF))
            rows.append((f"summarize (every target), {label}", t, name, base))
            t, one = _times(lambda: _summary(store, csat, start, end))
            rows.append((f"CSAT: Evaluation([CSAT]) + summary, {label}", t, name, base))
            row = one.iloc[0]
            notes.append(f"CSAT {label}: engine {row['met']:,} met / {row['breached']:,} breached / "
                         f"{row['unmeasured']:,} unanswered ({row['attainment']}%); baseline {counts[0]:,} satisfied "
                         f"of {counts[1]:,} answered, {counts[2]:,} offered")
            print(f"  … CSAT {label} done", flush=True)
        for label, (start, end) in periods.items():
            base, per_service = _times(lambda: uptime_baseline(store, start, end))
            name = f"one DuckDB aggregate over the incidents, {label}"
            t, n_units = _times(lambda: units_only(store, start, end))
            rows.append((f"uptime.build_units alone, {label} ({n_units:,} stretches)", t, name, base))
            t, frame = _times(lambda: _summary(store, ups, start, end))
            rows.append((f"uptime: Evaluation(2 uptime targets) + summary, {label}", t, name, base))
            with Evaluation(store, ups, start, end, AS_OF) as ev:
                t_extras, extras = _times(ev.extras)
                rows.append((f"  ev.extras() (budget, credits per month), {label}", t_extras, name, base))
                t_burn, _ = _times(lambda: burn(ev, ups[0]))
                rows.append((f"  budget.burn (the last month), {label}", t_burn, name, base))
            every = frame.set_index("name").loc[ups[0].name]
            notes.append(f"uptime {label}: engine {every['breached'] / 3600:,.1f} h down (merged), "
                         f"{every['attainment']}% up; baseline {sum(r[1] for r in per_service) / 3600:,.1f} h "
                         f"(overlaps counted twice)")
            print(f"  … uptime {label} done", flush=True)
        store.close()

    summary_argv = [sys.executable, "-m", "slacore", "summary", "--from", RECENT.isoformat(), "--to",
                    LAST.isoformat(), "--as-of", "2026-12-01T00:00:00Z", "--db", str(db), "--json"]
    bare_argv = [sys.executable, "-c", "import duckdb; duckdb.connect(%r, read_only=True)"
                 ".sql('SELECT count(*) FROM surveys').fetchall()" % str(db)]
    base = _wall(bare_argv)
    rows.append(("whole process: python -m slacore summary --json, 3 months", _wall(summary_argv),
                 "whole process: python -c duckdb count(*) of surveys", base))

    def span(ts: list[float]) -> str:
        return f"{min(ts):.3f}–{max(ts):.3f} s"

    print(f"\nas of {AS_OF:%Y-%m-%d %H:%M} UTC; three runs each (min–max); ratio = min / baseline min")
    print(f"{'figure':62} {'time':>15}  {'baseline':>15}  {'ratio':>6}  baseline")
    for figure, ts, name, bs in rows:
        print(f"{figure:62} {span(ts):>15}  {span(bs):>15}  {min(ts) / min(bs):5.1f}×  {name}")
    print()
    for note in notes:
        print(note)
    if args.keep:
        print(f"kept {db}")
    else:
        shutil.rmtree(work, ignore_errors=True)


def _summary(store, targets, start, end):
    from slacore.metrics import Evaluation

    with Evaluation(store, targets, start, end, AS_OF) as ev:
        return ev.summary()


if __name__ == "__main__":
    main()
