"""Targets: define what was promised (from a template or by hand), see the history, try thresholds before saving."""

from __future__ import annotations

from datetime import date

import streamlit as st

from pages.shared import can_edit, current_user, get_store, guarded, login_on, plain, show_chart, show_table, worded
from slacore.calendars import format_duration
from slacore.errors import UserError
from slacore.scope import workspace_timezone
from slacore.sla_yaml import apply_yaml, export_yaml
from slacore.target_table import (calendars_frame, save_calendars_table, save_targets_table, targets_frame)
from slacore import charts, metric_defs
from slacore.targets import (MEASURE_WORDS, MEASURES, METRICS, PAUSES, build_target, calendars, current_targets, history,
                             targets_fingerprint, unreadable_calendars)
from slacore.templates import TEMPLATES, template_yaml
from slacore.text import counted, md_escape
from slacore.whatif import measurement_notes, missed_periods, recent_attainment, recommend_threshold

st.title("Targets")
store = get_store()
for _name, _why in unreadable_calendars(store).items():
    st.warning(f"Calendar {_name!r} is stored in a form this version cannot read ({_why}): define it again in the "
               "Calendars tab or with python -m slacore targets apply FILE; its targets are not judged until then.")


@st.cache_data(show_spinner=False, max_entries=8)
def _notes(db: str, version: int, tfp: str) -> list[tuple[str, str]]:
    """What each target really measures with the data at hand (a scan per target: cached per data version)."""
    return [(t.name, note) for t in current_targets(store) for note in measurement_notes(store, t)]


def _review_proposal() -> None:
    """A target change proposed in a review: shown pre-filled; applying it adds a version whose reason names the
    review."""
    from slacore.reviews import apply_proposal

    proposal = st.session_state.get("target-proposal")
    if not proposal or not can_edit():
        return
    with st.container(border=True):
        change = ", ".join(part for part in (
            f"threshold {proposal['within']}" if proposal.get("within") else "",
            f"goal {proposal['goal']}" if proposal.get("goal") else "") if part)
        st.markdown("**Proposed in a review**")
        st.text(f"{proposal['target']}: {change} — {proposal['reason']}")
        with st.form("apply-proposal"):
            c1, c2 = st.columns([1, 2])
            effective = c1.date_input("Effective from", value=date.today(), key="proposal-effective")
            note = c2.text_input("Reason (the review is named already)", key="proposal-note")
            apply, discard = st.columns([1, 4])
            if apply.form_submit_button("Apply as a new version", type="primary"):
                outcome = apply_proposal(store, proposal, author=current_user(), effective=effective,
                                         reason_extra=note)
                st.session_state.pop("target-proposal", None)
                st.session_state["proposal-saved"] = (
                    f"{proposal['target']}: {change}, effective {effective:%d %b %Y} ({outcome}); reason: "
                    f"{proposal['reason']}")
                st.rerun()
            if discard.form_submit_button("Discard"):
                st.session_state.pop("target-proposal", None)
                st.rerun()


if "proposal-saved" in st.session_state:
    st.success("Saved a new version — " + plain(st.session_state.pop("proposal-saved")))  # names typed by users
with guarded("The proposed target change"):
    _review_proposal()

tab_targets, tab_agreements, tab_whatif, tab_calendars, tab_history, tab_yaml = st.tabs(
    ["Targets", "Agreements", "What-if", "Calendars", "History", "YAML"])

with tab_agreements:  # targets grouped per SLA / OLA / UC (pages/agreements_panel.py)
    with guarded("The agreements"):
        from pages.agreements_panel import render as render_agreements

        render_agreements(store)

