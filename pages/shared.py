"""What every page shares: the store for this process, error guarding, small formatting helpers.

The store is one per process (`st.cache_resource`), keyed by the database path, so every browser session shares
one DuckDB connection and its write lock.
"""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager

import streamlit as st

from slacore.config import resolve_db_path
from slacore.errors import UserError
from slacore.store import Store, open_store

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
    return open_store(path)


def get_store() -> Store:
    store = _store_for(str(resolve_db_path(db_path_from_argv())))
    if store.closed:  # closed by a test or a shutdown: open again
        _store_for.clear()
        store = _store_for(str(resolve_db_path(db_path_from_argv())))
    return store


@contextmanager
def guarded(what: str = "This page"):
    """Turn failures into a sentence: a UserError as it is, anything else as a generic message (logged)."""
    try:
        yield
    except UserError as exc:
        st.error(str(exc))
    except Exception:  # never a traceback in the browser
        log.exception("%s failed", what)
        st.error(f"{what} could not be shown because of an unexpected error; it has been logged on the server.")


def fmt_int(n) -> str:
    try:
        return f"{int(n):,}"
    except (TypeError, ValueError):
        return "–"
