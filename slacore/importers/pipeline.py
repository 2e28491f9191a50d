"""Import one ticket export: read → map → parse → validate → swap in, all-or-nothing.

Reading and parsing happen on a private cursor in TEMP tables (other sessions keep reading meanwhile); only the
final swap takes the store's write lock, inside one transaction: delete the incoming (source, ticket_id) pairs,
insert the new rows, record the import and its rejected rows. A failure anywhere leaves earlier data untouched.

A CSV is parsed straight from DuckDB's reader in one pass (no text copy of the file in the database). What has to be
decided before that pass (date formats, which text columns need cleaning) is decided on the first rows, and on a
reservoir of rows spread over the whole file when the first rows leave a date column undecided. The file's hash and
its encoding check run on a background thread meanwhile. Per-row work stays in SQL; per-value decisions (priority
rules, event-log activities) run once per distinct value.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
from dataclasses import replace
from datetime import datetime, timezone as dt_timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import duckdb

from ..errors import UserError
from ..store import Store
from . import presets, reader
from .machinery import (FINAL, PARSED, RAW, REJECTS, SAMPLE, SPREAD, STAGE, ImportOptions, ImportPlan,  # noqa: F401
                        ImportReport, _check_file, _check_timezone, _csv_row_numbers, _duration_seconds, _ident,
                        _insert_rejects, _json_of, _keep_rejects, _lit, _nothing_loadable, _number, _pii_value,
                        _plain_columns, _ReadAgain, _Source, _text, delete_import, drop_temp, file_sha256,
                        list_imports, record_import, rejected_rows)
from .machinery import _open_source as _open_any_source
from .priorities import priority_sql
from .timestamps import (EARLIEST_SQL, LATEST_SQL, SUPPORTED_YEARS, ColumnFormat, clean_expr, describe,
                         detect_formats, parse_expr, placeholder_sql)

if TYPE_CHECKING:  # slacore.clocks, slacore.quality and pandas load when the swap needs them (see _Preload)
    import pandas as pd


SERVICENOW_STATES = {"1": "New", "2": "In Progress", "3": "On Hold", "6": "Resolved", "7": "Closed", "8": "Canceled"}
# Event-log activities, classified once per distinct value (lower case).
RESOLVE_ACTIVITY = r"resolv|solved|solve |complet|done|fixed|erledigt|gelöst|resuelt|résolu"
CLOSE_ACTIVITY = r"clos|cancel|cerrad|geschlossen|fermé|invalid|duplicate|rejected"
RESPONSE_ACTIVITY = (r"respon|repl|answer|contact|comment|take in charge|in charge|acknowledg|accept|work start|"
                     r"start work|in progress|antwort|respuesta|réponse")

SAMPLE_ROWS = 20_000  # a CSV's first rows read for the decisions before the one full pass

Progress = Callable[[float, str], None]


# -- reading the file ---------------------------------------------------------------------------------------------
def _open_source(cur, path: Path, shown: str, options: ImportOptions,
                 scan: reader.FileScan | None = None) -> _Source:
    return _open_any_source(cur, path, shown, options, scan, _choose_ticket_sheet, SAMPLE_ROWS)


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
    if saved:  # the whole mapping of the last import with this header, fields unmapped by hand included
        mapping = {k: v for k, v in json.loads(saved[0][0]).items() if v in headers and k in presets.FIELDS}
        remembered = True
    chosen = [h for h in options.mapping.values() if h]
    for header in dict.fromkeys(h for h in chosen if chosen.count(h) > 1):
        both = " and ".join(f for f, h in options.mapping.items() if h == header)
        raise UserError(f"The column {header!r} is chosen for {both}; a column can stand for one field only.")
    for fld, header in options.mapping.items():
        if fld not in presets.FIELDS:
            raise UserError(f"Unknown field {fld!r} in the mapping; fields are: {', '.join(presets.FIELDS)}.")
        if header and header not in headers:
            raise UserError(f"The file has no column {header!r} to map to {fld}; its columns are: {', '.join(headers[:30])}.")
        if header:
            for other in [f for f, h in mapping.items() if h == header and f not in options.mapping]:
                del mapping[other]  # a column is one field: the user's choice takes it from the proposal
            mapping[fld] = header
        else:
            mapping.pop(fld, None)
    return fmt, mapping, remembered


def _read_header(headers: list[str], fmt: str, mapping: dict[str, str], remembered: bool,
                 options: ImportOptions) -> tuple[ImportOptions, presets.MappingInfo, list[str]]:
    """Where each field came from and how sure; the source zone: the user's, else the one the time-stamp headers
    name ('Created (CET)'), else UTC. Returns the options with that zone, and the headers that named it."""
    info = presets.describe_mapping(headers, fmt, mapping, options.mapping, remembered)
    if options.timezone:
        return options, info, []
    return replace(options, timezone=info.zone or "UTC"), info, (info.zone_from if info.zone else [])


def _drop_undated_guesses(mapping: dict[str, str], ts: dict[str, ColumnFormat],
                          info: presets.MappingInfo) -> tuple[presets.MappingInfo, list[str]]:
    """A column matched by its name alone (not exactly, not by hand) whose cells are mostly no dates is not used
    as a response, resolution or update time: it would reject every row ('Resolution time' holding hours)."""
    guessed = {c.field for c in info.columns if c.score < 1.0}
    dropped, notes = set(), []
    for fld in ("first_response_at", "resolved_at", "updated_at"):
        col = ts.get(fld)
        if fld in guessed and col is not None and col.sampled and (col.format is None or 2 * col.readable < col.sampled):
            notes.append(f"column {mapping[fld]!r} looked like the {presets.FIELDS[fld].lower()} by its name but "
                         "holds no dates this app can read: not used (map it by hand if it is)")
            del mapping[fld], ts[fld]
            dropped.add(fld)
    return info.without(dropped), notes


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
    _check_file(path, shown)
    with store.cursor() as cur:
        src = _open_source(cur, path, shown, options)
        try:
            headers = src.columns
            fmt, mapping, remembered = _resolve_mapping(store, headers, options)
            options, info, zone_from = _read_header(headers, fmt, mapping, remembered, options)
            ts = _timestamp_formats(cur, src, mapping, options)
            info, dropped = _drop_undated_guesses(mapping, ts, info)
            if src.kind == "csv":
                preview = cur.execute(f"SELECT * FROM {src.csv.relation()} LIMIT 20").df()
                rows = cur.execute(f"SELECT count(*) FROM {src.csv.relation()}").fetchone()[0]
            else:
                preview = cur.execute(f"SELECT * EXCLUDE (_row) FROM {STAGE} ORDER BY _row LIMIT 20").df()
                rows = src.rows
            sheets = reader.list_sheets(path, shown) if src.kind == "xlsx" else []
        finally:
            src.close()
            _drop_temp(cur)
    return ImportPlan(
        file_name=shown, kind=src.kind, sheet=src.sheet, sheets=sheets, headers=headers, format=fmt,
        mapping=mapping, remembered=remembered,
        timestamp_formats={f: describe(c.format) for f, c in ts.items()},
        pii_columns=presets.pii_columns(headers, mapping), rows=rows, preview=preview,
        columns=info.columns, asked=info.asked, timezone=options.timezone, timezone_from=zone_from,
        measured_as=presets.measured_instead(mapping), notes=info.notes + dropped,
    )


def _timestamp_formats(cur, src: _Source, mapping: dict[str, str], options: ImportOptions) -> dict[str, ColumnFormat]:
    """Formats from the sample of the file's first rows; when that leaves a column undecided (day/month order
    ambiguous, or no value at all), from a reservoir of rows spread over the whole file."""
    fields = [f for f in presets.TIMESTAMP_FIELDS if f in mapping]
    headers = list(dict.fromkeys(mapping[f] for f in fields))
    by_header = detect_formats(cur, src.sample, headers, options.dayfirst)
    undecided = [h for h, c in by_header.items() if c.format is None or c.ambiguous]
    if src.kind == "csv" and undecided and src.head_only:
        reader.sample_csv(cur, src.csv, SPREAD, src.shown, SAMPLE_ROWS, columns=headers, spread=True)
        by_header = detect_formats(cur, SPREAD, headers, options.dayfirst)
        cur.execute(f"DROP TABLE IF EXISTS {SPREAD}")
    return {f: by_header[mapping[f]] for f in fields}


# -- parsing ------------------------------------------------------------------------------------------------------

def _parsed_select(mapping: dict[str, str], ts: dict[str, ColumnFormat], options: ImportOptions,
                   fmt: str, headers: list[str], src: _Source | None = None, plain: set[str] = frozenset()) -> str:
    m = mapping.get
    tz = options.timezone
    relation = src.relation if src is not None else STAGE
    csv = src is not None and src.kind == "csv"

    def text(fld: str) -> str:
        return _text(m(fld), plain)

    def stamp(fld: str) -> str:
        """The cell as it is first (almost every cell), cleaned only where that reads nothing."""
        if fld not in mapping or ts[fld].format is None:
            return "CAST(NULL AS TIMESTAMPTZ)"
        col = _ident(mapping[fld])
        return f"coalesce({parse_expr(col, ts[fld].format, tz)}, {parse_expr(clean_expr(col), ts[fld].format, tz)})"

    def raw(fld: str) -> str:  # the text behind a time stamp, cleaned by REJECT_REASON only where it matters
        return _ident(mapping[fld]) if fld in mapping else "CAST(NULL AS VARCHAR)"

    if "ticket_id" in mapping:
        ticket_id = _text(m("ticket_id"))
    else:  # no id column: a hash of the row's values keeps a re-import of the same rows from counting twice
        ticket_id = f"left(md5(CAST(to_json([{', '.join(_ident(h) for h in headers)}]) AS VARCHAR)), 16)"
    status = text("status")
    if fmt == "servicenow" and "status" in mapping:
        cases = " ".join(f"WHEN {status} = '{k}' THEN '{v}'" for k, v in SERVICENOW_STATES.items())
        status = f"CASE {cases} ELSE {status} END"

    mapped = set(mapping.values())
    pii = set(presets.pii_columns(headers, mapping))
    extra = _json_of([h for h in headers if h not in mapped], pii, options, plain=plain, empty_cells=False)

    return _without_placeholders(f"""
        SELECT
            {"CAST(NULL AS BIGINT)" if csv else "_row"} AS _row,
            {_blank_sql(mapping, headers) if csv else "false"} AS _blank,
            {ticket_id} AS ticket_id,
            {raw('created_at')} AS created_raw,
            {raw('first_response_at')} AS first_response_raw,
            {raw('resolved_at')} AS resolved_raw,
            {raw('updated_at')} AS updated_raw,
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
            {text('priority')} AS priority_raw,
            {text('team')} AS team,
            {text('assignee')} AS assignee,
            lower({text('channel')}) AS channel,
            {text('customer')} AS customer,
            {text('customer_tier')} AS customer_tier,
            {text('category')} AS category,
            {text('subject')} AS subject,
            TRY_CAST(round({_number(m('reopens'))}) AS INTEGER) AS reopens,
            TRY_CAST(round({_number(m('agent_replies'))}) AS INTEGER) AS agent_replies,
            TRY_CAST(round({_number(m('customer_replies'))}) AS INTEGER) AS customer_replies,
            {_yes_no(m('first_contact'))} AS first_contact,
            {text('satisfaction')} AS csat_raw,
            {text('satisfaction_comment')} AS csat_comment,
            {text('activity')} AS activity,
            {extra} AS extra
        FROM {relation}
    """, mapping, tz)


# Time-stamp fields -> (parsed column, raw text column, placeholder column) in the parsed select.
STAMP_COLUMNS = {
    "created_at": ("created_at", "created_raw", "_ph_created"),
    "first_response_at": ("first_response_stamp", "first_response_raw", "_ph_first_response"),
    "resolved_at": ("resolved_stamp", "resolved_raw", "_ph_resolved"),
    "updated_at": ("updated_at", "updated_raw", "_ph_updated"),
}

PLACEHOLDER_COLUMNS = ", ".join(flag for _, _, flag in STAMP_COLUMNS.values())


def _without_placeholders(select: str, mapping: dict[str, str], tz: str) -> str:
    """Each time stamp's placeholder for "no date" (the cleaned text, else NULL), and the stamps with placeholders
    read as empty: an unanswered or open ticket, not one "resolved before created". The creation stamp is kept (its
    placeholder rejects the row); an update stamp outside the supported years is dropped (it only orders repeats)."""
    flags = []
    for fld, (stamp, raw, flag) in STAMP_COLUMNS.items():
        if fld in mapping:
            flags.append(f"CASE WHEN {placeholder_sql(stamp, _clean(raw), tz)} THEN {_clean(raw)} END AS {flag}")
        else:
            flags.append(f"CAST(NULL AS VARCHAR) AS {flag}")
    return f"""
        SELECT * REPLACE (
            CASE WHEN _ph_first_response IS NULL THEN first_response_stamp END AS first_response_stamp,
            CASE WHEN _ph_resolved IS NULL THEN resolved_stamp END AS resolved_stamp,
            CASE WHEN _ph_updated IS NULL AND updated_at >= {EARLIEST_SQL} AND updated_at < {LATEST_SQL}
                 THEN updated_at END AS updated_at)
        FROM (SELECT *, {', '.join(flags)} FROM ({select}))
    """


def _clean(sql: str) -> str:
    return clean_expr(sql)


def _out_of_range(stamp: str) -> str:
    return f"NOT ({stamp} >= {EARLIEST_SQL} AND {stamp} < {LATEST_SQL})"


def _stamp_text(stamp: str, parsed: str, raw: str) -> str:
    """The value as the file wrote it; a stamp derived from a duration (no text of its own) as ISO."""
    return f"coalesce(CASE WHEN {parsed} IS NOT NULL THEN {_clean(raw)} END, strftime({stamp}, '%Y-%m-%d %H:%M:%S'))"


# Stamps outside the supported years are rejected (not clamped): a clamped 1600 would be a real-looking ticket.

# A duration beyond a century is no reply or resolution time (`1e20` hours overflowed the cast and failed the whole
# file): the row is rejected with the value instead (REJECT_REASON).
MAX_DURATION_MINUTES = 100 * 366 * 24 * 60
DURATIONS = (("fr_minutes", "minutes", 1, "first_response_stamp"), ("fr_hours", "hours", 60, "first_response_stamp"),
             ("res_minutes", "minutes", 1, "resolved_stamp"), ("res_hours", "hours", 60, "resolved_stamp"))


REJECT_REASON = f"""
    CASE
        WHEN ticket_id IS NULL THEN 'missing ticket id'
        WHEN _ph_created IS NOT NULL THEN 'placeholder created time (a "no date" value): ' || _ph_created
        WHEN created_at IS NULL THEN coalesce('unreadable created time: ' || {_clean('created_raw')},
                                              'missing created time')
        WHEN {_out_of_range('created_at')} THEN 'created time out of range: ' || {_clean('created_raw')}
            || ' (time stamps must fall in {SUPPORTED_YEARS})'
        WHEN first_response_stamp IS NULL AND _ph_first_response IS NULL AND {_clean('first_response_raw')} IS NOT NULL
            THEN 'unreadable first response time: ' || {_clean('first_response_raw')}
        WHEN resolved_stamp IS NULL AND _ph_resolved IS NULL AND {_clean('resolved_raw')} IS NOT NULL
            THEN 'unreadable resolved time: ' || {_clean('resolved_raw')}
        WHEN {_out_of_range('first_response_at')} THEN 'first response time out of range: '
            || {_stamp_text('first_response_at', 'first_response_stamp', 'first_response_raw')}
            || ' (time stamps must fall in {SUPPORTED_YEARS})'
        WHEN {_out_of_range('resolved_at')} THEN 'resolved time out of range: '
            || {_stamp_text('resolved_at', 'resolved_stamp', 'resolved_raw')}
            || ' (time stamps must fall in {SUPPORTED_YEARS})'
        WHEN first_response_at < created_at THEN 'first response before created'
        WHEN resolved_at < created_at THEN 'resolved before created'
        {" ".join(f"WHEN {stamp} IS NULL AND NOT abs({col} * {per}) <= {MAX_DURATION_MINUTES} THEN "
                  f"'{'first response' if col.startswith('fr') else 'resolution'} time out of range: ' || {col} "
                  f"|| ' {unit}'" for col, unit, per, stamp in DURATIONS)}
    END
