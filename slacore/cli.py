"""The command line: `python -m slacore ...`. A public interface: extend it, never break it.

With --json the last line printed is one JSON object (what automation parses). Refusals print one clear line to
stderr and exit 2; unexpected failures exit 1 with a one-line message, never a traceback (set SLACORE_DEBUG=1 to
see one).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback

from .config import user_path
from .errors import DatabaseBusy, UserError

FORMATS = ("auto", "zendesk", "freshdesk", "jira", "servicenow", "generic", "surveymonkey", "qualtrics")
KINDS = ("auto", "tickets", "surveys", "incidents", "checks")


def _emit(args, payload: dict, human: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(payload, default=str))
    else:
        print(human)


def _parse_map(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise UserError(f"--map takes FIELD=HEADER (for example --map created_at=Opened), got {pair!r}.")
        fld, header = pair.split("=", 1)
        mapping[fld.strip()] = header.strip()
    return mapping


def cmd_import(args) -> int:
    from .importers.pipeline import ImportOptions
    from .kinds import get_kind, import_any
    from .store import open_store

    path = user_path(args.file, getattr(args, "cwd", None))
    if not path.is_file():
        raise UserError(f"There is no file {args.file}; check the path.")
    if args.kind != "auto":
        get_kind(args.kind)  # refuses a kind this version cannot import, before anything is opened
    dayfirst = {"auto": None, "yes": True, "no": False}[args.dayfirst]
    options = ImportOptions(fmt=args.format, timezone=args.timezone, mapping=_parse_map(args.map),
                            dayfirst=dayfirst, sheet=args.sheet, pii=args.pii, source=args.source)
    store = open_store(args.db)  # after the cheap checks: a mistyped path creates no database
    report = import_any(store, path, options=options, kind=args.kind)
    what = "" if report.kind == "tickets" else f"{report.kind}, "
    human = (f"{report.file_name}: {report.loaded} new, {report.updated} updated, {report.rejected} rejected "
             f"({what}{report.format}, source {report.source!r}, {report.seconds:.2f} s)")
    for line in report.lines:
        human += f"\n  {line}"
    for note in report.notes:
        human += f"\n  note: {note}"
    if report.timezone_from:
        human += f"\n  note: naive time stamps read in {report.timezone}, as the header {report.timezone_from[0]!r} says"
    for sentence in report.measured_as.values():
        human += f"\n  note: {sentence}"
    for m in report.asked:
        human += (f"\n  not used, please confirm: {m.header!r} may be {m.field} ({m.explain()}); "
                  f"add --map {m.field}={m.header!r} to use it")
    for line in report.placeholder_lines():
        human += f"\n  placeholder dates: {line}"
    if report.rejected:
        for row in report.rejected_rows.head(10).itertuples():
            human += f"\n  rejected row {row.row_number}: {row.reason}"
    _emit(args, report.as_json(), human)
    return 0


def cmd_datasets(args) -> int:
    from .importers.pipeline import list_imports
    from .store import open_store

    frame = list_imports(open_store(args.db))
    records = json.loads(frame.to_json(orient="records", date_format="iso"))
    _emit(args, {"imports": records}, frame.to_string(index=False) if len(frame) else "No imports yet.")
    return 0


def cmd_sample(args) -> int:
    from .sample import ensure_sample_data, is_empty
    from .store import open_store

    store = open_store(args.db)
    if not is_empty(store):
        raise UserError(f"The database {store.path} already holds imports; the sample data goes into an empty one.")
    ensure_sample_data(store)
    tickets = store.scalar("SELECT count(*) FROM tickets")
    _emit(args, {"loaded": tickets}, f"Sample data loaded: {tickets:,} tickets and the starter targets.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m slacore", description="SLA performance dashboard: data tools.")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--db", help="database file (default: $SLA_DB or data/sla.duckdb)")
        p.add_argument("--json", action="store_true", help="print the result as JSON (last line)")

    p = sub.add_parser("import", help="import a ticket export, survey export or other log (CSV or XLSX)")
    p.add_argument("file")
    common(p)
    p.add_argument("--kind", default="auto", choices=KINDS,
                   help="what the file holds (default auto: detected from the header; tickets when unclear)")
    p.add_argument("--format", default="auto", choices=FORMATS)
    p.add_argument("--timezone", default=None,
                   help="time zone of time stamps without an offset (default: the zone a header names, such as "
                        "'Created (CET)', else UTC)")
    p.add_argument("--map", action="append", metavar="FIELD=HEADER", help="map a field to a column, repeatable")
    p.add_argument("--dayfirst", default="auto", choices=["auto", "yes", "no"], help="dates like 03/04/2025")
    p.add_argument("--sheet", help="XLSX sheet to read (default: the one holding tickets)")
    p.add_argument("--pii", default="keep", choices=["keep", "drop", "hash"], help="requester names, e-mails")
    p.add_argument("--source", help="source system name (default: the detected format)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("datasets", help="list imports")
    common(p)
    p.set_defaults(func=cmd_datasets)

    p = sub.add_parser("sample", help="load the built-in sample data into an empty database")
    common(p)
    p.set_defaults(func=cmd_sample)

    for register in _EXTENSIONS:
        register(sub, common)
    return parser


# Other modules add their sub-commands here (targets, summary, ...): keeps this file free of their logic.
def _extensions() -> list:
    from . import cli_report, cli_targets, cli_users

    return [cli_targets.register, cli_report.register, cli_users.register]


_EXTENSIONS: list = _extensions()


def run_command(args, argv: list[str] | None = None) -> int:
    """Run a parsed command; refusals and failures become an exit code and one line. With the command's `argv`, a
    database held by the running app hands the command over to it (the app's job endpoint calls this without)."""
    try:
        try:
            return args.func(args)
        except DatabaseBusy as busy:
            if argv is None:
                raise
            from .handover import hand_over

            # The running app holds the file: it runs the command and we print its output (or we wait for another
            # command-line run to finish, then run it here).
            return hand_over(busy, argv, retry=lambda: args.func(args))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # never a traceback for the user
        if os.environ.get("SLACORE_DEBUG"):
            traceback.print_exc()
        print(f"error: unexpected failure ({exc.__class__.__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}); "
              "set SLACORE_DEBUG=1 for details.", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return run_command(args, argv)
    finally:
        from .store import close_all

        close_all()


def run_job(store, request) -> dict:
    """Run one command handed over by another process (slacore.handover) on this process's store; its exit code
    and output."""
    from pathlib import Path

    from . import auth
    from .handover import _captured, _failure

    if not isinstance(request, dict):
        return _failure("the job request is not a JSON object.")
    argv, cwd, db = request.get("argv"), request.get("cwd"), request.get("db")
    if not (isinstance(argv, list) and all(isinstance(a, str) for a in argv)
            and isinstance(cwd, str) and os.path.isabs(cwd)):
        return _failure("the job request needs argv (a list of strings) and an absolute cwd.")
    if db is not None and Path(str(db)) != store.path:
        return _failure(f"this app serves {store.path}, not {db}.")
    with _captured() as (out, err):
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as stop:  # argparse refused the arguments and printed why
            code = stop.code if isinstance(stop.code, int) else 2
        else:
            args.db, args.cwd = str(store.path), cwd
            if hasattr(args, "author") and not args.author and isinstance(request.get("user"), str):
                args.author = request["user"]
            # The socket is 0600: the command comes from this machine's user, who has full rights (slacore.auth).
            with auth.acting_as(auth.Principal(auth.machine_user(), "admin")):
                code = run_command(args)
    return {"exit": code, "stdout": out.getvalue(), "stderr": err.getvalue(), "pid": os.getpid()}
