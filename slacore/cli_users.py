"""`python -m slacore users ...`: the small-team login's users, kept in the secrets file beside the app.

    python -m slacore users add NAME --role viewer|editor|admin [--secrets PATH] [--password-stdin]
    python -m slacore users list [--secrets PATH] [--json]
    python -m slacore users remove NAME [--secrets PATH]

`add` asks for the password twice (getpass; `--password-stdin` reads one line for scripts) and writes only its
scrypt hash, never printing it; adding an existing user replaces their role and password. The running app
reloads the file by itself (Streamlit polls its secrets file).
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

from .errors import UserError


def _password(args) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line.strip():
            raise UserError("--password-stdin read no password: pipe one line holding it.")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UserError("No terminal to ask for the password: use --password-stdin.")
    first = getpass.getpass(f"Password for {args.name}: ")
    if first != getpass.getpass("Again: "):
        raise UserError("The two passwords differ; nothing was changed.")
    return first


def cmd_users(args) -> int:
    from . import auth

    path = args.secrets
    if args.action == "list":
        users = auth.list_users(path)
        human = "\n".join(f"{u['name']}: {u['role']}{'' if u['password'] else ' (no password)'}" for u in users)
        print(json.dumps({"users": users}) if args.json else (human or f"No users in {path}."))
        return 0
    if not args.name:
        raise UserError(f"users {args.action} needs a NAME.")
    if args.action == "remove":
        auth.remove_user(path, args.name)
        print(json.dumps({"removed": args.name}) if args.json else f"Removed {args.name} from {path}.")
        return 0
    if not args.role:
        raise UserError("users add needs --role viewer, editor or admin.")
    data = auth.read_secrets(Path(path))
    mode = (data.get("sla_auth") or {}).get("mode")
    oidc = mode == "oidc" or (mode is None and "auth" in data)
    password = None if oidc else _password(args)
    outcome = auth.add_user(path, args.name, args.role, password)
    human = f"{outcome.capitalize()} {args.name} ({args.role}) in {path}; the running app reads it by itself."
    print(json.dumps({outcome: args.name, "role": args.role, "secrets": str(path)}) if args.json else human)
    return 0


def register(sub, common) -> None:
    from .auth import DEFAULT_SECRETS, ROLES

    p = sub.add_parser("users", help="manage the small-team login's users (in .streamlit/secrets.toml)")
    p.add_argument("action", choices=["add", "list", "remove"])
    p.add_argument("name", nargs="?", help="user name (oidc mode: the e-mail address)")
    p.add_argument("--role", choices=ROLES)
    p.add_argument("--secrets", default=str(DEFAULT_SECRETS), help="the secrets file (default: .streamlit/secrets.toml)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    p.add_argument("--json", action="store_true", help="print the result as JSON (last line)")
    p.set_defaults(func=cmd_users)
