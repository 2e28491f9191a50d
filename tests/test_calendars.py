"""Business-hours calendars: the vectorised engine against slow, obviously correct references.

The reference below walks local days one by one with zoneinfo and intersects each opening window with [a, b] in
real UTC instants; a local wall time that does not exist is stepped forward minute by minute until it does (the
instant the clocks jump), an ambiguous one takes its first occurrence (fold=0). Nothing in it is shared with
slacore.calendars, so a bug in the window expansion, the cumulative sums or the searchsorted lookup shows up as a
disagreement.
"""

import math
import random
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import duckdb
import holidays as holidays_pkg
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacore.calendars import (
    CAL_24X7,
    TEMPLATE_CALENDARS,
    Calendar,
    business_seconds,
    business_seconds_df,
    business_seconds_select,
    calendar_from_dict,
    calendar_to_dict,
    format_duration,
    format_hours,
    holiday_dates,
    open_windows,
    parse_duration,
    parse_hours,
    register_windows,
)

BERLIN = ZoneInfo("Europe/Berlin")
UTC = timezone.utc
H = 3600

OFFICE_9_17 = tuple(((9 * 60, 17 * 60),) if d < 5 else () for d in range(7))


def ep(y, mo, d, h=0, mi=0, s=0, tz=BERLIN) -> float:
    return datetime(y, mo, d, h, mi, s, tzinfo=tz).timestamp()


def bs1(cal, a, b) -> float:
    """business_seconds for one pair, as a Python float."""
    return float(business_seconds(cal, np.array([a], dtype=float), np.array([b], dtype=float))[0])


# ---------------------------------------------------------------------------------------------------------------
# Reference implementation (slow, day by day)
# ---------------------------------------------------------------------------------------------------------------


def ref_local_to_utc(day: date, minute: int, zi: ZoneInfo) -> int:
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    while True:
        aware = wall.replace(tzinfo=zi)  # fold=0: first occurrence of an ambiguous time
        if aware.astimezone(UTC).astimezone(zi).replace(tzinfo=None) == wall:
            return int(aware.timestamp())
        wall += timedelta(minutes=1)  # inside a DST gap: step to the first wall time that exists


def ref_business_seconds(cal: Calendar, a: int, b: int) -> int:
    if b <= a:
        return 0
    zi = ZoneInfo(cal.timezone)
    first = datetime.fromtimestamp(a, zi).date() - timedelta(days=1)
    last = datetime.fromtimestamp(b, zi).date() + timedelta(days=1)
    off = set(cal.closed)
    if cal.holidays:
        country, _, subdiv = cal.holidays.partition("-")
        off |= set(holidays_pkg.country_holidays(country, subdiv=subdiv or None, years=range(first.year, last.year + 1)))
    total = 0
    day = first
    while day <= last:
        if day not in off:
            for s, e in cal.hours[day.weekday()]:
                ws, we = ref_local_to_utc(day, s, zi), ref_local_to_utc(day, e, zi)
                total += max(0, min(we, b) - max(ws, a))
        day += timedelta(days=1)
    return total


# ---------------------------------------------------------------------------------------------------------------
# Property test against the reference
# ---------------------------------------------------------------------------------------------------------------

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC", "Asia/Kolkata"]
HOLIDAY_CODES = [None, None, "DE-BE", "US", "GB-SCT", "AU-NSW", "IN"]
# DST switches (Berlin, New York, Sydney), Christmas, a leap day and a year end.
ANCHORS = [
    datetime(2025, 3, 30, tzinfo=UTC),
    datetime(2025, 10, 26, tzinfo=UTC),
    datetime(2025, 3, 9, tzinfo=UTC),
    datetime(2025, 11, 2, tzinfo=UTC),
    datetime(2025, 4, 6, tzinfo=UTC),
    datetime(2025, 10, 5, tzinfo=UTC),
    datetime(2025, 12, 25, tzinfo=UTC),
    datetime(2024, 2, 29, tzinfo=UTC),
    datetime(2025, 1, 1, tzinfo=UTC),
]
# Boundaries inside and around the 02:00-03:00 DST gap/overlap are drawn often on purpose.
MINUTE = st.one_of(st.sampled_from([0, 60, 120, 135, 150, 180, 540, 1020, 1439, 1440]), st.integers(0, 1440))


