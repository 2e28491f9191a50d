"""Who may change what: roles, the acting principal, password hashes, failed sign-in limits, the access settings.

Login is off unless `.streamlit/secrets.toml` configures it (`[sla_auth]`, or Streamlit's own `[auth]` table for
OpenID Connect). With it on, every script run of the app sets the acting principal (`acting_as`); the single
check sits in `Store.transaction()` (`check_write`), so a viewer cannot write whatever button, URL or replayed
widget action reaches a write function. Without a principal (local use, the command line) the machine's user acts
with full rights, except on a database the app marked as login-protected (`protect`): there a write without a
signed-in principal is refused, so a code path that forgot to set one fails closed.

No Streamlit here: pages/login.py reads the secrets and the session, this module decides.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import os
import re
import secrets as token_source
import threading
import time
import tomllib
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UserError

ROLES = ("viewer", "editor", "admin")
RANK = {role: rank for rank, role in enumerate(ROLES)}
ROLE_CAN = {
    "viewer": "sees every page and downloads, changes nothing",
    "editor": "imports, deletes imports, edits targets, calendars, priority mapping, benchmarks, writes reviews",
    "admin": "everything an editor does, and manages users",
}
MODES = ("password", "oidc")


@dataclass(frozen=True)
class Principal:
    """Who acts: a name (recorded as the author of every write) and a role."""

    name: str
    role: str

    def can(self, role: str) -> bool:
        return RANK.get(self.role, -1) >= RANK[role]


SYSTEM = Principal("sample data", "admin")  # the app's own first-start import
_acting: ContextVar[Principal | None] = ContextVar("sla_acting_principal", default=None)
_protected: set[Path] = set()
_protected_lock = threading.Lock()


def machine_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"


def current() -> Principal | None:
    """The principal of this script run (None: local use or the command line)."""
    return _acting.get()


def set_current(principal: Principal | None) -> None:
    """Set the acting principal for the rest of this thread's run (pages/login.py does, once per script run)."""
    _acting.set(principal)


@contextmanager
def acting_as(principal: Principal | None):
    token = _acting.set(principal)
    try:
        yield principal
    finally:
        _acting.reset(token)


def acting_name() -> str:
    """The name to record as the author of a write: the signed-in user, else the machine's user."""
    principal = _acting.get()
    return principal.name if principal else machine_user()


def protect(path: str | os.PathLike) -> None:
    """Mark a database as login-protected in this process: writes then need a signed-in principal."""
    with _protected_lock:
        _protected.add(Path(path).resolve())


def unprotect(path: str | os.PathLike) -> None:
    with _protected_lock:
        _protected.discard(Path(path).resolve())


def check_write(path: str | os.PathLike | None, derived: bool = False, needs: str = "editor") -> None:
    """Refuse a write the acting principal may not make (one sentence). `derived`: data computed from what is
    stored (clock columns, duplicate flags) that changes nothing a user sees, which viewers' page views keep
    up to date."""
    if derived:
        return
    principal = _acting.get()
    if principal is None:
        if path is not None and Path(path).resolve() in _protected:
            raise UserError("Sign in first: this app requires login before anything can be changed.")
        return
    if not principal.can(needs):
        if needs == "admin":
            raise UserError(f"Only an admin may manage users, and {principal.name} is signed in as {principal.role}.")
        raise UserError(f"{principal.name} is signed in as a viewer, who can look and download but not change "
                        "anything: ask an admin for the editor role.")


def require(role: str) -> None:
    """Refuse unless the acting principal (or the machine's user) holds `role`."""
    check_write(None, needs=role)


# -- passwords ---------------------------------------------------------------------------------------------------
# scrypt (RFC 7914) from the standard library: N=2**14, r=8, p=1 takes ~16 MB and some tens of ms per check.
SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_BYTES, SALT_BYTES = 2 ** 14, 8, 1, 32, 16
_HASH_RE = re.compile(r"^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$")
MIN_PASSWORD = 8


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`scrypt$N$r$p$salt$key`: a fresh random salt per user, the parameters kept so they can be raised later."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"The password is too short: use at least {MIN_PASSWORD} characters.")
    salt = salt or token_source.token_bytes(SALT_BYTES)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=KEY_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


_DUMMY_HASH = f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(b'0' * SALT_BYTES)}${_b64(b'0' * KEY_BYTES)}"


