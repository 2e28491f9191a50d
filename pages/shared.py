"""What every page shares: the store for this process, error guarding, small formatting helpers.

The store is one per process (`st.cache_resource`), keyed by the database path, so every browser session shares
one DuckDB connection and its write lock; the same process runs the command line's commands on that database while
it holds the file (slacore.handover).
"""

from __future__ import annotations

import logging
import sys
import time
from contextlib import contextmanager

import streamlit as st

from slacore import auth
from slacore.config import resolve_db_path
from slacore.errors import DatabaseBusy, UserError
from slacore.cli import run_job
from slacore.handover import serve as serve_commands
from slacore.store import Store, open_store
from slacore.text import md_escape
from slacore.uploads import UploadSpool

log = logging.getLogger("sla-dashboard")


def _leave_pages_directory_mode() -> None:
    """Streamlit treats the very first run of a fresh server as an old-style `pages/` app when it is opened on a
    deep link (/data): the page runs without app.py's navigation. Switch that mode off and rerun through app.py.
    (Page url_paths equal the file names, so the rerun lands on the same page.)"""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


_leave_pages_directory_mode()


def db_path_from_argv() -> str | None:
    """`streamlit run app.py -- --db PATH` (the README's override); else $SLA_DB / the default."""
    argv = sys.argv[1:]
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--db="):
            return arg.split("=", 1)[1]
    return None


@st.cache_resource(show_spinner=False)
def _store_for(path: str) -> Store:
    store = open_store(path)
    serve_commands(store, run_job)  # while this process holds the file, `python -m slacore ...` hands its commands here
    return store


def _open(path: str) -> Store:
    store = _store_for(path)
    if store.closed:  # closed by a test or a shutdown: open again
        _store_for.clear()
        store = _store_for(path)
    return store


# A command-line run holding the file (an import started before the app opened it) usually ends within seconds.
WAIT_FOR_COMMAND_S = 20.0


def get_store() -> Store:
    """The store of this process. A database that cannot be opened stops the page with one sentence (st.error):
    held by another program (after waiting a while for a command-line run to finish), damaged, or too new."""
    path = str(resolve_db_path(db_path_from_argv()))
    try:
        return _open(path)
    except DatabaseBusy as busy:
        problem: UserError = busy
        if busy.command_line:
            deadline = time.monotonic() + WAIT_FOR_COMMAND_S
            with st.spinner(f"Waiting for {busy.program} (PID {busy.pid}) to finish with the database…"):
                while time.monotonic() < deadline:
                    time.sleep(0.25)
                    try:
                        return _open(path)
                    except DatabaseBusy as again:
                        problem = again
                    except UserError as other:
                        problem = other
                        break
    except UserError as exc:
        problem = exc
    st.error(str(problem))
    st.stop()


@contextmanager
def guarded(what: str = "This page"):
    """Turn failures into a sentence: a UserError as it is, anything else as a generic message (logged)."""
    try:
        yield
    except UserError as exc:
        st.error(md_escape(str(exc)))  # messages quote file names, headers and values: shown as typed
    except Exception:  # never a traceback in the browser
        log.exception("%s failed", what)
        st.error(f"{md_escape(what)} could not be shown because of an unexpected error; it has been logged on the "
                 "server.")


@st.cache_resource(scope="session", on_release=UploadSpool.close, show_spinner=False)
def upload_spool() -> UploadSpool:
    """This browser session's private folder for uploads. Streamlit releases it when the session disconnects, and
    releasing removes the folder (a reconnecting session gets a new one; its uploads are written again)."""
    return UploadSpool()


def forget_uploads() -> None:
    """The uploader is not on this page (its files are gone from the session): remove their copies on disk."""
    upload_spool().keep_only(())


def current_user() -> str:
    """Who a write records as its author: the signed-in user (login on), else the machine's user."""
    return auth.acting_name()


def can_edit() -> bool:
    """Whether to show write controls (slacore refuses a viewer's write anyway: this only hides buttons)."""
    principal = auth.current()
    return principal is None or principal.can("editor")


def login_on() -> bool:
    """Whether someone is signed in (login configured): then the author of a write is not typed but known."""
    return auth.current() is not None


VIEW_ONLY = "You are signed in as a viewer: you can look and download; changes need the editor role."


_MARKDOWN_SPECIALS = set("\\`*_{}[]()#!|<>~$:")


