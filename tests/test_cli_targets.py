"""The command-line contract: `python -m slacore targets apply|export|list|history` and `summary`.

The contract itself (exit codes, stderr, the JSON last line) is checked in real subprocesses, as a user runs it;
the test process closes its store before each (DuckDB lets one process hold a file). The many as-of and date
variants go through the same `main(argv)` in-process, which saves a second of interpreter start-up per call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest
import yaml

from paths import REPO

UTC = timezone.utc
KEYS = {"name", "metric", "goal", "met", "breached", "pending", "attainment", "goal_met"}

TARGETS_YAML = """\
targets:
  - name: Urgent first response
    metric: first_response
    where: {priority: urgent}
    within: 1h
    goal: 90%
  - name: All resolution
    metric: resolution
    within: 4h
    goal: 50%
"""


def u(y, mo, d, h=0, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def run(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("SLA_DB", "SLACORE_DEBUG")}
    return subprocess.run([sys.executable, "-m", "slacore", *map(str, args)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def call(capsys, *args: str) -> subprocess.CompletedProcess:
    """`main(argv)` in this process, with the result shaped like a subprocess's."""
    from slacore.cli import main

    capsys.readouterr()
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), code, out.out, out.err)


def last_json(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def assert_refused(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture
def db(tmp_path):
    """A database holding six hand-made tickets (UTC):

    1 urgent  03-03 09:00  answered 09:30, resolved 12:00  FR met (30 min)      resolution met (3 h)
    2 urgent  03-03 10:00  answered 11:30, resolved 16:00  FR breached (90 min)  resolution breached (6 h)
    3 urgent  03-10 09:00  answered 09:10, still open      FR met                resolution open
    4 high    03-10 10:00  answered 10:05, resolved 13:00  (not urgent)          resolution met (3 h)
    5 urgent  03-31 23:30  untouched                       FR open               resolution open
    6 high    04-01 00:30  answered 00:40                  (April)               (April)

    The newest time stamp, the default as-of time, is 04-01 00:40.
    """
    from slacore.store import close_all, open_store

    path = tmp_path / "cli.duckdb"
    store = open_store(path)
    rows = [
        ("1", u(2025, 3, 3, 9), u(2025, 3, 3, 9, 30), u(2025, 3, 3, 12), "urgent"),
        ("2", u(2025, 3, 3, 10), u(2025, 3, 3, 11, 30), u(2025, 3, 3, 16), "urgent"),
        ("3", u(2025, 3, 10, 9), u(2025, 3, 10, 9, 10), None, "urgent"),
        ("4", u(2025, 3, 10, 10), u(2025, 3, 10, 10, 5), u(2025, 3, 10, 13), "high"),
        ("5", u(2025, 3, 31, 23, 30), None, None, "urgent"),
        ("6", u(2025, 4, 1, 0, 30), u(2025, 4, 1, 0, 40), None, "high"),
    ]
    with store.transaction() as cur:
        cur.executemany("INSERT INTO tickets (source, ticket_id, created_at, first_response_at, resolved_at, priority) "
                        "VALUES ('test', ?, ?, ?, ?, ?)", rows)
    close_all()
    (tmp_path / "targets.yaml").write_text(TARGETS_YAML, encoding="utf-8")
    return path


def test_apply_export_and_summary(db, tmp_path, capsys):
    applied = run("targets", "apply", tmp_path / "targets.yaml", "--db", db, "--json", "--author", "ci")
    assert last_json(applied) == {"calendars": 0, "created": 2, "changed": 0, "unchanged": 0}

    exported = run("targets", "export", "--db", db)
    assert exported.returncode == 0, exported.stderr
    assert yaml.safe_load(exported.stdout) == {"targets": [
        {"name": "Urgent first response", "metric": "first_response", "where": {"priority": "urgent"},
         "within": "1h", "goal": "90%", "calendar": "24x7"},
        {"name": "All resolution", "metric": "resolution", "within": "4h", "goal": "50%", "calendar": "24x7"},
    ]}

    # Default as-of (04-01 00:40): ticket 5 has been open 70 min (FR breached) and ticket 3 unresolved for weeks.
    summary = last_json(run("summary", "--db", db, "--from", "2025-03-01", "--to", "2025-03-31", "--json"))
    assert all(set(t) == KEYS for t in summary["targets"])
    assert summary == {"targets": [
        {"name": "Urgent first response", "metric": "first_response", "goal": 90.0, "met": 2, "breached": 2,
         "pending": 0, "attainment": 50.0, "goal_met": False},
        {"name": "All resolution", "metric": "resolution", "goal": 50.0, "met": 2, "breached": 2, "pending": 1,
         "attainment": 50.0, "goal_met": True},
    ]}

    # Human output: one row per target.
    human = call(capsys, "summary", "--db", db, "--from", "2025-03-01", "--to", "2025-03-31")
    assert human.returncode == 0, human.stderr
    lines = human.stdout.strip().splitlines()
    assert len(lines) == 3
    assert lines[1].split()[-1] == "MISSED" and "50.0%" in lines[1]
    assert lines[2].split()[-1] == "ok"


def test_summary_as_of_and_inclusive_dates(db, tmp_path, capsys):
    assert call(capsys, "targets", "apply", tmp_path / "targets.yaml", "--db", db).returncode == 0

    def summary(*extra):
        return {t["name"]: (t["met"], t["breached"], t["pending"], t["attainment"], t["goal_met"])
                for t in last_json(call(capsys, "summary", "--db", db, *extra, "--json"))["targets"]}

    # At 31 Mar 23:45 ticket 5 is 15 min old: pending for both targets.
    assert summary("--from", "2025-03-01", "--to", "2025-03-31", "--as-of", "2025-03-31T23:45:00Z") == {
        "Urgent first response": (2, 1, 1, 66.7, False), "All resolution": (2, 2, 1, 50.0, True)}
    # At 3 Mar 10:30 tickets 3-6 do not exist yet; ticket 2's answer (11:30) and both resolutions are in the future.
    assert summary("--from", "2025-03-01", "--to", "2025-03-31", "--as-of", "2025-03-03T10:30:00+00:00") == {
        "Urgent first response": (1, 0, 1, 100.0, True), "All resolution": (0, 0, 2, None, None)}
    # One day, both ends inclusive: only ticket 5.
    assert summary("--from", "2025-03-31", "--to", "2025-03-31", "--as-of", "2025-04-01T00:40:00Z") == {
        "Urgent first response": (0, 1, 0, 0.0, False), "All resolution": (0, 0, 1, None, None)}
    # April: ticket 6 is not urgent.
    assert summary("--from", "2025-04-01", "--to", "2025-04-30") == {
        "Urgent first response": (0, 0, 0, None, None), "All resolution": (0, 0, 1, None, None)}


def test_export_to_a_file_and_reapply_is_unchanged(db, tmp_path, capsys):
    assert call(capsys, "targets", "apply", tmp_path / "targets.yaml", "--db", db, "--author", "ann").returncode == 0
    out = tmp_path / "exported.yaml"
    assert last_json(call(capsys, "targets", "export", out, "--db", db, "--json")) == {"written": str(out)}
    again = call(capsys, "targets", "apply", out, "--db", db)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "exported.yaml: 0 targets created, 0 changed, 2 unchanged, 0 calendars saved"
    listed = last_json(call(capsys, "targets", "list", "--db", db, "--json"))
    assert [(t["name"], t["version"]) for t in listed["targets"]] == [("Urgent first response", 1),
                                                                       ("All resolution", 1)]
    hist = last_json(call(capsys, "targets", "history", "--db", db, "--json"))["history"]
    assert sorted((h["target"], h["version"], h["author"], h["reason"]) for h in hist) == [
        ("All resolution", 1, "ann", "applied from targets.yaml"),
        ("Urgent first response", 1, "ann", "applied from targets.yaml")]


def test_bad_yaml_is_refused_with_its_line_and_nothing_applied(db, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    # The real process: a non-zero exit, one line on stderr naming the line, no traceback.
    bad.write_text(TARGETS_YAML.replace("within: 4h", "within: 4 fortnights"), encoding="utf-8")
    assert_refused(run("targets", "apply", bad, "--db", db), "line 9", "within")
    bad.write_text(TARGETS_YAML.replace("goal: 50%", "goal: 150%"), encoding="utf-8")
    assert_refused(call(capsys, "targets", "apply", bad, "--db", db), "line 10", "goal")
    bad.write_text(TARGETS_YAML + "  - {name: broken\n", encoding="utf-8")
    assert_refused(call(capsys, "targets", "apply", bad, "--db", db), "line 11", "not valid YAML")
    assert yaml.safe_load(call(capsys, "targets", "export", "--db", db).stdout) == {"targets": []}
    summary = last_json(call(capsys, "summary", "--db", db, "--from", "2025-03-01", "--to", "2025-03-31", "--json"))
    assert summary == {"targets": []}


def test_refusals_are_one_line_without_a_traceback(db, tmp_path, capsys):
    assert_refused(run("summary", "--db", db, "--from", "2025-03-31", "--to", "2025-03-01"), "--to is before --from")
    assert_refused(call(capsys, "summary", "--db", db, "--from", "2025-02-30", "--to", "2025-03-01"), "--from")
    assert_refused(call(capsys, "summary", "--db", db, "--from", "2025-03-01", "--to", "2025-03-31",
                        "--as-of", "tomorrow"), "--as-of")
    assert_refused(call(capsys, "targets", "apply", tmp_path / "missing.yaml", "--db", db), "missing.yaml")


def test_apply_with_retire_missing_makes_the_file_the_whole_truth(db, tmp_path):
    assert last_json(run("targets", "apply", tmp_path / "targets.yaml", "--db", db, "--json"))["created"] == 2
    only_one = tmp_path / "one.yaml"
    only_one.write_text(TARGETS_YAML.split("  - name: All resolution")[0], encoding="utf-8")
    # Without the flag a file may hold just the targets it changes: nothing is retired.
    assert last_json(run("targets", "apply", only_one, "--db", db, "--json")) == {
        "calendars": 0, "created": 0, "changed": 0, "unchanged": 1}
    applied = run("targets", "apply", only_one, "--db", db, "--retire-missing", "--author", "ci")
    assert applied.returncode == 0, applied.stderr
    assert "1 retired (not in the file)" in applied.stdout
    listed = last_json(run("targets", "list", "--db", db, "--json"))
    assert [t["name"] for t in listed["targets"]] == ["Urgent first response"]
    history = run("targets", "history", "All resolution", "--db", db)
    assert history.returncode == 0 and "not in one.yaml" in history.stdout
