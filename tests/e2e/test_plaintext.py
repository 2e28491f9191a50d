"""In a real browser, on hostile ticket data (Markdown links and images, HTML in team, customer and subject
names): the drill-down shows the characters, never a link or an image with the injected address, and the browser
never requests that host. The server binds to this machine only, and uploaded files stay private and go away."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlparse

import pytest

import hostile_text as h
from helpers_e2e import wait_for_app
from paths import REPO

pytestmark = pytest.mark.e2e

UPLOAD_NAME = "hostile [x](y) =1+1.csv"
INJECTED = f'[src*="{h.HOST}"], [href*="{h.HOST}"], [srcset*="{h.HOST}"], [data*="{h.HOST}"], [poster*="{h.HOST}"]'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app as `make run` starts it (no --server.address: the config's localhost), with its own database and
    its own temporary directory, so this test can look at the upload folders."""
    work = tmp_path_factory.mktemp("plaintext-server")
    tmp = work / "tmp"
    tmp.mkdir()
    port = _free_port()
    env = {**os.environ, "SLA_DB": str(work / "db.duckdb"), "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1"}
    log = open(work / "streamlit.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://localhost:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, (work / "streamlit.log").read_text(errors="replace")[-3000:]
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                if resp.read().strip() == b"ok":
                    break
        except OSError:
            pass
        assert time.monotonic() < deadline, "the server did not become healthy"
        time.sleep(0.25)
    try:
        yield {"base": base, "port": port, "proc": proc, "tmp": tmp}
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=15)
        log.close()


def _session_files(tmp: Path) -> list[Path]:
    return sorted(p for p in tmp.glob("sla-uploads-*/session-*/*") if p.is_file())


def _upload(page, name: str, data: bytes) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": data})
    wait_for_app(page, settle_ms=500)


def _nav(page, name: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True).click()
    wait_for_app(page, settle_ms=500)


def _assert_nothing_injected(page, requests: list[str], where: str) -> None:
    assert page.locator(INJECTED).count() == 0, f"{where}: {page.locator(INJECTED).first.evaluate('e => e.outerHTML')}"
    asked = [u for u in requests if (urlparse(u).hostname or "").endswith(h.HOST)]
    assert not asked, f"{where}: the browser asked {h.HOST}: {asked}"


def _non_loopback_ipv4() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))  # no packet is sent: this only picks the outgoing interface
            ip = s.getsockname()[0]
    except OSError:
        return None
    return None if ip.startswith("127.") else ip


def test_hostile_text_stays_text_in_the_browser_and_uploads_stay_private(server, browser):
    ip = _non_loopback_ipv4()
    if ip:
        with pytest.raises(OSError):
            socket.create_connection((ip, server["port"]), timeout=2).close()

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    try:
        page.goto(server["base"] + "/")
        wait_for_app(page)  # a fresh server loads the sample data first
        _nav(page, "Data")

        # An upload is written privately, and removed by its import.
        _upload(page, UPLOAD_NAME, h.export_csv())
        files = _session_files(server["tmp"])
        assert len(files) == 1, files
        assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
        assert stat.S_IMODE(files[0].parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(files[0].parent.parent.stat().st_mode) == 0o700
        session_folder = files[0].parent
        page.get_by_role("button", name=f"Import {UPLOAD_NAME}").click()
        wait_for_app(page, settle_ms=500)
        page.get_by_text(f"Imported {UPLOAD_NAME}.").wait_for()
        assert _session_files(server["tmp"]) == [], "the import removed its copy"
        _assert_nothing_injected(page, requests, "data page")

        # An upload that is never imported goes when the user leaves the Data page.
        _upload(page, "never imported.csv", h.export_csv(4))
        assert len(_session_files(server["tmp"])) == 1
        _nav(page, "Targets")
        assert _session_files(server["tmp"]) == [], "left the Data page: the copy is gone"

        page.get_by_role("tab", name="YAML").click()
        editor = page.get_by_label("Paste YAML to apply")
        editor.fill(h.targets_yaml())
        editor.press("Control+Enter")
        wait_for_app(page, settle_ms=500)
        page.get_by_role("button", name="Apply YAML").click()
        wait_for_app(page, settle_ms=500)
        page.get_by_text("Applied:").first.wait_for()
        _assert_nothing_injected(page, requests, "targets page")

        # The drill-down behind a bar: its caption names the team, as typed.
        query = urlencode({"period": "custom", "from": "2025-10-01", "to": "2025-11-30",
                           "target": h.TARGET_RESOLUTION, "dim": "team"})
        page.goto(f"{server['base']}/performance?{query}")  # a new session: the old one disconnects
        wait_for_app(page, settle_ms=500)
        deadline = time.monotonic() + 10
        while session_folder.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not session_folder.exists(), "the disconnected session's upload folder is gone"

        # The drill-down behind a tile: the target's name, as typed.
        tile = page.get_by_test_id("stVerticalBlock").filter(
            has=page.get_by_test_id("stMetricLabel").filter(has_text=f"{h.HOST}/t.png")).filter(
            has=page.get_by_role("button", name="Tickets")).last  # the innermost block: the tile
        tile.get_by_role("button", name="Tickets").click()
        wait_for_app(page, settle_ms=500)
        drill = page.get_by_test_id("stCaptionContainer").filter(has_text="all tickets of").first.inner_text()
        assert f"all tickets of {h.TARGET_RESOLUTION}" in drill.replace(h.WORD_JOINER, ""), drill
        _assert_nothing_injected(page, requests, "drill-down behind a tile")

        # The drill-down behind a bar (it stays selected, so after the tile's): its caption names the team.
        bar = page.get_by_test_id("stVegaLiteChart").first.locator('[aria-roledescription="bar"]')
        bar.first.wait_for()
        caption = page.get_by_test_id("stCaptionContainer").filter(has_text="team =")
        bar.first.click()  # the target's only team (its scope)
        wait_for_app(page, settle_ms=500)
        assert caption.count(), "a click on the team's bar opens the drill-down"
        text = caption.first.inner_text().replace(h.WORD_JOINER, "")
        assert f"team = {h.TEAM_LINK}" in text, text
        page.get_by_text("Tickets behind the selection").wait_for()
        _assert_nothing_injected(page, requests, "drill-down behind a bar")
    finally:
        context.close()

    # At the latest when the server stops, its upload folder goes.
    folders = list(server["tmp"].glob("sla-uploads-*"))
    assert folders, "the running server has its upload folder"
    server["proc"].terminate()
    server["proc"].wait(timeout=15)
    assert not [f for f in folders if f.exists()], "the stopped server removed its upload folder"
