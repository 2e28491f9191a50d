"""Benchmark: importing a large Freshdesk-style CSV against DuckDB's bare CSV read.

Run by hand:  python bench/bench_import.py [--rows 1000000] [--repeat 3] [--keep] [--csv PATH] [--stages]

Generates the CSV with sample_data/generate.py's `write_freshdesk_csv` (1M rows ~ 290 MB), then times, each in its
own child process so that peak memory is not mixed:
  (a) bare:   CREATE TABLE t AS SELECT * FROM read_csv(path) into a fresh database file;
  (b) import: slacore.importers.pipeline.import_file into a fresh store.
Each is run --repeat times, alternating, and the fastest run counts (the machine may be busy with other work).
Prints both times, the ratio (goal <= 2x) and each child's peak RSS (goal for the import <= 1.5 GB). With --stages
(or when the ratio misses its goal) it also prints the time of every stage of the import (one more run).
Exits non-zero when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

RATIO_GOAL = 2.0
RSS_GOAL_MB = 1536


def _peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux: ru_maxrss in KiB); /proc VmHWM when available."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- children ----------------------------------------------------------------------------------------------------

def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_bare(csv: str, db: str) -> dict:
    import duckdb

    con = duckdb.connect(db)
    t0, c0 = time.perf_counter(), _cpu()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [csv])
    seconds, cpu = time.perf_counter() - t0, _cpu() - c0
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()
    return {"seconds": seconds, "cpu": cpu, "rows": rows, "peak_rss_mb": _peak_rss_mb()}


def child_import(csv: str, db: str, stages: bool, template: str | None = None) -> dict:
    from slacore.importers import pipeline
    from slacore.store import close_all, open_store

    timings: list[tuple[str, float]] = []
    if stages:
        _instrument(timings)
    store = open_store(db)
    if template:  # a workspace with targets: the import also writes the business-clock positions
        from slacore.sla_yaml import apply_yaml
        from slacore.templates import template_yaml

        apply_yaml(store, template_yaml(template), author="bench")
    t0, c0 = time.perf_counter(), _cpu()
    report = pipeline.import_file(store, csv)
    seconds, cpu = time.perf_counter() - t0, _cpu() - c0
    tickets = store.scalar("SELECT count(*) FROM tickets")
    close_all()
    return {"seconds": seconds, "cpu": cpu, "loaded": report.loaded, "rejected": report.rejected, "tickets": tickets,
            "format": report.format, "peak_rss_mb": _peak_rss_mb(), "stages": timings}


def _instrument(timings: list) -> None:
    """Wrap the pipeline's stage functions to time them (also cursor.execute of the swap, by statement kind)."""
    from slacore import clocks, quality
    from slacore.importers import pipeline, reader

    def wrap(module, name, label):
        original = getattr(module, name, None)
        if original is None:
            return

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timings.append((label, time.perf_counter() - t0))

        setattr(module, name, timed)

    wrap(reader, "scan_file", "scan_file (head; whole file on a thread)")
    wrap(reader, "prepare_csv", "transcode (only non-UTF-8 / \\r\\r\\n)")
    wrap(reader, "_sniff", "sniff the dialect")
    wrap(reader, "open_csv", "open: scan + sniff + header (total)")
    wrap(reader, "sample_csv", "sample the first rows")
    wrap(reader, "stage_xlsx", "stage the XLSX sheet")
    wrap(pipeline, "_resolve_mapping", "map the header")
    wrap(pipeline, "_timestamp_formats", "detect time stamp formats")
    wrap(pipeline, "_plain_columns", "decide which columns need cleaning")
    wrap(pipeline, "_parse", "parse + validate (1 read, SQL)")
    wrap(pipeline, "_collapse", "fold duplicates + priorities (SQL)")
    wrap(pipeline, "_keep_rejects", "keep rejected rows")
    wrap(pipeline, "_swap", "swap into tickets (transaction)")
    wrap(pipeline, "_count_updated", "  count replaced tickets")
    wrap(pipeline, "_delete_replaced", "  delete replaced tickets")
    wrap(pipeline, "_insert_tickets", "  insert tickets (+ derived columns)")
    wrap(clocks, "ensure_for_targets", "clock columns (created_local, positions)")
    wrap(quality, "ensure_duplicates", "duplicate flags")


