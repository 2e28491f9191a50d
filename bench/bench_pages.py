"""Server time of each page at 1M and 10M tickets (goals: ≤ 1 s at 1M, ≤ 3 s at 10M).

    python bench/bench_pages.py [--rows 1000000 10000000] [--keep]

Tickets are generated directly in DuckDB (13 months, office-hours arrival, log-normal response and resolution
times, 4 priorities, 8 teams, 5 channels, 200 customers) and the B2B SaaS target template is applied. Each page is
run with Streamlit's AppTest from a cold start (caches cleared: what the first visitor waits for) and once more
(warm, cached). The baseline, measured in the same run, is one bare DuckDB aggregate over every ticket — the floor
for any page that must look at all tickets — and each page time is printed as a ratio of it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PAGES = ["pages/home.py", "pages/performance.py", "pages/trends.py", "pages/benchmarks.py", "pages/quality.py",
         "pages/targets.py", "pages/data.py"]


def generate(db: Path, rows: int) -> tuple[float, float, float]:
    """Returns (seconds to generate, to build the clock columns, to flag duplicates): the last two are what an
    import of that many tickets, or a calendar change (clocks only), pays once."""
    from slacore.clocks import ensure_for_targets
    from slacore.quality import ensure_duplicates
    from slacore.sla_yaml import apply_yaml
    from slacore.store import close_all, open_store
    from slacore.templates import template_yaml

    t0 = time.perf_counter()
    store = open_store(db)
    with store.transaction() as cur:
        cur.execute("SELECT setseed(0.42)")
        cur.execute(f"""
            INSERT INTO tickets (source, ticket_id, created_at, first_response_at, resolved_at, status, priority,
                                 priority_raw, team, assignee, channel, customer, subject, import_id)
            WITH base AS (
                SELECT i,
                       TIMESTAMPTZ '2025-10-01 00:00:00+00' + to_microseconds(CAST(
                           (i / {rows}::DOUBLE) * 410 * 86400e6 + (random() - 0.5) * 36000e6 AS BIGINT)) AS created,
                       random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
                FROM range({rows}) t(i)
            ), shaped AS (
                SELECT *, CASE WHEN r1 < 0.07 THEN 'urgent' WHEN r1 < 0.25 THEN 'high'
                               WHEN r1 < 0.75 THEN 'normal' ELSE 'low' END AS prio,
                       exp(ln(CASE WHEN r1 < 0.07 THEN 25 WHEN r1 < 0.25 THEN 90 WHEN r1 < 0.75 THEN 240 ELSE 480 END)
                           + 1.1 * sqrt(-2 * ln(greatest(r2, 1e-9))) * cos(2 * pi() * r3)) AS fr_min,
                       exp(ln(CASE WHEN r1 < 0.07 THEN 240 WHEN r1 < 0.25 THEN 600 WHEN r1 < 0.75 THEN 2160 ELSE 4320 END)
                           + 1.0 * sqrt(-2 * ln(greatest(r4, 1e-9))) * sin(2 * pi() * r3)) AS res_min
                FROM base
            )
            SELECT 'bench', CAST(i AS VARCHAR), created,
                   created + to_microseconds(CAST(fr_min * 60e6 AS BIGINT)),
                   CASE WHEN r5 < 0.03 THEN NULL
                        ELSE created + to_microseconds(CAST(greatest(res_min, fr_min + 1) * 60e6 AS BIGINT)) END,
                   CASE WHEN r5 < 0.03 THEN 'open' ELSE 'solved' END, prio, prio,
                   'Team ' || (i % 8), 'Agent ' || (i % 40),
                   ['email', 'web', 'chat', 'phone', 'api'][1 + (i % 5)], 'Customer ' || (i % 200),
                   'Subject ' || (i % 50), 0
            FROM shaped
        """)
        cur.execute("""INSERT INTO imports VALUES (0, 'tickets', 'generated', '-', 'generic', 'bench', 'UTC', ?, ?, 0,
                       0, 0, NULL, NULL, now(), now(), NULL)""", [rows, rows])
    apply_yaml(store, template_yaml("b2b-saas"), author="bench")
    made = time.perf_counter() - t0
    t0 = time.perf_counter()
    ensure_for_targets(store)  # what an import does after landing tickets (slacore.clocks, quality)
    clocks = time.perf_counter() - t0
    t0 = time.perf_counter()
    ensure_duplicates(store)
    duplicates = time.perf_counter() - t0
    close_all()
    return made, clocks, duplicates


def baseline(db: Path) -> float:
    from slacore.store import close_all, open_store

    store = open_store(db)
    t0 = time.perf_counter()
    store.query("""SELECT priority, count(*), avg(epoch(first_response_at) - epoch(created_at)),
                          avg(epoch(resolved_at) - epoch(created_at)) FROM tickets GROUP BY ALL""")
    elapsed = time.perf_counter() - t0
    close_all()
    return elapsed


def time_pages(db: Path) -> list[tuple[str, float, float, str]]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from slacore.store import close_all

    os.environ["SLA_DB"] = str(db)
    results = []
    for page in PAGES:
        st.cache_data.clear()
        st.cache_resource.clear()
        close_all()
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=600)
        at.run()  # app start: opens the store (not counted: once per server process)
        at.switch_page(page)
        st.cache_data.clear()  # the start ran Home: make every page, Home included, start cold
        t0 = time.perf_counter()
        at.run()
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        at.run()
        warm = time.perf_counter() - t0
        problem = "; ".join(str(e.value)[:80] for e in at.exception) or "; ".join(
            str(e.value)[:80] for e in at.error)
        results.append((page, cold, warm, problem))
    close_all()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--keep", action="store_true", help="keep the generated databases")
    args = parser.parse_args()
    for rows in args.rows:
        goal = 1.0 if rows <= 1_000_000 else 3.0
        db = Path(tempfile.mkdtemp(prefix="slabench-")) / f"pages-{rows}.duckdb"
        made, clocks, duplicates = generate(db, rows)
        base = baseline(db)
        print(f"\n{rows:,} tickets (generated in {made:.1f} s; clock columns built in {clocks:.1f} s, duplicate "
              f"flags in {duplicates:.1f} s); baseline: one DuckDB aggregate over all tickets {base:.3f} s", flush=True)
        for page, cold, warm, problem in time_pages(db):
            verdict = "ok" if cold <= goal else "OVER GOAL"
            print(f"  {page:22} cold {cold:6.2f} s ({cold / base:5.1f}x baseline; goal {goal:.0f} s: {verdict})  "
                  f"warm {warm:5.2f} s{'  ERROR: ' + problem if problem else ''}", flush=True)
        if not args.keep:
            for f in db.parent.iterdir():
                f.unlink()
            db.parent.rmdir()


if __name__ == "__main__":
    main()