with tab_targets:
    with guarded("The targets editor"):
        targets = current_targets(store)
        with st.expander("Start from a template", expanded=not targets):
            choice = st.selectbox("Template", list(TEMPLATES), format_func=lambda k: TEMPLATES[k]["label"],
                                  key="template")
            st.caption(TEMPLATES[choice]["description"])
            st.code(template_yaml(choice), language="yaml")
            if can_edit() and st.button("Load this template", key="load-template"):
                counts = apply_yaml(store, template_yaml(choice), author=current_user(),
                                    source=f"template {TEMPLATES[choice]['label']}")
                st.success(f"Template loaded: {counts['created']} targets created, {counts['changed']} changed.")
                st.rerun()

        if not targets:
            st.info("No targets yet. Load a template above, or add rows to the table below and save.")
        st.write("Each row is one promise. Scope columns take comma-separated values (empty = all). "
                 "`within` is business time on the row's calendar: `30m`, `1h`, `8h`, `1h30m`.")
        cal_names = sorted(calendars(store))
        if not can_edit():
            frame = targets_frame(targets)
            st.dataframe(frame, hide_index=True, width="stretch", placeholder="", column_config=worded(frame))
        else:
            with st.form("targets-form"):
                edited = st.data_editor(
                    targets_frame(targets), num_rows="dynamic", hide_index=True, width="stretch", key="targets-editor",
                    column_config={
                        "name": st.column_config.TextColumn("Name", required=True),
                        "metric": st.column_config.SelectboxColumn("Metric", options=list(METRICS), required=True,
                                                                   format_func=lambda m: metric_defs.get(m).label),
                        "priority": st.column_config.TextColumn("Priority", help="urgent, high, normal, low"),
                        "team": st.column_config.TextColumn("Team"),
                        "channel": st.column_config.TextColumn("Channel"),
                        "customer": st.column_config.TextColumn("Customer"),
                        "customer_tier": st.column_config.TextColumn("Tier"),
                        "category": st.column_config.TextColumn("Category"),
                        "service": st.column_config.TextColumn("Service", help="uptime only: the services of the "
                                                                                "outage and check logs"),
                        "credits": st.column_config.TextColumn(
                            "Credits", help="uptime only: below this uptime, this service credit — "
                                            "'99.9%: 10%; 99%: 25%'"),
                        "budget": st.column_config.SelectboxColumn(
                            "Budget period", options=["month", "quarter"],
                            help="uptime only: when the error budget resets"),
                        "within": st.column_config.TextColumn(
                            "Within", required=all(m.threshold for m in metric_defs.METRICS.values())),
                        "goal_pct": st.column_config.NumberColumn("Goal %", min_value=0.1, max_value=100, step=0.01,
                                                                  format="%g", required=True),
                        "calendar": st.column_config.SelectboxColumn("Calendar", options=cal_names, required=True),
                        "measure": st.column_config.SelectboxColumn(
                            "Measured by", options=list(MEASURES), format_func=lambda m: MEASURE_WORDS.get(m, m),
                            help="; ".join(f"{m.label}: " + ", ".join(f"{m.measure_words.get(k, k)}"
                                                                      + (" (default)" if k == "app" else "")
                                                                      for k in m.measures)
                                           for m in metric_defs.METRICS.values())),
                        "pause": st.column_config.TextColumn("Pause", help=" and ".join(
                            m.noun for m in metric_defs.METRICS.values() if m.pauses) + f" only: {', '.join(PAUSES)}"),
                    },
                )
                c1, c2, c3 = st.columns([2, 1, 1])
                reason = c1.text_input("Reason for the change", placeholder="e.g. new contract with Acme from March")
                effective = c2.date_input("Effective from", value=date.today())
                author = current_user() if login_on() else c3.text_input("Author", value=current_user())
                submitted = st.form_submit_button("Save targets", type="primary")
            if submitted:
                counts = save_targets_table(store, edited, author=author, reason=reason, effective=effective)
                st.success(f"Saved: {counts['created']} created, {counts['changed']} changed (a new version each), "
                           f"{counts['retired']} retired, {counts['unchanged']} unchanged.")
                st.rerun()
        for name, note in _notes(str(store.path), store.version, targets_fingerprint(store)):
            st.caption(f"**{md_escape(name)}** — {md_escape(note)}")

