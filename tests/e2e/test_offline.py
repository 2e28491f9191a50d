"""In a real browser: every page loads with no request to any host but the app's own (the favicon used to come
from a font CDN; ticket data must never make the browser fetch anything)."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from helpers_e2e import wait_for_app

pytestmark = pytest.mark.e2e

PAGES = ("", "performance", "trends", "benchmarks", "quality", "targets", "data")


def test_no_request_leaves_the_machine(streamlit_server, page):
    app_host = urlparse(streamlit_server).netloc
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
    for name in PAGES:
        page.goto(f"{streamlit_server}/{name}")
        wait_for_app(page, settle_ms=800)
        assert not page.get_by_text("Page not found").count(), name or "home"
    assert app_host in hosts
    assert hosts <= {app_host, ""}, f"requests to other hosts: {sorted(hosts - {app_host, ''})}"
