"""Performance: are we keeping our promises this period, where not, and which tickets are behind each number."""

from __future__ import annotations

import streamlit as st

from pages.filterbar import analysis_view, set_extra
from pages.shared import get_store, guarded, show_chart, show_drilldown, show_table
from slacore import analysis, budget, charts, metric_defs
from slacore.calendars import format_duration
from slacore.metrics import Evaluation
from slacore.text import counted, day_range, md_escape
from slacore.view_state import previous_period

DIMENSION_LABELS = {"team": "Team", "channel": "Channel", "priority": "Priority", "customer": "Customer",
                    "service": "Service"}

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
    """The units behind a number, as the target's metric lists them (tickets; CSAT responses; downtime)."""
    metric = metric_defs.get(_metric_of(target)) if target else metric_defs.get("first_response")
    with Evaluation(store, start=_view.start, end=_view.end, as_of=_view.as_of, filters=_view.filters) as ev:
        return metric.drilldown(ev, target, outcome, dict(where), limit=20000, cell=cell)


@st.cache_data(show_spinner=False, max_entries=32)
def _extras(db: str, version: int, tfp: str, view_key: str, _view, _targets) -> dict:
    """Each metric's own figures for the period (CSAT response rate, FCR definition, uptime budget) and the burn
    of every target with an error budget."""
    with Evaluation(store, list(_targets), _view.start, _view.end, _view.as_of, _view.filters) as ev:
        extras = ev.extras()
        burns = {t.name: budget.burn(ev, t) for t in _targets if metric_defs.get(t.metric).credits}
    return {"extras": extras, "burns": burns}


def _metric_of(target: str) -> str:
    return next((t.metric for t in _targets_shown if t.name == target), "first_response")


def _percent(value, metric: str) -> str:
    """An attainment with its metric's decimals (uptime: 99.953%, not 100.0%)."""
    return "–" if value != value or value is None else f"{value:.{metric_defs.get(metric).precision}f}%"


def _delta_text(delta) -> str | None:
    """'+2.4 pts', '−13.1 pts'; no change reads '±0.0 pts' (grey, no arrow); nothing to compare: no delta."""
    if delta != delta or delta is None:
        return None
    if round(float(delta), 1) == 0:
        return "±0.0 pts"
    return f"{delta:+.1f} pts"


