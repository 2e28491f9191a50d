"""What an import leaves in the store: its record, its rejected rows, updates by (source, id), all or nothing,
concurrent imports."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacore.errors import UserError
from slacore.importers import pipeline
from slacore.importers.pipeline import ImportOptions, delete_import, import_file, list_imports, rejected_rows

FIXTURES = Path(__file__).resolve().parent / "fixtures"
UTC = timezone.utc
HEADER = "Ticket ID,Subject,Priority,Created time,Initial response time,Resolved time\n"


def write_tickets(path: Path, ids, day: int = 1, extra_rows: str = "") -> Path:
    rows = "".join(f"{i},Subject {i},High,2025-04-{day:02d} 09:00:00,2025-04-{day:02d} 09:30:00,"
                   f"2025-04-{day:02d} 12:00:00\n" for i in ids)
    path.write_text(HEADER + rows + extra_rows)
    return path


def snapshot(store):
    return (store.rows("SELECT * FROM tickets ORDER BY source, ticket_id"),
            store.rows("SELECT * FROM imports ORDER BY import_id"),
            store.rows("SELECT * FROM rejected_rows ORDER BY import_id, row_number"))


def test_every_import_is_recorded(store, tmp_path):
    f = write_tickets(tmp_path / "export.csv", range(1, 6),
                      extra_rows="6,Bad,Low,not a date,,\n7,Early,Low,2025-04-02 10:00:00,,2025-04-01 10:00:00\n")
    before = datetime.now(UTC)
    report = import_file(store, f)
    rec = list_imports(store).iloc[0]
    assert rec["file_name"] == "export.csv"
    assert rec["sha256"] == hashlib.sha256(f.read_bytes()).hexdigest() == report.sha256
    assert rec["format"] == "freshdesk" and rec["source"] == "freshdesk"
    assert (rec["rows_read"], rec["loaded"], rec["updated"], rec["rejected"]) == (7, 5, 0, 2)
    started, finished, tz = store.rows("SELECT started_at, finished_at, timezone FROM imports")[0]
    assert before - timedelta(seconds=1) <= started <= finished <= datetime.now(UTC) and tz == "UTC"
    rej = rejected_rows(store, report.import_id)
    assert rej["row_number"].tolist() == [7, 8]
    assert rej["reason"].tolist() == ["unreadable created time: not a date", "resolved before created"]
    assert '"Subject":"Bad"' in rej.loc[0, "raw"].replace(" ", "")
    assert store.scalar("SELECT count(DISTINCT import_id) FROM tickets") == 1


def test_reimporting_the_same_or_an_overlapping_export_counts_nothing_twice(store, tmp_path):
    first = import_file(store, write_tickets(tmp_path / "a.csv", range(1, 11)))
    assert (first.loaded, first.updated) == (10, 0)
    again = import_file(store, tmp_path / "a.csv")
    assert (again.loaded, again.updated) == (0, 10)
    overlap = import_file(store, write_tickets(tmp_path / "b.csv", range(6, 16), day=2))
    assert (overlap.loaded, overlap.updated) == (5, 5)
    assert store.scalar("SELECT count(*) FROM tickets") == 15
    # the newer export's values replace the older ones
    assert store.scalar("SELECT created_at FROM tickets WHERE ticket_id = '6'") == datetime(2025, 4, 2, 9, tzinfo=UTC)
    assert store.scalar("SELECT created_at FROM tickets WHERE ticket_id = '1'") == datetime(2025, 4, 1, 9, tzinfo=UTC)
    # another source is another ticket space
    other = import_file(store, tmp_path / "a.csv", options=ImportOptions(source="second desk"))
    assert (other.loaded, other.updated) == (10, 0)
    assert store.scalar("SELECT count(*) FROM tickets") == 25


def test_duplicate_ids_latest_update_wins_else_last_row(store, tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("Ticket ID,Created time,Last update time,Status\n"
                 "1,2025-01-01 09:00,2025-01-03 09:00,Closed\n1,2025-01-01 09:00,2025-01-02 09:00,Open\n"
                 "2,2025-01-01 09:00,,Open\n2,2025-01-01 09:00,,Pending\n")
    report = import_file(store, f)
    assert (report.loaded, report.duplicates) == (2, 2)
    assert dict(store.rows("SELECT ticket_id, status FROM tickets")) == {"1": "Closed", "2": "Pending"}


def test_rows_without_an_id_column_are_not_doubled_by_a_reordered_reimport(store, tmp_path):
    rows = ["2025-01-01 09:00,Printer", "2025-01-02 09:00,Login", "2025-01-03 09:00,VPN"]
    (tmp_path / "a.csv").write_text("Created,Subject\n" + "\n".join(rows) + "\n")
    (tmp_path / "b.csv").write_text("Created,Subject\n" + "\n".join(reversed(rows + ["2025-01-04 09:00,New"])) + "\n")
    import_file(store, tmp_path / "a.csv")
    second = import_file(store, tmp_path / "b.csv")
    assert (second.loaded, second.updated) == (1, 3)
    assert store.scalar("SELECT count(*) FROM tickets") == 4


def test_delete_import(store, tmp_path):
    report = import_file(store, write_tickets(tmp_path / "a.csv", range(3), extra_rows="9,x,Low,bad,,\n"))
    assert delete_import(store, report.import_id) == 3
    assert snapshot(store) == ([], [], [])
    with pytest.raises(UserError):
        delete_import(store, report.import_id)


# -- all or nothing ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("step", ["_insert_tickets", "_insert_rejects"])
def test_a_failure_in_the_middle_of_the_swap_leaves_earlier_data_untouched(store, tmp_path, monkeypatch, step):
    import_file(store, write_tickets(tmp_path / "a.csv", range(1, 11)))
    before = snapshot(store)
    original = getattr(pipeline, step)
    deleted = []

    def fail_after_the_delete(cur, *args, **kwargs):
        original(cur, *args, **kwargs)
        # the incoming ids were deleted (and, for the second step, re-inserted) inside the transaction
        deleted.append(cur.execute("SELECT count(*) FROM tickets WHERE ticket_id IN ('5', '6')").fetchone()[0])
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline, step, fail_after_the_delete)
    overlapping = write_tickets(tmp_path / "b.csv", range(5, 20), day=3, extra_rows="99,x,Low,bad,,\n")
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(store, overlapping)
    assert deleted  # the failure really happened after the swap had started
    assert snapshot(store) == before
    monkeypatch.setattr(pipeline, step, original)
    report = import_file(store, overlapping)  # the store is still usable, and the import works now
    assert (report.loaded, report.updated, report.rejected) == (9, 6, 1)


def test_a_refusal_after_staging_leaves_no_trace(store, tmp_path):
    import_file(store, write_tickets(tmp_path / "a.csv", range(3)))
    before = snapshot(store)
    bad = tmp_path / "b.csv"
    bad.write_text("Ticket ID,Created time\n1,never\n")
    with pytest.raises(UserError):
        import_file(store, bad)
    assert snapshot(store) == before
    with store.cursor() as cur:  # no staging table outlives the import
        assert cur.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0


# -- concurrency --------------------------------------------------------------------------------------------------------

def test_two_threads_importing_at_the_same_moment_both_succeed(store, tmp_path):
    files = [FIXTURES / "freshdesk_export.csv", FIXTURES / "zendesk_export.csv",
             write_tickets(tmp_path / "same.csv", range(100, 150)), tmp_path / "same.csv"]
    barrier = threading.Barrier(len(files))
    results, errors = {}, []

    def run(i, path):
        try:
            barrier.wait()
            results[i] = import_file(store, path, options=ImportOptions(source="shared" if i >= 2 else None))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(files)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert results[0].loaded == 4 and results[1].loaded == 5
    same = sorted([(results[2].loaded, results[2].updated), (results[3].loaded, results[3].updated)])
    assert same == [(0, 50), (50, 0)]  # one of them landed first; the other replaced its tickets
    assert store.scalar("SELECT count(*) FROM tickets") == 4 + 5 + 50
    assert store.scalar("SELECT count(*) FROM imports") == 4


# -- property: re-importing any subsets never counts a ticket twice --------------------------------------------------

@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.sets(st.integers(min_value=1, max_value=30), min_size=1, max_size=12),
                        min_size=1, max_size=3))
def test_property_reimports_of_any_subsets_hold_exactly_the_union(batches):
    from slacore.store import open_store

    folder = Path(tempfile.mkdtemp(prefix="slacore-prop-"))
    try:
        store = open_store(folder / "p.duckdb")
        seen: set[int] = set()
        for n, batch in enumerate(batches):
            report = import_file(store, write_tickets(folder / f"{n}.csv", sorted(batch), day=n + 1))
            assert (report.loaded, report.updated) == (len(batch - seen), len(batch & seen))
            seen |= batch
            assert store.scalar("SELECT count(*) FROM tickets") == len(seen)
            assert store.scalar("SELECT count(DISTINCT ticket_id) FROM tickets") == len(seen)
        store.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
