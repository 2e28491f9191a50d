"""The machinery every import kind uses: read a file (CSV sniffing and encodings, XLSX staging), the SQL helpers for
cleaned text, numbers and JSON of the other columns, reject keeping with spreadsheet row numbers, the refusal for a
file none of whose rows loads, the import log row, and deleting an import with the rows it wrote.

The ticket pipeline (slacore.importers.pipeline) adds what only tickets need (event logs, priorities, clocks,
duplicates); the declarative kinds (slacore.kinds) go through slacore.importers.kind_pipeline. Both end in one
transaction that replaces the incoming rows, records the import and keeps its rejected rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .. import auth
from ..errors import UserError
from ..store import Store
from . import presets, reader
from .timestamps import PLACEHOLDERS, clean_expr

if TYPE_CHECKING:
    import pandas as pd

STAGE = "_stage"  # an XLSX sheet as text
SAMPLE = "_sample"  # a CSV's first rows: format detection and cleaning decisions
PARSED = "_parsed"
FINAL = "_final"
REJECTS = "_rejects"
RAW = "_raw"
SPREAD = "_spread"  # a reservoir over the whole CSV, when the first rows leave a date format undecided
SAMPLE_ROWS = 20_000

@dataclass
class ImportOptions:
    fmt: str = "auto"  # auto | zendesk | freshdesk | jira | servicenow | generic
    timezone: str | None = None  # how naive time stamps are read; None: the zone the headers name, else UTC
    mapping: dict[str, str] = field(default_factory=dict)  # field -> header; "" unmaps a field
    dayfirst: bool | None = None  # None: decided from the data
    sheet: str | None = None  # XLSX: None picks the sheet that holds tickets
    pii: str = "keep"  # keep | drop | hash: what to do with requester names, e-mails, phones
    source: str | None = None  # source system name; defaults to the format
    remember: bool = True  # remember a hand-made mapping for the next file with the same header
    ticket_source: str | None = None  # surveys: the ticket source their ticket ids belong to, when known


@dataclass
class ImportPlan:
    """What the importer will do with a file: shown as the preview before importing."""

    file_name: str
    kind: str
    sheet: str | None
    sheets: list[str]
    headers: list[str]
    format: str
    mapping: dict[str, str]
    remembered: bool
    timestamp_formats: dict[str, str]
    pii_columns: list[str]
    rows: int
    preview: pd.DataFrame
    columns: list[presets.MappedColumn] = field(default_factory=list)  # each mapped field: header, how sure
    asked: list[presets.Match] = field(default_factory=list)  # unsure matches: used only once confirmed
    timezone: str = "UTC"  # the source zone the import will use
    timezone_from: list[str] = field(default_factory=list)  # the headers that proposed it ('Created (CET)')
    measured_as: dict[str, str] = field(default_factory=dict)  # what a target measures without its column
    notes: list[str] = field(default_factory=list)
    import_kind: str = "tickets"  # the kind the file is read as (slacore.kinds)
    facts: dict = field(default_factory=dict)  # the kind's own findings (a survey's scale, summary rows...)
    fields: dict[str, str] = field(default_factory=dict)  # the kind's fields and their labels (the mapping editor)


@dataclass
class ImportReport:
    import_id: int
    file_name: str
    sha256: str
    format: str
    source: str
    rows_read: int
    loaded: int
    updated: int
    rejected: int
    duplicates: int
    seconds: float
    mapping: dict[str, str]
    timestamp_formats: dict[str, str]
    notes: list[str]
    rejected_rows: pd.DataFrame
    columns: list[presets.MappedColumn] = field(default_factory=list)
    asked: list[presets.Match] = field(default_factory=list)
    timezone: str = "UTC"
    timezone_from: list[str] = field(default_factory=list)
    measured_as: dict[str, str] = field(default_factory=dict)
    # field -> {"rows": N, "values": [...]}: cells holding a placeholder for "no date" (1900-01-01, 0000-00-00...),
    # read as empty (an unanswered or open ticket); in the creation column they rejected the row instead.
    placeholders: dict[str, dict] = field(default_factory=dict)
    kind: str = "tickets"  # the import kind (slacore.kinds)
    facts: dict = field(default_factory=dict)  # the kind's own report keys (added to --json)
    lines: list[str] = field(default_factory=list)  # the kind's own report in sentences

    def as_json(self) -> dict:
        return {**self._base_json(), "kind": self.kind, **self.facts}

    def _base_json(self) -> dict:
        return {
            "loaded": self.loaded, "updated": self.updated, "rejected": self.rejected,
            "format": self.format, "source": self.source, "import_id": self.import_id,
            "file": self.file_name, "rows_read": self.rows_read, "duplicates": self.duplicates,
            "seconds": round(self.seconds, 3), "mapping": self.mapping,
            "timestamp_formats": self.timestamp_formats, "notes": self.notes,
            # added with the scored header matcher:
            "columns": {c.field: c.as_json() for c in self.columns},
            "asked": [{"field": m.field, "header": m.header, "score": m.score, "how": m.explain()}
                      for m in self.asked],
            "timezone": self.timezone, "timezone_from": self.timezone_from,
            "measured_as": self.measured_as,
            "placeholders": self.placeholders,
        }

    def placeholder_lines(self) -> list[str]:
        """One sentence per column with placeholder dates (the import report on the page and the command line)."""
        lines = []
        for fld, found in self.placeholders.items():
            values = ", ".join(repr(v) for v in found["values"])
            effect = "rows rejected" if fld == "created_at" else "read as empty"
            lines.append(f"{fld}: {found['rows']:,} placeholder date{'s' if found['rows'] != 1 else ''} ({values}), "
                         f"{effect}")
        return lines



def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _check_timezone(tz: str | None) -> None:
    if tz is None:  # the headers' zone, else UTC
        return
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"Unknown time zone {tz!r}; use an IANA name such as UTC, Europe/Berlin or America/New_York.") from None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()




@dataclass
class _Source:
    """Where the rows come from. A CSV is parsed straight from DuckDB's reader (`relation`), with its first rows
    (`sample`) for the decisions taken before the one full pass; an XLSX sheet is staged (pandas gives a frame) and
    is its own sample."""

    kind: str  # "csv" | "xlsx"
    shown: str
    columns: list[str]
    relation: str
    sample: str
    sha256: str | None
    encoding: str = "utf-8"
    sheet: str | None = None
    rows: int | None = None  # known for XLSX; counted by the parse for CSV
    csv: reader.CsvSource | None = None
    head_only: bool = False  # the sample holds only the first rows of a bigger file
    malformed: list[tuple[int, str, str]] = field(default_factory=list)

    def close(self) -> None:
        if self.csv is not None:
            self.csv.close()


def _open_source(cur, path: Path, shown: str, options: ImportOptions,
                 scan: reader.FileScan | None = None, choose_sheet: Callable | None = None,
                 sample_rows: int = SAMPLE_ROWS) -> _Source:
    """`scan`: how to read the file (a full scan, or just its head while the full scan runs in the background);
    `choose_sheet`: picks a workbook's sheet from {sheet: header} when the user named none."""
    cur.execute("SET TimeZone = 'UTC'")  # time stamp parsing relies on it (the store sets it too)
    kind = reader.detect_kind(path, shown)
    if kind == "xlsx":
        staged = reader.stage_xlsx(cur, path, STAGE, shown, options.sheet,
                                   choose_sheet or (lambda by_sheet: max(by_sheet, key=lambda s: len(by_sheet[s]))))
        return _Source("xlsx", shown, staged.columns, STAGE, STAGE, None, sheet=staged.sheet, rows=staged.rows)
    csv = reader.open_csv(cur, path, shown, scan)
    try:
        sampled = reader.sample_csv(cur, csv, SAMPLE, shown, sample_rows)
    except BaseException:
        csv.close()
        raise
    return _Source("csv", shown, csv.columns, csv.relation(), SAMPLE, csv.sha256,
                   encoding=csv.encoding, csv=csv, head_only=sampled >= sample_rows)


