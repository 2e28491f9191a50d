"""SLA as code: calendars and targets to and from YAML.

    calendars:
      berlin-office:
        timezone: Europe/Berlin
        hours: {mon-fri: "09:00-17:00"}
        holidays: DE-BE
        closed: [2025-12-24]
    targets:
      - name: Urgent first response
        metric: first_response
        where: {priority: urgent}
        within: 1h
        goal: 95%
        calendar: berlin-office

      - name: Customer satisfaction
        metric: csat
        goal: 85%
      - name: First contact resolution
        metric: fcr
        goal: 70%
      - name: API uptime
        metric: uptime
        where: {service: API}
        goal: 99.9%
        budget: month
        credits: [{below: 99.9%, credit: 10%}, {below: 99%, credit: 25%}]

Optional per target: `measure: vendor` (the export's business-minutes figure; for fcr the definition of first
contact: no_follow_up or first_contact; for uptime with_planned), `pause: [pending, on_hold]` (resolution only),
`credits` and `budget` (uptime only), `effective: 2025-01-01` (when this version starts to apply). `within` is
asked only of the metrics with a threshold (first_response, resolution). A bad file is refused whole, with
the line and field named; applying is one transaction, so nothing is half-applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import yaml

from . import metric_defs
from .calendars import TEMPLATE_CALENDARS, Calendar, calendar_from_dict, calendar_to_dict, format_duration
from .errors import UserError
from .store import Store
from .targets import (Target, build_target, calendars as stored_calendars, current_targets, retire_target, save_calendar,
                      save_target)

TARGET_KEYS = {"name", "metric", "where", "within", "goal", "calendar", "measure", "pause", "effective", "reason",
               "credits", "budget"}


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping key (for error messages)."""


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    lines = {}
    for key_node, _ in node.value:
        line = key_node.start_mark.line + 1
        if key_node.value in lines:  # YAML would silently keep the last one: half a definition lost
            raise UserError(f"line {line}: {key_node.value}: given twice in the same mapping "
                            f"(first on line {lines[key_node.value]})")
        lines[key_node.value] = line
    return _Mapping(mapping, lines, node.start_mark.line + 1)


class _Mapping(dict):
    def __init__(self, data, lines, line):
        super().__init__(data)
        self.lines = lines
        self.line = line

    def line_of(self, key) -> int:
        return self.lines.get(key, self.line)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class SlaConfig:
    calendars: list[Calendar]
    targets: list[tuple[Target, date | None, str]]  # (target, effective date, reason)
    agreements: list | None = field(default=None)  # AgreementSpec per `agreements:` entry; None: no such section


def _fail(line: int, where: str, message: str):
    raise UserError(f"line {line}: {where}: {message}")


