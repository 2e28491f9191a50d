"""Shared fixtures: a fresh database per test, the shared awkward inputs, AppTest with caches cleared."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from paths import REPO, SAMPLE, SHARED_INPUTS  # noqa: E402,F401 - re-exported for older imports

sys.path.insert(0, str(REPO))


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def store(db_path):
    from slacore.store import close_all, open_store

    s = open_store(db_path)
    yield s
    close_all()


@pytest.fixture
def inputs() -> Path:
    if SHARED_INPUTS is None:
        pytest.skip("../shared/inputs is not available")
    return SHARED_INPUTS


def _always_through_app_py(monkeypatch) -> None:
    """Run every AppTest rerun through app.py, as a served app does after its first run.

    AppTest resets `PagesManager.uses_pages_directory` before each run, and with a `pages/` folder beside app.py
    Streamlit then runs the page file on its own (the old pages-directory mode): no start-up guard, no navigation.
    A server clears that mode for good on its first run (`st.navigation`, and pages.shared for a deep link)."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def app_env(db_path, monkeypatch):
    """Environment for AppTest: its own database, Streamlit caches cleared before and after, every run through
    app.py."""
    import streamlit as st

    from slacore.store import close_all

    monkeypatch.setenv("SLA_DB", str(db_path))
    _always_through_app_py(monkeypatch)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield db_path
    st.cache_data.clear()
    st.cache_resource.clear()
    close_all()


@pytest.fixture
def empty_app(app_env, monkeypatch):
    """Like app_env, but the first start loads no sample data."""
    monkeypatch.setattr("slacore.sample.SAMPLE_FILES", ())
    return app_env

