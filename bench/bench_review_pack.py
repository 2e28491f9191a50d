"""Time to build a review and its pack at 1M tickets, beside one `summary` of the same period in the same run.

    python bench/bench_review_pack.py [--rows 1000000] [--keep]

Tickets are generated as in bench_pages.py (13 months, B2B SaaS targets). Measured, each from cold caches of the
app (a fresh store): the baseline `metrics.summarize` over the last complete month (what `summary --json` computes),
the review snapshot (the same month and the one before, breach drivers, top breaches, trend, data quality,
benchmarks: what "Start the review" waits for), the Excel pack (with the charts rendered by vl-convert) and the HTML
report built from that snapshot, and the whole `python -m slacore report` process beside a whole
`python -m slacore summary` process.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def _timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def _process(argv: list[str], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "slacore", *argv], cwd=REPO, check=True, capture_output=True)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    from bench_pages import generate

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-review-"))
    db = work / "bench.duckdb"
    made, clocks, dups = generate(db, args.rows)
    print(f"{args.rows:,} tickets generated in {made:.1f} s (clock columns {clocks:.1f} s, duplicate flags {dups:.1f} s)")

    from slacore import review_pack
    from slacore.metrics import default_as_of, summarize
    from slacore.review_figures import compute_snapshot
    from slacore.reviews import default_period
    from slacore.store import open_store

    store = open_store(db)
    as_of = default_as_of(store)
    start, end = default_period("month", as_of.date())
    baseline, _ = _timed(lambda: summarize(store, start, end, as_of))
    snap_s, snap = _timed(lambda: compute_snapshot(store, start, end, as_of=as_of))
    xlsx_s, data = _timed(lambda: review_pack.workbook_bytes(snap))
    html_s, text = _timed(lambda: review_pack.html_report(snap))
    print(f"period {start} – {end}")
    print(f"{'step':44} {'seconds':>8} {'× summary':>10}")
    print(f"{'baseline: summarize (one summary query)':44} {baseline:8.3f} {1:10.1f}")
    print(f"{'review snapshot (Start the review)':44} {snap_s:8.3f} {snap_s / baseline:10.1f}")
    print(f"{'Excel pack from the snapshot (incl. charts)':44} {xlsx_s:8.3f} {xlsx_s / baseline:10.1f}  "
          f"({len(data) / 1024:.0f} KB)")
    print(f"{'HTML report from the snapshot':44} {html_s:8.3f} {html_s / baseline:10.1f}  ({len(text) / 1024:.0f} KB)")
    total = snap_s + xlsx_s
    print(f"{'snapshot + Excel pack':44} {total:8.3f} {total / baseline:10.1f}")
    from slacore.store import close_all

    close_all()
    common = ["--db", str(db), "--from", start.isoformat(), "--to", end.isoformat(), "--json"]
    summary_p = _process(["summary", *common])
    report_p = _process(["report", *common, "--out", str(work / "pack.xlsx")])
    print(f"{'whole process: python -m slacore summary':44} {summary_p:8.3f} {1:10.1f}")
    print(f"{'whole process: python -m slacore report .xlsx':44} {report_p:8.3f} {report_p / summary_p:10.1f}")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
