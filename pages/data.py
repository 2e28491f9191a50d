"""Data: upload ticket and survey exports, check how they will be read (and as which kind), import them, and
manage past imports."""

from __future__ import annotations

from zoneinfo import available_timezones

import pandas as pd
import streamlit as st

from pages.shared import VIEW_ONLY, can_edit, fmt_int, get_store, guarded, upload_spool, worded
from slacore.config import MAX_UPLOAD_MB
from slacore.errors import UserError
from slacore.exports import csv_bytes
from slacore.importers import presets
from slacore.importers.kind_pipeline import choose_kind
from slacore.importers.pipeline import ImportOptions, delete_import, list_imports, rejected_rows
from slacore.kinds import KINDS, import_any, plan_any
from slacore.importers.priorities import CANONICAL, priority_values, save_priority_mapping
from slacore.sample import has_sample_data, remove_sample_data, sample_data_summary
from slacore.text import md_escape
from slacore.uploads import upload_key

COMMON_ZONES = ["UTC", "Europe/London", "Europe/Berlin", "Europe/Paris", "America/New_York", "America/Chicago",
                "America/Los_Angeles", "Asia/Kolkata", "Asia/Singapore", "Australia/Sydney"]
ZONES = COMMON_ZONES + sorted(z for z in available_timezones() if z not in COMMON_ZONES and "/" in z)

st.title("Data")
store = get_store()


def _upload_key(upload) -> str:
    """The file name an upload is saved under: its content hash (reruns and reports key on it), hashed once."""
    keys = st.session_state.setdefault("_upload_keys", {})
    if upload.file_id not in keys:
        keys[upload.file_id] = upload_key(upload.name, upload.getvalue())
    return keys[upload.file_id]


def _save_upload(upload):
    """Write an upload to this session's private folder once (reruns reuse it; an import or a refusal removes
    it, and so do removing it from the uploader and the end of the session)."""
    return upload_spool().save(upload.name, upload.getvalue(), key=_upload_key(upload))


def _mapping_editor(plan, key: str) -> dict[str, str]:
    """Editable field → column table, with how sure each proposed column is; returns the user's overrides (only
    what differs from the proposal)."""
    found = {c.field: c for c in plan.columns}
    asked = {m.field: m for m in plan.asked}
    fields = _fields(plan)
    rows = pd.DataFrame({
        "field": list(fields),
        "meaning": list(fields.values()),
        "column": [plan.mapping.get(f, "") for f in fields],
        "sure": [_sureness(found.get(f), asked.get(f)) for f in fields],
        "why": [found[f].how if f in found else (f"“{asked[f].header}”? {asked[f].explain()}" if f in asked else "")
                for f in fields],
    })
    edited = st.data_editor(
        rows, key=key, hide_index=True, width="stretch", disabled=["field", "meaning", "sure", "why"],
        column_config={
            "field": st.column_config.TextColumn("Field"),
            "meaning": st.column_config.TextColumn("Meaning"),
            "column": st.column_config.SelectboxColumn("Column in the file", options=[""] + plan.headers),
            "sure": st.column_config.TextColumn("How sure"),
            "why": st.column_config.TextColumn("Why this column"),
        },
    )
    overrides = {}
    for fld, column in zip(edited["field"], edited["column"]):
        column = column or ""
        if column != plan.mapping.get(fld, ""):
            overrides[fld] = column
    return overrides


def _fields(plan) -> dict[str, str]:
    """The fields of the plan's kind, with what each means (tickets: the ticket fields)."""
    return plan.fields or presets.FIELDS


def _kind_choice(path, upload, i: int) -> str:
    """The kind the file is read as: detected from its header, changeable here."""
    names = list(KINDS)
    try:
        detected = choose_kind(path, upload.name, KINDS).name
        why = "detected from the header"
    except UserError:  # the header could be two kinds: the user says which
        detected, why = "tickets", "the header could be more than one kind: choose"
    return st.selectbox(f"What the file holds ({why})", names, index=names.index(detected),
                        format_func=lambda n: KINDS[n].label, key=f"kind-{i}-{upload.name}")


def _format_label(plan) -> str:
    if plan.import_kind == "tickets":
        return presets.PRESETS[plan.format].label
    preset = KINDS[plan.import_kind].presets.get(plan.format)
    return preset.label if preset else f"Generic {KINDS[plan.import_kind].label.lower()}"


def _sureness(column, asked) -> str:
    if column is not None:
        return f"{column.score:.0%}"
    return f"{asked.score:.0%}, asked" if asked is not None else ""


