"""Agreements: a client's SLA, an internal team's OLA, a vendor's underpinning contract (UC).

An agreement is a named set of targets with a kind, a counterparty, a scope (filter-bar values it covers, such as
one customer), a review cadence and a description. Reviews are held per agreement, and the summary can be asked
for one (`python -m slacore summary --agreement NAME`): only its targets, judged on the tickets of its scope.

Kept like targets: a change never overwrites an agreement, it appends a version with an author, a reason and the
time it was recorded (`history`); retiring one keeps that history. Members are target ids, so a renamed target
stays in its agreement and a retired one stays listed (a past period of the agreement still shows what was
promised then). A current target belongs to at most one current agreement; targets outside every agreement are
judged as before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime

import pandas as pd

from .errors import UserError
from .scope import FILTER_DIMENSIONS, REVIEW_CADENCES, Filters, period_bounds, workspace_timezone
from .store import Store
from .targets import Target, targets_for_period

KINDS = {"SLA": "Service level agreement (with a client)", "OLA": "Operational level agreement (an internal team)",
         "UC": "Underpinning contract (with a vendor)"}
PRIORITIES = ("urgent", "high", "normal", "low")
MAX_TEXT = 2000
_REVIEWED = {"two_weeks": "reviews every two weeks", "month": "monthly reviews", "quarter": "quarterly reviews",
             "custom": "reviews on a custom period"}  # how `describe` says the cadence


CADENCES = REVIEW_CADENCES  # the review cadences an agreement may name (slacore.scope lists them once)


def cadences() -> dict[str, str]:
    """The review cadences an agreement may name: the Review page's (slacore.scope holds the list)."""
    return REVIEW_CADENCES


@dataclass(frozen=True)
class Agreement:
    name: str
    kind: str = "SLA"
    counterparty: str = ""
    scope: tuple = ()  # ((dimension, (value, ...)), ...) over FILTER_DIMENSIONS, sorted: hashable and order-free
    cadence: str = "quarter"
    description: str = ""
    target_ids: tuple = ()  # sorted
    # version information (None until stored)
    agreement_id: int | None = None
    version: int | None = None
    author: str | None = None
    reason: str | None = None
    recorded_at: datetime | None = None

    @property
    def scope_dict(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.scope}

    @property
    def filters(self) -> Filters:
        """The scope as the filter bar (what the agreement's figures are narrowed by)."""
        return Filters(**{k: tuple(v) for k, v in self.scope})

    def definition(self) -> dict:
        """What the agreement says (not the bookkeeping): an equal definition needs no new version."""
        return {"kind": self.kind, "counterparty": self.counterparty, "scope": self.scope_dict,
                "cadence": self.cadence, "description": self.description, "targets": list(self.target_ids)}

    def describe(self) -> str:
        """'SLA with ACME Corp · quarterly reviews · customer = ACME' (one line users read)."""
        scope = "; ".join(f"{k} = {', '.join(v)}" for k, v in self.scope) or "all tickets"
        party = f"{self.kind} with {self.counterparty}" if self.counterparty else self.kind
        reviewed = _REVIEWED.get(self.cadence) or f"{cadences().get(self.cadence, self.cadence).lower()} reviews"
        return f"{party} · {reviewed} · {scope}"

    def header(self) -> dict:
        """What a review or a pack names the agreement by (frozen with the review's figures)."""
        return {"name": self.name, "kind": self.kind, "counterparty": self.counterparty, "cadence": self.cadence,
                "scope": self.scope_dict}


def label(header: dict | None) -> str:
    """'ACME support (SLA with ACME Corp)' from `Agreement.header()` (the pack's title line)."""
    if not header:
        return ""
    party = f"{header.get('kind', '')} with {header['counterparty']}" if header.get("counterparty") \
        else header.get("kind", "")
    return f"{header['name']} ({party})" if party else header["name"]


