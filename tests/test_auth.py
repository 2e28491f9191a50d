"""slacore.auth: password hashes, the failed sign-in limit, the access settings, the users command, and the role
check at the write functions (a viewer's write refused in slacore itself, whatever the page shows)."""

from __future__ import annotations

import io
import json
import stat
import tomllib
from datetime import date

import pytest

from slacore import auth
from slacore.errors import UserError

VIEWER = auth.Principal("vera", "viewer")
EDITOR = auth.Principal("eddie", "editor")


@pytest.fixture(autouse=True)
def _fresh_limits():
    auth.SIGN_INS.reset()
    yield
    auth.SIGN_INS.reset()


# -- hashing ---------------------------------------------------------------------------------------------------

def test_hash_is_scrypt_with_a_fresh_salt_and_verifies():
    first, second = auth.hash_password("correct horse"), auth.hash_password("correct horse")
    assert first.startswith("scrypt$16384$8$1$") and first != second, "a fresh salt per hash"
    assert auth.verify_password("correct horse", first) and auth.verify_password("correct horse", second)
    assert not auth.verify_password("correct hors", first)
    assert not auth.verify_password("", first)
    assert "correct horse" not in first


def test_verify_refuses_missing_or_malformed_hashes_without_raising():
    for stored in (None, "", "plain-text-password", "scrypt$1$1$1$AA==$AA==", "md5$abc"):
        assert not auth.verify_password("anything", stored)
    # a dummy hash of zeros is never a match, not even for the password that would hash to it
    assert not auth.verify_password("anything", auth._DUMMY_HASH)


def test_short_passwords_are_refused_with_a_sentence():
    with pytest.raises(UserError, match="too short: use at least 8 characters"):
        auth.hash_password("short")


