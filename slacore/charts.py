"""Altair chart specs built from small aggregated frames (never ticket-level data).

Charts that drive a drill-down carry a named point selection, so the page can read what was clicked
(`st.altair_chart(..., on_select="rerun")`). A `note` (e.g. "42 suspicious tickets excluded") becomes the subtitle
of every chart while it applies.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

MET_COLOR, BREACH_COLOR, PENDING_COLOR = "#16a34a", "#dc2626", "#f59e0b"
HEAT_RANGE = ["#ffffff", "#fca5a5", "#dc2626", "#7f1d1d"]
OUTCOME_SCALE = alt.Scale(domain=["met", "breached", "pending"], range=[MET_COLOR, BREACH_COLOR, PENDING_COLOR])


def _title(text: str, note: str = "") -> alt.TitleParams:
    return alt.TitleParams(text, subtitle=[note] if note else [], anchor="start")


def attainment_bars(frame: pd.DataFrame, dimension: str, note: str = "") -> alt.LayerChart:
    """Attainment per value of a dimension, the goal drawn as a rule; clicking a bar selects `value`."""
    pick = alt.selection_point(name="bar", fields=["value"], on="click")
    order = list(frame.sort_values("attainment", ascending=False)["value"])
    y = alt.Y("value:N", title=dimension.replace("_", " ").title(), sort=order,
              axis=alt.Axis(labelOverlap=False, labelLimit=280))
    base = alt.Chart(frame)
    bars = base.mark_bar().encode(
        y=y,
        x=alt.X("attainment:Q", title="Attainment %", scale=alt.Scale(domain=[0, 100])),
        color=alt.condition(alt.datum.attainment >= alt.datum.goal, alt.value(MET_COLOR), alt.value(BREACH_COLOR)),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
        tooltip=[alt.Tooltip("value:N", title=dimension), alt.Tooltip("attainment:Q", title="Attainment %"),
                 alt.Tooltip("goal:Q", title="Goal %"), "met:Q", "breached:Q", "pending:Q"],
    ).add_params(pick)
    rule = base.mark_tick(color="#111", thickness=2, size=20).encode(y=y, x="goal:Q")
    # A fixed height includes title and axes in Streamlit 1.67 (bars got squashed): size per row instead.
    return alt.layer(bars, rule).properties(height=alt.Step(28), title=_title("Attainment vs goal (goal = black tick)",
                                                                              note))


def distribution_chart(frame: pd.DataFrame, threshold_min: float, what: str, note: str = "") -> alt.LayerChart:
    bars = alt.Chart(frame).mark_bar().encode(
        x=alt.X("minutes:Q", title=f"{what}, business minutes", bin="binned"),
        x2="minutes_end:Q",
        y=alt.Y("tickets:Q", title="Tickets", stack=True),
        color=alt.Color("outcome:N", scale=OUTCOME_SCALE, title=None),
        tooltip=[alt.Tooltip("minutes:Q", format=".0f", title="from (min)"),
                 alt.Tooltip("minutes_end:Q", format=".0f", title="to (min)"), "tickets:Q", "outcome:N"],
    )
    rule = alt.Chart(pd.DataFrame({"threshold": [threshold_min]})).mark_rule(
        color="#111", strokeDash=[6, 4], size=2).encode(x="threshold:Q", tooltip=[
            alt.Tooltip("threshold:Q", title="Threshold (min)")])
    return alt.layer(bars, rule).properties(height=240, title=_title(f"Distribution of {what.lower()} times", note))


def heatmap_chart(frame: pd.DataFrame, note: str = "") -> alt.Chart:
    pick = alt.selection_point(name="cell", fields=["weekday", "hour"], on="click")
    return alt.Chart(frame).mark_rect().encode(
        # Every hour and weekday on the axes, also those without tickets (a gap is information too).
        x=alt.X("hour:O", title="Hour of creation", scale=alt.Scale(domain=list(range(24)))),
        y=alt.Y("weekday:N", title=None, scale=alt.Scale(domain=["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]),
                axis=alt.Axis(labelOverlap=False)),
        # Zero breaches is white: a scheme's palest red on an empty cell reads as "some breaches".
        color=alt.Color("breached:Q", title="Breaches",
                        scale=alt.Scale(type="linear", domainMin=0, range=HEAT_RANGE, interpolate="rgb"),
                        legend=alt.Legend(tickMinStep=1, format="d")),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.5)),
        tooltip=["weekday:N", "hour:O", "breached:Q", "decided:Q",
                 alt.Tooltip("breach_rate:Q", title="Breach rate %")],
    ).add_params(pick).properties(height=alt.Step(30), title=_title("Breaches by weekday and hour of creation", note))


def trend_chart(frame: pd.DataFrame, steps: pd.DataFrame, changes: pd.DataFrame, note: str = "") -> alt.LayerChart:
    """Attainment per period with p-chart limits, rolling average and the goal stepping at target changes."""
    base = alt.Chart(frame).encode(x=alt.X("period:T", title=None))
    band = base.mark_area(opacity=0.12, color="#64748b").encode(y=alt.Y("lcl:Q", title="Attainment %"), y2="ucl:Q")
    centre = base.mark_line(color="#64748b", strokeDash=[2, 2]).encode(y="center:Q")
    line = base.mark_line(point=True, color="#2563eb").encode(
        y=alt.Y("attainment:Q", scale=alt.Scale(zero=False)),
        tooltip=["period:T", "attainment:Q", "met:Q", "breached:Q", "lcl:Q", "ucl:Q", "signal:N"])
    rolling = base.mark_line(color="#7c3aed", opacity=0.6).encode(y="rolling:Q")
    signals = alt.Chart(frame[frame["signal"]]).mark_point(size=120, color=BREACH_COLOR, shape="diamond",
                                                           filled=True).encode(x="period:T", y="attainment:Q")
    layers = [band, centre, line, rolling, signals]
    if not steps.empty:
        layers.append(alt.Chart(steps).mark_line(interpolate="step-after", color="#111", strokeDash=[6, 4]).encode(
            x="period:T", y="goal_step:Q", tooltip=["period:T", alt.Tooltip("goal_step:Q", title="Goal %"),
                                                     alt.Tooltip("within_min:Q", title="Threshold (min)")]))
    if not changes.empty:
        layers.append(alt.Chart(changes).mark_rule(color="#f59e0b").encode(x="date:T", tooltip=["change:N",
                                                                                              "reason:N"]))
        layers.append(alt.Chart(changes).mark_text(align="left", dx=4, dy=-90, color="#b45309").encode(
            x="date:T", text=alt.value("target changed")))
    return alt.layer(*layers).properties(height=280, title=_title(
        "Attainment with control limits (grey band), 3-period average (purple), goal (dashed)", note))


def times_chart(frame: pd.DataFrame, note: str = "") -> alt.Chart:
    long = frame.melt(id_vars=["period"], value_vars=["p50_min", "p90_min"], var_name="percentile",
                      value_name="minutes")
    long["percentile"] = long["percentile"].map({"p50_min": "median (p50)", "p90_min": "p90"})
    return alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("period:T", title=None), y=alt.Y("minutes:Q", title="Business minutes"),
        color=alt.Color("percentile:N", title=None), tooltip=["period:T", "percentile:N", "minutes:Q"],
    ).properties(height=220, title=_title("p50 / p90 business time", note))


def volume_chart(frame: pd.DataFrame, note: str = "") -> alt.Chart:
    long = frame.melt(id_vars=["period"], value_vars=["created", "resolved", "backlog"], var_name="series",
                      value_name="tickets")
    return alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("period:T", title=None), y=alt.Y("tickets:Q", title="Tickets"),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=["created", "resolved", "backlog"],
                                                                range=["#2563eb", MET_COLOR, PENDING_COLOR])),
        tooltip=["period:T", "series:N", "tickets:Q"],
    ).properties(height=240, title=_title("Volume: created, resolved, backlog", note))


def compare_chart(frame: pd.DataFrame, dimension: str, note: str = "") -> alt.LayerChart:
    """Group vs group with n on the label, so small groups are not over-read."""
    frame = frame.assign(label=frame["value"].astype(str) + " (n=" + frame["decided"].astype(str) + ")")
    y = alt.Y("label:N", sort=list(frame.sort_values("attainment", ascending=False)["label"]),
              title=dimension.title(), axis=alt.Axis(labelOverlap=False, labelLimit=280))
    base = alt.Chart(frame)
    bars = base.mark_bar().encode(
        y=y, x=alt.X("attainment:Q", title="Attainment %",
                                                                        scale=alt.Scale(domain=[0, 100])),
        opacity=alt.condition(alt.datum.decided >= 30, alt.value(1.0), alt.value(0.35)),
        color=alt.condition(alt.datum.attainment >= alt.datum.goal, alt.value(MET_COLOR), alt.value(BREACH_COLOR)),
        tooltip=["value:N", "decided:Q", "attainment:Q", "median_minutes:Q", "goal:Q"])
    rule = base.mark_tick(color="#111", thickness=2, size=20).encode(y=y, x="goal:Q")
    return alt.layer(bars, rule).properties(height=alt.Step(26), title=_title(
        f"{dimension.title()} vs {dimension}: pale bars have fewer than 30 tickets", note))
