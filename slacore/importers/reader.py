"""Make an uploaded file readable as text columns, or refuse it in one sentence.

Every cell is read as VARCHAR so that nothing is lost before validation: types are decided later, per column,
from the data (see `timestamps.py`). CSV goes through DuckDB's own reader and sniffer and is not copied into the
database: `open_csv` checks the encoding (legacy cp1252 and UTF-16 are transcoded once, to a temporary UTF-8 file),
sniffs the dialect once and returns the `read_csv(...)` the importer parses in one pass. XLSX goes through pandas with
the calamine engine (openpyxl is ~10x slower on large sheets) into a staging table.
"""

from __future__ import annotations

import codecs
import re
import shutil
import zlib
import csv
import io
import hashlib
import os
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..errors import UserError
from ..uploads import process_dir

SNIFF_BYTES = 64 * 1024
# The widest file read: DuckDB's planning time grows faster than linearly with columns (2,000 columns import in
# about 4 s, 10,000 took a minute), and no ticket export needs that many.
MAX_COLUMNS = 2_000
CHUNK = 1 << 20
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


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
        try:
            with zipfile.ZipFile(path):
                pass
        except (zipfile.BadZipFile, OSError, EOFError):  # the central directory at the end is missing
            raise UserError(f"{shown} is a damaged or incomplete Excel (ZIP) file; download or export it again.") \
                from None
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
    if head.startswith(UTF16_BOMS):  # Excel's "Unicode text": tab-separated UTF-16
        try:
            head = head[: len(head) - len(head) % 2].decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise UserError(f"{shown} is not readable UTF-16 text; save it again as CSV (UTF-8).") from None
    text_start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text_start.startswith((b"<!doctype html", b"<html", b"<head")) or b"<body" in head[:2048].lower():
        raise UserError(
            f"{shown} is a web page (HTML), not a CSV; the download probably failed or needed a login — "
            "export the tickets again."
        )
    if text_start.startswith(b"<?xml"):
        raise UserError(f"{shown} is an XML document, not a CSV; export the tickets as CSV or XLSX.")
    if _looks_binary(head):
        raise UserError(f"{shown} contains binary data, not text, so it is not a CSV export; check that you picked "
                        "the right file.")
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


@dataclass
class FileScan:
    """A streaming pass over the file: its hash and what DuckDB's reader needs to be told."""

    sha256: str | None  # None when only the head of the file was scanned
    encoding: str  # "utf-8", "utf-16" or "cp1252"
    cr_cr_lf: bool  # ServiceNow Table API dumps end records with '\r\r\n'
    lines: int | None = None  # lines of a UTF-8 file scanned to the end: one per record, unless fields hold line ends

    def reading(self) -> tuple[str, bool]:
        """What decides how the file is prepared for DuckDB."""
        return self.encoding, self.cr_cr_lf


HEAD_BYTES = 4 << 20


