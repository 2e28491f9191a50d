"""How a CSV is read: decisions taken from the head or a sample of a big file must never change the result."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import pytest

from slacore.importers import pipeline, reader
from slacore.importers.pipeline import import_file, plan_import, rejected_rows

UTC = timezone.utc


@pytest.fixture
def small_head(monkeypatch):
    """Make 'the head of a big file' a few hundred bytes, so that small test files have a head and a rest."""
    monkeypatch.setattr(reader, "CHUNK", 64)
    monkeypatch.setattr(reader, "HEAD_BYTES", 128)


def rows(n: int, start: int = 1) -> str:
    return "".join(f"{i},2025-02-{1 + i % 12:02d} 09:00:00,Subject {i}\n" for i in range(start, start + n))


def test_legacy_byte_after_the_head_reads_the_file_again_as_cp1252(store, tmp_path, small_head):
    f = tmp_path / "late.csv"
    f.write_bytes(("Ticket ID,Created,Subject\n" + rows(20)).encode() + "99,2025-02-03 09:00:00,Café\n".encode("cp1252"))
    report = import_file(store, f)
    assert (report.loaded, report.rejected) == (21, 0)
    assert store.scalar("SELECT subject FROM tickets WHERE ticket_id = '99'") == "Café"
    assert report.sha256 == hashlib.sha256(f.read_bytes()).hexdigest()
    assert any("cp1252" in n for n in report.notes)


def test_cr_cr_lf_after_the_head_is_normalised_too(store, tmp_path, small_head):
    f = tmp_path / "late_crcrlf.csv"
    f.write_bytes(("Ticket ID,Created,Subject\r\n" + rows(20).replace("\n", "\r\n")).encode()
                  + ("98,2025-02-03 09:00:00,Late\r\r\n97,2025-02-04 09:00:00,Later\r\r\n").encode())
    report = import_file(store, f)
    assert (report.loaded, report.rejected) == (22, 0)
    assert store.scalar("SELECT subject FROM tickets WHERE ticket_id = '97'") == "Later"


def test_day_first_decided_over_the_whole_file_when_its_head_is_ambiguous(store, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "SAMPLE_ROWS", 30)
    f = tmp_path / "sorted.csv"
    head = "".join(f"{i},{1 + i % 12:02d}/02/2025 09:00,S\n" for i in range(1, 41))  # days 1..12: ambiguous
    tail = "".join(f"{i},{13 + i % 15:02d}/02/2025 09:00,S\n" for i in range(41, 61))  # day 13 or later
    f.write_text("Ticket ID,Created,Subject\n" + head + tail)
    report = import_file(store, f)
    assert (report.loaded, report.rejected) == (60, 0)
    assert "day first" in report.timestamp_formats["created_at"]
    assert store.scalar("SELECT created_at FROM tickets WHERE ticket_id = '1'") == datetime(2025, 2, 2, 9, tzinfo=UTC)


def test_a_column_empty_at_the_top_of_a_big_file_is_still_read(store, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "SAMPLE_ROWS", 30)
    f = tmp_path / "newest_first.csv"
    open_ = "".join(f"{i},05.03.2025 09:00,\n" for i in range(1, 41))
    solved = "".join(f"{i},01.03.2025 09:00,02.03.2025 17:30\n" for i in range(41, 61))
    f.write_text("Ticket ID,Created,Resolved\n" + open_ + solved)
    report = import_file(store, f)
    assert (report.loaded, report.rejected) == (60, 0)
    assert store.scalar("SELECT resolved_at FROM tickets WHERE ticket_id = '50'") == \
        datetime(2025, 3, 2, 17, 30, tzinfo=UTC)


def test_cleaning_decided_on_a_sample_still_cleans_ids_dates_and_numbers_everywhere(store, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "SAMPLE_ROWS", 5)
    f = tmp_path / "late_padding.csv"
    f.write_text("Ticket ID,Created,Resolved,Group,Replies\n" + "".join(
        f"{i},2025-01-01 09:00:00,2025-01-01 10:00:00,Desk,1\n" for i in range(1, 11))
        + " 11 , 2025-01-01 09:00:00 ,?,  Desk  , 2 \n12,2025-01-01 09:00:00,N/A,,3\n")
    report = import_file(store, f)
    assert (report.loaded, report.rejected) == (12, 0)
    t = store.query("SELECT * FROM tickets WHERE ticket_id IN ('11', '12') ORDER BY ticket_id").set_index("ticket_id")
    assert t.loc["11", "created_at"] == datetime(2025, 1, 1, 9, tzinfo=UTC) and t.loc["11", "agent_replies"] == 2
    assert t.loc["11", "resolved_at"] is None or t["resolved_at"].isna().all()
    assert t.loc["12", "team"] is None or t.loc["12", "team"] != t.loc["12", "team"]  # '' is no team


def test_malformed_lines_are_rejected_once_each_and_row_numbers_stay_true(store, tmp_path):
    f = tmp_path / "ragged.csv"
    f.write_text("Ticket ID,Created time,Resolved time\n"
                 "1,2025-01-01 09:00,2025-01-01 10:00\n"  # row 2
                 "2,2025-01-02 09:00,2025-01-02 10:00,EXTRA,MORE\n"  # row 3: too many fields
                 "3,2025-01-03 09:00,2025-01-03 10:00\n"  # row 4
                 "4,2025-01-04 09:00\n"  # row 5: too few fields
                 "5,2025-01-05 09:00,2025-01-01 10:00\n"  # row 6: resolved before created
                 "6,2025-01-06 09:00,2025-01-06 10:00\n")  # row 7
    report = import_file(store, f)
    assert (report.loaded, report.rejected, report.rows_read) == (3, 3, 6)
    rej = rejected_rows(store, report.import_id).set_index("row_number")["reason"]
    assert list(rej.index) == [3, 5, 6]
    assert rej[3].startswith("malformed CSV line") and rej[5].startswith("malformed CSV line")
    assert rej[6] == "resolved before created"
    assert any("could not be split" in n for n in report.notes)


def test_the_preview_reads_like_the_import(store, tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("Ticket ID,Created time,Email\n" + "".join(f"{i},2025-01-0{i} 09:00,a{i}@example.com\n"
                                                            for i in range(1, 6)))
    plan = plan_import(store, f)
    assert plan.rows == 5 and len(plan.preview) == 5 and plan.pii_columns == ["Email"]
    assert plan.mapping["created_at"] == "Created time" and plan.kind == "csv"
    assert store.scalar("SELECT count(*) FROM imports") == 0
