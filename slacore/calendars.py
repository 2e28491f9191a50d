"""Business-hours calendars and business elapsed time, vectorised.

An SLA clock only runs while the support desk is open, so "time to first response" must be measured in
*business* seconds: the part of [start, end) that falls inside the calendar's opening hours, in the calendar's
own time zone, skipping public holidays and extra closed dates.

How it works (DST-exact by construction): a calendar is expanded over a date range into its list of open
windows as real UTC instants (int64 epoch seconds). Every local date contributes its opening windows, each end
converted from local wall time to UTC with zoneinfo, so a 00:00-24:00 window on a 23-hour DST day is 23 hours long.
With ``cum_before[i]`` = open seconds of all windows before window ``i``, the business time elapsed since the first
window is

    F(t) = cum_before[i] + clip(t - start[i], 0, end[i] - start[i]),   i = searchsorted(start, t, "right") - 1

(F = 0 before the first window), and ``business_seconds(a, b) = max(F(b) - F(a), 0)``: two binary searches and a
few array operations per ticket, no Python loop per ticket.

Local times that do not exist or are ambiguous (DST switches): an ambiguous wall time (autumn, clocks go back)
means its first occurrence (``fold=0``); a wall time that does not exist (spring, clocks jump forward) means the
instant the clocks jump, i.e. the first real instant whose wall time is at or after it. This keeps the local->UTC
map monotonic, so windows never invert or overlap (a plain ``fold=0`` would map 02:30 to 03:30 on a spring-forward
day while 03:00 stays 03:00). Opening hours fall in a DST gap only in rare set-ups (night shifts).

Two routes compute the same numbers (tests check they agree to the second):

* ``business_seconds`` / ``business_seconds_df``: numpy over epoch-second arrays. **Recommended**: it is the
  faster route in ``bench/bench_business_time.py`` (1M tickets, Berlin office calendar with DE-BE holidays, 2 cores:
  0.16 s numpy against 0.29 s for DuckDB writing a table; even fetching both timestamp columns out of DuckDB first,
  numpy takes 0.20 s). The goal is 0.5 s.
* ``business_seconds_select``: a DuckDB query with two ASOF LEFT JOINs against a TEMP table of windows
  (``register_windows``), for when the tickets live in DuckDB and the result should stay there (SQL metrics).

Durations shown to users and SLA thresholds use ``format_duration`` / ``parse_duration``, where a "day" is 24 hours
of *open* time (see ``parse_duration``).
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:  # numpy, pandas and holidays load where a calendar is expanded or measured, not on import
    import numpy as np
    import pandas as pd

__all__ = [
    "Calendar",
    "CAL_24X7",
    "TEMPLATE_CALENDARS",
    "parse_hours",
    "format_hours",
    "calendar_from_dict",
    "calendar_to_dict",
    "holiday_dates",
    "open_windows",
    "business_seconds",
    "business_seconds_df",
    "format_duration",
    "parse_duration",
    "register_windows",
    "business_seconds_select",
]

MINUTES_PER_DAY = 1440
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ALL_DAY = ((0, MINUTES_PER_DAY),)
_ALWAYS_OPEN = (_ALL_DAY,) * 7

# Dates outside this range are refused rather than silently mis-counted (they are almost always parse errors,
# and the expansion is one entry per local day).
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2199, 12, 31)


# --------------------------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------------------------


def _normalise_day(day_index: int, windows) -> tuple:
    """Sorted, validated windows of one weekday; touching windows are merged so equal calendars compare equal."""
    try:
        pairs = [(int(s), int(e)) for s, e in windows]
    except (TypeError, ValueError):
        raise ValueError(
            f"{DAY_NAMES[day_index]}: opening windows must be (start_minute, end_minute) pairs, got {windows!r}"
        ) from None
    pairs.sort()
    merged: list[list[int]] = []
    for s, e in pairs:
        if not (0 <= s < e <= MINUTES_PER_DAY):
            raise ValueError(
                f"{DAY_NAMES[day_index]}: window {_fmt_window((s, e))!r} is not a window within one day "
                "(start before end, 00:00..24:00; split overnight shifts at midnight)"
            )
        if merged and s < merged[-1][1]:
            raise ValueError(
                f"{DAY_NAMES[day_index]}: windows {_fmt_window(tuple(merged[-1]))!r} and {_fmt_window((s, e))!r} overlap"
            )
        if merged and s == merged[-1][1]:
            merged[-1][1] = e
        else:
            merged.append([s, e])
    return tuple((s, e) for s, e in merged)


def _split_holiday_code(code: str) -> tuple[str, str | None]:
    country, _, subdiv = code.partition("-")
    return country, (subdiv or None)


# The template calendars' codes (TEMPLATE_CALENDARS): known to the holidays package (tests/test_calendars.py checks
# it), so building the templates on import needs neither the package (~0.07 s) nor its lookups (~0.07 s).
_SHIPPED_HOLIDAY_CODES = frozenset({"DE", "US", "GB-ENG"})


@functools.lru_cache(maxsize=256)
def _check_holiday_code(code: str) -> None:
    if code in _SHIPPED_HOLIDAY_CODES:
        return
    import holidays as holidays_pkg

    country, subdiv = _split_holiday_code(code)
    try:
        holidays_pkg.country_holidays(country, subdiv=subdiv)
    except (NotImplementedError, KeyError, ValueError) as exc:
        raise ValueError(
            f"unknown holidays code {code!r} ({exc}); use a country code with an optional subdivision, "
            "e.g. 'DE', 'DE-BE', 'US', 'US-CA', 'GB-SCT'"
        ) from None


@functools.lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin', 'America/New_York' or 'UTC'"
        ) from None


@dataclass(frozen=True)
class Calendar:
    """When the SLA clock runs: weekly opening hours in a time zone, minus public holidays and closed dates.

    ``hours`` has 7 entries, Monday=0 .. Sunday=6, each a tuple of ``(start_minute, end_minute)`` windows in
    minutes since local midnight (end may be 1440 = 24:00). Windows are sorted and touching ones merged on
    construction, so two calendars with the same meaning are equal (and hash equal, which the window cache uses).
    The default ``hours`` is open around the clock. ``holidays`` is a ``holidays``-package code such as ``"DE-BE"``.
    """

    name: str
    timezone: str = "UTC"
    hours: tuple = _ALWAYS_OPEN
    holidays: str | None = None
    closed: tuple = field(default=())

    def __post_init__(self):
        hours = tuple(self.hours)
        if len(hours) != 7:
            raise ValueError(f"hours must have 7 entries (Monday..Sunday), got {len(hours)}")
        object.__setattr__(self, "hours", tuple(_normalise_day(i, day) for i, day in enumerate(hours)))
        _zone(self.timezone)
        if self.holidays is not None:
            code = str(self.holidays).strip().upper()
            if not code:
                code = None
            else:
                _check_holiday_code(code)
            object.__setattr__(self, "holidays", code)
        closed = []
        for d in self.closed:
            if isinstance(d, datetime) or not isinstance(d, date):
                raise ValueError(f"closed dates must be datetime.date values, got {d!r}")
            closed.append(d)
        object.__setattr__(self, "closed", tuple(sorted(set(closed))))

    def is_24x7(self) -> bool:
        """True when every real second is business time, so business time is plain elapsed time (fast path)."""
        return self.hours == _ALWAYS_OPEN and self.holidays is None and not self.closed


CAL_24X7 = Calendar("24x7")

_WEEKDAYS = tuple(range(5))


def _weekly(windows_by_day: dict[int, tuple]) -> tuple:
    return tuple(windows_by_day.get(i, ()) for i in range(7))


TEMPLATE_CALENDARS: dict[str, Calendar] = {
    "24x7": CAL_24X7,
    "office-eu": Calendar(
        "office-eu", "Europe/Berlin", _weekly({d: ((9 * 60, 17 * 60),) for d in _WEEKDAYS}), holidays="DE"
    ),
    "office-us": Calendar(
        "office-us", "America/New_York", _weekly({d: ((8 * 60, 18 * 60),) for d in _WEEKDAYS}), holidays="US"
    ),
    # GB without a subdivision only knows the UK-wide days (no Easter Monday, no August bank holiday), so the
    # London preset uses England's list.
    "extended-uk": Calendar(
        "extended-uk",
        "Europe/London",
        _weekly({**{d: ((8 * 60, 20 * 60),) for d in _WEEKDAYS}, 5: ((9 * 60, 13 * 60),)}),
        holidays="GB-ENG",
    ),
}


# --------------------------------------------------------------------------------------------------------------
# Opening hours: YAML form <-> tuples
# --------------------------------------------------------------------------------------------------------------

_TIME_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_CLOSED_WORDS = {"closed", "off", "none", ""}
_WHOLE_DAY_WORDS = {"24h", "24/7", "24x7", "all day"}


def _fmt_minute(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


def _fmt_window(w: tuple) -> str:
    return f"{_fmt_minute(w[0])}-{_fmt_minute(w[1])}"


def _parse_time(text: str, context: str) -> int:
    m = _TIME_RE.match(text)
    if not m:
        raise ValueError(f"{context}: bad time {text.strip()!r}, expected HH:MM such as '09:00'")
    h, mi = int(m.group(1)), int(m.group(2))
    if mi > 59 or h > 24 or (h == 24 and mi != 0):
        raise ValueError(f"{context}: bad time {text.strip()!r}, expected 00:00..24:00")
    return h * 60 + mi


def _day_index(name: str, key: str) -> int:
    n = name.strip().lower()
    if n in DAY_NAMES:
        return DAY_NAMES.index(n)
    if n in _FULL_DAY_NAMES:
        return _FULL_DAY_NAMES.index(n)
    raise ValueError(f"unknown day {name.strip()!r} in hours key {key!r}; use mon, tue, wed, thu, fri, sat, sun or a range like mon-fri")


def _days_of_key(key) -> list[int]:
    if not isinstance(key, str):
        raise ValueError(f"hours key {key!r} is not a day name; use e.g. 'mon-fri', 'sat', 'sun'")
    days: list[int] = []
    for part in key.split(","):
        if "-" in part:
            a, _, b = part.partition("-")
            i, j = _day_index(a, key), _day_index(b, key)
            days.extend(((i + k) % 7) for k in range((j - i) % 7 + 1))  # ranges may wrap: sat-mon
        else:
            days.append(_day_index(part, key))
    return days


def _parse_windows(value, key: str) -> tuple:
    if value is None or value is False:
        return ()
    if isinstance(value, (list, tuple)):
        parts = []
        for v in value:
            if not isinstance(v, str):
                raise ValueError(f"{key}: bad opening window {v!r}, expected a string like '09:00-17:00'")
            parts.extend(v.split(","))
    elif isinstance(value, str):
        if value.strip().lower() in _CLOSED_WORDS:
            return ()
        parts = value.split(",")
    else:
        raise ValueError(f"{key}: bad opening hours {value!r}, expected e.g. '09:00-17:00', '24h' or 'closed'")
    windows = []
    for part in parts:
        p = part.strip()
        if p.lower() in _WHOLE_DAY_WORDS:
            windows.append((0, MINUTES_PER_DAY))
            continue
        a, sep, b = p.partition("-")
        if not sep:
            raise ValueError(f"{key}: bad opening window {p!r}, expected START-END such as '09:00-17:00'")
        s, e = _parse_time(a, key), _parse_time(b, key)
        if e <= s:
            raise ValueError(
                f"{key}: window {p!r} ends before it starts; split overnight shifts at midnight "
                "(e.g. mon: '22:00-24:00', tue: '00:00-06:00')"
            )
        windows.append((s, e))
    return tuple(windows)


def parse_hours(spec: dict) -> tuple:
    """Weekly hours from the YAML form, e.g. ``{"mon-fri": "09:00-17:00", "sat": "10:00-14:00", "sun": "closed"}``.

    Keys are day names (mon..sun), ranges (``mon-fri``, ``sat-sun``) or comma lists of those; values are
    ``"HH:MM-HH:MM"`` windows separated by commas, ``"24h"`` (or ``"00:00-24:00"``) for the whole day, or
    ``"closed"``. Days not mentioned are closed; a day mentioned twice is an error (no silent override).
    """
    if not isinstance(spec, dict):
        raise ValueError(f"hours must be a mapping like {{'mon-fri': '09:00-17:00'}}, got {spec!r}")
    by_day: dict[int, tuple] = {}
    key_of_day: dict[int, str] = {}
    for key, value in spec.items():
        windows = _parse_windows(value, str(key))
        for d in _days_of_key(key):
            if d in by_day:
                raise ValueError(f"hours: {DAY_NAMES[d]} is given twice (in {key_of_day[d]!r} and {key!r})")
            by_day[d] = windows
            key_of_day[d] = key
    return tuple(_normalise_day(i, by_day.get(i, ())) for i in range(7))


def format_hours(hours: tuple) -> dict:
    """The compact YAML form of ``hours``: consecutive days with equal windows grouped, closed days left out."""
    hours = tuple(_normalise_day(i, day) for i, day in enumerate(hours))
    out: dict[str, str] = {}
    i = 0
    while i < 7:
        j = i
        while j + 1 < 7 and hours[j + 1] == hours[i]:
            j += 1
        if hours[i]:
            key = DAY_NAMES[i] if i == j else f"{DAY_NAMES[i]}-{DAY_NAMES[j]}"
            out[key] = ", ".join("24h" if w == (0, MINUTES_PER_DAY) else _fmt_window(w) for w in hours[i])
        i = j + 1
    return out


def _parse_date(value) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"closed date {value!r} has a time; give a date like '2025-12-24'")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"bad closed date {value!r}; use ISO dates like '2025-12-24'")


_DICT_KEYS = ("timezone", "hours", "holidays", "closed")


def calendar_from_dict(name: str, d: dict) -> Calendar:
    """A validated Calendar from its YAML/JSON form ``{timezone, hours, holidays, closed}``.

    Every problem (unknown key, time zone, holidays code, bad hours or date) is a ValueError naming the bad value,
    prefixed with the calendar name so a config file with several calendars points at the right one.
    """
    if not isinstance(d, dict):
        raise ValueError(f"calendar {name!r}: expected a mapping with keys {', '.join(_DICT_KEYS)}")
    try:
        extra = set(d) - set(_DICT_KEYS) - {"name"}
        if extra:
            raise ValueError(f"unknown key(s) {', '.join(sorted(map(str, extra)))}; allowed: {', '.join(_DICT_KEYS)}")
        if "name" in d and d["name"] != name:
            raise ValueError(f"name {d['name']!r} differs from {name!r}")
        tz = d.get("timezone") or "UTC"
        if not isinstance(tz, str):
            raise ValueError(f"timezone must be a string, got {tz!r}")
        _zone(tz)
        hours = parse_hours(d["hours"]) if d.get("hours") is not None else _ALWAYS_OPEN
        if not any(hours):
            raise ValueError("hours: no opening hours at all (every day closed)")
        hol = d.get("holidays")
        if hol is not None and not isinstance(hol, str):
            raise ValueError(f"holidays must be a code like 'DE-BE' or 'US', got {hol!r}")
        closed = d.get("closed") or ()
        if isinstance(closed, (str, date)):
            closed = [closed]
        return Calendar(name, tz, hours, hol, tuple(_parse_date(x) for x in closed))
    except ValueError as exc:
        raise ValueError(f"calendar {name!r}: {exc}") from None


def calendar_to_dict(cal: Calendar) -> dict:
    """The YAML/JSON form of a calendar (without its name): ``calendar_from_dict(cal.name, ...)`` gives it back."""
    out: dict = {"timezone": cal.timezone, "hours": format_hours(cal.hours)}
    if cal.holidays:
        out["holidays"] = cal.holidays
    if cal.closed:
        out["closed"] = [d.isoformat() for d in cal.closed]
    return out


# --------------------------------------------------------------------------------------------------------------
# Expansion into open windows
# --------------------------------------------------------------------------------------------------------------


def holiday_dates(cal: Calendar, start: date, end: date) -> set[date]:
    """Local dates in [start, end] (inclusive) on which the calendar is closed all day: public holidays + closed."""
    import holidays as holidays_pkg
    out = {d for d in cal.closed if start <= d <= end}
    if cal.holidays and start <= end:
        country, subdiv = _split_holiday_code(cal.holidays)
        hol = holidays_pkg.country_holidays(country, subdiv=subdiv, years=range(start.year, end.year + 1))
        out.update(d for d in hol if start <= d <= end)
    return out


def _local_to_epoch(day: date, minute: int, tz: ZoneInfo) -> int:
    """Epoch seconds of local wall time ``day`` + ``minute``: first occurrence if ambiguous, the jump if missing."""
    if minute >= MINUTES_PER_DAY:
        day, minute = day + timedelta(days=1), minute - MINUTES_PER_DAY
    wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
    u0 = int(wall.replace(tzinfo=tz).timestamp())  # fold=0
    if datetime.fromtimestamp(u0, tz).replace(tzinfo=None) == wall:
        return u0
    # The wall time falls in a gap: return the first instant whose wall time is >= it, i.e. the transition.
    lo = int(wall.replace(tzinfo=tz, fold=1).timestamp())  # before the transition, wall time < `wall`
    hi = u0  # after the transition
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid
    return hi


class _Windows:
    """Expanded windows of one (calendar, date range), with the float copies the numpy route searches in."""

    __slots__ = ("start", "end", "cum_before", "start_f", "dur_f", "cum_f")

    def __init__(self, start: np.ndarray, end: np.ndarray, cum_before: np.ndarray):
        import numpy as np
        self.start, self.end, self.cum_before = start, end, cum_before
        self.start_f = start.astype(np.float64)
        self.dur_f = (end - start).astype(np.float64)
        self.cum_f = cum_before.astype(np.float64)
        for a in (self.start, self.end, self.cum_before, self.start_f, self.dur_f, self.cum_f):
            a.flags.writeable = False  # shared through the cache


@functools.lru_cache(maxsize=64)
def _expand(cal: Calendar, start: date, end: date) -> _Windows:
    import numpy as np
    tz = _zone(cal.timezone)
    off = holiday_dates(cal, start, end)
    starts: list[int] = []
    ends: list[int] = []
    day = start
    one = timedelta(days=1)
    while day <= end:
        if day not in off:
            for s, e in cal.hours[day.weekday()]:
                us, ue = _local_to_epoch(day, s, tz), _local_to_epoch(day, e, tz)
                if ue > us:
                    starts.append(us)
                    ends.append(ue)
        day += one
    s_arr = np.asarray(starts, dtype=np.int64)
    e_arr = np.asarray(ends, dtype=np.int64)
    if len(s_arr):
        order = np.argsort(s_arr, kind="stable")
        s_arr, e_arr = s_arr[order], e_arr[order]
        # Union of touching/overlapping windows (24x7 days back to back become one window).
        run_end = np.maximum.accumulate(e_arr)
        new = np.empty(len(s_arr), dtype=bool)
        new[0] = True
        new[1:] = s_arr[1:] > run_end[:-1]
        first = np.flatnonzero(new)
        last = np.append(first[1:], len(s_arr)) - 1
        s_arr, e_arr = s_arr[first], run_end[last]
    dur = e_arr - s_arr
    cum = np.zeros(len(s_arr), dtype=np.int64)
    if len(dur) > 1:
        np.cumsum(dur[:-1], out=cum[1:])
    return _Windows(s_arr, e_arr, cum)


def _check_range(start: date, end: date) -> None:
    if start < MIN_DATE or end > MAX_DATE:
        raise ValueError(f"dates {start}..{end} are outside the supported range {MIN_DATE}..{MAX_DATE}")


def open_windows(cal: Calendar, start: date, end: date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Open windows on local dates [start, end] as sorted int64 arrays (start_epoch, end_epoch, cum_before).

    ``cum_before[i]`` is the open seconds of all windows before window ``i``. The arrays are cached per
    (calendar, range) and read-only.
    """
    _check_range(start, end)
    w = _expand(cal, start, end)
    return w.start, w.end, w.cum_before