def scan_file(path: Path, limit: int | None = None) -> FileScan:
    """sha256, text encoding and record ends in one pass of 1 MB blocks (bounded memory for any file size).

    With `limit`, only the first `limit` bytes are looked at (no hash): what a big file most likely is, decided
    at once while the full scan runs in the background (`BackgroundScan`)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, cr_cr_lf, first, tail, read, complete, newlines, last = True, False, True, b"", 0, True, 0, b"\n"
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            if limit is not None and read >= limit:
                complete = False
                break
            read += len(block)
            if limit is None:
                digest.update(block)
                newlines += block.count(b"\n")
                last = block[-1:]
            if first and block.startswith(UTF16_BOMS):
                utf8 = False
            first = False
            if utf8 and not (block.isascii() and not decoder.getstate()[0]):  # ASCII blocks need no decoding
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    utf8 = False
            if not cr_cr_lf:
                cr_cr_lf = b"\r\r\n" in tail + block[:2] or b"\r\r\n" in block
                tail = block[-2:]
    if utf8 and complete:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    with open(path, "rb") as fh:
        head = fh.read(2)
    encoding = "utf-8" if utf8 else ("utf-16" if head in UTF16_BOMS else "cp1252")
    if encoding == "utf-16":  # the bytes say nothing about record ends: look at the text
        with open(path, encoding="utf-16", errors="replace", newline="") as fh:  # the transcoding judges errors
            cr_cr_lf = "\r\r\n" in fh.read(CHUNK)
    return FileScan(sha256=digest.hexdigest() if limit is None else None, encoding=encoding, cr_cr_lf=cr_cr_lf,
                    lines=newlines + (last != b"\n") if limit is None and encoding == "utf-8" else None)


class BackgroundScan:
    """`scan_file` of the whole file on a thread (hashing releases the GIL; DuckDB's work goes on meanwhile)."""

    def __init__(self, path: Path):
        self._result: FileScan | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(path,), name="slacore-scan", daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            self._result = scan_file(path)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by result()
            self._error = exc

    def result(self) -> FileScan:
        self._thread.join()
        if self._error is not None:
            raise UserError(f"{path_name(self._error)} could not be read to the end ({_first_line(self._error)}); "
                            "check the file and try again.") from None
        return self._result

    def join(self) -> None:
        self._thread.join()


def path_name(exc: BaseException) -> str:
    return Path(getattr(exc, "filename", None) or "The file").name


def prepare_csv(path: Path, scan: FileScan | None = None, shown: str | None = None) -> tuple[Path, str, bool]:
    """Return a UTF-8 file DuckDB can read: (path, original encoding, is_temporary).

    DuckDB reads UTF-8 (BOM included) natively. Anything else is a legacy Windows export (cp1252, a superset of
    latin-1 for printable text) or Excel's "Unicode text" (UTF-16), transcoded once, block by block. ServiceNow
    Table API dumps end records with '\\r\\r\\n', which would read as blank rows: normalised here too.
    """
    scan = scan or scan_file(path)
    if scan.encoding == "utf-8" and not scan.cr_cr_lf:
        exact, temporary = exact_path(path)
        return exact, scan.encoding, temporary
    if scan.encoding == "utf-16" and path.stat().st_size % 2:
        raise UserError(f"{shown or path.name} is UTF-16 text cut in the middle of a character (an odd number of "
                        "bytes), so it is incomplete; download or export it again.")
    # A 0600 file in this process's private upload folder (slacore.uploads): a crash leaves nothing readable behind,
    # and the next start-up removes it.
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="slacore-", dir=process_dir())
    errors = "replace" if scan.encoding == "cp1252" else "strict"
    try:
        with open(path, encoding=scan.encoding, errors=errors, newline="") as src, \
                os.fdopen(fd, "w", encoding="utf-8", newline="") as dst:
            carry = ""
            for text in iter(lambda: src.read(CHUNK), ""):
                text = carry + text
                keep = len(text) - len(text.rstrip("\r"))  # a '\r\r' | '\n' split across two blocks
                carry, text = text[len(text) - keep:], text[:len(text) - keep]
                dst.write(text.replace("\r\r\n", "\r\n") if scan.cr_cr_lf else text)
            dst.write(carry)
    except (UnicodeError, OSError) as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UserError(f"{shown or path.name} cannot be read as {scan.encoding} text ({_first_line(exc)}); "
                        "save it again as CSV (UTF-8).") from None
    return Path(tmp), scan.encoding, True


GLOB_CHARACTERS = set("*?[]{}")


def exact_path(path: Path) -> tuple[Path, bool]:
    """A path DuckDB reads as this one file: (path, is_temporary).

    DuckDB expands `*`, `?`, `[...]` in a file name as a glob, so `export[1].csv` read `export1.csv` and
    `tickets*.csv` every file matching (while the import log hashed the named one). Such a name is read through a
    temporary link (or, where links are not allowed, a copy) with a plain name."""
    if not GLOB_CHARACTERS & set(str(path)):
        return path, False
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="slacore-")
    os.close(fd)
    os.unlink(tmp)
    try:
        os.symlink(path.resolve(), tmp)
    except OSError:
        shutil.copyfile(path, tmp)
    if GLOB_CHARACTERS & set(tmp):
        Path(tmp).unlink(missing_ok=True)
        raise UserError(f"{path.name} cannot be read: the temporary folder {Path(tmp).parent} has glob characters "
                        "(* ? [ ] { }) in its name; set TMPDIR to another folder.")
    return Path(tmp), True


