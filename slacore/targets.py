"""SLA targets: what was promised, to whom, since when — with every version kept.

A target is a metric (one of slacore.metric_defs: first_response, resolution), a scope (any combination of
priority, team, channel, customer, customer tier, category), a threshold ("within 1h" of business time on a
calendar) and a goal (the share of tickets that must meet it). Editing a target never overwrites it: it appends a version with an effective date,
an author and a reason, and a ticket is judged by the version in force when it was created. The first version of a
target also judges the tickets created before it (a new target shows history at once).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from . import metric_defs
from .calendars import (CAL_24X7, TEMPLATE_CALENDARS, Calendar, calendar_from_dict, calendar_to_dict,
                        parse_duration)
from .errors import UserError
from .scope import SCOPE_FIELDS, UNIT_SCOPE_FIELDS, workspace_timezone_of
from .store import Store

METRICS = {name: metric.label for name, metric in metric_defs.METRICS.items()}  # what a target can promise
# app: our calendar over time stamps; vendor: the export's business-minutes figure (the metrics that offer it)
MEASURES = tuple(dict.fromkeys(m for metric in metric_defs.METRICS.values() for m in metric.measures))
PAUSES = tuple(dict.fromkeys(p for metric in metric_defs.METRICS.values() for p in metric.pauses))


@dataclass(frozen=True)
class Target:
    name: str
    metric: str
    within_s: int
    goal: float  # a share, 0 < goal <= 1
    where: tuple = ()  # ((field, (value, ...)), ...) sorted: hashable and order-free
    calendar: str = "24x7"
    measure: str = "app"
    pause: tuple = ()
    # uptime (metrics with `credits`): service credits ((below share, credit share), ...) highest 'below' first, and
    # the period the error budget resets in
    credits: tuple = ()
    budget: str = "month"
    # version information (None until stored)
    target_id: int | None = None
    version: int | None = None
    effective_from: datetime | None = None
    author: str | None = None
    reason: str | None = None

    @property
    def scope(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.where}

    def describe(self) -> str:
        """'90% of urgent tickets answered within 1 h (office-eu)' — the sentence users read (the metric's words)."""
        return metric_defs.get(self.metric).describe(self)

    def definition(self) -> dict:
        """The fields that define the promise (not the bookkeeping): equal definitions need no new version."""
        out = {"metric": self.metric, "within_s": self.within_s, "goal": self.goal, "where": self.scope,
               "calendar": self.calendar, "measure": self.measure, "pause": list(self.pause)}
        if metric_defs.get(self.metric).credits:  # only where they mean something: older definitions stay equal
            out |= {"credits": [list(c) for c in self.credits], "budget": self.budget}
        return out


def make_where(scope: dict | None) -> tuple:
    """Normalise a scope dict ({'priority': 'urgent'} or lists) into the hashable sorted form."""
    out = []
    if scope and not isinstance(scope, dict):
        raise ValueError(f"the scope must be a mapping like {{priority: urgent, team: Billing}}, not {scope!r}")
    for key, values in (scope or {}).items():
        if key not in SCOPE_FIELDS + UNIT_SCOPE_FIELDS:
            raise ValueError(f"unknown scope field {key!r}; use {', '.join(SCOPE_FIELDS + UNIT_SCOPE_FIELDS)}")
        if values is None or values == "" or values == []:
            continue
        if isinstance(values, (str, int, float)):
            values = [values]
        clean = tuple(sorted({str(v).strip() for v in values if str(v).strip()}))
        if key == "priority":
            clean = tuple(sorted({v.lower() for v in clean}))
            bad = [v for v in clean if v not in ("urgent", "high", "normal", "low")]
            if bad:
                raise ValueError(f"priority must be urgent, high, normal or low, not {', '.join(bad)}")
        if clean:
            out.append((key, clean))
    return tuple(sorted(out))


def parse_goal(value) -> float:
    """'95%', 95, 0.95 -> 0.95."""
    if isinstance(value, bool):
        raise ValueError(f"bad goal {value!r}; use e.g. 95%")
    text = str(value).strip()
    try:
        number = float(text.rstrip("%").strip())
    except ValueError:
        raise ValueError(f"bad goal {value!r}; use e.g. 95%") from None
    share = number / 100 if (text.endswith("%") or number > 1) else number
    if not 0 < share <= 1:
        raise ValueError(f"goal {value!r} must be between 0% and 100%")
    return round(share, 6)


BUDGET_PERIODS = ("month", "quarter")


def parse_credits(value) -> tuple:
    """[{below: 99.9%, credit: 10%}, ...] -> ((0.999, 0.1), ...), highest 'below' first."""
    if value in (None, "", []):
        return ()
    if not isinstance(value, (list, tuple)):
        raise ValueError("a list like [{below: 99.9%, credit: 10%}, {below: 99%, credit: 25%}]")
    out = []
    for item in value:
        if isinstance(item, (list, tuple)) and len(item) == 2:
            below, credit = item
        elif isinstance(item, dict) and set(item) == {"below", "credit"}:
            below, credit = item["below"], item["credit"]
        else:
            raise ValueError(f"{item!r}: each step needs 'below' and 'credit', e.g. {{below: 99.9%, credit: 10%}}")
        out.append((parse_goal(below), parse_goal(credit)))
    out.sort(key=lambda c: -c[0])
    if len({b for b, _ in out}) != len(out):
        raise ValueError("two steps with the same 'below'")
    if any(later[1] < earlier[1] for earlier, later in zip(out, out[1:])):
        raise ValueError("a lower uptime must not earn a smaller credit")
    return tuple(out)


def build_target(name: str, metric: str, within, goal, where: dict | None = None, calendar: str = "24x7",
                 measure: str = "app", pause=None, credits=None, budget: str | None = None) -> Target:
    """A validated Target from user-facing values (raises ValueError naming the bad field)."""
    name = (name or "").strip()
    if not name:
        raise ValueError("name: a target needs a name")
    if metric not in metric_defs.METRICS:
        raise ValueError(f"metric: {metric!r} is not one of {', '.join(metric_defs.METRICS)}")
    kind = metric_defs.get(metric)
    if kind.threshold:
        try:
            within_s = parse_duration(within) if not isinstance(within, int) or isinstance(within, bool) else within
        except ValueError as exc:
            raise ValueError(f"within: {exc}") from None
        if within_s <= 0:
            raise ValueError("within: the threshold must be more than zero")
    elif within not in (None, "", 0):
        raise ValueError(f"within: {kind.noun} has no threshold; leave 'within' out")
    else:
        within_s = 0
    try:
        share = parse_goal(goal)
    except ValueError as exc:
        raise ValueError(f"goal: {exc}") from None
    try:
        scope = make_where(where)
    except ValueError as exc:
        raise ValueError(f"where: {exc}") from None
    allowed = metric_defs.units.UNITS[kind.reads].scope_fields
    wrong = [k for k, _ in scope if k not in allowed]
    if wrong:
        raise ValueError(f"where: {kind.noun} is scoped by {', '.join(allowed)}, not {', '.join(wrong)}")
    if kind.credits:
        try:
            credit_steps = parse_credits(credits)
        except ValueError as exc:
            raise ValueError(f"credits: {exc}") from None
        budget = budget or "month"
        if budget not in BUDGET_PERIODS:
            raise ValueError(f"budget: {budget!r} is not one of {', '.join(BUDGET_PERIODS)}")
    elif credits not in (None, "", [], ()):
        raise ValueError(f"credits: only {', '.join(m.noun for m in metric_defs.METRICS.values() if m.credits)} "
                         "targets carry service credits")
    else:
        credit_steps, budget = (), "month"
    if measure not in kind.measures:
        raise ValueError(f"measure: {measure!r} is not one of {', '.join(kind.measures)}")
    if pause is not None and not isinstance(pause, (str, list, tuple, set)):
        raise ValueError(f"pause: {pause!r} is not a list of {', '.join(PAUSES)}")
    pauses = tuple(sorted({str(p) for p in ([pause] if isinstance(pause, str) else (pause or []))}))
    bad = [p for p in pauses if p not in PAUSES]
    if bad:
        raise ValueError(f"pause: {', '.join(bad)} not one of {', '.join(PAUSES)}")
    if not set(pauses) <= set(kind.pauses):
        pausing = " and ".join(m.noun for m in metric_defs.METRICS.values() if m.pauses)
        raise ValueError(f"pause: only {pausing} clocks pause ({kind.no_pause_why or f'{kind.noun} has no clock'})")
    return Target(name=name, metric=metric, within_s=int(within_s), goal=share, where=scope,
                  calendar=str(calendar or "24x7"), measure=measure, pause=pauses, credits=credit_steps,
                  budget=budget)


# -- storage -------------------------------------------------------------------------------------------------

def calendars(store: Store, cur=None) -> dict[str, Calendar]:
    """Built-in template calendars plus the user's (which win on a name clash).

    Pass the cursor of an open transaction to see calendars it saved but has not committed yet."""
    return _stored_calendars(store, cur)[0]


def _stored_calendars(store: Store, cur=None) -> tuple[dict[str, Calendar], dict[str, str]]:
    """(readable calendars, {name: why} of stored rows that no longer parse).

    A row that no longer parses (a holidays code or time zone a newer package dropped, a hand-edited file) is left
    out, and so is a built-in calendar of the same name (judging by the template would change the figures
    silently): every page and command keeps working, and a target on that calendar says why it cannot be judged."""
    out, bad = dict(TEMPLATE_CALENDARS), {}
    sql = "SELECT name, definition FROM calendars ORDER BY name"
    rows = cur.execute(sql).fetchall() if cur is not None else store.rows(sql)
    for name, definition in rows:
        try:
            out[name] = calendar_from_dict(name, json.loads(definition))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            out.pop(name, None)
            bad[name] = str(exc) or exc.__class__.__name__
    return out, bad


def unreadable_calendars(store: Store) -> dict[str, str]:
    """{name: why} of stored calendars this version cannot read (the Targets page asks to define them again)."""
    return _stored_calendars(store)[1]


def missing_calendar(store: Store, target_name: str, calendar: str, cur=None) -> UserError:
    """The sentence for a target whose calendar is gone or stored in a form this version cannot read."""
    why = _stored_calendars(store, cur)[1].get(calendar)
    if why is not None:
        return UserError(
            f"Target {target_name!r} uses calendar {calendar!r}, which is stored in a form this version cannot read "
            f"({why}): define the calendar again on the Targets page or with python -m slacore targets apply FILE.")
    return UserError(f"Target {target_name!r} uses calendar {calendar!r}, which does not exist.")


def save_calendar(store: Store, cal: Calendar, cur=None) -> None:
    if cal.name == "24x7" and cal != CAL_24X7:
        raise UserError("The calendar name 24x7 is built in; choose another name.")
    sql = "INSERT OR REPLACE INTO calendars VALUES (?, ?, now())"
    params = [cal.name, json.dumps(calendar_to_dict(cal))]
    if cur is not None:
        cur.execute(sql, params)
    else:
        with store.transaction() as c:
            c.execute(sql, params)


def delete_calendar(store: Store, name: str) -> None:
    in_use = [t.name for t in current_targets(store) if t.calendar == name]
    if in_use:
        raise UserError(f"Calendar {name!r} is used by {', '.join(in_use)}; change those targets first.")
    with store.transaction() as cur:
        cur.execute("DELETE FROM calendars WHERE name = ?", [name])


def _row_to_target(row: dict) -> Target:
    d = json.loads(row["definition"])
    return Target(
        name=row["name"], metric=d["metric"], within_s=int(d["within_s"]), goal=float(d["goal"]),
        where=make_where(d.get("where")), calendar=d.get("calendar", "24x7"), measure=d.get("measure", "app"),
        pause=tuple(d.get("pause", ())), credits=tuple(tuple(c) for c in d.get("credits", ())),
        budget=d.get("budget", "month"), target_id=int(row["target_id"]), version=int(row["version"]),
        effective_from=row["effective_from"], author=row["author"], reason=row["reason"],
    )


_VERSIONS_SQL = """
    SELECT t.target_id, t.name, v.version, v.effective_from, v.definition, v.retired, v.author, v.reason,
           v.recorded_at
    FROM targets t JOIN target_versions v USING (target_id)
"""


def current_targets(store: Store) -> list[Target]:
    """The latest version of every target that is not retired, in creation order."""
    frame = store.query(_VERSIONS_SQL + """
        QUALIFY row_number() OVER (PARTITION BY t.target_id ORDER BY v.version DESC) = 1
        ORDER BY t.target_id""")
    return [_row_to_target(r) for r in frame.to_dict("records") if not r["retired"]]


def targets_for_period(store: Store, since: datetime) -> list[Target]:
    """Current targets plus those retired after `since`: a past period still shows what was promised then."""
    frame = store.query(_VERSIONS_SQL + """
        QUALIFY row_number() OVER (PARTITION BY t.target_id ORDER BY v.version DESC) = 1
        ORDER BY t.target_id""")
    return [_row_to_target(r) for r in frame.to_dict("records")
            if not r["retired"] or pd.Timestamp(r["effective_from"]) > pd.Timestamp(since)]


def get_target(store: Store, name: str) -> Target:
    for t in current_targets(store):
        if t.name == name:
            return t
    raise UserError(f"There is no target named {name!r}.")


def versions(store: Store, target_id: int) -> list[tuple[Target | None, datetime]]:
    """Every version of one target in effective order: (target or None when retired, effective_from)."""
    frame = store.query(_VERSIONS_SQL + " WHERE t.target_id = ? ORDER BY v.version", [target_id])
    out = []
    for r in frame.to_dict("records"):
        out.append((None if r["retired"] else _row_to_target(r), r["effective_from"]))
    return out


def all_versions(store: Store) -> dict[int, list[tuple[Target | None, datetime]]]:
    """`versions` of every target at once (one query: judging needs them all)."""
    out: dict[int, list] = {}
    for r in store.query(_VERSIONS_SQL + " ORDER BY t.target_id, v.version").to_dict("records"):
        out.setdefault(int(r["target_id"]), []).append((None if r["retired"] else _row_to_target(r),
                                                        r["effective_from"]))
    return out


def history(store: Store, name: str | None = None) -> pd.DataFrame:
    """Readable version history (all targets, or one)."""
    frame = store.query(_VERSIONS_SQL + (" WHERE t.name = ?" if name else "") + " ORDER BY t.name, v.version",
                        [name] if name else None)
    rows = []
    for r in frame.to_dict("records"):
        d = json.loads(r["definition"])
        rows.append({
            "target": r["name"], "version": r["version"], "effective_from": r["effective_from"],
            "change": "retired" if r["retired"] else
            build_target(r["name"], d["metric"], int(d["within_s"]) or None, d["goal"], d.get("where"),
                         d.get("calendar"), d.get("measure", "app"), d.get("pause"), d.get("credits"),
                         d.get("budget")).describe(),
            "author": r["author"], "reason": r["reason"], "recorded_at": r["recorded_at"],
        })
    return pd.DataFrame(rows, columns=["target", "version", "effective_from", "change", "author", "reason",
                                       "recorded_at"])


def _effective(effective: date | datetime | None, c=None) -> datetime:
    """When a version starts: now, an explicit time, or a date's local midnight in the workspace time zone (the
    zone periods are cut in, so a version effective 15 March judges every ticket of the 15 March period)."""
    if effective is None:
        return datetime.now(timezone.utc)
    if isinstance(effective, datetime):
        return effective if effective.tzinfo else effective.replace(tzinfo=timezone.utc)
    tz = workspace_timezone_of(c) if c is not None else "UTC"
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = timezone.utc
    return datetime(effective.year, effective.month, effective.day, tzinfo=zone)


def save_target(store: Store, target: Target, author: str = "unknown", reason: str = "",
                effective: date | datetime | None = None, previous_name: str | None = None, cur=None) -> str:
    """Create a target or append a version; returns 'created', 'changed' or 'unchanged'."""
    known = calendars(store, cur)
    if target.calendar not in known:
        raise missing_calendar(store, target.name, target.calendar, cur)

    def run(c) -> str:
        lookup = previous_name or target.name
        row = c.execute("SELECT target_id FROM targets WHERE name = ?", [lookup]).fetchone()
        if row is None:
            target_id = c.execute("SELECT nextval('target_id_seq')").fetchone()[0]
            c.execute("INSERT INTO targets VALUES (?, ?, now())", [target_id, target.name])
            version, outcome, when = 1, "created", _effective(effective, c)
        else:
            target_id = row[0]
            last = c.execute(
                "SELECT version, definition, retired FROM target_versions WHERE target_id = ? "
                "ORDER BY version DESC LIMIT 1", [target_id]).fetchone()
            if not last[2] and json.loads(last[1]) == target.definition() and lookup == target.name:
                return "unchanged"
            if lookup != target.name:
                clash = c.execute("SELECT 1 FROM targets WHERE name = ?", [target.name]).fetchone()
                if clash:
                    raise UserError(f"A target named {target.name!r} already exists.")
                c.execute("UPDATE targets SET name = ? WHERE target_id = ?", [target.name, target_id])
            version, outcome, when = last[0] + 1, "changed", _effective(effective, c)
        c.execute(
            "INSERT INTO target_versions VALUES (?, ?, ?, ?, false, ?, ?, now())",
            [target_id, version, when, json.dumps(target.definition()), author, reason],
        )
        return outcome

    if cur is not None:
        return run(cur)
    with store.transaction() as c:
        return run(c)


def retire_target(store: Store, name: str, author: str = "unknown", reason: str = "",
                  effective: date | datetime | None = None, cur=None) -> None:
    """Stop judging tickets created from `effective` on; the history stays.

    Pass the cursor of an open transaction to retire as part of it (YAML apply)."""
    target = get_target(store, name)

    def write(c):
        c.execute("INSERT INTO target_versions VALUES (?, ?, ?, ?, true, ?, ?, now())",
                  [target.target_id, target.version + 1, _effective(effective, c), json.dumps(target.definition()),
                   author, reason])

    if cur is not None:
        write(cur)
    else:
        with store.transaction() as c:
            write(c)


def targets_fingerprint(store: Store) -> str:
    """Changes whenever any target version or calendar changes (a cache key for the UI)."""
    rows = store.rows("SELECT count(*), max(recorded_at) FROM target_versions")
    cal = store.rows("SELECT count(*), max(updated_at) FROM calendars")
    return hashlib.sha1(repr((rows, cal)).encode()).hexdigest()[:12]
