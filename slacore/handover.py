"""The command line beside the running app: the app process runs the command line's jobs for it.

DuckDB lets one process hold a database file read-write. The app keeps the file open for its whole life (one
shared connection and page caches keyed on `store.version` are what keep pages fast), so it stays the only writer
and serves a small job endpoint: a Unix domain socket beside the database file, mode 0600 (the same user only).

A command that finds the file held (`errors.DatabaseBusy`) connects there and sends one JSON request: its argv, its
working directory (relative file names stay the caller's) and its user name (the default `--author`). The app
parses the argv with the same parser, runs the same command function on its own store in a thread of its own, and
answers with the exit code, stdout and stderr, which the command line prints unchanged: the output and the `--json`
contract are those of a direct run. The write is the app's own transaction, so an import lands whole or not at
all whichever process is killed when, and every page shows it at its next rerun (the write bumps store.version).

A command's file arguments therefore go through `config.user_path(path, getattr(args, "cwd", None))` (a new
command such as `report --out FILE` too): the app reads and writes the caller's files, never its own directory's.

An endpoint left behind by a killed app refuses connections: whoever finds it (a command, or the next app start)
removes it. Where nothing answers, the command says which program holds the file (DuckDB's lock error names the
PID, /proc its command line) and exits 2.
"""

from __future__ import annotations

import atexit
import getpass
import hashlib
import io
import json
import logging
import os
import socket
import socketserver
import stat
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from .errors import DatabaseBusy, UserError

log = logging.getLogger("slacore.handover")

SUFFIX = ".app.sock"
MAX_REQUEST_BYTES = 1 << 20
# sun_path holds 108 bytes on Linux; binding goes through a temporary directory beside the final name (~16 more).
_MAX_SOCKET_PATH = 90
# The app opens the file a moment before its endpoint listens: a command that finds the app holding the file but
# no endpoint yet waits this long for it.
APP_START_WAIT_S = 5.0
# Another command-line run holding the file usually ends soon: wait this long for it before refusing.
COMMAND_WAIT_S = 60.0


# -- where -----------------------------------------------------------------------------------------------------

def candidates(db: Path) -> list[Path]:
    """Where the endpoint of a database file may be: beside it, or (a long path, or a folder where no socket can be
    made) under /tmp/slacore-UID, named by a hash of the database path. Server and client try them in this order."""
    db = Path(db)
    out = []
    beside = Path(f"{db}{SUFFIX}")
    if len(os.fsencode(beside)) <= _MAX_SOCKET_PATH:
        out.append(beside)
    digest = hashlib.sha256(os.fsencode(db)).hexdigest()[:24]
    out.append(Path("/tmp") / f"slacore-{os.getuid()}" / f"{digest}.sock")
    return out


def _private_dir(path: Path) -> bool:
    """The fallback folder exists, is ours and is closed to others (made so when missing)."""
    try:
        path.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return False
    return _ours(path)


def _ours(folder: Path) -> bool:
    try:
        info = folder.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


# -- the app's side ----------------------------------------------------------------------------------------------

class _Routed:
    """sys.stdout / sys.stderr for a process that runs jobs in threads: a thread running a job writes into its own
    buffer, every other thread to the stream that was there before."""

    _local = threading.local()

    def __init__(self, name: str, fallback):
        self._name, self._fallback = name, fallback

    def _target(self):
        return getattr(self._local, self._name, None) or self._fallback

    def write(self, text):
        return self._target().write(text)

    def flush(self):
        return self._target().flush()

    def __getattr__(self, attr):
        return getattr(self._target(), attr)


_route_lock = threading.Lock()


@contextmanager
def _captured():
    """Collect what this thread prints (stdout, stderr) while the job runs."""
    with _route_lock:
        for name in ("stdout", "stderr"):
            if not isinstance(getattr(sys, name), _Routed):
                setattr(sys, name, _Routed(name, getattr(sys, name)))
    out, err = io.StringIO(), io.StringIO()
    _Routed._local.stdout, _Routed._local.stderr = out, err
    try:
        yield out, err
    finally:
        _Routed._local.stdout = _Routed._local.stderr = None