with tab_whatif:
    with guarded("The what-if"):
        targets = current_targets(store)
        if not targets:
            st.info("Define a target first; the what-if then shows how a different threshold or goal would have done.")
        else:
            base = st.selectbox("Target", targets, format_func=lambda t: t.name, key="whatif-target")
            kind = metric_defs.get(base.metric)
            c1, c2, c3 = st.columns(3)
            if kind.threshold:
                within = c1.text_input("Threshold (business time)", value=format_duration(base.within_s)
                                       .replace(" ", "").replace("min", "m"), key="whatif-within")
            else:  # CSAT, FCR, uptime: only the goal can move
                within = None
                c1.caption(f"{kind.label} has no threshold: try another goal.")
            if kind.precision > 1:  # uptime: 99.9 against 99.95 is the question
                goal = c2.number_input("Goal %", 90.0, 100.0, float(round(base.goal * 100, 3)), 0.01, format="%.2f",
                                       key=f"whatif-goal-{base.name}")
            else:
                goal = c2.slider("Goal %", 50.0, 100.0, float(round(base.goal * 100, 1)), 0.5, key="whatif-goal")
            weeks = c3.slider("Weeks of history", 4, 26, 12, key="whatif-weeks")
            try:
                probe = build_target(base.name, base.metric, within, f"{goal}%", base.scope, base.calendar,
                                     base.measure, base.pause, [list(c) for c in base.credits], base.budget)
            except ValueError as exc:
                raise UserError(str(exc)) from None
            weekly = recent_attainment(store, probe, weeks=weeks)
            if weekly[["met", "breached", "pending"]].to_numpy().sum() == 0:
                st.info(f"No {kind.units} in this target's scope in that time.")
            else:
                decided = weekly["met"].sum() + weekly["breached"].sum()
                overall = 100 * weekly["met"].sum() / decided if decided else float("nan")
                m1, m2 = st.columns(2)
                digits = kind.precision
                m1.metric(f"Attainment with {format_duration(probe.within_s)}" if kind.threshold
                          else f"{kind.label}, last {weeks} weeks",
                          "–" if overall != overall else f"{overall:.{digits}f}%",
                          delta=None if overall != overall else f"{overall - goal:+.{digits}f} pts vs goal")
                judged = weekly["attainment"].notna()
                empty = "" if judged.all() else f" ({int((~judged).sum())} without decided tickets)"
                m2.metric("Weeks meeting the goal", f"{int((weekly['attainment'] >= goal).sum())} of {len(weekly)}"
                          + empty)
                show_chart(charts.whatif_chart(weekly, goal), "what-if weekly attainment", "dl-whatif")
            _, months = missed_periods(store, probe, goal / 100)
            st.info(md_escape(months))
            if kind.threshold:
                seconds, n, sentence = recommend_threshold(store, probe, goal / 100)
                st.info(md_escape(sentence))  # it names the scope's teams, customers and the calendar

with tab_calendars:
    with guarded("The calendars editor"):
        st.write("Opening hours per calendar: `mon-fri: 09:00-17:00; sat: 10:00-14:00` (several windows: "
                 "`08:00-12:00, 13:00-17:00`). Holidays: a country or country-subdivision code such as `DE-BE`, "
                 "`US`, `GB-ENG`. Closed: extra dates, comma-separated.")
        if not can_edit():
            st.dataframe(calendars_frame(store), hide_index=True, width="stretch")
        else:
            with st.form("calendars-form"):
                edited_cals = st.data_editor(calendars_frame(store), num_rows="dynamic", hide_index=True,
                                             width="stretch", key="calendars-editor")
                if st.form_submit_button("Save calendars"):
                    saved = save_calendars_table(store, edited_cals)
                    st.success(f"Saved {counted(saved, 'calendar')}.")

with tab_history:
    with guarded("The history"):
        frame = history(store)
        if frame.empty:
            st.info("No targets yet, so no history.")
        else:
            show_table(frame, "target history", "dl-history", column_config={
                "effective_from": st.column_config.DatetimeColumn("Effective from", format="YYYY-MM-DD HH:mm"),
                "recorded_at": st.column_config.DatetimeColumn("Recorded", format="YYYY-MM-DD HH:mm")})

with tab_yaml:
    with guarded("SLA as code"):
        st.write("Targets and calendars as YAML: keep them in version control and apply them with "
                 "`python -m slacore targets apply FILE.yaml`.")
        text = export_yaml(store)
        st.download_button("Download sla.yaml", text.encode(), file_name="sla.yaml", mime="text/yaml",
                           on_click="ignore")
        pasted = st.text_area("Paste YAML to apply", height=200, key="yaml-input") if can_edit() else ""
        if can_edit() and st.button("Apply YAML", key="apply-yaml") and pasted.strip():
            counts = apply_yaml(store, pasted, author=current_user(), source="the Targets page")
            st.success(f"Applied: {counts['created']} created, {counts['changed']} changed, "
                       f"{counts['unchanged']} unchanged, {counts['calendars']} calendars saved.")
        st.code(text, language="yaml")
        tz = workspace_timezone(store)
        st.caption(f"Workspace time zone (periods are cut at midnight here): {md_escape(tz)}")
