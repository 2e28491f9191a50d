"""Altair chart specs built from small aggregated frames (never ticket-level data).

Charts that drive a drill-down carry a named point selection, so the page can read what was clicked
(`st.altair_chart(..., on_select="rerun")`). A `note` (e.g. "42 suspicious tickets excluded") becomes the subtitle
of every chart while it applies.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

MET_COLOR, BREACH_COLOR, PENDING_COLOR = "#16a34a", "#dc2626", "#f59e0b"
HEAT_RANGE = ["#ffffff", "#fca5a5", "#dc2626", "#7f1d1d"]
OUTCOME_SCALE = alt.Scale(domain=["met", "breached", "pending"], range=[MET_COLOR, BREACH_COLOR, PENDING_COLOR])


def _title(text: str, note: str = "") -> alt.TitleParams:
    return alt.TitleParams(text, subtitle=[note] if note else [], anchor="start")


def attainment_bars(frame: pd.DataFrame, dimension: str, note: str = "", zoom: bool = False) -> alt.LayerChart:
    """Attainment per value of a dimension, the goal drawn as a rule; clicking a bar selects `value`.

    `zoom` (uptime: 99.9 against 100 is the whole story) starts the axis below the lowest bar or goal instead of at
    0, and the title says so."""
    pick = alt.selection_point(name="bar", fields=["value"], on="click")
    order = list(frame.sort_values("attainment", ascending=False)["value"])
    low = 0.0
    if zoom and frame["attainment"].notna().any():
        lowest = float(min(frame["attainment"].min(), frame["goal"].min()))
        low = max(0.0, math.floor((lowest - max(100 - lowest, 0.01)) * 100) / 100) if lowest > 50 else 0.0
    y = alt.Y("value:N", title=dimension.replace("_", " ").title(), sort=order,
              axis=alt.Axis(labelOverlap=False, labelLimit=280))
    base = alt.Chart(frame)
    bars = base.mark_bar().encode(
        y=y,
        x=alt.X("attainment:Q", title="Attainment %" + (f" (axis from {low:g}%)" if low else ""),
                scale=alt.Scale(domain=[low, 100], clamp=True)),
        color=alt.condition(alt.datum.attainment >= alt.datum.goal, alt.value(MET_COLOR), alt.value(BREACH_COLOR)),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
        tooltip=[alt.Tooltip("value:N", title=dimension), alt.Tooltip("attainment:Q", title="Attainment %"),
                 alt.Tooltip("goal:Q", title="Goal %"), "met:Q", "breached:Q", "pending:Q"],
    ).add_params(pick)
    rule = base.mark_tick(color="#111", thickness=2, size=20).encode(y=y, x="goal:Q")
    # A fixed height includes title and axes in Streamlit 1.67 (bars got squashed): size per row instead.
    return alt.layer(bars, rule).properties(height=alt.Step(28), title=_title("Attainment vs goal (goal = black tick)",
                                                                              note))


def distribution_chart(frame: pd.DataFrame, threshold_min: float, what: str, note: str = "",
                       clip_min: float | None = None) -> alt.LayerChart:
    """Tickets per band of business minutes, by outcome, the threshold dashed. `clip_min` ends the axis (the 99th
    percentile: the tail beyond it is counted in the page's caption, not drawn)."""
    scale = alt.Scale(domain=[0, clip_min], nice=False) if clip_min else alt.Scale()
    bars = alt.Chart(frame).mark_bar().encode(
        x=alt.X("minutes:Q", title=f"{what}, business minutes", bin="binned", scale=scale),
        x2="minutes_end:Q",
        y=alt.Y("tickets:Q", title="Tickets", stack=True),
        color=alt.Color("outcome:N", scale=OUTCOME_SCALE, title=None),
        tooltip=[alt.Tooltip("minutes:Q", format=".0f", title="From (min)"),
                 alt.Tooltip("minutes_end:Q", format=".0f", title="To (min)"), alt.Tooltip("tickets:Q", title="Tickets"),
                 alt.Tooltip("outcome:N", title="Outcome")],
    )
    rule = alt.Chart(pd.DataFrame({"threshold": [threshold_min]})).mark_rule(
        color="#111", strokeDash=[6, 4], size=2).encode(x=alt.X("threshold:Q", scale=scale), tooltip=[
            alt.Tooltip("threshold:Q", title="Threshold (min)")])
    return alt.layer(bars, rule).properties(height=240, title=_title(f"Distribution of {what.lower()} times", note))


def heatmap_chart(frame: pd.DataFrame, note: str = "", what: str = "Breaches") -> alt.Chart:
    pick = alt.selection_point(name="cell", fields=["weekday", "hour"], on="click")
    return alt.Chart(frame).mark_rect().encode(
        # Every hour and weekday on the axes, also those without tickets (a gap is information too).
        x=alt.X("hour:O", title="Hour of creation", scale=alt.Scale(domain=list(range(24)))),
        y=alt.Y("weekday:N", title=None, scale=alt.Scale(domain=["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]),
                axis=alt.Axis(labelOverlap=False)),
        # Zero breaches is white: a scheme's palest red on an empty cell reads as "some breaches".
        color=alt.Color("breached:Q", title=what,
                        scale=alt.Scale(type="linear", domainMin=0, range=HEAT_RANGE, interpolate="rgb"),
                        legend=alt.Legend(tickMinStep=1, format="d")),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.5)),
        tooltip=["weekday:N", "hour:O", "breached:Q", "decided:Q",
                 alt.Tooltip("breach_rate:Q", title="Breach rate %")],
    ).add_params(pick).properties(height=alt.Step(30), title=_title(f"{what} by weekday and hour of creation", note))


PARTIAL_OPACITY = 0.35
PARTIAL_SHADE = "#fef9c3"  # pale yellow: not the grey of the control band
# Labels per grain: a month is its name, a quarter "Q3 2026", a week or day its date (with the year when the
# range crosses one).
_QUARTER_LABEL = "'Q' + quarter(datum.value) + ' ' + year(datum.value)"


def _local(ts) -> alt.DateTime:
    """A day as Vega-Lite reads the frames' ISO dates (local midnight), so axis ticks sit on the points."""
    ts = pd.Timestamp(ts)
    return alt.DateTime(year=ts.year, month=ts.month, date=ts.day)


def period_x(periods: pd.Series, grain: str, title: str | None = None, field: str = "period") -> alt.X:
    """The x channel of a chart over periods: the axis spans the data's periods only (nothing stretches it to a
    target's effective date), ticks sit on the periods for months and quarters and say which period they are."""
    starts = pd.to_datetime(pd.Series(periods)).drop_duplicates().sort_values()
    if starts.empty:
        return alt.X(f"{field}:T", title=title)
    crosses_year = starts.iloc[0].year != starts.iloc[-1].year
    if grain == "month":
        axis = alt.Axis(values=[_local(t) for t in starts], format="%b %Y" if crosses_year else "%b",
                        labelOverlap=True)
    elif grain == "quarter":
        axis = alt.Axis(values=[_local(t) for t in starts], labelExpr=_QUARTER_LABEL)
    else:
        axis = alt.Axis(format="%d %b %Y" if crosses_year else "%d %b", labelOverlap=True)
    return alt.X(f"{field}:T", title=title, axis=axis, scale=period_scale(starts))


def period_scale(periods: pd.Series) -> alt.Scale:
    """From the first period to the last, no rounding out to 'nice' dates."""
    starts = pd.to_datetime(pd.Series(periods))
    return alt.Scale(domain=[_local(starts.min()), _local(starts.max())], nice=False)


def _period_tooltip(grain: str) -> alt.Tooltip:
    fmt = {"month": "%B %Y", "quarter": "%b %Y (quarter)", "week": "week of %d %b %Y"}.get(grain, "%d %b %Y")
    return alt.Tooltip("period:T", title="Period", format=fmt)


def _partial_points(frame: pd.DataFrame) -> alt.OpacityValue:
    return alt.condition(alt.datum.partial, alt.value(PARTIAL_OPACITY), alt.value(1.0))


def _partial_shade(frame: pd.DataFrame, grain: str) -> list:
    """A faded band around each partial period's point (half way to its neighbours), under the other layers."""
    if "partial" not in frame or not frame["partial"].any():
        return []
    points = frame[["period", "partial"]].drop_duplicates("period").sort_values("period").reset_index(drop=True)
    when = pd.to_datetime(points["period"])
    before = when + (when.shift(1) - when) / 2
    after = when + (when.shift(-1) - when) / 2
    points["shade_start"] = before.fillna(when)
    points["shade_end"] = after.fillna(when)
    cut = points[points["partial"].astype(bool)].assign(label="yes: fewer days than a whole period")
    return [alt.Chart(cut).mark_rect(color=PARTIAL_SHADE, opacity=0.7).encode(
        x=period_x(frame["period"], grain, field="shade_start"), x2="shade_end:T",
        tooltip=[alt.Tooltip("label:N", title="Partial period")])]


def trend_chart(frame: pd.DataFrame, steps: pd.DataFrame, changes: pd.DataFrame, note: str = "",
                grain: str = "week") -> alt.LayerChart:
    """Attainment per period with p-chart limits, rolling average and the goal stepping at target changes.

    Partial periods (frame["partial"]) are faded and have no limits; target changes outside the periods drawn are
    left out, so the axis spans the data."""
    frame = frame.assign(partial=frame["partial"] if "partial" in frame else False)
    x = period_x(frame["period"], grain)
    base = alt.Chart(frame).encode(x=x)
    band = base.mark_area(opacity=0.12, color="#64748b").encode(y=alt.Y("lcl:Q", title="Attainment %"), y2="ucl:Q")
    centre = base.mark_line(color="#64748b", strokeDash=[2, 2]).encode(y="center:Q")
    line = base.mark_line(color="#2563eb").encode(y=alt.Y("attainment:Q", scale=alt.Scale(zero=False, domainMax=100)))
    points = base.mark_point(filled=True, size=60, color="#2563eb").encode(
        y="attainment:Q", opacity=_partial_points(frame),
        tooltip=[_period_tooltip(grain), alt.Tooltip("attainment:Q", title="Attainment %"),
                 alt.Tooltip("met:Q", title="Met"), alt.Tooltip("breached:Q", title="Breached"),
                 alt.Tooltip("lcl:Q", title="Lower control limit %"),
                 alt.Tooltip("ucl:Q", title="Upper control limit %"),
                 alt.Tooltip("partial:N", title="Partial period")])
    rolling = base.mark_line(color="#7c3aed", opacity=0.6).encode(y="rolling:Q")
    signals = alt.Chart(frame[frame["signal"].astype(bool)]).mark_point(
        size=120, color=BREACH_COLOR, shape="diamond", filled=True).encode(x=x, y="attainment:Q")
    layers = [*_partial_shade(frame, grain), band, centre, line, points, rolling, signals]
    if not steps.empty:
        layers.append(alt.Chart(steps).mark_line(interpolate="step-after", color="#111", strokeDash=[6, 4]).encode(
            x=x, y="goal_step:Q", tooltip=[_period_tooltip(grain), alt.Tooltip("goal_step:Q", title="Goal %"),
                                           alt.Tooltip("within_min:Q", title="Threshold (min)")]))
    if not changes.empty:
        lo, hi = pd.to_datetime(frame["period"]).min(), pd.to_datetime(frame["period"]).max()
        inside = changes[(pd.to_datetime(changes["date"]) >= lo) & (pd.to_datetime(changes["date"]) <= hi)]
        if not inside.empty:
            inside = inside.assign(period=pd.to_datetime(inside["date"]).dt.normalize())
            layers.append(alt.Chart(inside).mark_rule(color="#f59e0b").encode(
                x=x, tooltip=[alt.Tooltip("change:N", title="Change"), alt.Tooltip("reason:N", title="Reason")]))
            layers.append(alt.Chart(inside).mark_text(align="left", dx=4, dy=-90, color="#b45309").encode(
                x=x, text=alt.value("target changed")))
    partial = "; partial periods faded on yellow (no limits)" if frame["partial"].any() else ""
    return alt.layer(*layers).properties(height=280, title=_title(
        "Attainment with control limits (grey band), 3-period average (purple), goal (dashed)" + partial, note))


def times_chart(frame: pd.DataFrame, note: str = "", grain: str = "week") -> alt.Chart:
    frame = frame.assign(partial=frame["partial"] if "partial" in frame else False)
    long = frame.melt(id_vars=["period", "partial"], value_vars=["p50_min", "p90_min"], var_name="percentile",
                      value_name="minutes")
    long["percentile"] = long["percentile"].map({"p50_min": "median (p50)", "p90_min": "p90"})
    x = period_x(frame["period"], grain)
    base = alt.Chart(long).encode(x=x, y=alt.Y("minutes:Q", title="Business minutes"),
                                  color=alt.Color("percentile:N", title=None))
    return alt.layer(
        base.mark_line(),
        base.mark_point(filled=True, size=50).encode(
            opacity=_partial_points(long),
            tooltip=[_period_tooltip(grain), alt.Tooltip("percentile:N", title="Percentile"),
                     alt.Tooltip("minutes:Q", title="Business minutes")]),
    ).properties(height=220, title=_title("p50 / p90 business time", note))


def volume_chart(frame: pd.DataFrame, note: str = "", grain: str = "week") -> alt.Chart:
    frame = frame.assign(partial=frame["partial"] if "partial" in frame else False)
    long = frame.melt(id_vars=["period", "partial"], value_vars=["created", "resolved", "backlog"], var_name="series",
                      value_name="tickets")
    x = period_x(frame["period"], grain)
    base = alt.Chart(long).encode(
        x=x, y=alt.Y("tickets:Q", title="Tickets"),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=["created", "resolved", "backlog"],
                                                                range=["#2563eb", MET_COLOR, PENDING_COLOR])))
    return alt.layer(
        base.mark_line(),
        base.mark_point(filled=True, size=50).encode(
            opacity=_partial_points(long),
            tooltip=[_period_tooltip(grain), alt.Tooltip("series:N", title="Series"),
                     alt.Tooltip("tickets:Q", title="Tickets", format=",")]),
    ).properties(height=240, title=_title("Volume: created, resolved, backlog (faded: partial periods)", note))


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