def test_compare_is_constant_time(monkeypatch):
    calls = []
    real = auth.hmac.compare_digest
    monkeypatch.setattr(auth.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    stored = auth.hash_password("correct horse")
    auth.verify_password("wrong password", stored)
    auth.verify_password("wrong password", None)  # an unknown user costs the same scrypt and compare
    assert len(calls) == 2


# -- failed sign-ins -------------------------------------------------------------------------------------------

class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _config(**users) -> auth.AccessConfig:
    return auth.access_config({"sla_auth": {"mode": "password", "users": {
        name: {"role": role, "password_hash": auth.hash_password(pw)} for name, (role, pw) in users.items()}}})


def test_five_failures_lock_the_user_even_for_the_right_password_until_the_window_passes():
    clock = Clock()
    limiter = auth.SignInLimiter(attempts=5, window_s=300, clock=clock)
    config = _config(ann=("editor", "right password"))
    for i in range(5):
        with pytest.raises(UserError, match="^Wrong user name or password.$"):
            auth.sign_in(config, "ann", "wrong", f"session-{i}", limiter)  # five browsers, one user
    with pytest.raises(UserError, match=r"^Too many failed sign-ins: try again in 5 minute\(s\).$"):
        auth.sign_in(config, "ann", "right password", "session-new", limiter)
    clock.now += 299
    with pytest.raises(UserError, match="Too many failed sign-ins"):
        auth.sign_in(config, "ann", "right password", "session-new", limiter)
    clock.now += 2
    assert auth.sign_in(config, "ann", "right password", "session-new", limiter) == auth.Principal("ann", "editor")


def test_one_session_guessing_many_names_is_locked_too():
    limiter = auth.SignInLimiter(attempts=3, window_s=60, clock=Clock())
    config = _config(ann=("viewer", "right password"))
    for name in ("bob", "carl", "dora"):
        with pytest.raises(UserError, match="Wrong user name or password"):
            auth.sign_in(config, name, "guess", "one-session", limiter)
    with pytest.raises(UserError, match="Too many failed sign-ins"):
        auth.sign_in(config, "ann", "right password", "one-session", limiter)
    assert auth.sign_in(config, "ann", "right password", "other-session", limiter).role == "viewer"


def test_a_success_clears_the_user_failures():
    limiter = auth.SignInLimiter(attempts=2, window_s=60, clock=Clock())
    config = _config(ann=("viewer", "right password"))
    with pytest.raises(UserError):
        auth.sign_in(config, "ann", "wrong", "s", limiter)
    auth.sign_in(config, "ann", "right password", "s", limiter)
    with pytest.raises(UserError, match="Wrong"):
        auth.sign_in(config, "ann", "wrong", "s", limiter)  # one failure after the success: not locked yet
    assert auth.sign_in(config, "ann", "right password", "s", limiter).name == "ann"


def test_unknown_user_and_wrong_password_read_the_same():
    config = _config(ann=("viewer", "right password"))
    messages = []
    for name, pw in (("nobody", "right password"), ("ann", "wrong")):
        with pytest.raises(UserError) as exc:
            auth.sign_in(config, name, pw, "s")
        messages.append(str(exc.value))
    assert messages == ["Wrong user name or password."] * 2


# -- access settings -------------------------------------------------------------------------------------------

def test_login_is_off_without_settings():
    assert not auth.access_config({}).enabled
    assert not auth.access_config({"other": {"x": 1}}).enabled
    assert not auth.access_config({"sla_auth": {"mode": "off"}, "auth": {"client_id": "x"}}).enabled


def test_oidc_roles_by_email_and_the_default_role():
    users = {"Ed@Example.com": "editor", "boss@example.com": "admin"}
    closed = auth.access_config({"auth": {"client_id": "x"}, "sla_auth": {"users": users}})
    assert closed.mode == "oidc"
    assert closed.oidc_principal("ed@example.com") == auth.Principal("ed@example.com", "editor")
    with pytest.raises(UserError, match="^someone@example.com has no access to this app: ask an admin to add it.$"):
        closed.oidc_principal("someone@example.com")  # only listed accounts, unless a default role is set
    for none in ("none", ""):
        with pytest.raises(UserError, match="has no access"):
            auth.access_config({"auth": {}, "sla_auth": {"default_role": none}}).oidc_principal("x@example.com")
    open_door = auth.access_config({"auth": {"client_id": "x"}, "sla_auth": {"users": users,
                                                                            "default_role": "viewer"}})
    assert open_door.oidc_principal("someone@example.com") == auth.Principal("someone@example.com", "viewer")


@pytest.mark.parametrize("secrets, sentence", [
    ({"sla_auth": {"mode": "password", "users": {"a": {"role": "boss", "password_hash": "x"}}}},
     "[sla_auth.users.a]: role 'boss' is not one of viewer, editor, admin."),
    ({"sla_auth": {"mode": "password"}},
     "[sla_auth] mode is password but no user has a password yet: add one with python -m slacore users add NAME "
     "--role admin."),
    ({"sla_auth": {"mode": "oidc"}}, "[sla_auth] mode is oidc but the secrets have no [auth] table for the provider."),
    ({"sla_auth": {"mode": "ldap"}}, "[sla_auth] mode 'ldap' is not one of password, oidc, off."),
])
def test_bad_settings_are_one_sentence(secrets, sentence):
    with pytest.raises(UserError) as exc:
        auth.access_config(secrets)
    assert str(exc.value) == sentence


# -- the role check at the write functions --------------------------------------------------------------------

def _fingerprint(store) -> dict:
    """Everything a user could change, counted and hashed: equal before and after a refused write."""
    tables = ["tickets", "imports", "rejected_rows", "targets", "target_versions", "calendars", "settings",
              "priority_map", "user_benchmarks", "reviews", "review_notes", "review_actions", "header_mappings"]
    from slacore.schema import TICKET_COLUMNS

    imported = ", ".join(line.split()[0] for line in TICKET_COLUMNS.strip().splitlines())  # not derived columns
    return {t: store.rows(f"SELECT count(*), coalesce(sum(hash(x)), 0) FROM "
                          f"(SELECT {imported if t == 'tickets' else '*'} FROM {t}) x")[0] for t in tables}


@pytest.fixture
def loaded(store):
    from slacore.sample import ensure_sample_data

    assert ensure_sample_data(store)
    return store


def _writes(store, fixtures):
    """Every write a page offers, as the slacore call the page makes."""
    from slacore import benchmarks, reviews
    from slacore.importers.pipeline import delete_import, import_file
    from slacore.importers.priorities import save_priority_mapping
    from slacore.sample import remove_sample_data
    from slacore.sla_yaml import apply_yaml
    from slacore.targets import current_targets, delete_calendar, retire_target

    import_id = int(store.scalar("SELECT min(import_id) FROM imports"))
    target = current_targets(store)[0].name
    return {
        "import": lambda: import_file(store, fixtures / "freshdesk_export.csv"),
        "delete import": lambda: delete_import(store, import_id),
        "remove samples": lambda: remove_sample_data(store),
        "apply yaml": lambda: apply_yaml(store, "targets:\n  - name: New\n    metric: resolution\n    within: 8h\n"
                                                "    goal: 90%\n    calendar: 24x7\n"),
        "retire target": lambda: retire_target(store, target, author="x"),
        "delete calendar": lambda: delete_calendar(store, "spare-calendar"),  # one no target uses
        "priority mapping": lambda: save_priority_mapping(store, {"urgent": "low"}),
        "add benchmark": lambda: benchmarks.add_benchmark(store, "first_response", "email", "contract", 240,
                                                          "minutes", "MSA"),
        "start review": lambda: reviews.start_review(store, "R", "R", "month", date(2025, 1, 1), date(2025, 1, 31)),
    }


VIEWER_SENTENCE = ("vera is signed in as a viewer, who can look and download but not change anything: ask an admin "
                   "for the editor role.")


def test_a_viewer_cannot_write_through_any_slacore_write_function(loaded, tmp_path):
    from paths import REPO

    before = _fingerprint(loaded)
    version = loaded.version
    with auth.acting_as(VIEWER):
        for what, write in _writes(loaded, REPO / "tests" / "fixtures").items():
            with pytest.raises(UserError) as exc:
                write()
            assert str(exc.value) == VIEWER_SENTENCE, what
    assert _fingerprint(loaded) == before, "a refused write changes nothing"
    assert loaded.version == version


def test_review_writes_are_refused_for_a_viewer_too(loaded):
    from slacore import reviews

    review = reviews.start_review(loaded, "Jan", "Monthly", "month", date(2025, 1, 1), date(2025, 1, 31))
    before = _fingerprint(loaded)
    with auth.acting_as(VIEWER):
        for write in (lambda: reviews.save_note(loaded, review.review_id, "general", "hi", author="vera"),
                      lambda: reviews.add_action(loaded, review.review_id, "do it", author="vera"),
                      lambda: reviews.sign_off(loaded, review.review_id, "vera"),
                      lambda: reviews.refresh_figures(loaded, review.review_id)):
            with pytest.raises(UserError, match="signed in as a viewer"):
                write()
    assert _fingerprint(loaded) == before


def test_a_viewer_page_view_still_keeps_derived_data_current(loaded):
    with auth.acting_as(VIEWER):
        with loaded.transaction(bump=False) as cur:  # clock columns, duplicate flags
            cur.execute("SELECT 1")
        with pytest.raises(UserError):
            with loaded.transaction() as cur:
                cur.execute("SELECT 1")


def test_an_editor_writes_and_is_recorded_as_the_author(loaded):
    from paths import REPO
    from slacore import benchmarks
    from slacore.importers.pipeline import import_file, list_imports
    from slacore.sla_yaml import apply_yaml
    from slacore.targets import history

    with auth.acting_as(EDITOR):
        report = import_file(loaded, REPO / "tests" / "fixtures" / "freshdesk_export.csv")
        benchmarks.add_benchmark(loaded, "first_response", "email", "contract", 240, "minutes", "MSA")
        apply_yaml(loaded, "targets:\n  - name: New\n    metric: resolution\n    within: 8h\n    goal: 90%\n"
                           "    calendar: 24x7\n", author=auth.acting_name())
    imports = list_imports(loaded).set_index("import_id")
    assert imports.loc[report.import_id, "imported_by"] == "eddie"
    assert set(imports.drop(index=report.import_id)["imported_by"]) == {"sample data"}
    assert loaded.scalar("SELECT added_by FROM user_benchmarks") == "eddie"
    assert history(loaded).query("target == 'New'")["author"].tolist() == ["eddie"]


def test_without_login_the_machine_user_writes_and_is_recorded(store, monkeypatch):
    from slacore import benchmarks

    monkeypatch.setattr(auth, "machine_user", lambda: "localperson")
    benchmarks.add_benchmark(store, "first_response", "email", "contract", 240, "minutes", "MSA")
    assert store.scalar("SELECT added_by FROM user_benchmarks") == "localperson"


def test_a_protected_database_refuses_writes_without_a_principal(store):
    auth.protect(store.path)
    try:
        with pytest.raises(UserError, match="^Sign in first: this app requires login before anything can be "
                                            "changed.$"):
            with store.transaction() as cur:
                cur.execute("SELECT 1")
        with auth.acting_as(EDITOR), store.transaction() as cur:
            cur.execute("SELECT 1")
    finally:
        auth.unprotect(store.path)
    with store.transaction() as cur:  # local use again: the machine's user
        cur.execute("SELECT 1")


# -- python -m slacore users ----------------------------------------------------------------------------------

def _users(argv, stdin: str = "", monkeypatch=None, capsys=None):
    from slacore.cli import main

    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["users", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_users_add_writes_a_hash_keeps_the_file_and_never_prints_it(tmp_path, monkeypatch, capsys):
    secrets = tmp_path / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text('# keep me\n[other]\nkey = "value"\n')
    code, out, err = _users(["add", "alice", "--role", "admin", "--secrets", str(secrets), "--password-stdin"],
                            "alice's password\n", monkeypatch, capsys)
    assert (code, err) == (0, "")
    assert out == f"Added alice (admin) in {secrets}; the running app reads it by itself.\n"
    text = secrets.read_text()
    data = tomllib.loads(text)
    assert text.startswith("# keep me\n") and data["other"] == {"key": "value"}
    stored = data["sla_auth"]["users"]["alice"]
    assert data["sla_auth"]["mode"] == "password" and stored["role"] == "admin"
    assert auth.verify_password("alice's password", stored["password_hash"])
    assert stored["password_hash"] not in out and "alice's password" not in text
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600

    code, out, _ = _users(["add", "bob@example.com", "--role", "viewer", "--secrets", str(secrets),
                           "--password-stdin"], "bob's password\n", monkeypatch, capsys)
    code, out, _ = _users(["add", "alice", "--role", "editor", "--secrets", str(secrets), "--password-stdin",
                           "--json"], "new password!\n", monkeypatch, capsys)
    assert json.loads(out.splitlines()[-1]) == {"updated": "alice", "role": "editor", "secrets": str(secrets)}
    config = auth.access_config(tomllib.loads(secrets.read_text()))
    assert {n: u.role for n, u in config.users.items()} == {"alice": "editor", "bob@example.com": "viewer"}
    assert auth.sign_in(config, "alice", "new password!", "s").role == "editor"
    code, out, _ = _users(["list", "--secrets", str(secrets), "--json"], "", monkeypatch, capsys)
    assert json.loads(out) == {"users": [{"name": "bob@example.com", "role": "viewer", "password": True},
                                         {"name": "alice", "role": "editor", "password": True}]}
    code, out, _ = _users(["remove", "bob@example.com", "--secrets", str(secrets)], "", monkeypatch, capsys)
    assert code == 0 and list(tomllib.loads(secrets.read_text())["sla_auth"]["users"]) == ["alice"]


@pytest.mark.parametrize("argv, stdin, sentence", [
    (["add", "al ice", "--role", "viewer"], "long enough\n",
     "error: The user name 'al ice' may hold letters, digits and . _ @ + - only (at most 64).\n"),
    (["add", "al", "--role", "viewer"], "short\n", "error: The password is too short: use at least 8 characters.\n"),
    (["add", "al", "--role", "viewer"], "", "error: --password-stdin read no password: pipe one line holding it.\n"),
    (["add", "al"], "long enough\n", "error: users add needs --role viewer, editor or admin.\n"),
    (["remove", "nobody"], "", "error: There is no user 'nobody' in {secrets}.\n"),
])
def test_users_refusals_exit_2_with_one_line_and_leave_the_file(tmp_path, monkeypatch, capsys, argv, stdin,
                                                                  sentence):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("[other]\nkey = 1\n")
    code, out, err = _users([*argv, "--secrets", str(secrets), "--password-stdin"], stdin, monkeypatch, capsys)
    assert (code, out, err) == (2, "", sentence.format(secrets=secrets))
    assert secrets.read_text() == "[other]\nkey = 1\n"


def test_users_add_in_oidc_mode_stores_a_role_and_asks_no_password(tmp_path, monkeypatch, capsys):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nclient_id = "x"\n')
    code, out, _ = _users(["add", "ed@example.com", "--role", "editor", "--secrets", str(secrets)], "",
                          monkeypatch, capsys)
    assert code == 0
    data = tomllib.loads(secrets.read_text())
    assert data["sla_auth"] == {"mode": "oidc", "users": {"ed@example.com": {"role": "editor"}}}


def test_only_an_admin_manages_users(tmp_path):
    with auth.acting_as(EDITOR), pytest.raises(UserError, match="^Only an admin may manage users, and eddie is "
                                                                 "signed in as editor.$"):
        auth.add_user(tmp_path / "s.toml", "x", "viewer", "long enough")
    assert not (tmp_path / "s.toml").exists()
    with auth.acting_as(auth.Principal("root", "admin")):
        assert auth.add_user(tmp_path / "s.toml", "x", "viewer", "long enough") == "added"


def test_a_command_handed_to_the_app_acts_as_the_machine_user_on_a_protected_database(tmp_path, monkeypatch):
    """The app with login on serves the command line's jobs (slacore.handover): the socket is the machine user's
    own (0600), so the command writes with full rights and is recorded as that user, not refused for want of a
    browser sign-in."""
    import getpass
    import shutil
    import subprocess
    import sys

    from paths import REPO
    from slacore.cli import run_job
    from slacore.handover import serve
    from slacore.importers.pipeline import list_imports
    from slacore.store import close_all, open_store

    store = open_store(tmp_path / "held.duckdb")
    assert serve(store, run_job) is not None
    auth.protect(store.path)
    try:
        shutil.copy(REPO / "tests" / "fixtures" / "freshdesk_export.csv", tmp_path / "fd.csv")
        env = {k: v for k, v in __import__("os").environ.items() if k not in ("SLACORE_DEBUG", "SLA_DB")}
        env["PYTHONPATH"] = str(REPO)
        out = subprocess.run([sys.executable, "-m", "slacore", "import", "fd.csv", "--db", str(store.path), "--json"],
                             cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout.splitlines()[-1])["loaded"] > 0
        assert list_imports(store)["imported_by"].tolist() == [getpass.getuser()]
        with pytest.raises(UserError, match="Sign in first"):  # a browser session without sign-in still cannot
            with store.transaction() as cur:
                cur.execute("SELECT 1")
    finally:
        auth.unprotect(store.path)
        close_all()
