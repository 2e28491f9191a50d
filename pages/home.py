"""Home: what is loaded and a first glance at volumes."""

import altair as alt
import streamlit as st

from pages.shared import fmt_int, get_store, guarded
from slacore import overview

st.title("SLA dashboard")


@st.cache_data(show_spinner=False, max_entries=8)
def _overview(db: str, version: int) -> dict:
    """Everything Home shows; recomputed only when the data changes (store.version)."""
    store = get_store()
    return {"totals": overview.totals(store), "weekly": overview.weekly_volume(store),
            "priority": overview.breakdown(store, "priority"), "channel": overview.breakdown(store, "channel")}


with guarded("The home page"):
    store = get_store()
    data = _overview(str(store.path), store.version)
    t = data["totals"]
    if not t["tickets"]:
        st.info("No tickets yet. Upload a ticket export on the Data page to get started.")
        st.page_link("pages/data.py", label="Go to Data", icon=":material/upload_file:")
        st.stop()

    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Tickets", fmt_int(t["tickets"]))
    c2.metric("Open", fmt_int(t["open"]))
    c3.metric("Sources", fmt_int(t["sources"]))
    c4.metric("Imports", fmt_int(t["imports"]))
    st.caption(
        f"Tickets created from {t['first_day']} to {t['last_day']} (UTC). "
        f"Database: `{store.path}`"
    )

    weekly = data["weekly"]
    chart = (
        alt.Chart(weekly, title="Tickets created per week")
        .mark_bar()
        .encode(
            x=alt.X("week:T", title="Week"),
            y=alt.Y("tickets:Q", title="Tickets", stack=True),
            color=alt.Color("source:N", title="Source"),
            tooltip=[alt.Tooltip("week:T", title="Week"), "source:N", alt.Tooltip("tickets:Q", format=",")],
        )
        .properties(height=280)
    )
    st.altair_chart(chart, width="stretch")

    left, right = st.columns(2)
    for col, dim, title in ((left, "priority", "By priority"), (right, "channel", "By channel")):
        frame = data[dim]
        col.altair_chart(
            alt.Chart(frame, title=title)
            .mark_bar()
            .encode(
                x=alt.X("tickets:Q", title="Tickets"),
                y=alt.Y(f"{dim}:N", sort="-x", title=None),
                tooltip=[f"{dim}:N", alt.Tooltip("tickets:Q", format=",")],
            )
            # A step per bar: a fixed height is shared with the title and axes and squeezes the bars.
            .properties(height=alt.Step(24)),
            width="stretch",
        )
