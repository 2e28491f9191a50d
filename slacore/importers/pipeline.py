"""Import one ticket export: stage → map → parse → validate → swap in, all-or-nothing.

Staging and parsing happen on a private cursor in TEMP tables (other sessions keep reading meanwhile); only the
final swap takes the store's write lock, inside one transaction: delete the incoming (source, ticket_id) pairs,
insert the new rows, record the import and its rejected rows. A failure anywhere leaves earlier data untouched.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone as dt_timezone
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from ..errors import UserError
from ..store import Store
from . import presets, reader
from .priorities import priority_sql
from .timestamps import ColumnFormat, clean_expr, describe, detect_formats, parse_expr

STAGE = "_stage"
PARSED = "_parsed"
FINAL = "_final"

SERVICENOW_STATES = {"1": "New", "2": "In Progress", "3": "On Hold", "6": "Resolved", "7": "Closed", "8": "Canceled"}
RESOLVE_ACTIVITY = r"resolv|clos|solved|complet|done|erledigt|geschlossen|cerrad|resuelt"
RESPONSE_ACTIVITY = r"respon|repl|answer|contact|comment|antwort|respuesta"

Progress = Callable[[float, str], None]


@dataclass
class ImportOptions:
    fmt: str = "auto"  # auto | zendesk | freshdesk | jira | servicenow | generic
    timezone: str = "UTC"  # how naive time stamps are read
    mapping: dict[str, str] = field(default_factory=dict)  # field -> header; "" unmaps a field
    dayfirst: bool | None = None  # None: decided from the data
    sheet: str | None = None  # XLSX: None picks the sheet that holds tickets
    pii: str = "keep"  # keep | drop | hash: what to do with requester names, e-mails, phones
    source: str | None = None  # source system name; defaults to the format
    remember: bool = True  # remember a hand-made mapping for the next file with the same header


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

    def as_json(self) -> dict:
        return {
            "loaded": self.loaded, "updated": self.updated, "rejected": self.rejected,
            "format": self.format, "source": self.source, "import_id": self.import_id,
            "file": self.file_name, "rows_read": self.rows_read, "duplicates": self.duplicates,
            "seconds": round(self.seconds, 3), "mapping": self.mapping,
            "timestamp_formats": self.timestamp_formats, "notes": self.notes,
        }


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _check_timezone(tz: str) -> None:
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


# -- staging and mapping ------------------------------------------------------------------------------------------

def _stage(cur, path: Path, shown: str, options: ImportOptions) -> reader.StagedFile:
    kind = reader.detect_kind(path, shown)
    if kind == "xlsx":
        return reader.stage_xlsx(cur, path, STAGE, shown, options.sheet, _choose_ticket_sheet)
    return reader.stage_csv(cur, path, STAGE, shown)


def _choose_ticket_sheet(headers_by_sheet: dict[str, list[str]]) -> str:
    """The first sheet whose header has a creation-time column; else the widest sheet."""
    for sheet, headers in headers_by_sheet.items():
        fmt = presets.detect_format(headers)
        if "created_at" in presets.propose_mapping(headers, fmt):
            return sheet
    return max(headers_by_sheet, key=lambda s: len(headers_by_sheet[s]))


def _resolve_mapping(store: Store, headers: list[str], options: ImportOptions) -> tuple[str, dict[str, str], bool]:
    fmt = options.fmt if options.fmt != "auto" else presets.detect_format(headers)
    if fmt not in presets.PRESETS:
        raise UserError(f"Unknown format {fmt!r}; choose one of auto, {', '.join(presets.PRESETS)}.")
    mapping = presets.propose_mapping(headers, fmt)
    remembered = False
    saved = store.rows("SELECT mapping FROM header_mappings WHERE signature = ?", [presets.header_signature(headers)])
    if saved:
        mapping.update({k: v for k, v in json.loads(saved[0][0]).items() if v in headers})
        mapping = {k: v for k, v in mapping.items() if v}
        remembered = True
    for fld, header in options.mapping.items():
        if fld not in presets.FIELDS:
            raise UserError(f"Unknown field {fld!r} in the mapping; fields are: {', '.join(presets.FIELDS)}.")
        if header and header not in headers:
            raise UserError(f"The file has no column {header!r} to map to {fld}; its columns are: {', '.join(headers[:30])}.")
        if header:
            mapping[fld] = header
        else:
            mapping.pop(fld, None)
    return fmt, mapping, remembered


def _require_created(mapping: dict[str, str], shown: str) -> None:
    if "created_at" not in mapping:
        raise UserError(
            f"No column of {shown} can be the creation time (looked for headers such as 'Created', 'Created at', "
            "'Opened', 'Erstellt'); choose it in the mapping, or on the command line add --map created_at=HEADER."
        )


def plan_import(store: Store, path: str | Path, name: str | None = None,
                options: ImportOptions | None = None) -> ImportPlan:
    """Read a file and say how it would be imported, without storing anything (the Data page's preview)."""
    options = options or ImportOptions()
    path = Path(path)
    shown = name or path.name
    _check_timezone(options.timezone)
    with store.cursor() as cur:
        staged = _stage(cur, path, shown, options)
        headers = staged.columns
        fmt, mapping, remembered = _resolve_mapping(store, headers, options)
        ts = _timestamp_formats(cur, mapping, options)
        preview = cur.execute(
            f"SELECT * EXCLUDE (_row) FROM {STAGE} ORDER BY _row LIMIT 20"
        ).df()
        sheets = reader.list_sheets(path) if staged.kind == "xlsx" else []
    return ImportPlan(
        file_name=shown, kind=staged.kind, sheet=staged.sheet, sheets=sheets, headers=headers, format=fmt,
        mapping=mapping, remembered=remembered,
        timestamp_formats={f: describe(c.format) for f, c in ts.items()},
        pii_columns=presets.pii_columns(headers, mapping), rows=staged.rows, preview=preview,
    )


def _timestamp_formats(cur, mapping: dict[str, str], options: ImportOptions) -> dict[str, ColumnFormat]:
    fields = [f for f in presets.TIMESTAMP_FIELDS if f in mapping]
    by_header = detect_formats(cur, STAGE, [mapping[f] for f in dict.fromkeys(fields)], options.dayfirst)
    return {f: by_header[mapping[f]] for f in fields}


# -- parsing ------------------------------------------------------------------------------------------------------

def _text(header: str | None) -> str:
    """Cleaned text of a column; ServiceNow reference fields `{'link': ..., 'value': ...}` give their value."""
    if header is None:
        return "CAST(NULL AS VARCHAR)"
    v = clean_expr(_ident(header))
    return (f"CASE WHEN starts_with({v}, '{{') AND contains({v}, 'value') "
            f"THEN nullif(regexp_extract({v}, '[''\"]value[''\"]\\s*:\\s*[''\"]([^''\"]*)', 1), '') ELSE {v} END")


def _number(header: str | None) -> str:
    if header is None:
        return "CAST(NULL AS DOUBLE)"
    return f"try_cast(replace({clean_expr(_ident(header))}, ',', '.') AS DOUBLE)"


def _duration_seconds(header: str | None) -> str:
    """ServiceNow writes durations as epoch datetimes ('1970-01-02 04:23:17' = 1 d 4 h 23 min) or seconds."""
    if header is None:
        return "CAST(NULL AS DOUBLE)"
    v = clean_expr(_ident(header))
    return (f"coalesce(epoch(try_cast({v} AS TIMESTAMP)) - epoch(TIMESTAMP '1970-01-01'), "
            f"try_cast({v} AS DOUBLE))")


def _parsed_select(mapping: dict[str, str], ts: dict[str, ColumnFormat], options: ImportOptions,
                   fmt: str, headers: list[str]) -> str:
    m = mapping.get
    tz = options.timezone

    def stamp(fld: str) -> str:
        if fld not in mapping or ts[fld].format is None:
            return "CAST(NULL AS TIMESTAMPTZ)"
        return parse_expr(clean_expr(_ident(mapping[fld])), ts[fld].format, tz)

    def raw(fld: str) -> str:
        return clean_expr(_ident(mapping[fld])) if fld in mapping else "CAST(NULL AS VARCHAR)"

    if "ticket_id" in mapping:
        ticket_id = _text(m("ticket_id"))
    else:  # no id column: a content hash keeps a re-import of the same rows from counting twice
        ticket_id = "left(md5(CAST(to_json(" + STAGE + ") AS VARCHAR)), 16)"
    status = _text(m("status"))
    if fmt == "servicenow" and "status" in mapping:
        cases = " ".join(f"WHEN {status} = '{k}' THEN '{v}'" for k, v in SERVICENOW_STATES.items())
        status = f"CASE {cases} ELSE {status} END"

    unmapped = [h for h in headers if h not in set(mapping.values())]
    pii = set(presets.pii_columns(headers, mapping))
    extra_items = []
    for h in unmapped:
        if h in pii and options.pii == "drop":
            continue
        value = clean_expr(_ident(h))
        if h in pii and options.pii == "hash":
            value = f"left(sha256({value}), 16)"
        extra_items.append(f"{_lit(h)}, {value}")
    extra = f"json_object({', '.join(extra_items)})" if extra_items else "CAST(NULL AS JSON)"

    return f"""
        SELECT
            _row,
            {ticket_id} AS ticket_id,
            {raw('created_at')} AS created_raw,
            {raw('first_response_at')} AS first_response_raw,
            {raw('resolved_at')} AS resolved_raw,
            {stamp('created_at')} AS created_at,
            {stamp('first_response_at')} AS first_response_stamp,
            {stamp('resolved_at')} AS resolved_stamp,
            {stamp('updated_at')} AS updated_at,
            {_number(m('first_response_minutes'))} AS fr_minutes,
            {_number(m('first_response_hours'))} AS fr_hours,
            {_number(m('resolution_minutes'))} AS res_minutes,
            {_number(m('resolution_hours'))} AS res_hours,
            {_number(m('first_response_business_minutes'))} AS vendor_first_response_business_min,
            coalesce({_number(m('resolution_business_minutes'))},
                     {_duration_seconds(m('resolution_business_duration'))} / 60.0) AS vendor_resolution_business_min,
            {_number(m('on_hold_minutes'))} AS on_hold_min,
            {_number(m('on_hold_business_minutes'))} AS on_hold_business_min,
            {_number(m('pending_minutes'))} AS pending_min,
            {_number(m('pending_business_minutes'))} AS pending_business_min,
            {status} AS status,
            {_text(m('priority'))} AS priority_raw,
            {_text(m('team'))} AS team,
            {_text(m('assignee'))} AS assignee,
            lower({_text(m('channel'))}) AS channel,
            {_text(m('customer'))} AS customer,
            {_text(m('customer_tier'))} AS customer_tier,
            {_text(m('category'))} AS category,
            {_text(m('subject'))} AS subject,
            CAST(round({_number(m('reopens'))}) AS INTEGER) AS reopens,
            CAST(round({_number(m('agent_replies'))}) AS INTEGER) AS agent_replies,
            {_text(m('activity'))} AS activity,
            {extra} AS extra
        FROM {STAGE}
    """


REJECT_REASON = """
    CASE
        WHEN ticket_id IS NULL THEN 'missing ticket id'
        WHEN created_raw IS NULL THEN 'missing created time'
        WHEN created_at IS NULL THEN 'unreadable created time: ' || created_raw
        WHEN first_response_raw IS NOT NULL AND first_response_stamp IS NULL
            THEN 'unreadable first response time: ' || first_response_raw
        WHEN resolved_raw IS NOT NULL AND resolved_stamp IS NULL THEN 'unreadable resolved time: ' || resolved_raw
        WHEN first_response_at < created_at THEN 'first response before created'
        WHEN resolved_at < created_at THEN 'resolved before created'
    END
"""


DERIVED = """
    coalesce(first_response_stamp,
             created_at + to_microseconds(CAST(round(fr_minutes * 60e6) AS BIGINT)),
             created_at + to_microseconds(CAST(round(fr_hours * 3600e6) AS BIGINT))) AS first_response_at,
    coalesce(resolved_stamp,
             created_at + to_microseconds(CAST(round(res_minutes * 60e6) AS BIGINT)),
             created_at + to_microseconds(CAST(round(res_hours * 3600e6) AS BIGINT))) AS resolved_at
"""


def _parse(cur, parsed_select: str) -> None:
    """One pass: parse, fill time stamps the export only gives as durations (Zendesk has no first-reply stamp),
    and give each row its rejection reason (NULL = valid)."""
    cur.execute(f"""
        CREATE OR REPLACE TEMP TABLE {PARSED} AS
        SELECT *, {REJECT_REASON} AS reason FROM (SELECT *, {DERIVED} FROM ({parsed_select}))
    """)


FINAL_COLUMNS = (
    "ticket_id, created_at, first_response_at, resolved_at, status, priority, priority_raw, team, assignee, "
    "channel, customer, customer_tier, category, subject, reopens, agent_replies, "
    "vendor_first_response_business_min, vendor_resolution_business_min, on_hold_min, on_hold_business_min, "
    "pending_min, pending_business_min, updated_at, extra"
)


def _collapse(cur, event_log: bool, codes: dict[str, str]) -> None:
    """One row per ticket. Event logs (one row per activity) aggregate; otherwise the final row wins."""
    priority = f"coalesce(pm.canonical, {priority_sql('v.priority_raw', codes)})"
    if event_log:
        source = f"""
            SELECT ticket_id,
                min(created_at) AS created_at,
                min(created_at) FILTER (WHERE regexp_matches(lower(activity), '{RESPONSE_ACTIVITY}')
                                        AND created_at > created_at_min) AS first_response_at,
                CASE WHEN bool_or(regexp_matches(lower(activity), '{RESOLVE_ACTIVITY}'))
                     THEN max(created_at) FILTER (WHERE regexp_matches(lower(activity), '{RESOLVE_ACTIVITY}')) END
                     AS resolved_at,
                arg_max(activity, created_at) AS status,
                arg_max(priority_raw, created_at) AS priority_raw,
                arg_max(team, created_at) AS team, arg_max(assignee, created_at) AS assignee,
                arg_max(channel, created_at) AS channel, arg_max(customer, created_at) AS customer,
                arg_max(customer_tier, created_at) AS customer_tier, arg_max(category, created_at) AS category,
                arg_max(subject, created_at) AS subject, max(reopens) AS reopens,
                count(*) FILTER (WHERE regexp_matches(lower(activity), '{RESPONSE_ACTIVITY}'))::INTEGER AS agent_replies,
                NULL::DOUBLE AS vendor_first_response_business_min, NULL::DOUBLE AS vendor_resolution_business_min,
                NULL::DOUBLE AS on_hold_min, NULL::DOUBLE AS on_hold_business_min,
                NULL::DOUBLE AS pending_min, NULL::DOUBLE AS pending_business_min,
                max(created_at) AS updated_at, arg_max(extra, created_at) AS extra,
                count(*) AS n_rows
            FROM (SELECT *, min(created_at) OVER (PARTITION BY ticket_id) AS created_at_min
                  FROM {PARSED} WHERE reason IS NULL)
            GROUP BY ticket_id
        """
    else:
        source = f"""
            SELECT * EXCLUDE (rn), 1 AS n_rows FROM (
                SELECT *, row_number() OVER (PARTITION BY ticket_id ORDER BY updated_at DESC NULLS LAST, _row DESC) AS rn
                FROM {PARSED} WHERE reason IS NULL
            ) WHERE rn = 1
        """
    cols = FINAL_COLUMNS.replace("priority, ", "")
    cur.execute(f"""
        CREATE OR REPLACE TEMP TABLE {FINAL} AS
        SELECT {', '.join('v.' + c.strip() for c in cols.split(','))}, {priority} AS priority
        FROM ({source}) v LEFT JOIN priority_map pm ON pm.raw = lower(trim(v.priority_raw))
    """)


def import_file(store: Store, path: str | Path, name: str | None = None, options: ImportOptions | None = None,
                progress: Progress | None = None) -> ImportReport:
    """Import a ticket export (CSV or XLSX). Lands whole or not at all; raises UserError on refusal."""
    options = options or ImportOptions()
    path = Path(path)
    shown = name or path.name
    step = progress or (lambda fraction, message: None)
    _check_timezone(options.timezone)
    if options.pii not in ("keep", "drop", "hash"):
        raise UserError("Personal data handling must be keep, drop or hash.")
    started = datetime.now(dt_timezone.utc)
    t0 = time.perf_counter()

    step(0.05, "Checking the file")
    sha = file_sha256(path)
    with store.cursor() as cur:
        step(0.1, "Reading the file")
        staged = _stage(cur, path, shown, options)
        headers = staged.columns
        fmt, mapping, remembered = _resolve_mapping(store, headers, options)
        _require_created(mapping, shown)
        step(0.4, "Reading dates")
        ts = _timestamp_formats(cur, mapping, options)
        created_fmt = ts["created_at"]
        if created_fmt.format is None:
            raise UserError(
                f"The column {mapping['created_at']!r} of {shown} (used as the creation time) holds no date this app "
                f"can read (for example {created_fmt.example!r}); choose another column or fix the export."
            )
        source = (options.source or fmt).strip() or fmt
        step(0.5, "Checking every row")
        _parse(cur, _parsed_select(mapping, ts, options, fmt, headers))
        event_log = "activity" in mapping
        _collapse(cur, event_log, presets.PRESETS[fmt].priority_codes)

        valid = cur.execute(f"SELECT count(*) FROM {PARSED} WHERE reason IS NULL").fetchone()[0]
        final_rows = cur.execute(f"SELECT count(*) FROM {FINAL}").fetchone()[0]
        if final_rows == 0 and not staged.malformed and valid == 0 and \
                cur.execute(f"SELECT count(*) FROM {PARSED}").fetchone()[0] == 0:
            raise UserError(f"There are no tickets in {shown}.")
        duplicates = valid - final_rows

        step(0.75, "Saving")
        with store.transaction(cur):
            updated = cur.execute(
                f"SELECT count(*) FROM tickets t SEMI JOIN {FINAL} f ON t.ticket_id = f.ticket_id WHERE t.source = ?",
                [source],
            ).fetchone()[0]
            import_id = cur.execute("SELECT nextval('import_id_seq')").fetchone()[0]
            cur.execute(
                f"DELETE FROM tickets WHERE source = ? AND ticket_id IN (SELECT ticket_id FROM {FINAL})", [source]
            )
            cur.execute(
                f"INSERT INTO tickets (source, {FINAL_COLUMNS}, import_id) "
                f"SELECT ?, {FINAL_COLUMNS}, ? FROM {FINAL}",
                [source, import_id],
            )
            cur.execute(
                f"""INSERT INTO rejected_rows
                    SELECT ?, p._row, p.reason, to_json(s) FROM {PARSED} p JOIN {STAGE} s USING (_row)
                    WHERE p.reason IS NOT NULL""",
                [import_id],
            )
            if staged.malformed:
                cur.executemany(
                    "INSERT INTO rejected_rows VALUES (?, ?, ?, ?)",
                    [[import_id, line, reason, json.dumps({"line": raw})] for line, reason, raw in staged.malformed],
                )
            rejected = cur.execute("SELECT count(*) FROM rejected_rows WHERE import_id = ?", [import_id]).fetchone()[0]
            notes = _notes(staged, fmt, mapping, ts, duplicates, event_log, options)
            cur.execute(
                "INSERT INTO imports VALUES (?, 'tickets', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                [import_id, shown, sha, fmt, source, options.timezone, staged.rows + len(staged.malformed or []),
                 final_rows - updated, updated, rejected, duplicates, json.dumps(mapping), json.dumps(notes), started],
            )
            if options.mapping and options.remember:
                cur.execute(
                    "INSERT OR REPLACE INTO header_mappings VALUES (?, ?, ?, ?, now())",
                    [presets.header_signature(headers), json.dumps(headers), fmt, json.dumps(mapping)],
                )
        rejected_frame = cur.execute(
            "SELECT row_number, reason, raw FROM rejected_rows WHERE import_id = ? ORDER BY row_number LIMIT 1000",
            [import_id],
        ).df()
        for table in (STAGE, PARSED, FINAL):
            cur.execute(f"DROP TABLE IF EXISTS {table}")
    step(1.0, "Done")
    return ImportReport(
        import_id=import_id, file_name=shown, sha256=sha, format=fmt, source=source,
        rows_read=staged.rows + len(staged.malformed or []), loaded=final_rows - updated, updated=updated,
        rejected=rejected, duplicates=duplicates, seconds=time.perf_counter() - t0, mapping=mapping,
        timestamp_formats={f: describe(c.format) for f, c in ts.items()}, notes=notes, rejected_rows=rejected_frame,
    )


