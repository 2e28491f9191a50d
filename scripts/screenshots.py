"""Take full-page screenshots of every page of a running app (look at them before calling a change done).

    python scripts/screenshots.py http://localhost:8501 out_dir [page[?query] ...]

SHOT_HEIGHT (default 2600) is the viewport height: Streamlit scrolls inside its main container, so the shot covers
that many pixels of the page.
"""

import os
import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def _file_name(page_and_query: str) -> str:
    """`trends?grain=month` -> `trends-grain-month`: one file per view, so two views of a page never overwrite."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", page_and_query).strip("-") or "root"


def main() -> None:
    base, out = sys.argv[1], Path(sys.argv[2])
    pages = sys.argv[3:] or ["home", "data"]
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": int(os.environ.get("SHOT_HEIGHT", "2600"))})
        for name in pages:
            page.goto(f"{base}/{name}")
            idle = ('[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
                    '[data-test-script-state="notRunning"]')
            page.wait_for_timeout(500)
            page.wait_for_selector(idle, timeout=60000)
            page.wait_for_timeout(1500)
            page.wait_for_selector(idle, timeout=60000)
            page.wait_for_function('!document.querySelector(\'[data-testid="stSkeleton"]\')', timeout=60000)
            shot = out / f"{_file_name(name)}.png"
            page.screenshot(path=str(shot), full_page=True)
            print("saved", shot)
        browser.close()


if __name__ == "__main__":
    main()
