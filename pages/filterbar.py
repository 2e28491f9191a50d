"""The one filter bar every analysis page shows; its state lives in the URL (st.query_params)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import streamlit as st

from slacore import overview, quality
from slacore.scope import DIMENSION_LABELS, FILTER_DIMENSIONS, Filters, default_as_of
from slacore.view_state import FILTER_KEYS, PRESETS, ViewState, from_params, period, to_params

PREFIX = "fb-"


@dataclass
class View:
    state: ViewState
    start: date
    end: date
    as_of: object
    filters: Filters
    note: str  # shown on every chart while suspicious tickets are excluded ("" otherwise)

    def key(self) -> str:
        """A small cache key for this view."""
        return repr((self.state, self.start, self.end, self.as_of))


@st.cache_data(show_spinner=False, max_entries=64)
def _options(db: str, version: int) -> dict:
    from pages.shared import get_store
    return overview.dimension_values(get_store())


@st.cache_data(show_spinner=False, max_entries=16)
def _as_of(db: str, version: int):
    from pages.shared import get_store
    return default_as_of(get_store())


@st.cache_data(show_spinner=False, max_entries=16)
def _suspicious(db: str, version: int) -> int:
    from pages.shared import get_store
    return quality.suspicious_count(get_store())


SHARED = "filterbar-state"  # the bar's state for this browser session, shared by every page


def _write_params(state: ViewState) -> None:
    st.query_params.from_dict(to_params(state))


def _has_filter_params(params: dict) -> bool:
    return any(key in params for key in FILTER_KEYS)


def _state_in_force() -> ViewState:
    """The filter bar is one bar for every page of a session. Moving between pages from the sidebar clears the
    URL, so the session keeps the bar's state and puts it back; a URL that names filters (a pasted link, or the
    page's own parameters) wins over it. Page-specific settings (`extra`) always come from the URL."""
    params = st.query_params.to_dict()
    from_url = from_params(params)
    shared = st.session_state.get(SHARED)
    if shared is None or _has_filter_params(params):
        state = from_url
    else:
        state = replace(shared, extra=from_url.extra)
    st.session_state[SHARED] = replace(state, extra=())
    if to_params(state) != params:
        _write_params(state)
    return state


def _state_from_widgets(current: ViewState) -> ViewState:
    ss = st.session_state
    return replace(
        current,
        preset=ss[PREFIX + "period"],
        start=ss.get(PREFIX + "from") if ss[PREFIX + "period"] == "custom" else None,
        end=ss.get(PREFIX + "to") if ss[PREFIX + "period"] == "custom" else None,
        **{key: tuple(ss[PREFIX + key]) for key in FILTER_DIMENSIONS},
        exclude_suspicious=bool(ss[PREFIX + "exclude"]),
    )


def set_extra(**values) -> None:
    """Page-specific view settings (grain, selected target...) kept in the URL too."""
    state = _state_in_force().with_extra(**values)
    _write_params(state)


def filter_bar(store) -> View:
    """Render the bar (once per page, at the top) and return the view it describes."""
    state = _state_in_force()
    options = _options(str(store.path), store.version)
    as_of = _as_of(str(store.path), store.version)
    today = as_of.date()
    start, end = period(state, today)
    ss = st.session_state
    # The widgets always show the state in force: Streamlit drops a widget's value when a page without it runs,
    # so they are set from the state on every run (never left to fall back to their first option).
    ss[PREFIX + "period"] = state.preset
    ss[PREFIX + "from"], ss[PREFIX + "to"] = start, end
    for key in FILTER_DIMENSIONS:
        ss[PREFIX + key] = [v for v in getattr(state, key) if v in options[key]]
    ss[PREFIX + "exclude"] = state.exclude_suspicious

    def changed():
        new = _state_from_widgets(_state_in_force())
        _write_params(new)
        ss[SHARED] = replace(new, extra=())

    with st.container(border=True):
        cols = st.columns([1.2, *[1] * (len(FILTER_DIMENSIONS) - 1), 1.3])
        cols[0].selectbox("Period", list(PRESETS), format_func=PRESETS.get, key=PREFIX + "period",
                          on_change=changed)
        for col, key in zip(cols[1:], FILTER_DIMENSIONS):
            col.multiselect(DIMENSION_LABELS[key], options[key], key=PREFIX + key, on_change=changed, placeholder="All")
        lower = st.columns([1.2, 1, 2.3])
        if state.preset == "custom":
            lower[0].date_input("From", key=PREFIX + "from", on_change=changed)
            lower[1].date_input("To", key=PREFIX + "to", on_change=changed)
        else:
            lower[0].caption(f"{start:%d %b %Y} – {end:%d %b %Y}")
        lower[2].toggle("Exclude suspicious tickets (see Data quality)", key=PREFIX + "exclude",
                        on_change=changed)

    excluded = _suspicious(str(store.path), store.version) if state.exclude_suspicious else 0
    filters = Filters(**{key: getattr(state, key) for key in FILTER_DIMENSIONS},
                      exclude_suspicious=state.exclude_suspicious)
    note = f"{excluded:,} suspicious tickets excluded" if state.exclude_suspicious else ""
    return View(state=state, start=start, end=end, as_of=as_of, filters=filters, note=note)


def analysis_view(store):
    """The opening of every analysis page: the filter bar, the targets, the empty states (which stop the page),
    and the small cache key pages pass to their st.cache_data functions."""
    from pages.shared import empty_state
    from slacore.targets import current_targets, targets_fingerprint

    view = filter_bar(store)
    targets = current_targets(store)
    if empty_state(store, targets):
        st.stop()
    key = (str(store.path), store.version, targets_fingerprint(store), view.key())
    return view, targets, key
