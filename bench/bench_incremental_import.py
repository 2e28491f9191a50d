"""A weekly export landing in a big workspace: import 50k tickets into a store that already holds 10M.

    python bench/bench_incremental_import.py [--rows 10000000] [--new 50000]

The workspace is generated like bench_pages.py (B2B SaaS targets, clock columns and duplicate flags built). The
baseline, measured in the same run, is the same 50k-ticket import into an empty workspace with the same targets:
the ratio is what the size of the workspace costs an import (derived columns and duplicate flags are kept current
for the touched tickets only, so it should stay small).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "sample_data"))


def timed_import(db: Path, csv: Path, template: str | None) -> float:
    from slacore.importers.pipeline import import_file
    from slacore.sla_yaml import apply_yaml
    from slacore.store import close_all, open_store
    from slacore.templates import template_yaml

    store = open_store(db)
    if template:
        apply_yaml(store, template_yaml(template), author="bench")
    t0 = time.perf_counter()
    import_file(store, csv)
    seconds = time.perf_counter() - t0
    close_all()
    return seconds


def main() -> None:
    from bench_pages import generate
    from generate import write_freshdesk_csv

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--new", type=int, default=50_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="slabench-incr-"))
    csv = work / "weekly.csv"
    write_freshdesk_csv(csv, args.new)
    big = work / "big.duckdb"
    made, clocks, duplicates = generate(big, args.rows)
    print(f"workspace: {args.rows:,} tickets (generated in {made:.1f} s, clocks {clocks:.1f} s, "
          f"duplicate flags {duplicates:.1f} s)")
    base = timed_import(work / "empty.duckdb", csv, "b2b-saas")
    into_big = timed_import(big, csv, None)  # the targets are already there
    print(f"import {args.new:,} tickets into the {args.rows:,}-ticket workspace: {into_big:.2f} s; "
          f"into an empty one (baseline): {base:.2f} s; ratio {into_big / base:.1f}x")
    for f in work.iterdir():
        f.unlink()
    work.rmdir()


if __name__ == "__main__":
    main()
