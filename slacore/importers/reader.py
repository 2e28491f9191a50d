"""Turn an uploaded file into a staging table of text columns, or refuse it in one sentence.

Every cell is staged as VARCHAR so that nothing is lost before validation: types are decided later, per column,
from the data (see `timestamps.py`). CSV goes through DuckDB's own reader and sniffer; XLSX through pandas with the
calamine engine (openpyxl is ~10x slower on large sheets).
"""

from __future__ import annotations

import codecs
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from ..errors import UserError

SNIFF_BYTES = 64 * 1024


@dataclass
class StagedFile:
    """What was read: the staging table name and how it was read."""

    table: str
    kind: str  # "csv" or "xlsx"
    columns: list[str]
    rows: int
    sheet: str | None = None
    encoding: str = "utf-8"
    delimiter: str | None = None
    malformed: list[tuple[int, str, str]] | None = None  # (line, reason, raw text) of lines the CSV reader skipped


def detect_kind(path: Path, name: str | None = None) -> str:
    """'csv' or 'xlsx' from the content (not the name); refuse what cannot be a ticket export."""
    size = path.stat().st_size
    shown = name or path.name
    if size == 0:
        raise UserError(f"{shown} is empty (0 bytes); export the tickets again and upload the new file.")
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(b"%PDF"):
        raise UserError(f"{shown} is a PDF document, not a ticket export; export the tickets as CSV or XLSX.")
    if head.startswith(b"PK\x03\x04"):
        if not _is_xlsx(path):
            raise UserError(
                f"{shown} is a ZIP archive but not an Excel workbook; unpack it or export the tickets as CSV or XLSX."
            )
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UserError(f"{shown} is an old binary Excel file (.xls); save it as .xlsx or CSV and upload that.")
    for magic, what in ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
                        (b"\x1f\x8b", "a gzip archive")):
        if head.startswith(magic):
            raise UserError(f"{shown} is {what}, not a ticket export; export the tickets as CSV or XLSX.")
    text_start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text_start.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml")) or b"<body" in head[:2048].lower():
        raise UserError(
            f"{shown} is a web page (HTML), not a CSV; the download probably failed or needed a login — "
            "export the tickets again."
        )
    if _looks_binary(head):
        raise UserError(f"{shown} contains binary data, not text; it is not a CSV export. Check that you picked the right file.")
    return "csv"


def _is_xlsx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return any(n.startswith("xl/") for n in zf.namelist())
    except zipfile.BadZipFile:
        return False


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    if not head:
        return False
    try:
        head.decode("utf-8")
        return False
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # a multi-byte character cut by the sniff window
            return False
    # Legacy single-byte text (cp1252) is mostly printable ASCII; noise is not.
    control = sum(1 for b in head if b < 9 or 13 < b < 32 or b == 127)
    ascii_printable = sum(1 for b in head if 32 <= b < 127 or b in (9, 10, 13))
    return control > len(head) * 0.01 or ascii_printable < len(head) * 0.7


def prepare_csv(path: Path) -> tuple[Path, str, bool]:
    """Return a UTF-8 file DuckDB can read: (path, original encoding, is_temporary).

    DuckDB reads UTF-8 (BOM included) natively. Anything else is a legacy Windows export (cp1252, a superset of
    latin-1 for printable text) and is transcoded once. ServiceNow Table API dumps end records with '\\r\\r\\n',
    which would read as blank rows: normalised here too.
    """
    data = path.read_bytes()
    encoding = "utf-8"
    try:
        text = data.decode("utf-8")
        changed = False
    except UnicodeDecodeError:
        encoding = "cp1252"
        text = data.decode("cp1252", errors="replace")
        changed = True
    if "\r\r\n" in text:
        text = text.replace("\r\r\n", "\r\n")
        changed = True
    if not changed:
        return path, encoding, False
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="slacore-")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    return Path(tmp), encoding, True


def stage_csv(cur: duckdb.DuckDBPyConnection, path: Path, table: str, shown: str) -> StagedFile:
    """Read a CSV into TEMP table `table` (all VARCHAR, plus `_row`: the spreadsheet row number)."""
    readable, encoding, temporary = prepare_csv(path)
    try:
        sniffed, delimiter = _choose_delimiter(cur, readable)
        options = "all_varchar = true, header = true, store_rejects = true"
        if delimiter and delimiter != sniffed:  # only overrule the sniffer (passing a delimiter stops quote sniffing)
            options += f", delim = '{_sql_str(delimiter)}'"
        try:
            cur.execute(
                f"CREATE OR REPLACE TEMP TABLE {table} AS "
                f"SELECT * FROM read_csv(?, {options})",
                [str(readable)],
            )
        except duckdb.Error as exc:
            raise UserError(f"{shown} cannot be read as a CSV file ({_first_line(exc)}); export it again as CSV.") from None
        malformed = [
            (int(line or 0), f"malformed CSV line: {err}", csv_line or "")
            for line, err, csv_line in cur.execute(
                "SELECT line, error_message, csv_line FROM reject_errors ORDER BY line"
            ).fetchall()
        ]
        cur.execute("DROP TABLE IF EXISTS reject_errors")
        cur.execute("DROP TABLE IF EXISTS reject_scans")
    finally:
        if temporary:
            readable.unlink(missing_ok=True)
    return _finish_stage(cur, table, "csv", shown, encoding=encoding, delimiter=delimiter, malformed=malformed)


