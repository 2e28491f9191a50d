"""In a real browser: change a filter on the Performance page, drill down, and reopen the copied URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from helpers_e2e import metric_value, wait_for_app

pytestmark = pytest.mark.e2e


def _tile_values(page) -> dict[str, str]:
    values = {}
    for label in ("Urgent first response", "High first response", "Standard first response"):
        values[label] = metric_value(page, label)
    return values


def _pick(page, label: str, option: str) -> None:
    """Choose `option` in the multiselect labelled `label` (Streamlit's BaseWeb select)."""
    box = page.get_by_test_id("stMultiSelect").filter(has=page.get_by_text(label, exact=True))
    box.locator("input").click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def test_filter_drilldown_and_shared_url(streamlit_server, page, browser):
    page.goto(f"{streamlit_server}/performance")
    wait_for_app(page, settle_ms=500)
    page.get_by_text("Urgent first response", exact=True).first.wait_for()
    before = _tile_values(page)

    _pick(page, "Team", "Tier 2")
    wait_for_app(page, settle_ms=500)
    query = parse_qs(urlparse(page.url).query)
    assert query.get("team") == ["Tier 2"], page.url
    after = _tile_values(page)
    assert after != before, "filtering to one team changes the numbers"

    page.get_by_role("button", name="Tickets").first.click()
    wait_for_app(page, settle_ms=500)
    page.get_by_text("Tickets behind the selection").wait_for()
    caption = page.get_by_test_id("stCaptionContainer").filter(has_text="all tickets of").first.inner_text()
    assert "tickets" in caption
    grid = page.get_by_test_id("stDataFrame").last
    assert grid.is_visible()

    # The copied link reopens the same view in a fresh session.
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        other = context.new_page()
        other.goto(page.url)
        wait_for_app(other, settle_ms=500)
        other.get_by_text("Urgent first response", exact=True).first.wait_for()
        assert _tile_values(other) == after
        chips = other.get_by_test_id("stMultiSelect").filter(has=other.get_by_text("Team", exact=True))
        assert "Tier 2" in chips.inner_text()
    finally:
        context.close()