def _notes(staged, fmt, mapping, ts, duplicates, event_log, options) -> list[str]:
    notes = []
    if staged.kind == "xlsx":
        notes.append(f"sheet {staged.sheet!r}")
    elif staged.encoding != "utf-8":
        notes.append(f"read as {staged.encoding} text")
    if duplicates:
        what = "activity rows folded into their tickets" if event_log else "rows repeated a ticket id (the last one was kept)"
        notes.append(f"{duplicates} {what}")
    if "first_response_at" not in mapping and "first_response_minutes" in mapping:
        notes.append("first response time stamps derived from the export's reply minutes")
    if "first_response_at" not in mapping and "first_response_minutes" not in mapping:
        if "first_response_business_minutes" in mapping:
            notes.append("only the vendor's business-hours reply minutes are available: kept as the vendor's figure")
        else:
            notes.append("the export has no first-response column")
    for fld, col in ts.items():
        if col.format and col.format not in ("iso", "iso+offset", "iso-mixed"):
            notes.append(f"{fld}: {describe(col.format)}")
    if options.pii != "keep":
        notes.append(f"personal data columns {'dropped' if options.pii == 'drop' else 'hashed'}")
    return notes


def list_imports(store: Store) -> pd.DataFrame:
    return store.query(
        "SELECT import_id, file_name, format, source, rows_read, loaded, updated, rejected, duplicates, "
        "finished_at, sha256 FROM imports ORDER BY import_id DESC"
    )


def rejected_rows(store: Store, import_id: int) -> pd.DataFrame:
    return store.query(
        "SELECT row_number, reason, raw FROM rejected_rows WHERE import_id = ? ORDER BY row_number", [import_id]
    )


def delete_import(store: Store, import_id: int) -> int:
    """Delete an import and the tickets it last wrote; returns how many tickets went."""
    with store.transaction() as cur:
        if not cur.execute("SELECT count(*) FROM imports WHERE import_id = ?", [import_id]).fetchone()[0]:
            raise UserError(f"There is no import {import_id}.")
        gone = cur.execute("SELECT count(*) FROM tickets WHERE import_id = ?", [import_id]).fetchone()[0]
        cur.execute("DELETE FROM tickets WHERE import_id = ?", [import_id])
        cur.execute("DELETE FROM rejected_rows WHERE import_id = ?", [import_id])
        cur.execute("DELETE FROM imports WHERE import_id = ?", [import_id])
    return gone
