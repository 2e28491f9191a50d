"""In a real browser: hold a review on the sample data, add an action item, download the pack and open it."""

from __future__ import annotations

import io

import openpyxl
import pytest

from helpers_e2e import wait_for_app

pytestmark = pytest.mark.e2e


def test_hold_a_review_add_an_action_and_download_the_pack(streamlit_server, page):
    page.goto(f"{streamlit_server}/review")
    wait_for_app(page, settle_ms=500)
    expander = page.get_by_test_id("stExpander").filter(has_text="Start a review")
    if not expander.get_by_label("Name").count() or not expander.get_by_label("Name").is_visible():
        expander.get_by_text("Start a review").click()
    expander.get_by_label("Name").fill("Browser check-in")
    expander.get_by_label("Attendees").fill("Ana, Ben")
    page.get_by_role("button", name="Start the review").click()
    wait_for_app(page, settle_ms=1000)
    page.get_by_role("heading", name="Browser check-in").wait_for()
    assert "review=" in page.url
    assert page.get_by_text("Targets: met or missed").count()

    page.get_by_label("New action item").fill("Call the client about urgent tickets")
    page.get_by_label("Owner").fill("Ana")
    page.get_by_role("button", name="Add action item").click()
    wait_for_app(page, settle_ms=1000)
    # The table is drawn on a canvas: read the item back from the status form's box.
    item = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Item", exact=True)).locator("input")
    assert item.input_value() == "Call the client about urgent tickets (Ana, open)"

    with page.expect_download() as info:
        page.get_by_role("button", name="Review pack (Excel)").click()
    data = open(info.value.path(), "rb").read()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[0] == "Summary"
    actions = [c.value for c in wb["Notes & actions"]["A"] if c.value]
    assert "Call the client about urgent tickets" in actions
    assert not page.get_by_test_id("stAlertContentError").filter(has_text="could not").count()
