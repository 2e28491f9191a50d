"""Decide, per column and from the data, how its time stamps are written, and build the SQL that reads them.

Exports write dates every way there is: ISO with or without an offset, `31.01.2025 14:05`, `03/14/2025 02:15 PM`,
Jira's `05/Mar/25 9:05 AM` (also in Spanish: `18/jul/26`), ServiceNow's `29-02-2016 01:16`, Excel serial days.
Each candidate format is tried on the distinct values of a sample of the column (the importer passes the first rows
of the file, and a reservoir spread over a big file when those leave the order of day and month open); the one that
reads the most wins. Day-first vs month-first is settled by the
values that only one of them can read (a day above 12); when every value is ambiguous the other time-stamp columns
of the file decide, then the separator's custom ('.' and '-' day-first). `dayfirst` set by the user wins over all.
Naive stamps are read in the source time zone chosen at import; stamps with an offset (`+01:00`, ` +0100`, `Z`,
`UTC`) keep it, row by row, whatever the sample said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb

ISO_NAIVE = "iso"
ISO_OFFSET = "iso+offset"
ISO_MIXED = "iso-mixed"
ISO_KINDS = (ISO_NAIVE, ISO_OFFSET, ISO_MIXED)
# An offset or zone after a time of day: 09:00Z, 09:00:00+01, 09:00:00.123 +0100, 09:00:00 -05:00, 09:00:00 UTC.
OFFSET_RE = r"[0-9]:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\s*(Z|z|[+-][0-9]{2}(:?[0-9]{2})?|[A-Za-z][A-Za-z_/+-]*)$"
EXCEL_SERIAL = "excel-serial"
SAMPLE_ROWS = 10_000  # rows sampled per column for detection (a reservoir over the whole file)

# Order matters only to break ties between formats that read the same values.
FORMATS: list[str] = [
    ISO_NAIVE,  # ISO 8601 with or without an offset; which ISO kind it is gets settled afterwards
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
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d/%b/%y %I:%M %p",
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%d/%b/%Y %H:%M",
    "%d-%b-%Y %H:%M:%S",
    "%d-%b-%Y %H:%M",
    "%d-%b-%y %I:%M %p",
    "%d-%b-%y %H:%M",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y %H:%M",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y %H:%M",
    EXCEL_SERIAL,
]

# Month abbreviations of localised exports -> English, so `%b` reads them (plain replacements: a date string holds
# no other words). Longer words first ('sept' before 'sep', 'janv' before 'jan'...).
MONTH_WORDS = {
    "sept": "sep", "ene": "jan", "abr": "apr", "ago": "aug", "dic": "dec",  # Spanish
    "mär": "mar", "mrz": "mar", "mai": "may", "okt": "oct", "dez": "dec",  # German
    "janv": "jan", "févr": "feb", "fevr": "feb", "mars": "mar", "avr": "apr", "juin": "jun", "juil": "jul",
    "août": "aug", "aout": "aug", "déc": "dec",  # French
}
PLACEHOLDERS = ("", "?", "-", "--", "NULL", "null", "None", "none", "N/A", "n/a", "NaT", "nan")

# The time stamps a ticket can carry: the years the business calendars cover exactly (slacore.calendars expands
# 1900-2199, slacore.clocks measures 1901-01-01 .. 2199-01-01 without clamping). A stamp outside is a typo or an
# unknown placeholder (1600, 2300): the row is rejected with the value named, never stored to skew a derived column.
EARLIEST = "1901-01-01 00:00:00+00"
LATEST = "2199-01-01 00:00:00+00"  # exclusive
EARLIEST_SQL = f"TIMESTAMPTZ '{EARLIEST}'"
LATEST_SQL = f"TIMESTAMPTZ '{LATEST}'"
SUPPORTED_YEARS = "1901-2198"

# "No date" as exports write it: 1900-01-01 (Excel's first day, a common default), 1899-12-30 and -31 (Excel's day
# 0 and 1 in the 1900 system), 1970-01-01 (epoch zero), 1753-01-01 (SQL Server's smallest datetime), 1601-01-01
# (a zero Windows FILETIME), at midnight in UTC or in the source time zone; any time in year 1 (.NET's
# DateTime.MinValue, `01/01/0001`) or year 9999 (`9999-12-31 23:59:59`), and +/-infinity (PostgreSQL's "never").
# Values no format reads: MySQL's zero date `0000-00-00 00:00:00` (also `00/00/0000`), Excel serial 0 (`0`, `0.0`),
# and a bare `00:00:00` (how a spreadsheet reader shows a date cell holding day 0).
PLACEHOLDER_DAYS = ("1900-01-01", "1899-12-30", "1899-12-31", "1970-01-01", "1753-01-01", "1601-01-01")
PLACEHOLDER_YEARS = (1, 9999)
_ZERO_DATE_RE = (r"0+([-/.]0+[-/.]0+)?([ T]0+:0+(:0+([.,]0+)?)?)?( ?[AaPp][Mm])?"
                 r"|0+[.,]0+|0?0:00(:00([.,]0+)?)?")
# A midnight suffix to drop before reading a bare date (`1/1/0001 12:00:00 AM`, `01.01.1900 00:00`).
_MIDNIGHT_RE = r"([ T]+(0?0:00(:00([.,]0+)?)?|12:00(:00)? ?[AaPp][Mm]))?$"
_FALLBACK_DATES = ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y"]


@dataclass(frozen=True)
class ColumnFormat:
    header: str
    format: str | None  # None: nothing in the column could be read
    readable: int  # distinct sampled values the format reads
    sampled: int  # distinct non-empty sampled values
    example: str | None = None  # an unreadable example, for messages
    ambiguous: bool = False  # day-first and month-first read the sample equally (decided by a tie-break)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def clean_expr(col_sql: str) -> str:
    """Trim and treat the usual placeholders for 'no value' as NULL ('?' in ServiceNow audit logs).

    Most cells need no trimming: the value itself is passed on (no new string), only padded cells are trimmed.
    """
    nulls = "(" + ", ".join(_lit(p) for p in PLACEHOLDERS) + ")"
    return (f"CASE WHEN starts_with({col_sql}, ' ') OR ends_with({col_sql}, ' ') "
            f"THEN CASE WHEN trim({col_sql}) IN {nulls} THEN NULL ELSE trim({col_sql}) END "
            f"WHEN {col_sql} IN {nulls} THEN NULL ELSE {col_sql} END")


def _month_words_expr(x: str) -> str:
    expr = f"replace(replace(replace(lower({x}), 'a. m.', 'am'), 'p. m.', 'pm'), '.', '')"
    for word, english in MONTH_WORDS.items():
        expr = f"replace({expr}, '{word}', '{english}')"
    return expr


def _is_utc(tz: str) -> bool:
    return tz.upper() in ("UTC", "ETC/UTC", "Z", "GMT", "ETC/GMT", "UCT", "ZULU", "UNIVERSAL")


def _utc(naive_sql: str, tz: str) -> str:
    """A naive TIMESTAMP read as wall time in `tz` -> TIMESTAMPTZ (UTC needs no calendar arithmetic)."""
    if _is_utc(tz):
        return f"make_timestamptz(epoch_us({naive_sql}))"
    return f"timezone({_lit(tz)}, {naive_sql})"


NAIVE_ISO_FORMAT = "%Y-%m-%d %H:%M:%S"  # how most naive ISO columns are written: read first, without a calendar


def _naive_iso_first(value_sql: str, timezone: str) -> str:
    """`YYYY-MM-DD HH:MM:SS` read by strptime (NULL for any other text): about half the CPU of a cast to
    TIMESTAMPTZ, which goes through ICU even for UTC. Only a value ending in a digit is tried: strptime also skips
    a trailing tab or line end (and reads 'infinity'), which the cast refuses; both read exactly the same instant
    for every value strptime accepts then, and a value with an offset or zone never matches the format."""
    return (f"CASE WHEN ({value_sql})[-1] BETWEEN '0' AND '9' "
            f"THEN {_utc(f'try_strptime({value_sql}, {_lit(NAIVE_ISO_FORMAT)})', timezone)} END")


def iso_expr(value_sql: str, timezone: str, naive_first: bool = False) -> str:
    """ISO 8601 text -> TIMESTAMPTZ: an offset or zone in the value wins, otherwise the source time zone.

    Relies on the session time zone being UTC (the store sets it on every cursor): a naive stamp cast to
    TIMESTAMPTZ is then read as UTC, so for a UTC source one cast reads every row; ' +0100' (a space before the
    offset, Zendesk) is retried without the space. With `naive_first` (a column the sample found without offsets)
    the common naive form is read first the fast way (`_naive_iso_first`), the rest as before.
    """
    spaced = (f"try_cast(regexp_replace({value_sql}, '\\s+([+-][0-9]{{2}}(:?[0-9]{{2}})?|[Zz])$', '\\1') "
              f"AS TIMESTAMPTZ)")
    with_offset = f"coalesce(try_cast({value_sql} AS TIMESTAMPTZ), {spaced})"
    if _is_utc(timezone):
        full = with_offset
    else:
        full = (f"CASE WHEN regexp_matches({value_sql}, '{OFFSET_RE}') THEN {with_offset} "
                f"ELSE {_utc(f'try_cast({value_sql} AS TIMESTAMP)', timezone)} END")
    return f"coalesce({_naive_iso_first(value_sql, timezone)}, {full})" if naive_first else full


def parse_expr(value_sql: str, fmt: str, timezone: str, month_sql: str | None = None) -> str:
    """SQL turning cleaned text `value_sql` into TIMESTAMPTZ (NULL where unreadable).

    `month_sql`: the value with localised month names already made English (detection computes it once).
    """
    if fmt in ISO_KINDS:
        return iso_expr(value_sql, timezone, naive_first=fmt == ISO_NAIVE)
    if fmt == EXCEL_SERIAL:
        micros = (f"CAST(round(CASE WHEN regexp_full_match({value_sql}, '[1-9][0-9]{{4}}(\\.[0-9]+)?') "
                  f"THEN CAST({value_sql} AS DOUBLE) END * 86400000000) AS BIGINT)")
        return _utc(f"TIMESTAMP '1899-12-30' + to_microseconds({micros})", timezone)
    source = (month_sql or _month_words_expr(value_sql)) if "%b" in fmt else value_sql
    if "%z" in fmt:
        return f"try_strptime({source}, {_lit(fmt)})"
    return _utc(f"try_strptime({source}, {_lit(fmt)})", timezone)


def _swap_order(fmt: str) -> str | None:
    if "%d" in fmt and "%m" in fmt:
        return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
    return None


def _day_first(fmt: str) -> bool:
    return fmt.find("%d") < fmt.find("%m")


def _candidates(dayfirst: bool | None) -> list[str]:
    """The formats to try: a user's day-first / month-first choice removes the other order."""
    if dayfirst is None:
        return list(FORMATS)
    return [f for f in FORMATS if _swap_order(f) is None or _day_first(f) == dayfirst]