def parse_yaml(text: str, known_calendars=()) -> SlaConfig:
    """Validate a whole YAML document; raise UserError naming the line and field of the first problem.

    Targets may use the file's calendars, the built-in ones and `known_calendars` (names already stored)."""
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else "?"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        # An unclosed quote or bracket is only noticed lines later (often at the end of the file): name the line
        # where it was opened first.
        if context and context_mark and (context.startswith("while scanning") or "flow" in context) \
                and context_mark.line + 1 != line:
            opened = context_mark.line + 1
            raise UserError(f"line {opened}: not valid YAML ({problem} on line {line}, {context} "
                            f"that starts on line {opened})") from None
        raise UserError(f"line {line}: not valid YAML ({problem})") from None
    if doc is None:
        raise UserError("line 1: the file is empty; it needs a 'targets:' list and optionally 'calendars:'.")
    if not isinstance(doc, _Mapping):
        raise UserError("line 1: the file must be a mapping with 'calendars:' and 'targets:'.")
    unknown = set(doc) - {"calendars", "targets", "agreements"}
    if unknown:
        key = sorted(unknown)[0]
        _fail(doc.line_of(key), key, "unknown section; use 'calendars', 'targets' and 'agreements'")

    cals: list[Calendar] = []
    raw_cals = doc.get("calendars") or {}
    if not isinstance(raw_cals, dict):
        _fail(doc.line_of("calendars"), "calendars", "must be a mapping of name: definition")
    for name, definition in raw_cals.items():
        line = raw_cals.line_of(name) if isinstance(raw_cals, _Mapping) else doc.line_of("calendars")
        raw = definition
        if isinstance(definition, _Mapping):
            definition = {k: v for k, v in definition.items()}
        try:
            cals.append(calendar_from_dict(str(name), definition))
        except ValueError as exc:
            if isinstance(raw, _Mapping):  # point at the key that is wrong on its own (timezone, hours, ...)
                for key in raw:
                    try:
                        calendar_from_dict(str(name), {key: raw[key]})
                    except ValueError:
                        _fail(raw.line_of(key), f"calendars.{name}.{key}", str(exc))
            _fail(line, f"calendars.{name}", str(exc))
        if cals[-1].name == "24x7" and cals[-1] != TEMPLATE_CALENDARS["24x7"]:
            _fail(line, f"calendars.{name}", "the calendar name 24x7 is built in; choose another name")

    known = {c.name for c in cals} | set(TEMPLATE_CALENDARS) | set(known_calendars or ())
    targets = []
    raw_targets = doc.get("targets") or []
    if not isinstance(raw_targets, list):
        _fail(doc.line_of("targets"), "targets", "must be a list of targets (each starting with '- name:')")
    seen = set()
    for i, item in enumerate(raw_targets):
        where = f"targets[{i + 1}]"
        if not isinstance(item, _Mapping):
            _fail(doc.line_of("targets"), where, "each target must be a mapping with name, metric, within, goal")
        for key in item:
            if key not in TARGET_KEYS:
                _fail(item.line_of(key), f"{where}.{key}", f"unknown field; use {', '.join(sorted(TARGET_KEYS))}")
        # `within` is asked of metrics with a threshold (and of an unknown metric, which build_target names).
        kind = metric_defs.METRICS.get(str(item.get("metric")))
        required = ("name", "metric", *(("within",) if kind is None or kind.threshold else ()), "goal")
        for key in required:
            if key not in item:
                _fail(item.line, where, f"'{key}' is missing")
            if item[key] is None or item[key] == "":
                _fail(item.line_of(key), f"{where}.{key}", "has no value")
        within = item.get("within")
        if isinstance(within, (int, float)) and not isinstance(within, bool):
            within = str(within)  # a bare number is minutes, as in parse_duration ('within: 30' is 30 min)
        try:
            target = build_target(str(item["name"]), str(item["metric"]), within, item["goal"],
                                  item.get("where"), str(item.get("calendar") or "24x7"),
                                  str(item.get("measure") or "app"), item.get("pause"), item.get("credits"),
                                  item.get("budget"))
        except ValueError as exc:
            field = str(exc).split(":", 1)[0]
            _fail(item.line_of(field), f"{where}.{field}", str(exc).split(":", 1)[-1].strip())
        if target.calendar not in known:
            _fail(item.line_of("calendar"), f"{where}.calendar",
                  f"unknown calendar {target.calendar!r}; define it under 'calendars:' or use one of "
                  f"{', '.join(sorted(known))}")
        if target.name in seen:
            _fail(item.line_of("name"), f"{where}.name", f"a second target named {target.name!r}")
        seen.add(target.name)
        effective = item.get("effective")
        if effective is not None and not isinstance(effective, (date, datetime)):
            _fail(item.line_of("effective"), f"{where}.effective", "must be a date like 2025-01-01")
        targets.append((target, effective, str(item.get("reason", "") or "")))
    return SlaConfig(cals, targets, parse_agreements(doc))