def _confirm_unsure(plan, key: str) -> dict[str, str]:
    """A low-confidence match is asked, not assumed: {field: header} for the ones the user confirms."""
    if not plan.asked:
        return {}
    st.warning("Not sure about " + ", ".join(f"“{md_escape(m.header)}”" for m in plan.asked)
               + ": confirm what each column is, or choose it in the field mapping.")
    confirmed = {}
    for m in plan.asked:
        if st.checkbox(f"Use the column “{md_escape(m.header)}” as {_fields(plan)[m.field].lower()}", key=f"{key}-{m.field}",
                       help=f"Match {m.score:.0%}: {md_escape(m.explain())}."):
            confirmed[m.field] = m.header
    return confirmed


def _source_zone(plan, chosen: str, key: str) -> str:
    """The zone a header names ('Created (CET)') is proposed for this file, and can be changed here."""
    if not plan.timezone_from:
        return chosen
    named = " and ".join(f"“{h}”" for h in plan.timezone_from)
    return st.selectbox(f"Time zone of this file's time stamps (proposed by {named})", ZONES,
                        index=ZONES.index(plan.timezone) if plan.timezone in ZONES else 0, key=key,
                        help="Time stamps without an offset are read in this zone; ones with an offset keep it.")


def _show_report(report) -> None:
    c1, c2, c3, c4 = st.columns(4)
    if report.kind == "surveys":
        c1.metric("New responses", fmt_int(report.loaded))
        c4.metric("Offered, not answered", fmt_int(report.facts.get("offered_only", 0)))
    else:
        c1.metric("New tickets" if report.kind == "tickets" else f"New {KINDS[report.kind].noun}",
                  fmt_int(report.loaded))
        c4.metric("Repeated ids", fmt_int(report.duplicates))
    c2.metric("Updated", fmt_int(report.updated))
    c3.metric("Rejected rows", fmt_int(report.rejected))
    for line in report.lines:
        st.caption(md_escape(line[0].upper() + line[1:]) + ".")
    st.caption(f"{md_escape(report.file_name)}: format {md_escape(report.format)}, "
               f"source “{md_escape(report.source)}”, time zone {md_escape(report.timezone)}, {report.seconds:.1f} s. "
               + "; ".join(md_escape(n) for n in report.notes))
    for sentence in report.measured_as.values():
        st.info(md_escape(sentence))
    for line in report.placeholder_lines():
        st.caption(f"Placeholder dates (the export's “no date”): {md_escape(line)}.")
    if report.rejected:
        st.warning(f"{report.rejected} rows were rejected; the other rows were imported.")
        st.dataframe(report.rejected_rows, hide_index=True, width="stretch")
        st.download_button("Download rejected rows (CSV)", csv_bytes(rejected_rows(store, report.import_id)),
                           file_name=f"rejected-import-{report.import_id}.csv", mime="text/csv",
                           key=f"dl-rej-{report.import_id}", on_click="ignore")


tab_upload, tab_imports, tab_priorities = st.tabs(["Upload", "Imports", "Priorities"])