"""


def _blank_sql(mapping: dict[str, str], headers: list[str]) -> str:
    """A CSV row whose cells are all empty; the id (or first) cell is looked at first, so that a row with an id
    costs one comparison."""
    first = _ident(mapping.get("ticket_id") or headers[0])
    return (f"(({first} IS NULL OR {first} = '' OR (starts_with({first}, ' ') AND trim({first}) = '')) "
            f"AND {reader.blank_row_sql(headers)})")


def _after(minutes_sql: str, unit_us: str) -> str:
    minutes = {"60e6": minutes_sql, "3600e6": f"({minutes_sql} * 60)"}[unit_us]
    return (f"CASE WHEN abs({minutes}) <= {MAX_DURATION_MINUTES} "
            f"THEN created_at + to_microseconds(CAST(round({minutes_sql} * {unit_us}) AS BIGINT)) END")


def _derived(mapping: dict[str, str]) -> str:
    """Time stamps the export only gives as durations (Zendesk has no first-reply stamp): created + duration."""
    def pick(stamp: str, minutes: str, hours: str, fields: tuple[str, str, str]) -> str:
        parts = [stamp] if fields[0] in mapping else []
        if fields[1] in mapping:
            parts.append(_after(minutes, "60e6"))
        if fields[2] in mapping:
            parts.append(_after(hours, "3600e6"))
        if not parts:
            return "CAST(NULL AS TIMESTAMPTZ)"
        return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"

    return (pick("first_response_stamp", "fr_minutes", "fr_hours",
                 ("first_response_at", "first_response_minutes", "first_response_hours")) + " AS first_response_at, "
            + pick("resolved_stamp", "res_minutes", "res_hours",
                   ("resolved_at", "resolution_minutes", "resolution_hours")) + " AS resolved_at")


PARSED_COLUMNS = (
    "_row, ticket_id, created_at, first_response_at, resolved_at, updated_at, status, priority_raw, team, "
    "assignee, channel, customer, customer_tier, category, subject, reopens, agent_replies, customer_replies, "
    "first_contact, csat_raw, csat_comment, "
    "vendor_first_response_business_min, vendor_resolution_business_min, on_hold_min, on_hold_business_min, "
    "pending_min, pending_business_min, activity, extra"
)


def _parse(cur, parsed_select: str, mapping: dict[str, str] | None = None, src: _Source | None = None) -> int:
    """One pass over the rows: parse, derive, and give each row its rejection reason (NULL = valid).

    A CSV is read here, straight from the file, in file order (PARSED's rowid is the row's place among the rows
    the reader returned; the spreadsheet row number is derived from it only for the rows that need one). Lines the
    reader could not split are found afterwards (`reader.skipped_lines`); blank rows are flagged (`_blank`) and
    left out of every count.
    Returns the number of non-blank rows.
    """
    derived = _derived(mapping if mapping is not None else {f: f for f in presets.FIELDS})
    try:
        cur.execute(f"""
            CREATE OR REPLACE TEMP TABLE {PARSED} AS
            SELECT {PARSED_COLUMNS}, _blank, {REJECT_REASON} AS reason, {PLACEHOLDER_COLUMNS}
            FROM (SELECT *, {derived} FROM ({parsed_select}))
        """)
    except duckdb.Error as exc:
        if src is None or src.kind != "csv" or not isinstance(exc, (duckdb.InvalidInputException,
                                                                    duckdb.ConversionException)):
            raise
        raise reader.csv_error(exc, src.csv.path, src.shown) from None
    return cur.execute(f"SELECT count(*) FILTER (WHERE NOT _blank) FROM {PARSED}").fetchone()[0]


def _placeholder_counts(cur, mapping: dict[str, str]) -> dict[str, dict]:
    """Per mapped time-stamp field: how many rows held a placeholder for "no date", and the (up to 3) most
    frequent values found. Read from the parsed rows: one scan of narrow, mostly empty columns."""
    fields = [f for f in STAMP_COLUMNS if f in mapping]
    if not fields:
        return {}
    flags = [STAMP_COLUMNS[f][2] for f in fields]
    counts = cur.execute(f"SELECT {', '.join(f'count({c})' for c in flags)} FROM {PARSED} WHERE NOT _blank").fetchone()
    out = {}
    for fld, flag, rows in zip(fields, flags, counts):
        if rows:
            values = cur.execute(f"SELECT {flag} FROM {PARSED} WHERE NOT _blank AND {flag} IS NOT NULL "
                                 f"GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 3").fetchall()
            out[fld] = {"rows": int(rows), "values": [v[0] for v in values]}
    return out


FINAL_COLUMNS = (
    "ticket_id, created_at, first_response_at, resolved_at, status, priority, priority_raw, team, assignee, "
    "channel, customer, customer_tier, category, subject, reopens, agent_replies, customer_replies, first_contact, "
    "vendor_first_response_business_min, vendor_resolution_business_min, on_hold_min, on_hold_business_min, "
    "pending_min, pending_business_min, updated_at, extra"
)
PRIO = "_prio"
ACTS = "_acts"


def _priorities(cur, codes: dict[str, str]) -> None:
    """Canonical priority per distinct raw value (a handful): the user's priority_map first, then the rules."""
    cur.execute(f"""
        CREATE OR REPLACE TEMP TABLE {PRIO} AS
        SELECT r.priority_raw, coalesce(pm.canonical, {priority_sql('r.priority_raw', codes)}) AS priority
        FROM (SELECT DISTINCT priority_raw FROM {PARSED} WHERE priority_raw IS NOT NULL AND reason IS NULL) r
        LEFT JOIN priority_map pm ON pm.raw = lower(trim(r.priority_raw))
    """)


