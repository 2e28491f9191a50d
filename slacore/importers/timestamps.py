"""Decide, per column and from the data, how its time stamps are written, and build the SQL that reads them.

Exports write dates every way there is: ISO with or without an offset, `31.01.2025 14:05`, `03/14/2025 02:15 PM`,
Jira's `05/Mar/25 9:05 AM` (also in Spanish: `18/jul/26`), ServiceNow's `29-02-2016 01:16`, Excel serial days.
Each candidate format is tried on the column's distinct values in DuckDB; the one that reads the most wins.
Day-first vs month-first is settled by the values that only one of them can read (a day above 12); when every value
is ambiguous the other time-stamp columns of the file decide, then the separator's custom ('.' and '-' day-first).
Naive stamps are read in the source time zone chosen at import; stamps with an offset keep it.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

ISO_NAIVE = "iso"
ISO_OFFSET = "iso+offset"
ISO_MIXED = "iso-mixed"
OFFSET_RE = "(Z|[+-][0-9]{2}:?[0-9]{2})$"
EXCEL_SERIAL = "excel-serial"

# Order matters only to break ties between formats that read the same values.
FORMATS: list[str] = [
    ISO_NAIVE,  # also reads ISO stamps with an offset; which of the ISO kinds it is gets settled afterwards
    "%Y-%m-%d %H:%M:%S %z",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d.%m.%y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%d/%m/%Y %I:%M %p",
    "%m/%d/%Y %I:%M %p",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d/%m/%y %H:%M",
    "%m/%d/%y %H:%M",
    "%d/%m/%y %I:%M %p",
    "%m/%d/%y %I:%M %p",
    "%d-%m-%Y %H:%M:%S",
    "%m-%d-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%m-%d-%Y %H:%M",
    "%d/%b/%y %I:%M %p",
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%d/%b/%Y %H:%M",
    "%d-%b-%Y %H:%M:%S",
    "%d-%b-%Y %H:%M",
    "%d-%b-%y %I:%M %p",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y %H:%M",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y %H:%M",
    EXCEL_SERIAL,
]

# Month abbreviations of localised exports -> English, so `%b` reads them. Applied only where `%b` is used.
MONTH_WORDS = {
    "ene": "Jan", "abr": "Apr", "ago": "Aug", "dic": "Dec", "sept": "Sep",  # Spanish
    "mär": "Mar", "mrz": "Mar", "mai": "May", "okt": "Oct", "dez": "Dec",  # German
    "janv": "Jan", "févr": "Feb", "fevr": "Feb", "mars": "Mar", "avr": "Apr", "juin": "Jun", "juil": "Jul",
    "août": "Aug", "aout": "Aug", "déc": "Dec",  # French
}


@dataclass(frozen=True)
class ColumnFormat:
    header: str
    format: str | None  # None: nothing in the column could be read
    readable: int  # distinct sampled values the format reads
    sampled: int  # distinct non-empty sampled values
    example: str | None = None  # an unreadable example, for messages


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def clean_expr(col_sql: str) -> str:
    """Trim and treat the usual placeholders for 'no value' as NULL ('?' in ServiceNow audit logs)."""
    return (f"CASE WHEN trim({col_sql}) IN ('', '?', '-', 'NULL', 'null', 'None', 'N/A', 'n/a', 'NaT') "
            f"THEN NULL ELSE trim({col_sql}) END")


def _month_words_expr(x: str) -> str:
    expr = f"replace(replace(replace(lower({x}), 'a. m.', 'am'), 'p. m.', 'pm'), '.', '')"
    for word, english in MONTH_WORDS.items():
        expr = f"regexp_replace({expr}, '\\b{word}\\b', '{english.lower()}')"
    return expr


def parse_expr(value_sql: str, fmt: str, timezone: str) -> str:
    """SQL turning cleaned text `value_sql` into TIMESTAMPTZ (NULL where unreadable)."""
    tz = _lit(timezone)
    if fmt == ISO_NAIVE:
        return f"timezone({tz}, try_cast({value_sql} AS TIMESTAMP))"
    if fmt == ISO_OFFSET:
        return f"try_cast({value_sql} AS TIMESTAMPTZ)"
    if fmt == ISO_MIXED:
        return (f"CASE WHEN regexp_matches({value_sql}, '{OFFSET_RE}') THEN try_cast({value_sql} AS TIMESTAMPTZ) "
                f"ELSE timezone({tz}, try_cast({value_sql} AS TIMESTAMP)) END")
    if fmt == EXCEL_SERIAL:
        return (f"timezone({tz}, TIMESTAMP '1899-12-30' + to_microseconds(CAST(round("
                f"CASE WHEN regexp_full_match({value_sql}, '[1-9][0-9]{{4}}(\\.[0-9]+)?') "
                f"THEN CAST({value_sql} AS DOUBLE) END * 86400000000) AS BIGINT)))")
    source = _month_words_expr(value_sql) if "%b" in fmt else value_sql
    if "%z" in fmt:
        return f"try_strptime({source}, {_lit(fmt)})"
    return f"timezone({tz}, try_strptime({source}, {_lit(fmt)}))"


def _swap_order(fmt: str) -> str | None:
    if "%d" in fmt and "%m" in fmt:
        return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
    return None


def _day_first(fmt: str) -> bool:
    return fmt.find("%d") < fmt.find("%m")


def detect_formats(cur: duckdb.DuckDBPyConnection, table: str, headers: list[str],
                   dayfirst: bool | None = None, sample: int = 20000) -> dict[str, ColumnFormat]:
    """Choose a format per time-stamp column (see the module docstring for how ties are broken)."""
    counts: dict[str, dict[str, int]] = {}
    info: dict[str, tuple[int, str | None]] = {}
    for header in headers:
        clean = clean_expr(_ident(header))
        cur.execute(
            f"CREATE OR REPLACE TEMP TABLE _ts_sample AS SELECT DISTINCT {clean} AS v FROM {table} "
            f"WHERE {clean} IS NOT NULL LIMIT {int(sample)}"
        )
        sampled = cur.execute("SELECT count(*) FROM _ts_sample").fetchone()[0]
        selects = ", ".join(f"count({parse_expr('v', f, 'UTC')})" for f in FORMATS)
        row = cur.execute(f"SELECT {selects} FROM _ts_sample").fetchone() if sampled else [0] * len(FORMATS)
        counts[header] = dict(zip(FORMATS, row))
        info[header] = (sampled, None)
    pooled = {f: sum(c[f] for c in counts.values()) for f in FORMATS}

    result = {}
    for header in headers:
        sampled, _ = info[header]
        col = counts[header]
        best = max(FORMATS, key=lambda f: (col[f], -FORMATS.index(f)))
        if col[best] == 0:
            example = None
            if sampled:
                example = cur.execute(
                    f"SELECT {clean_expr(_ident(header))} FROM {table} WHERE {clean_expr(_ident(header))} IS NOT NULL LIMIT 1"
                ).fetchone()[0]
            result[header] = ColumnFormat(header, None, 0, sampled, example)
            continue
        twin = _swap_order(best)
        if twin and col.get(twin, -1) == col[best]:
            best = _break_tie(best, twin, pooled, dayfirst)
        if best == ISO_NAIVE:
            best = _iso_kind(cur, table, header)
        result[header] = ColumnFormat(header, best, col[best if best in col else ISO_NAIVE], sampled)
    cur.execute("DROP TABLE IF EXISTS _ts_sample")
    return result


def _iso_kind(cur, table: str, header: str) -> str:
    """ISO stamps with an offset keep it; without one they are read in the source zone; some files mix both."""
    clean = clean_expr(_ident(header))
    with_offset, total = cur.execute(
        f"SELECT count(*) FILTER (WHERE regexp_matches(v, '{OFFSET_RE}')), count(*) FROM "
        f"(SELECT {clean} AS v FROM {table}) WHERE v IS NOT NULL"
    ).fetchone()
    if with_offset == 0:
        return ISO_NAIVE
    return ISO_OFFSET if with_offset == total else ISO_MIXED


def _break_tie(a: str, b: str, pooled: dict[str, int], dayfirst: bool | None) -> str:
    day, month = (a, b) if _day_first(a) else (b, a)
    if dayfirst is not None:
        return day if dayfirst else month
    if pooled[day] != pooled[month]:
        return day if pooled[day] > pooled[month] else month
    return month if "/" in day else day


def describe(fmt: str | None) -> str:
    """A human label for a chosen format (shown in the import report)."""
    if fmt is None:
        return "unreadable"
    if fmt == ISO_NAIVE:
        return "ISO 8601 (no offset: read in the source time zone)"
    if fmt == ISO_OFFSET:
        return "ISO 8601 with offset"
    if fmt == ISO_MIXED:
        return "ISO 8601, some with offset"
    if fmt == EXCEL_SERIAL:
        return "Excel serial days"
    order = " (day first)" if "%d" in fmt and "%m" in fmt and _day_first(fmt) else (
        " (month first)" if "%d" in fmt and "%m" in fmt else "")
    return fmt + order