def detect_formats(cur: duckdb.DuckDBPyConnection, table: str, headers: list[str],
                   dayfirst: bool | None = None, sample: int = SAMPLE_ROWS) -> dict[str, ColumnFormat]:
    """Choose a format per time-stamp column (see the module docstring for how ties are broken)."""
    formats = _candidates(dayfirst)
    counts: dict[str, dict[str, int]] = {}
    sampled_n: dict[str, int] = {}
    offsets: dict[str, int] = {}
    for header in dict.fromkeys(headers):
        counts[header], sampled_n[header], offsets[header] = _count_readable(cur, table, header, formats, sample)
    pooled = {f: sum(c[f] for c in counts.values()) for f in formats}

    result = {}
    for header in dict.fromkeys(headers):
        sampled, col = sampled_n[header], counts[header]
        best = max(formats, key=lambda f: (col[f], -formats.index(f)))
        if col[best] == 0:
            example = _first_value(cur, table, header) if sampled else None
            result[header] = ColumnFormat(header, None, 0, sampled, example)
            continue
        twin = _swap_order(best)
        tie = bool(twin) and col.get(twin, -1) == col[best]
        if tie:
            best = _break_tie(best, twin, pooled, dayfirst)
        readable = col[best]
        if best == ISO_NAIVE:
            with_offset = offsets[header]
            best = ISO_NAIVE if with_offset == 0 else (ISO_OFFSET if with_offset == sampled else ISO_MIXED)
        result[header] = ColumnFormat(header, best, readable, sampled, ambiguous=tie and dayfirst is None)
    cur.execute("DROP TABLE IF EXISTS _ts_sample")
    return result


