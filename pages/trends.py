"""Trends: is it getting better? Attainment over time with control limits, p50/p90 times, volume and backlog."""

from __future__ import annotations

import streamlit as st

from pages.filterbar import analysis_view, set_extra
from pages.shared import get_store, guarded, show_chart, show_table
from slacore import analysis, charts, metric_defs
from slacore.metrics import Evaluation
from slacore.text import counted, day_range, md_escape, period_name
from slacore.targets import current_targets

GRAINS = {"week": "Weekly", "month": "Monthly", "quarter": "Quarterly"}
PERIOD_FORMATS = {"week": "[week of] D MMM YYYY", "month": "MMMM YYYY", "quarter": "[quarter from] MMM YYYY"}

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
    periods = analysis.mark_partial(periods, grain, _view.start, _view.end)
    volume = analysis.volume(store, grain, _view.start, _view.end, _view.filters, tz)
    return {
        "control": analysis.p_chart(periods),
        "steps": analysis.goal_steps(store, targets, periods),
        "changes": analysis.target_changes(store, [t.name for t in targets]),
        "volume": analysis.mark_partial(volume, grain, _view.start, _view.end),
    }


def _verdict(mine, grain: str) -> None:
    """Say whether the series moved beyond noise, only where limits exist (whole periods with decided tickets)."""
    judged = mine[~mine["partial"].astype(bool) & mine["ucl"].notna()]
    if judged.empty or judged["decided"].sum() == 0:
        st.caption(f"No whole {grain} with decided tickets in the period: no control limits to judge against.")
        return
    shifts = judged[judged["signal"].astype(bool)]
    digits = metric_defs.get(mine["metric"].iloc[0]).precision
    if len(shifts):
        st.warning(f"{counted(len(shifts), grain)} outside the control limits — a real shift, not noise: "
                   + ", ".join(f"{period_name(p, grain)} ({a:.{digits}f}%)"
                               for p, a in zip(shifts["period"], shifts["attainment"])))
    else:
        st.caption(f"Every whole {grain} is inside the control limits: the ups and downs are within normal noise.")


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
        whole = int((~mine["partial"].astype(bool)).sum())
        if whole == 0:
            st.caption(f"No whole {grain} in the period: choose a longer period or a shorter grain for a trend.")
        elif whole < 3:
            st.caption(f"Only {counted(whole, 'whole ' + grain)} in the period: choose a longer period for a trend.")
        steps = data["steps"][data["steps"]["target"] == target]
        changes = data["changes"]
        changes = changes[changes["target"] == target] if not changes.empty else changes
        show_chart(charts.trend_chart(mine, steps, changes, view.note, grain), f"attainment trend {target}",
                   "dl-trend")
        if mine["partial"].any():
            cut = mine[mine["partial"].astype(bool)]
            one = len(cut) == 1
            st.caption("Faded: " + " and ".join(period_name(p, grain) for p in cut["period"])
                       + f" {'falls' if one else 'fall'} only partly in {day_range(view.start, view.end)}: "
                       f"{'it has' if one else 'they have'} fewer days of tickets, so "
                       f"{'it is' if one else 'they are'} left out of the control limits.")
        _verdict(mine, grain)
        if not changes.empty:
            st.caption("Target changes: " + "; ".join(f"{d:%d %b %Y}: {md_escape(c)} "
                                                     f"({md_escape(r) or 'no reason given'})"
                                                     for d, c, r in zip(changes["date"], changes["change"],
                                                                        changes["reason"])))
        kind = metric_defs.get(mine["metric"].iloc[0])
        if kind.threshold:  # CSAT, FCR and uptime have no business times to show
            show_chart(charts.times_chart(mine, view.note, grain), f"business times {target}", "dl-times")
        with st.expander("Numbers"):
            columns = ["period", "partial", "met", "breached", "pending", "attainment", "center", "lcl", "ucl",
                       "rolling"] + (["p50_min", "p90_min"] if kind.threshold else [])
            digits = f"%.{kind.precision}f"
            show_table(mine[columns], f"trend {target}", "dl-trend-numbers",
                       column_config={
                           "period": st.column_config.DateColumn("Period", format=PERIOD_FORMATS[grain]),
                           "partial": st.column_config.CheckboxColumn("Partial", help="Only part of this period "
                                                                      "falls in the filter bar's dates."),
                           "met": st.column_config.NumberColumn("Met", format="%d"),
                           "breached": st.column_config.NumberColumn("Breached", format="%d"),
                           "pending": st.column_config.NumberColumn("Pending", format="%d"),
                           "attainment": st.column_config.NumberColumn("Attainment %", format=digits),
                           "center": st.column_config.NumberColumn("Centre line %", format=digits),
                           "lcl": st.column_config.NumberColumn("Lower control limit %", format=digits),
                           "ucl": st.column_config.NumberColumn("Upper control limit %", format=digits),
                           "rolling": st.column_config.NumberColumn("3-period average %", format="%.1f"),
                           "p50_min": st.column_config.NumberColumn("Median, business min", format="%.1f"),
                           "p90_min": st.column_config.NumberColumn("p90, business min", format="%.1f"),
                       })
    if data["volume"].empty:
        st.info("No tickets created or resolved in the period.")
    else:
        show_chart(charts.volume_chart(data["volume"], view.note, grain), "volume", "dl-volume")