@dataclass
class CsvSource:
    """A CSV ready for DuckDB's reader: the SQL that reads it, its header and how it was decoded.

    The file is not copied into the database: the importer parses it straight from `relation()` in one pass.
    """

    path: Path  # UTF-8 text DuckDB reads (a temporary transcoded copy when `temporary`)
    temporary: bool
    options: str
    columns: list[str]
    encoding: str
    delimiter: str | None
    sha256: str | None
    scan: FileScan | None = None
    quote: str = '"'
    escape: str = '"'
    skip: int = 0  # lines before the header

    def relation(self, store_rejects: bool = False) -> str:
        errors = "store_rejects = true" if store_rejects else "ignore_errors = true"
        return f"read_csv('{_sql_str(str(self.path))}', {self.options}, {errors})"

    def close(self) -> None:
        if self.temporary:
            self.path.unlink(missing_ok=True)


def open_csv(cur: duckdb.DuckDBPyConnection, path: Path, shown: str, scan: FileScan | None = None) -> CsvSource:
    """Check the encoding, sniff the dialect and read the header; refuse what DuckDB cannot read as CSV."""
    scan = scan or scan_file(path)
    readable, encoding, temporary = prepare_csv(path, scan, shown)
    try:
        _refuse_wide_header(readable, shown)  # before the sniffer, which is slow on very wide files
        sniffed = _sniff(cur, readable)
        delimiter = _choose_delimiter(sniffed, readable)
        if sniffed and sniffed["columns"] and delimiter == sniffed["delim"]:
            options = _explicit_options(sniffed)  # the reads that follow need not sniff again
        else:  # let the reader sniff the rest (quotes...) with the delimiter the header shows
            options = "all_varchar = true, header = true"
            if delimiter and (not sniffed or delimiter != sniffed["delim"]):
                options += f", delim = '{_sql_str(delimiter)}'"
        src = CsvSource(readable, temporary, options, [], encoding, delimiter, scan.sha256, scan)
        if sniffed:
            src.quote, src.escape, src.skip = sniffed["quote"], sniffed["escape"], sniffed["skip"]
        try:
            src.columns = [r[0] for r in cur.execute(f"DESCRIBE SELECT * FROM {src.relation()}").fetchall()] \
                if options.startswith("all_varchar") else list(sniffed["columns"])
        except duckdb.Error as exc:
            raise csv_error(exc, readable, shown) from None
        if len(src.columns) > MAX_COLUMNS:
            raise too_wide(shown, len(src.columns))
        return src
    except BaseException:
        if temporary:
            readable.unlink(missing_ok=True)
        raise


MAX_LINE_BYTES = 2_000_000  # DuckDB's max_line_size


def csv_error(exc: BaseException, path: Path, shown: str) -> UserError:
    """DuckDB's reader error as one sentence; a line over DuckDB's line size is named with its number and size
    (DuckDB's own message said "Line: 1" and printed the 10 MB line)."""
    if "Maximum line size" in str(exc):
        found = long_line(path)
        if found:
            line, size = found
            return UserError(f"Line {line:,} of {shown} is {size / 1e6:.1f} MB long, more than the "
                             f"{MAX_LINE_BYTES / 1e6:.0f} MB a line may have (one field holds a whole document, or "
                             "the quotes are broken); remove that field or export the tickets again.")
    return UserError(f"{shown} cannot be read as a CSV file ({_first_line(exc)}); export it again as CSV.")


def long_line(path: Path, limit: int = MAX_LINE_BYTES) -> tuple[int, int] | None:
    """(line number, bytes) of the first line longer than `limit`, in one pass of 1 MB blocks (a line that long
    spans a whole block, so only line ends at block edges are measured)."""
    line, start, offset = 1, 0, 0
    found = None
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            first = block.find(b"\n")
            if found is None and first < 0 and offset + len(block) - start > limit:
                found = line
            if first >= 0:
                if found is not None:
                    return found, offset + first - start
                if offset + first - start > limit:
                    return line, offset + first - start
                line += block.count(b"\n")
                start = offset + block.rfind(b"\n") + 1
            offset += len(block)
    return (found, offset - start) if found is not None else None


def too_wide(shown: str, columns: int) -> UserError:
    return UserError(f"{shown} has {columns:,} columns, more than the {MAX_COLUMNS:,} this app reads; export only "
                     "the ticket fields you need (id, dates, priority, team...) and import that file.")


