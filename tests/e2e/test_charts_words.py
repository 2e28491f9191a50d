"""In a real browser, issue 10's items that regress silently: a page opened by its URL (/home after another page,
the trap of the default page's ignored url_path), charts the browser draws without a Vega error (a bad date in an
axis domain only fails there), a missed goal said in the tile, and tables whose cells never read "None"."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from helpers_e2e import running_app, screenshot_whole_app, wait_for_app

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("SHOT_DIR")  # set it to keep the 1400 px screenshots these tests take


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        screenshot_whole_app(page, str(Path(SHOTS) / f"{name}.png"))


def _not_found(page) -> bool:
    return page.get_by_text("Page not found").count() > 0


def test_every_page_opens_by_its_url_in_any_order(tmp_path, browser):
    """A server of its own: the trap showed on a fresh server whose first page was not Home."""
    with running_app(tmp_path / "urls.duckdb", tmp_path / "urls.log") as base:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        try:
            for path, title in (("performance", "Performance"), ("home", "SLA dashboard"), ("trends", "Trends"),
                                ("home", "SLA dashboard"), ("", "SLA dashboard"), ("quality", "Data quality")):
                page.goto(f"{base}/{path}")
                wait_for_app(page, settle_ms=600)
                assert not _not_found(page), f"/{path}: Page not found"
                assert page.locator("h1").first.inner_text().strip() == title, path
            page.get_by_test_id("stSidebarNav").get_by_text("Trends", exact=True).click()
            wait_for_app(page)
            page.get_by_test_id("stSidebarNav").get_by_text("Home", exact=True).click()
            wait_for_app(page)
            assert page.locator("h1").first.inner_text().strip() == "SLA dashboard" and not _not_found(page)
        finally:
            context.close()


PERIOD = "period=custom&from=2026-08-20&to=2026-11-18"
CHART_VIEWS = [(f"trends?{PERIOD}", "trends-weekly", 3),
               (f"trends?{PERIOD}&grain=month", "trends-monthly", 3),
               (f"trends?{PERIOD}&grain=quarter", "trends-quarterly", 3),
               (f"performance?{PERIOD}", "performance", 3),
               # the other promises: uptime's bars by service and its error budget; CSAT's and uptime's trends
               (f"performance?{PERIOD}&target=Service%20uptime&dim=service", "performance-uptime", 2),
               (f"trends?{PERIOD}&target=Customer%20satisfaction", "trends-csat", 2),
               (f"trends?{PERIOD}&target=Service%20uptime&grain=month", "trends-uptime", 2)]


@pytest.mark.parametrize(("path", "name", "at_least"), CHART_VIEWS)
def test_charts_draw_without_a_vega_error(streamlit_server, page, path, name, at_least):
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{streamlit_server}/{path}")
    wait_for_app(page, settle_ms=800)
    charts = page.get_by_test_id("stVegaLiteChart")
    assert charts.count() >= at_least, name
    for i in range(charts.count()):
        charts.nth(i).scroll_into_view_if_needed()
        drawn = charts.nth(i).locator("canvas, svg.marks").first
        drawn.wait_for(state="visible")
        box = drawn.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100, (name, i, box)
        assert "error" not in charts.nth(i).inner_text().lower().replace("error budget", ""), (name, i)
    # Vega reports a spec it cannot draw on the console; a dropped websocket under load is not this test's business.
    vega = [p for p in problems if "vega" in p.lower() or "invalid" in p.lower()]
    assert not vega, vega
    _shot(page, name)


def test_a_missed_goal_is_said_in_its_tile_and_no_cell_reads_none(streamlit_server, page):
    page.goto(f"{streamlit_server}/performance?period=custom&from=2026-08-20&to=2026-11-18")
    wait_for_app(page, settle_ms=800)
    badge = page.get_by_text(re.compile(r"Goal missed: \d+\.\d% of \d+%"))  # the sample misses one here
    assert badge.count() >= 1 and badge.first.is_visible()
    colour = badge.first.evaluate("e => getComputedStyle(e.closest('span') || e).color")
    assert colour.startswith("rgb("), colour
    red, green, blue = (int(v) for v in colour[4:-1].split(",")[:3])
    assert red > green and red > blue, f"the missed goal is said in red, not grey ({colour})"
    # The at-risk table: its first visible column is the time left.
    risk = page.get_by_test_id("stDataFrame").last
    risk.scroll_into_view_if_needed()
    risk.locator('[role="columnheader"]').first.wait_for(state="attached")  # the grid draws after it scrolls in
    headers = [h for h in risk.locator('[role="columnheader"]').all_inner_texts() if h.strip()]
    assert headers and headers[0].strip() == "Time left", headers
    assert not [h for h in headers if "_" in h], headers
    _shot(page, "performance-tiles")


def test_the_whatif_bars_stay_inside_the_chart(streamlit_server, page):
    page.goto(f"{streamlit_server}/targets")
    wait_for_app(page, settle_ms=800)
    page.get_by_role("tab", name="What-if").click()
    wait_for_app(page)
    metric = page.get_by_test_id("stMetric").filter(has=page.get_by_text("Weeks meeting the goal", exact=True))
    assert metric.get_by_test_id("stMetricValue").inner_text().strip().split(" of ")[1].startswith("12")
    chart = page.get_by_test_id("stVegaLiteChart").last
    chart.scroll_into_view_if_needed()
    assert chart.locator("canvas, svg.marks").first.bounding_box()["height"] > 100
    _shot(page, "whatif")