def verify_password(password: str, stored: str | None) -> bool:
    """Constant-time check; an unknown user or a malformed hash costs the same scrypt run (no timing hint)."""
    match = _HASH_RE.match(stored or "") or _HASH_RE.match(_DUMMY_HASH)
    n, r, p = (int(match.group(i)) for i in (1, 2, 3))
    if not (2 ** 10 <= n <= 2 ** 20 and 1 <= r <= 32 and 1 <= p <= 16):
        n, r, p = SCRYPT_N, SCRYPT_R, SCRYPT_P
    salt, expected = base64.b64decode(match.group(4)), base64.b64decode(match.group(5))
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=2 ** 27, dklen=len(expected))
    return hmac.compare_digest(key, expected) and bool(stored) and _HASH_RE.match(stored) is not None


# -- failed sign-ins ---------------------------------------------------------------------------------------------
class SignInLimiter:
    """At most `attempts` failed sign-ins per key (a user name, a browser session) within `window_s`; after that
    the key is locked until the oldest failure leaves the window, even for the right password."""

    def __init__(self, attempts: int = 5, window_s: float = 300.0, clock=time.monotonic):
        self.attempts, self.window_s, self.clock = attempts, window_s, clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str) -> list[float]:
        now = self.clock()
        kept = [t for t in self._failures.get(key, []) if now - t < self.window_s]
        if kept:
            self._failures[key] = kept
        else:
            self._failures.pop(key, None)
        return kept

    def wait_s(self, *keys: str) -> float:
        """Seconds until every key may try again (0: may try now)."""
        with self._lock:
            waits = [self.window_s - (self.clock() - recent[0]) for key in keys
                     if len(recent := self._recent(key)) >= self.attempts]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._recent(key)
                self._failures.setdefault(key, []).append(self.clock())

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()


SIGN_INS = SignInLimiter()


def sign_in(config: "AccessConfig", name: str, password: str, session_key: str,
            limiter: SignInLimiter = SIGN_INS) -> Principal:
    """Check a small-team sign-in; the principal, or a UserError (wrong name or password, or locked)."""
    name = (name or "").strip()
    keys = (f"user:{name.lower()}", f"session:{session_key}")
    wait = limiter.wait_s(*keys)
    if wait > 0:
        raise UserError(f"Too many failed sign-ins: try again in {max(1, round(wait / 60))} minute(s).")
    user = config.users.get(name)
    if not verify_password(password or "", user.password_hash if user else None) or user is None:
        limiter.failed(*keys)
        raise UserError("Wrong user name or password.")
    limiter.succeeded(*keys)
    return Principal(user.name, user.role)


# -- access settings (the secrets) -------------------------------------------------------------------------------
@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: str | None = None


@dataclass(frozen=True)
class AccessConfig:
    """What `[sla_auth]` (and `[auth]`) in the secrets say. mode None: login off."""

    mode: str | None = None
    users: dict[str, User] = field(default_factory=dict)
    default_role: str | None = None  # oidc: the role of a signed-in identity not listed in users (None: refused)
    provider: str | None = None  # oidc: `st.login(provider)` ([auth.NAME]); None: the [auth] table itself

    @property
    def enabled(self) -> bool:
        return self.mode is not None

    def oidc_principal(self, email: str | None, name: str | None = None) -> Principal:
        """The principal of an identity the provider vouched for: its listed role, else the default role."""
        key = (email or "").strip()
        user = next((u for n, u in self.users.items() if n.lower() == key.lower()), None) if key else None
        role = user.role if user else self.default_role
        if not key or role is None:
            raise UserError(f"{key or 'This account'} has no access to this app: ask an admin to add it.")
        return Principal(key, role)


def _role(value, where: str) -> str:
    role = str(value or "").strip().lower()
    if role not in ROLES:
        raise UserError(f"{where}: role {value!r} is not one of {', '.join(ROLES)}.")
    return role


def access_config(secrets: dict) -> AccessConfig:
    """Read the access settings from the secrets (a dict); a bad setting is one sentence naming it."""
    section = dict(secrets.get("sla_auth") or {})
    has_oidc = "auth" in secrets
    mode = section.get("mode") or ("oidc" if has_oidc else None)
    if mode is None:
        if section.get("users"):
            mode = "password"
        else:
            return AccessConfig()
    mode = str(mode).strip().lower()
    if mode in ("off", "none"):
        return AccessConfig()
    if mode not in MODES:
        raise UserError(f"[sla_auth] mode {mode!r} is not one of password, oidc, off.")
    users = {}
    for name, entry in dict(section.get("users") or {}).items():
        entry = {"role": entry} if isinstance(entry, str) else dict(entry)
        users[str(name)] = User(str(name), _role(entry.get("role"), f"[sla_auth.users.{name}]"),
                                entry.get("password_hash"))
    # No default role unless asked for: a public provider (any Google account) must not admit strangers.
    default_role = section.get("default_role")
    if default_role in ("", "none"):
        default_role = None
    if default_role is not None:
        default_role = _role(default_role, "[sla_auth] default_role")
    if mode == "password" and not any(u.password_hash for u in users.values()):
        raise UserError("[sla_auth] mode is password but no user has a password yet: add one with "
                        "python -m slacore users add NAME --role admin.")
    if mode == "oidc" and not has_oidc:
        raise UserError("[sla_auth] mode is oidc but the secrets have no [auth] table for the provider.")
    return AccessConfig(mode, users, default_role, section.get("provider"))