def apply_yaml(store: Store, text: str, author: str = "yaml", source: str = "YAML",
               retire_missing: bool = False) -> dict:
    """Validate, then apply everything in one transaction. Returns counts of created/changed/unchanged (and retired,
    with `retire_missing`).

    `retire_missing`: the file is the whole truth, so current targets it does not list are retired (from now on;
    their history and past periods stay). Off by default: a file may hold just the targets it changes."""
    existing_cals = stored_calendars(store)
    config = parse_yaml(text, known_calendars=existing_cals)
    counts = {"calendars": 0, "created": 0, "changed": 0, "unchanged": 0} | ({"retired": 0} if retire_missing else {})
    listed = {target.name for target, _, _ in config.targets}
    missing = [t.name for t in current_targets(store) if t.name not in listed] if retire_missing else []
    with store.transaction() as cur:
        for cal in config.calendars:
            if existing_cals.get(cal.name) != cal:
                save_calendar(store, cal, cur=cur)
                counts["calendars"] += 1
        for target, effective, reason in config.targets:
            outcome = save_target(store, target, author=author, reason=reason or f"applied from {source}",
                                  effective=effective, cur=cur)
            counts[outcome] += 1
        for name in missing:
            retire_target(store, name, author=author, reason=f"not in {source}", cur=cur)
            counts["retired"] += 1
        if config.agreements is not None:
            counts |= apply_agreements(store, config.agreements, cur, author, source, retire_missing)
    return counts