def make_scope(scope: dict | None) -> tuple:
    """Normalise {'customer': 'ACME'} (or lists) into the sorted hashable form; refuses unknown dimensions."""
    if scope and not isinstance(scope, dict):
        raise ValueError(f"the scope must be a mapping like {{customer: ACME}}, not {scope!r}")
    out = []
    for key, values in (scope or {}).items():
        if key not in FILTER_DIMENSIONS:
            raise ValueError(f"unknown scope field {key!r}; use {', '.join(FILTER_DIMENSIONS)}")
        if values is None or values == "" or values == []:
            continue
        if isinstance(values, (str, int, float)):
            values = [values]
        if not isinstance(values, (list, tuple, set)):
            raise ValueError(f"{key} takes a value or a list of values, not {values!r}")
        clean = tuple(sorted({str(v).strip() for v in values if str(v).strip()}))
        if key == "priority":
            clean = tuple(sorted({v.lower() for v in clean}))
            bad = [v for v in clean if v not in PRIORITIES]
            if bad:
                raise ValueError(f"priority must be {', '.join(PRIORITIES)}, not {', '.join(bad)}")
        if clean:
            out.append((key, clean))
    return tuple(sorted(out))


def _text(value, field: str, limit: int = 200) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > limit:
        raise ValueError(f"{field}: too long ({len(text):,} characters; at most {limit:,})")
    return text


def build_agreement(name: str, kind: str = "SLA", counterparty: str = "", scope: dict | None = None,
                    cadence: str = "quarter", description: str = "", target_ids=()) -> Agreement:
    """A validated Agreement from user-facing values (raises ValueError naming the bad field, 'field: why')."""
    name = _text(name, "name")
    if not name:
        raise ValueError("name: an agreement needs a name")
    kind_text = str(kind or "").strip().upper()
    if kind_text not in KINDS:
        raise ValueError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    cadence_text = str(cadence or "").strip()
    if cadence_text not in cadences():
        raise ValueError(f"cadence: {cadence!r} is not one of {', '.join(cadences())}")
    try:
        clean_scope = make_scope(scope)
    except ValueError as exc:
        raise ValueError(f"scope: {exc}") from None
    return Agreement(name=name, kind=kind_text, counterparty=_text(counterparty, "counterparty"),
                     scope=clean_scope, cadence=cadence_text,
                     description=_text(description, "description", MAX_TEXT),
                     target_ids=tuple(sorted({int(i) for i in target_ids})))


# -- storage ---------------------------------------------------------------------------------------------------------
_VERSIONS_SQL = """
    SELECT a.agreement_id, a.name, v.version, v.definition, v.retired, v.author, v.reason, v.recorded_at
    FROM agreements a JOIN agreement_versions v USING (agreement_id)
"""
_LATEST = " QUALIFY row_number() OVER (PARTITION BY a.agreement_id ORDER BY v.version DESC) = 1"


def _rows(store: Store, cur, sql: str, params: list | None = None) -> list[tuple]:
    """Read through the open write transaction's cursor when there is one (it sees its own uncommitted writes)."""
    if cur is not None:
        return cur.execute(sql, params).fetchall()
    return store.rows(sql, params)


def _agreement(row) -> Agreement:
    agreement_id, name, version, definition, _retired, author, reason, recorded_at = row
    d = json.loads(definition)
    return Agreement(name=name, kind=d["kind"], counterparty=d.get("counterparty", ""),
                     scope=make_scope(d.get("scope")), cadence=d.get("cadence", "quarter"),
                     description=d.get("description", ""), target_ids=tuple(sorted(d.get("targets", ()))),
                     agreement_id=int(agreement_id), version=int(version), author=author, reason=reason,
                     recorded_at=recorded_at)


def current_agreements(store: Store, cur=None) -> list[Agreement]:
    """The latest version of every agreement that is not retired, by name."""
    rows = _rows(store, cur, _VERSIONS_SQL + _LATEST + " ORDER BY lower(a.name)")
    return [_agreement(r) for r in rows if not r[4]]


def names(store: Store) -> list[str]:
    return [a.name for a in current_agreements(store)]


def get_agreement(store: Store, name: str) -> Agreement:
    """The current agreement called `name` (case does not matter); an unknown name is one sentence."""
    wanted = str(name or "").strip()
    found = [a for a in current_agreements(store) if a.name.lower() == wanted.lower()]
    if found:
        return found[0]
    known = names(store)
    hint = f"known: {', '.join(known)}" if known else "none is defined yet"
    raise UserError(f"There is no agreement called {wanted!r} ({hint}).")


def agreement_by_id(store: Store, agreement_id: int) -> Agreement | None:
    """The latest version of an agreement, retired or not (a review held for it refreshes with its targets)."""
    rows = store.rows(_VERSIONS_SQL + " WHERE a.agreement_id = ?" + _LATEST, [int(agreement_id)])
    return _agreement(rows[0]) if rows else None


