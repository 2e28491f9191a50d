"""Regression: one ticket dated centuries off (1600, 2300, 'infinity') must not damage the workspace.

Before the fix the duplicate flags multiplied the creation epoch in microseconds by 1024 and overflowed INT64: the
import committed and then exited 1, every later import exited 1 while committing its rows, Data quality errored and
the exclusion switch broke Performance and Trends. Now such rows are rejected at import with a reason, every derived
column is total over any TIMESTAMPTZ (for tickets that reached the table some other way), and a step after the
commit can no longer turn a committed import into a reported failure.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst

from apptest_helpers import open_page, texts
from test_cli_import import cli, last_json

UTC = timezone.utc

HEADER = "Ticket ID,Subject,Customer,Status,Priority,Created at,First response at,Resolved at\n"
EXTREME = HEADER + (
    "1,Printer broken,Acme,Closed,High,1600-03-01 10:00:00,1600-03-01 11:00:00,\n"
    "2,Login fails,Acme,Open,Low,2300-03-01 10:00:00,,\n"
    "3,VPN down,Acme,Closed,Low,2025-03-03 10:00:00,2025-03-03 10:30:00,2025-03-03 15:00:00\n"
    "4,VPN down,Acme,Closed,Low,2025-03-03 10:02:00,2025-03-03 10:40:00,2300-01-01 00:00:00\n"
    "5,Mail bounce,Beta,Closed,Low,infinity,,\n"
)
NORMAL = HEADER + (
    "10,Invoice copy,Beta,Closed,Normal,2025-03-04 09:00:00,2025-03-04 09:20:00,2025-03-04 12:00:00\n"
    "11,Invoice copy,Beta,Closed,Normal,2025-03-04 09:03:00,2025-03-04 09:25:00,2025-03-04 12:10:00\n"
)
TARGETS = """
calendars:
  office:
    timezone: Europe/Berlin
    hours: {mon-fri: "09:00-17:00"}
targets:
  - name: First response 1h
    metric: first_response
    within: 1h
    goal: 90%
    calendar: office
  - name: Resolution 1d
    metric: resolution
    within: 24h
    goal: 90%
