"""Trends: is it getting better? Attainment over time with control limits, p50/p90 times, volume and backlog."""

from __future__ import annotations

import streamlit as st

from pages.filterbar import analysis_view, set_extra
from pages.shared import get_store, guarded
from slacore import analysis, charts
from slacore.metrics import Evaluation
from slacore.text import md_escape
from slacore.targets import current_targets

GRAINS = {"week": "Weekly", "month": "Monthly", "quarter": "Quarterly"}

st.title("Trends")
store = get_store()


@st.cache_data(show_spinner="Computing trends…", max_entries=32)
def _trends(db: str, version: int, tfp: str, view_key: str, grain: str, _view) -> dict:
    targets = current_targets(store)
    with Evaluation(store, targets, start=_view.start, end=_view.end, as_of=_view.as_of,
                    filters=_view.filters) as ev:
        periods = ev.by_period(grain)
        tz = ev.tz
    periods["p50_min"] = (periods["p50_s"] / 60).round(1)
    periods["p90_min"] = (periods["p90_s"] / 60).round(1)
    return {
        "control": analysis.p_chart(periods),
        "steps": analysis.goal_steps(store, targets, periods),
        "changes": analysis.target_changes(store, [t.name for t in targets]),
        "volume": analysis.volume(store, grain, _view.start, _view.end, _view.filters, tz),
    }


with guarded("The trends page"):
    view, targets, key = analysis_view(store)
    c1, c2 = st.columns([1, 2])
    grain = c1.segmented_control("Grain", list(GRAINS), format_func=GRAINS.get,
                                 default=view.state.get("grain", "week"), key="trend-grain") or "week"
    names = [t.name for t in targets]
    chosen = view.state.get("target") if view.state.get("target") in names else names[0]
    target = c2.selectbox("Target", names, index=names.index(chosen), key="trend-target")
    if grain != view.state.get("grain", "week") or target != view.state.get("target", names[0]):
        set_extra(grain=grain, target=target)

    data = _trends(*key, grain, view)
    control = data["control"]
    mine = control[control["target"] == target] if not control.empty else control
    if mine.empty:
        st.info("No decided tickets for this target in the period. Widen the period (e.g. Last 90 days or a "
                "custom range) or clear a filter.")
    else:
        if len(mine) < 3:
            st.caption(f"Only {len(mine)} {grain}(s) in the period: choose a longer period for a trend.")
        steps = data["steps"][data["steps"]["target"] == target]
        changes = data["changes"]
        changes = changes[changes["target"] == target] if not changes.empty else changes
        st.altair_chart(charts.trend_chart(mine, steps, changes, view.note), width="stretch")
        shifts = mine[mine["signal"]]
        if len(shifts):
            st.warning(f"{len(shifts)} {grain}(s) outside the control limits — a real shift, not noise: "
                       + ", ".join(f"{p:%d %b %Y} ({a:.1f}%)" for p, a in zip(shifts["period"], shifts["attainment"])))
        else:
            st.caption("Every period is inside the control limits: the ups and downs are within normal noise.")
        if not changes.empty:
            st.caption("Target changes: " + "; ".join(f"{d:%d %b %Y}: {md_escape(c)} "
                                                     f"({md_escape(r) or 'no reason given'})"
                                                     for d, c, r in zip(changes["date"], changes["change"],
                                                                        changes["reason"])))
        st.altair_chart(charts.times_chart(mine, view.note), width="stretch")
        with st.expander("Numbers"):
            st.dataframe(mine[["period", "met", "breached", "pending", "attainment", "center", "lcl", "ucl",
                               "rolling", "p50_min", "p90_min"]], hide_index=True, width="stretch")
    if data["volume"].empty:
        st.info("No tickets created or resolved in the period.")
    else:
        st.altair_chart(charts.volume_chart(data["volume"], view.note), width="stretch")
