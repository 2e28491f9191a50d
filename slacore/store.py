"""One DuckDB database file shared by every browser session of a process.

DuckDB lets one process hold a file read-write, and a connection object is not thread-safe, while Streamlit runs
each script run on its own thread. So: one connection per (process, file), a fresh cursor per operation, and every
write inside `Store.transaction()`, which takes a process-wide lock and is all-or-nothing (explicit
BEGIN/COMMIT/ROLLBACK, because DuckDB 2.0 runs a semicolon batch in auto-commit mode).
"""

from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import duckdb

from .auth import check_write
from .config import resolve_db_path
from .errors import DatabaseBusy, UserError
from .schema import MIGRATIONS

if TYPE_CHECKING:  # pandas loads when a frame is asked for: the command line's start-up stays short
    import pandas as pd

# Opening the same file twice in one process needs identical settings: keep them in one place.
CONNECT_CONFIG: dict = {}
# Session settings every cursor gets (a cursor is a new session: settings do not carry over from the connection).
SESSION_SETUP = "SET TimeZone = 'UTC'"

_stores: dict[Path, "Store"] = {}
_stores_lock = threading.Lock()
_HOLDER_PID = re.compile(r"\(PID (\d+)\)")


def _cmdline(pid: int | None) -> list[str]:
    if not pid:
        return []
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [w.decode(errors="replace") for w in raw.split(b"\0") if w]


def _is_command_line(words: list[str]) -> bool:
    """`python -m slacore ...`: a command-line run of this app."""
    return any(a == "-m" and b == "slacore" for a, b in zip(words, words[1:]))


def program_of(pid: int | None) -> str:
    """A short human name of a running process from /proc: `python -m slacore import x.csv`, `streamlit run app.py`."""
    words = _cmdline(pid)
    if not words:
        return ""
    words[0] = Path(words[0]).name
    if len(words) > 2 and words[0].startswith("python") and words[1] == "-m":
        words = ["python", *words[1:]]
    elif len(words) > 1 and words[0].startswith("python") and Path(words[1]).name == "streamlit":
        words = ["streamlit", *words[2:]]
    text = " ".join(" ".join(words).split())  # one line, whatever the arguments hold
    return text if len(text) <= 80 else text[:79] + "…"


def _refusal(path: Path, exc: Exception) -> UserError:
    """One sentence for a database file that cannot be opened: held by another process, or not readable."""
    message = str(exc)
    if "could not set lock" in message.lower() or "conflicting lock" in message.lower():
        found = _HOLDER_PID.search(message)
        pid = int(found.group(1)) if found else None
        return DatabaseBusy(path, pid, program_of(pid), command_line=_is_command_line(_cmdline(pid)))
    detail = message.removeprefix("IO Error: ").splitlines()[0][:200] if message else exc.__class__.__name__
    if "permission denied" in message.lower():
        return UserError(f"The database {path} cannot be opened: this user may not read and write it ({detail}); "
                         "fix its permissions, or use another database file (--db or SLA_DB).")
    return UserError(f"The database {path} cannot be read ({detail}): it is damaged or not a database of this app; "
                     "restore it from a backup, or use another database file (--db or SLA_DB).")


def open_store(path: str | Path | None = None) -> "Store":
    """The process-wide store for a database file (created and migrated on first use)."""
    resolved = resolve_db_path(path)
    with _stores_lock:
        store = _stores.get(resolved)
        if store is None or store.closed:
            store = Store(resolved)
            _stores[resolved] = store
        return store


def close_all() -> None:
    """Close every store of this process (tests, and the command line on exit)."""
    with _stores_lock:
        for store in _stores.values():
            store.close()
        _stores.clear()


class Store:
    """A migrated DuckDB database with serialised writes and thread-safe reads."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(str(self.path), config=CONNECT_CONFIG)
        except duckdb.Error as exc:
            raise _refusal(self.path, exc) from None
        if Path(f"{self.path}.app.sock").exists() or Path("/tmp").joinpath(f"slacore-{os.getuid()}").exists():
            from .handover import remove_stale

            remove_stale(self.path)  # we hold the file now: an app endpoint left for it is a killed app's
        self._write_lock = threading.RLock()
        self.closed = False
        self.version = 0  # bumped after every committed write: a cheap cache key for the UI
        self.on_close: list = []  # called once when the store closes (the app's job endpoint stops with it)
        try:
            self._migrate()
        except UserError:
            self.close()
            raise
        except duckdb.Error as exc:  # a damaged file can open and fail at its first read
            self.close()
            raise _refusal(self.path, exc) from None

    # -- reading ---------------------------------------------------------------------------------------------
    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A private cursor for one operation; results must be fetched before it closes."""
        cur = self._new_cursor()
        try:
            yield cur
        finally:
            cur.close()

    def query(self, sql: str, params: list | dict | None = None) -> pd.DataFrame:
        """Run a read query and return the whole result as a DataFrame."""
        with self.cursor() as cur:
            return cur.execute(sql, params).df()

    def rows(self, sql: str, params: list | dict | None = None) -> list[tuple]:
        with self.cursor() as cur:
            return cur.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: list | dict | None = None):
        with self.cursor() as cur:
            row = cur.execute(sql, params).fetchone()
        return None if row is None else row[0]

    # -- writing ---------------------------------------------------------------------------------------------
    @contextmanager
    def transaction(self, cur: duckdb.DuckDBPyConnection | None = None,
                    bump: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """Serialised, all-or-nothing write: commits on success, rolls back on any exception.

        Pass the cursor that holds an import's TEMP staging tables; otherwise a fresh cursor is used and closed.
        `bump=False` for derived data (clock columns) that changes nothing a user sees, so caches stay valid.
        The one access check (slacore.auth): a viewer's write is refused here; derived data stays allowed.
        """
        check_write(self.path, derived=not bump)
        own = cur is None
        with self._write_lock:
            cur = self._new_cursor() if own else cur
            try:
                cur.begin()
                try:
                    yield cur
                except BaseException:
                    cur.rollback()
                    raise
                cur.commit()
                if bump:
                    self.version += 1
            finally:
                if own:
                    cur.close()

    def write_lock(self) -> threading.RLock:
        """The lock every write takes (re-entrant): hold it across two transactions that must not be split."""
        return self._write_lock

    def _new_cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self._con.cursor()
        cur.execute(SESSION_SETUP)
        return cur

    def close(self) -> None:
        """Idempotent: a second close is a no-op."""
        if not self.closed:
            self.closed = True
            for hook in self.on_close:
                try:
                    hook()
                except Exception:  # closing must finish whatever a hook does
                    pass
            self._con.close()

    # -- schema ----------------------------------------------------------------------------------------------
    def _migrate(self) -> None:
        with self._write_lock, self.cursor() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMPTZ)")
            current = cur.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
            if current > len(MIGRATIONS):
                raise UserError(
                    f"The database {self.path} was written by a newer version of this app (schema {current}, this "
                    f"version knows up to {len(MIGRATIONS)}): update the app, or use another database file "
                    "(--db or SLA_DB).")
            for number, statements in enumerate(MIGRATIONS, start=1):
                if number <= current:
                    continue
                cur.begin()
                try:
                    for statement in statements:
                        cur.execute(statement)
                    cur.execute("INSERT INTO schema_version VALUES (?, now())", [number])
                    cur.commit()
                except BaseException:
                    cur.rollback()
                    raise

    def schema_version(self) -> int:
        return self.scalar("SELECT max(version) FROM schema_version")