def run_child(kind: str, csv: str, db: str, stages: bool, template: str | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--csv", csv, "--db", db] + (["--stages"] if stages else []) \
        + (["--template", template] if template else [])
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=str(REPO))
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"the {kind} child failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--csv", help="use this CSV instead of generating one")
    parser.add_argument("--keep", action="store_true", help="keep the generated CSV and databases")
    parser.add_argument("--stages", action="store_true", help="print the time of each import stage")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the fastest counts")
    parser.add_argument("--template", help="apply this target template first (e.g. b2b-saas: business-hours targets)")
    parser.add_argument("--child", choices=["bare", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child == "bare":
        print(json.dumps(child_bare(args.csv, args.db)))
        return 0
    if args.child == "import":
        print(json.dumps(child_import(args.csv, args.db, args.stages, args.template)))
        return 0

    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    csv = Path(args.csv) if args.csv else work / f"freshdesk_{args.rows}.csv"
    if not args.csv:
        sys.path.insert(0, str(REPO / "sample_data"))
        from generate import write_freshdesk_csv

        t0 = time.perf_counter()
        write_freshdesk_csv(csv, args.rows)
        print(f"generated {csv} ({csv.stat().st_size / 1e6:.0f} MB, {args.rows:,} rows) "
              f"in {time.perf_counter() - t0:.1f} s")
    try:
        bares, imps = [], []
        for r in range(args.repeat):  # alternate, so that a busy moment of the machine hits both
            bares.append(run_child("bare", str(csv), str(work / f"bare{r}.duckdb"), False))
            imps.append(run_child("import", str(csv), str(work / f"import{r}.duckdb"), False, args.template))
        bare = min(bares, key=lambda x: x["seconds"])
        imp = min(imps, key=lambda x: x["seconds"])
        peak = max(x["peak_rss_mb"] for x in imps)
        ratio = imp["seconds"] / bare["seconds"]
        if args.stages or ratio > RATIO_GOAL:  # profile what is slow
            imp["stages"] = run_child("import", str(csv), str(work / "import-stages.duckdb"), True,
                                      args.template)["stages"]
        runs = ", ".join(f"{b['seconds']:.2f}/{i['seconds']:.2f}" for b, i in zip(bares, imps))
        print(f"runs (bare/import s): {runs}")
        cpu_bare, cpu_imp = min(b["cpu"] for b in bares), min(i["cpu"] for i in imps)
        print(f"CPU time (least of the runs): bare {cpu_bare:.2f} s, import {cpu_imp:.2f} s, "
              f"ratio {cpu_imp / cpu_bare:.2f}x")
        print(f"bare read_csv:  {bare['seconds']:7.2f} s  {bare['rows']:,} rows   peak RSS {bare['peak_rss_mb']:6.0f} MB")
        print(f"import_file:    {imp['seconds']:7.2f} s  {imp['loaded']:,} loaded, {imp['rejected']:,} rejected "
              f"({imp['format']})   peak RSS {peak:6.0f} MB")
        print(f"ratio import / bare: {ratio:.2f}x (goal <= {RATIO_GOAL:.0f}x)   "
              f"import peak RSS {peak:.0f} MB (goal <= {RSS_GOAL_MB} MB)")
        if imp.get("stages"):
            print("import stages (one more run, timed per stage):")
            for label, seconds in imp["stages"]:
                print(f"  {label:<40} {seconds:7.2f} s")
        ok = ratio <= RATIO_GOAL and peak <= RSS_GOAL_MB and imp["tickets"] == bare["rows"]
        if imp["tickets"] != bare["rows"]:
            print(f"MISMATCH: {imp['tickets']:,} tickets stored for {bare['rows']:,} rows read")
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")


if __name__ == "__main__":
    sys.exit(main())