@st.composite
def day_windows(draw):
    n = draw(st.integers(0, 3))
    points = sorted(draw(st.sets(MINUTE, min_size=2 * n, max_size=2 * n)))
    return tuple((points[2 * i], points[2 * i + 1]) for i in range(n))


@st.composite
def calendars(draw):
    anchor = draw(st.sampled_from(ANCHORS)).date()
    closed = draw(st.lists(st.integers(-5, 30).map(lambda k: anchor + timedelta(days=k)), max_size=3))
    return Calendar(
        "random",
        draw(st.sampled_from(ZONES)),
        tuple(draw(day_windows()) for _ in range(7)),
        draw(st.sampled_from(HOLIDAY_CODES)),
        tuple(closed),
    )


@st.composite
def intervals(draw):
    anchor = int(draw(st.sampled_from(ANCHORS)).timestamp())
    a = anchor + draw(st.integers(-7 * 86400, 7 * 86400))
    b = a + draw(st.one_of(st.integers(0, 40 * 86400), st.integers(-86400, 86400)))
    return a, b


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cal=calendars(), pairs=st.lists(intervals(), min_size=1, max_size=6))
def test_business_seconds_matches_day_by_day_reference(cal, pairs):
    a = np.array([p[0] for p in pairs], dtype=float)
    b = np.array([p[1] for p in pairs], dtype=float)
    got = business_seconds(cal, a, b)
    want = [ref_business_seconds(cal, p[0], p[1]) for p in pairs]
    assert got.tolist() == want  # exact: integer inputs give integer seconds


# ---------------------------------------------------------------------------------------------------------------
# Edge cases
# ---------------------------------------------------------------------------------------------------------------

OFFICE_BERLIN = Calendar("office", "Europe/Berlin", OFFICE_9_17, "DE")


def test_interval_entirely_at_night_is_zero():
    assert bs1(OFFICE_BERLIN, ep(2025, 6, 3, 18), ep(2025, 6, 4, 8, 59)) == 0.0


def test_friday_afternoon_to_monday_morning_is_two_hours():
    # 2025-06-13 is a Friday: 16:00-17:00 Friday + 09:00-10:00 Monday
    assert bs1(OFFICE_BERLIN, ep(2025, 6, 13, 16), ep(2025, 6, 16, 10)) == 2 * H
    # ... and a week earlier Monday 2025-06-09 is Whit Monday, a national holiday: the clock runs on Tuesday
    assert bs1(OFFICE_BERLIN, ep(2025, 6, 6, 16), ep(2025, 6, 10, 10)) == 2 * H


def test_public_holidays_are_skipped():
    assert {date(2025, 12, 25), date(2025, 12, 26)} <= holiday_dates(OFFICE_BERLIN, date(2025, 12, 1), date(2025, 12, 31))
    # Wed 24th 16:00 -> Mon 29th 10:00: Christmas Day and Boxing Day (Thu, Fri) are holidays, then the weekend
    assert bs1(OFFICE_BERLIN, ep(2025, 12, 24, 16), ep(2025, 12, 29, 10)) == 2 * H
    no_holidays = Calendar("office", "Europe/Berlin", OFFICE_9_17)
    assert bs1(no_holidays, ep(2025, 12, 24, 16), ep(2025, 12, 29, 10)) == 18 * H


def test_subdivision_holidays_differ_from_national():
    # Women's Day (8 March) is a holiday in Berlin only; 2024-03-08 is a Friday.
    berlin = Calendar("be", "Europe/Berlin", OFFICE_9_17, "DE-BE")
    assert bs1(berlin, ep(2024, 3, 8, 9), ep(2024, 3, 8, 17)) == 0
    assert bs1(OFFICE_BERLIN, ep(2024, 3, 8, 9), ep(2024, 3, 8, 17)) == 8 * H