def _current_target_ids(store: Store, cur=None) -> dict[int, str]:
    """Target id -> name of every target that is not retired."""
    return dict(_rows(store, cur, """
        SELECT t.target_id, t.name FROM targets t JOIN target_versions v USING (target_id)
        QUALIFY row_number() OVER (PARTITION BY t.target_id ORDER BY v.version DESC) = 1 AND NOT v.retired"""))


def membership(store: Store) -> dict[int, str]:
    """Current target id -> the name of the current agreement it belongs to (targets outside any are absent)."""
    current = _current_target_ids(store)
    return {tid: a.name for a in current_agreements(store) for tid in a.target_ids if tid in current}


def target_ids_for(store: Store, target_names, cur=None) -> tuple[int, ...]:
    """Ids of current targets by name; an unknown name is refused (raises ValueError 'targets: …')."""
    by_name = {name: tid for tid, name in _current_target_ids(store, cur).items()}
    unknown = [n for n in target_names if n not in by_name]
    if unknown:
        raise ValueError(f"targets: no current target named {', '.join(repr(n) for n in unknown)}")
    return tuple(sorted({by_name[n] for n in target_names}))


def check_exclusive(store: Store, cur=None) -> None:
    """Refuse a current target listed by two current agreements (call it inside the write, before it commits)."""
    current = _current_target_ids(store, cur)
    owner: dict[int, str] = {}
    for agreement in current_agreements(store, cur):
        for tid in agreement.target_ids:
            if tid not in current:
                continue
            if tid in owner:
                raise UserError(f"The target {current[tid]!r} belongs to the agreement {owner[tid]!r} already; a "
                                f"target belongs to at most one agreement, so take it out of {owner[tid]!r} first.")
            owner[tid] = agreement.name


def save_agreement(store: Store, agreement: Agreement, author: str = "unknown", reason: str = "",
                   previous_name: str | None = None, cur=None, check: bool = True) -> str:
    """Create an agreement or append a version; returns 'created', 'changed' or 'unchanged'.

    Members that are retired targets stay listed (their past periods belong to the agreement). `check=False`
    leaves the one-agreement-per-target check to the caller (YAML apply checks once, after moving targets between
    agreements in the same file)."""

    def run(c) -> str:
        lookup = previous_name or agreement.name
        row = c.execute("SELECT agreement_id FROM agreements WHERE lower(name) = lower(?)", [lookup]).fetchone()
        current_ids = _current_target_ids(store, c)
        unknown = [i for i in agreement.target_ids if i not in current_ids]
        if unknown and row is None:
            raise UserError(f"The agreement {agreement.name!r} lists a target that does not exist (any more).")
        if row is None:
            agreement_id = c.execute("SELECT nextval('agreement_id_seq')").fetchone()[0]
            c.execute("INSERT INTO agreements VALUES (?, ?, now())", [agreement_id, agreement.name])
            version, outcome, kept = 1, "created", agreement
        else:
            agreement_id = row[0]
            last = c.execute("SELECT version, definition, retired FROM agreement_versions WHERE agreement_id = ? "
                             "ORDER BY version DESC LIMIT 1", [agreement_id]).fetchone()
            before = json.loads(last[1])
            retired_members = {int(i) for i in before.get("targets", ()) if int(i) not in current_ids}
            kept_ids = {i for i in agreement.target_ids if i in current_ids} | retired_members
            kept = replace(agreement, target_ids=tuple(sorted(kept_ids)))
            stored_name = c.execute("SELECT name FROM agreements WHERE agreement_id = ?", [agreement_id]).fetchone()[0]
            if not last[2] and before == kept.definition() and stored_name == agreement.name:
                return "unchanged"
            if stored_name != agreement.name:
                clash = c.execute("SELECT 1 FROM agreements WHERE lower(name) = lower(?) AND agreement_id <> ?",
                                  [agreement.name, agreement_id]).fetchone()
                if clash:
                    raise UserError(f"An agreement named {agreement.name!r} already exists.")
                c.execute("UPDATE agreements SET name = ? WHERE agreement_id = ?", [agreement.name, agreement_id])
            version, outcome = last[0] + 1, "changed"
        c.execute("INSERT INTO agreement_versions VALUES (?, ?, ?, false, ?, ?, now())",
                  [agreement_id, version, json.dumps(kept.definition()), author, reason])
        if check:
            check_exclusive(store, c)
        return outcome

    if cur is not None:
        return run(cur)
    with store.transaction() as c:
        return run(c)