_EPOCH_DAY0 = date(1970, 1, 1)


def _cover_range(lo: float, hi: float) -> tuple[date, date]:
    """Local dates to expand so every instant in [lo, hi] is covered in any time zone (UTC offsets are < 2 days).

    Widened to whole years so that filtered subsets of the same tickets reuse the cached expansion.
    """
    if not (-1e12 < lo <= hi < 1e12):
        raise ValueError(f"timestamps {lo}..{hi} are not epoch seconds within {MIN_DATE}..{MAX_DATE}")
    d0 = _EPOCH_DAY0 + timedelta(days=math.floor(lo / 86400) - 2)
    d1 = _EPOCH_DAY0 + timedelta(days=math.floor(hi / 86400) + 2)
    start, end = date(d0.year, 1, 1), date(d1.year, 12, 31)
    _check_range(start, end)
    return start, end


def _as_epoch_array(x) -> np.ndarray:
    import numpy as np
    a = np.asarray(x)
    if a.dtype.kind == "M":
        nat = np.isnat(a)
        out = a.astype("datetime64[us]").astype(np.int64).astype(np.float64) / 1e6
        out[nat] = np.nan
        return out
    return a.astype(np.float64, copy=False)


def _elapsed_business(w: _Windows, t: np.ndarray) -> np.ndarray:
    """F(t): open seconds from the first window up to t (NaN stays NaN)."""
    import numpy as np
    idx = np.searchsorted(w.start_f, t, side="right") - 1
    np.maximum(idx, 0, out=idx)  # before the first window: t - start[0] < 0 clips to 0, and cum_before[0] = 0
    f = t - w.start_f[idx]
    np.clip(f, 0.0, w.dur_f[idx], out=f)
    f += w.cum_f[idx]
    return f


