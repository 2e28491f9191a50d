"""In a real browser: the filter bar is one bar for the whole session. A period chosen on one page holds on the
next page reached from the sidebar, the box shows it, and touching another filter keeps it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from helpers_e2e import wait_for_app

pytestmark = pytest.mark.e2e


def _period_box(page):
    return page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Period", exact=True))


def _period_shown(page) -> str:
    return _period_box(page).locator("input").input_value()


def _choose_period(page, label: str) -> None:
    _period_box(page).locator("input").click()
    page.get_by_role("option", name=label, exact=True).click()


def _pick(page, label: str, option: str) -> None:
    box = page.get_by_test_id("stMultiSelect").filter(has=page.get_by_text(label, exact=True))
    box.locator("input").click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def _sidebar(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()


def _period_query(page) -> list[str] | None:
    return parse_qs(urlparse(page.url).query).get("period")


def test_period_holds_across_pages_and_other_filters(streamlit_server, page):
    page.goto(f"{streamlit_server}/performance")
    wait_for_app(page, settle_ms=500)
    page.get_by_text("Urgent first response", exact=True).first.wait_for()
    _choose_period(page, "Last 30 days")
    wait_for_app(page, settle_ms=500)
    assert _period_query(page) == ["30d"], page.url
    range_30 = page.get_by_test_id("stCaptionContainer").filter(has_text=" – ").first.inner_text()

    _sidebar(page, "Trends")
    wait_for_app(page, settle_ms=800)
    page.wait_for_url("**/trends**")
    assert _period_shown(page) == "Last 30 days"
    assert _period_query(page) == ["30d"], page.url
    assert page.get_by_test_id("stCaptionContainer").filter(has_text=" – ").first.inner_text() == range_30

    # Touching another filter keeps the period in force (it used to fall back to the box's first option).
    _pick(page, "Priority", "urgent")
    wait_for_app(page, settle_ms=800)
    query = parse_qs(urlparse(page.url).query)
    assert query.get("period") == ["30d"] and query.get("priority") == ["urgent"], page.url
    assert _period_shown(page) == "Last 30 days"

    # Back on Performance both filters still hold; the default period is restored by choosing it.
    _sidebar(page, "Performance")
    wait_for_app(page, settle_ms=800)
    query = parse_qs(urlparse(page.url).query)
    assert query.get("period") == ["30d"] and query.get("priority") == ["urgent"], page.url
    assert _period_shown(page) == "Last 30 days"
    _choose_period(page, "Last 90 days")
    wait_for_app(page, settle_ms=500)
    assert _period_query(page) is None, page.url  # the default is not written
    _sidebar(page, "Benchmarks")
    wait_for_app(page, settle_ms=800)
    assert _period_shown(page) == "Last 90 days"
    assert parse_qs(urlparse(page.url).query).get("priority") == ["urgent"], page.url
    assert not page.get_by_test_id("stAlertContentError").count()