def _choose_delimiter(cur, path: Path) -> tuple[str | None, str | None]:
    """DuckDB's sniffer, overruled by the header line when the sniffer's choice would give a single column.

    Ragged exports (rows with a missing trailing field) can make the sniffer settle on a delimiter that never
    occurs; the header of a ticket export always has several columns, so its most frequent separator wins then.
    """
    try:
        row = cur.execute("SELECT Delimiter FROM sniff_csv(?, sample_size = 20480)", [str(path)]).fetchone()
        sniffed = row[0] if row else None
    except duckdb.Error:
        sniffed = None
    with open(path, encoding="utf-8", errors="replace") as fh:
        header = fh.readline()
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    if sniffed and counts.get(sniffed, 0) > 0:
        return sniffed, sniffed
    return sniffed, (best if counts[best] > 0 else sniffed)


def list_sheets(path: Path) -> list[str]:
    from python_calamine import CalamineWorkbook

    try:
        return list(CalamineWorkbook.from_path(str(path)).sheet_names)
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise UserError(f"{path.name} is not a readable Excel workbook ({_first_line(exc)}).") from None


def sheet_headers(path: Path, sheet: str, rows: int = 1) -> list[list[str]]:
    """The first rows of a sheet as text (cheap: calamine reads lazily)."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    data = wb.get_sheet_by_name(sheet).to_python(nrows=rows)
    return [[str(c) for c in row] for row in data]


def stage_xlsx(cur: duckdb.DuckDBPyConnection, path: Path, table: str, shown: str, sheet: str | None,
               choose_sheet) -> StagedFile:
    """Read one sheet of a workbook into TEMP table `table` (all VARCHAR)."""
    sheets = list_sheets(path)
    if not sheets:
        raise UserError(f"{shown} has no sheets.")
    if sheet is None:
        sheet = choose_sheet({s: (sheet_headers(path, s) or [[]])[0] for s in sheets})
    elif sheet not in sheets:
        raise UserError(f"{shown} has no sheet named {sheet!r}; its sheets are: {', '.join(sheets)}.")
    try:
        frame = pd.read_excel(path, sheet_name=sheet, engine="calamine", dtype=str)
    except Exception as exc:
        raise UserError(f"Sheet {sheet!r} of {shown} cannot be read ({_first_line(exc)}).") from None
    frame.columns = _unique_names([str(c) for c in frame.columns])
    frame = frame.astype(object).where(frame.notna(), None)
    cur.register("_xlsx_frame", frame)
    try:
        casts = ", ".join(f'CAST("{_ident(c)}" AS VARCHAR) AS "{_ident(c)}"' for c in frame.columns)
        cur.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {casts} FROM _xlsx_frame")
    finally:
        cur.unregister("_xlsx_frame")
    return _finish_stage(cur, table, "xlsx", shown, sheet=sheet)


def _finish_stage(cur, table: str, kind: str, shown: str, **info) -> StagedFile:
    columns = [r[0] for r in cur.execute(f"DESCRIBE {table}").fetchall()]
    rows = cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    # Rows that are entirely empty (trailing blank lines, Excel's formatted-but-empty rows) are not tickets.
    if rows and columns:
        blank = " AND ".join(f'nullif(trim("{_ident(c)}"), \'\') IS NULL' for c in columns)
        cur.execute(f"DELETE FROM {table} WHERE {blank}")
    cur.execute(f"ALTER TABLE {table} ADD COLUMN _row BIGINT")
    # rowid follows insertion order (file order); +2 = the row number a spreadsheet shows (header is row 1).
    cur.execute(f"UPDATE {table} SET _row = rowid + 2")
    rows = cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if rows == 0:
        raise UserError(f"There are no tickets in {shown}: it has a header row but no data rows.")
    return StagedFile(table=table, kind=kind, columns=columns, rows=rows, **info)


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        n = n.strip() or "column"
        if n in seen:
            seen[n] += 1
            n = f"{n}_{seen[n]}"
        else:
            seen[n] = 0
        out.append(n)
    return out


def _ident(name: str) -> str:
    return name.replace('"', '""')


def _sql_str(value: str) -> str:
    return value.replace("'", "''")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else exc.__class__.__name__


def decode_preview(path: Path, limit: int = 4096) -> str:
    """A short text preview of a CSV for the UI, in whatever encoding it has."""
    raw = path.read_bytes()[:limit]
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return codecs.decode(raw, enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")