def _activities(cur) -> None:
    """Classify each distinct activity of an event log once: response, resolve, close or other."""
    cur.execute(f"""
        CREATE OR REPLACE TEMP TABLE {ACTS} AS
        SELECT activity, CASE
            WHEN regexp_matches(lower(activity), '{RESOLVE_ACTIVITY}') THEN 'resolve'
            WHEN regexp_matches(lower(activity), '{CLOSE_ACTIVITY}') THEN 'close'
            WHEN regexp_matches(lower(activity), '{RESPONSE_ACTIVITY}') THEN 'response'
            ELSE 'other' END AS kind
        FROM (SELECT DISTINCT activity FROM {PARSED} WHERE activity IS NOT NULL)
    """)


def _collapse(cur, activities: bool, codes: dict[str, str]) -> tuple[int, int, bool]:
    """One row per ticket in FINAL (a view when nothing needs folding). Returns (valid rows, tickets, event log).

    An event log (an activity column, ids repeated: one row per activity) aggregates per ticket into its final
    state; otherwise the last row of an id wins (latest update, then latest row in the file).
    """
    _priorities(cur, codes)
    valid, tickets = cur.execute(
        f"SELECT count(*), count(DISTINCT ticket_id) FROM {PARSED} WHERE reason IS NULL"
    ).fetchone()
    event_log = activities and valid != tickets
    if event_log:
        _activities(cur)
        source = f"""
            SELECT ticket_id,
                min(created_at) AS created_at,
                min(created_at) FILTER (WHERE kind = 'response') AS first_response_at,
                min(created_at) FILTER (WHERE kind IN ('resolve', 'close')
                                        AND (last_other IS NULL OR created_at >= last_other)) AS resolved_at,
                arg_max(activity, ord) AS status,
                arg_max(priority_raw, ord) AS priority_raw,
                arg_max(team, ord) AS team, arg_max(assignee, ord) AS assignee,
                arg_max(channel, ord) AS channel, arg_max(customer, ord) AS customer,
                arg_max(customer_tier, ord) AS customer_tier, arg_max(category, ord) AS category,
                arg_max(subject, ord) AS subject, max(reopens) AS reopens,
                count(*) FILTER (WHERE kind = 'response')::INTEGER AS agent_replies,
                max(customer_replies) AS customer_replies, arg_max(first_contact, ord) AS first_contact,
                arg_max(csat_raw, ord) AS csat_raw, arg_max(csat_comment, ord) AS csat_comment,
                arg_max(vendor_first_response_business_min, ord) AS vendor_first_response_business_min,
                arg_max(vendor_resolution_business_min, ord) AS vendor_resolution_business_min,
                arg_max(on_hold_min, ord) AS on_hold_min, arg_max(on_hold_business_min, ord) AS on_hold_business_min,
                arg_max(pending_min, ord) AS pending_min, arg_max(pending_business_min, ord) AS pending_business_min,
                max(created_at) AS updated_at, arg_max(extra, ord) AS extra
            FROM (
                SELECT p.*, a.kind, (epoch_us(p.created_at), p.rowid) AS ord,
                    max(CASE WHEN a.kind NOT IN ('resolve', 'close') THEN p.created_at END)
                        OVER (PARTITION BY p.ticket_id) AS last_other
                FROM {PARSED} p LEFT JOIN {ACTS} a ON a.activity = p.activity
                WHERE p.reason IS NULL
            )
            GROUP BY ticket_id
        """
        kind = "TABLE"
    elif valid != tickets:
        source = f"""
            SELECT * FROM {PARSED} WHERE reason IS NULL
            QUALIFY row_number() OVER (PARTITION BY ticket_id ORDER BY updated_at DESC NULLS LAST, rowid DESC) = 1
        """
        kind = "TABLE"
    else:  # every id once: no folding, no copy
        source = f"SELECT * FROM {PARSED} WHERE reason IS NULL"
        kind = "VIEW"
    cols = FINAL_COLUMNS.replace("priority, ", "")
    cur.execute(f"DROP VIEW IF EXISTS {FINAL}")
    cur.execute(f"DROP TABLE IF EXISTS {FINAL}")
    cur.execute(f"""
        CREATE TEMP {kind} {FINAL} AS
        SELECT {', '.join('v.' + c.strip() for c in cols.split(','))}, v.csat_raw, v.csat_comment, pr.priority
        FROM ({source}) v LEFT JOIN {PRIO} pr ON pr.priority_raw = v.priority_raw
    """)
    return valid, tickets, event_log