def test_closed_dates_are_skipped():
    cal = Calendar("office", "Europe/Berlin", OFFICE_9_17, closed=(date(2025, 6, 10),))
    assert date(2025, 6, 10) in holiday_dates(cal, date(2025, 6, 1), date(2025, 6, 30))
    assert bs1(cal, ep(2025, 6, 9, 9), ep(2025, 6, 11, 17)) == 16 * H
    assert bs1(cal, ep(2025, 6, 10, 9), ep(2025, 6, 10, 17)) == 0


def test_24x7_across_dst_equals_real_elapsed_seconds():
    for a, b in [(ep(2025, 3, 29, 12), ep(2025, 3, 31, 12)), (ep(2025, 10, 25, 12), ep(2025, 10, 27, 12))]:
        real = b - a
        assert real in (47 * H, 49 * H)
        assert bs1(Calendar("b", "Europe/Berlin"), a, b) == real  # the is_24x7 fast path
        assert bs1(CAL_24X7, a, b) == real
        # the same through the window expansion: all-day hours with an irrelevant closed date (not is_24x7)
        windowed = Calendar("b", "Europe/Berlin", closed=(date(2030, 1, 1),))
        assert not windowed.is_24x7()
        assert bs1(windowed, a, b) == real


def test_all_day_window_on_dst_days_is_23_and_25_hours():
    cal = Calendar("days", "Europe/Berlin", ((),) * 6 + (((0, 1440),),))  # Sundays only
    for day, hours in [(date(2025, 3, 30), 23), (date(2025, 10, 26), 25), (date(2025, 6, 1), 24)]:
        s, e, c = open_windows(cal, day, day)
        assert (e - s).tolist() == [hours * H]
        assert c.tolist() == [0]


def test_windows_inside_the_dst_gap_and_overlap():
    # Spring: 02:30 does not exist on 2025-03-30 in Berlin, so a 02:30-04:00 window opens when clocks jump to 03:00.
    sunday = ((),) * 6 + (((150, 240),),)
    cal = Calendar("gap", "Europe/Berlin", sunday)
    s, e, _ = open_windows(cal, date(2025, 3, 30), date(2025, 3, 30))
    assert s.tolist() == [ep(2025, 3, 30, 3)] and (e - s).tolist() == [H]
    # Autumn: 02:30 happens twice on 2025-10-26; the first (summer-time) occurrence counts.
    s, e, _ = open_windows(cal, date(2025, 10, 26), date(2025, 10, 26))
    assert s.tolist() == [datetime(2025, 10, 26, 0, 30, tzinfo=UTC).timestamp()]
    assert (e - s).tolist() == [int(2.5 * H)]
    # A window lying wholly in the gap is empty, not negative.
    cal = Calendar("gap", "Europe/Berlin", ((),) * 6 + (((135, 165),),))
    s, _, _ = open_windows(cal, date(2025, 3, 30), date(2025, 3, 30))
    assert len(s) == 0


def test_open_windows_are_sorted_merged_and_cumulative():
    cal = Calendar("split", "UTC", tuple(((480, 720), (720, 780), (840, 1020)) for _ in range(7)))
    assert cal.hours[0] == ((480, 780), (840, 1020))  # touching windows merged on construction
    s, e, c = open_windows(cal, date(2025, 1, 1), date(2025, 1, 3))
    assert np.all(np.diff(s) > 0) and np.all(e > s) and np.all(s[1:] > e[:-1])
    assert c.tolist() == np.concatenate([[0], np.cumsum(e - s)[:-1]]).tolist()
    assert s.dtype == e.dtype == c.dtype == np.int64
    s24, e24, _ = open_windows(CAL_24X7, date(2025, 1, 1), date(2025, 1, 10))
    assert len(s24) == 1 and e24[0] - s24[0] == 10 * 86400  # back-to-back days become one window