# -- the secrets file (python -m slacore users ...) --------------------------------------------------------------
DEFAULT_SECRETS = Path(".streamlit") / "secrets.toml"
_NAME_RE = re.compile(r"^[A-Za-z0-9._@+-]{1,64}$")
_TABLE_RE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")


def _toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else '"' + name + '"'


def _table_name(line: str) -> str | None:
    match = _TABLE_RE.match(line)
    if not match:
        return None
    return ".".join(part.strip().strip('"').strip("'") for part in re.split(r"\.(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)",
                                                                             match.group(1)))


def read_secrets(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path} is not valid TOML ({exc}); fix it before adding users.") from None


def add_user(path: str | os.PathLike, name: str, role: str, password: str | None) -> str:
    """Write (or replace) one user's entry in the secrets file, keeping everything else in it; returns 'added'
    or 'updated'. Needs an admin (the command line runs as the machine's user: allowed). In oidc mode the entry
    gives an e-mail its role and no password is stored."""
    require("admin")
    path = Path(path)
    if not _NAME_RE.match(name or ""):
        raise UserError(f"The user name {name!r} may hold letters, digits and . _ @ + - only (at most 64).")
    role = _role(role, "--role")
    data = read_secrets(path)
    mode = (data.get("sla_auth") or {}).get("mode") or ("oidc" if "auth" in data else "password")
    if mode == "password" and password is None:
        raise UserError("A password is needed in password mode.")
    existed = name in ((data.get("sla_auth") or {}).get("users") or {})
    if existed and isinstance(data["sla_auth"]["users"][name], str):
        raise UserError(f"{name} is listed as `{name} = \"role\"` in {path}; edit that line by hand.")
    kept = _without_user_table(path, name)
    if "sla_auth" not in data:
        kept += ["", "[sla_auth]", f'mode = "{mode}"']
    while kept and not kept[-1].strip():
        kept.pop()
    kept += ["", f"[sla_auth.users.{_toml_key(name)}]", f'role = "{role}"']
    if mode == "password":
        kept.append(f'password_hash = "{hash_password(password)}"')
    text = "\n".join(kept).lstrip("\n") + "\n"
    _write_secrets(path, text)
    return "updated" if existed else "added"


def remove_user(path: str | os.PathLike, name: str) -> None:
    """Remove one user's table from the secrets file (admin only, like add_user)."""
    require("admin")
    path = Path(path)
    users = (read_secrets(path).get("sla_auth") or {}).get("users") or {}
    if name not in users:
        raise UserError(f"There is no user {name!r} in {path}.")
    if isinstance(users[name], str):
        raise UserError(f"{name} is listed as `{name} = \"role\"` in {path}; edit that line by hand.")
    _write_secrets(path, "\n".join(_without_user_table(path, name)).rstrip("\n") + "\n")


def _without_user_table(path: Path, name: str) -> list[str]:
    """The file's lines without the user's `[sla_auth.users.NAME]` table (up to the next table header)."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    own_table = f"sla_auth.users.{name}"
    kept, skipping = [], False
    for line in lines:
        table = _table_name(line)
        if table is not None:
            skipping = table == own_table
        if not skipping:
            kept.append(line)
    return kept


def _write_secrets(path: Path, text: str) -> None:
    """Replace the file atomically, readable by its owner only; never leave a broken secrets file behind."""
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path} could not be updated safely ({exc}); edit it by hand.") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)
    os.chmod(path, 0o600)


def list_users(path: str | os.PathLike) -> list[dict]:
    """The users of the secrets file, with their role and whether a password is set (never the hash)."""
    section = read_secrets(Path(path)).get("sla_auth") or {}
    out = []
    for name, entry in dict(section.get("users") or {}).items():
        entry = {"role": entry} if isinstance(entry, str) else dict(entry)
        out.append({"name": name, "role": entry.get("role"), "password": bool(entry.get("password_hash"))})
    return out