def plain(text) -> str:
    """User-typed text (a review's name, who signed it off) for an element that renders Markdown (subheader,
    success, page_link labels): every Markdown character escaped, so it shows as typed — no link, no image
    fetched from elsewhere, no colour directive."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(text))


def fmt_int(n) -> str:
    try:
        return f"{int(n):,}"
    except (TypeError, ValueError):
        return "–"


def empty_state(store: Store, targets) -> bool:
    """Show the right sentence and link when there is nothing to analyse yet; True when the page should stop."""
    if not store.scalar("SELECT count(*) > 0 FROM tickets"):
        st.info("No tickets yet: upload a ticket export first.")
        st.page_link("pages/data.py", label="Go to Data", icon=":material/upload_file:")
        return True
    if not targets:
        st.info("No targets yet: define what you promise (or start from a template), then come back.")
        st.page_link("pages/targets.py", label="Go to Targets", icon=":material/flag:")
        return True
    return False


# The columns a lead needs first when reading the tickets behind a number; the rest scroll sideways.
DRILL_FIRST = ("ticket_id", "outcome", "business_minutes", "threshold_minutes", "created_at", "priority", "team",
               "subject")


def show_drilldown(frame, label: str, note: str = "") -> None:
    """The tickets behind a number, with a download (formula-safe CSV)."""
    from slacore.exports import csv_bytes

    st.subheader("Tickets behind the selection")
    st.caption(f"{md_escape(label)}: {len(frame):,} tickets{' (first 20,000)' if len(frame) >= 20000 else ''}. {note}")
    if frame.empty:
        st.info("No tickets behind this selection.")
        return
    st.dataframe(frame, hide_index=True, width="stretch", height=320, placeholder="", column_config=worded(frame),
                 column_order=[c for c in DRILL_FIRST if c in frame.columns]
                 + [c for c in frame.columns if c not in DRILL_FIRST])
    c1, c2 = st.columns([1, 4])
    c1.download_button("Download CSV", csv_bytes(frame), file_name="tickets.csv", mime="text/csv",
                       on_click="ignore", key="drill-download")
    if c2.button("Close", key="drill-close"):
        st.session_state.pop("drill", None)
        st.rerun()


def _file_stem(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name.lower()).strip("-") or "table"


def table_downloads(frame, name: str, key: str) -> None:
    """Every table the app shows can leave it: CSV and Excel (formula-safe, built only when clicked)."""
    from slacore.exports import csv_bytes, excel_bytes

    stem = _file_stem(name)
    with st.popover("Download", icon=":material/download:"):
        st.download_button("CSV", lambda: csv_bytes(frame), file_name=f"{stem}.csv", mime="text/csv",
                           on_click="ignore", key=f"{key}-csv")
        st.download_button("Excel", lambda: excel_bytes({name[:31]: frame}), file_name=f"{stem}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           on_click="ignore", key=f"{key}-xlsx")


def worded(frame, column_config: dict | None = None) -> dict:
    """column_config for st.dataframe: every column headed in words (slacore.text.column_label), date-times as
    dates, with the page's own settings on top. A column the page configured keeps its configuration."""
    import pandas as pd

    from slacore.text import column_label

    config: dict = {}
    for col in getattr(frame, "columns", []):
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            config[col] = st.column_config.DatetimeColumn(column_label(col), format="D MMM YYYY, HH:mm")
        else:
            config[col] = column_label(col)
    return {**config, **(column_config or {})}


def show_table(frame, name: str, download_key: str, **kwargs):
    """st.dataframe plus its downloads; returns the dataframe's selection event (when `on_select` is given).

    Headers in words, empty cells empty (never the text "None")."""
    kwargs["column_config"] = worded(frame, kwargs.get("column_config"))
    event = st.dataframe(frame, **{"hide_index": True, "width": "stretch", "placeholder": "", **kwargs})
    table_downloads(frame, name, download_key)
    return event


def show_chart(chart, name: str, download_key: str, **kwargs):
    """st.altair_chart plus PNG and SVG downloads (vl-convert, built only when clicked); returns the selection."""
    from slacore.exports import chart_png, chart_svg

    event = st.altair_chart(chart, **{"width": "stretch", **kwargs})
    stem = _file_stem(name)
    with st.popover("Download", icon=":material/download:"):
        st.download_button("PNG", lambda: chart_png(chart), file_name=f"{stem}.png", mime="image/png",
                           on_click="ignore", key=f"{download_key}-png")
        st.download_button("SVG", lambda: chart_svg(chart), file_name=f"{stem}.svg", mime="image/svg+xml",
                           on_click="ignore", key=f"{download_key}-svg")
    return event