"""
PERIOD = {"period": "custom", "from": "2025-03-01", "to": "2025-03-31"}


def test_a_file_with_tickets_in_1600_and_2300_is_imported_without_them_and_nothing_breaks(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    extreme, normal, targets = tmp_path / "extreme.csv", tmp_path / "normal.csv", tmp_path / "sla.yaml"
    extreme.write_text(EXTREME)
    normal.write_text(NORMAL)
    targets.write_text(TARGETS)
    assert cli("targets", "apply", targets, "--db", db).returncode == 0

    first = last_json(cli("import", extreme, "--db", db, "--json"))
    assert (first["loaded"], first["rejected"]) == (1, 4)
    rejected = last_json(cli("datasets", "--db", db, "--json"))["imports"][0]
    assert rejected["rejected"] == 4
    again = cli("import", extreme, "--db", db)  # the human output names each reason
    assert again.returncode == 0, again.stderr
    assert "created time out of range: 1600-03-01 10:00:00" in again.stdout
    assert "created time out of range: 2300-03-01 10:00:00" in again.stdout
    assert "resolved time out of range: 2300-01-01 00:00:00" in again.stdout
    assert 'placeholder created time (a "no date" value): infinity' in again.stdout  # PostgreSQL's "never"

    second = last_json(cli("import", normal, "--db", db, "--json"))
    assert (second["loaded"], second["rejected"]) == (2, 0)
    summary = last_json(cli("summary", "--from", "2025-03-01", "--to", "2025-03-31", "--db", db, "--json"))
    assert {t["name"]: t["met"] + t["breached"] + t["pending"] for t in summary["targets"]} == \
        {"First response 1h": 3, "Resolution 1d": 3}

    monkeypatch.setenv("SLA_DB", str(db))
    _assert_pages_work(duplicates=1)


def test_a_workspace_already_holding_extreme_tickets_works_and_imports_report_success(tmp_path, monkeypatch):
    """Tickets written before the fix (or by another program) with any TIMESTAMPTZ: every derived column is total."""
    from slacore import clocks, quality
    from slacore.store import close_all, open_store

    db = tmp_path / "w.duckdb"
    (tmp_path / "sla.yaml").write_text(TARGETS)
    assert cli("targets", "apply", tmp_path / "sla.yaml", "--db", db).returncode == 0
    store = open_store(db)
    stamps = ["1600-03-01 10:00:00+00", "2300-03-01 10:00:00+00", "infinity", "-infinity",
              "290000-01-01 00:00:00+00", "290000-01-01 (BC) 00:00:00+00", "1685-01-01 00:00:00+00"]
    with store.transaction() as cur:
        for i, stamp in enumerate(stamps):
            cur.execute("INSERT INTO tickets (source, ticket_id, created_at, first_response_at, customer, subject) "
                        "VALUES ('old', ?, ?::TIMESTAMPTZ, ?::TIMESTAMPTZ, 'Acme', 'Same subject')",
                        [str(i), stamp, stamp])
    quality.ensure_duplicates(store)
    clocks.ensure_for_targets(store)
    assert store.scalar("SELECT count(*) FROM tickets WHERE created_local IS NULL OR dup_key IS NULL") == 0
    report = quality.report(store)  # the period is all data: the future ones are in scope too
    assert report["total"] == 3 and report["weekly"].empty  # none of them belongs to a week of the chart
    assert quality.suspicious_count(store) >= 3  # the future ones (2300, 290000, infinity) at least
    close_all()

    (tmp_path / "normal.csv").write_text(NORMAL)
    out = last_json(cli("import", tmp_path / "normal.csv", "--db", db, "--json"))
    assert (out["loaded"], out["rejected"]) == (2, 0)
    again = cli("import", tmp_path / "normal.csv", "--db", db, "--json")
    assert again.returncode == 0 and json.loads(again.stdout.splitlines()[-1])["updated"] == 2, again.stderr

    monkeypatch.setenv("SLA_DB", str(db))
    _assert_pages_work(duplicates=1)


def _assert_pages_work(duplicates: int) -> None:
    import streamlit as st

    for page, query in [("pages/quality.py", PERIOD), ("pages/performance.py", {**PERIOD, "exclude": "1"}),
                        ("pages/trends.py", {**PERIOD, "exclude": "1"}), ("pages/home.py", {"exclude": "1"}),
                        ("pages/performance.py", {"exclude": "1"}), ("pages/trends.py", {"exclude": "1"}),
                        ("pages/benchmarks.py", {"exclude": "1"}), ("pages/data.py", {})]:
        st.cache_data.clear()
        st.cache_resource.clear()
        at = open_page(page, query)
        assert not at.exception, (page, at.exception)
        assert not at.error, (page, [e.value for e in at.error])
        if page == "pages/quality.py":
            values = {m.label: m.value for m in at.metric}
            from slacore import quality

            assert values[quality.labels()["duplicate"]] == str(duplicates)
        if page == "pages/performance.py":
            assert "is on" in texts(at) or "leaves out" in texts(at) or "excluded" in texts(at)
    st.cache_data.clear()
    st.cache_resource.clear()
    from slacore.store import close_all

    close_all()


@pytest.mark.parametrize("stamp", ["1600-03-01 10:00:00+00", "2300-03-01 10:00:00+00", "0001-01-01 00:00:00+00",
                                   "9999-12-31 00:00:00+00", "infinity", "-infinity", "290000-01-01 00:00:00+00"])
def test_duplicate_flags_clock_positions_and_local_time_are_total(store, stamp):
    """Two tickets of one customer and subject at the same extreme instant, and a normal one: flags, positions
    and created_local are computed (not an overflow, not left missing to be recomputed on every page)."""
    from slacore import clocks, quality
    from slacore.calendars import calendar_from_dict
    from slacore.metrics import Evaluation
    from slacore.targets import build_target, save_calendar

    office = calendar_from_dict("office", {"timezone": "Europe/Berlin", "hours": {"mon-fri": "09:00-17:00"}})
    save_calendar(store, office)
    with store.transaction() as cur:
        for i in (1, 2):
            cur.execute("INSERT INTO tickets (source, ticket_id, created_at, first_response_at, customer, subject) "
                        "VALUES ('t', ?, ?::TIMESTAMPTZ, ?::TIMESTAMPTZ, 'A', 'S')", [str(i), stamp, stamp])
        cur.execute("INSERT INTO tickets (source, ticket_id, created_at, customer, subject) "
                    "VALUES ('t', '3', TIMESTAMPTZ '2025-03-03 10:00:00+00', 'A', 'S')")
    quality.ensure_duplicates(store)
    gaps = dict(store.rows("SELECT ticket_id, dup_gap FROM tickets"))
    infinite = "infinity" in stamp  # no epoch, so no gap: never a duplicate
    assert gaps["3"] is None and [v for v in gaps.values() if v is not None] == ([] if infinite else [0])
    clk = clocks.ensure(store, [office])["office"]
    assert store.scalar(f"SELECT count(*) FROM tickets t WHERE {clk.column('created')} IS NULL "
                        "OR created_local IS NULL") == 0
    with store.cursor() as cur:
        registry = clocks._registry(cur)
    assert clocks._complete(store, [office], "UTC", registry)  # nothing left to recompute on the next page
    target = build_target("FR", "first_response", "1h", "90%", calendar="office")
    with Evaluation(store, [target], as_of=datetime(2025, 3, 10, tzinfo=UTC)) as ev:
        assert "3" in set(ev.sql("SELECT ticket_id FROM o")["ticket_id"])


def test_the_years_an_import_accepts_are_the_years_the_clocks_measure_exactly():
    from slacore import clocks
    from slacore.importers import timestamps

    assert datetime.fromtimestamp(clocks._EDGE_LO, UTC) == datetime.fromisoformat(timestamps.EARLIEST)
    assert datetime.fromtimestamp(clocks._EDGE_HI, UTC) == datetime.fromisoformat(timestamps.LATEST)


@pytest.mark.parametrize("step", ["slacore.quality.ensure_duplicates", "slacore.clocks.ensure_for_targets",
                                  "slacore.quality._record"])
def test_a_failure_after_the_commit_does_not_report_a_committed_import_as_failed(store, tmp_path, monkeypatch, step):
    """The derived columns are prepared after the import's commit; if that fails the rows have landed all the same,
    so the import reports success (with a note) and the next read prepares them."""
    import duckdb

    from slacore import quality
    from slacore.importers.pipeline import import_file

    quality.ensure_duplicates(store)  # flags current: the import re-flags in its own transaction, then records

    def broken(*args, **kwargs):
        raise duckdb.OutOfRangeException("Overflow in multiplication of INT64")

    monkeypatch.setattr(step, broken)
    path = tmp_path / "normal.csv"
    path.write_text(NORMAL)
    report = import_file(store, path)
    assert (report.loaded, report.rejected) == (2, 0)
    assert store.scalar("SELECT count(*) FROM tickets") == 2
    if step != "slacore.quality._record":
        assert any("next page view prepares them" in n for n in report.notes), report.notes
    monkeypatch.undo()
    assert quality.summary(store).set_index("check").loc["duplicate", "tickets"] == 1


_US_RANGE = (-9_200_000_000_000_000_000, 9_200_000_000_000_000_000)  # about 290,000 BC .. 290,000 AD


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(micros=hst.lists(hst.integers(*_US_RANGE), min_size=1, max_size=6))
def test_property_any_timestamptz_keeps_the_derived_columns_total(tmp_path_factory, micros):
    """Whatever instants the tickets table holds, the duplicate flags, clock positions and created_local are
    computed without an error and nothing is left missing."""
    from slacore import clocks, quality
    from slacore.calendars import calendar_from_dict
    from slacore.store import open_store

    store = open_store(tmp_path_factory.mktemp("any") / "w.duckdb")
    try:
        with store.transaction() as cur:
            for i, us in enumerate(micros):
                cur.execute("INSERT INTO tickets (source, ticket_id, created_at, resolved_at, customer, subject) "
                            "VALUES ('t', ?, make_timestamptz(?::BIGINT), make_timestamptz(?::BIGINT), 'A', 'S')",
                            [str(i), us, us + 1])
        office = calendar_from_dict("office", {"timezone": "Europe/Berlin", "hours": {"mon-fri": "09:00-17:00"}})
        quality.ensure_duplicates(store)
        clk = clocks.ensure(store, [office])["office"]
        assert store.scalar(f"SELECT count(*) FROM tickets t WHERE {clk.column('resolved')} IS NULL "
                            "OR created_local IS NULL") == 0
        assert quality.report(store)["summary"]["tickets"].ge(0).all()
    finally:
        store.close()
