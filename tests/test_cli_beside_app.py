"""The command line beside a process that holds the database (slacore.handover), and the database problems the
command line must put in one sentence: a file held by another program, a damaged file, a newer schema, a stored
calendar that no longer parses, missing sample data.

The holding process is this test process: it opens the store (and, like the app, serves the job endpoint), and the
commands run as subprocesses, the way a user or a scheduler runs them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from paths import REPO

FIXTURES = Path(__file__).resolve().parent / "fixtures"
YAML = """
calendars:
  office:
    timezone: Europe/Berlin
    hours: {mon-fri: "09:00-17:00"}
targets:
  - {name: Fast answer, metric: first_response, within: 4h, goal: 90%, calendar: office}
  - {name: Fixed in a day, metric: resolution, within: 24h, goal: 80%}
"""
SUMMARY = ("summary", "--from", "2025-03-01", "--to", "2025-03-31", "--as-of", "2025-04-01T00:00:00Z", "--json")
# Fields of a --json answer that differ between two runs of the same command (time, the database's own path).
VOLATILE = {"seconds", "started_at", "finished_at", "effective_from", "recorded_at", "db"}


def cli(*args, cwd: Path = REPO, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("SLACORE_DEBUG", "SLA_DB")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-m", "slacore", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def stable(out: subprocess.CompletedProcess):
    """The last --json line without the fields that differ from run to run."""
    payload = json.loads(out.stdout.strip().splitlines()[-1])

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in VOLATILE}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(payload)


def one_error_line(out: subprocess.CompletedProcess) -> str:
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    assert "Traceback" not in out.stderr + out.stdout and out.stdout.strip() == ""
    return lines[0]


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A working directory with the files a user would name relative to it."""
    shutil.copy(FIXTURES / "zendesk_export.csv", tmp_path / "zendesk.csv")
    shutil.copy(FIXTURES / "freshdesk_export.csv", tmp_path / "freshdesk.csv")
    (tmp_path / "sla.yaml").write_text(YAML)
    return tmp_path


@pytest.fixture
def serving_store(tmp_path):
    """This process holds the database and serves its job endpoint, as the app does."""
    from slacore.cli import run_job
    from slacore.handover import serve
    from slacore.store import close_all, open_store

    store = open_store(tmp_path / "held.duckdb")
    assert serve(store, run_job) is not None
    yield store
    close_all()


def test_commands_handed_to_the_holder_print_what_a_direct_run_prints(workdir, serving_store):
    from slacore.handover import candidates

    direct, held = workdir / "direct.duckdb", serving_store.path
    commands = [
        ("import", "zendesk.csv", "--json"),
        ("import", "freshdesk.csv", "--json", "--source", "desk"),
        ("targets", "apply", "sla.yaml", "--json", "--author", "ops"),
        ("targets", "apply", "sla.yaml", "--json"),  # the default author is the caller's user name
        SUMMARY,
        ("targets", "list", "--json"),
        ("targets", "history", "--json"),
        ("datasets", "--json"),
    ]
    version = serving_store.version
    for command in commands:
        alone, beside = cli(*command, "--db", direct, cwd=workdir), cli(*command, "--db", held, cwd=workdir)
        assert alone.returncode == beside.returncode == 0, (command, alone.stderr, beside.stderr)
        assert alone.stderr == beside.stderr == "", command
        assert stable(alone) == stable(beside), command
    # Human output too (the summary table, the target list), and a relative output file lands in the caller's cwd.
    for command in (SUMMARY[:-1], ("targets", "list")):
        assert cli(*command, "--db", direct, cwd=workdir).stdout == cli(*command, "--db", held, cwd=workdir).stdout
    beside = cli("targets", "export", "out.yaml", "--json", "--db", held, cwd=workdir)
    assert json.loads(beside.stdout) == {"written": "out.yaml"}
    assert "Fast answer" in (workdir / "out.yaml").read_text()
    # It really ran in the holder: its store saw the writes (the pages' cache key moved), and the endpoint is there.
    assert serving_store.version >= version + 3
    assert serving_store.scalar("SELECT count(*) FROM imports") == 2
    authors = {r[0] for r in serving_store.rows("SELECT DISTINCT author FROM target_versions")}
    assert "ops" in authors
    assert candidates(held)[0].is_socket()


def test_refusals_in_the_holder_are_the_same_sentence_and_exit_code(workdir, serving_store):
    (workdir / "empty.csv").write_text("")
    held = serving_store.path
    for command in (("import", "empty.csv"), ("targets", "apply", "missing.yaml"),
                    ("summary", "--from", "2025-03-31", "--to", "2025-03-01")):
        alone, beside = cli(*command, "--db", workdir / "direct.duckdb", cwd=workdir), cli(*command, "--db", held, cwd=workdir)
        assert (beside.returncode, beside.stdout, beside.stderr) == (alone.returncode, alone.stdout, alone.stderr)
        one_error_line(beside)
    assert serving_store.scalar("SELECT count(*) FROM imports") == 0


