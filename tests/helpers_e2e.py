"""Helpers for the browser tests (tests/e2e): wait for a Streamlit script run to finish, read metrics."""

from __future__ import annotations

import re
from contextlib import contextmanager

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


@contextmanager
def running_app(db, log_path, health_timeout_s: float = 60, extra_args=(), drop_env=()):
    """A real `streamlit run app.py` on a free port and its own database file; yields its base URL.

    `extra_args` go to `streamlit run` (e.g. `--secrets.files PATH`); `drop_env` names variables the server must not
    inherit. Every browser test's server starts here (the e2e conftest's shared one too)."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    from paths import REPO

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in drop_env}
    env.update({"SLA_DB": str(db), "PYTHONUNBUFFERED": "1"})
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
           *extra_args]
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + health_timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}: {log_path}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                    if resp.read().decode().strip() == "ok":
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit was not healthy within {health_timeout_s} s: {log_path}")
            time.sleep(0.25)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