with tab_upload:
    uploads = None
    if not can_edit():
        st.info(VIEW_ONLY)
    else:
        uploads = st.file_uploader(
            f"Ticket and survey exports, outage logs and monitor checks: CSV or XLSX from Zendesk, Freshdesk, Jira, "
            f"ServiceNow, SurveyMonkey, Qualtrics, Statuspage, PagerDuty, UptimeRobot or any tool (up to "
            f"{MAX_UPLOAD_MB} MB each)",
            type=["csv", "txt", "tsv", "xlsx"], accept_multiple_files=True, key="uploads",
        )
        o1, o2, o3 = st.columns(3)
        tz = o1.selectbox("Time zone of the time stamps", ZONES, key="tz",
                          help="Time stamps without an offset are read in this zone; ones with an offset keep it. "
                               "A zone named in a file's headers, such as 'Created (CET)', is proposed for that file.")
        dates = o2.selectbox("Date order", ["Detect from the data", "Day first (31.01.2025)",
                                            "Month first (01/31/2025)"], key="dayfirst")
        pii = o3.selectbox("Personal data (requester names, e-mails)", ["keep", "drop", "hash"], key="pii",
                           help="Columns that look like requester personal data can be dropped or hashed at import.")
        dayfirst = {0: None, 1: True, 2: False}[["Detect from the data", "Day first (31.01.2025)",
                                                 "Month first (01/31/2025)"].index(dates)]

    imported = st.session_state.setdefault("_imported_uploads", set())  # file ids whose copy is gone for good
    upload_spool().keep_only(_upload_key(u) for u in uploads or [])  # removed from the uploader: gone from disk
    for i, upload in enumerate(uploads or []):
        with st.container(border=True):
            st.subheader(md_escape(upload.name), anchor=False)
            if upload.file_id in imported:  # not written to disk again: upload it again to import it again
                st.success(f"Imported {md_escape(upload.name)}.")
                _show_report(st.session_state["reports"][_upload_key(upload)])
                continue
            with guarded(f"Reading {upload.name}"):
                path = _save_upload(upload)
                try:
                    kind = _kind_choice(path, upload, i)
                except UserError:
                    path.unlink(missing_ok=True)
                    raise
                formats = list(presets.PRESETS) if kind == "tickets" else [*KINDS[kind].presets, "generic"]
                fmt_choice = st.selectbox("Format", ["auto"] + formats, key=f"fmt-{i}-{upload.name}")
                # no zone yet: the plan proposes the one a header names, the page's choice applies otherwise
                options = ImportOptions(fmt=fmt_choice, timezone=None, dayfirst=dayfirst, pii=pii)
                try:
                    plan = plan_any(store, path, upload.name, options, kind=kind)
                except UserError:
                    path.unlink(missing_ok=True)
                    raise
                if plan.sheets and len(plan.sheets) > 1:
                    sheet = st.selectbox("Sheet", plan.sheets, index=plan.sheets.index(plan.sheet),
                                         key=f"sheet-{i}-{upload.name}")
                    if sheet != plan.sheet:
                        options.sheet = sheet
                        plan = plan_any(store, path, upload.name, options, kind=kind)
                st.write(f"**{md_escape(_format_label(plan))}** export, {fmt_int(plan.rows)} rows, "
                         f"{len(plan.headers)} columns" + (" — mapping remembered from an earlier file"
                                                           if plan.remembered else ""))
                st.dataframe(plan.preview.head(10), hide_index=True, width="stretch")
                missing = [f for f in KINDS[kind].required if f not in plan.mapping]
                if missing:
                    st.warning(f"No column was recognised as the {_fields(plan)[missing[0]].split(' (')[0].lower()}: "
                               "choose it below." if kind != "tickets" else
                               "No column was recognised as the creation time: choose it below.")
                for line in KINDS[kind].report_lines(plan.facts) if KINDS[kind].report_lines and plan.facts else []:
                    st.caption(md_escape(line[0].upper() + line[1:]) + ".")
                read_loosely = [c for c in plan.columns if c.score < 1.0]
                st.caption(f"{len(plan.columns)} fields mapped" + (
                    "; read through the headers' decorations: "
                    + ", ".join(f"{c.field} ← “{md_escape(c.header)}” ({c.score:.0%} sure)" for c in read_loosely)
                    if read_loosely else ", all by their exact names") + " (see the field mapping).")
                confirmed = _confirm_unsure(plan, key=f"ask-{i}-{upload.name}")
                with st.expander("Field mapping", expanded=bool(missing) or bool(plan.asked)):
                    overrides = _mapping_editor(plan, key=f"map-{i}-{upload.name}")
                    if plan.timestamp_formats:
                        st.caption("Dates: " + "; ".join(f"{md_escape(k)}: {md_escape(v)}"
                                                     for k, v in plan.timestamp_formats.items()))
                for fld, header in confirmed.items():
                    overrides.setdefault(fld, header)
                for sentence in plan.measured_as.values():
                    st.info(md_escape(sentence))
                if plan.notes:
                    st.caption("Notes: " + "; ".join(md_escape(n) for n in plan.notes))
                options.timezone = _source_zone(plan, tz, key=f"tz-{i}-{upload.name}")
                if plan.pii_columns:
                    st.caption(f"Personal data columns ({pii}): " + ", ".join(md_escape(c) for c in plan.pii_columns))
                default_source = plan.format if kind == "tickets" else (
                    f"{plan.format}-{kind}" if plan.format != "generic" else kind)  # as the command line names it
                source = st.text_input("Source system name", value=default_source, key=f"src-{i}-{upload.name}",
                                       help="Tickets are matched by (source, ticket id): re-importing an export "
                                            "of the same system updates its tickets instead of adding them twice.")
                if st.button(f"Import {md_escape(upload.name)}", key=f"import-{i}-{upload.name}", type="primary"):
                    options.mapping = overrides
                    options.source = source
                    bar = st.progress(0.0, text="Starting")
                    try:
                        report = import_any(store, path, upload.name, options, kind=kind,
                                            progress=lambda f, m: bar.progress(min(f, 1.0), text=m))
                    finally:
                        path.unlink(missing_ok=True)  # the upload stays in the widget; no copy lingers on disk
                    st.session_state.setdefault("reports", {})[path.name] = report
                    imported.add(upload.file_id)
            # Keyed by content: a new export with last week's file name must not show last week's report.
            report = st.session_state.get("reports", {}).get(_upload_key(upload))
            if report is not None:
                st.success(f"Imported {md_escape(upload.name)}.")
                _show_report(report)

