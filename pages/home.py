"""Home: what is loaded and a first glance at volumes."""

import altair as alt
import streamlit as st

from pages.shared import fmt_int, get_store, guarded, show_chart, show_table
from slacore import overview
from slacore.targets import targets_fingerprint

st.title("SLA dashboard")


@st.cache_data(show_spinner=False, max_entries=8)
def _promises(db: str, version: int, tfp: str):
    """The five promises over the last 30 days (judged: kept apart, so a target that cannot be judged leaves the
    rest of Home standing)."""
    return overview.promises(get_store())


@st.cache_data(show_spinner=False, max_entries=8)
def _overview(db: str, version: int) -> dict:
    """Everything Home shows; recomputed only when the data changes (store.version)."""
    store = get_store()
    return {"totals": overview.totals(store), "others": overview.other_totals(store),
            "weekly": overview.weekly_volume(store),
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
    o = data["others"]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Survey responses", fmt_int(o["answered"]),
              help=f"{o['responses']:,} surveys offered, {o['answered']:,} answered (CSAT)")
    c2.metric("Outages", fmt_int(o["outages"]), help="Incidents counted as downtime in the outage logs (uptime)")
    c3.metric("Services", fmt_int(o["services"]), help="Services in the outage and monitor check logs")
    c4.metric("Monitor checks", fmt_int(o["checks"]))
    st.caption(
        f"Tickets created from {t['first_day']} to {t['last_day']} (UTC). "
        f"Database: `{store.path}`"
    )

    with guarded("The promises of the last 30 days"):
        promises = _promises(str(store.path), store.version, targets_fingerprint(store))
        if not promises.empty:
            st.subheader("The promises, last 30 days")
            show_table(promises.drop(columns=["attainment"]), "promises last 30 days", "dl-promises", height=min(
                420, 35 * (len(promises) + 1) + 3), column_config={
                "promise": st.column_config.TextColumn("Promise"), "target": st.column_config.TextColumn("Target"),
                "shown": st.column_config.TextColumn("Attainment"),
                "goal": st.column_config.NumberColumn("Goal", format="%g%%"),
                "status": st.column_config.TextColumn("Status")})
            st.page_link("pages/performance.py", label="Details on Performance", icon=":material/speed:")

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
    show_chart(chart, "weekly volume", "dl-weekly")

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