def test_a_holder_without_endpoint_is_named_and_a_stale_endpoint_removed(tmp_path):
    """This process holds the file but serves nothing; a socket left by a killed app refuses connections."""
    from slacore.handover import candidates
    from slacore.store import close_all, open_store

    store = open_store(tmp_path / "held.duckdb")
    stale = candidates(store.path)[0]
    left_behind = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    left_behind.bind(str(stale))
    left_behind.close()  # the file stays, nobody listens: what a killed app leaves
    try:
        line = one_error_line(cli("datasets", "--db", store.path))
        assert f"PID {os.getpid()}" in line and "in use by another program" in line and "pytest" in line, line
        assert "wait until it has finished" in line
        assert not stale.exists(), "the stale endpoint is removed"
    finally:
        close_all()


def test_a_long_database_path_serves_from_a_private_folder(tmp_path):
    from slacore.cli import run_job
    from slacore.handover import candidates, serve
    from slacore.store import close_all, open_store

    deep = tmp_path / ("d" * 60) / ("e" * 40)
    store = open_store(deep / "sla.duckdb")
    try:
        where = serve(store, run_job)
        assert where == candidates(store.path)[-1] and where.parent.name == f"slacore-{os.getuid()}"
        assert oct(where.stat().st_mode & 0o777) == oct(0o600)
        out = cli("datasets", "--json", "--db", store.path)
        assert out.returncode == 0 and json.loads(out.stdout) == {"imports": []}, out.stderr
    finally:
        close_all()
    assert not where.exists(), "closing the store removes its endpoint"


def test_a_bad_job_request_is_answered_in_one_sentence(serving_store):
    from slacore.handover import candidates

    for raw in (b"not json\n", b'{"argv": "datasets", "cwd": "/"}\n', b'{"argv": ["datasets"], "cwd": "rel"}\n'):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(candidates(serving_store.path)[0]))
            s.sendall(raw)
            reply = json.loads(s.makefile("rb").readline())
        assert reply["exit"] == 2 and reply["stderr"].startswith("error: ") and reply["stdout"] == ""


def test_a_database_held_by_another_program_names_it(tmp_path):
    db = tmp_path / "busy.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True);"
         " time.sleep(60)", str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        line = one_error_line(cli("summary", "--from", "2025-01-01", "--to", "2025-01-31", "--db", db))
        assert f"PID {holder.pid}" in line and "python -c import duckdb" in line, line
    finally:
        holder.kill()
        holder.wait()


def test_a_damaged_database_file_is_one_sentence(tmp_path):
    from slacore.store import close_all, open_store

    garbage = tmp_path / "garbage.duckdb"
    garbage.write_bytes(b"this is not a database\n" * 500)
    assert "cannot be read" in one_error_line(cli("datasets", "--db", garbage))
    cut = tmp_path / "cut.duckdb"
    open_store(cut)
    close_all()
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 3])  # a copy that stopped a third of the way
    line = one_error_line(cli("import", FIXTURES / "zendesk_export.csv", "--db", cut))
    assert "cannot be read" in line and "restore it from a backup" in line, line


def test_a_database_of_a_newer_version_is_one_sentence(tmp_path):
    from slacore.schema import MIGRATIONS
    from slacore.store import close_all, open_store

    db = tmp_path / "newer.duckdb"
    with open_store(db).transaction() as cur:
        cur.execute("INSERT INTO schema_version VALUES (?, now())", [len(MIGRATIONS) + 3])
    close_all()
    for command in (("datasets",), ("import", FIXTURES / "zendesk_export.csv")):
        line = one_error_line(cli(*command, "--db", db))
        assert "newer version of this app" in line and f"schema {len(MIGRATIONS) + 3}" in line, line


def test_an_unreadable_stored_calendar_is_one_sentence_and_can_be_defined_again(workdir):
    from slacore.store import close_all, open_store

    db = workdir / "cal.duckdb"
    assert cli("import", "zendesk.csv", "--db", db, cwd=workdir).returncode == 0
    assert cli("targets", "apply", "sla.yaml", "--db", db, cwd=workdir).returncode == 0
    with open_store(db).transaction() as cur:  # a zone a later tzdata dropped, say
        cur.execute("""UPDATE calendars SET definition = '{"timezone": "Mars/Olympus_Mons"}' WHERE name = 'office'""")
    close_all()
    line = one_error_line(cli(*SUMMARY, "--db", db))
    assert "'office'" in line and "cannot read" in line and "Mars/Olympus_Mons" in line, line
    assert cli("targets", "list", "--db", db).returncode == 0  # what does not need the calendar still works
    assert cli("targets", "apply", "sla.yaml", "--db", db, cwd=workdir).returncode == 0  # defining it again repairs
    assert cli(*SUMMARY, "--db", db).returncode == 0


