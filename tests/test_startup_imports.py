"""The command line starts with only what its command needs (issue 11: whole-process import speed).

pandas, numpy, pyarrow and holidays cost ~0.5 s of CPU to import. `python -m slacore import --help` needs none of
them, and neither does loading the modules of the import path: the importer loads pandas on a thread while DuckDB
reads the file (slacore.importers.pipeline._Preload), and holidays only when a calendar is expanded. These tests
look at which modules a fresh interpreter holds afterwards (not at timings, which vary on a shared machine)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from paths import REPO

HEAVY = ("pandas", "numpy", "pyarrow", "holidays")
REPORT = ("import json, sys; print(json.dumps(sorted(m for m in " + repr(HEAVY) + " if m in sys.modules)))")


def _loaded_after(code: str) -> list[str]:
    """The heavy packages a new interpreter holds after running `code` (and its output before that line)."""
    env = {k: v for k, v in os.environ.items() if k not in ("SLACORE_DEBUG", "SLA_DB")}
    done = subprocess.run([sys.executable, "-c", code + "\n" + REPORT], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cli(*argv: str) -> str:
    """Run `python -m slacore ARGV` in this interpreter (as __main__ does), keeping it alive for the report."""
    return ("import runpy, sys\n"
            f"sys.argv = ['slacore', *{list(argv)!r}]\n"
            "try:\n"
            "    runpy.run_module('slacore', run_name='__main__')\n"
            "except SystemExit as stop:\n"
            "    assert stop.code in (0, None), stop.code\n")


def test_help_of_the_command_line_and_of_import_load_no_pandas():
    assert _loaded_after(_cli("--help")) == []
    assert _loaded_after(_cli("import", "--help")) == []


def test_the_modules_of_the_import_path_load_no_pandas():
    """What `python -m slacore import` imports before it reads the file, and what the swap imports."""
    modules = ["slacore.cli", "slacore.importers.pipeline", "slacore.store", "slacore.clocks", "slacore.quality",
               "slacore.calendars", "slacore.scope", "slacore.handover", "slacore.auth"]
    assert _loaded_after("\n".join(f"import {m}" for m in modules)) == []


def test_an_import_into_a_workspace_without_targets_never_loads_holidays(tmp_path):
    """The clock columns need the calendars' holidays only for the calendars a target uses."""
    csv = tmp_path / "tickets.csv"
    csv.write_text("Ticket ID,Created,First response,Resolved,Status,Priority\n"
                   "1,2025-03-03 09:00:00,2025-03-03 09:30:00,2025-03-04 10:00:00,Solved,High\n"
                   "2,2025-03-04 11:00:00,,,Open,Low\n", encoding="utf-8")
    loaded = _loaded_after(_cli("import", str(csv), "--db", str(tmp_path / "sla.duckdb"), "--json"))
    assert "holidays" not in loaded
