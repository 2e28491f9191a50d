"""The one exception type a user may see.

Everything that reaches the UI or the command line as a refusal is a `UserError`: one sentence that says what is
wrong and what to do. Anything else is a bug, and the UI/CLI wrap it in a generic message instead of a traceback.
"""


class UserError(Exception):
    """A problem with the user's input or environment, explained in one sentence."""


class DatabaseBusy(UserError):
    """Another process holds the database file (DuckDB lets one process open it read-write).

    The command line catches this to hand its job to the running app (slacore.handover); `pid` and `program`
    say who holds the file, read from DuckDB's lock error and /proc, and `command_line` whether that is a
    `python -m slacore` run (worth waiting for: it ends by itself)."""

    def __init__(self, path, pid: int | None, program: str, command_line: bool = False):
        self.path, self.pid, self.program, self.command_line = path, pid, program, command_line
        who = f"{program} (PID {pid})" if program and pid else (f"the process with PID {pid}" if pid else "another program")
        super().__init__(
            f"The database {path} is in use by another program, {who}: wait until it has finished (or stop it) and "
            "try again, or use another database file (--db or SLA_DB).")