def business_seconds(cal: Calendar, start_epoch, end_epoch) -> np.ndarray:
    """Business seconds between two float64 arrays of epoch seconds (vectorised; NaN in -> NaN out; >= 0).

    The calendar is expanded over the inputs' date range (whole years, cached), so no caller has to know it.
    ``end < start`` gives 0: a clock that was stopped before it started has measured nothing.
    """
    import numpy as np
    a, b = np.broadcast_arrays(_as_epoch_array(start_epoch), _as_epoch_array(end_epoch))
    shape = a.shape
    a, b = a.ravel(), b.ravel()
    if cal.is_24x7():
        out = b - a
    else:
        lo = min(np.fmin.reduce(a, initial=np.inf), np.fmin.reduce(b, initial=np.inf))  # NaN-ignoring
        hi = max(np.fmax.reduce(a, initial=-np.inf), np.fmax.reduce(b, initial=-np.inf))
        w = _expand(cal, *_cover_range(float(lo), float(hi))) if lo <= hi else None
        if w is None or len(w.start) == 0:  # nothing to measure: empty, every value missing, or never open
            out = np.where(np.isnan(a) | np.isnan(b), np.nan, 0.0)
        else:
            out = _elapsed_business(w, b)
            out -= _elapsed_business(w, a)
    np.maximum(out, 0.0, out=out)  # keeps NaN
    return out.reshape(shape)