def retire_agreement(store: Store, name: str, author: str = "unknown", reason: str = "", cur=None) -> None:
    """The agreement is no longer in force: its targets stay (outside any agreement), its history stays."""

    def run(c):
        found = [a for a in current_agreements(store, c) if a.name.lower() == str(name).strip().lower()]
        if not found:
            raise UserError(f"There is no agreement called {str(name).strip()!r}.")
        a = found[0]
        c.execute("INSERT INTO agreement_versions VALUES (?, ?, ?, true, ?, ?, now())",
                  [a.agreement_id, a.version + 1, json.dumps(a.definition()), author, reason])

    if cur is not None:
        run(cur)
    else:
        with store.transaction() as c:
            run(c)


def history(store: Store, name: str | None = None) -> pd.DataFrame:
    """Readable version history of every agreement (or one): what it said, who changed it, when and why."""
    rows = store.rows(_VERSIONS_SQL + (" WHERE lower(a.name) = lower(?)" if name else "")
                      + " ORDER BY lower(a.name), v.version", [name] if name else None)
    target_names = dict(store.rows("SELECT target_id, name FROM targets"))
    out = []
    for r in rows:
        a = _agreement(r)
        members = ", ".join(target_names.get(i, f"#{i}") for i in a.target_ids) or "no targets"
        out.append({"agreement": a.name, "version": a.version,
                    "change": "retired" if r[4] else f"{a.describe()} · targets: {members}",
                    "author": a.author, "reason": a.reason, "recorded_at": a.recorded_at})
    return pd.DataFrame(out, columns=["agreement", "version", "change", "author", "reason", "recorded_at"])


# -- figures ---------------------------------------------------------------------------------------------------------
def agreement_targets(store: Store, agreement: Agreement, start: date | None) -> list[Target]:
    """The agreement's targets in force at some point from `start` on (a retired member still judges its past)."""
    since = period_bounds(start, None, workspace_timezone(store))[0]
    members = set(agreement.target_ids)
    return [t for t in targets_for_period(store, since) if t.target_id in members]


def summarize_agreement(store: Store, agreement: Agreement, start: date | None, end: date | None,
                        as_of: datetime | None = None) -> pd.DataFrame:
    """Per-target attainment of the agreement's targets over [start, end], on the tickets of its scope only."""
    from .metrics import Evaluation

    with Evaluation(store, targets=agreement_targets(store, agreement, start), start=start, end=end, as_of=as_of,
                    filters=agreement.filters) as ev:
        return ev.summary()


def service_credits(store: Store, agreement: Agreement, summary: pd.DataFrame,
                    extras: dict | None = None) -> list[dict] | None:
    """The service credits the agreement's targets earn per budget period (the targets' credit schedules, see
    slacore.metric_defs.uptime): [{target, period, attainment, credit_percent, partial}], or None when none of its
    targets carries a schedule."""
    from .targets import current_targets

    with_credits = {t.name for t in current_targets(store) if t.credits}
    rows = []
    for name, extra in (extras or {}).items():
        if name in with_credits and name in set(summary["name"]):
            rows.extend({"target": name, "period": p["period"], "attainment": p["attainment"],
                         "credit_percent": p["credit_percent"], "partial": p["partial"]}
                        for p in extra.get("periods", []))
    return rows if with_credits & set(summary["name"]) else None


def summary_header(store: Store, agreement: Agreement, summary: pd.DataFrame, extras: dict | None = None) -> dict:
    """The `agreement` object of `summary --agreement NAME --json`."""
    return {**agreement.header(), "description": agreement.description,
            "service_credits": service_credits(store, agreement, summary, extras)}


def narrow_scope(agreement: Agreement, extra: dict[str, list[str]]) -> dict[str, list[str]]:
    """The agreement's scope narrowed by `--where` values: a dimension the agreement fixes may only be narrowed to
    values it covers (anything else would report tickets outside the agreement)."""
    scope = agreement.scope_dict
    for key, values in extra.items():
        if key in scope:
            outside = [v for v in values if v not in scope[key]]
            if outside:
                raise UserError(f"The agreement {agreement.name!r} covers {key} {', '.join(scope[key])} only, not "
                                f"{', '.join(outside)}.")
        scope[key] = list(values)
    return scope
