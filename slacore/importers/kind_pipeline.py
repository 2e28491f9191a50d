"""Import a file of a declarative kind (slacore.kinds: surveys, incidents, checks): stage → map → parse → swap.

The file is staged as text in a TEMP table with its spreadsheet row numbers (these files are small next to ticket
exports, and a survey tool's extra header rows are dropped from the staged rows). The kind's fields are matched to
the header with the scored matcher (a preset's names first, then the kind's synonyms), time stamps are detected per
column, the kind's `select` gives the canonical columns and its `rules` the rejection reason, in one SQL pass. The
last row of a key wins; the swap replaces the incoming keys of the source, records the import and its rejected rows
in one transaction, whole or nothing.
"""

from __future__ import annotations

import csv as csv_module
import io
import json
import time
from dataclasses import replace
from datetime import datetime, timezone as dt_timezone
from pathlib import Path

from ..errors import UserError
from ..kinds.base import ImportKind, ParseContext
from ..store import Store
from . import headers as matcher
from . import presets as ticket_presets
from . import reader
from .machinery import (FINAL, PARSED, STAGE, ImportOptions, ImportPlan, ImportReport, _check_file, _check_timezone,
                        _ident, _insert_rejects, _json_of, _keep_rejects, _nothing_loadable, _number, _Source, _text,
                        drop_temp, record_import)
from .presets import MappedColumn, MappingInfo
from .timestamps import EARLIEST_SQL, LATEST_SQL, clean_expr, describe, describe_column, detect_formats, parse_expr


# -- which kind a file is ------------------------------------------------------------------------------------------

def peek_headers(path: Path, shown: str) -> list[list[str]]:
    """The header of a file, cheaply (its first 64 KB; each sheet's first row for a workbook), for choosing a kind."""
    kind = reader.detect_kind(path, shown)
    if kind == "xlsx":
        return [(reader.sheet_headers(path, s, shown=shown) or [[]])[0] for s in reader.list_sheets(path, shown)]
    with open(path, "rb") as fh:
        raw = fh.read(64 * 1024)
    text = None
    for enc in ("utf-8-sig", "utf-16", "cp1252"):
        try:
            text = raw.decode(enc)
            if enc == "utf-16" and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                continue
            break
        except UnicodeDecodeError:
            continue
    text = text if text is not None else raw.decode("latin-1")
    line = text.splitlines()[0] if text else ""
    delimiter = max(",;\t|", key=line.count) if line else ","
    try:
        return [next(csv_module.reader(io.StringIO(line), delimiter=delimiter))]
    except (StopIteration, csv_module.Error):
        return [[]]


def choose_kind(path: Path, shown: str, kinds: dict[str, ImportKind]) -> ImportKind:
    """The kind a header clearly is; tickets when none is clear (today's ticket import, with its own refusals).
    Two kinds equally likely: a refusal naming them and --kind."""
    scored = []
    for headers in peek_headers(path, shown):
        headers = [h.strip() for h in headers]
        ticket_score = kinds["tickets"].score(headers) if headers and "tickets" in kinds else 0.0
        scored.append((ticket_score, "tickets"))
        for kind in kinds.values():
            if kind.name == "tickets":
                continue
            if ticket_score >= 1.0 and not any(matcher.present(p.signature, headers) >= 4
                                               for p in kind.presets.values()):
                continue  # a vendor's ticket export: only another tool's own signature could outrank it
            scored.append((kind.score(headers) if headers else 0.0, kind.name))
    best: dict[str, float] = {}
    for score, name in scored:
        best[name] = max(best.get(name, 0.0), score)
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < 0.5:
        return kinds["tickets"]
    top, top_score = ranked[0]
    close = [name for name, score in ranked if score >= 0.5 and top_score - score < 0.15]
    if len(close) > 1:
        names = " or ".join(f"{kinds[n].label.lower()} ({n})" for n in close)
        raise UserError(f"{shown} could be {names}: say which with --kind {close[0]} (or choose the kind on the "
                        "Data page).")
    return kinds[top]


# -- staging ---------------------------------------------------------------------------------------------------------