def test_missing_sample_data_is_one_sentence(tmp_path, monkeypatch, capsys):
    from slacore import cli as cli_module

    monkeypatch.setattr("slacore.config.SAMPLE_DIR", tmp_path / "sample_data")
    assert cli_module.main(["sample", "--db", str(tmp_path / "s.duckdb")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sample data is missing" in err[0] and str(tmp_path / "sample_data") in err[0], err


def _stand_in_command(db: Path, seconds: float) -> subprocess.Popen:
    """A process that holds the file like a command-line run (its command line names slacore) for a while."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         f"print('ready', flush=True); time.sleep({seconds}); c.close()", str(db),
         "-m", "slacore", "import"], stdout=subprocess.PIPE, text=True)  # its command line says: a slacore run
    assert holder.stdout.readline().strip() == "ready"
    return holder


def test_a_command_waits_for_another_command_line_run_to_finish(tmp_path):
    from slacore.store import close_all, open_store

    db = tmp_path / "queue.duckdb"
    open_store(db)
    close_all()
    holder = _stand_in_command(db, 3)
    try:
        out = cli("import", FIXTURES / "zendesk_export.csv", "--json", "--db", db)
    finally:
        holder.wait(timeout=30)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1])["loaded"] > 0
    waiting = out.stderr.strip().splitlines()
    assert len(waiting) == 1 and waiting[0].startswith("waiting for python -c") and f"PID {holder.pid}" in waiting[0]


def test_a_holder_killed_during_a_handed_over_import_leaves_nothing_half_written(tmp_path):
    """A stand-in app (open the store, serve the endpoint) is killed while it imports a larger file: the command
    says so (exit 1), the database holds the import whole or not at all, and the next command cleans up."""
    import signal
    import time

    from slacore.handover import candidates
    from slacore.store import close_all, open_store

    db, big = tmp_path / "killed.duckdb", tmp_path / "big.csv"
    lines = ["Ticket ID,Created,Resolved,Priority"]
    lines += [f"K{i},2025-03-{1 + i % 28:02d} {i % 24:02d}:00:00,2025-03-{1 + i % 28:02d} {i % 24:02d}:30:00,high"
              for i in range(300_000)]
    big.write_text("\n".join(lines) + "\n")
    stand_in = """if True:
        import sys, time
        sys.path.insert(0, sys.argv[2])
        from slacore import handover
        from slacore.cli import run_job
        from slacore.store import open_store

        def announced(store, request):
            print("job", flush=True)
            return run_job(store, request)
        handover.serve(open_store(sys.argv[1]), announced)
        print("ready", flush=True)
        time.sleep(120)
    """
    app = subprocess.Popen([sys.executable, "-c", stand_in, str(db), str(REPO)], stdout=subprocess.PIPE, text=True)
    assert app.stdout.readline().strip() == "ready"
    env = {k: v for k, v in os.environ.items() if k not in ("SLACORE_DEBUG", "SLA_DB")}
    command = subprocess.Popen([sys.executable, "-m", "slacore", "import", str(big), "--json", "--db", str(db)],
                               cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert app.stdout.readline().strip() == "job"
    time.sleep(0.3)  # the import is under way in the stand-in app
    app.send_signal(signal.SIGKILL)
    app.wait()
    out, err = command.communicate(timeout=120)
    print("handed-over import after the kill:", command.returncode, err.strip())
    if command.returncode == 0:  # the import finished before the kill: then it is there, whole
        assert json.loads(out.strip().splitlines()[-1])["loaded"] == 300_000
    else:
        assert command.returncode == 1 and "stopped before the command finished" in err and "Traceback" not in err
    assert candidates(db)[0].exists(), "a killed app leaves its socket behind"
    listed = cli("datasets", "--json", "--db", db)
    assert listed.returncode == 0, listed.stderr
    assert not candidates(db)[0].exists(), "the next command removes it"
    store = open_store(db)
    try:
        imports = store.rows("SELECT count(*), coalesce(sum(loaded), 0) FROM imports")[0]
        tickets = store.scalar("SELECT count(*) FROM tickets")
        assert imports in ((0, 0), (1, 300_000)) and tickets == imports[1], (imports, tickets)
    finally:
        close_all()
