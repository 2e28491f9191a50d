"""Browser tests: a real `streamlit run app.py` on a free port with its own database, driven by headless Chromium.

Chromium is Debian's (/usr/bin/chromium, no Playwright browser download). Without it the tests skip, unless
REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers_e2e import running_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
HEALTH_TIMEOUT_S = 60
_SERVER_LOGS: list[Path] = []  # the running server's log, attached to the report of a failing browser test


def _no_browser(reason: str):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (REQUIRE_BROWSER=1: the browser tests must run here)", pytrace=False)
    pytest.skip(reason)



def _tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


@pytest.fixture(scope="session")
def streamlit_server(tmp_path_factory):
    """Start the app on a free port with a fresh database; yield its base URL; stop it afterwards."""
    workdir = tmp_path_factory.mktemp("e2e-server")
    db = workdir / "e2e.duckdb"  # each server its own file: DuckDB locks a file to one process
    log_path = workdir / "streamlit.log"
    _SERVER_LOGS.append(log_path)
    try:
        with running_app(db, log_path, HEALTH_TIMEOUT_S) as base:
            yield base
    except RuntimeError as exc:  # never healthy: the log's last lines say why
        pytest.fail(f"{exc}\n{_tail(log_path)}")
    finally:
        _SERVER_LOGS.remove(log_path)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and _SERVER_LOGS:
        report.sections.append(("streamlit server log (last lines)", _tail(_SERVER_LOGS[-1])))
    return report


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _no_browser(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("the playwright package is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    """A fresh browser context per test (its own Streamlit session)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()