def _plain_columns(cur, src: _Source, headers: list[str]) -> set[str]:
    """Columns whose sampled cells need no cleaning (no padding, no placeholder, no ServiceNow reference): their
    text is taken as it is, which spares a CASE per cell on big files. Ids, dates and numbers are always cleaned.

    One UNPIVOT pass over the sample: linear in the number of columns (one aggregate per column was quadratic:
    2,000 columns took minutes)."""
    if not headers:
        return set()
    nulls = ", ".join(_lit(p) for p in PLACEHOLDERS)
    columns = "COLUMNS(* EXCLUDE (_row))" if src.kind == "xlsx" else "COLUMNS(*)"  # a staged sheet numbers its rows
    dirty = {name for (name,) in cur.execute(f"""
        SELECT DISTINCT name FROM (UNPIVOT {src.sample} ON {columns} INTO NAME name VALUE v)
        WHERE v IN ({nulls}) OR starts_with(v, ' ') OR ends_with(v, ' ') OR starts_with(v, '{{')
    """).fetchall()}
    return set(headers) - dirty



def _text(header: str | None, plain: set[str] = frozenset()) -> str:
    """Cleaned text of a column; ServiceNow reference fields `{'link': ..., 'value': ...}` give their value."""
    if header is None:
        return "CAST(NULL AS VARCHAR)"
    col = _ident(header)
    if header in plain:
        return f"nullif({col}, '')"
    v = clean_expr(col)
    return (f"CASE WHEN starts_with({col}, '{{') AND contains({col}, 'value') "
            f"THEN nullif(regexp_extract({col}, '[''\"]value[''\"]\\s*:\\s*[''\"]([^''\"]*)', 1), '') ELSE {v} END")


