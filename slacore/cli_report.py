"""`python -m slacore report`: the review pack for scheduled reports (cron), as .xlsx or one-file .html.

    python -m slacore report --from 2025-01-01 --to 2025-03-31 --out q1.xlsx [--where team=Tier 1] [--json]
    python -m slacore report --review "ACME Q1" --out acme-q1.html
    python -m slacore report --agreement "ACME support" --from 2025-01-01 --to 2025-03-31 --out acme.xlsx

With `--review` the pack holds the figures that review was held on (frozen), its notes and action items; without
it, today's figures for the period and filters. Exit 0 with the path printed; with `--json` the last line is
`{"path": ..., "review": ..., "period": [...], "scope": {...}, "summary": {"targets": [...]}}`.
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import UserError
from .scope import FILTER_DIMENSIONS as WHERE_KEYS

FORMATS = (".xlsx", ".html", ".htm")


def parse_where(items: list[str] | None) -> dict[str, list[str]]:
    """`--where team=Tier 1 --where team=Tier 2 --where priority=urgent` -> {'team': [...], 'priority': [...]}."""
    scope: dict[str, list[str]] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or key not in WHERE_KEYS or not value:
            raise UserError(f"--where takes FIELD=VALUE with FIELD one of {', '.join(WHERE_KEYS)}, not {item!r}.")
        scope.setdefault(key, []).append(value)
    return scope


def _write_whole(out: Path, data: bytes) -> None:
    """Write to a temporary file of this run beside `out`, flush it to disk, then rename it over `out`: a reader
    (or a cron mailer) never sees half a file, a failure leaves the previous file as it was, and two runs writing
    the same pack never share a temporary file."""
    import os
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    except OSError as exc:  # a folder one may not write in
        raise UserError(f"{out} could not be written: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the pack is meant to be read (mailed, shared)
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UserError(f"{out} could not be written: {exc.strerror or exc}.") from None


def check_where(store, scope: dict[str, list[str]]) -> None:
    """Refuse a value no ticket has (filters match exactly): a typo in a cron line would otherwise mail an
    all-zero pack with exit 0."""
    for key, values in scope.items():
        for value in values:
            if store.scalar(f"SELECT count(*) FROM tickets WHERE {key} = ?", [value]):
                continue
            alike = [r[0] for r in store.rows(f"""SELECT DISTINCT {key} FROM tickets WHERE {key} IS NOT NULL
                                                 ORDER BY jaro_winkler_similarity(lower({key}), lower(?)) DESC,
                                                 {key} LIMIT 3""", [value])]
            hint = f" Did you mean {' or '.join(repr(v) for v in alike)}?" if alike else ""
            raise UserError(f"No ticket has {key} {value!r} (values match exactly).{hint}")


def cmd_report(args) -> int:
    from .cli_targets import _as_of, _date
    from .review_figures import compute_snapshot, filters_from_dict, summary_json
    from .review_pack import html_report, workbook_bytes
    from .store import open_store

    from .config import user_path

    out = user_path(args.out, getattr(args, "cwd", None))  # handed to the running app: the caller's folder
    if out.suffix.lower() not in FORMATS:
        raise UserError(f"--out must end in .xlsx or .html, not {out.name!r}.")
    if not out.parent.exists():
        raise UserError(f"The folder {out.parent} does not exist.")
    if out.is_dir():
        raise UserError(f"{out} is a folder: give the file to write, e.g. {out / ('pack' + out.suffix)}.")
    store = open_store(args.db)
    review_info, notes, actions = None, None, None
    if args.review:
        from . import reviews

        if args.date_from or args.date_to or args.where or args.as_of or args.agreement:
            raise UserError("--review reports the figures that review was held on (its period, scope, agreement "
                            "and as-of time): leave out --from, --to, --where, --agreement and --as-of.")
        review = reviews.find_review(store, args.review)
        snapshot = review.snapshot
        review_info = {"name": review.name, "attendees": review.attendees, "agreed_by": review.agreed_by,
                       "agreed_at": review.agreed_at}
        notes, actions = reviews.notes(store, review.review_id), reviews.actions(store, review)
    else:
        if not (args.date_from and args.date_to):
            raise UserError("Give the period with --from and --to (or a held review with --review NAME).")
        start, end = _date(args.date_from, "--from"), _date(args.date_to, "--to")
        if end < start:
            raise UserError("--to is before --from.")
        scope = parse_where(args.where)
        agreement = None
        if args.agreement:
            from .agreements import get_agreement, narrow_scope

            agreement = get_agreement(store, args.agreement)
            check_where(store, scope)  # a typo is named as such before the agreement's scope is applied
            scope = narrow_scope(agreement, scope)
        else:
            check_where(store, scope)
        snapshot = compute_snapshot(store, start, end, filters_from_dict(scope), _as_of(args.as_of),
                                    agreement=agreement)
    if out.suffix.lower() == ".xlsx":
        data = workbook_bytes(snapshot, review_info, notes, actions)
    else:
        data = html_report(snapshot, review_info, notes, actions).encode("utf-8")
    _write_whole(out, data)
    payload = {"path": str(out.resolve()), "review": review_info["name"] if review_info else None,
               "agreement": (snapshot.get("agreement") or {}).get("name"),
               "period": snapshot["period"], "scope": snapshot["scope"], "summary": summary_json(snapshot)}
    print(json.dumps(payload, default=str) if args.json else str(out.resolve()))
    return 0


def register(sub, common) -> None:
    p = sub.add_parser("report", help="write the review pack (.xlsx or .html) for a period or a held review")
    p.add_argument("--from", dest="date_from", help="first day, YYYY-MM-DD (inclusive)")
    p.add_argument("--to", dest="date_to", help="last day, YYYY-MM-DD (inclusive)")
    p.add_argument("--out", required=True, help="FILE.xlsx or FILE.html")
    p.add_argument("--where", action="append", metavar="FIELD=VALUE",
                   help="only these tickets: team, priority, channel or customer; repeatable")
    p.add_argument("--review", help="the pack of a held review (its frozen figures, notes and actions)")
    p.add_argument("--agreement", metavar="NAME",
                   help="only this agreement's targets, on the tickets of its scope (--where narrows it further)")
    p.add_argument("--as-of", dest="as_of", help="judge open tickets at this time (default: newest data time)")
    common(p)
    p.set_defaults(func=cmd_report)
