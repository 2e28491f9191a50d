"""Performance: are we keeping our promises this period, where not, and which tickets are behind each number."""

from __future__ import annotations

import streamlit as st

from pages.filterbar import analysis_view, set_extra
from pages.shared import get_store, guarded, show_drilldown
from slacore import analysis, charts, metric_defs
from slacore.calendars import format_duration
from slacore.metrics import Evaluation
from slacore.text import md_escape
from slacore.view_state import previous_period

DIMENSION_LABELS = {"team": "Team", "channel": "Channel", "priority": "Priority", "customer": "Customer"}

st.title("Performance")
store = get_store()


@st.cache_data(show_spinner="Computing attainment…", max_entries=32)
def _page_data(db: str, version: int, tfp: str, view_key: str, _view) -> dict:
    previous = previous_period(_view.start, _view.end)
    data = analysis.performance_view(store, _view.start, _view.end, previous, _view.as_of, _view.filters)
    data["previous"] = previous
    return data


@st.cache_data(show_spinner=False, max_entries=64)
def _distribution(db: str, version: int, tfp: str, view_key: str, target: str, _view):
    return analysis.target_distribution(store, target, _view.start, _view.end, _view.as_of, _view.filters)


@st.cache_data(show_spinner="Finding the tickets…", max_entries=32)
def _tickets(db: str, version: int, tfp: str, view_key: str, target: str | None, outcome: str | None,
             where: tuple, cell: tuple | None, _view):
    with Evaluation(store, start=_view.start, end=_view.end, as_of=_view.as_of, filters=_view.filters) as ev:
        return ev.tickets(target, outcome, dict(where), limit=20000, cell=cell)


with guarded("The performance page"):
    view, targets, key = analysis_view(store)
    data = _page_data(*key, view)
    tiles = data["tiles"]
    if tiles[["met", "breached", "pending"]].to_numpy().sum() == 0:
        st.info("No tickets match these filters in this period. Widen the period or clear a filter.")
        st.stop()

    p_start, p_end = data["previous"]
    st.caption(f"{view.start:%d %b %Y} – {view.end:%d %b %Y}; deltas against {p_start:%d %b} – {p_end:%d %b %Y}; "
               f"open tickets judged at {view.as_of:%Y-%m-%d %H:%M} UTC. {view.note}")
    by_name = {t.name: t for t in targets}
    for row_start in range(0, len(tiles), 4):
        cols = st.columns(4)
        for col, tile in zip(cols, tiles.iloc[row_start:row_start + 4].to_dict("records")):
            with col.container(border=True):
                value = "–" if tile["attainment"] != tile["attainment"] else f"{tile['attainment']:.1f}%"
                delta = None if tile["delta"] != tile["delta"] else f"{tile['delta']:+.1f} pts"
                col_state = {"met": "Goal met", "breached": "Goal missed", "no data": "No decided tickets"}
                st.metric(md_escape(tile["name"]), value, delta=delta, help=md_escape(by_name[tile["name"]].describe())
                          if tile["name"] in by_name else None)
                st.caption(f"{col_state[tile['state']]} · goal {tile['goal']:g}% · {tile['met']:,} met, "
                           f"{tile['breached']:,} breached, {tile['pending']:,} pending")
                if st.button("Tickets", key=f"tile-{tile['name']}", width="stretch"):
                    st.session_state["drill"] = {"target": tile["name"], "outcome": None, "where": (), "cell": None,
                                                 "label": f"all tickets of {tile['name']}"}

    st.divider()
    names = list(tiles["name"])
    chosen = view.state.get("target") if view.state.get("target") in names else names[0]
    c1, c2 = st.columns([1.3, 1])
    target = c1.selectbox("Target for the charts below", names, index=names.index(chosen), key="perf-target")
    dimension = c2.segmented_control("Attainment by", list(DIMENSION_LABELS), format_func=DIMENSION_LABELS.get,
                                     default=view.state.get("dim", "team"), key="perf-dim") or "team"
    if target != view.state.get("target", names[0]) or dimension != view.state.get("dim", "team"):
        set_extra(target=target, dim=dimension)
    bars = data["dims"][dimension]
    details = {"bars": bars[bars["target"] == target], "risk": data["risk"],
               "heat": data["heat"][data["heat"]["target"] == target]}
    details["hist"], details["threshold"] = _distribution(*key, target, view)

    left, right = st.columns(2)
    with left:
        if details["bars"].empty:
            st.info("No tickets for this target.")
        else:
            event = st.altair_chart(charts.attainment_bars(details["bars"], dimension, view.note), width="stretch",
                                    on_select="rerun", key=f"bars-{target}-{dimension}")
            picked = event.selection.get("bar") if event else None
            if picked:
                value = picked[0].get("value")
                st.session_state["drill"] = {"target": target, "outcome": None, "where": ((dimension, value),),
                                             "cell": None, "label": f"{target}, {dimension} = {value}"}
    with right:
        if details["hist"].empty:
            st.info("No decided tickets to draw a distribution from.")
        else:
            what = metric_defs.get(by_name[target].metric).label
            st.altair_chart(charts.distribution_chart(details["hist"], details["threshold"], what, view.note),
                            width="stretch")
            st.caption(f"Threshold {format_duration(by_name[target].within_s)} of business time "
                       f"({md_escape(by_name[target].calendar)}), dashed.")

    if not details["heat"].empty:
        event = st.altair_chart(charts.heatmap_chart(details["heat"], view.note), width="stretch",
                                on_select="rerun", key=f"heat-{target}")
        picked = event.selection.get("cell") if event else None
        if picked:
            cell = (picked[0].get("weekday"), picked[0].get("hour"))
            st.session_state["drill"] = {"target": target, "outcome": "breached", "where": (), "cell": cell,
                                         "label": f"{target}, breaches created {cell[0]} {cell[1]}:00–{cell[1]}:59"}

    st.subheader("At risk")
    risk = details["risk"]
    if risk.empty:
        st.caption("No open ticket is running against a clock right now.")
    else:
        st.caption("Open tickets still within their threshold, least business time left first.")
        st.dataframe(risk, hide_index=True, width="stretch", height=260)

    drill = st.session_state.get("drill")
    if drill:
        frame = _tickets(*key, drill["target"], drill["outcome"], tuple(drill["where"]), drill["cell"], view)
        show_drilldown(frame, drill["label"], view.note)
