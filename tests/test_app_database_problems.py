"""AppTest: what every page says when the database cannot be used (held by another program, damaged, written by a
newer version), when a stored calendar no longer parses, or when the sample data is missing — one sentence, never
a traceback — and that a command handed over by the command line shows on the next rerun."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from apptest_helpers import error_texts, open_page
from paths import REPO

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAGES = ["pages/home.py", "pages/performance.py", "pages/trends.py", "pages/benchmarks.py", "pages/quality.py",
         "pages/targets.py", "pages/data.py", "pages/review.py"]


def _errors(at) -> list[str]:
    return error_texts(at)  # as shown, and marked as read for the app_env safety net


def _stopped_with(page: str | None, *words: str) -> None:
    """The page shows exactly one error, with these words, and nothing of the page itself."""
    at = open_page(page)
    assert not at.exception, at.exception
    errors = _errors(at)
    assert len(errors) == 1, errors
    for word in words:
        assert word in errors[0], (word, errors[0])
    assert not at.metric and not at.tabs, "the page itself does not run"


def test_every_page_names_the_program_holding_the_database(empty_app):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True);"
         " time.sleep(120)", str(empty_app)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        for page in [None, *PAGES]:
            _stopped_with(page, "in use by another program", f"PID {holder.pid}", "python -c import duckdb")
    finally:
        holder.kill()
        holder.wait()
    at = open_page()  # released: the next run opens it
    assert not at.exception and not _errors(at), _errors(at)


def test_a_page_waits_for_a_command_line_run_holding_the_database(empty_app):
    from slacore.store import close_all, open_store

    open_store(empty_app)
    close_all()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('ready', flush=True); time.sleep(3); c.close()", str(empty_app),
         "-m", "slacore", "import"], stdout=subprocess.PIPE, text=True)  # its command line says: a slacore run
    try:
        assert holder.stdout.readline().strip() == "ready"
        at = open_page()
    finally:
        holder.wait(timeout=30)
    assert not at.exception and not _errors(at), _errors(at)
    assert any("No tickets yet" in i.value for i in at.info)


def test_every_page_says_a_damaged_database_cannot_be_read(empty_app):
    empty_app.write_bytes(b"PK\x03\x04 not a database" * 200)
    for page in [None, *PAGES]:
        _stopped_with(page, "cannot be read", "restore it from a backup")


def test_a_database_of_a_newer_version_is_one_sentence(empty_app):
    from slacore.schema import MIGRATIONS
    from slacore.store import close_all, open_store

    with open_store(empty_app).transaction() as cur:
        cur.execute("INSERT INTO schema_version VALUES (?, now())", [len(MIGRATIONS) + 1])
    close_all()
    for page in (None, "pages/performance.py", "pages/data.py"):
        _stopped_with(page, "newer version of this app", "update the app")


def test_missing_sample_data_is_a_sentence_and_the_app_starts_empty(app_env, monkeypatch, tmp_path):
    monkeypatch.setattr("slacore.config.SAMPLE_DIR", tmp_path / "no-sample-data")
    at = open_page()
    assert not at.exception and not _errors(at), _errors(at)
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1 and "sample data is missing" in warnings[0], warnings
    assert any("No tickets yet" in i.value for i in at.info)
    at = open_page("pages/data.py")  # the Data page still takes an upload
    assert not at.exception and not _errors(at) and at.get("file_uploader")


def test_an_unreadable_stored_calendar_is_named_on_the_pages_that_judge(app_env):
    from slacore.store import close_all, open_store

    at = open_page("pages/performance.py")  # the sample data and its targets (on the us-business calendar)
    assert not at.exception and not _errors(at), _errors(at)
    close_all()
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    with open_store(app_env).transaction() as cur:  # the stored calendar no longer parses (a dropped holidays code)
        cur.execute("""INSERT OR REPLACE INTO calendars VALUES
                       ('us-business', '{"timezone": "America/New_York", "holidays": "XX-NOPE"}', now())""")
    close_all()
    for page in ("pages/performance.py", "pages/trends.py"):
        at = open_page(page)
        assert not at.exception, at.exception
        errors = _errors(at)
        assert len(errors) == 1 and "'us-business'" in errors[0] and "cannot read" in errors[0], errors
    at = open_page("pages/home.py")  # Home judges only its "promises" table: the counts and charts still show
    assert not at.exception, at.exception
    errors = _errors(at)
    assert len(errors) == 1 and "'us-business'" in errors[0] and "cannot read" in errors[0], errors
    assert {m.label for m in at.metric} >= {"Tickets", "Open", "Sources", "Imports"}
    at = open_page("pages/targets.py")  # where it is repaired: asked for at the top; the what-if says it cannot judge
    assert not at.exception, at.exception
    assert all("'us-business'" in e and "cannot read" in e for e in _errors(at)), _errors(at)
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1 and "'us-business'" in warnings[0] and "define it again" in warnings[0], warnings


def test_a_command_handed_over_by_the_command_line_shows_on_the_next_rerun(app_env):
    at = open_page()
    assert not at.exception and not _errors(at), _errors(at)
    tickets = int({m.label: m.value for m in at.metric}["Tickets"].replace(",", ""))
    env = {k: v for k, v in os.environ.items() if k not in ("SLACORE_DEBUG",)}
    out = subprocess.run([sys.executable, "-m", "slacore", "import", str(FIXTURES / "zendesk_export.csv"), "--json"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=120)  # SLA_DB: the app's file
    assert out.returncode == 0, out.stderr
    loaded = json.loads(out.stdout.strip().splitlines()[-1])["loaded"]
    assert loaded > 0
    at.run()
    assert not at.exception and not _errors(at), _errors(at)
    assert {m.label: m.value for m in at.metric}["Tickets"] == f"{tickets + loaded:,}"