def _stage(cur, path: Path, shown: str, options: ImportOptions, noun: str) -> _Source:
    """STAGE: the file's rows as text, with `_row` = the spreadsheet row number (header = row 1); blank rows out."""
    cur.execute("SET TimeZone = 'UTC'")
    if reader.detect_kind(path, shown) == "xlsx":
        staged = reader.stage_xlsx(cur, path, STAGE, shown, options.sheet,
                                   lambda by_sheet: max(by_sheet, key=lambda s: len(by_sheet[s])))
        return _Source("staged", shown, staged.columns, STAGE, STAGE, None, sheet=staged.sheet, rows=staged.rows)
    scan = reader.scan_file(path)
    src = reader.open_csv(cur, path, shown, scan)
    try:
        try:
            cur.execute(f"CREATE OR REPLACE TEMP TABLE {STAGE} AS SELECT * FROM {src.relation()}")
        except Exception as exc:  # noqa: BLE001 - DuckDB's reader errors become one sentence
            raise reader.csv_error(exc, src.path, shown) from None
        returned = cur.execute(f"SELECT count(*) FROM {STAGE}").fetchone()[0]
        malformed = reader.skipped_lines(cur, src, returned, scan.lines)
        cur.execute(f"ALTER TABLE {STAGE} ADD COLUMN _row BIGINT")
        cur.execute(f"UPDATE {STAGE} SET _row = rowid + 2 + {int(src.skip)}")
        if malformed:  # each line the reader skipped pushes the rows after it down by one
            lines = sorted(line for line, _, _ in malformed)
            cur.execute(f"""
                UPDATE {STAGE} s SET _row = s._row + k.n FROM (
                    SELECT t._row AS r, count(l.line) AS n FROM {STAGE} t
                    JOIN (SELECT unnest(?::BIGINT[]) - row_number() OVER () + 1 AS line) l ON l.line <= t._row
                    GROUP BY t._row) k
                WHERE s._row = k.r
            """, [lines])
        cur.execute(f"DELETE FROM {STAGE} WHERE {reader.blank_row_sql(src.columns)}")
        rows = cur.execute(f"SELECT count(*) FROM {STAGE}").fetchone()[0]
        if rows == 0:
            raise UserError(f"There are no {noun} in {shown}: it has a header row but no data rows.")
        return _Source("staged", shown, src.columns, STAGE, STAGE, scan.sha256, encoding=src.encoding,
                       rows=rows, malformed=malformed)
    finally:
        src.close()


def _continuation(cur, kind: ImportKind, headers: list[str], fmt: str) -> tuple[int, dict[str, str]]:
    """Drop a survey tool's further header rows from STAGE; {header: their text} (question texts help mapping)."""
    if kind.header_rows is None:
        return 0, {}
    extra = kind.header_rows(cur, STAGE, headers, fmt)
    if not extra:
        return 0, {}
    cols = ", ".join(_ident(h) for h in headers)
    rows = [r[0] for r in cur.execute(f"SELECT [{cols}] FROM {STAGE} ORDER BY _row LIMIT {int(extra)}").fetchall()]
    texts = {h: "\n".join(str(r[i]) for r in rows if r[i] not in (None, "")) for i, h in enumerate(headers)}
    cur.execute(f"DELETE FROM {STAGE} WHERE _row IN (SELECT _row FROM {STAGE} ORDER BY _row LIMIT {int(extra)})")
    if not cur.execute(f"SELECT count(*) FROM {STAGE}").fetchone()[0]:
        raise UserError(f"There are no {kind.noun} in the file: it has only its {extra + 1} header rows.")
    return extra, {h: t for h, t in texts.items() if t}


# -- mapping ---------------------------------------------------------------------------------------------------------

def _signature(kind: ImportKind, headers: list[str]) -> str:
    """A remembered mapping belongs to one kind: the same header read as tickets keeps its own."""
    return ticket_presets.header_signature(headers + [f"\x00kind:{kind.name}"])


def _detect_preset(kind: ImportKind, headers: list[str]) -> str:
    best, best_score = "generic", 0
    for preset in kind.presets.values():
        score = matcher.present(preset.signature, headers)
        if score > best_score:
            best, best_score = preset.name, score
    return best if best_score >= 3 else "generic"