def _series_epoch(s: pd.Series, what: str) -> np.ndarray:
    import numpy as np
    import pandas as pd
    s = pd.Series(s)
    if not isinstance(s.dtype, pd.DatetimeTZDtype):
        if s.isna().all():
            return np.full(len(s), np.nan)
        raise ValueError(f"{what} must be a time-zone-aware datetime Series (got dtype {s.dtype}); tz_localize it first")
    return (s - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)


def business_seconds_df(cal: Calendar, starts: pd.Series, ends: pd.Series) -> np.ndarray:
    """``business_seconds`` for tz-aware pandas datetime Series (NaT -> NaN); naive datetimes are refused."""
    return business_seconds(cal, _series_epoch(starts, "starts"), _series_epoch(ends, "ends"))


# --------------------------------------------------------------------------------------------------------------
# Durations shown to users
# --------------------------------------------------------------------------------------------------------------


def format_duration(seconds: float) -> str:
    """Business time for people: "45 s", "47 min", "1 h 05 min", "2 d 3 h" (a "d" is 24 h of open time).

    Rounded to the minute below a day and to the hour from a day on; missing values show as "—".
    """
    try:
        seconds = float(seconds)
    except (TypeError, ValueError):
        return "—"
    if math.isnan(seconds):
        return "—"
    sign = "-" if seconds < 0 else ""
    s = abs(seconds)
    if s < 59.5:
        return f"{sign}{int(s + 0.5)} s"
    minutes = int(s / 60 + 0.5)
    if minutes < 60:
        return f"{sign}{minutes} min"
    if minutes < 24 * 60:
        return f"{sign}{minutes // 60} h {minutes % 60:02d} min"
    hours = int(s / 3600 + 0.5)
    d, h = divmod(hours, 24)
    return f"{sign}{d} d" + (f" {h} h" if h else "")