def _refuse_wide_header(path: Path, shown: str) -> None:
    """Count the header's fields (Python's csv module, each usual separator) and refuse a file that is too wide."""
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        head = fh.read(HEAD_BYTES)
    widest = 0
    for delim in (",", ";", "\t", "|"):
        try:
            widest = max(widest, len(next(csv.reader(io.StringIO(head), delimiter=delim), [])))
        except csv.Error:  # a header cell over the csv module's field limit: count the separators
            widest = max(widest, head.split("\n", 1)[0].count(delim) + 1)
    if widest > MAX_COLUMNS:
        raise too_wide(shown, widest)


def sample_csv(cur: duckdb.DuckDBPyConnection, src: CsvSource, table: str, shown: str, rows: int,
               columns: list[str] | None = None, spread: bool = False) -> int:
    """TEMP table `table` with sampled rows, blank rows left out; refuses a file without data rows.

    By default the first `rows` rows (cheap: the reader stops there); with `spread`, a reservoir of `rows` rows
    over the whole file (one full read), for decisions the head of a file cannot settle (a file sorted by date whose
    first rows are all from the 1st to the 12th of a month). `columns` limits what is kept.
    """
    cols = "*" if columns is None else ", ".join(f'"{_ident(c)}"' for c in columns)
    how = f"USING SAMPLE reservoir({int(rows)} ROWS) REPEATABLE (7)" if spread else f"LIMIT {int(rows)}"
    try:
        cur.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {cols} FROM {src.relation()} {how}")
    except duckdb.Error as exc:
        raise csv_error(exc, src.path, shown) from None
    cur.execute(f"DELETE FROM {table} WHERE {blank_row_sql(src.columns if columns is None else columns)}")
    sampled = cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if sampled == 0 and columns is None:
        _, skipped, _ = split_records(src, first_only=True)
        if skipped:
            line, reason, _ = skipped[0]
            raise UserError(f"No row of {shown} fits its header of {len(src.columns)} columns (line {line}: "
                            f"{reason.removeprefix('malformed CSV line: ')}); check the separator and the quotes, "
                            "or export the file again.")
        raise UserError(f"There are no tickets in {shown}: it has a header row but no data rows.")
    return sampled


def blank_row_sql(columns: list[str], qualifier: str = "") -> str:
    """True for a row whose cells are all empty (trailing blank lines, Excel's formatted-but-empty rows)."""
    if not columns:
        return "true"
    # trim of the concatenation: the same answer as every cell trimmed, and linear in the number of columns (a
    # coalesce of 2,000 trimmed cells took DuckDB 7 s to plan)
    cells = ", ".join(qualifier + '"' + _ident(c) + '"' for c in columns)
    return f"trim(concat({cells})) = ''"


RAW_LINE_CHARS = 10_000  # of a malformed line's text kept for the report (DuckDB keeps as much)


def skipped_lines(cur, src: CsvSource, returned: int, lines: int | None) -> list[tuple[int, str, str]]:
    """(line, reason, raw text) of the records DuckDB's reader skipped in a read that returned `returned` rows.

    The import reads with `ignore_errors` and asks this afterwards, because DuckDB's `store_rejects` is not bounded:
    it records one error per surplus field, each with the record's text, so one broken record of 20,000 fields
    (quotes thrown off in a wide export) took 30 s and 1 GB for an 86 KB file. Here: a file with one line end per
    record has skipped nothing (no second read); otherwise Python's csv module counts the fields of each record,
    and DuckDB's own reasons are asked for only when no record is far wider than the header."""
    if lines is not None and lines - src.skip == returned + 1:  # the header and one line per row
        return []
    good, malformed, widest = split_records(src)
    if good == returned and not malformed:
        return []
    if widest <= 2 * len(src.columns) + 10:
        cur.execute(f"SELECT count(*) FROM {src.relation(store_rejects=True)}").fetchall()
        return malformed_lines(cur)
    return malformed


