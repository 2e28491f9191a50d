"""Time stamps: formats detected from the data, offsets honoured, naive stamps in the source zone, day/month order."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import duckdb
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from slacore.importers.pipeline import ImportOptions, import_file
from slacore.importers.timestamps import EXCEL_SERIAL, clean_expr, detect_formats, parse_expr

UTC = timezone.utc
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    c.execute("SET TimeZone = 'UTC'")
    yield c
    c.close()


def read_back(con, values: list[str | None], tz: str = "UTC", dayfirst: bool | None = None):
    """(chosen format, parsed values in UTC) for one column of text, the way the importer reads it."""
    cur = con.cursor()
    try:
        cur.execute("SET TimeZone = 'UTC'")
        cur.execute("CREATE OR REPLACE TEMP TABLE col (v VARCHAR, i INTEGER)")
        cur.executemany("INSERT INTO col VALUES (?, ?)", [[v, i] for i, v in enumerate(values)])
        fmt = detect_formats(cur, "col", ["v"], dayfirst)["v"].format
        if fmt is None:
            return None, [None] * len(values)
        parsed = cur.execute(
            f"SELECT {parse_expr(clean_expr('v'), fmt, tz)} FROM col ORDER BY i").fetchall()
        return fmt, [row[0] for row in parsed]
    finally:
        cur.close()


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- examples --------------------------------------------------------------------------------------------------------

def test_offsets_are_honoured_in_every_spelling(con):
    values = ["2025-03-03T09:00:00+01:00", "2025-03-03 09:00:00 +0100", "2025-03-03 09:00:00+01",
              "2025-03-03T08:00:00Z", "2025-03-03 08:00:00 Z", "2025-03-03T13:30:00.000+05:30",
              "2025-03-03 03:00:00 -05:00", "2025-03-03 08:00:00 UTC"]
    fmt, parsed = read_back(con, values, tz="America/New_York")
    assert fmt == "iso+offset"
    assert parsed == [at(2025, 3, 3, 8, 0)] * len(values)


def test_naive_stamps_read_in_the_source_zone_and_mixed_columns_keep_offsets(con):
    fmt, parsed = read_back(con, ["2025-07-01 10:00:00", "2025-01-15 10:00:00", "2025-07-01T10:00:00Z"],
                            tz="Europe/Berlin")
    assert fmt == "iso-mixed"
    assert parsed == [at(2025, 7, 1, 8, 0), at(2025, 1, 15, 9, 0), at(2025, 7, 1, 10, 0)]
    fmt, parsed = read_back(con, ["2025-07-01 10:00:00", "2025-07-01T10:00"], tz="UTC")
    assert fmt == "iso" and parsed == [at(2025, 7, 1, 10, 0)] * 2


@pytest.mark.parametrize("values, expected_first, order", [
    (["31.01.2025 14:05", "01.02.2025 09:00"], at(2025, 1, 31, 14, 5), "day first"),
    (["01/02/2025 10:00", "13/02/2025 10:00"], at(2025, 2, 1, 10, 0), "day first"),
    (["01/02/2025 10:00", "02/13/2025 10:00"], at(2025, 1, 2, 10, 0), "month first"),
    (["03/14/2025 02:15 PM", "03/02/2025 02:15 PM"], at(2025, 3, 14, 14, 15), "month first"),
    (["29-02-2016 01:16", "01-03-2016 09:00"], at(2016, 2, 29, 1, 16), "day first"),
])
def test_day_first_or_month_first_decided_by_the_data(con, values, expected_first, order):
    from slacore.importers.timestamps import describe

    fmt, parsed = read_back(con, values)
    assert order in describe(fmt)
    assert parsed[0] == expected_first and None not in parsed


def test_ambiguous_dates_follow_the_separator_custom_unless_overridden(con):
    values = ["01/02/2025 10:00", "03/04/2025 11:00"]
    assert read_back(con, values)[1][0] == at(2025, 1, 2, 10, 0)  # '/' all ambiguous: month first (US)
    assert read_back(con, values, dayfirst=True)[1][0] == at(2025, 2, 1, 10, 0)
    assert read_back(con, ["01.02.2025 10:00"])[1][0] == at(2025, 2, 1, 10, 0)  # '.' is day first


def test_the_user_override_wins_even_against_the_data(con):
    fmt, parsed = read_back(con, ["01/02/2025 10:00", "02/13/2025 10:00"], dayfirst=True)
    assert parsed[0] == at(2025, 2, 1, 10, 0) and parsed[1] is None  # 13 cannot be a month: that row is unreadable


def test_ambiguous_column_follows_the_other_columns_of_the_file(store, tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("Ticket ID,Created,Resolved\n1,01/02/2025 10:00,13/02/2025 10:00\n2,03/02/2025 10:00,04/02/2025 10:00\n")
    report = import_file(store, f)
    assert "day first" in report.timestamp_formats["created_at"]
    assert store.scalar("SELECT created_at FROM tickets WHERE ticket_id = '1'") == at(2025, 2, 1, 10, 0)


def test_dayfirst_option_reaches_the_import(store, tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("Ticket ID,Created\n1,01/02/2025 10:00\n")
    import_file(store, f, options=ImportOptions(dayfirst=True, source="a"))
    import_file(store, f, options=ImportOptions(dayfirst=False, source="b"))
    got = dict(store.rows("SELECT source, created_at FROM tickets"))
    assert got == {"a": at(2025, 2, 1, 10, 0), "b": at(2025, 1, 2, 10, 0)}


def test_jira_and_localised_month_names(con):
    values = ["05/Mar/25 9:05 AM", "18/jul/26 9:10 AM", "03/ene/25 8:00 PM", "15/abr/25 2:30 PM",
              "20/ago/25 12:15 PM", "09/dic/25 11:59 PM", "01/Okt/25 10:00 AM", "02/mai/25 10:00 a. m."]
    fmt, parsed = read_back(con, values)
    assert "%b" in fmt
    assert parsed == [at(2025, 3, 5, 9, 5), at(2026, 7, 18, 9, 10), at(2025, 1, 3, 20, 0), at(2025, 4, 15, 14, 30),
                      at(2025, 8, 20, 12, 15), at(2025, 12, 9, 23, 59), at(2025, 10, 1, 10, 0),
                      at(2025, 5, 2, 10, 0)]


def test_excel_serial_days(con):
    fmt, parsed = read_back(con, ["45719.375", "45720", "45719.999988425925"])
    assert fmt == EXCEL_SERIAL
    assert parsed[:2] == [at(2025, 3, 3, 9, 0), at(2025, 3, 4, 0, 0)]
    assert abs(parsed[2] - at(2025, 3, 3, 23, 59, 59)) < timedelta(milliseconds=1)


def test_placeholders_are_missing_values_not_errors(con):
    fmt, parsed = read_back(con, ["?", "2025-01-01 10:00:00", " ", "N/A", "  2025-01-02 10:00:00 "])
    assert fmt == "iso"
    assert parsed == [None, at(2025, 1, 1, 10, 0), None, None, at(2025, 1, 2, 10, 0)]


def test_nothing_readable_gives_no_format(con):
    assert read_back(con, ["yesterday", "soon"])[0] is None


# -- property: any instant, written in any supported format, reads back to the same instant -----------------------

SPANISH = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"]


def _hour12(d: datetime, pad: bool) -> str:
    h = d.hour % 12 or 12
    return (f"{h:02d}" if pad else str(h)) + f":{d.minute:02d} " + ("AM" if d.hour < 12 else "PM")


# (name, writer of a naive local time, dayfirst to pass, precision)
NAIVE_WRITERS = [
    ("iso", lambda d, p: d.strftime("%Y-%m-%d %H:%M:%S"), None, "s"),
    ("iso-T", lambda d, p: d.strftime("%Y-%m-%dT%H:%M:%S"), None, "s"),
    ("iso-ms", lambda d, p: d.strftime("%Y-%m-%d %H:%M:%S.") + f"{d.microsecond // 1000:03d}", None, "ms"),
    ("slash-ymd", lambda d, p: d.strftime("%Y/%m/%d %H:%M:%S"), None, "s"),
    ("german", lambda d, p: d.strftime("%d.%m.%Y %H:%M"), True, "m"),
    ("german-s", lambda d, p: d.strftime("%d.%m.%Y %H:%M:%S"), True, "s"),
    ("eu-slash", lambda d, p: d.strftime("%d/%m/%Y %H:%M"), True, "m"),
    ("us-ampm", lambda d, p: d.strftime("%m/%d/%Y ") + _hour12(d, p), False, "m"),
    ("us-24h", lambda d, p: d.strftime("%m/%d/%Y %H:%M:%S"), False, "s"),
    ("servicenow", lambda d, p: d.strftime("%d-%m-%Y %H:%M"), True, "m"),
    ("jira", lambda d, p: d.strftime("%d/%b/%y ") + _hour12(d, p), None, "m"),
    ("jira-es", lambda d, p: f"{d.day:02d}/{SPANISH[d.month - 1]}/{d:%y} " + _hour12(d, p), None, "m"),
    ("excel", lambda d, p: repr((d - datetime(1899, 12, 30)).total_seconds() / 86400), None, "ms"),
]


def _truncate(d: datetime, precision: str) -> datetime:
    if precision == "m":
        return d.replace(second=0, microsecond=0)
    if precision == "s":
        return d.replace(microsecond=0)
    return d.replace(microsecond=d.microsecond // 1000 * 1000)


instants = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2037, 12, 31),
                        timezones=st.just(UTC))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(when=st.lists(instants, min_size=1, max_size=4), writer=st.sampled_from(NAIVE_WRITERS),
       tz=st.sampled_from(ZONES), pad=st.booleans())
def test_property_naive_stamps_read_back_to_the_same_instant(con, when, writer, tz, pad):
    name, write, dayfirst, precision = writer
    zone = ZoneInfo(tz)
    locals_, expected = [], []
    for w in when:
        local = _truncate(w.astimezone(zone).replace(tzinfo=None), precision)
        # wall times that happen twice (autumn) or never (spring) have no single instant: not this property's case
        early, late = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
        assume(early.utcoffset() == late.utcoffset())
        assume(early.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local)
        locals_.append(write(local, pad))
        expected.append(early.astimezone(UTC))
    fmt, parsed = read_back(con, locals_, tz=tz, dayfirst=dayfirst)
    assert fmt is not None, locals_
    if name == "excel":  # float days: exact to well under a millisecond
        assert all(abs(p - e) < timedelta(milliseconds=1) for p, e in zip(parsed, expected)), (locals_, parsed)
    else:
        assert parsed == expected, (name, locals_, fmt)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(when=st.lists(instants, min_size=1, max_size=4),
       offset_quarters=st.integers(min_value=-12 * 4, max_value=14 * 4),
       spelling=st.sampled_from(["{d}T{t}{o}", "{d} {t}{o}", "{d} {t} {o}", "{d}T{t}.000{o}"]),
       colon=st.booleans(), source_tz=st.sampled_from(ZONES))
def test_property_stamps_with_an_offset_read_back_to_the_same_instant(con, when, offset_quarters, spelling, colon,
                                                                      source_tz):
    offset = timedelta(minutes=15 * offset_quarters)
    sign = "-" if offset < timedelta(0) else "+"
    hours, minutes = divmod(abs(int(offset.total_seconds())) // 60, 60)
    o = f"{sign}{hours:02d}:{minutes:02d}" if colon else f"{sign}{hours:02d}{minutes:02d}"
    values, expected = [], []
    for w in when:
        w = w.replace(microsecond=0)
        local = w.astimezone(timezone(offset))
        values.append(spelling.format(d=local.strftime("%Y-%m-%d"), t=local.strftime("%H:%M:%S"), o=o))
        expected.append(w)
    fmt, parsed = read_back(con, values, tz=source_tz)
    assert fmt == "iso+offset"
    assert parsed == expected, values


def test_a_format_is_shown_as_a_date_written_in_it_not_as_codes():
    from slacore.importers.timestamps import ColumnFormat, describe, describe_column

    assert describe("%d/%m/%Y %H:%M") == "31/01/2025 14:05, day first"
    assert describe("%m/%d/%Y %I:%M %p") == "01/31/2025 02:05 PM, month first"
    assert "%" not in describe("%Y-%m-%d %H:%M:%S %z")
    assert describe_column(ColumnFormat("Resolved", None, 0, 0)) == "empty"  # nothing to read is not 'unreadable'
    assert describe_column(ColumnFormat("Resolved", None, 0, 5)) == "unreadable"