_UNIT_SECONDS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}
_DURATION_TOKEN = re.compile(r"(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)")
_DURATION_ERROR = "bad duration {!r}; use e.g. '45' (minutes), '30m', '1h30m', '1.5h', '90 min', '2d'"


def parse_duration(text: str) -> int:
    """Seconds from an SLA threshold such as "45" (minutes), "30m", "1h30m", "1.5h", "90 min", "2d".

    Units: s, m/min, h, d (and their long forms). "d" is 24 hours of *business* time, which is a calendar day only
    for 24x7 calendars: on a 09:00-17:00 calendar "2d" is six working days, so give office thresholds in hours
    ("16h" = two working days). Raises ValueError for anything else.
    """
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise ValueError(_DURATION_ERROR.format(text))
    raw = str(text)
    t = raw.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", t):
        return int(round(float(t) * 60))
    pos = 0
    total = 0.0
    seen: set[int] = set()
    for m in _DURATION_TOKEN.finditer(t):
        gap = t[pos:m.start()]
        if gap.strip(" ,"):
            raise ValueError(_DURATION_ERROR.format(raw))
        unit = _UNIT_SECONDS.get(m.group(2))
        if unit is None or unit in seen:
            raise ValueError(_DURATION_ERROR.format(raw))
        seen.add(unit)
        total += float(m.group(1)) * unit
        pos = m.end()
    if not seen or t[pos:].strip(" ,"):
        raise ValueError(_DURATION_ERROR.format(raw))
    return int(round(total))


