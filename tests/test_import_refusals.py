"""Files that cannot be tickets, and options that make no sense: one sentence (UserError), nothing stored."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pytest

from slacore.errors import UserError
from slacore.importers.pipeline import ImportOptions, import_file, plan_import

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def assert_one_sentence(message: str, *words: str) -> None:
    assert message and "\n" not in message and "Traceback" not in message
    assert message.rstrip().endswith("."), message
    for word in words:
        assert word.lower() in message.lower(), (word, message)


def assert_nothing_stored(store) -> None:
    for table in ("tickets", "imports", "rejected_rows", "header_mappings"):
        assert store.scalar(f"SELECT count(*) FROM {table}") == 0, table


@pytest.mark.parametrize("name, words", [
    ("empty.csv", ["empty"]),
    ("header_only.csv", ["no tickets"]),
    ("zip_renamed.xlsx", ["ZIP", "not an Excel"]),
    ("png_renamed.csv", ["PNG image"]),
    ("html_error_page.csv", ["web page", "export the tickets again"]),
    ("no_date_column.csv", ["creation time", "--map created_at="]),
    ("unreadable_dates.csv", ["no date", "yesterday"]),
])
def test_refused_with_one_sentence_and_nothing_stored(store, name, words):
    with pytest.raises(UserError) as info:
        import_file(store, FIXTURES / name)
    assert_one_sentence(str(info.value), *words)
    assert_nothing_stored(store)


@pytest.mark.parametrize("name", ["empty.csv", "zip_renamed.xlsx", "png_renamed.csv", "html_error_page.csv"])
def test_the_preview_refuses_the_same_way(store, name):
    with pytest.raises(UserError):
        plan_import(store, FIXTURES / name)


def _broken_workbook(path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "this is not xml")
    path.write_bytes(buf.getvalue())


def test_other_unreadable_files(store, tmp_path):
    cases = {
        "broken.xlsx": _broken_workbook,
        "old.xls": lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
        "photo.csv": lambda p: p.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4),
        "archive.csv": lambda p: p.write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4),
        "login.csv": lambda p: p.write_text("\n\n  <html><head><title>Sign in</title></head><body>x</body></html>"),
        "blank_lines.csv": lambda p: p.write_text("Ticket ID,Created\n,\n , \n"),
        "ragged.csv": lambda p: p.write_text("Ticket ID,Created,Subject\n1,2025-01-01\n2,2025-01-02,a,b,c\n"),
        "text.csv": lambda p: p.write_text("Dear team,\nplease find the report attached.\n"),
        "spreadsheet2003.csv": lambda p: p.write_text('<?xml version="1.0"?>\n<Workbook><Worksheet/></Workbook>\n'),
    }
    for name, make in cases.items():
        path = tmp_path / name
        make(path)
        with pytest.raises(UserError) as info:
            import_file(store, path)
        assert_one_sentence(str(info.value))
    assert_nothing_stored(store)


def test_bad_options_are_refused_before_anything_is_read(store, tmp_path):
    good = FIXTURES / "freshdesk_export.csv"
    bad = [
        (dict(timezone="Mars/Olympus"), "time zone"),
        (dict(pii="publish"), "keep, drop or hash"),
        (dict(fmt="salesforce"), "Unknown format"),
        (dict(mapping={"sla_breached": "Status"}), "Unknown field"),
        (dict(mapping={"created_at": "No such column"}), "no column"),
    ]
    for options, words in bad:
        with pytest.raises(UserError) as info:
            import_file(store, good, options=ImportOptions(**options))
        assert_one_sentence(str(info.value), words)
    for path in (tmp_path / "missing.csv", tmp_path):
        with pytest.raises(UserError) as info:
            import_file(store, path)
        assert_one_sentence(str(info.value), "no file")
    assert_nothing_stored(store)


def test_no_temporary_file_is_left_behind(store, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    import_file(store, FIXTURES / "french_latin1_semicolon.csv")  # transcoded through a temporary UTF-8 copy
    import_file(store, FIXTURES / "servicenow_api_dump.csv")  # '\r\r\n' normalised the same way
    bad = tmp_path / "bad.csv"
    bad.write_bytes("Ticket;Créé\n".encode("cp1252"))
    with pytest.raises(UserError):
        import_file(store, bad)
    assert list(scratch.iterdir()) == []


# -- property: whatever the bytes, an import either lands or is refused in one sentence ---------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

HEADERS = ["Ticket ID", "Id", "Created", "Created at", "Opened", "Resolved", "Priority", "Status", "Subject",
           "Activity", "Case ID", "Complete Timestamp", "number", "opened_at", "", "Created", "x;y", 'q"uote']
CELLS = st.one_of(
    st.sampled_from(["2025-01-02 09:00", "2025-03-04 10:30:00", "4", "17", "INC001", "T-9"]),
    st.sampled_from(["", "?", "N/A", "2025-01-02 09:00", "31.01.2025 14:05", "03/14/2025 02:15 PM", "05/Mar/25 9:05 AM",
                     "45719.375", "2025-01-02T09:00:00+01:00", "P1", "Highest", "1 - Critical", "{'value': 'x'}",
                     "1970-01-02 04:23:17", "Resolve ticket", "a,b", 'say "hi"', "line\nbreak", "  padded  "]),
    st.text(max_size=12))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data(), sep=st.sampled_from([",", ";", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]), newline=st.sampled_from(["\n", "\r\n", "\r\r\n"]))
def test_property_any_csv_lands_or_is_refused_in_one_sentence(store, tmp_path_factory, data, sep, encoding, newline):
    header = data.draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6), label="header")
    width = st.just(len(header)) if data.draw(st.booleans(), label="regular") else st.integers(0, 7)
    body = data.draw(st.lists(width.flatmap(lambda n: st.lists(CELLS, min_size=n, max_size=n)), max_size=6),
                     label="body")

    def cell(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in (sep, '"', "\n", "\r")) else v

    text = newline.join([sep.join(cell(h) for h in header)] + [sep.join(cell(v) for v in row) for row in body])
    path = tmp_path_factory.mktemp("fuzz") / "export.csv"
    path.write_bytes(text.encode(encoding, errors="replace"))
    before = store.scalar("SELECT count(*) FROM imports")
    try:
        report = import_file(store, path)
    except UserError as exc:
        assert_one_sentence(str(exc))
        assert store.scalar("SELECT count(*) FROM imports") == before
    else:
        assert report.loaded + report.updated <= len(body)
        assert report.loaded + report.updated + report.rejected + report.duplicates >= len(
            [r for r in body if any(v.strip() for v in r)])  # every non-blank row is accounted for
        assert store.scalar("SELECT count(*) FROM imports") == before + 1