def _map(store: Store, kind: ImportKind, headers: list[str], options: ImportOptions, continuation: dict[str, str]):
    if options.fmt not in ("auto", "generic", *kind.presets):
        raise UserError(f"Unknown format {options.fmt!r} for {kind.label.lower()}; choose one of auto, "
                        f"{', '.join([*kind.presets, 'generic'])}.")
    fmt = options.fmt if options.fmt in kind.presets or options.fmt == "generic" else _detect_preset(kind, headers)
    layers = ([dict(kind.presets[fmt].synonyms)] if fmt in kind.presets else []) + [kind.vocabulary()]
    matches = {m.field: m for m in matcher.match(headers, layers, kind.timestamp_fields)}
    mapping = {f: m.header for f, m in matches.items() if m.sure}
    how = {f: (m.score, m.explain()) for f, m in matches.items() if m.sure}
    remembered = False
    saved = store.rows("SELECT mapping FROM header_mappings WHERE signature = ?", [_signature(kind, headers)])
    if saved:
        mapping = {k: v for k, v in json.loads(saved[0][0]).items() if v in headers and k in kind.fields}
        remembered = True
    if kind.guess is not None and not remembered:
        for fld, header in kind.guess(headers, continuation, mapping).items():
            mapping[fld] = header
            how[fld] = (0.75, "its words or question text say so")
    chosen = [h for h in options.mapping.values() if h]
    for header in dict.fromkeys(h for h in chosen if chosen.count(h) > 1):
        both = " and ".join(f for f, h in options.mapping.items() if h == header)
        raise UserError(f"The column {header!r} is chosen for {both}; a column can stand for one field only.")
    for fld, header in options.mapping.items():
        if fld not in kind.fields:
            raise UserError(f"Unknown field {fld!r} in the mapping of {kind.label.lower()}; fields are: "
                            f"{', '.join(kind.fields)}.")
        if header and header not in headers:
            raise UserError(f"The file has no column {header!r} to map to {fld}; its columns are: "
                            f"{', '.join(headers[:30])}.")
        if header:
            for other in [f for f, h in mapping.items() if h == header and f not in options.mapping]:
                del mapping[other]
            mapping[fld] = header
            how[fld] = (1.0, "chosen by hand")
        else:
            mapping.pop(fld, None)
    mapping = {f: mapping[f] for f in kind.fields if f in mapping}
    columns = [MappedColumn(f, h, how.get(f, (1.0, "remembered from an earlier file with this header"))[0],
                            how.get(f, (1.0, "remembered from an earlier file with this header"))[1])
               for f, h in mapping.items()]
    used = set(mapping.values())
    asked = [] if remembered else [m for m in matches.values()
                                   if not m.sure and m.field not in mapping and m.header not in used]
    readings = [matcher.read(mapping[f]) for f in kind.timestamp_fields if f in mapping]
    named = [r for r in readings if r.zone]
    info = MappingInfo(columns, asked, matcher.agreed_zone(named), [r.header for r in named], [])
    return fmt, mapping, remembered, info


def _require(kind: ImportKind, mapping: dict[str, str], shown: str) -> None:
    missing = [f for f in kind.required if f not in mapping]
    if missing:
        words = ", ".join(f"{f} ({kind.fields[f].label.split(' (')[0].lower()}, e.g. "
                          f"{', '.join(repr(s) for s in kind.fields[f].synonyms[:3])})" for f in missing)
        raise UserError(f"No column of {shown} can be the {words}; choose it in the mapping, or on the command line "
                        f"add --map {missing[0]}=HEADER.")


# -- the parse -------------------------------------------------------------------------------------------------------

def _context(cur, kind, src, mapping, options, fmt, continuation, source) -> tuple[ParseContext, dict]:
    ts_headers = [mapping[f] for f in kind.timestamp_fields if f in mapping]
    ts = {}
    if ts_headers:
        by_header = detect_formats(cur, STAGE, ts_headers, options.dayfirst)
        ts = {f: by_header[mapping[f]] for f in kind.timestamp_fields if f in mapping}
    tz = options.timezone
    stamps = {}
    for fld, col in ts.items():
        if col.format is None:
            stamps[fld] = "CAST(NULL AS TIMESTAMPTZ)"
            continue
        c = _ident(mapping[fld])
        stamps[fld] = f"coalesce({parse_expr(c, col.format, tz)}, {parse_expr(clean_expr(c), col.format, tz)})"
    ctx = ParseContext(
        mapping=mapping, headers=src.columns, texts={f: _text(h) for f, h in mapping.items()}, stamps=stamps,
        raws={f: _ident(h) for f, h in mapping.items()}, numbers={f: _number(h) for f, h in mapping.items()},
        source=source, fmt=fmt, options=options, continuation=continuation)
    return ctx, ts


