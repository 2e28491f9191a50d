"""Helpers for the browser tests (tests/e2e): wait for a Streamlit script run to finish, read metrics."""

from __future__ import annotations

import re

# Both attributes sit on the app root (Streamlit's own e2e tests wait for the same selector).
APP_IDLE = '[data-testid="stApp"][data-test-connection-state="CONNECTED"][data-test-script-state="notRunning"]'
# Streamlit 1.67 does not render a tree ready for assertions until the first run ended; give DuckDB work room.
RUN_TIMEOUT_MS = 30_000


def wait_for_app(page, timeout: int = RUN_TIMEOUT_MS, settle_ms: int = 150) -> None:
    """Wait until the app is connected and no script run is in progress.

    After a click or an upload the frontend needs a moment to send the rerun request, so the attribute may still
    say notRunning from the previous run: wait `settle_ms` first, then for the idle state, and check once more
    (a widget change can queue a second run right after the first).
    """
    if settle_ms:
        page.wait_for_timeout(settle_ms)
    page.wait_for_selector(APP_IDLE, timeout=timeout)
    page.wait_for_timeout(settle_ms or 50)
    page.wait_for_selector(APP_IDLE, timeout=timeout)


def metric_value(page, label: str) -> str:
    """The value shown under an st.metric label (exact label match)."""
    metric = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )
    return metric.get_by_test_id("stMetricValue").inner_text().strip()


def as_int(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def screenshot_whole_app(page, path: str, width: int = 1400) -> None:
    """Screenshot the whole page. Streamlit scrolls inside its main container, so `full_page=True` alone only
    captures the viewport: grow the viewport to the content's height first, then restore it."""
    old = page.viewport_size
    height = page.get_by_test_id("stMain").evaluate("e => Math.max(e.scrollHeight, e.clientHeight)")
    page.set_viewport_size({"width": width, "height": min(int(height) + 40, 8000)})
    page.wait_for_timeout(300)  # let the layout settle at the new size
    page.screenshot(path=path, full_page=True)
    if old:
        page.set_viewport_size(old)