def _failure(message: str) -> dict:
    return {"exit": 2, "stdout": "", "stderr": f"error: {message}\n", "pid": os.getpid()}


class _Handler(socketserver.StreamRequestHandler):
    """One JSON request per connection, one JSON reply."""

    def handle(self) -> None:
        raw = self.rfile.readline(MAX_REQUEST_BYTES)
        try:
            request = json.loads(raw)
        except ValueError:
            reply = _failure("the job request is not JSON.")
        else:
            try:
                reply = self.server.runner(self.server.store, request)
            except BaseException as exc:  # a job must never take the endpoint down
                log.exception("job failed")
                reply = {"exit": 1, "stdout": "", "pid": os.getpid(),
                         "stderr": f"error: unexpected failure in the app ({exc.__class__.__name__}).\n"}
        try:
            self.wfile.write(json.dumps(reply).encode() + b"\n")
        except OSError:  # the command was stopped while its job ran: the job is done all the same
            log.info("a handed-over command left before its answer (exit %s)", reply.get("exit"))


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True
    allow_reuse_address = False

    def handle_error(self, request, client_address) -> None:  # into the log, not a traceback on stderr
        log.exception("job endpoint: a request failed")


class Endpoint:
    """A listening job endpoint for one store; stops (and removes its socket) when the store closes."""

    def __init__(self, store, path: Path, server: _Server, inode: int):
        self.store, self.path, self._server, self._inode = store, path, server, inode
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=f"slacore-jobs {path.name}", daemon=True)
        self._thread.start()

    @property
    def serving(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        """Remove the socket (if it is still ours) and stop listening, without waiting for running jobs."""
        try:
            if self.path.lstat().st_ino == self._inode:
                self.path.unlink()
        except OSError:
            pass

        def finish():
            self._server.shutdown()
            self._server.server_close()

        try:
            threading.Thread(target=finish, daemon=True).start()
        except RuntimeError:  # at interpreter shutdown: the process ends anyway
            pass


_endpoints: dict[Path, Endpoint] = {}
_endpoints_lock = threading.Lock()


def _bind(path: Path, store, runner) -> Endpoint:
    """Listen at `path`: bound inside a fresh private folder beside it, made 0600, then renamed into place (never
    connectable by others, and an old socket of a killed app is replaced in one step)."""
    if path.parent.name.startswith("slacore-") and not _private_dir(path.parent):
        raise OSError(f"{path.parent} is not a private folder")
    if path.is_symlink() or (path.exists() and not stat.S_ISSOCK(path.lstat().st_mode)):
        raise OSError(f"{path} exists and is not a socket")
    staging = Path(tempfile.mkdtemp(prefix=".sla", dir=path.parent))
    try:
        server = _Server(str(staging / "s"), _Handler, bind_and_activate=False)
        try:
            server.store, server.runner = store, runner
            server.server_bind()
            os.chmod(staging / "s", 0o600)
            server.server_activate()
            os.replace(staging / "s", path)
            inode = path.lstat().st_ino
        except BaseException:
            server.server_close()
            raise
    finally:
        for leftover in (staging / "s", staging):
            try:
                leftover.rmdir() if leftover == staging else leftover.unlink()
            except OSError:
                pass
    return Endpoint(store, path, server, inode)


def serve(store, runner) -> Path | None:
    """Serve the job endpoint for this store (once per process and database file); where it listens, or None when
    no socket can be made (the app then works on, and commands are told which program holds the file).

    `runner(store, request) -> reply` runs a job: `slacore.cli.run_job` (passed in, so that this module, which the
    store uses to clear stale sockets, never imports the command line)."""
    with _endpoints_lock:
        current = _endpoints.get(store.path)
        if current is not None and current.store is store and current.serving:
            return current.path
        if current is not None:
            current.stop()
        for path in candidates(store.path):
            try:
                endpoint = _bind(path, store, runner)
            except Exception as exc:  # the app works on without; commands are told who holds the file
                log.warning("no job endpoint at %s: %s", path, exc)
                continue
            _endpoints[store.path] = endpoint
            store.on_close.append(lambda e=endpoint: _forget(e))
            atexit.register(endpoint.stop)  # a normal shutdown (Ctrl-C on the app) leaves no socket behind
            return path
        return None


def _forget(endpoint: Endpoint) -> None:
    with _endpoints_lock:
        if _endpoints.get(endpoint.store.path) is endpoint:
            del _endpoints[endpoint.store.path]
    endpoint.stop()


# -- the command line's side ---------------------------------------------------------------------------------------

def _connect(busy: DatabaseBusy) -> socket.socket | None:
    """A connection to the live endpoint of the held database, or None; removes endpoints left by a killed app."""
    for path in candidates(busy.path):
        try:
            info = path.lstat()
        except OSError:
            continue
        if not stat.S_ISSOCK(info.st_mode) or (path.parent.name.startswith("slacore-") and not _ours(path.parent)):
            continue
        if info.st_uid != os.getuid() and os.getuid() != 0:
            raise UserError(f"The database {busy.path} is held by {busy.program or 'the running app'} "
                            f"(PID {busy.pid}), which runs as another user: run this command as that user.")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(path))
            return sock
        except ConnectionRefusedError:  # nobody listens: the app that made it was killed
            sock.close()
            if info.st_uid == os.getuid():
                try:
                    path.unlink()
                except OSError:
                    pass
        except PermissionError:
            sock.close()
            raise UserError(f"The database {busy.path} is held by {busy.program or 'the running app'} "
                            f"(PID {busy.pid}), which runs as another user: run this command as that user.") from None
        except OSError:
            sock.close()
    return None