def _number(header: str | None) -> str:
    """A number; a decimal comma (European exports) is read as a point when the plain reading fails."""
    if header is None:
        return "CAST(NULL AS DOUBLE)"
    col = _ident(header)
    return f"coalesce(try_cast({col} AS DOUBLE), try_cast(replace({clean_expr(col)}, ',', '.') AS DOUBLE))"


def _duration_seconds(header: str | None) -> str:
    """ServiceNow durations: epoch datetimes ('1970-01-02 04:23:17' = 1 d 4 h 23 min, Table API), display text
    ('1 Day 4 Hours 23 Minutes', list exports) or plain seconds."""
    if header is None:
        return "CAST(NULL AS DOUBLE)"
    v = clean_expr(_ident(header))
    units = " + ".join(
        f"coalesce(try_cast(regexp_extract(lower({v}), '([0-9]+)\\s*{unit}', 1) AS DOUBLE), 0) * {seconds}"
        for unit, seconds in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)))
    return (f"coalesce(epoch(try_cast({v} AS TIMESTAMP)) - epoch(TIMESTAMP '1970-01-01'), try_cast({v} AS DOUBLE), "
            f"CASE WHEN regexp_matches(lower({v}), '^[0-9]+\\s*(day|hour|minute|second)') THEN {units} END)")


def _pii_value(header: str, pii: set[str], options: ImportOptions, qualifier: str = "",
               plain: set[str] = frozenset()) -> str | None:
    """A column's cleaned text with the personal-data policy applied (None: the column is dropped)."""
    col = qualifier + _ident(header)
    value = f"nullif({col}, '')" if header in plain else clean_expr(col)
    if header in pii:
        if options.pii == "drop":
            return None
        if options.pii == "hash":
            return f"left(sha256({value}), 16)"
    return value


def _json_of(headers: list[str], pii: set[str], options: ImportOptions, qualifier: str = "",
             plain: set[str] = frozenset(), empty_cells: bool = True) -> str:
    """A JSON object of the columns' cleaned values. Without `empty_cells`, empty cells are left out: a wide export
    (a Jira file has ~100 mostly empty custom fields) would otherwise store `"field": null` ~100 times per ticket,
    several times the size of the file, and writing that is most of such an import (`extra ->> 'field'` reads
    NULL either way)."""
    items = [(h, value) for h in headers if (value := _pii_value(h, pii, options, qualifier, plain)) is not None]
    if not items:
        return "CAST(NULL AS JSON)"
    if empty_cells:
        return f"json_object({', '.join(f'{_lit(h)}, {value}' for h, value in items)})"
    # concat_ws skips NULL members; to_json quotes and escapes a value as json_object does
    members = ", ".join(f"{_lit(json.dumps(h, ensure_ascii=False) + ':')} || to_json({value})" for h, value in items)
    return f"CAST('{{' || concat_ws(',', {members}) || '}}' AS JSON)"



