"""Data quality: is the ticketing system skewing our metrics? What distorts the SLA numbers, the tickets behind each
check, the volume per source, and what the filter bar's "Exclude suspicious tickets" switch does."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from pages.filterbar import filter_bar, set_extra
from pages.shared import get_store, guarded, plain, show_chart, show_table, worded
from slacore import quality, unit_quality
from slacore.exports import csv_bytes

LIMIT = 20000
FLAG_COLOR = "#dc2626"
# Source colours without red, which marks the flagged weeks.
SOURCE_COLORS = ["#2563eb", "#f59e0b", "#16a34a", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#64748b"]

st.title("Data quality")
st.caption("Is the ticketing system skewing our metrics? Auto-replies, duplicates, impossible time stamps and "
           "sudden volume changes, counted for the period and filters below, with the tickets behind each.")
store = get_store()


def _scope_key(view) -> str:
    """The view as far as these checks care (the switch and the page settings do not change them)."""
    f = view.filters
    return repr((view.start, view.end, f.team, f.priority, f.channel, f.customer))


@st.cache_data(show_spinner="Checking the data…", max_entries=32)
def _checks(db: str, version: int, scope_key: str, _view) -> dict:
    return quality.report(store, _view.start, _view.end, _view.filters)


@st.cache_data(show_spinner="Finding the tickets…", max_entries=32)
def _tickets(db: str, version: int, scope_key: str, check: str, _view) -> pd.DataFrame:
    return quality.check_tickets(store, check, limit=LIMIT, start=_view.start, end=_view.end, filters=_view.filters)


def _switch_sentence(view, count: int) -> None:
    short = quality.short_names()
    excluded = [short[c] for c in quality.excluded_checks()]
    what = ", ".join(excluded[:-1]) + " and " + excluded[-1]
    reported = " and ".join(short[c] for c in short if c not in quality.excluded_checks())
    reported = f"{reported} are only reported here"
    if view.state.exclude_suspicious:
        st.warning(f"**The switch “Exclude suspicious tickets” is on.** {count:,} tickets ({what}; over all the "
                   f"data) are left out of every number on Performance, Trends and Benchmarks, and each chart says "
                   f"so. {reported.capitalize()}. The counts on this page never change with the switch.",
                   icon=":material/filter_alt:")
    else:
        st.info(f"**The switch “Exclude suspicious tickets” (in the bar above) is off:** every ticket counts. "
                f"Turned on, it leaves {count:,} tickets ({what}; over all the data) out of every number on "
                f"Performance, Trends and Benchmarks, and each chart says so; {reported}.",
                icon=":material/filter_alt_off:")


def _tiles(summary: pd.DataFrame, total: int) -> None:
    explanations = quality.explanations()
    records = summary.to_dict("records")
    for row_start in range(0, len(records), 3):
        cols = st.columns(3)
        for col, row in zip(cols, records[row_start:row_start + 3]):
            with col.container(border=True):
                st.metric(row["what"], f"{row['tickets']:,}", help=explanations[row["check"]])
                parts = [f"{row['share']:.2f}% of {total:,} tickets", row["effect"], row["note"]]
                st.caption(" · ".join(p for p in parts if p))


def _volume_chart(weekly: pd.DataFrame, start, end, note: str) -> alt.LayerChart:
    base = alt.Chart(weekly).encode(x=alt.X("week:T", title="Week (Monday)"))
    tooltip = ["source:N", alt.Tooltip("week:T", title="week of"), "tickets:Q",
               alt.Tooltip("usual:Q", title="usual (median)", format=".1f"), alt.Tooltip("ratio:Q", format=".2f")]
    period = alt.Chart(pd.DataFrame({"start": [pd.Timestamp(start)], "end": [pd.Timestamp(end)]})).mark_rect(
        color="#e2e8f0", opacity=0.5).encode(x="start:T", x2="end:T")
    lines = base.mark_line(point=alt.OverlayMarkDef(size=20)).encode(
        y=alt.Y("tickets:Q", title="Tickets created"),
        color=alt.Color("source:N", title="Source", scale=alt.Scale(range=SOURCE_COLORS)), tooltip=tooltip)
    flagged = alt.Chart(weekly[weekly["flagged"]]).mark_point(
        shape="diamond", size=160, filled=True, color=FLAG_COLOR).encode(x="week:T", y="tickets:Q", tooltip=tooltip)
    title = alt.TitleParams("Weekly volume per source (flagged weeks in red, the period shaded)",
                            subtitle=[note] if note else [], anchor="start")
    return alt.layer(period, lines, flagged).properties(height=260, title=title)


def _drilldown(frame: pd.DataFrame, check: str, note: str) -> None:
    label = quality.labels()[check]
    more = " (first 20,000)" if len(frame) >= LIMIT else ""
    st.caption(f"{label}: {len(frame):,} tickets{more}. {quality.explanations()[check]} {note}")
    if frame.empty:
        st.info("No tickets behind this check for the period and filters.")
        return
    st.dataframe(frame, hide_index=True, width="stretch", height=min(320, 35 * (len(frame) + 1) + 3), placeholder="",
                 column_config=worded(frame))
    st.download_button("Download CSV", lambda: csv_bytes(frame), file_name=f"quality-{check}.csv", mime="text/csv",
                       on_click="ignore", key="quality-download")


@st.cache_data(show_spinner=False, max_entries=8)
def _other_problems(path: str, version: int) -> list[dict]:
    return unit_quality.problems(store)


def _other_checks(path, version) -> None:
    """The checks that skew first response, CSAT, FCR and uptime (slacore.unit_quality): a line each, examples on
    demand."""
    for item in _other_problems(str(path), version):
        n = item["count"]
        if n:
            with st.expander(f"{item['label']}: {n:,}", icon=":material/warning:"):
                st.markdown(plain(item["explanation"]))
                show_table(item["examples"], f"quality {item['check']}", f"dl-quality-{item['check']}")
        else:
            st.caption(f"{plain(item['label'])}: none.")


with guarded("The data quality page"):
    view = filter_bar(store)
    if not store.scalar("SELECT count(*) > 0 FROM tickets"):
        st.info("No tickets yet: upload a ticket export first, then come back to check it.")
        st.page_link("pages/data.py", label="Go to Data", icon=":material/upload_file:")
        st.stop()
    key = (str(store.path), store.version, _scope_key(view))
    # The switch changes the other pages, never this one's counts: say both on the chart and the table.
    note = f"Switch on: {view.note} on the other pages; this page counts every ticket." if view.note else ""
    data = _checks(*key, view)
    summary, total = data["summary"], data["total"]
    _switch_sentence(view, data["suspicious_all"])
    if total == 0 and summary["tickets"].sum() == 0:
        st.info("No tickets match these filters in this period. Widen the period or clear a filter.")
        st.stop()

    st.subheader("Checks")
    st.caption(f"{view.start:%d %b %Y} – {view.end:%d %b %Y}: {total:,} tickets created in the period (and any "
               "created in the future). The (?) beside each check says how it is counted.")
    _tiles(summary, total)

    st.subheader("Tickets behind a check")
    labels = quality.labels()
    names = list(labels)
    with_tickets = [c for c, n in zip(summary["check"], summary["tickets"]) if n > 0]
    default = view.state.get("check") if view.state.get("check") in names else (with_tickets or names)[0]
    check = st.selectbox("Check", names, index=names.index(default), format_func=labels.get, key="quality-check")
    if check != view.state.get("check", default):
        set_extra(check=check)
    _drilldown(_tickets(*key, check, view), check, note)

    st.subheader("Sources, surveys, outages and monitors")
    _other_checks(store.path, store.version)

    st.subheader("Volume by source")
    weekly, shifts = data["weekly"], data["shifts"]
    st.caption(quality.VOLUME_CHECK.explanation + f" A week needs {quality.VOLUME_MIN_BASELINE_WEEKS} earlier weeks "
               f"and {quality.VOLUME_MIN_TICKETS} tickets on one side to be judged; a source's first week and the "
               "data's last, partial week are drawn but not judged.")
    if weekly.empty:
        st.info("No tickets to count per week.")
    else:
        show_chart(_volume_chart(weekly, view.start, view.end, note), "weekly volume by source", "dl-quality-volume")
    if shifts.empty:
        st.caption("No sudden change of volume from any source in this period.")
    else:
        shown = shifts.assign(week=shifts["week"].dt.date,
                              change=shifts["change"].map(lambda v: "new" if pd.isna(v) else f"{v:+.0f}%"))
        show_table(shown.rename(columns={"usual": "usual (median)", "change": "change vs usual"}), "volume shifts",
                   "dl-shifts", column_config={"usual (median)": st.column_config.NumberColumn(format="%.1f")})
