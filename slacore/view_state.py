"""The filter bar's state: period preset, dates, team, priority, channel, customer, data-quality exclusion.

It lives in the URL (st.query_params) so a copied link reopens the same view; this module turns it to and from
plain query-parameter strings and resolves period presets to dates. Presets are relative to a reference day (the
as-of day of the data, so an old export still shows its own "last 30 days").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from .scope import FILTER_DIMENSIONS

PRESETS = {
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "this_month": "This month",
    "last_month": "Last month",
    "this_quarter": "This quarter",
    "last_quarter": "Last quarter",
    "custom": "Custom",
}
DEFAULT_PRESET = "90d"
LIST_KEYS = FILTER_DIMENSIONS  # the URL keys of the filter bar's lists
FILTER_KEYS = ("period", "from", "to", "exclude", *LIST_KEYS)  # query parameters the bar owns


@dataclass(frozen=True)
class ViewState:
    preset: str = DEFAULT_PRESET
    start: date | None = None  # custom only
    end: date | None = None
    team: tuple = ()
    priority: tuple = ()
    channel: tuple = ()
    customer: tuple = ()
    exclude_suspicious: bool = False
    extra: tuple = field(default=())  # page-specific (key, value) pairs kept in the URL

    def get(self, key: str, default: str | None = None) -> str | None:
        return dict(self.extra).get(key, default)

    def with_extra(self, **values) -> "ViewState":
        merged = dict(self.extra)
        for k, v in values.items():
            if v is None or v == "":
                merged.pop(k, None)
            else:
                merged[k] = str(v)
        return replace(self, extra=tuple(sorted(merged.items())))


def _quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def _month_start(d: date) -> date:
    return date(d.year, d.month, 1)


def period(state: ViewState, today: date) -> tuple[date, date]:
    """Inclusive (start, end) dates of the state's period, relative to `today` (the data's as-of day)."""
    p = state.preset
    if p == "custom" and state.start and state.end:
        return (state.start, state.end) if state.start <= state.end else (state.end, state.start)
    if p in ("7d", "30d", "90d"):
        days = int(p[:-1])
        return today - timedelta(days=days - 1), today
    if p == "this_month":
        return _month_start(today), today
    if p == "last_month":
        end = _month_start(today) - timedelta(days=1)
        return _month_start(end), end
    if p == "this_quarter":
        return _quarter_start(today), today
    if p == "last_quarter":
        end = _quarter_start(today) - timedelta(days=1)
        return _quarter_start(end), end
    return today - timedelta(days=89), today


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The equal-length period right before (for deltas)."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def same_period_last_year(start: date, end: date) -> tuple[date, date]:
    def shift(d: date) -> date:
        try:
            return d.replace(year=d.year - 1)
        except ValueError:  # 29 February
            return d.replace(year=d.year - 1, day=28)
    return shift(start), shift(end)


def from_params(params: dict) -> ViewState:
    """Parse query parameters leniently: anything malformed falls back to the default (a bad link still opens)."""
    def one(key):
        value = params.get(key)
        if isinstance(value, list):
            value = value[-1] if value else None
        return value

    def day(key):
        try:
            return date.fromisoformat(one(key)) if one(key) else None
        except ValueError:
            return None

    preset = one("period") or DEFAULT_PRESET
    if preset not in PRESETS:
        preset = DEFAULT_PRESET
    lists = {}
    for key in LIST_KEYS:
        raw = one(key)
        lists[key] = tuple(v for v in (raw.split("|") if raw else []) if v)
    known = set(FILTER_KEYS)
    extra = tuple(sorted((k, one(k)) for k in params if k not in known and one(k) is not None))
    return ViewState(preset=preset, start=day("from"), end=day("to"), exclude_suspicious=one("exclude") == "1",
                     extra=extra, **lists)


def to_params(state: ViewState) -> dict[str, str]:
    """Query parameters for a state (defaults omitted, so a plain link stays short)."""
    out: dict[str, str] = {}
    if state.preset != DEFAULT_PRESET:
        out["period"] = state.preset
    if state.preset == "custom":
        if state.start:
            out["from"] = state.start.isoformat()
        if state.end:
            out["to"] = state.end.isoformat()
    for key in LIST_KEYS:
        values = getattr(state, key)
        if values:
            out[key] = "|".join(values)
    if state.exclude_suspicious:
        out["exclude"] = "1"
    out.update(dict(state.extra))
    return out
