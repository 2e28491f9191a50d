"""In a real browser: Home shows the sample data; the Data page uploads a file with bad rows and imports it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers_e2e import as_int, metric_value, screenshot_whole_app, wait_for_app

pytestmark = pytest.mark.e2e

BAD_ROWS = "bad_rows_mixed.csv"
SHOTS = Path("/tmp/e2e-shots")


def _open_home(page, base_url: str) -> None:
    page.goto(base_url + "/")
    wait_for_app(page)  # the first run of a fresh server also loads the sample data


def test_home_shows_the_sample_data(page, streamlit_server):
    from playwright.sync_api import expect

    _open_home(page, streamlit_server)
    expect(page.get_by_test_id("stHeading").filter(has_text="SLA dashboard")).to_be_visible()
    expect(page.get_by_test_id("stMetric")).to_have_count(8)  # tickets, open, sources, imports; surveys, outages…
    assert as_int(metric_value(page, "Tickets")) > 0
    assert as_int(metric_value(page, "Survey responses")) > 0 and as_int(metric_value(page, "Outages")) > 0
    assert as_int(metric_value(page, "Sources")) >= 2
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)


def test_upload_and_import_a_file_with_bad_rows(page, streamlit_server, inputs):
    from playwright.sync_api import expect

    _open_home(page, streamlit_server)
    tickets_before = as_int(metric_value(page, "Tickets"))

    # Through the navigation (same session), not a new URL.
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Data", exact=True).click()
    wait_for_app(page)
    expect(page).to_have_url(re.compile(r"/data$"))
    expect(page.get_by_test_id("stHeading").filter(has_text="Data").first).to_be_visible()

    dropzone = page.get_by_test_id("stFileUploaderDropzone")
    with page.expect_file_chooser() as chooser:
        dropzone.locator("button").click()  # the visible "Upload" button (the hidden <input type=file> also has role=button)
    chooser.value.set_files(str(inputs / BAD_ROWS))
    wait_for_app(page)

    # The preview: the file's name, the detected format and size, the first rows.
    import_button = page.get_by_role("button", name=f"Import {BAD_ROWS}")
    expect(import_button).to_be_visible()
    expect(page.get_by_text(re.compile(r"export, 60 rows, 8 columns"))).to_be_visible()
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)

    import_button.click()
    wait_for_app(page)

    expect(page.get_by_text(f"Imported {BAD_ROWS}.")).to_be_visible()
    assert metric_value(page, "New tickets") == "54"
    assert metric_value(page, "Rejected rows") == "6"
    expect(page.get_by_text("6 rows were rejected; the other rows were imported.")).to_be_visible()
    expect(page.get_by_role("button", name="Download rejected rows (CSV)")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)

    SHOTS.mkdir(parents=True, exist_ok=True)
    screenshot_whole_app(page, str(SHOTS / "data-after-import.png"))

    # Home now counts the imported tickets.
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Home", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_test_id("stMetric")).to_have_count(8)
    assert as_int(metric_value(page, "Tickets")) == tickets_before + 54