def test_end_before_start_is_zero():
    assert bs1(OFFICE_BERLIN, ep(2025, 6, 5, 12), ep(2025, 6, 4, 12)) == 0
    assert bs1(CAL_24X7, 1000.0, 10.0) == 0


def test_nan_propagates_and_empty_inputs():
    a = np.array([np.nan, ep(2025, 6, 2, 9), ep(2025, 6, 2, 9), np.nan])
    b = np.array([ep(2025, 6, 2, 10), np.nan, ep(2025, 6, 2, 10), np.nan])
    for cal in (OFFICE_BERLIN, CAL_24X7):
        got = business_seconds(cal, a, b)
        assert np.isnan(got[[0, 1, 3]]).all() and got[2] == H
        assert np.isnan(business_seconds(cal, [np.nan], [np.nan])).all()
        assert business_seconds(cal, np.array([]), np.array([])).shape == (0,)
    never_open = Calendar("never", "UTC", ((),) * 7)
    assert business_seconds(never_open, [0.0, np.nan], [1e9, 1.0]).tolist()[0] == 0.0


def test_scalars_and_datetime64_inputs():
    assert business_seconds(OFFICE_BERLIN, ep(2025, 6, 13, 16), ep(2025, 6, 16, 10)) == 2 * H
    a = np.array(["2025-06-13T14:00", "NaT"], dtype="datetime64[s]")  # UTC: 16:00 Berlin
    b = np.array(["2025-06-16T08:00", "2025-06-16T08:00"], dtype="datetime64[s]")
    got = business_seconds(OFFICE_BERLIN, a, b)
    assert got[0] == 2 * H and np.isnan(got[1])


def test_business_seconds_df_with_tz_aware_series_and_nat():
    starts = pd.Series(pd.to_datetime(["2025-06-13 16:00", None, "2025-06-02 09:30"]).tz_localize("Europe/Berlin"))
    ends = pd.Series(pd.to_datetime(["2025-06-16 10:00", "2025-06-16 10:00", None]).tz_localize("Europe/Berlin"))
    got = business_seconds_df(OFFICE_BERLIN, starts, ends)
    assert got[0] == 2 * H and np.isnan(got[1]) and np.isnan(got[2])
    # another zone and another resolution give the same instants
    got_utc = business_seconds_df(OFFICE_BERLIN, starts.dt.tz_convert("UTC").dt.as_unit("s"), ends.dt.tz_convert("UTC"))
    np.testing.assert_array_equal(got, got_utc)
    with pytest.raises(ValueError, match="time-zone-aware"):
        business_seconds_df(OFFICE_BERLIN, starts.dt.tz_localize(None), ends)


def test_timestamps_outside_the_supported_range_are_refused():
    with pytest.raises(ValueError, match="outside the supported range|not epoch seconds"):
        business_seconds(OFFICE_BERLIN, [0.0], [1e11])
    with pytest.raises(ValueError):
        business_seconds(OFFICE_BERLIN, [0.0], [np.inf])


def test_expansion_is_cached_per_calendar_and_range():
    from slacore import calendars

    calendars._expand.cache_clear()
    business_seconds(OFFICE_BERLIN, [ep(2025, 2, 1)], [ep(2025, 3, 1)])
    business_seconds(OFFICE_BERLIN, [ep(2025, 5, 1)], [ep(2025, 6, 1)])  # same (whole-year) range
    info = calendars._expand.cache_info()
    assert info.misses == 1 and info.hits == 1
    w = open_windows(OFFICE_BERLIN, date(2025, 1, 1), date(2025, 12, 31))
    assert not w[0].flags.writeable  # cached arrays cannot be corrupted by a caller


# ---------------------------------------------------------------------------------------------------------------
# Calendars, hours and durations as users write them
# ---------------------------------------------------------------------------------------------------------------