# -- the swap: each step its own function (a test makes one of them fail to check the rollback) ------------------

def _count_updated(cur, source: str) -> int:
    return cur.execute(
        f"SELECT count(*) FROM tickets t SEMI JOIN {FINAL} f ON t.ticket_id = f.ticket_id WHERE t.source = ?",
        [source],
    ).fetchone()[0]


def _delete_replaced(cur, source: str) -> None:
    cur.execute(f"DELETE FROM tickets WHERE source = ? AND ticket_id IN (SELECT ticket_id FROM {FINAL})", [source])


def _insert_tickets(cur, source: str, import_id: int) -> None:
    from .. import clocks, quality

    # The derived columns (slacore.clocks) are written with the rows: an UPDATE afterwards costs more.
    with clocks.insert_columns(cur) as derived:
        cur.execute(
            f"INSERT INTO tickets (source, {FINAL_COLUMNS}, import_id, {', '.join(derived)}, dup_key) "
            f"SELECT ?, {FINAL_COLUMNS}, ?, {', '.join(derived.values())}, {quality.DUP_KEY_FROM_PARTS} "
            f"FROM (SELECT *, {quality.DUP_KEY_PARTS} FROM {FINAL} t)",
            [source, import_id],
        )


def _insert_surveys(cur, source: str, import_id: int, mapping: dict[str, str]) -> list[str]:
    """A satisfaction column of the ticket export (Zendesk 'Satisfaction Score': Offered, Good, Bad, Not Offered,
    numbers, blanks; Freshdesk 'Survey results') fills `surveys` in the same transaction: one response per ticket
    (response_id = ticket id, source and ticket_source = the ticket source, no rating time), replacing the ones an
    earlier import of these tickets wrote. Blank and 'Not Offered' give no row. Returns the import's notes."""
    if "satisfaction" not in mapping:
        return []
    from ..kinds.surveys import (annotated_scale, decide_scale, label_mode, numeric_range_sql, rating_inputs,
                                 rating_sql)

    header = mapping["satisfaction"]
    annotated, zero_not_rated = annotated_scale(header)
    low, high, _ = cur.execute(numeric_range_sql("csat_raw", FINAL, "true", zero_not_rated)).fetchone()
    scale = decide_scale(low, high, annotated)
    r = rating_sql("csat_raw", scale, zero_not_rated, label_mode(cur, "csat_raw", FINAL))
    inner, outer = rating_inputs("csat_raw")
    cur.execute(f"CREATE OR REPLACE TEMP TABLE _csat AS SELECT ticket_id, {r['state']} AS state, "
                f"{r['rating']} AS rating, "
                f"{r['scale_min']} AS scale_min, {r['scale_max']} AS scale_max, {r['scale']} AS scale, "
                f"{r['label']} AS label, csat_raw, csat_comment, team, assignee, channel, customer "
                f"FROM (SELECT *, {outer} FROM (SELECT *, {inner} FROM {FINAL} WHERE csat_raw IS NOT NULL))")
    cur.execute(f"DELETE FROM surveys WHERE source = ? AND response_id IN (SELECT ticket_id FROM {FINAL})", [source])
    cur.execute(
        "INSERT INTO surveys (source, response_id, ticket_id, ticket_source, answered, rating, scale_min, scale_max, "
        "scale, label, comment, team, assignee, channel, customer, import_id) "
        "SELECT ?, ticket_id, ticket_id, ?, state = 'answered', rating, scale_min, scale_max, scale, label, "
        "csat_comment, team, assignee, channel, customer, ? FROM _csat WHERE state IN ('answered', 'offered')",
        [source, source, import_id])
    answered, offered, unread, example, kinds = cur.execute(
        "SELECT count(*) FILTER (WHERE state = 'answered'), count(*) FILTER (WHERE state = 'offered'), "
        "count(*) FILTER (WHERE state IN ('unreadable', 'outside')), "
        "any_value(csat_raw) FILTER (WHERE state IN ('unreadable', 'outside')), "
        "list(DISTINCT scale) FILTER (WHERE state = 'answered') FROM _csat").fetchone()
    cur.execute("DROP TABLE _csat")
    scales = ", ".join(sorted(k for k in kinds or [] if k))
    notes = [f"satisfaction column {header!r}: {answered} survey responses" + (f" ({scales})" if scales else "")
             + (f", {offered} offered but not answered" if offered else "")]
    if unread:
        notes.append(f"{unread} satisfaction values could not be read as a rating (e.g. {example!r}): no survey row")
    return notes