with guarded("The performance page"):
    view, targets, key = analysis_view(store)
    data = _page_data(*key, view)
    tiles = data["tiles"]
    if tiles[["met", "breached", "pending"]].to_numpy().sum() == 0:
        st.info("No tickets match these filters in this period. Widen the period or clear a filter.")
        st.stop()

    p_start, p_end = data["previous"]
    st.caption(f"{day_range(view.start, view.end)}; deltas against {day_range(p_start, p_end)}; "
               f"open tickets judged at {view.as_of:%Y-%m-%d %H:%M} UTC. {view.note}")
    by_name = {t.name: t for t in targets}
    _targets_shown = list(targets)
    # Each metric's own figures (CSAT response rate, uptime budget, a source without response times, ...)
    extra = _extras(*key, view, tuple(targets)) if targets else {"extras": {}, "burns": {}}
    for row_start in range(0, len(tiles), 4):
        cols = st.columns(4)
        for col, tile in zip(cols, tiles.iloc[row_start:row_start + 4].to_dict("records")):
            with col.container(border=True):
                kind = metric_defs.get(tile["metric"])
                value = _percent(tile["attainment"], tile["metric"])
                st.metric(md_escape(tile["name"]), value, delta=_delta_text(tile["delta"]),
                          delta_color=tile["tone"], delta_arrow="off" if tile["tone"] == "gray" else "auto",
                          help=md_escape(by_name[tile["name"]].describe()) if tile["name"] in by_name else None)
                state = tile["state"]
                if state == "breached":
                    # No icon: a badge is Markdown, and the pages carry no live directive (tests/test_app_plaintext)
                    st.badge(f"Goal missed: {value} of {tile['goal']:g}%", color="red")
                elif state == "met":
                    st.badge(f"Goal met ({tile['goal']:g}%)", color="green")
                else:
                    st.badge(f"Nothing decided yet ({kind.units})", color="gray")
                st.caption(kind.counts_text(int(tile["met"]), int(tile["breached"]), int(tile["pending"]),
                                            int(tile.get("unmeasured") or 0)))
                line = kind.tile_line(extra["extras"].get(tile["name"]))
                if line:
                    st.caption(md_escape(line))
                if st.button(kind.drill_label, key=f"tile-{tile['name']}", width="stretch"):
                    st.session_state["drill"] = {"target": tile["name"], "outcome": None, "where": (), "cell": None,
                                                 "label": f"all {kind.units} of {tile['name']}"}

    st.divider()
    names = list(tiles["name"])
    chosen = view.state.get("target") if view.state.get("target") in names else names[0]
    c1, c2 = st.columns([1.3, 1])
    target = c1.selectbox("Target for the charts below", names, index=names.index(chosen), key="perf-target")
    kind = metric_defs.get(_metric_of(target))
    groupable = [d for d in DIMENSION_LABELS if d in metric_defs.units.UNITS[kind.reads].groupings]
    asked = view.state.get("dim", "team")
    dimension = c2.segmented_control("Attainment by", groupable, format_func=DIMENSION_LABELS.get,
                                     default=asked if asked in groupable else groupable[0],
                                     key=f"perf-dim-{kind.reads}") or groupable[0]
    if target != view.state.get("target", names[0]) or dimension != view.state.get("dim", "team"):
        set_extra(target=target, dim=dimension)
    bars = data["dims"][dimension]
    details = {"bars": bars[bars["target"] == target], "risk": data["risk"],
               "heat": data["heat"][data["heat"]["target"] == target]}
    if kind.threshold:
        details["hist"], details["threshold"], details["tail"] = _distribution(*key, target, view)

    left, right = st.columns(2)
    with left:
        if details["bars"].empty:
            st.info(f"No {kind.units} for this target by {DIMENSION_LABELS[dimension].lower()}.")
        else:
            event = show_chart(charts.attainment_bars(details["bars"], dimension, view.note, zoom=kind.precision > 1),
                               "attainment by "
                               + dimension, f"dl-bars-{target}-{dimension}", on_select="rerun",
                               key=f"bars-{target}-{dimension}")
            picked = event.selection.get("bar") if event else None
            if picked:
                value = picked[0].get("value")
                st.session_state["drill"] = {"target": target, "outcome": None, "where": ((dimension, value),),
                                             "cell": None, "label": f"{target}, {dimension} = {value}"}
    with right:
        if kind.credits:  # an error budget: its burn over the budget period
            burn = extra["burns"].get(target)
            if burn is None or burn.empty:
                st.info("No measured service time for this target in the period.")
            else:
                month = f"{burn['period'].iloc[0]:%B %Y}" if by_name[target].budget == "month" else \
                    f"the quarter from {burn['period'].iloc[0]:%d %b %Y}"
                show_chart(budget.burn_chart(burn, f"Error budget, {month}", view.note),
                           f"error budget {target}", f"dl-burn-{target}")
                used, allowed = burn["used_s"].iloc[-1], burn["budget_s"].iloc[0]
                st.caption(f"{format_duration(used)} of downtime used of {format_duration(allowed)} allowed "
                           f"({by_name[target].goal * 100:g}% of the {by_name[target].budget}); the budget resets "
                           f"each {by_name[target].budget}.")
        elif not kind.threshold:
            line = kind.tile_line(extra["extras"].get(target))
            st.caption(md_escape(line or kind.describe(by_name[target])))
        elif details["hist"].empty:
            st.info("No decided tickets to draw a distribution from.")
        else:
            what = kind.label
            tail = details["tail"]
            show_chart(charts.distribution_chart(details["hist"], details["threshold"], what, view.note,
                                                 tail["beyond_min"]),
                       f"distribution {target}", f"dl-hist-{target}")
            beyond = ""
            if tail["tickets"]:
                beyond = (f" {counted(tail['tickets'], 'ticket')} beyond {format_duration(tail['beyond_min'] * 60)} "
                          f"{'is' if tail['tickets'] == 1 else 'are'} counted here, not drawn, so "
                          f"{'it does' if tail['tickets'] == 1 else 'they do'} not squash the rest.")
            st.caption(f"Threshold {format_duration(by_name[target].within_s)} of business time "
                       f"({md_escape(by_name[target].calendar)}), dashed.{beyond}")

    if not details["heat"].empty and kind.weight == "count":  # uptime's stretches are time, not arrivals
        event = show_chart(charts.heatmap_chart(details["heat"], view.note, kind.breach_label),
                           f"breaches by weekday and hour {target}",
                           f"dl-heat-{target}", on_select="rerun", key=f"heat-{target}")
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
        risk = risk.assign(time_left=[format_duration(m * 60) if m > 0 else "due now" for m in risk["minutes_left"]])
        show_table(risk, "at risk", "dl-risk", height=260,
                   column_order=["time_left", "ticket_id", "target", "priority", "subject", "created_at", "team",
                                 "channel", "source", "minutes_left", "business_minutes_so_far"],
                   column_config={"time_left": st.column_config.TextColumn("Time left", width="small", pinned=True,
                                                                           help="Business time before the breach"),
                                  "ticket_id": st.column_config.TextColumn("Ticket", width="small")})

    drill = st.session_state.get("drill")
    if drill:
        frame = _tickets(*key, drill["target"], drill["outcome"], tuple(drill["where"]), drill["cell"], view)
        show_drilldown(frame, drill["label"], view.note)
