"""The error budget of an uptime target: how much downtime its goal allows per budget period, and how fast it burns.

A target's goal (99.9%) allows (1 - goal) of the measured time of each budget period (month or quarter, the
target's `budget`) as downtime: 43.2 min of a 30-day month for one service. The budget resets each period, never
rolls. `burn` gives, per day of one budget period, the downtime used so far beside the budget and the even-burn
line (the budget spread evenly over the period: above it, the period will run out before it ends at this pace);
`burn_chart` draws it. Everything is read from an open slacore.metrics.Evaluation, so it is exactly the downtime
the target's tile counts (planned maintenance excluded or counted as the target says).
"""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd

from .charts import BREACH_COLOR, MET_COLOR, _title


def burn(ev, target, period: date | None = None) -> pd.DataFrame:
    """Per local day of the budget period holding `period` (default: the last one with data): day, down_s (that
    day), used_s (cumulative), budget_s (the whole period's allowance), even_s (the budget spread evenly up to that
    day), measured_s (that day). Empty when the target has no units in the evaluation."""
    grain = target.budget
    days = ev.sql(f"""
        SELECT created_local::DATE AS day, date_trunc('{grain}', created_local)::DATE AS period,
               coalesce(sum(weight) FILTER (WHERE status = 1), 0)::BIGINT AS down_s,
               coalesce(sum(weight) FILTER (WHERE status IN (0, 1)), 0)::BIGINT AS measured_s,
               count(DISTINCT service) AS services
        FROM o WHERE target = ? GROUP BY ALL ORDER BY day""", [target.name])
    if days.empty:
        return days.assign(used_s=pd.Series(dtype="int64"), budget_s=pd.Series(dtype="float64"),
                           even_s=pd.Series(dtype="float64"))
    days["day"], days["period"] = pd.to_datetime(days["day"]), pd.to_datetime(days["period"])
    asked = pd.Timestamp(period) if period is not None else days["period"].iloc[-1]
    start = days.loc[days["period"] <= asked, "period"].max()  # the budget period holding `period`
    if pd.isna(start):
        start = days["period"].iloc[0]
    part = days[days["period"] == start].reset_index(drop=True)
    end = start + (pd.DateOffset(months=1) if grain == "month" else pd.DateOffset(months=3))
    length_days = (end - start).days
    services = int(part["services"].max())
    allowance = (1 - target.goal) * length_days * 86400 * services
    elapsed = (part["day"] - start).dt.days + 1
    return part.assign(used_s=part["down_s"].cumsum(), budget_s=allowance,
                       even_s=allowance * elapsed / length_days)[
        ["day", "period", "down_s", "used_s", "budget_s", "even_s", "measured_s"]]


def burn_chart(frame: pd.DataFrame, title: str, note: str = "") -> alt.LayerChart:
    """Downtime used so far (a step line, red once over the budget) against the budget and the even-burn line."""
    data = frame.assign(used_min=frame["used_s"] / 60, budget_min=frame["budget_s"] / 60,
                        even_min=frame["even_s"] / 60,
                        state=["over budget" if u > b else "within budget"
                               for u, b in zip(frame["used_s"], frame["budget_s"])])
    base = alt.Chart(data).encode(x=alt.X("day:T", title=None, axis=alt.Axis(format="%d %b")))
    line = base.mark_line(interpolate="step-after", color="#374151", strokeWidth=2).encode(
        y=alt.Y("used_min:Q", title="Downtime used, minutes"))
    used = base.mark_point(filled=True, size=40).encode(
        y="used_min:Q",
        color=alt.Color("state:N", title=None, scale=alt.Scale(domain=["within budget", "over budget"],
                                                               range=[MET_COLOR, BREACH_COLOR])),
        tooltip=[alt.Tooltip("day:T", format="%d %b %Y"), alt.Tooltip("used_min:Q", format=",.1f", title="used (min)"),
                 alt.Tooltip("budget_min:Q", format=",.1f", title="budget (min)")])
    budget = alt.Chart(data.head(1)).mark_rule(color="#111", strokeDash=[6, 4], size=2).encode(
        y="budget_min:Q", tooltip=[alt.Tooltip("budget_min:Q", format=",.1f", title="budget for the period (min)")])
    even = base.mark_line(color="#6b7280", strokeDash=[2, 3]).encode(
        y="even_min:Q", tooltip=[alt.Tooltip("even_min:Q", format=",.1f", title="even burn so far (min)")])
    return alt.layer(even, budget, line, used).properties(
        height=240, title=_title(title, note or "dashed: the period's budget; dotted: the budget spread evenly"))
