"""In a real browser, against its own server whose secrets file turns the small-team login on: nothing shows
before sign-in, a wrong password is refused, and a viewer walks through every page without seeing a write control
(no upload, no editor, no apply/save/delete/start/sign-off button) while an editor sees them."""

from __future__ import annotations

import time

import pytest

from helpers_e2e import running_app, wait_for_app

pytestmark = pytest.mark.e2e

USERS = {"vera": ("viewer", "vera's password"), "eddie": ("editor", "eddie's password")}
PAGES = ["Home", "Performance", "Trends", "Benchmarks", "Data quality", "Reviews", "Targets", "Data"]
WRITE_BUTTONS = ["Save targets", "Save calendars", "Apply YAML", "Load this template", "Add figure",
                 "Save priority mapping", "Remove the sample data", "Start the review", "Delete"]


@pytest.fixture(scope="module")
def login_server(tmp_path_factory):
    """`streamlit run app.py` with a temporary secrets file (`--secrets.files`) and its own database and port."""
    from slacore.auth import hash_password

    workdir = tmp_path_factory.mktemp("e2e-login")
    secrets = workdir / "secrets.toml"
    lines = ["[sla_auth]", 'mode = "password"']
    for name, (role, password) in USERS.items():
        lines += [f"[sla_auth.users.{name}]", f'role = "{role}"', f'password_hash = "{hash_password(password)}"']
    secrets.write_text("\n".join(lines) + "\n")
    log_path = workdir / "streamlit.log"
    try:
        with running_app(workdir / "login.duckdb", log_path, extra_args=("--secrets.files", str(secrets)),
                         drop_env=("SLA_AUTH_PROVIDER",)) as base:
            yield base, secrets
    except RuntimeError as exc:  # the server did not come up: its log says why
        pytest.fail(f"{exc}\n{log_path.read_text(errors='replace') if log_path.exists() else ''}")


def _sign_in(page, server, name: str, password: str) -> None:
    page.goto(server[0] + "/")
    wait_for_app(page)
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait_for_app(page)


def _open(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    wait_for_app(page)


def _controls_in_view(page) -> set[str]:
    found = set()
    if page.get_by_test_id("stFileUploaderDropzone").count():
        found.add("upload")
    if page.locator('[data-testid="stDataFrame"] [data-testid="stDataFrameGlideDataEditor"]').count() and \
            page.get_by_role("button", name="Add row").count():
        found.add("data editor")
    buttons = page.locator("button").evaluate_all("bs => bs.map(b => b.textContent.trim())")
    found |= {label for label in WRITE_BUTTONS if label in buttons}
    if "Delete this import and the tickets it last wrote" in buttons:
        found.add("delete import")
    if page.get_by_label("Paste YAML to apply").count():
        found.add("YAML input")
    return found


def _write_controls(page) -> list[str]:
    """The write controls of the page, looked for in every tab with every expander opened."""
    found = set()
    tabs = page.get_by_role("tab")
    for i in range(max(tabs.count(), 1)):
        if tabs.count():
            tabs.nth(i).click()
            wait_for_app(page, settle_ms=100)
        closed = page.locator('[data-testid="stExpander"] details:not([open]) > summary')
        while closed.count():
            closed.first.click()
            page.wait_for_timeout(100)
        found |= _controls_in_view(page)
    return sorted(found)


def test_nothing_shows_before_sign_in_and_a_wrong_password_is_refused(page, login_server):
    from playwright.sync_api import expect

    page.goto(login_server[0] + "/data")
    wait_for_app(page)
    expect(page.get_by_test_id("stHeading").filter(has_text="Sign in")).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    expect(page.get_by_test_id("stFileUploaderDropzone")).to_have_count(0)
    _sign_in(page, login_server, "vera", "not her password")
    expect(page.get_by_test_id("stAlertContentError")).to_have_text("Wrong user name or password.")
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)


def test_a_viewer_sees_every_page_and_no_write_control(page, login_server):
    from playwright.sync_api import expect

    _sign_in(page, login_server, "vera", USERS["vera"][1])
    expect(page.get_by_text("Signed in as vera (viewer)")).to_be_visible()
    for title in PAGES:
        _open(page, title)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
        assert _write_controls(page) == [], f"{title}: a viewer sees {_write_controls(page)}"
    page.get_by_role("tab", name="Upload").click()  # Data, the last page: its Upload tab says why it is empty
    expect(page.get_by_text("You are signed in as a viewer: you can look and download; changes need the editor "
                            "role.")).to_be_visible()
    _open(page, "Targets")
    page.get_by_role("tab", name="YAML").click()
    expect(page.get_by_role("button", name="Download sla.yaml")).to_be_visible()


def test_an_editor_sees_the_write_controls(page, login_server):
    from playwright.sync_api import expect

    _sign_in(page, login_server, "eddie", USERS["eddie"][1])
    expect(page.get_by_text("Signed in as eddie (editor)")).to_be_visible()
    _open(page, "Data")
    assert "upload" in _write_controls(page)
    _open(page, "Targets")
    assert {"Save targets", "Save calendars", "Apply YAML"} <= set(_write_controls(page))


def test_a_user_added_while_the_app_runs_can_sign_in(page, login_server):
    """Streamlit polls its secrets file: `users add` needs no restart."""
    from playwright.sync_api import expect

    from slacore.auth import add_user

    add_user(login_server[1], "newbie", "viewer", "newbie's password")
    deadline = time.monotonic() + 20
    while True:
        _sign_in(page, login_server, "newbie", "newbie's password")
        if page.get_by_text("Signed in as newbie (viewer)").count() or time.monotonic() > deadline:
            break
        page.wait_for_timeout(1000)
    expect(page.get_by_text("Signed in as newbie (viewer)")).to_be_visible()
