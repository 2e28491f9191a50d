"""Targets and calendars as editable tables (the Targets page's data editors), and back, with validation.

Kept out of the page so the conversion and its error messages are unit-tested: a row that cannot be a target is
reported by its row number and field, and nothing is saved.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from . import metric_defs
from .calendars import Calendar, calendar_from_dict, calendar_to_dict
from .errors import UserError
from .sla_yaml import _duration_text
from .store import Store
from .scope import UNIT_SCOPE_FIELDS
from .targets import (SCOPE_FIELDS, Target, build_target, calendars, current_targets, missing_calendar, retire_target,
                      save_calendar, save_target)

# What a reader needs first (name, goal, threshold, calendar) comes first: at 1400 px the scope columns scroll.
# Uptime's own columns (service scope, credits, budget period) are kept too: saving the table must never drop them.
TARGET_COLUMNS = ["name", "goal_pct", "within", "calendar", "metric", "priority", "team", "channel", "customer",
                  "customer_tier", "category", "service", "measure", "pause", "credits", "budget"]
SCOPE_COLUMNS = (*SCOPE_FIELDS, *UNIT_SCOPE_FIELDS)
CALENDAR_COLUMNS = ["name", "timezone", "hours", "holidays", "closed"]


def _split(text) -> list[str]:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return []
    return [p.strip() for p in str(text).split(",") if p.strip()]


def credits_text(credits: tuple) -> str:
    """((0.999, 0.1), (0.99, 0.25)) -> '99.9%: 10%; 99%: 25%' (below this uptime: this credit)."""
    return "; ".join(f"{b * 100:g}%: {c * 100:g}%" for b, c in credits)


def credits_from_text(text) -> list | None:
    """'99.9%: 10%; 99%: 25%' -> [[below, credit], ...] for build_target (which validates the figures)."""
    parts = [p for p in str(text or "").split(";") if p.strip()]
    if not parts:
        return None
    out = []
    for part in parts:
        if ":" not in part:
            raise ValueError(f"credits: {part.strip()!r} should look like '99.9%: 10%' (below this uptime: this "
                             "credit)")
        below, credit = part.split(":", 1)
        out.append([below.strip(), credit.strip()])
    return out


def targets_frame(targets: list[Target]) -> pd.DataFrame:
    rows = []
    for t in targets:
        scope = t.scope
        rows.append({
            "name": t.name, "metric": t.metric,
            **{f: ", ".join(scope.get(f, [])) for f in SCOPE_COLUMNS},
            "within": _duration_text(t.within_s) if metric_defs.get(t.metric).threshold else "",
            "goal_pct": round(t.goal * 100, 4), "calendar": t.calendar,
            "measure": t.measure, "pause": ", ".join(t.pause), "credits": credits_text(t.credits),
            "budget": t.budget if metric_defs.get(t.metric).credits else "",
        })
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def targets_from_frame(frame: pd.DataFrame) -> list[Target]:
    """Validated targets from an edited table; UserError names the row and the field."""
    out, seen = [], set()
    for i, row in enumerate(frame.to_dict("records"), start=1):
        if all((v is None or (isinstance(v, float) and pd.isna(v)) or str(v).strip() == "") for v in row.values()):
            continue  # an empty row the editor added
        try:
            goal = row.get("goal_pct")
            target = build_target(
                str(row.get("name") or ""), str(row.get("metric") or ""), str(row.get("within") or ""),
                f"{goal}%" if goal is not None and not (isinstance(goal, float) and pd.isna(goal)) else "",
                {f: _split(row.get(f)) for f in SCOPE_COLUMNS}, str(row.get("calendar") or "24x7"),
                str(row.get("measure") or "app"), _split(row.get("pause")), credits_from_text(row.get("credits")),
                str(row.get("budget") or "").strip() or None,
            )
        except ValueError as exc:
            raise UserError(f"Row {i}: {exc}") from None
        if target.name in seen:
            raise UserError(f"Row {i}: a second target named {target.name!r}.")
        seen.add(target.name)
        out.append(target)
    return out


def save_targets_table(store: Store, frame: pd.DataFrame, author: str, reason: str,
                       effective: date | None) -> dict:
    """Apply an edited table: new rows create targets, changed rows add versions, removed rows retire targets."""
    wanted = targets_from_frame(frame)
    known = calendars(store)
    for t in wanted:
        if t.calendar not in known:
            raise missing_calendar(store, t.name, t.calendar)
    current = {t.name: t for t in current_targets(store)}
    counts = {"created": 0, "changed": 0, "unchanged": 0, "retired": 0}
    with store.transaction() as cur:
        for t in wanted:
            counts[save_target(store, t, author=author, reason=reason, effective=effective, cur=cur)] += 1
    for name in set(current) - {t.name for t in wanted}:
        retire_target(store, name, author=author, reason=reason or "removed in the editor", effective=effective)
        counts["retired"] += 1
    return counts


def calendars_frame(store: Store) -> pd.DataFrame:
    rows = []
    for name, cal in sorted(calendars(store).items()):
        d = calendar_to_dict(cal)
        rows.append({
            "name": name, "timezone": d["timezone"],
            "hours": "; ".join(f"{k}: {v}" for k, v in d["hours"].items()),
            "holidays": d.get("holidays", ""), "closed": ", ".join(d.get("closed", [])),
        })
    return pd.DataFrame(rows, columns=CALENDAR_COLUMNS)


def calendar_from_row(row: dict, number: int) -> Calendar:
    name = str(row.get("name") or "").strip()
    if not name:
        raise UserError(f"Row {number}: a calendar needs a name.")
    hours = {}
    for part in str(row.get("hours") or "").split(";"):
        if not part.strip():
            continue
        if ":" not in part:
            raise UserError(f"Row {number} ({name}): hours {part.strip()!r} should look like 'mon-fri: 09:00-17:00'.")
        days, spans = part.split(":", 1)
        hours[days.strip()] = spans.strip()
    try:
        return calendar_from_dict(name, {
            "timezone": str(row.get("timezone") or "UTC").strip(), "hours": hours,
            "holidays": (str(row.get("holidays")).strip() or None) if row.get("holidays") else None,
            "closed": _split(row.get("closed")),
        })
    except ValueError as exc:
        raise UserError(f"Row {number}: {exc}") from None


def save_calendars_table(store: Store, frame: pd.DataFrame) -> int:
    """Save every edited calendar row (built-in templates included if changed); returns how many were saved."""
    existing = calendars(store)
    cals = [calendar_from_row(r, i) for i, r in enumerate(frame.to_dict("records"), start=1)
            if str(r.get("name") or "").strip()]
    changed = [c for c in cals if existing.get(c.name) != c]
    with store.transaction() as cur:
        for cal in changed:
            save_calendar(store, cal, cur=cur)
    return len(changed)