def _yes_no(header: str | None) -> str:
    """A yes/no column ('Resolved on first call'): true, false, or NULL when it says neither."""
    if header is None:
        return "CAST(NULL AS BOOLEAN)"
    v = f"lower(trim({_ident(header)}))"
    return (f"CASE WHEN {v} IN ('yes', 'y', 'true', 't', '1', 'ja', 'sí', 'si', 'oui', 'x') THEN true "
            f"WHEN {v} IN ('no', 'n', 'false', 'f', '0', 'nein', 'non') THEN false END")


def _swap(store: Store, cur, *, shown, sha, fmt, source, options, src, rows, headers, mapping, ts, duplicates,
          event_log, final_rows, started, mapping_notes=()) -> tuple[int, int, int, list[str]]:
    """Replace the incoming tickets of this source and record the import: one transaction, whole or nothing."""
    from .. import quality

    with store.write_lock():  # the duplicate flags' bookkeeping follows right after the commit
        with store.transaction(cur):
            updated = _count_updated(cur, source)
            import_id = cur.execute("SELECT nextval('import_id_seq')").fetchone()[0]
            flags = quality.DuplicateKeys(cur)  # the duplicate runs this import changes, re-flagged right here
            flags.touch(f"t.source = ? AND t.ticket_id IN (SELECT ticket_id FROM {FINAL})", [source])
            _delete_replaced(cur, source)
            _insert_tickets(cur, source, import_id)
            survey_notes = _insert_surveys(cur, source, import_id, mapping)
            flags.touch("t.import_id = ?", [import_id])
            flags.finish()
            rejected = _insert_rejects(cur, import_id, src.malformed)
            notes = _notes(src, fmt, mapping, ts, duplicates, event_log, options) + list(mapping_notes) + survey_notes
            rows_read = rows + len(src.malformed)
            record_import(cur, import_id=import_id, kind="tickets", shown=shown, sha=sha, fmt=fmt, source=source,
                          timezone=options.timezone, rows_read=rows_read, loaded=final_rows - updated,
                          updated=updated, rejected=rejected, duplicates=duplicates, mapping=mapping, notes=notes,
                          started=started)
            if options.mapping and options.remember:
                cur.execute(
                    "INSERT OR REPLACE INTO header_mappings VALUES (?, ?, ?, ?, now())",
                    [presets.header_signature(headers), json.dumps(headers), fmt, json.dumps(mapping)],
                )
        flags.record(store)
    return import_id, updated, rejected, notes