def _parse(cur, kind: ImportKind, ctx: ParseContext, headers: list[str]) -> int:
    skip = kind.skip(ctx) if kind.skip else "false"
    mapped = set(ctx.mapping.values())
    pii = set(ticket_presets.pii_columns(headers, ctx.mapping))
    extra = _json_of([h for h in headers if h not in mapped], pii, ctx.options, empty_cells=False)
    stamps = [f for f in kind.timestamp_fields if f in ctx.stamps]
    out_of_range = " ".join(
        f"WHEN NOT ({f} >= {EARLIEST_SQL} AND {f} < {LATEST_SQL}) THEN '{f.replace('_', ' ')} out of range: ' "
        f"|| strftime({f}, '%Y-%m-%d %H:%M:%S')" for f in stamps if f in kind.columns)
    rules = kind.rules(ctx) if kind.rules else "CAST(NULL AS VARCHAR)"
    drop = kind.drop(ctx) if kind.drop else "false"
    layered = STAGE
    for layer in (kind.layers(ctx) if kind.layers else []):
        layered = f"(SELECT *, {layer} FROM {layered})"
    cur.execute(f"""
        CREATE OR REPLACE TEMP TABLE {PARSED} AS
        SELECT * EXCLUDE (_summary_raw), _summary_raw AS _summary,
               _summary_raw OR coalesce({drop}, false) AS _blank,
               coalesce({rules}, CASE {out_of_range or 'WHEN false THEN NULL'} END) AS reason
        FROM (SELECT _row, {skip} AS _summary_raw, {kind.select(ctx)}, {extra} AS extra FROM {layered})
    """)
    return cur.execute(f"SELECT count(*) FILTER (WHERE NOT _blank) FROM {PARSED}").fetchone()[0]


def _finalise(cur, kind: ImportKind) -> tuple[int, int]:
    """FINAL: the valid rows, the last one of each key. Returns (valid rows, final rows)."""
    cur.execute(f"""
        CREATE OR REPLACE TEMP TABLE {FINAL} AS SELECT * FROM {PARSED} WHERE reason IS NULL AND NOT _blank
        QUALIFY row_number() OVER (PARTITION BY {kind.key} ORDER BY _row DESC) = 1
    """)
    valid = cur.execute(f"SELECT count(*) FROM {PARSED} WHERE reason IS NULL AND NOT _blank").fetchone()[0]
    return valid, cur.execute(f"SELECT count(*) FROM {FINAL}").fetchone()[0]


def _key_match(kind: ImportKind) -> str:
    """t (the table) and f (FINAL) rows with the same key; a key may be several columns ('service, checked_at')."""
    return " AND ".join(f"t.{k.strip()} = f.{kind.renamed.get(k.strip(), k.strip())}" for k in kind.key.split(","))


def _table_columns(cur, table: str) -> set[str]:
    return {r[0] for r in cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                                      [table]).fetchall()}