def export_yaml(store: Store) -> str:
    """Current calendars (the user's and those targets use) and targets as YAML that apply_yaml reads back."""
    targets = current_targets(store)
    cals = stored_calendars(store)
    used = {t.calendar for t in targets}
    user_cals = {r[0] for r in store.rows("SELECT name FROM calendars")}
    doc: dict = {"calendars": {}, "targets": []}
    for name in sorted(used | user_cals):
        if name == "24x7" or name not in cals:
            continue
        doc["calendars"][name] = calendar_to_dict(cals[name])
    for t in targets:
        item: dict = {"name": t.name, "metric": t.metric}
        if t.where:
            item["where"] = {k: (v[0] if len(v) == 1 else list(v)) for k, v in t.where}
        if metric_defs.get(t.metric).threshold:
            item["within"] = _duration_text(t.within_s)
        item["goal"] = f"{t.goal * 100:g}%"
        item["calendar"] = t.calendar
        if t.measure != "app":
            item["measure"] = t.measure
        if t.pause:
            item["pause"] = list(t.pause)
        if t.credits:
            item["credits"] = [{"below": f"{b * 100:g}%", "credit": f"{c * 100:g}%"} for b, c in t.credits]
        if metric_defs.get(t.metric).credits and t.budget != "month":
            item["budget"] = t.budget
        doc["targets"].append(item)
    if not doc["calendars"]:
        del doc["calendars"]
    doc |= export_agreements(store, targets)
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _duration_text(seconds: int) -> str:
    """Exact threshold text ('1h', '30m', '1h30m', '90s'): format_duration rounds, YAML must round-trip."""
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        h, m = divmod(seconds // 60, 60)
        return f"{h}h{m}m" if h else f"{m}m"
    return f"{seconds}s"


# -- agreements: (slacore.agreements) ---------------------------------------------------------------------------------
#
#     agreements:
#       - name: ACME support
#         kind: SLA                    # SLA (a client), OLA (an internal team) or UC (a vendor)
#         counterparty: ACME Corp
#         scope: {customer: ACME}      # filter-bar values: team, priority, channel, customer
#         cadence: quarter             # two_weeks, month, quarter or custom
#         description: Support for ACME's users, schedule B of the contract
#         targets: [Urgent first response]
#
# A list of agreements, each naming its targets (by name: the file's or stored ones). Optional: without the section,
# applying a file leaves the stored agreements as they are; with it, listed agreements are created or changed (a
# new version each) and, with `retire_missing`, agreements the file does not list are retired.
AGREEMENT_KEYS = {"name", "kind", "counterparty", "scope", "cadence", "description", "targets", "reason"}


@dataclass
class AgreementSpec:
    agreement: "object"  # slacore.agreements.Agreement without target ids (names are resolved when applying)
    target_names: list[str]
    reason: str
    where: str  # 'agreements[2]'
    line: int  # of its 'targets:' key (an unknown target is reported there)


def parse_agreements(doc: "_Mapping") -> list[AgreementSpec] | None:
    """Validate the `agreements:` section (None when the file has none): fields, kinds, cadences, scopes, and no
    target listed twice; whether the targets exist is checked when applying (they may be stored ones)."""
    from .agreements import build_agreement

    if "agreements" not in doc:
        return None
    raw = doc.get("agreements") or []
    if not isinstance(raw, list):
        _fail(doc.line_of("agreements"), "agreements", "must be a list of agreements (each starting with '- name:')")
    specs, seen, owner = [], set(), {}
    for i, item in enumerate(raw):
        where = f"agreements[{i + 1}]"
        if not isinstance(item, _Mapping):
            _fail(doc.line_of("agreements"), where, "each agreement must be a mapping with name, kind and targets")
        for key in item:
            if key not in AGREEMENT_KEYS:
                _fail(item.line_of(key), f"{where}.{key}", f"unknown field; use {', '.join(sorted(AGREEMENT_KEYS))}")
        if item.get("name") in (None, ""):
            _fail(item.line_of("name"), where, "'name' is missing")
        members = item.get("targets") or []
        if isinstance(members, str):
            members = [members]
        if not isinstance(members, list) or any(isinstance(m, (dict, list)) or m in (None, "") for m in members):
            _fail(item.line_of("targets"), f"{where}.targets", "must be a list of target names")
        members = [str(m).strip() for m in members]
        scope = item.get("scope")
        try:
            agreement = build_agreement(str(item["name"]), item.get("kind") or "SLA", item.get("counterparty") or "",
                                        dict(scope) if isinstance(scope, dict) else scope,
                                        str(item.get("cadence") or "quarter"), item.get("description") or "")
        except ValueError as exc:
            fld = str(exc).split(":", 1)[0]
            _fail(item.line_of(fld), f"{where}.{fld}", str(exc).split(":", 1)[-1].strip())
        if agreement.name.lower() in seen:
            _fail(item.line_of("name"), f"{where}.name", f"a second agreement named {agreement.name!r}")
        seen.add(agreement.name.lower())
        for member in members:
            if member in owner:
                _fail(item.line_of("targets"), f"{where}.targets",
                      f"{member!r} is listed by {owner[member]!r} too; a target belongs to at most one agreement")
            owner[member] = agreement.name
        specs.append(AgreementSpec(agreement, members, str(item.get("reason") or ""), where,
                                   item.line_of("targets")))
    return specs


def apply_agreements(store: Store, specs: list[AgreementSpec], cur, author: str, source: str,
                     retire_missing: bool) -> dict:
    """Save the file's agreements inside apply_yaml's transaction (after its targets, so they can be named)."""
    from dataclasses import replace

    from .agreements import check_exclusive, current_agreements, retire_agreement, save_agreement, target_ids_for

    counts = {"agreements": 0} | ({"agreements_retired": 0} if retire_missing else {})
    for spec in specs:
        try:
            ids = target_ids_for(store, spec.target_names, cur)
        except ValueError as exc:
            _fail(spec.line, f"{spec.where}.targets", str(exc).split(":", 1)[-1].strip())
        outcome = save_agreement(store, replace(spec.agreement, target_ids=ids), author=author,
                                 reason=spec.reason or f"applied from {source}", cur=cur, check=False)
        counts["agreements"] += outcome != "unchanged"
    if retire_missing:
        listed = {spec.agreement.name.lower() for spec in specs}
        for agreement in current_agreements(store, cur):
            if agreement.name.lower() not in listed:
                retire_agreement(store, agreement.name, author=author, reason=f"not in {source}", cur=cur)
                counts["agreements_retired"] += 1
    check_exclusive(store, cur)  # once: the file may move a target from one agreement to another
    return counts


def export_agreements(store: Store, targets: list[Target]) -> dict:
    """`{'agreements': [...]}` for export_yaml (nothing when none is defined); members by their current names."""
    from .agreements import current_agreements

    by_id = {t.target_id: t.name for t in targets}
    out = []
    for a in current_agreements(store):
        item: dict = {"name": a.name, "kind": a.kind}
        if a.counterparty:
            item["counterparty"] = a.counterparty
        if a.scope:
            item["scope"] = {k: (v[0] if len(v) == 1 else list(v)) for k, v in a.scope}
        item["cadence"] = a.cadence
        if a.description:
            item["description"] = a.description
        item["targets"] = [by_id[i] for i in a.target_ids if i in by_id]
        out.append(item)
    return {"agreements": out} if out else {}


__all__ = ["parse_yaml", "apply_yaml", "export_yaml", "SlaConfig", "format_duration"]