def whatif_chart(weekly: pd.DataFrame, goal: float) -> alt.LayerChart:
    """One bar per week asked for (a week without decided tickets keeps its place, empty), on a 0-100 axis that
    clips: a bar never runs past 100%. The week still running is faded."""
    frame = weekly.assign(week=[f"{p:%d %b %Y}" if weekly["period"].dt.year.nunique() > 1 else f"{p:%d %b}"
                                for p in weekly["period"]],
                          attainment=weekly["attainment"].clip(0, 100))
    order = list(frame["week"])
    # Labels centred on their grid lines (the theme sets them just above): 100 reads as the top of the bars.
    y = alt.Y("attainment:Q", title="Attainment %", scale=alt.Scale(domain=[0, 100], clamp=True, nice=False),
              axis=alt.Axis(labelBaseline="middle", values=[0, 25, 50, 75, 100], labelOverlap=False, labelBound=False,
                            labelFlush=False))
    bars = alt.Chart(frame).mark_bar(clip=True).encode(
        x=alt.X("week:O", title="Week starting", sort=order, axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        y=y,
        color=alt.condition(alt.datum.attainment >= goal, alt.value(MET_COLOR), alt.value(BREACH_COLOR)),
        opacity=alt.condition(alt.datum.partial, alt.value(PARTIAL_OPACITY + 0.2), alt.value(0.85)),
        tooltip=[alt.Tooltip("week:O", title="Week starting"), alt.Tooltip("attainment:Q", title="Attainment %"),
                 alt.Tooltip("met:Q", title="Met"), alt.Tooltip("breached:Q", title="Breached"),
                 alt.Tooltip("pending:Q", title="Pending"), alt.Tooltip("partial:N", title="Week so far")])
    rule = alt.Chart(pd.DataFrame({"goal": [goal]})).mark_rule(strokeDash=[6, 4], color="#111").encode(
        y=alt.Y("goal:Q", scale=alt.Scale(domain=[0, 100], clamp=True, nice=False)))
    return alt.layer(bars, rule).properties(height=260, title=_title(
        f"Weekly attainment, what-if: {len(frame)} weeks (goal dashed; the week still running faded)"))