def _prepared(store, cur, kind: ImportKind, path: Path, shown: str, options: ImportOptions, require: bool = True):
    """Everything before the parse (shared by the plan and the import). Without `require`, a file lacking a
    required field gets a plan (the user maps it by hand) and `ctx.facts['incomplete']` says so."""
    src = _stage(cur, path, shown, options, kind.noun)
    headers = src.columns
    fmt0 = options.fmt if options.fmt in kind.presets else _detect_preset(kind, headers)
    extra_rows, continuation = _continuation(cur, kind, headers, fmt0)
    fmt, mapping, remembered, info = _map(store, kind, headers, options, continuation)
    if require:
        _require(kind, mapping, shown)
    incomplete = any(f not in mapping for f in kind.required)
    zone_from = info.zone_from if (not options.timezone and info.zone) else []
    source = (options.source or (f"{fmt}-{kind.name}" if fmt != "generic" else kind.name)).strip() or kind.name
    probe = replace(options, timezone=options.timezone or info.zone or "UTC")
    ctx, ts = _context(cur, kind, src, mapping, probe, fmt, continuation, source)
    if incomplete:
        ctx.facts["incomplete"] = True
        return src, headers, fmt, mapping, remembered, info, ctx, ts, zone_from, source, probe
    skip = kind.skip(ctx) if kind.skip else "false"
    if kind.prepare is not None:
        kind.prepare(cur, STAGE, ctx, skip)
    if not options.timezone and not info.zone and ctx.facts.get("zone"):  # the export names its own zone
        probe = replace(options, timezone=ctx.facts["zone"])
        facts = ctx.facts
        ctx, ts = _context(cur, kind, src, mapping, probe, fmt, continuation, source)
        ctx.facts = facts
        zone_from = [f"{mapping[f]} (its ImportId row)" for f in kind.timestamp_fields if f in mapping][:1]
    ctx.facts["header_rows"] = extra_rows
    return src, headers, fmt, mapping, remembered, info, ctx, ts, zone_from, source, probe


def plan_kind(store: Store, kind: ImportKind, path: str | Path, name: str | None = None,
              options: ImportOptions | None = None) -> ImportPlan:
    """How a file would be imported as `kind`, without storing anything (the Data page's preview)."""
    options = options or ImportOptions()
    path = Path(path)
    shown = name or path.name
    _check_timezone(options.timezone)
    _check_file(path, shown)
    with store.cursor() as cur:
        try:
            src, headers, fmt, mapping, remembered, info, ctx, ts, zone_from, source, probe = _prepared(
                store, cur, kind, path, shown, options, require=False)
            if ctx.facts.get("incomplete"):
                facts = {}
                rows = cur.execute(f"SELECT count(*) FROM {STAGE}").fetchone()[0]
            else:
                _parse(cur, kind, ctx, headers)
                facts = kind.report(cur, ctx, PARSED) if kind.report else {}
                rows = cur.execute(f"SELECT count(*) FILTER (WHERE NOT _blank) FROM {PARSED}").fetchone()[0]
            preview = cur.execute(f"SELECT * EXCLUDE (_row) FROM {STAGE} ORDER BY _row LIMIT 20").df()
            sheets = reader.list_sheets(path, shown) if src.sheet else []
        finally:
            drop_temp(cur)
    return ImportPlan(
        file_name=shown, kind="xlsx" if src.sheet else "csv", sheet=src.sheet, sheets=sheets, headers=headers,
        format=fmt, mapping=mapping, remembered=remembered,
        timestamp_formats={f: describe_column(c) for f, c in ts.items()},
        pii_columns=ticket_presets.pii_columns(headers, mapping), rows=rows, preview=preview,
        columns=info.columns, asked=info.asked, timezone=probe.timezone, timezone_from=zone_from,
        notes=info.notes, import_kind=kind.name, facts=facts, fields=kind.labels())