def _count_readable(cur, table: str, header: str, formats: list[str], sample: int,
                    probe: int = 500) -> tuple[dict[str, int], int, int]:
    """How many distinct sampled values of a column each format reads; (counts, sampled, with an offset).

    The sample is a reservoir of non-empty rows (whole column when small). Formats are first tried on a few
    hundred values; only those that read any (and their day/month twins) are counted on the whole sample, and
    when ISO reads every value nothing else is tried: a few hundredths of a second for any file size.
    """
    col = _ident(header)
    cur.execute(
        f"CREATE OR REPLACE TEMP TABLE _ts_sample AS "
        f"SELECT v, CASE WHEN regexp_matches(v, '[A-Za-z]') THEN {_month_words_expr('v')} END AS vm "
        f"FROM (SELECT DISTINCT {clean_expr('v')} AS v FROM (SELECT {col} AS v FROM {table} WHERE {col} IS NOT NULL) "
        f"USING SAMPLE reservoir({int(sample)} ROWS) REPEATABLE (7)) WHERE v IS NOT NULL"
    )
    sampled, iso, with_offset = cur.execute(
        f"SELECT count(*), count({parse_expr('v', ISO_NAIVE, 'UTC')}), "
        f"count(*) FILTER (WHERE regexp_matches(v, '{OFFSET_RE}')) FROM _ts_sample"
    ).fetchone()
    counts = dict.fromkeys(formats, 0)
    if not sampled:
        return counts, 0, 0
    if iso == sampled and ISO_NAIVE in counts:
        counts[ISO_NAIVE] = iso
        return counts, sampled, with_offset

    def count(fmts: list[str], limit: int | None) -> dict[str, int]:
        if not fmts:
            return {}
        source = f"(SELECT * FROM _ts_sample LIMIT {limit})" if limit else "_ts_sample"
        selects = ", ".join("count(" + parse_expr("v", f, "UTC", "vm") + ")" for f in fmts)
        row = cur.execute(f"SELECT {selects} FROM {source}").fetchone()
        return dict(zip(fmts, row))

    probed = count(formats, probe if sampled > probe else None)
    if sampled <= probe:
        counts.update(probed)
        return counts, sampled, with_offset
    hits = [f for f in formats if probed[f]]
    twins = [t for t in (_swap_order(f) for f in hits) if t in counts and t not in hits]
    counts.update(count(hits + twins, None) if hits else count(formats, None))
    return counts, sampled, with_offset