def test_parse_hours_forms():
    h = parse_hours({"mon-fri": "09:00-17:00", "sat": "10:00-14:00", "sun": "closed"})
    assert h == OFFICE_9_17[:5] + (((600, 840),), ())
    h = parse_hours({"mon-thu": "08:00-12:00, 13:00-17:00", "fri": ["8:00-12:00"], "sat-sun": "24h"})
    assert h[0] == ((480, 720), (780, 1020)) and h[4] == ((480, 720),) and h[5] == h[6] == ((0, 1440),)
    assert parse_hours({"mon-sun": "00:00-24:00"}) == parse_hours({"mon-sun": "24h"}) == CAL_24X7.hours
    assert parse_hours({"Saturday, sun-mon": "10:00-12:00"})[0] == ((600, 720),)  # wrap-around range, full names
    assert parse_hours({"mon": False, "tue": None}) == ((),) * 7  # YAML's unquoted `off`/`no`/empty


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"mun": "09:00-17:00"}, "unknown day 'mun'"),
        ({"mon-fry": "09:00-17:00"}, "unknown day 'fry'"),
        ({"mon": "9-17"}, "bad time '9'"),
        ({"mon": "09:00-25:00"}, "bad time '25:00'"),
        ({"mon": "09:60-10:00"}, "bad time '09:60'"),
        ({"mon": "09:00"}, "bad opening window '09:00'"),
        ({"mon": "22:00-06:00"}, "ends before it starts"),
        ({"mon": "09:00-12:00, 11:00-13:00"}, "overlap"),
        ({"mon-fri": "09:00-17:00", "fri": "09:00-15:00"}, "fri is given twice"),
        ({"mon": 9}, "bad opening hours 9"),
        ("mon-fri 9-5", "must be a mapping"),
    ],
)
def test_parse_hours_errors_name_the_bad_value(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_hours(spec)


def test_format_hours_is_compact():
    assert format_hours(OFFICE_9_17) == {"mon-fri": "09:00-17:00"}
    assert format_hours(CAL_24X7.hours) == {"mon-sun": "24h"}
    uk = TEMPLATE_CALENDARS["extended-uk"]
    assert format_hours(uk.hours) == {"mon-fri": "08:00-20:00", "sat": "09:00-13:00"}


@settings(max_examples=100, deadline=None)
@given(hours=st.tuples(*[day_windows() for _ in range(7)]))
def test_format_hours_parse_hours_round_trip(hours):
    normalised = Calendar("x", hours=hours).hours
    assert parse_hours(format_hours(hours)) == normalised


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("1h", 3600), ("30m", 1800), ("2d", 172800), ("1h30m", 5400), ("90 min", 5400), ("1.5h", 5400),
        ("45", 2700), ("0", 0), (" 2 h 15 min ", 8100), ("1 h 05 min", 3900), ("2 d 3 h", 183600), ("45 s", 45),
        ("1 day, 2 hours", 93600), (30, 1800),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "1x", "h", "1h30", "-5m", "1h 1h", "1..5h", "2 weeks", None, "1h;2m"])
def test_parse_duration_rejects_junk_naming_it(text):
    with pytest.raises(ValueError, match="bad duration") as exc:
        parse_duration(text)
    assert repr(text) in str(exc.value)