class _Preload:
    """Imports what the swap needs (slacore.clocks and slacore.quality, with numpy, pyarrow, holidays and pandas
    behind them: ~0.4 s) on a thread while DuckDB reads the file. DuckDB releases the GIL, so that start-up overlaps
    the read instead of adding to it. `wait()` before the swap: the main thread then never imports a module the
    thread is half-way through."""

    MODULES = ("pandas", "slacore.clocks", "slacore.quality")

    def __init__(self):
        self._thread = threading.Thread(target=self._run, name="slacore-preload", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for name in self.MODULES:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the main thread's own import reports it
                return

    def wait(self) -> None:
        self._thread.join()


def import_file(store: Store, path: str | Path, name: str | None = None, options: ImportOptions | None = None,
                progress: Progress | None = None) -> ImportReport:
    """Import a ticket export (CSV or XLSX). Lands whole or not at all; raises UserError on refusal.

    The file is hashed and its encoding checked to the end on a background thread while DuckDB reads it; how to
    read it is decided from its first megabytes (in the rare file where the rest disagrees, it is read again).
    """
    options = options or ImportOptions()
    path = Path(path)
    shown = name or path.name
    step = progress or (lambda fraction, message: None)
    _check_timezone(options.timezone)
    if options.pii not in ("keep", "drop", "hash"):
        raise UserError("Personal data handling must be keep, drop or hash.")
    _check_file(path, shown)
    background = reader.BackgroundScan(path)
    preload = _Preload()
    try:
        try:
            return _import(store, path, shown, options, step, background, preload, None)
        except _ReadAgain as again:
            return _import(store, path, shown, options, step, background, preload, again.scan)
    finally:
        background.join()
        preload.wait()


def _import(store, path, shown, options, step, background, preload, scan) -> ImportReport:
    started = datetime.now(dt_timezone.utc)
    t0 = time.perf_counter()
    step(0.05, "Checking the file")
    kind = reader.detect_kind(path, shown)  # refuses what cannot be a ticket export, at once
    head = scan or (reader.scan_file(path, limit=reader.HEAD_BYTES) if kind == "csv" else None)

    def check_head() -> reader.FileScan:
        full = background.result()
        if scan is None and kind == "csv" and full.reading() != head.reading():
            raise _ReadAgain(full)
        return full

    with store.cursor() as cur:
        src = None
        try:
            try:
                step(0.1, "Reading the file")
                src = _open_source(cur, path, shown, options, head)
                headers = src.columns
                fmt, mapping, remembered = _resolve_mapping(store, headers, options)
                _require_created(mapping, shown)
                options, info, zone_from = _read_header(headers, fmt, mapping, remembered, options)
                step(0.3, "Reading dates")
                ts = _timestamp_formats(cur, src, mapping, options)
                info, mapping_notes = _drop_undated_guesses(mapping, ts, info)
                created_fmt = ts["created_at"]
                if created_fmt.format is None:
                    raise UserError(
                        f"The column {mapping['created_at']!r} of {shown} (used as the creation time) holds no "
                        f"date this app can read (for example {created_fmt.example!r}); choose another column or "
                        "fix the export."
                    )
                source = (options.source or fmt).strip() or fmt
                plain = _plain_columns(cur, src, [h for h in headers if h not in _always_cleaned(mapping)])
                step(0.4, "Checking every row")
                rows = _parse(cur, _parsed_select(mapping, ts, options, fmt, headers, src, plain), mapping, src)
                if rows == 0:
                    raise UserError(f"There are no tickets in {shown}: it has a header row but no data rows.")
                placeholders = _placeholder_counts(cur, mapping)
                full = check_head()
                sha = full.sha256
                if src.kind == "csv":  # the lines the reader skipped, found afterwards (see reader.skipped_lines)
                    src.malformed = reader.skipped_lines(
                        cur, src.csv, cur.execute(f"SELECT count(*) FROM {PARSED}").fetchone()[0], full.lines)
            except (UserError, duckdb.Error):
                check_head()  # a refusal caused by reading the file the wrong way is no refusal
                raise
            preload.wait()
            valid, final_rows, event_log = _collapse(cur, "activity" in mapping, presets.PRESETS[fmt].priority_codes)
            duplicates = valid - final_rows
            if final_rows == 0:  # every row rejected: a refusal (exit 2), and nothing is stored, not even the log
                raise _nothing_loadable(cur, shown, rows + len(src.malformed), src.malformed)
            _keep_rejects(cur, src, headers, set(presets.pii_columns(headers, mapping)), options)
            cur.execute(f"DROP TABLE IF EXISTS {STAGE}")  # free the staged text before writing
            cur.execute(f"DROP TABLE IF EXISTS {SAMPLE}")

            step(0.75, "Saving")
            import_id, updated, rejected, notes = _swap(
                store, cur, shown=shown, sha=sha, fmt=fmt, source=source, options=options, src=src,
                rows=rows, headers=headers, mapping=mapping, ts=ts, duplicates=duplicates, event_log=event_log,
                final_rows=final_rows, started=started, mapping_notes=info.notes + mapping_notes)
            rejected_frame = cur.execute(
                "SELECT row_number, reason, raw FROM rejected_rows WHERE import_id = ? ORDER BY row_number LIMIT 1000",
                [import_id],
            ).df()
        finally:
            if src is not None:
                src.close()
            _drop_temp(cur)
    step(0.9, "Preparing the SLA clocks and duplicate flags")
    deferred = _prepare_derived(store)
    if deferred:
        notes = [*notes, deferred]
    step(1.0, "Done")
    return ImportReport(
        import_id=import_id, file_name=shown, sha256=sha, format=fmt, source=source,
        rows_read=rows + len(src.malformed), loaded=final_rows - updated, updated=updated,
        rejected=rejected, duplicates=duplicates, seconds=time.perf_counter() - t0, mapping=mapping,
        timestamp_formats={f: describe(c.format) for f, c in ts.items()}, notes=notes, rejected_rows=rejected_frame,
        columns=info.columns, asked=info.asked, timezone=options.timezone, timezone_from=zone_from,
        measured_as=presets.measured_instead(mapping, event_log),
        placeholders=placeholders,
    )


def _prepare_derived(store: Store) -> str | None:
    """Derived columns of the new tickets (slacore.clocks, quality.ensure_duplicates), so the first page view does
    not wait. The import has committed by now: whatever fails here must not report it as failed (a failure once
    made every import exit 1 while its rows stayed). Both are rebuilt on the next page view; a note says so."""
    from .. import clocks, quality  # loaded lazily (slacore.importers starts fast; see _Preload)

    try:
        clocks.ensure_for_targets(store)
        quality.ensure_duplicates(store)
    except Exception as exc:  # noqa: BLE001 - derived data only: the next read builds it again
        return (f"the SLA clocks and duplicate flags could not be prepared now ({exc.__class__.__name__}); "
                "the next page view prepares them")
    return None


def _always_cleaned(mapping: dict[str, str]) -> set[str]:
    """Columns read as ids, dates or numbers: always fully cleaned, whatever the sample shows."""
    text_fields = {"status", "priority", "team", "assignee", "channel", "customer", "customer_tier", "category",
                   "subject", "activity"}
    return {h for f, h in mapping.items() if f not in text_fields}


def _drop_temp(cur) -> None:
    drop_temp(cur, (PRIO, ACTS, "_csat"))


def _notes(src, fmt, mapping, ts, duplicates, event_log, options) -> list[str]:
    notes = []
    if src.kind == "xlsx":
        notes.append(f"sheet {src.sheet!r}")
    elif src.encoding != "utf-8":
        notes.append(f"read as {src.encoding} text")
    if src.malformed:
        notes.append(f"{len(src.malformed)} lines could not be split into columns (rejected)")
    if duplicates:
        what = "activity rows folded into their tickets" if event_log else "rows repeated a ticket id (the last one was kept)"
        notes.append(f"{duplicates} {what}")
    if "first_response_at" not in mapping and "first_response_minutes" in mapping:
        notes.append("first response time stamps derived from the export's reply minutes")
    elif "first_response_at" not in mapping and "first_response_hours" in mapping:
        notes.append("first response time stamps derived from the export's response hours")
    if event_log:
        pass  # first responses come from the activities
    elif not any(f in mapping for f in ("first_response_at", "first_response_minutes", "first_response_hours")):
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