def remove_stale(db: Path) -> None:
    """Called by whoever has just taken the file's lock: an endpoint still there was left by a killed app (only
    the holder of the file serves one), so remove it once it refuses a connection."""
    for path in candidates(db):
        try:
            info = path.lstat()
        except OSError:
            continue
        if not stat.S_ISSOCK(info.st_mode) or info.st_uid != os.getuid():
            continue
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(path))
                continue  # somebody listens: not ours to remove
            except ConnectionRefusedError:
                pass
            except OSError:
                continue
        try:
            path.unlink()
        except OSError:
            pass


def _looks_like_app(program: str) -> bool:
    return program.startswith(("streamlit", "python -m streamlit"))


def hand_over(busy: DatabaseBusy, argv: list[str], retry=None) -> int:
    """Run the command in the app that holds the database and print what it printed; its exit code.

    Another command-line run holding the file (two scheduled imports) is waited for, up to COMMAND_WAIT_S with one
    line on stderr, then `retry()` runs the command directly. Raises `busy` (its sentence names the program
    holding the file) when nothing answers and nothing is worth waiting for."""
    waiting_since, said = time.monotonic(), False
    while (sock := _connect(busy)) is None:
        waited = time.monotonic() - waiting_since
        if busy.command_line and retry is not None and waited < COMMAND_WAIT_S:
            if not said:
                print(f"waiting for {busy.program} (PID {busy.pid}) to finish with the database…", file=sys.stderr,
                      flush=True)
                said = True
            time.sleep(0.25)
            try:
                return retry()
            except DatabaseBusy as again:
                busy = again
            continue
        if not (_looks_like_app(busy.program) and waited < APP_START_WAIT_S):
            raise busy
        time.sleep(0.1)
    try:
        user = getpass.getuser()
    except Exception:
        user = None
    request = {"argv": list(argv), "cwd": os.getcwd(), "db": str(busy.path), "user": user}
    with sock:
        sock.sendall(json.dumps(request).encode() + b"\n")
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(1 << 16):
            chunks.append(chunk)
    try:
        reply = json.loads(b"".join(chunks))
        code, out, err = int(reply["exit"]), str(reply["stdout"]), str(reply["stderr"])
    except (ValueError, KeyError, TypeError):
        print(f"error: the app holding {busy.path} ({busy.program or 'PID ' + str(busy.pid)}) stopped before the "
              "command finished; an import lands whole or not at all: check with python -m slacore datasets.",
              file=sys.stderr)
        return 1
    sys.stdout.write(out)
    sys.stdout.flush()
    sys.stderr.write(err)
    sys.stderr.flush()
    return code