def split_records(src: CsvSource, first_only: bool = False) -> tuple[int, list[tuple[int, str, str]], int]:
    """Read the CSV with Python's csv module: (records that fit the header, the others as (line, reason, raw text),
    the most fields of a record). Bounded memory: one record at a time, and at most RAW_LINE_CHARS of each."""
    width = len(src.columns)
    quoting = csv.QUOTE_MINIMAL if src.quote else csv.QUOTE_NONE
    escape = src.escape if src.escape and src.escape != src.quote else None
    good, malformed, widest = 0, [], 0
    limit = csv.field_size_limit()
    csv.field_size_limit(1 << 30)
    try:
        with open(src.path, encoding="utf-8-sig", errors="replace", newline="") as fh:
            for _ in range(src.skip):
                fh.readline()
            records = csv.reader(fh, delimiter=src.delimiter or ",", quotechar=src.quote or '"', quoting=quoting,
                                 escapechar=escape, doublequote=True, strict=False)
            next(records, None)  # the header
            for number, fields in enumerate(records, start=2 + src.skip):
                if len(fields) == width:
                    good += 1
                elif fields:  # an empty line is no record
                    widest = max(widest, len(fields))
                    raw = (src.delimiter or ",").join(fields)[:RAW_LINE_CHARS] if len(malformed) < 10_000 else ""
                    malformed.append((number, f"malformed CSV line: Expected Number of Columns: {width} "
                                              f"Found: {len(fields)}", raw))
                    if first_only:
                        break
    except csv.Error:  # e.g. a NUL byte: keep what was found
        pass
    finally:
        csv.field_size_limit(limit)
    return good, malformed, widest


def malformed_lines(cur) -> list[tuple[int, str, str]]:
    """(line, reason, raw text) of the lines the last `store_rejects` read skipped, one per line (DuckDB may report
    several errors for one line); clears DuckDB's tables."""
    try:
        found = cur.execute(
            "SELECT line, string_agg(DISTINCT error_message, '; ' ORDER BY error_message), any_value(csv_line) "
            "FROM reject_errors GROUP BY line ORDER BY line").fetchall()
    except duckdb.CatalogException:  # the reader had nothing to report
        return []
    rows = [(int(line or 0), f"malformed CSV line: {err}", csv_line or "") for line, err, csv_line in found]
    cur.execute("DROP TABLE IF EXISTS reject_errors")
    cur.execute("DROP TABLE IF EXISTS reject_scans")
    return rows


def _sniff(cur, path: Path) -> dict | None:
    """DuckDB's sniffer on the first 20,480 rows (header forced): the dialect and the column names, or None."""
    try:
        row = cur.execute(
            "SELECT Delimiter, Quote, Escape, NewLineDelimiter, SkipRows, Columns "
            "FROM sniff_csv(?, header = true, sample_size = 20480)", [str(path)]).fetchone()
    except duckdb.Error:
        return None
    if not row:
        return None
    delim, quote, escape, new_line, skip, columns = row
    empty = "(empty)"
    return {"delim": delim, "quote": "" if quote == empty else quote, "escape": "" if escape == empty else escape,
            "new_line": new_line, "skip": int(skip or 0), "columns": [c["name"] for c in columns or []]}


def _choose_delimiter(sniffed: dict | None, path: Path) -> str | None:
    """The sniffer's delimiter, overruled by the header line when the sniffer's choice would give a single column.

    Ragged exports (rows with a missing trailing field) can make the sniffer settle on a delimiter that never
    occurs; the header of a ticket export always has several columns, so its most frequent separator wins then.
    """
    delim = sniffed["delim"] if sniffed else None
    with open(path, encoding="utf-8", errors="replace") as fh:
        header = fh.readline()
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    if delim and counts.get(delim, 0) > 0:
        return delim
    return best if counts[best] > 0 else delim


def _explicit_options(sniffed: dict) -> str:
    """read_csv options that repeat what the sniffer found, so that later reads of the file skip sniffing."""
    lit = lambda v: "'" + _sql_str(v) + "'"  # noqa: E731
    columns = ", ".join(f"{lit(c)}: 'VARCHAR'" for c in sniffed["columns"])
    return (f"auto_detect = false, header = true, delim = {lit(sniffed['delim'])}, quote = {lit(sniffed['quote'])}, "
            f"escape = {lit(sniffed['escape'])}, new_line = {lit(sniffed['new_line'])}, skip = {sniffed['skip']}, "
            f"columns = {{{columns}}}")


