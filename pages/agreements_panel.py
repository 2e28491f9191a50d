"""The Agreements tab of the Targets page: targets grouped by agreement (SLA / OLA / UC), and creating or editing an
agreement (editors; viewers see it read-only). The rules live in slacore.agreements; this only lays them out."""

from __future__ import annotations

import streamlit as st

import pages.shared as shared
from pages.shared import current_user, plain, show_table
from slacore import agreements as ag
from slacore.errors import UserError
from slacore.overview import dimension_values
from slacore.scope import FILTER_DIMENSIONS
from slacore.store import Store
from slacore.target_table import targets_frame
from slacore.targets import current_targets

NEW = "(new agreement)"
SAVED = "agreement-saved"
PICK_NEXT = "agreement-pick-next"


def _grouped(store: Store) -> None:
    """One expander per agreement with its targets, then the targets outside any agreement."""
    targets = current_targets(store)
    agreements = ag.current_agreements(store)
    if not agreements:
        st.info("No agreement yet. An agreement groups the targets promised to one client (SLA), one internal "
                "team (OLA) or by one vendor (UC), with the tickets it covers and how often it is reviewed.")
    for a in agreements:
        members = [t for t in targets if t.target_id in a.target_ids]
        with st.expander(f"{plain(a.name)} — {a.kind}" + (f" with {plain(a.counterparty)}" if a.counterparty
                                                          else "") + f" ({len(members)} targets)"):
            st.text(a.describe())
            if a.description:
                st.text(a.description)
            if members:
                st.dataframe(targets_frame(members), hide_index=True, width="stretch")
            else:
                st.caption("No current target in this agreement.")
            st.caption(f"Version {a.version}, recorded {a.recorded_at:%d %b %Y %H:%M} UTC by "
                       f"{plain(a.author or 'unknown')}.")
    if agreements:
        owned = ag.membership(store)
        outside = [t for t in targets if t.target_id not in owned]
        with st.expander(f"Targets outside any agreement ({len(outside)})"):
            if outside:
                st.dataframe(targets_frame(outside), hide_index=True, width="stretch")
            else:
                st.caption("Every target belongs to an agreement.")


def _editor(store: Store) -> None:
    """Create or edit one agreement: every save is a new version with its author and reason."""
    agreements = {a.name: a for a in ag.current_agreements(store)}
    if PICK_NEXT in st.session_state:  # after a save: the agreement just saved (set before the widget exists)
        st.session_state["agreement-pick"] = st.session_state.pop(PICK_NEXT)
    choice = st.selectbox("Create or edit", [NEW] + list(agreements), key="agreement-pick")
    current = agreements.get(choice)
    slot = "new" if current is None else str(current.agreement_id)  # fresh defaults per agreement
    targets = current_targets(store)
    owner = ag.membership(store)
    options = dimension_values(store)
    with st.form(f"agreement-form-{slot}"):
        c1, c2, c3 = st.columns([2, 1, 2])
        name = c1.text_input("Name", value=current.name if current else "", key=f"agr-name-{slot}",
                             placeholder="e.g. ACME support")
        kinds = list(ag.KINDS)
        kind = c2.selectbox("Kind", kinds, index=kinds.index(current.kind) if current else 0,
                            format_func=lambda k: f"{k} — {ag.KINDS[k].split(' (')[0].lower()}",
                            key=f"agr-kind-{slot}")
        counterparty = c3.text_input("Counterparty", value=current.counterparty if current else "",
                                     placeholder="the client, team or vendor", key=f"agr-party-{slot}")
        cadences = list(ag.cadences())
        c1, c2 = st.columns([1, 3])
        cadence = c1.selectbox("Review cadence", cadences, format_func=ag.cadences().get,
                               index=cadences.index(current.cadence) if current else cadences.index("quarter"),
                               key=f"agr-cadence-{slot}")
        description = c2.text_input("Description", value=current.description if current else "",
                                    key=f"agr-desc-{slot}")
        st.caption("Scope: the tickets the agreement covers (empty = all).")
        scope = {}
        stored = current.scope_dict if current else {}
        for col, dim in zip(st.columns(len(FILTER_DIMENSIONS)), FILTER_DIMENSIONS):
            values = list(dict.fromkeys([*stored.get(dim, []), *options.get(dim, [])]))
            scope[dim] = col.multiselect(dim.capitalize(), values, default=stored.get(dim, []), placeholder="All",
                                         key=f"agr-scope-{dim}-{slot}")
        by_id = {t.target_id: t.name for t in targets}

        def shown(target_id: int) -> str:
            other = owner.get(target_id)
            here = current.name if current else None
            return by_id[target_id] + (f" (in {other})" if other and other != here else "")

        members = st.multiselect("Targets", list(by_id), format_func=shown,
                                 default=[i for i in (current.target_ids if current else ()) if i in by_id],
                                 key=f"agr-targets-{slot}",
                                 help="A target belongs to at most one agreement.")
        reason = st.text_input("Reason for the change", key=f"agr-reason-{slot}",
                               placeholder="e.g. contract renewed with a monthly review")
        c1, c2 = st.columns([1, 4])
        save = c1.form_submit_button("Save agreement", type="primary")
        retire = c2.form_submit_button("Retire this agreement") if current else False
    if save:
        try:
            agreement = ag.build_agreement(name, kind, counterparty, scope, cadence, description, members)
        except ValueError as exc:
            raise UserError(f"The agreement cannot be saved: {exc}.") from None
        outcome = ag.save_agreement(store, agreement, author=current_user(), reason=reason,
                                    previous_name=current.name if current else None)
        st.session_state[SAVED] = f"{agreement.name}: {outcome}."
        st.session_state[PICK_NEXT] = agreement.name
        st.rerun()
    if retire:
        ag.retire_agreement(store, current.name, author=current_user(), reason=reason)
        st.session_state[SAVED] = f"{current.name}: retired (its targets stay, outside any agreement)."
        st.session_state[PICK_NEXT] = NEW
        st.rerun()


def render(store: Store) -> None:
    if SAVED in st.session_state:
        st.success("Saved — " + plain(st.session_state.pop(SAVED)))
    _grouped(store)
    if shared.can_edit():  # looked up per run (tests stand in a page that forgot to hide the form)
        st.markdown("##### Create or edit an agreement")
        _editor(store)
    history = ag.history(store)
    if not history.empty:
        st.markdown("##### Agreement history")
        show_table(history, "agreement history", "dl-agreement-history", column_config={
            "recorded_at": st.column_config.DatetimeColumn("Recorded", format="YYYY-MM-DD HH:mm")})
