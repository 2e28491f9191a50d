"""Uploads on disk: private to the app's user (0700 folders, 0600 files), removed when imported, removed from the
uploader, with the session, and (left by a killed server) at the next start-up."""

from __future__ import annotations

import gc
import os
import stat
import time
from pathlib import Path

import pytest

from slacore import uploads
from slacore.uploads import UploadSpool, clean_stale, upload_key


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_spool_is_private(tmp_path):
    spool = UploadSpool(root=tmp_path)
    path = spool.save("tickets.CSV", b"id,created\n1,2025-01-01\n")
    assert path.parent == spool.path and path.name == upload_key("tickets.csv", path.read_bytes())
    assert path.suffix == ".csv"
    assert _mode(spool.path) == 0o700
    assert _mode(path) == 0o600
    assert _mode(uploads.process_dir()) == 0o700


def test_saved_once_discarded_and_kept_only_while_uploaded(tmp_path):
    spool = UploadSpool(root=tmp_path)
    a = spool.save("a.csv", b"a")
    assert spool.save("a.csv", b"a") == a
    b = spool.save("b.xlsx", b"b")
    assert spool.files() == sorted([a, b])
    assert spool.keep_only([b.name]) == 1
    assert spool.files() == [b]
    spool.discard(b)
    assert spool.files() == []


def test_keys_cannot_leave_the_folder(tmp_path):
    spool = UploadSpool(root=tmp_path)
    digest = upload_key("x", b"x")
    assert len(digest) == 20
    assert upload_key("../../etc/passwd", b"x") == digest
    assert upload_key("a.csv/../..", b"x") == digest
    assert upload_key("evil.c$v", b"x") == digest, "an odd extension is dropped"
    assert upload_key("Export.XLSX", b"x") == digest + ".xlsx"
    with pytest.raises(ValueError):
        spool.save("x.csv", b"x", key="../outside.csv")


def test_the_folder_goes_with_the_spool(tmp_path):
    spool = UploadSpool(root=tmp_path)
    spool.save("a.csv", b"a")
    folder = spool.path
    del spool
    gc.collect()
    assert not folder.exists(), "dropping the session's state removes its uploads"
    closed = UploadSpool(root=tmp_path)
    closed.save("a.csv", b"a")
    closed.close()
    assert closed.closed and not closed.path.exists()


def test_stale_folders_of_dead_processes_are_removed_at_start(tmp_path):
    dead = tmp_path / "sla-uploads-999999999-abcd"  # no such pid
    alive = tmp_path / f"sla-uploads-{os.getppid()}-efgh"  # pytest's parent: running
    reused = tmp_path / f"sla-uploads-{os.getpid()}-ijkl"  # our pid, not our folder: an earlier run's
    for folder in (dead, alive, reused):
        (folder / "session-x").mkdir(parents=True)
        (folder / "session-x" / "0123.csv").write_bytes(b"personal data")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "keep.csv").write_bytes(b"x")
    (tmp_path / "sla-uploads-999999998-link").symlink_to(outside, target_is_directory=True)
    legacy = tmp_path / "sla-uploads"
    legacy.mkdir()
    (legacy / "old.csv").write_bytes(b"old")
    (legacy / "new.csv").write_bytes(b"new")
    hours_ago = time.time() - 2 * 3600
    os.utime(legacy / "old.csv", (hours_ago, hours_ago))

    assert clean_stale(tmp_path) == 3
    assert not dead.exists() and not reused.exists()
    assert alive.exists(), "a running server's uploads stay"
    assert (outside / "keep.csv").exists(), "links are not followed"
    assert not (legacy / "old.csv").exists() and (legacy / "new.csv").exists()
