"""Users (admins only, with login on): who may sign in and with which role, kept in the secrets file.

The same writes as `python -m slacore users`; slacore.auth refuses them for anyone but an admin. Streamlit
reloads a changed secrets file by itself, so a change applies to the next sign-in and page run.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.login import secrets_file
from pages.shared import guarded
from slacore import auth
from slacore.text import md_escape

st.title("Users")

with guarded("The users page"):
    auth.require("admin")
    path = secrets_file()
    if path is None:
        st.info("The login settings do not come from a file here; manage users with python -m slacore users.")
    else:
        mode = (auth.read_secrets(path).get("sla_auth") or {}).get("mode") or "oidc"
        st.caption(f"Settings file: {md_escape(str(path))} (mode {md_escape(mode)}). Roles: " + "; ".join(
            f"{role}: {can}" for role, can in auth.ROLE_CAN.items()) + ".")
        users = pd.DataFrame(auth.list_users(path), columns=["name", "role", "password"])
        st.dataframe(users, hide_index=True, width="stretch")
        with st.form("user-add", clear_on_submit=True):
            c1, c2, c3 = st.columns([2, 1, 2])
            name = c1.text_input("User name" if mode == "password" else "E-mail", key="user-name")
            role = c2.selectbox("Role", auth.ROLES, key="user-role")
            password = c3.text_input("Password", type="password", key="user-password") if mode == "password" else None
            if st.form_submit_button("Add or update", type="primary"):
                outcome = auth.add_user(path, name.strip(), role, password)
                st.success(f"{outcome.capitalize()} {md_escape(name.strip())} ({role}); it applies from the next "
                           "sign-in.")
        if len(users):
            c1, c2 = st.columns([3, 1])
            gone = c1.selectbox("Remove a user", [n for n in users["name"] if n != auth.acting_name()],
                                index=None, key="user-remove", placeholder="Choose a user (not yourself)")
            if gone and c2.button("Remove", key="user-remove-go"):
                auth.remove_user(path, gone)
                st.success(f"Removed {md_escape(gone)}.")
