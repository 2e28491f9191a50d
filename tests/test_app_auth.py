"""AppTest of login: off by default; the small-team password mode and OpenID Connect (st.user seeded by AppTest,
and the SLA_AUTH_PROVIDER=fake test provider); what each role sees; and a viewer's write refused by slacore with a
sentence even when a page shows the control (a replayed widget action), the database unchanged."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import assert_clean, assert_errors, error_texts
from paths import REPO
from slacore import auth

TIMEOUT = 90
PASSWORDS = {"vera": ("viewer", "vera's password"), "eddie": ("editor", "eddie's password"),
             "ada": ("admin", "ada's password")}
VIEWER_SENTENCE = ("vera is signed in as a viewer, who can look and download but not change anything: ask an admin "
                   "for the editor role.")


@pytest.fixture(scope="module")
def password_secrets() -> dict:
    return {"sla_auth": {"mode": "password", "users": {
        name: {"role": role, "password_hash": auth.hash_password(pw)} for name, (role, pw) in PASSWORDS.items()}}}


@pytest.fixture(autouse=True)
def _fresh_limits():
    auth.SIGN_INS.reset()
    yield
    auth.SIGN_INS.reset()


def _start(secrets: dict | None = None, user: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    at.secrets.update(secrets or {})
    if user is not None:
        at.user = user
    at.run()
    return at


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="sign-in-name").input(name)
    at.text_input(key="sign-in-password").input(password)
    at.button[0].click()  # the form's submit button
    at.run()
    return at


def _signed_in(secrets, name, page: str | None = None) -> AppTest:
    at = _sign_in(_start(secrets), name, PASSWORDS[name][1])
    assert_clean(at)
    if page:
        at.switch_page(page)
        at.run()
        assert_clean(at)
    return at


def _db_state(db_path) -> tuple:
    from slacore.store import open_store

    store = open_store(db_path)
    return tuple(store.scalar(f"SELECT count(*) FROM {t}") for t in
                 ("tickets", "imports", "target_versions", "calendars", "user_benchmarks", "reviews", "settings"))


# -- off by default --------------------------------------------------------------------------------------------

def test_without_settings_there_is_no_sign_in_and_the_machine_user_edits(empty_app):
    at = _start()
    assert_clean(at)
    assert not [t for t in at.title if t.value == "Sign in"]
    at.switch_page("pages/data.py")
    at.run()
    assert_clean(at)
    assert at.get("file_uploader"), "local use: the upload is there as before"


# -- password mode ---------------------------------------------------------------------------------------------

def test_every_page_waits_for_sign_in(empty_app, password_secrets):
    at = _start(password_secrets)
    assert_clean(at)
    assert [t.value for t in at.title] == ["Sign in"]
    assert not at.metric and not at.get("file_uploader")
    for page in ("pages/data.py", "pages/targets.py", "pages/review.py"):  # no page is registered before sign-in
        with pytest.raises(ValueError, match=r"Known pages: \['Sign in'\]"):
            at.switch_page(page)


def test_wrong_password_is_one_sentence_and_the_right_one_signs_in(empty_app, password_secrets):
    at = _sign_in(_start(password_secrets), "eddie", "not it")
    assert_errors(at, ["Wrong user name or password."])
    assert [t.value for t in at.title] == ["Sign in"]
    at = _sign_in(at, "eddie", PASSWORDS["eddie"][1])
    assert_clean(at)
    assert "Signed in as eddie (editor)" in [t.value for t in at.sidebar.text]
    assert not [t for t in at.title if t.value == "Sign in"]


def test_failed_sign_ins_are_limited(empty_app, password_secrets):
    at = _start(password_secrets)
    for _ in range(5):
        at = _sign_in(at, "ada", "guess")
        assert_errors(at, ["Wrong user name or password."])
    at = _sign_in(at, "ada", PASSWORDS["ada"][1])
    assert_errors(at, ["Too many failed sign-ins: try again in 5 minute(s)."])
    assert [t.value for t in at.title] == ["Sign in"]


def test_sign_out_returns_to_the_sign_in_form(empty_app, password_secrets):
    at = _signed_in(password_secrets, "vera")
    at.sidebar.button(key="sign-out").click()
    at.run()
    assert_clean(at)
    assert [t.value for t in at.title] == ["Sign in"]


# -- what each role sees ---------------------------------------------------------------------------------------

def _write_controls(at: AppTest) -> dict[str, bool]:
    """The write controls a page shows (by widget key or button label)."""
    labels = {b.label for b in at.button}
    keys = {getattr(w, "key", None) for w in list(at.button) + list(at.text_area)}
    return {
        "upload": bool(at.get("file_uploader")),
        "remove samples": "remove-sample" in keys,
        "priority mapping": "Save priority mapping" in labels,
        "targets editor": "Save targets" in labels,
        "template": "load-template" in keys,
        "calendars editor": "Save calendars" in labels,
        "yaml apply": "apply-yaml" in keys or "yaml-input" in keys,
        "benchmark add": "Add figure" in labels,
        "review start": "Start the review" in labels,
    }


PAGES = ("pages/data.py", "pages/targets.py", "pages/benchmarks.py", "pages/review.py")


@pytest.mark.parametrize("name", ["vera", "eddie", "ada"])
def test_write_controls_by_role(app_env, password_secrets, name):
    at = _signed_in(password_secrets, name)
    seen = {}
    for page in PAGES:
        at.switch_page(page)
        at.run()
        assert_clean(at)
        seen |= {k: v for k, v in _write_controls(at).items() if v}
        if page == "pages/data.py":
            assert at.dataframe, "every role sees the import list and the priority mapping"
    role = PASSWORDS[name][0]
    if role == "viewer":
        assert seen == {}, f"a viewer sees write controls: {seen}"
        at.switch_page("pages/data.py")
        at.run()
        assert "You are signed in as a viewer: you can look and download; changes need the editor role." in [
            i.value for i in at.info]
    else:
        assert set(seen) == {"upload", "remove samples", "priority mapping", "targets editor", "template",
                             "calendars editor", "yaml apply", "benchmark add", "review start"}, seen


def test_a_viewer_sees_the_figures_and_downloads(app_env, password_secrets):
    at = _signed_in(password_secrets, "vera", "pages/performance.py")
    assert at.metric, "a viewer sees the performance tiles"
    at.switch_page("pages/targets.py")
    at.run()
    assert_clean(at)
    assert "Download sla.yaml" in [d.proto.label for d in at.get("download_button")]  # and the tables and charts
    assert len(at.dataframe) >= 3, "targets, calendars and history are shown read-only"


# -- a viewer's write is refused by slacore, even through a control the page shows ----------------------------

@pytest.fixture
def forgetful_pages(monkeypatch):
    """Pages that show every write control whatever the role: what a replayed widget action or a page that
    forgot to hide one amounts to. slacore must refuse anyway."""
    monkeypatch.setattr("pages.shared.can_edit", lambda: True)


def test_a_viewer_import_is_refused_and_nothing_is_stored(app_env, password_secrets, forgetful_pages):
    name = "freshdesk_export.csv"
    at = _signed_in(password_secrets, "vera", "pages/data.py")
    before = _db_state(app_env)
    at.file_uploader(key="uploads").set_value((name, (REPO / "tests" / "fixtures" / name).read_bytes(), "text/csv"))
    at.run()
    assert_clean(at)
    at.button(key=f"import-0-{name}").click()
    at.run()
    assert_errors(at, [VIEWER_SENTENCE])
    assert not at.success
    assert _db_state(app_env) == before


def test_a_viewer_removing_the_samples_is_refused(app_env, password_secrets, forgetful_pages):
    at = _signed_in(password_secrets, "vera", "pages/data.py")
    before = _db_state(app_env)
    at.button(key="remove-sample").click()
    at.run()
    at.button(key="remove-sample-yes").click()
    at.run()
    assert_errors(at, [VIEWER_SENTENCE])
    assert _db_state(app_env) == before


def test_a_viewer_applying_yaml_or_a_template_is_refused(app_env, password_secrets, forgetful_pages):
    at = _signed_in(password_secrets, "vera", "pages/targets.py")
    before = _db_state(app_env)
    at.text_area(key="yaml-input").input("targets:\n  - name: Sneaky\n    metric: resolution\n    within: 1h\n"
                                         "    goal: 50%\n    calendar: 24x7\n")
    at.button(key="apply-yaml").click()
    at.run()
    assert error_texts(at) == [VIEWER_SENTENCE]
    at.button(key="load-template").click()
    at.run()
    assert_errors(at, [VIEWER_SENTENCE])
    assert _db_state(app_env) == before


def test_a_viewer_adding_a_benchmark_is_refused(app_env, password_secrets, forgetful_pages):
    at = _signed_in(password_secrets, "vera", "pages/benchmarks.py")
    before = _db_state(app_env)
    at.text_input(key="bench-value").input("240")
    at.text_input(key="bench-stat").input("contract")
    at.text_input(key="bench-segment").input("email")
    at.text_input(key="bench-source").input("MSA")
    next(b for b in at.button if b.label == "Add figure").click()
    at.run()
    assert_errors(at, [VIEWER_SENTENCE])
    assert _db_state(app_env) == before


def test_an_editor_import_records_the_signed_in_user(app_env, password_secrets):
    from slacore.importers.pipeline import list_imports
    from slacore.store import open_store

    name = "freshdesk_export.csv"
    at = _signed_in(password_secrets, "eddie", "pages/data.py")
    at.file_uploader(key="uploads").set_value((name, (REPO / "tests" / "fixtures" / name).read_bytes(), "text/csv"))
    at.run()
    at.button(key=f"import-0-{name}").click()
    at.run()
    assert_clean(at)
    assert [s.value for s in at.success] == [f"Imported {name}."]
    assert list_imports(open_store(app_env))["imported_by"].tolist()[0] == "eddie"


def test_an_editor_signs_a_review_off_as_themself(app_env, password_secrets):
    from datetime import date

    from slacore import reviews
    from slacore.store import open_store

    at = _signed_in(password_secrets, "eddie")
    with auth.acting_as(auth.Principal("eddie", "editor")):
        review = reviews.start_review(open_store(app_env), "Jan", "Monthly", "month", date(2025, 1, 1),
                                      date(2025, 1, 31), author="eddie")
    at.query_params["review"] = str(review.review_id)
    at.switch_page("pages/review.py")
    at.run()
    assert_clean(at)
    assert "Agreed by eddie (signed in)" in [t.value for t in at.text]
    assert not [t for t in at.text_input if t.key == f"sign-who-{review.review_id}"]
    next(b for b in at.button if b.label == "Mark as agreed").click()
    at.run()
    assert_clean(at)
    assert reviews.get_review(open_store(app_env), review.review_id).agreed_by == "eddie"


# -- OpenID Connect --------------------------------------------------------------------------------------------

OIDC = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-only",
                 "client_id": "x", "client_secret": "y",
                 "server_metadata_url": "https://id.example.com/.well-known/openid-configuration"},
        "sla_auth": {"mode": "oidc", "default_role": "none",
                     "users": {"vera@example.com": "viewer", "eddie@example.com": "editor"}}}


def test_oidc_shows_the_sign_in_button_until_the_provider_vouches(empty_app):
    at = _start(OIDC, user={"is_logged_in": False})
    assert_clean(at)
    assert [t.value for t in at.title] == ["Sign in"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric


def test_oidc_roles_come_from_the_email(app_env):
    at = _start(OIDC, user={"is_logged_in": True, "email": "vera@example.com", "name": "Vera"})
    assert_clean(at)
    assert "Signed in as vera@example.com (viewer)" in [t.value for t in at.sidebar.text]
    at.switch_page("pages/data.py")
    at.run()
    assert_clean(at)
    assert not any(_write_controls(at).values())
    at = _start(OIDC, user={"is_logged_in": True, "email": "eddie@example.com"})
    at.switch_page("pages/data.py")
    at.run()
    assert_clean(at)
    assert at.get("file_uploader")


def test_oidc_an_unlisted_account_is_refused_with_a_sentence(empty_app):
    at = _start(OIDC, user={"is_logged_in": True, "email": "stranger@example.com"})
    assert_errors(at, ["stranger@example.com has no access to this app: ask an admin to add it."])
    assert not at.metric and not at.get("file_uploader")


def test_the_fake_provider_signs_in_without_an_identity_provider(empty_app, monkeypatch):
    monkeypatch.setenv("SLA_AUTH_PROVIDER", "fake")
    at = _start(OIDC)
    assert_clean(at)
    assert [w.value for w in at.warning] == [
        "Test sign-in (SLA_AUTH_PROVIDER=fake): no identity provider checks who you are."]
    at.text_input(key="fake-sign-in-email").input("eddie@example.com")
    at.button[0].click()
    at.run()
    assert_clean(at)
    assert "Signed in as eddie@example.com (editor)" in [t.value for t in at.sidebar.text]


def test_an_unreadable_setting_keeps_the_app_closed(empty_app):
    at = _start({"sla_auth": {"mode": "password", "users": {"x": {"role": "boss", "password_hash": "h"}}}})
    assert_errors(at, ["[sla_auth.users.x]: role 'boss' is not one of viewer, editor, admin."])
    assert not at.metric and not at.get("navigation")


# -- admins manage users ---------------------------------------------------------------------------------------

@pytest.fixture
def secrets_on_disk(tmp_path, password_secrets, monkeypatch):
    """The same settings in a file Streamlit is told to read (the Users page writes there)."""
    from streamlit import config

    from slacore.auth import add_user

    path = tmp_path / "secrets.toml"
    for name, (role, password) in PASSWORDS.items():
        add_user(path, name, role, password)
    old = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(path)])
    yield path
    config.set_option("secrets.files", old)


def test_only_an_admin_has_the_users_page_and_it_writes_the_secrets_file(empty_app, password_secrets,
                                                                          secrets_on_disk):
    import tomllib

    at = _signed_in(password_secrets, "eddie")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/users.py")  # not even registered for an editor
    at = _signed_in(password_secrets, "ada", "pages/users.py")
    assert at.dataframe[0].value["name"].tolist() == ["vera", "eddie", "ada"]
    at.text_input(key="user-name").input("newbie")
    at.selectbox(key="user-role").set_value("editor")
    at.text_input(key="user-password").input("newbie's password")
    next(b for b in at.button if b.label == "Add or update").click()
    at.run()
    assert_clean(at)
    assert [s.value for s in at.success] == ["Added newbie (editor); it applies from the next sign-in."]
    stored = tomllib.loads(secrets_on_disk.read_text())["sla_auth"]["users"]["newbie"]
    assert stored["role"] == "editor" and auth.verify_password("newbie's password", stored["password_hash"])
    at.selectbox(key="user-remove").set_value("vera")
    at.run()
    at.button(key="user-remove-go").click()
    at.run()
    assert_clean(at)
    assert "vera" not in tomllib.loads(secrets_on_disk.read_text())["sla_auth"]["users"]
    assert "ada" not in at.selectbox(key="user-remove").options, "an admin cannot remove themself here"
