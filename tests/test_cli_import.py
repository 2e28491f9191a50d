"""Contract tests of `python -m slacore import` / `datasets`, run as subprocesses the way automation runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def cli(*args, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("SLACORE_DEBUG", "SLA_DB")}
    return subprocess.run([sys.executable, "-m", "slacore", *map(str, args)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def last_json(out: subprocess.CompletedProcess) -> dict:
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def assert_refused(out: subprocess.CompletedProcess, *words: str) -> None:
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    assert "Traceback" not in out.stderr + out.stdout and out.stdout.strip() == ""
    for word in words:
        assert word.lower() in lines[0].lower(), (word, lines[0])


def stored(db: Path, sql: str):
    from slacore.store import open_store

    store = open_store(db)
    try:
        return store.scalar(sql)
    finally:
        store.close()


def test_import_prints_the_json_contract_last_and_datasets_lists_the_imports(tmp_path):
    db = tmp_path / "a.duckdb"
    assert last_json(cli("datasets", "--db", db, "--json")) == {"imports": []}
    first = last_json(cli("import", FIXTURES / "freshdesk_export.csv", "--db", db, "--json"))
    assert {k: first[k] for k in ("loaded", "updated", "rejected", "format")} == \
        {"loaded": 4, "updated": 0, "rejected": 0, "format": "freshdesk"}
    assert isinstance(first["import_id"], int) and first["file"] == "freshdesk_export.csv"
    again = last_json(cli("import", FIXTURES / "freshdesk_export.csv", "--db", db, "--json", "--kind", "tickets"))
    assert (again["loaded"], again["updated"]) == (0, 4)
    human = cli("import", FIXTURES / "jira_spanish.csv", "--db", db, "--format", "jira")
    assert human.returncode == 0 and "5 new, 0 updated, 0 rejected" in human.stdout
    listed = last_json(cli("datasets", "--db", db, "--json"))["imports"]
    assert [(r["file_name"], r["format"], r["loaded"], r["updated"]) for r in listed] == \
        [("jira_spanish.csv", "jira", 5, 0), ("freshdesk_export.csv", "freshdesk", 0, 4),
         ("freshdesk_export.csv", "freshdesk", 4, 0)]
    assert all(len(r["sha256"]) == 64 for r in listed)
    table = cli("datasets", "--db", db)
    assert table.returncode == 0 and "jira_spanish.csv" in table.stdout and "freshdesk_export.csv" in table.stdout


def test_refusals_exit_non_zero_with_one_line_and_store_nothing(tmp_path):
    cases = [
        (("import", FIXTURES / "png_renamed.csv"), ["PNG"]),
        (("import", FIXTURES / "no_date_column.csv", "--json"), ["creation time", "--map created_at="]),
        (("import", FIXTURES / "freshdesk_export.csv", "--timezone", "Mars/Olympus"), ["time zone"]),
        (("import", FIXTURES / "freshdesk_export.csv", "--map", "created_at"), ["--map"]),
        (("import", tmp_path / "missing.csv"), ["no file"]),
    ]
    dbs = [tmp_path / f"r{i}.duckdb" for i in range(len(cases))]
    with ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda c: cli(*c[0][0], "--db", c[1]), zip(cases, dbs)))
    for (args, words), out, db in zip(cases, outs, dbs):
        assert_refused(out, *words)
        if db.exists():
            assert stored(db, "SELECT count(*) FROM imports") == 0
            assert stored(db, "SELECT count(*) FROM tickets") == 0


def test_map_is_given_once_and_remembered_for_the_same_header(tmp_path):
    db = tmp_path / "m.duckdb"
    assert_refused(cli("import", FIXTURES / "custom_headers_a.csv", "--db", db), "creation time")
    first = last_json(cli("import", FIXTURES / "custom_headers_a.csv", "--db", db, "--json",
                          "--map", "ticket_id=Ref", "--map", "created_at=Logged", "--map", "resolved_at=Done",
                          "--map", "priority=Level"))
    assert (first["loaded"], first["format"]) == (2, "generic")
    assert first["mapping"]["created_at"] == "Logged"
    second = last_json(cli("import", FIXTURES / "custom_headers_b.csv", "--db", db, "--json"))
    assert (second["loaded"], second["updated"]) == (1, 1)


def test_timezone_format_source_and_pii_options(tmp_path):
    db = tmp_path / "o.duckdb"
    f = tmp_path / "naive.csv"
    f.write_text("Ticket ID,Created time,Email\n1,2025-01-15 10:00:00,a@example.com\n")
    out = last_json(cli("import", f, "--db", db, "--json", "--timezone", "Asia/Kolkata", "--format", "generic",
                        "--source", "desk", "--pii", "drop", "--dayfirst", "no"))
    assert (out["format"], out["source"], out["loaded"]) == ("generic", "desk", 1)
    assert str(stored(db, "SELECT strftime(created_at, '%Y-%m-%d %H:%M') FROM tickets")) == "2025-01-15 04:30"
    assert "example.com" not in str(stored(db, "SELECT CAST(extra AS VARCHAR) FROM tickets"))


def test_a_database_in_use_by_another_process_is_one_clear_line(tmp_path):
    db = tmp_path / "busy.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True);"
         " time.sleep(60)", str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert_refused(cli("import", FIXTURES / "freshdesk_export.csv", "--db", db, "--json"), "in use")
    finally:
        holder.kill()
        holder.wait()


def test_the_command_line_does_not_import_streamlit(tmp_path):
    code = ("import sys; from slacore.cli import main; "
            f"rc = main(['import', {str(FIXTURES / 'freshdesk_export.csv')!r}, '--db', {str(tmp_path / 's.duckdb')!r}]);"
            " assert rc == 0; assert 'streamlit' not in sys.modules, 'streamlit imported'; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr


# -- every file of ../shared/inputs, as its README says ------------------------------------------------------------

README = {
    "empty.csv": None,
    "header_only.csv": "no tickets",
    "random_bytes.csv": None,
    "pdf_renamed.xlsx": None,
    "bad_rows_mixed.csv": dict(loaded=54, rejected=6),
    "duplicate_ids.csv": dict(loaded=1, rejected=0, duplicates=2),
    "bom_crlf_quoted_newlines.csv": dict(loaded=1, rejected=0),
    "german_excel_semicolon_cp1252.csv": dict(loaded=40, rejected=0),
    "jira_style_dates.csv": dict(loaded=30, rejected=0),
    "month_first_us.csv": dict(loaded=29, rejected=0),
}


def test_shared_inputs_as_the_readme_says(inputs, tmp_path):
    assert {p.name for p in inputs.iterdir() if p.name != "README.md"} == set(README)

    def run(name):
        tz = "Europe/Berlin" if name.startswith("german") else "UTC"
        return cli("import", inputs / name, "--db", tmp_path / f"{name}.duckdb", "--timezone", tz, "--json")

    with ThreadPoolExecutor(4) as pool:
        outs = dict(zip(README, pool.map(run, README)))
    problems = []
    for name, expected in README.items():
        out = outs[name]
        try:
            if expected is None or isinstance(expected, str):
                assert_refused(out, *([expected] if expected else []))
                assert stored(tmp_path / f"{name}.duckdb", "SELECT count(*) FROM imports") == 0
            else:
                got = last_json(out)
                assert {k: got[k] for k in expected} == expected, got
                assert got["updated"] == 0
        except AssertionError as exc:
            problems.append(f"{name}: {exc}")
    assert not problems, "\n".join(problems)
    german = tmp_path / "german_excel_semicolon_cp1252.csv.duckdb"
    assert stored(german, "SELECT count(*) FILTER (WHERE priority = 'high') FROM tickets") == 40
    assert str(stored(german, "SELECT min(created_at) FROM tickets")).startswith("2025-03-01 07:00")


def test_unexpected_failures_are_one_line_too(tmp_path):
    """A crash inside the importer (here: a store file that is not a database) still gives no traceback."""
    db = tmp_path / "not_a_db.duckdb"
    db.write_text("this is not a DuckDB file")
    out = cli("import", FIXTURES / "freshdesk_export.csv", "--db", db, "--json")
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and out.stderr.startswith("error: ")