with tab_imports:
    with guarded("The import list"):
        if "sample-removed" in st.session_state:
            st.success(st.session_state.pop("sample-removed"))
        if has_sample_data(store) and can_edit():
            st.info("The built-in sample data is loaded. Remove it once your own exports are in; targets stay.")
            if st.button("Remove the sample data", key="remove-sample"):
                st.session_state["confirm-sample"] = True
            if st.session_state.get("confirm-sample"):
                what = sample_data_summary(store)
                surveys = f" and {what['surveys']:,} sample survey responses" if what["surveys"] else ""
                st.warning(f"Remove {what['tickets']:,} sample tickets{surveys} of {what['imports']} sample imports "
                           f"({md_escape(', '.join(what['sources']))})? Your own imports and the targets stay.")
                yes, no = st.columns([1, 5])
                if yes.button("Yes, remove", key="remove-sample-yes", type="primary"):
                    gone = remove_sample_data(store)
                    st.session_state.pop("confirm-sample", None)
                    st.session_state["sample-removed"] = (
                        f"Removed {gone:,} sample tickets{surveys.replace(' and ', ', ')} and {what['imports']} "
                        "sample imports "
                        f"({md_escape(', '.join(what['sources']))}); targets kept.")
                    st.rerun()
                if no.button("Cancel", key="remove-sample-no"):
                    st.session_state.pop("confirm-sample", None)
                    st.rerun()
        imports = list_imports(store)
        if imports.empty:
            st.info("Nothing imported yet.")
        else:
            event = st.dataframe(
                imports.drop(columns=["sha256"]), hide_index=True, width="stretch", key="imports-table",
                on_select="rerun", selection_mode="single-row", placeholder="",
                column_config=worded(imports, {"finished_at": st.column_config.DatetimeColumn(
                    "Imported", format="D MMM YYYY, HH:mm")}),
            )
            selected = event.selection.rows if event else []
            if selected:
                row = imports.iloc[selected[0]]
                import_id = int(row["import_id"])
                st.subheader(f"Import {import_id}: {md_escape(row['file_name'])}", anchor=False)
                rej = rejected_rows(store, import_id)
                if len(rej):
                    st.dataframe(rej, hide_index=True, width="stretch")
                    st.download_button("Download rejected rows (CSV)", csv_bytes(rej),
                                       file_name=f"rejected-import-{import_id}.csv", on_click="ignore")
                else:
                    st.caption("No rejected rows.")
                noun = KINDS[row["kind"]].noun if row["kind"] in KINDS else "rows"
                if can_edit() and st.button(f"Delete this import and the {noun} it last wrote", key="delete-import"):
                    gone = delete_import(store, import_id)
                    st.success(f"Deleted import {import_id} ({gone} {noun}).")
                    st.rerun()
            st.caption("Select a row to see its rejected rows or delete it.")

with tab_priorities:
    with guarded("The priority mapping"):
        st.write("How raw priorities map to **urgent / high / normal / low**. Change a value and save: "
                 "stored tickets are updated and later imports use the same mapping.")
        values = priority_values(store)
        if values.empty:
            st.info("No priorities seen yet.")
        elif not can_edit():
            st.dataframe(values, hide_index=True, width="stretch")
        else:
            with st.form("priority-form"):
                edited = st.data_editor(
                    values, hide_index=True, width="stretch", disabled=["raw", "tickets"], key="prio-editor",
                    column_config={"canonical": st.column_config.SelectboxColumn("Canonical", options=list(CANONICAL),
                                                                                 required=True)},
                )
                if st.form_submit_button("Save priority mapping"):
                    changes = {r: c for r, c, old in zip(edited["raw"], edited["canonical"], values["canonical"])
                               if c != old}
                    changed = save_priority_mapping(store, changes) if changes else 0
                    st.success(f"Saved; {changed} tickets changed priority.")