def _first_value(cur, table: str, header: str) -> str | None:
    clean = clean_expr(_ident(header))
    row = cur.execute(f"SELECT {clean} FROM {table} WHERE {clean} IS NOT NULL LIMIT 1").fetchone()
    return row[0] if row else None


def _break_tie(a: str, b: str, pooled: dict[str, int], dayfirst: bool | None) -> str:
    day, month = (a, b) if _day_first(a) else (b, a)
    if dayfirst is not None:
        return day if dayfirst else month
    if pooled.get(day, 0) != pooled.get(month, 0):
        return day if pooled.get(day, 0) > pooled.get(month, 0) else month
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
    both = "%d" in fmt and "%m" in fmt
    year_first = "%Y" in fmt and both and fmt.find("%Y") < min(fmt.find("%d"), fmt.find("%m"))
    order = "" if not both or year_first else (", day first" if _day_first(fmt) else ", month first")
    return _EXAMPLE_MOMENT.strftime(fmt).strip() + order


# A moment whose day, month, hour and minute cannot be mistaken for one another: a format shows as this moment
# written in it ("%d/%m/%Y %H:%M" -> "31/01/2025 14:05, day first"), never as its strptime codes.
_EXAMPLE_MOMENT = datetime(2025, 1, 31, 14, 5, 9, tzinfo=timezone.utc)