def _csv_row_numbers(cur, table: str, malformed: list[tuple[int, str, str]]) -> None:
    """`table` (rid, row_number) gets the spreadsheet row numbers of CSV rows: rid + 2 (the header is row 1),
    plus one for every line the reader skipped before the row (an ASOF join on the skipped lines)."""
    cur.execute(f"UPDATE {table} SET row_number = rid + 2")
    if not malformed:
        return
    shifts = [line - 2 - i for i, line in enumerate(sorted(line for line, _, _ in malformed))]
    cur.execute("CREATE OR REPLACE TEMP TABLE _skips AS SELECT a, max(n) AS n FROM "
                "(SELECT a, row_number() OVER (ORDER BY a) AS n FROM (SELECT unnest(?::BIGINT[]) AS a)) GROUP BY a",
                [shifts])
    cur.execute(f"""
        UPDATE {table} t SET row_number = t.row_number + k.n
        FROM (SELECT q.rid, s.n FROM {table} q ASOF JOIN _skips s ON q.rid >= s.a) k
        WHERE t.rid = k.rid
    """)
    cur.execute("DROP TABLE _skips")



def _keep_rejects(cur, src: _Source, headers: list[str], pii: set[str], options: ImportOptions) -> int:
    """Copy rejected rows (row number, reason, raw values with the personal-data policy) aside.

    A CSV's raw cells are read again only when some row was rejected (most big exports have none)."""
    cur.execute(f"""
        CREATE OR REPLACE TEMP TABLE {REJECTS} AS
        SELECT rowid AS rid, _row AS row_number, reason, CAST(NULL AS JSON) AS raw
        FROM {PARSED} WHERE reason IS NOT NULL AND NOT _blank
    """)
    rejected = cur.execute(f"SELECT count(*) FROM {REJECTS}").fetchone()[0]
    if not rejected:
        return 0
    if src.kind == "csv":
        _csv_row_numbers(cur, REJECTS, src.malformed)
        # the same reader options skip the same lines: rowids of this copy match PARSED's
        cur.execute(f"CREATE OR REPLACE TEMP TABLE {RAW} AS SELECT * FROM {src.csv.relation()}")
        raw, join = RAW, "s.rowid = r.rid"
    else:
        raw, join = STAGE, "s._row = r.row_number"
    cur.execute(f"""
        UPDATE {REJECTS} r SET raw = {_json_of(headers, pii, options, "s.")}
        FROM {raw} s WHERE {join}
    """)
    cur.execute(f"DROP TABLE IF EXISTS {RAW}")
    return rejected



def _insert_rejects(cur, import_id: int, malformed) -> int:
    cur.execute(f"INSERT INTO rejected_rows SELECT ?, row_number, reason, raw FROM {REJECTS}", [import_id])
    if malformed:
        cur.executemany(
            "INSERT INTO rejected_rows VALUES (?, ?, ?, ?)",
            [[import_id, line, reason, json.dumps({"line": raw})] for line, reason, raw in malformed],
        )
    return cur.execute("SELECT count(*) FROM rejected_rows WHERE import_id = ?", [import_id]).fetchone()[0]



def _check_file(path: Path, shown: str) -> None:
    try:
        if not path.is_file():
            raise UserError(f"There is no file {shown}; check the path.")
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise UserError(f"{shown} cannot be opened ({exc.strerror or exc}); check the file and its permissions.") \
            from None



class _ReadAgain(Exception):
    """The head of a big file looked like UTF-8 with plain line ends, the whole file did not: start over."""

    def __init__(self, scan: reader.FileScan):
        super().__init__("read again")
        self.scan = scan



def _nothing_loadable(cur, shown: str, rows: int, malformed) -> UserError:
    """The sentence for a file none of whose rows can be imported: the commonest reasons, counted, with a value."""
    found = cur.execute(f"""
        SELECT split_part(reason, ': ', 1) AS why, count(*) AS n, any_value(nullif(split_part(reason, ': ', 2), ''))
        FROM {PARSED} WHERE reason IS NOT NULL AND NOT _blank GROUP BY why
    """).fetchall()
    if malformed:
        found.append(("lines that could not be split into columns", len(malformed), None))
    found.sort(key=lambda r: -r[1])
    reasons = ", ".join(f"{n:,} {why}" + (f" (e.g. {value[:40]!r})" if value else "") for why, n, value in found[:3])
    more = f" and {len(found) - 3} other reasons" if len(found) > 3 else ""
    return UserError(f"None of the {rows:,} rows of {shown} can be imported ({reasons}{more}), so nothing was "
                     "stored; check the field mapping, the source time zone and the date order, or fix the "
                     "export.")



