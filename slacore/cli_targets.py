"""Command-line verbs for SLA as code and reporting: `targets apply|export|list|history` and `summary`."""

from __future__ import annotations

import getpass
import json
from datetime import date, datetime

from .config import user_path
from .errors import UserError


def _date(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{flag} takes a date like 2025-01-31, not {text!r}.") from None


def _as_of(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"--as-of takes an ISO time like 2025-01-31T17:00:00Z, not {text!r}.") from None
    return value


def _emit(args, payload: dict, human: str) -> None:
    print(json.dumps(payload, default=str) if args.json else human)


def cmd_targets(args) -> int:
    from .sla_yaml import apply_yaml, export_yaml
    from .store import open_store
    from .targets import current_targets, history

    cwd = getattr(args, "cwd", None)  # the caller's, when the running app runs this command for it
    path = user_path(args.file or "", cwd)
    if args.action == "apply" and (not args.file or not path.is_file()):
        raise UserError(f"There is no file {args.file!r} to apply.")  # before opening: a typo creates no database
    store = open_store(args.db)
    if args.action == "apply":
        text = path.read_text(encoding="utf-8-sig")
        counts = apply_yaml(store, text, author=args.author or getpass.getuser(), source=path.name,
                            retire_missing=args.retire_missing)
        retired = f", {counts['retired']} retired (not in the file)" if args.retire_missing else ""
        _emit(args, counts, f"{path.name}: {counts['created']} targets created, {counts['changed']} changed, "
                            f"{counts['unchanged']} unchanged{retired}, {counts['calendars']} calendars saved")
    elif args.action == "export":
        text = export_yaml(store)
        if args.file:
            path.write_text(text, encoding="utf-8")
            _emit(args, {"written": args.file}, f"written {args.file}")
        else:
            print(text, end="")
    elif args.action == "list":
        targets = current_targets(store)
        rows = [{"name": t.name, "metric": t.metric, "version": t.version, "description": t.describe()}
                for t in targets]
        _emit(args, {"targets": rows}, "\n".join(f"{r['name']} (v{r['version']}): {r['description']}" for r in rows)
              or "No targets yet: apply a YAML file or load a template on the Targets page.")
    elif args.action == "history":
        frame = history(store, args.file)
        _emit(args, {"history": json.loads(frame.to_json(orient="records", date_format="iso"))},
              frame.to_string(index=False) if len(frame) else "No target history yet.")
    return 0


def cmd_summary(args) -> int:
    from . import metric_defs
    from .metrics import Evaluation
    from .store import open_store

    store = open_store(args.db)
    start, end = _date(args.date_from, "--from"), _date(args.date_to, "--to")
    if end < start:
        raise UserError("--to is before --from.")
    agreement, chosen, filters = None, None, None
    if getattr(args, "agreement", None):
        from .agreements import agreement_targets, get_agreement

        agreement = get_agreement(store, args.agreement)
        chosen, filters = agreement_targets(store, agreement, start), agreement.filters
    with Evaluation(store, targets=chosen, start=start, end=end, as_of=_as_of(args.as_of), filters=filters) as ev:
        frame, extras = ev.summary(), ev.extras()
    targets = []
    for r in frame.to_dict("records"):
        row = {
            "name": r["name"], "metric": r["metric"], "goal": r["goal"], "met": int(r["met"]),
            "breached": int(r["breached"]), "pending": int(r["pending"]),
            "attainment": None if r["attainment"] != r["attainment"] else float(r["attainment"]),
            "goal_met": None if r["goal_met"] is None else bool(r["goal_met"]),
        }
        if "unmeasured" in metric_defs.get(r["metric"]).summary_fields:  # the metrics that explain it (not the
            row["unmeasured"] = int(r["unmeasured"])                     # ticket ones: their keys stay as they were)
        if r["name"] in extras:
            row[r["metric"]] = extras[r["name"]]
        targets.append(row)
    lines = [f"{'target':32} {'metric':15} {'goal':>6} {'met':>7} {'breached':>8} {'pending':>7} {'attain.':>8}"]
    for t in targets:
        att = "–" if t["attainment"] is None else f"{t['attainment']:.1f}%"
        mark = "" if t["goal_met"] is None else ("  ok" if t["goal_met"] else "  MISSED")
        met, breached = t["met"], t["breached"]
        if metric_defs.get(t["metric"]).weight == "seconds":  # uptime counts seconds: shown as hours up / down
            met, breached = f"{met / 3600:.1f}h", f"{breached / 3600:.1f}h"
        lines.append(f"{t['name'][:32]:32} {t['metric']:15} {t['goal']:>5g}% {met:>7} {breached:>8} "
                     f"{t['pending']:>7} {att:>8}{mark}")
    for t in targets:  # the figures only some metrics have, in the metric's own words
        if t["metric"] in t:
            lines.extend(f"  {t['name']}{line}" for line in metric_defs.get(t["metric"]).extra_lines(t[t["metric"]]))
    if not targets:
        lines = ["No targets yet: apply a YAML file (python -m slacore targets apply FILE) or load a template."]
    payload = {"targets": targets}
    if agreement is not None:  # an extra key: the targets list keeps its shape
        from .agreements import summary_header

        payload["agreement"] = summary_header(store, agreement, frame, extras)
        if not targets:
            lines = [f"The agreement {agreement.name!r} has no targets in force in this period."]
        lines.insert(0, f"{agreement.name}: {agreement.describe()}")
    _emit(args, payload, "\n".join(lines))
    return 0


def register(sub, common) -> None:
    p = sub.add_parser("targets", help="SLA targets as code: apply, export, list, history")
    p.add_argument("action", choices=["apply", "export", "list", "history"])
    p.add_argument("file", nargs="?", help="YAML file (apply; export writes it instead of printing); "
                                           "a target name for history")
    p.add_argument("--author", help="recorded in the version history (default: your user name)")
    p.add_argument("--retire-missing", action="store_true",
                   help="apply: retire current targets the file does not list (the file is the whole truth)")
    common(p)
    p.set_defaults(func=cmd_targets)

    p = sub.add_parser("summary", help="attainment per target over a period")
    p.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD (inclusive)")
    p.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD (inclusive)")
    p.add_argument("--as-of", dest="as_of", help="judge open tickets at this time (default: newest data time)")
    p.add_argument("--agreement", metavar="NAME",
                   help="only this agreement's targets, on the tickets of its scope (SLA, OLA or UC)")
    common(p)
    p.set_defaults(func=cmd_summary)
