"""Shared fixtures: a fresh database per test, the shared awkward inputs, AppTest with caches cleared."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# CI (CI=true) runs the same examples every time, so a red build is reproducible and never a lucky draw; local runs
# keep drawing new examples to find what CI has not seen. Registered here, not left to Hypothesis's own 'ci'
# profile, so the behaviour does not change with the Hypothesis version.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
if os.environ.get("CI"):
    settings.load_profile("ci")

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


@pytest.fixture
def app_env(db_path, monkeypatch):
    """Environment for AppTest: its own database, Streamlit caches cleared before and after, every run through
    app.py, and no error left on a page that the test did not look at (see apptest_helpers)."""
    import streamlit as st

    from apptest_helpers import always_through_app_py, unchecked_errors, watch_runs
    from slacore.store import close_all

    monkeypatch.setenv("SLA_DB", str(db_path))
    always_through_app_py(monkeypatch)
    runs = watch_runs(monkeypatch)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield db_path
    st.cache_data.clear()
    st.cache_resource.clear()
    close_all()
    if problems := unchecked_errors(runs):
        pytest.fail("an AppTest ended on a page with an error it never checked:\n" + "\n".join(problems))


@pytest.fixture
def empty_app(app_env, monkeypatch):
    """Like app_env, but the first start loads no sample data."""
    monkeypatch.setattr("slacore.sample.SAMPLE_FILES", ())
    return app_env



@pytest.fixture(scope="session")
def sample_db_template(tmp_path_factory) -> Path:
    """The sample workspace imported once per session (about 1 s of imports); sample_app copies the file."""
    from slacore.sample import ensure_sample_data
    from slacore.store import close_all, open_store

    path = tmp_path_factory.mktemp("sample-template") / "sample.duckdb"
    assert ensure_sample_data(open_store(path)), "the sample data did not load into the template"
    close_all()  # checkpoints: the copy below is the whole database
    return path


@pytest.fixture
def sample_app(app_env, sample_db_template):
    """Like app_env, but the database already holds the sample workspace (a copy of the session's template), so the
    first AppTest start skips the import. Only for tests that do not look at the first start itself."""
    import shutil

    shutil.copyfile(sample_db_template, app_env)
    return app_env