def list_imports(store: Store) -> pd.DataFrame:
    return store.query(
        "SELECT import_id, kind, file_name, format, source, rows_read, loaded, updated, rejected, duplicates, "
        "finished_at, imported_by, sha256 FROM imports ORDER BY import_id DESC"
    )


def rejected_rows(store: Store, import_id: int) -> pd.DataFrame:
    return store.query(
        "SELECT row_number, reason, raw FROM rejected_rows WHERE import_id = ? ORDER BY row_number", [import_id]
    )


def kind_tables(cur) -> list[str]:
    """The tables import kinds write (each kind's canonical table carries the import_id of the rows' import; a
    kind's table is named as the kind: tickets, surveys, incidents, checks). Asked of the schema, so that this
    module needs no kind registry."""
    return [r[0] for r in cur.execute(
        "SELECT table_name FROM information_schema.columns WHERE column_name = 'import_id' AND table_schema = 'main' "
        "AND table_name NOT IN ('imports', 'rejected_rows') ORDER BY table_name").fetchall()]


def delete_import(store: Store, import_id: int) -> int:
    """Delete an import and the rows it last wrote, in whichever kind table it wrote them (a ticket import with a
    satisfaction column also wrote survey rows); returns how many rows of its own kind went."""
    from .. import quality

    with store.write_lock():  # the duplicate flags' bookkeeping follows right after the commit
        with store.transaction() as cur:
            found = cur.execute("SELECT kind FROM imports WHERE import_id = ?", [import_id]).fetchone()
            if not found:
                raise UserError(f"There is no import {import_id}.")
            tables = kind_tables(cur)
            own = found[0] if found[0] in tables else "tickets"
            gone = cur.execute(f"SELECT count(*) FROM {own} WHERE import_id = ?", [import_id]).fetchone()[0]
            flags = quality.DuplicateKeys(cur)
            flags.touch("t.import_id = ?", [import_id])
            cur.execute("DELETE FROM tickets WHERE import_id = ?", [import_id])
            flags.finish()
            for table in tables:
                if table != "tickets":
                    cur.execute(f"DELETE FROM {table} WHERE import_id = ?", [import_id])
            cur.execute("DELETE FROM rejected_rows WHERE import_id = ?", [import_id])
            cur.execute("DELETE FROM imports WHERE import_id = ?", [import_id])
        flags.record(store)
    return gone


def record_import(cur, *, import_id: int, kind: str, shown: str, sha: str, fmt: str, source: str, timezone: str,
                  rows_read: int, loaded: int, updated: int, rejected: int, duplicates: int, mapping: dict,
                  notes: list[str], started, covers: tuple | None = None) -> None:
    """The import log row, by named columns. `covers`: the (from, to) time range a log covers, when it has one."""
    covers_from, covers_to = covers or (None, None)
    cur.execute(
        "INSERT INTO imports (import_id, kind, file_name, sha256, format, source, timezone, rows_read, loaded, "
        "updated, rejected, duplicates, mapping, notes, started_at, finished_at, imported_by, covers_from, covers_to) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?, ?, ?)",
        [import_id, kind, shown, sha, fmt, source, timezone, rows_read, loaded, updated, rejected, duplicates,
         json.dumps(mapping), json.dumps(notes), started, auth.acting_name(), covers_from, covers_to],
    )


def drop_temp(cur, extra: tuple[str, ...] = ()) -> None:
    """Drop the import's temporary tables (the kind's own ones in `extra`)."""
    try:
        cur.execute(f"DROP VIEW IF EXISTS {FINAL}")
        for table in (FINAL, REJECTS, PARSED, STAGE, SAMPLE, SPREAD, RAW, "_ts_sample", *extra):
            cur.execute(f"DROP TABLE IF EXISTS {table}")
    except Exception:  # a failed transaction can leave the cursor unusable: closing it drops its temp tables anyway
        pass