def import_kind(store: Store, kind: ImportKind, path: str | Path, name: str | None = None,
                options: ImportOptions | None = None, progress=None) -> ImportReport:
    """Import a file as `kind`. Lands whole or not at all; raises UserError on refusal."""
    options = options or ImportOptions()
    path = Path(path)
    shown = name or path.name
    step = progress or (lambda fraction, message: None)
    _check_timezone(options.timezone)
    if options.pii not in ("keep", "drop", "hash"):
        raise UserError("Personal data handling must be keep, drop or hash.")
    _check_file(path, shown)
    started = datetime.now(dt_timezone.utc)
    t0 = time.perf_counter()
    with store.cursor() as cur:
        try:
            step(0.1, "Reading the file")
            src, headers, fmt, mapping, remembered, info, ctx, ts, zone_from, source, probe = _prepared(
                store, cur, kind, path, shown, options)
            step(0.4, "Checking every row")
            rows = _parse(cur, kind, ctx, headers)
            if rows == 0:
                raise UserError(f"There are no {kind.noun} in {shown}: every row is a summary or empty row.")
            facts = kind.report(cur, ctx, PARSED) if kind.report else {}
            valid, final_rows = _finalise(cur, kind)
            if final_rows == 0:
                raise _nothing_loadable(cur, shown, rows + len(src.malformed), src.malformed)
            _keep_rejects(cur, src, headers, set(ticket_presets.pii_columns(headers, mapping)), options)
            step(0.75, "Saving")
            table_columns = _table_columns(cur, kind.table)
            columns = [c for c in kind.columns if c in table_columns] + (["extra"] if "extra" in table_columns else [])
            with store.write_lock():
                with store.transaction(cur):
                    updated = cur.execute(
                        f"SELECT count(*) FROM {kind.table} t SEMI JOIN {FINAL} f ON {_key_match(kind)} "
                        "WHERE t.source = ?", [source]).fetchone()[0]
                    import_id = cur.execute("SELECT nextval('import_id_seq')").fetchone()[0]
                    cur.execute(f"DELETE FROM {kind.table} t USING {FINAL} f WHERE t.source = ? AND {_key_match(kind)}",
                                [source])
                    selected = ", ".join(kind.renamed.get(c, c) for c in columns)
                    cur.execute(f"INSERT INTO {kind.table} (source, {', '.join(columns)}, import_id) "
                                f"SELECT ?, {selected}, ? FROM {FINAL}", [source, import_id])
                    rejected = _insert_rejects(cur, import_id, src.malformed)
                    notes = _notes(src, options, valid - final_rows) + list(info.notes)
                    covers = kind.covers(cur) if kind.covers else None
                    record_import(cur, import_id=import_id, kind=kind.name, shown=shown, sha=src.sha256 or
                                  _sha(path), fmt=fmt, source=source, timezone=probe.timezone,
                                  rows_read=rows + len(src.malformed), loaded=final_rows - updated, updated=updated,
                                  rejected=rejected, duplicates=valid - final_rows, mapping=mapping,
                                  notes=notes + kind_lines(kind, facts), started=started, covers=covers)
                    if options.mapping and options.remember:
                        cur.execute("INSERT OR REPLACE INTO header_mappings VALUES (?, ?, ?, ?, now())",
                                    [_signature(kind, headers), json.dumps(headers), fmt, json.dumps(mapping)])
            rejected_frame = cur.execute(
                "SELECT row_number, reason, raw FROM rejected_rows WHERE import_id = ? ORDER BY row_number LIMIT 1000",
                [import_id]).df()
        finally:
            drop_temp(cur)
    step(1.0, "Done")
    return ImportReport(
        import_id=import_id, file_name=shown, sha256=src.sha256 or _sha(path), format=fmt, source=source,
        rows_read=rows + len(src.malformed), loaded=final_rows - updated, updated=updated, rejected=rejected,
        duplicates=valid - final_rows, seconds=time.perf_counter() - t0, mapping=mapping,
        timestamp_formats={f: describe_column(c) for f, c in ts.items()}, notes=notes, rejected_rows=rejected_frame,
        columns=info.columns, asked=info.asked, timezone=probe.timezone, timezone_from=zone_from,
        kind=kind.name, facts=facts, lines=kind_lines(kind, facts))


def kind_lines(kind: ImportKind, facts: dict) -> list[str]:
    """The kind's own report in sentences."""
    if kind.report_lines is not None:
        return kind.report_lines(facts)
    return [f"{k.replace('_', ' ')}: {v}" for k, v in facts.items() if v not in (None, 0, False, "")]


def _sha(path: Path) -> str:
    from .machinery import file_sha256

    return file_sha256(path)


def _notes(src: _Source, options: ImportOptions, duplicates: int) -> list[str]:
    notes = []
    if src.sheet:
        notes.append(f"sheet {src.sheet!r}")
    elif src.encoding != "utf-8":
        notes.append(f"read as {src.encoding} text")
    if src.malformed:
        notes.append(f"{len(src.malformed)} lines could not be split into columns (rejected)")
    if duplicates:
        notes.append(f"{duplicates} rows repeated a key (the last one was kept)")
    if options.pii != "keep":
        notes.append(f"personal data columns {'dropped' if options.pii == 'drop' else 'hashed'}")
    return notes


__all__ = ["choose_kind", "import_kind", "kind_lines", "peek_headers", "plan_kind"]