# --------------------------------------------------------------------------------------------------------------
# DuckDB route
# --------------------------------------------------------------------------------------------------------------


def _quote_ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def register_windows(con, cal: Calendar, name: str, start: date, end: date) -> str:
    """Create or replace TEMP table ``name`` (start_epoch, end_epoch, cum_before BIGINT) from ``open_windows``."""
    import numpy as np
    import pandas as pd
    s, e, c = open_windows(cal, start, end)
    df = pd.DataFrame({"start_epoch": s.astype(np.int64), "end_epoch": e.astype(np.int64), "cum_before": c.astype(np.int64)})
    view = f"__slacal_src_{abs(hash((cal, start, end)))}"
    con.register(view, df)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_quote_ident(name)} AS "
            f"SELECT start_epoch::BIGINT AS start_epoch, end_epoch::BIGINT AS end_epoch, cum_before::BIGINT AS cum_before "
            f"FROM {view} ORDER BY start_epoch"
        ).fetchall()
    finally:
        con.unregister(view)
    return name


_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def business_seconds_select(con, cal: Calendar, relation_sql: str, start_col: str, end_col: str, out_col: str) -> str:
    """SQL selecting ``*`` from ``relation_sql`` plus ``out_col`` = business seconds between two timestamp columns.

    For tickets that live in DuckDB: registers the calendar's windows for the relation's date range as a TEMP
    table on ``con`` and returns a query with two ASOF LEFT JOINs (an expression cannot hold a join). NULL -> NULL;
    TIMESTAMP without time zone is taken as UTC. ``relation_sql`` is a table/view name or a SELECT; row order is
    not preserved (the joins reorder), so keep a key column. Same numbers as ``business_seconds``.
    """
    rel = relation_sql.strip().rstrip(";")
    rel_q = f"SELECT * FROM {rel}" if _IDENT_RE.match(rel) else rel
    a_col, b_col, out_q = _quote_ident(start_col), _quote_ident(end_col), _quote_ident(out_col)
    # Every result is fetched to the end: DuckDB refuses other work on a connection with an unfinished result.
    res = con.execute(f"SELECT * FROM ({rel_q}) LIMIT 0")
    cols = [d[0] for d in res.description]
    res.fetchall()
    for c in (start_col, end_col):
        if c not in cols:
            raise ValueError(f"column {c!r} not found in the relation (columns: {', '.join(cols)})")
    lo, hi = con.execute(
        f"SELECT least(min(epoch({a_col})), min(epoch({b_col}))), greatest(max(epoch({a_col})), max(epoch({b_col}))) "
        f"FROM ({rel_q})"
    ).fetchall()[0]
    if cal.is_24x7():  # business time is elapsed time: no join needed
        # (DuckDB's greatest() skips NULLs, so a missing end would become 0 without the CASE)
        w_expr = f"CASE WHEN {a_col} IS NULL OR {b_col} IS NULL THEN NULL ELSE greatest(epoch({b_col}) - epoch({a_col}), 0.0) END"
        if out_col in cols:
            return f"SELECT * REPLACE ({w_expr} AS {out_q}) FROM ({rel_q})"
        return f"SELECT *, {w_expr} AS {out_q} FROM ({rel_q})"
    if lo is None:  # no timestamps at all: one empty window far away keeps the query valid
        start = end = date(2000, 1, 1)
    else:
        start, end = _cover_range(float(lo), float(hi))
    digest = hashlib.sha1(repr((cal, start, end)).encode()).hexdigest()[:16]
    wname = f"__slacal_w_{digest}"
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", [wname]
    ).fetchall()[0][0]
    if not exists:
        register_windows(con, cal, wname, start, end)

    def f(t: str, w: str) -> str:
        return (
            f"CASE WHEN {t} IS NULL THEN NULL WHEN {w}.start_epoch IS NULL THEN 0.0 "
            f"ELSE {w}.cum_before + least({t} - {w}.start_epoch, {w}.end_epoch - {w}.start_epoch) END"
        )

    fa, fb = f("__bs_r.__bs_a", "__bs_wa"), f("__bs_r.__bs_b", "__bs_wb")
    expr = f"CASE WHEN __bs_r.__bs_a IS NULL OR __bs_r.__bs_b IS NULL THEN NULL ELSE greatest(({fb}) - ({fa}), 0.0) END"
    if out_col in cols:
        select = f"__bs_r.* EXCLUDE (__bs_a, __bs_b) REPLACE ({expr} AS {out_q})"
    else:
        select = f"__bs_r.* EXCLUDE (__bs_a, __bs_b), {expr} AS {out_q}"
    return (
        f"SELECT {select} FROM (SELECT *, epoch({a_col}) AS __bs_a, epoch({b_col}) AS __bs_b FROM ({rel_q})) AS __bs_r "
        f"ASOF LEFT JOIN {wname} AS __bs_wa ON __bs_r.__bs_a >= __bs_wa.start_epoch "
        f"ASOF LEFT JOIN {wname} AS __bs_wb ON __bs_r.__bs_b >= __bs_wb.start_epoch"
    )