@pytest.mark.parametrize(
    "seconds, text",
    [
        (0, "0 s"), (45, "45 s"), (47 * 60, "47 min"), (3900, "1 h 05 min"), (3599, "1 h 00 min"),
        (2 * 86400 + 3 * H, "2 d 3 h"), (86400, "1 d"), (-120, "-2 min"), (float("nan"), "—"), (None, "—"),
    ],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@given(st.one_of(st.integers(0, 59), st.integers(1, 1439).map(lambda m: m * 60), st.integers(24, 2000).map(lambda h: h * H)))
def test_format_parse_duration_round_trip(seconds):
    assert parse_duration(format_duration(seconds)) == seconds


@given(st.floats(0, 1e8))
def test_format_duration_rounds_to_a_close_value(seconds):
    back = parse_duration(format_duration(seconds))
    tolerance = 0.5 if seconds < 59.5 else (30 if seconds < 86400 - 30 else 1800)
    assert abs(back - seconds) <= tolerance


def test_the_template_calendars_holiday_codes_are_known_to_the_holidays_package():
    """The templates' codes are not looked up on import (slacore.calendars._SHIPPED_HOLIDAY_CODES): checked here."""
    from slacore.calendars import _SHIPPED_HOLIDAY_CODES

    used = {cal.holidays for cal in TEMPLATE_CALENDARS.values() if cal.holidays}
    assert used == _SHIPPED_HOLIDAY_CODES
    for code in used:
        country, _, subdiv = code.partition("-")
        assert len(holidays_pkg.country_holidays(country, subdiv=subdiv or None, years=2025)) >= 5, code
    with pytest.raises(ValueError, match="unknown holidays code"):
        Calendar("x", holidays="XX-NOWHERE")


def test_calendar_dict_round_trip_and_templates():
    for name, cal in TEMPLATE_CALENDARS.items():
        assert cal.name == name
        assert calendar_from_dict(name, calendar_to_dict(cal)) == cal
    assert TEMPLATE_CALENDARS["24x7"].is_24x7() and not TEMPLATE_CALENDARS["office-eu"].is_24x7()
    cal = calendar_from_dict(
        "berlin",
        {"timezone": "Europe/Berlin", "hours": {"mon-fri": "09:00-17:00"}, "holidays": "de-be",
         "closed": ["2025-12-24", date(2025, 12, 31)]},
    )
    assert cal.holidays == "DE-BE" and cal.closed == (date(2025, 12, 24), date(2025, 12, 31))
    assert calendar_to_dict(cal)["closed"] == ["2025-12-24", "2025-12-31"]
    assert hash(cal) == hash(calendar_from_dict("berlin", calendar_to_dict(cal)))
    assert CAL_24X7.name == "24x7" and CAL_24X7.timezone == "UTC" and CAL_24X7.hours == ((((0, 1440),),) * 7)


@pytest.mark.parametrize(
    "d, message",
    [
        ({"timezone": "Europe/Berln"}, "unknown time zone 'Europe/Berln'"),
        ({"holidays": "XX"}, "unknown holidays code 'XX'"),
        ({"holidays": "DE-ZZ"}, "unknown holidays code 'DE-ZZ'"),
        ({"closed": ["2025-13-01"]}, "bad closed date '2025-13-01'"),
        ({"hours": {"mon": "9:00-17:00"}, "tz": "UTC"}, "unknown key"),
        ({"hours": {"mon": "closed"}}, "no opening hours"),
        ({"hours": {"mon": "9:00-5:00"}}, "ends before it starts"),
    ],
)
def test_calendar_from_dict_errors(d, message):
    with pytest.raises(ValueError, match=message) as exc:
        calendar_from_dict("support", d)
    assert "calendar 'support'" in str(exc.value)


def test_calendar_constructor_validates():
    with pytest.raises(ValueError, match="7 entries"):
        Calendar("x", hours=((),) * 6)
    with pytest.raises(ValueError, match="unknown time zone"):
        Calendar("x", "Mars/Olympus")
    with pytest.raises(ValueError, match="closed dates"):
        Calendar("x", closed=(datetime(2025, 1, 1),))


# ---------------------------------------------------------------------------------------------------------------
# The DuckDB route gives the same numbers
# ---------------------------------------------------------------------------------------------------------------


def _random_tickets(n, seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(int(ep(2025, 1, 1)), int(ep(2026, 1, 1)), n).astype(float)
    b = a + np.round(rng.lognormal(np.log(8 * H), 1.5, n))
    b[rng.random(n) < 0.1] -= 3 * 86400  # some end before start
    a[rng.random(n) < 0.05] = np.nan
    b[rng.random(n) < 0.05] = np.nan
    return a, b


@pytest.mark.parametrize("cal", [OFFICE_BERLIN, TEMPLATE_CALENDARS["office-us"], Calendar("all", "Europe/Berlin", closed=(date(2025, 5, 1),)), CAL_24X7])
def test_duckdb_asof_route_equals_numpy(cal):
    a, b = _random_tickets(5000, 1)
    con = duckdb.connect()
    df = pd.DataFrame({"id": np.arange(len(a)), "a": a, "b": b})
    con.register("src", df)
    con.execute("CREATE TABLE tickets AS SELECT id, to_timestamp(a) AS opened, to_timestamp(b) AS closed_at, 1 AS biz FROM src")
    q = business_seconds_select(con, cal, "tickets", "opened", "closed_at", "biz_new")
    got = con.execute(f"SELECT id, biz_new FROM ({q}) ORDER BY id").df()
    want = business_seconds(cal, a, b)
    assert got["id"].tolist() == list(range(len(a)))
    assert np.isnan(want).sum() > 400 and (want == 0).sum() > 400  # NULLs and clipped negatives are exercised
    np.testing.assert_array_equal(got["biz_new"].to_numpy(dtype=float, na_value=np.nan), want)
    # an existing column of the same name is replaced, not duplicated; a SELECT works as the relation too
    q2 = business_seconds_select(con, cal, "SELECT * FROM tickets WHERE id < 100", "opened", "closed_at", "biz")
    res = con.execute(f"SELECT * FROM ({q2}) ORDER BY id").df()
    assert list(res.columns) == ["id", "opened", "closed_at", "biz"]
    np.testing.assert_array_equal(res["biz"].to_numpy(dtype=float, na_value=np.nan), want[:100])


def test_register_windows_creates_the_table():
    con = duckdb.connect()
    name = register_windows(con, OFFICE_BERLIN, "win", date(2025, 1, 1), date(2025, 12, 31))
    s, e, c = open_windows(OFFICE_BERLIN, date(2025, 1, 1), date(2025, 12, 31))
    rows = con.execute(f"SELECT start_epoch, end_epoch, cum_before FROM {name} ORDER BY start_epoch").fetchnumpy()
    assert rows["start_epoch"].tolist() == s.tolist() and rows["cum_before"].tolist() == c.tolist()
    types = [r[1] for r in con.execute(f"DESCRIBE {name}").fetchall()]
    assert types == ["BIGINT"] * 3


def test_business_seconds_select_unknown_column():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT now() AS a, now() AS b")
    with pytest.raises(ValueError, match="column 'x' not found"):
        business_seconds_select(con, OFFICE_BERLIN, "t", "x", "b", "out")


# ---------------------------------------------------------------------------------------------------------------
# Agreement with the businesstimedelta package
# ---------------------------------------------------------------------------------------------------------------


def test_agrees_with_businesstimedelta_on_a_sample():
    btd = pytest.importorskip("businesstimedelta")
    pytz = pytest.importorskip("pytz")
    us = holidays_pkg.country_holidays("US", years=range(2023, 2028))
    rules = btd.Rules(
        [
            btd.WorkDayRule(start_time=time(9), end_time=time(17), working_days=[0, 1, 2, 3, 4], tz=pytz.utc),
            btd.HolidayRule(set(us), tz=pytz.utc),
        ]
    )
    cal = Calendar("us-utc", "UTC", OFFICE_9_17, "US")
    rnd = random.Random(7)
    lo, hi = int(ep(2024, 1, 1, tz=UTC)), int(ep(2026, 1, 1, tz=UTC))
    a = [rnd.randrange(lo, hi) for _ in range(2000)]
    b = [x + int(rnd.lognormvariate(math.log(8 * H), 1.2)) for x in a]
    got = business_seconds(cal, np.array(a, float), np.array(b, float))
    want = [
        rules.difference(datetime.fromtimestamp(x, UTC), datetime.fromtimestamp(y, UTC)).timedelta.total_seconds()
        for x, y in zip(a, b)
    ]
    bad = [(x, y, g, w) for x, y, g, w in zip(a, b, got, want) if abs(g - w) >= 1]
    assert not bad, bad[:5]
