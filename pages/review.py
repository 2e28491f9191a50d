"""Reviews: hold a bi-weekly or quarterly review here — its frozen figures, notes, action items, sign-off — and
download the pack that is sent afterwards."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.shared import can_edit, current_user, get_store, guarded, login_on, plain, show_table
from slacore import agreements, reviews
from slacore.errors import UserError
from slacore.scope import Filters, default_as_of
from slacore.overview import dimension_values
from slacore.review_figures import DRIVER_DIMENSIONS, describe_scope
from slacore.review_pack import actions_frame, html_report, summary_frame, workbook_bytes
from slacore.targets import current_targets

st.title("Reviews")
store = get_store()
AUTHOR = current_user()

SUMMARY_CONFIG = {"Goal": st.column_config.NumberColumn("Goal", format="percent"),
                  "Attainment": st.column_config.NumberColumn("Attainment", format="percent"),
                  "Previous period": st.column_config.NumberColumn("Previous period", format="percent"),
                  "Change (points)": st.column_config.NumberColumn("Change (points)", format="%+.1f")}


def _selected_id() -> int | None:
    raw = st.query_params.get("review")
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def _open(review_id: int | None) -> None:
    if review_id is None:
        st.query_params.pop("review", None)
    else:
        st.query_params["review"] = str(review_id)


def _start_form() -> None:
    """Start a review: name, series, cadence, period (the last complete one by default), attendees, scope — or
    for an agreement, whose cadence, scope and series are pre-filled."""
    today = default_as_of(store).date()
    series = reviews.series_names(store)
    held_for = None
    defined = agreements.names(store)
    if defined:  # asked only where agreements exist: otherwise the form is as it always was
        picked = st.selectbox("For an agreement", ["(no agreement: every target)"] + defined, key="new-agreement",
                              help="Only the agreement's targets are judged; its cadence and scope are filled in.")
        held_for = agreements.get_agreement(store, picked) if picked in defined else None
    slot = f"-{held_for.agreement_id}" if held_for else ""  # the fields start from the agreement's values
    c1, c2 = st.columns(2)
    cadence = c1.segmented_control("Cadence", list(reviews.CADENCES), format_func=reviews.CADENCES.get,
                                   default=held_for.cadence if held_for else "two_weeks",
                                   key=f"new-cadence{slot}") or "two_weeks"
    start, end = reviews.default_period(cadence, today)
    c2.caption(f"Last complete period of this cadence: {start:%d %b %Y} – {end:%d %b %Y} (the data ends "
               f"{today:%d %b %Y}).")
    shared = st.session_state.get("filterbar-state")
    if held_for is not None:
        shared = held_for.filters
    options = dimension_values(store)
    if held_for is not None and held_for.name not in series:
        series = [held_for.name] + series
    with st.form("new-review"):
        c1, c2 = st.columns(2)
        name = c1.text_input("Name", placeholder=f"e.g. Team check-in {end:%d %b %Y}")
        choices = ["(new series: the name)"] + series
        series_choice = c2.selectbox("Series (open action items carry over within a series)", choices,
                                     index=choices.index(held_for.name) if held_for else 0, key=f"new-series{slot}")
        c1, c2 = st.columns(2)
        period = c1.date_input("Period", value=(start, end), key=f"new-period-{cadence}")
        attendees = c2.text_input("Attendees", placeholder="names, comma-separated")
        st.caption("Scope: the tickets this review covers (a client review is often one customer or one team).")
        cols = st.columns(len(DRIVER_DIMENSIONS))
        scope = {}
        for col, dim in zip(cols, DRIVER_DIMENSIONS):
            values = list(dict.fromkeys([*(held_for.scope_dict.get(dim, []) if held_for else []),
                                         *options.get(dim, [])]))
            default = [v for v in (getattr(shared, dim, ()) if shared else ()) if v in values]
            scope[dim] = col.multiselect(dim.capitalize(), values, default=default, placeholder="All",
                                         key=f"new-scope-{dim}{slot}")
        if st.form_submit_button("Start the review", type="primary"):
            if not isinstance(period, (tuple, list)) or len(period) != 2:
                raise UserError("Choose the first and the last day of the period.")
            series_name = name if series_choice.startswith("(new series") else series_choice
            try:
                with st.spinner("Freezing the figures of the period…"):
                    review = reviews.start_review(store, name, series_name, cadence, period[0], period[1],
                                                  attendees, Filters(**{k: tuple(v) for k, v in scope.items()}),
                                                  author=AUTHOR, agreement=held_for.name if held_for else None)
            except UserError as exc:
                st.error(plain(str(exc)))  # it may quote the name typed: shown as typed, not as Markdown
                return
            _open(review.review_id)
            st.rerun()


def _header(review: reviews.Review) -> None:
    st.subheader(plain(review.name), anchor=False)
    st.text(f"Series: {review.series} · {reviews.CADENCES.get(review.cadence, review.cadence)} · "
            f"{review.start:%d %b %Y} – {review.end:%d %b %Y} · scope: {describe_scope(review.scope)}")
    if review.snapshot.get("agreement"):
        st.text(f"Agreement: {agreements.label(review.snapshot['agreement'])} — only its targets are judged")
    if review.attendees:
        st.text(f"Attendees: {review.attendees}")
    before = review.snapshot.get("previous_period") or ["?", "?"]
    st.caption(f"Figures frozen {review.frozen_at:%d %b %Y %H:%M} UTC (judged as of "
               f"{review.snapshot['as_of'][:16].replace('T', ' ')} UTC): later imports do not change them. "
               f"\"Previous period\" is {before[0]} to {before[1]}.")
    if review.agreed:
        st.success(f"Agreed by {plain(review.agreed_by)} on {review.agreed_at:%d %b %Y %H:%M} UTC: this review is "
                   "read-only.")


def _link(page: str, label: str, review: reviews.Review, **extra) -> None:
    params = {k: "|".join(v) for k, v in review.scope.items() if v}
    params.update({"period": "custom", "from": review.start.isoformat(), "to": review.end.isoformat(), **extra})
    st.page_link(page, label=label, icon=":material/open_in_new:", query_params=params)


def _note(review: reviews.Review, section: str, saved: dict) -> None:
    key = f"note-{review.review_id}-{section}"
    if review.agreed or not can_edit():
        if saved.get(section):
            st.text(saved[section])
        return
    base = key + "-base"  # the text this editor started from: a colleague's save since is not silently replaced
    if base not in st.session_state:
        st.session_state[base] = saved.get(section, "")
    with st.form(key):
        text = st.text_area("Notes", value=saved.get(section, ""), key=key + "-text", height=90,
                            placeholder="What was said, decided, questioned…")
        if st.form_submit_button("Save notes"):
            try:
                reviews.save_note(store, review.review_id, section, text, author=AUTHOR, base=st.session_state[base])
            except UserError as exc:
                st.session_state[base] = saved.get(section, "")  # seen now: saving again replaces it
                st.error(plain(str(exc)))  # it quotes a colleague's note: shown as typed
            else:
                st.session_state[base] = text.strip()
                st.toast("Notes saved.")


def _targets_section(review: reviews.Review, snap: dict, saved: dict, today: dict | None) -> None:
    st.markdown(f"#### {reviews.SECTIONS['targets']}")
    frame = summary_frame(snap)
    if today is not None:
        now = {t["name"]: t["attainment"] for t in today["targets"]}
        frame["Today"] = [None if now.get(n) is None else now[n] / 100 for n in frame["Target"]]
        frame["Today vs frozen (points)"] = [None if now.get(t["name"]) is None or t["attainment"] is None
                                             else round(now[t["name"]] - t["attainment"], 1)
                                             for t in snap["targets"]]
    missed = int((frame["Result"] == "missed").sum())
    decided = int(frame["Result"].isin(["met", "missed"]).sum())  # a target without decided tickets neither
    if missed:
        st.markdown(f"**{missed} of {decided} targets missed their goal** in the period.")
    elif decided:
        st.markdown(f"All {decided} targets with decided tickets met their goal.")
    else:
        st.markdown("No target has decided tickets in the period.")
    config = dict(SUMMARY_CONFIG)
    if today is not None:
        config["Today"] = st.column_config.NumberColumn("Today", format="percent")
    show_table(frame, "targets", "rv-dl-targets", column_config=config)
    _link("pages/performance.py", "Open on Performance with this period and scope", review)
    _note(review, "targets", saved)


def _movers_section(review, snap, saved) -> None:
    st.markdown(f"#### {reviews.SECTIONS['movers']}")
    movers = pd.DataFrame(snap["movers"], columns=["name", "previous", "attainment", "delta"])
    if movers.empty:
        st.caption("No target moved against the previous period.")
    else:
        show_table(movers, "movers", "rv-dl-movers", column_config={
            "name": "Target", "previous": st.column_config.NumberColumn("Previous period", format="%.1f%%"),
            "attainment": st.column_config.NumberColumn("This period", format="%.1f%%"),
            "delta": st.column_config.NumberColumn("Change (points)", format="%+.1f")})
    _link("pages/trends.py", "Open on Trends", review)
    _note(review, "movers", saved)


def _drivers_section(review, snap, saved) -> None:
    st.markdown(f"#### {reviews.SECTIONS['drivers']}")
    dim = st.segmented_control("Breaches by", list(DRIVER_DIMENSIONS) + ["weekday × hour"], default="team",
                               key=f"drivers-{review.review_id}") or "team"
    if dim == "weekday × hour":
        frame = pd.DataFrame(snap["hot_cells"], columns=["weekday", "hour", "breached", "decided"])
        config = {"weekday": "Weekday", "hour": "Hour of creation", "breached": "Breached", "decided": "Decided"}
    else:
        frame = pd.DataFrame(snap["drivers"].get(dim, []), columns=["target", "value", "breached", "met",
                                                                    "attainment"])
        config = {"target": "Target", "value": dim.capitalize(), "breached": "Breached", "met": "Met",
                  "attainment": st.column_config.NumberColumn("Attainment", format="%.1f%%")}
    if frame.empty:
        st.caption("No breaches in the period.")
    else:
        show_table(frame, "breach drivers", "rv-dl-drivers", column_config=config)
    breaches = pd.DataFrame(snap["top_breaches"])
    if not breaches.empty:
        with st.expander(f"The {len(breaches)} most breached tickets"):
            show_table(breaches, "most breached tickets", "rv-dl-breaches", column_config={
                "target": "Target", "source": "Source", "ticket_id": "Ticket", "created_at": "Created (UTC)",
                "priority": "Priority", "team": "Team", "channel": "Channel", "customer": "Customer",
                "subject": "Subject", "business_minutes": "Business minutes", "threshold_minutes": "Threshold (min)",
                "minutes_over": "Minutes over"})
    _link("pages/performance.py", "Open the breach heat map on Performance", review)
    _note(review, "drivers", saved)


def _quality_section(review, snap, saved) -> None:
    st.markdown(f"#### {reviews.SECTIONS['quality']}")
    frame = pd.DataFrame(snap["quality"], columns=["what", "tickets", "share", "effect", "note"])
    flagged = frame[frame["tickets"] > 0]
    if flagged.empty:
        st.caption("No data-quality warning in the period.")
    else:
        st.warning(f"{len(flagged)} data-quality check{'s flag' if len(flagged) != 1 else ' flags'} tickets of the "
                   "period.")
        show_table(flagged, "data quality", "rv-dl-quality", column_config={
            "what": "Check", "tickets": "Tickets", "share": st.column_config.NumberColumn("Share", format="%.2f%%"),
            "effect": "Effect", "note": "Note"})
    _link("pages/quality.py", "Open on Data quality", review)
    _note(review, "quality", saved)


def _benchmarks_section(review, snap, saved) -> None:
    st.markdown(f"#### {reviews.SECTIONS['benchmarks']}")
    frame = pd.DataFrame(snap["benchmarks"], columns=["metric_label", "figure_for", "figure", "yours", "standing",
                                                      "cited"])
    if frame.empty:
        st.caption("No benchmark figure compares with these tickets.")
    else:
        show_table(frame, "benchmark standing", "rv-dl-bench", column_config={
            "metric_label": "Metric", "figure_for": "Benchmark", "figure": "Figure", "yours": "Yours",
            "standing": "Standing", "cited": "Source"})
    _link("pages/benchmarks.py", "Open on Benchmarks", review)
    _note(review, "benchmarks", saved)


def _actions_section(review: reviews.Review) -> None:
    st.markdown("#### Action items")
    items = reviews.actions(store, review)
    if items.empty:
        st.caption("No action items yet in this series.")
    else:
        overdue = int(items["overdue"].sum())
        if overdue:
            st.warning(f"{overdue} open action item{'s are' if overdue != 1 else ' is'} overdue.")
        shown = actions_frame(items)
        shown["Due"] = shown["Due"].map(lambda d: "" if pd.isna(d) else f"{d:%d %b %Y}")  # empty, not "None"
        show_table(shown, "action items", "rv-dl-actions")
    if review.agreed or not can_edit():
        return
    if not items.empty:
        labels = {int(r.action_id): f"{r.text[:60]} ({r.owner or 'no owner'}, {r.status})"
                  for r in items.itertuples()}
        status_of = {int(r.action_id): r.status for r in items.itertuples()}
        # The item is picked outside the form (picking reruns), and the status starts from the picked item's own:
        # editing a done item does not offer "open" as if it were the item's status.
        chosen = st.selectbox("Item", list(labels), format_func=labels.get, key=f"act-pick-{review.review_id}")
        status_key = f"act-status-{review.review_id}"
        shown_as = (chosen, status_of.get(chosen, "open"))  # a new pick, or the item changed since (saved here)
        if st.session_state.get(status_key + "-item") != shown_as:
            st.session_state[status_key] = shown_as[1]
            st.session_state[status_key + "-item"] = shown_as
        with st.form(f"action-status-{review.review_id}"):
            c2, c3 = st.columns([1, 1])
            status = c2.selectbox("Status", reviews.ACTION_STATUSES, key=status_key)
            if c3.form_submit_button("Update"):
                with guarded("The status change"):  # a refusal is a sentence here; the page goes on
                    reviews.set_action_status(store, review.review_id, chosen, status)
                    st.rerun()
    with st.form(f"action-new-{review.review_id}", clear_on_submit=True):
        c1, c2, c3 = st.columns([3, 1, 1])
        text = c1.text_input("New action item", key=f"act-text-{review.review_id}")
        owner = c2.text_input("Owner", key=f"act-owner-{review.review_id}")
        due = c3.date_input("Due", value=None, key=f"act-due-{review.review_id}")
        if st.form_submit_button("Add action item"):
            reviews.add_action(store, review.review_id, text, owner, due, author=AUTHOR)
            st.rerun()


def _proposal_section(review: reviews.Review) -> None:
    if review.agreed or not can_edit():
        return
    names = [t.name for t in current_targets(store)]
    if not names:
        return
    with st.expander("Propose a target change"):
        with st.form(f"proposal-{review.review_id}"):
            c1, c2, c3 = st.columns([2, 1, 1])
            target = c1.selectbox("Target", names, key=f"prop-target-{review.review_id}")
            within = c2.text_input("New threshold", placeholder="e.g. 2h", key=f"prop-within-{review.review_id}")
            goal = c3.text_input("New goal", placeholder="e.g. 90%", key=f"prop-goal-{review.review_id}")
            if st.form_submit_button("Open on the Targets page"):
                st.session_state["target-proposal"] = reviews.propose_target_change(
                    store, review.review_id, target, within, goal)
                st.switch_page("pages/targets.py")


def _sign_off(review: reviews.Review) -> None:
    if review.agreed or not can_edit():
        return
    with st.form(f"sign-off-{review.review_id}"):
        c1, c2 = st.columns([3, 1])
        if login_on():  # the signed-in user signs off, as who they are
            who = current_user()
            c1.text(f"Agreed by {who} (signed in)")
        else:
            who = c1.text_input("Agreed by", placeholder="name of who signs the review off",
                                key=f"sign-who-{review.review_id}")
        if c2.form_submit_button("Mark as agreed"):
            reviews.sign_off(store, review.review_id, who)
            st.rerun()


def _downloads(review: reviews.Review) -> None:
    info = {"name": review.name, "attendees": review.attendees, "agreed_by": review.agreed_by,
            "agreed_at": review.agreed_at}

    def pack() -> bytes:
        return workbook_bytes(review.snapshot, info, reviews.notes(store, review.review_id),
                              reviews.actions(store, review))

    def report() -> str:
        return html_report(review.snapshot, info, reviews.notes(store, review.review_id),
                           reviews.actions(store, review))

    stem = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in review.name).strip("-") or "review"
    c1, c2, _ = st.columns([1, 1, 3])
    c1.download_button("Review pack (Excel)", pack, file_name=f"{stem}.xlsx", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"pack-{review.review_id}", icon=":material/download:")
    c2.download_button("Report (HTML)", report, file_name=f"{stem}.html", mime="text/html", on_click="ignore",
                       key=f"html-{review.review_id}", icon=":material/download:")


def _review_view(review_id: int) -> None:
    if st.button("← All reviews", key="back"):  # first: a link to a deleted review still has its way back
        _open(None)
        st.rerun()
    review = reviews.get_review(store, review_id)
    _header(review)
    _downloads(review)
    c1, c2 = st.columns([2, 3])
    compare = c1.toggle("Compare with today's numbers", key=f"compare-{review_id}")
    if not review.agreed and can_edit() and c2.button("Refresh the figures from today's data", key=f"refresh-{review_id}"):
        reviews.refresh_figures(store, review_id)
        st.rerun()
    today = reviews.todays_figures(store, review) if compare else None
    saved = reviews.notes(store, review_id)
    snap = review.snapshot
    _targets_section(review, snap, saved, today)
    _movers_section(review, snap, saved)
    _drivers_section(review, snap, saved)
    _quality_section(review, snap, saved)
    _benchmarks_section(review, snap, saved)
    st.markdown(f"#### {reviews.SECTIONS['general']}")
    _note(review, "general", saved)
    _actions_section(review)
    _proposal_section(review)
    _sign_off(review)
    history = reviews.list_reviews(store, review.series)
    if len(history) > 1:
        st.markdown("#### Earlier reviews of this series")
        for r in history.itertuples():
            if r.review_id != review.review_id:
                st.page_link("pages/review.py",
                             label=f"{plain(r.name)} ({r.period_start:%d %b %Y} – {r.period_end:%d %b %Y})",
                             query_params={"review": str(r.review_id)})


def _list_view() -> None:
    if not store.scalar("SELECT count(*) > 0 FROM tickets"):
        st.info("No tickets yet: upload a ticket export first.")
        st.page_link("pages/data.py", label="Go to Data", icon=":material/upload_file:")
        return
    if not current_targets(store):
        st.info("No targets yet: a review judges targets, so define them first.")
        st.page_link("pages/targets.py", label="Go to Targets", icon=":material/flag:")
        return
    past = reviews.list_reviews(store)
    if can_edit():
        with st.expander("Start a review", expanded=past.empty):
            _start_form()
    if past.empty:
        st.caption("No review held yet.")
        return
    st.markdown("#### Reviews held")
    shown = past.assign(status=past["agreed_at"].map(lambda v: "open" if pd.isna(v) else "agreed"))
    event = st.dataframe(
        shown[["name", "series", "period_start", "period_end", "attendees", "status", "open_actions"]],
        hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key="reviews-table",
        column_config={"name": "Review", "series": "Series",
                       "period_start": st.column_config.DateColumn("From", format="D MMM YYYY"),
                       "period_end": st.column_config.DateColumn("To", format="D MMM YYYY"),
                       "attendees": "Attendees", "status": "Status", "open_actions": "Open actions (series)"})
    st.caption("Select a row to open the review.")
    rows = event.selection.rows if event else []
    if rows:
        _open(int(past.iloc[rows[0]]["review_id"]))
        st.rerun()


with guarded("The reviews page"):
    selected = _selected_id()
    if selected is not None:
        _review_view(selected)
    else:
        _list_view()
