"""Uploaded exports on disk while a session looks at them: private to the app's user, and gone when done.

Streamlit holds an upload in memory, but DuckDB's CSV reader and the XLSX reader need a path, so the Data page
writes each upload once. Ticket exports carry personal data, so:

- every process gets its own folder, `sla-uploads-<pid>-<random>` in the temporary directory, made by `mkdtemp`
  (0700: only the app's user can list or read it); each browser session a subfolder, each upload a 0600 file;
- a file goes when its import finishes or it is refused (`discard`), when it is removed from the uploader
  (`keep_only`), and with its session (`UploadSpool` is dropped with the session's state: its finaliser removes the
  folder); the process folder goes when the server stops;
- folders left by a process that died without cleaning up (killed, power cut) are removed at the next start-up
  (`clean_stale`).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable
from pathlib import Path

PREFIX = "sla-uploads-"
_OURS = re.compile(re.escape(PREFIX) + r"(\d+)-")
LEGACY = "sla-uploads"  # the shared, world-readable folder of earlier versions
LEGACY_MAX_AGE_S = 3600  # files there younger than this may belong to an older app still running
_SUFFIX = re.compile(r"\.[a-z0-9]{1,10}")
_KEY = re.compile(r"[0-9a-f]{20}(?:\.[a-z0-9]{1,10})?")

_lock = threading.Lock()
_process_dir: Path | None = None


def upload_key(name: str, data: bytes) -> str:
    """The file name an upload is saved under: its content hash and its (sanitised) extension."""
    suffix = Path(name).suffix.lower()
    return hashlib.sha256(data).hexdigest()[:20] + (suffix if _SUFFIX.fullmatch(suffix) else "")


def _remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def process_dir() -> Path:
    """This process's private upload folder (made on first use, stale folders cleaned then, removed at exit)."""
    global _process_dir
    with _lock:
        if _process_dir is None or not _process_dir.is_dir():
            clean_stale()
            _process_dir = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
            atexit.register(_remove, _process_dir)
        return _process_dir


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def clean_stale(tmp: str | os.PathLike | None = None) -> int:
    """Remove upload folders of processes that are gone (only ours: same owner, a real folder, not a link), and
    old files in the shared folder of earlier versions. Returns how many folders and files were removed."""
    root = Path(tmp or tempfile.gettempdir())
    removed = 0
    uid = os.geteuid()
    try:
        entries = list(os.scandir(root))
    except OSError:
        return 0
    for entry in entries:
        match = _OURS.match(entry.name)
        try:
            if not entry.is_dir(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_uid != uid:
                continue
        except OSError:
            continue
        if match:
            pid = int(match.group(1))
            mine = _process_dir is not None and Path(entry.path) == _process_dir
            # The same pid as ours but not our folder: left by an earlier run (containers reuse small pids).
            if not mine and (pid == os.getpid() or not _alive(pid)):
                _remove(Path(entry.path))
                removed += 1
        elif entry.name == LEGACY:
            removed += _clean_legacy(Path(entry.path), uid)
    return removed


def _clean_legacy(folder: Path, uid: int) -> int:
    removed, now = 0, time.time()
    for entry in os.scandir(folder):
        try:
            info = entry.stat(follow_symlinks=False)
            if entry.is_file(follow_symlinks=False) and info.st_uid == uid and now - info.st_mtime > LEGACY_MAX_AGE_S:
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
    try:
        folder.rmdir()  # only when empty
    except OSError:
        pass
    return removed


class UploadSpool:
    """One browser session's uploads on disk, in a private folder removed when the spool is closed or dropped
    (with the session's state) and at the latest when the process ends."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.path = Path(tempfile.mkdtemp(prefix="session-", dir=root or process_dir()))
        self._finalizer = weakref.finalize(self, _remove, self.path)

    def save(self, name: str, data: bytes, key: str | None = None) -> Path:
        """Write an upload once (reruns reuse the file), readable by the app's user only. `key`: its
        `upload_key`, when the caller has it already (hashing 500 MB takes a while)."""
        key = key or upload_key(name, data)
        if not _KEY.fullmatch(key):
            raise ValueError(f"not an upload key: {key!r}")
        path = self.path / key
        if path.exists():
            return path
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = self.path / f".{path.name}.{threading.get_ident()}.part"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(partial, path)  # a rerun never reads half a file
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return path

    def discard(self, path: str | os.PathLike) -> None:
        """The import finished or refused the file: its copy goes (the upload itself stays in the widget)."""
        Path(path).unlink(missing_ok=True)

    def keep_only(self, keys: Iterable[str]) -> int:
        """Remove the files of uploads no longer in the uploader; returns how many went."""
        keep, removed = set(keys), 0
        try:
            entries = list(os.scandir(self.path))
        except OSError:
            return 0
        for entry in entries:
            if entry.name not in keep and not entry.name.endswith(".part"):
                Path(entry.path).unlink(missing_ok=True)
                removed += 1
        return removed

    def files(self) -> list[Path]:
        return sorted(p for p in self.path.glob("*") if p.is_file()) if self.path.is_dir() else []

    def close(self) -> None:
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive
