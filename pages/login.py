"""Sign-in: off unless `.streamlit/secrets.toml` configures it; then every page waits for a signed-in user.

app.py calls `gate()` first thing in every script run. It sets the acting principal (slacore.auth), which
`Store.transaction()` checks, so the role is enforced in slacore whatever a page shows. Two modes:

- `password`: users and scrypt hashes in `[sla_auth.users.NAME]` (python -m slacore users add), failed attempts
  limited per user name and per browser session;
- `oidc`: Streamlit's `st.login` with the `[auth]` table; roles by e-mail in `[sla_auth.users]`. For tests and
  offline demos `SLA_AUTH_PROVIDER=fake` replaces the provider with a form that names the identity (a warning says
  so on every page): neither AppTest nor an offline browser can complete a real OpenID flow.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import streamlit as st

from slacore import auth
from slacore.errors import UserError
from slacore.text import md_escape

PRINCIPAL_KEY = "sla-auth-principal"  # the signed-in name (password mode) or the fake provider's identity
FAKE_PROVIDER_ENV = "SLA_AUTH_PROVIDER"
log = logging.getLogger("sla-dashboard")


def _secrets() -> dict:
    """The secrets as a plain dict; a secrets file that exists but cannot be read stops the app (fail closed)."""
    if st.secrets.load_if_toml_exists():
        return {key: (value.to_dict() if hasattr(value, "to_dict") else value) for key, value in st.secrets.items()}
    from streamlit import config

    present = [p for p in config.get_option("secrets.files") or [] if Path(p).is_file()]
    if present:
        raise UserError(f"The secrets file {present[0]} cannot be read (is it valid TOML?): the app stays closed "
                        "until it is fixed.")
    return {}


def secrets_file() -> Path | None:
    """The secrets file that holds the login settings (the last of Streamlit's `secrets.files` that exists and
    has an `[sla_auth]` table, else the last that exists): where the Users page writes."""
    from streamlit import config

    existing = [Path(p) for p in config.get_option("secrets.files") or [] if Path(p).is_file()]
    with_settings = [p for p in existing if "sla_auth" in auth.read_secrets(p)]
    return (with_settings or existing or [None])[-1]


def admin_pages() -> list:
    """The pages only an admin sees (with login on): Users."""
    principal = auth.current()
    if principal is None or not principal.can("admin"):
        return []
    return [st.Page("pages/users.py", title="Users", icon=":material/group:", url_path="users")]


def _session_key() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx else "no-session"


def _password_sign_in(config: auth.AccessConfig) -> auth.Principal | None:
    name = st.session_state.get(PRINCIPAL_KEY)
    user = config.users.get(name) if name else None
    if user is not None and user.password_hash:
        return auth.Principal(user.name, user.role)  # the role as the secrets say now
    st.title("Sign in")
    st.caption("This dashboard is shared: sign in with the user name and password your admin gave you.")
    with st.form("sign-in"):
        name = st.text_input("User name", key="sign-in-name")
        password = st.text_input("Password", type="password", key="sign-in-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            principal = auth.sign_in(config, name, password, _session_key())
        except UserError as exc:
            st.error(md_escape(str(exc)))
            return None
        st.session_state[PRINCIPAL_KEY] = principal.name
        st.session_state.pop("sign-in-password", None)
        st.rerun()
    return None


def _oidc_identity(config: auth.AccessConfig) -> tuple[str | None, str | None] | None:
    """(e-mail, name) of the signed-in identity, or None after showing the sign-in button."""
    if os.environ.get(FAKE_PROVIDER_ENV) == "fake":
        st.warning("Test sign-in (SLA_AUTH_PROVIDER=fake): no identity provider checks who you are.")
        if st.session_state.get(PRINCIPAL_KEY):
            return st.session_state[PRINCIPAL_KEY], None
        st.title("Sign in")
        with st.form("fake-sign-in"):
            email = st.text_input("E-mail (the test provider believes it)", key="fake-sign-in-email")
            if st.form_submit_button("Sign in", type="primary") and email.strip():
                st.session_state[PRINCIPAL_KEY] = email.strip()
                st.rerun()
        return None
    if st.user.get("is_logged_in"):
        return st.user.get("email"), st.user.get("name")
    st.title("Sign in")
    st.caption("This dashboard is shared: sign in with your organisation's account.")
    if st.button("Sign in", type="primary", key="oidc-sign-in"):
        st.login(config.provider) if config.provider else st.login()
    return None


def _signed_out() -> None:
    """The only page before sign-in (st.navigation needs one): the sign-in form is drawn above it."""


def _sign_out(config: auth.AccessConfig) -> None:
    st.session_state.pop(PRINCIPAL_KEY, None)
    if config.mode == "oidc" and os.environ.get(FAKE_PROVIDER_ENV) != "fake":
        st.logout()
    st.rerun()


def gate() -> None:
    """Every script run: with login off, the machine's user acts (local use as before); with it on, stop the run
    until someone is signed in, then act as them. Any failure here stops the run (fail closed)."""
    auth.set_current(None)
    try:
        _gate()
    except UserError as exc:
        st.error(md_escape(str(exc)))  # settings quote names and values: shown as typed
        st.stop()
    except Exception:
        log.exception("Sign-in failed")
        st.error("Sign-in could not be checked because of an unexpected error; it has been logged on the server.")
        st.stop()


def _gate() -> None:
    from pages.shared import db_path_from_argv
    from slacore.config import resolve_db_path

    config = auth.access_config(_secrets())
    db = resolve_db_path(db_path_from_argv())  # not opened here: get_store says what is wrong with it, if anything
    if not config.enabled:
        auth.unprotect(db)
        return
    auth.protect(db)
    principal = None
    if config.mode == "password":
        principal = _password_sign_in(config)
    else:
        identity = _oidc_identity(config)
        if identity is not None:
            try:
                principal = config.oidc_principal(*identity)
            except UserError as exc:
                st.error(md_escape(str(exc)))
                if st.button("Sign out", key="sign-out-refused"):
                    _sign_out(config)
    if principal is None:
        st.navigation([st.Page(_signed_out, title="Sign in", url_path="sign-in")], position="hidden")
        st.stop()  # no page, no sidebar: only the sign-in above
    auth.set_current(principal)
    with st.sidebar:
        st.text(f"Signed in as {principal.name} ({principal.role})")
        if st.button("Sign out", key="sign-out"):
            _sign_out(config)