# calamine allocates every cell of a sheet's bounding box at once (a stray cell at XFD1048577 asked for 550 GB and
# aborted the process): the box is measured from the sheet's XML first.
MAX_SHEET_CELLS = 30_000_000
# Searches led by a literal (fast: 78 MB of sheet XML in 0.3 s with the inflating); whatever the attribute order or
# namespace prefix (`<x:c s="1" r="AB7">`).
_ROW_NUMBER = re.compile(rb'row r="(\d+)"')
_WIDE_CELL = re.compile(rb' r="([A-Z]{2,})\d')  # column AA or beyond
_FAR_CELL = re.compile(rb' r="[A-Z]+(\d{7,})"')  # row 1,000,000 or beyond


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def check_workbook(path: Path, shown: str) -> None:
    """Refuse a damaged workbook, or a sheet too big to read, before calamine sees it.

    Streams each worksheet's XML (deflate errors surface here) and finds its bounding box from the row numbers and
    the few cell references that can widen it, so that a normal sheet costs one pass of cheap regex searches."""
    damaged = (f"{shown} is a damaged Excel workbook ({{}}); open and save it again in Excel, or export the tickets "
               "as CSV.")
    try:
        with zipfile.ZipFile(path) as zf:
            for member in zf.namelist():
                if not (member.startswith("xl/worksheets/") and member.endswith(".xml")):
                    continue
                rows = columns = 0
                carry = b""
                with zf.open(member) as fh:
                    for block in iter(lambda: fh.read(CHUNK), b""):
                        text = carry + block
                        carry = text[-256:]
                        found = _ROW_NUMBER.findall(text) + _FAR_CELL.findall(text)
                        if found:
                            rows = max(rows, max(map(int, found)))
                        wide = set(_WIDE_CELL.findall(text))
                        if wide:
                            columns = max(columns, max(map(_column_number, wide)))
                columns = max(columns, 26)  # narrower sheets are not measured: 26 columns is their upper bound
                if columns > MAX_COLUMNS:
                    raise too_wide(shown, columns)
                if rows * columns > MAX_SHEET_CELLS:
                    raise UserError(f"A sheet of {shown} spans {rows:,} rows × {columns:,} columns, more than the "
                                    f"{MAX_SHEET_CELLS:,} cells this app reads from a workbook; export the tickets "
                                    "as CSV instead.")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise UserError(damaged.format(_first_line(exc))) from None


def list_sheets(path: Path, shown: str | None = None) -> list[str]:
    from python_calamine import CalamineWorkbook

    try:
        return list(CalamineWorkbook.from_path(str(path)).sheet_names)
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise UserError(f"{shown or path.name} is not a readable Excel workbook ({_first_line(exc)}); open and save it again "
                        "in Excel, or export the tickets as CSV.") from None


def sheet_headers(path: Path, sheet: str, rows: int = 1, shown: str | None = None) -> list[list[str]]:
    """The first rows of a sheet as text (cheap: calamine reads lazily)."""
    from python_calamine import CalamineWorkbook

    try:
        data = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(nrows=rows)
    except Exception as exc:  # calamine's own error types: a corrupt deflate stream, broken XML, bad ranges
        raise UserError(f"Sheet {sheet!r} of {shown or path.name} cannot be read ({_first_line(exc)}); open and save "
                        "the workbook again in Excel, or export the tickets as CSV.") from None
    return [[str(c) for c in row] for row in data]


def stage_xlsx(cur: duckdb.DuckDBPyConnection, path: Path, table: str, shown: str, sheet: str | None,
               choose_sheet) -> StagedFile:
    """Read one sheet of a workbook into TEMP table `table` (all VARCHAR)."""
    check_workbook(path, shown)
    sheets = list_sheets(path, shown)
    if not sheets:
        raise UserError(f"{shown} has no sheets.")
    if sheet is None:
        sheet = choose_sheet({s: (sheet_headers(path, s, shown=shown) or [[]])[0] for s in sheets})
    elif sheet not in sheets:
        raise UserError(f"{shown} has no sheet named {sheet!r}; its sheets are: {', '.join(sheets)}.")
    import pandas as pd  # only spreadsheets need it

    try:
        frame = pd.read_excel(path, sheet_name=sheet, engine="calamine", dtype=str)
    except Exception as exc:
        raise UserError(f"Sheet {sheet!r} of {shown} cannot be read ({_first_line(exc)}); save the workbook again "
                        "or export the tickets as CSV.") from None
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
        cur.execute(f"DELETE FROM {table} WHERE {blank_row_sql(columns)}")
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