def describe_column(column: "ColumnFormat") -> str:
    """describe() for a column, which says 'empty' for a column with no values at all (not 'unreadable')."""
    if column.format is None and column.sampled == 0:
        return "empty"
    return describe(column.format)


def placeholder_sql(stamp_sql: str, text_sql: str, timezone: str) -> str:
    """SQL: true when a time stamp is one of the placeholders exports write for "no date" (see PLACEHOLDER_DAYS).

    `stamp_sql` is the parsed TIMESTAMPTZ (NULL where the column's format read nothing), `text_sql` the cleaned
    text. A real stamp costs two comparisons; one outside 1970-01-02 .. 9998-12-31 is compared with the placeholder
    midnights in UTC and in the source zone (constants DuckDB folds); only a value the format could not read is
    looked at as text.
    """
    instants = []
    for day in PLACEHOLDER_DAYS:
        instants.append(f"epoch_us(TIMESTAMPTZ '{day} 00:00:00+00')")
        if not _is_utc(timezone):
            instants.append(f"epoch_us({_utc(f'TIMESTAMP {_lit(day)}', timezone)})")
    first, last = PLACEHOLDER_YEARS
    # Year 1 and year 9999 in any zone (offsets stay within 14 hours), and the infinities beyond them.
    parsed = (f"(epoch_us({stamp_sql}) IN ({', '.join(instants)}) "
              f"OR {stamp_sql} < TIMESTAMPTZ '{first + 1:04d}-01-01 14:00:00+00' AND "
              f"NOT {stamp_sql} < TIMESTAMPTZ '{first:04d}-01-01 00:00:00+00' - INTERVAL 14 HOUR "
              f"OR {stamp_sql} >= TIMESTAMPTZ '{last:04d}-01-01 00:00:00+00' - INTERVAL 14 HOUR "
              f"OR {stamp_sql} = '-infinity'::TIMESTAMPTZ)")
    naive = (f"coalesce(try_cast({text_sql} AS TIMESTAMP), try_strptime(regexp_replace({text_sql}, "
             f"{_lit(_MIDNIGHT_RE)}, ''), [{', '.join(_lit(f) for f in _FALLBACK_DATES)}]))")
    days = ", ".join(f"DATE '{d}'" for d in PLACEHOLDER_DAYS)
    unread = (f"(regexp_full_match({text_sql}, {_lit(_ZERO_DATE_RE)}) "
              f"OR CAST({naive} AS DATE) IN ({days}) AND CAST({naive} AS TIME) = TIME '00:00:00' "
              f"OR year({naive}) IN ({first}, {last}))")
    # Every placeholder instant lies before 1970-01-02 or from 9998-12-31 on (midnight of 1 Jan 1970 in any zone is
    # within 14 hours of UTC's): a real stamp costs two comparisons, the IN list runs only outside.
    return (f"CASE WHEN {stamp_sql} > TIMESTAMPTZ '1970-01-02 00:00:00+00' AND {stamp_sql} < TIMESTAMPTZ "
            f"'{last - 1:04d}-12-31 00:00:00+00' THEN false "
            f"WHEN {stamp_sql} IS NULL THEN coalesce({unread}, false) ELSE coalesce({parsed}, false) END")
