"""Normalise vendor priorities to urgent / high / normal / low, keeping the raw value beside.

Exact values from the editable `priority_map` table win; otherwise patterns catch what helpdesks write
(`1 - Critical`, `Highest`, `P1`, `Sev 2`, `2 - Hoch`, `Muy alta`...). Order matters: 'highest' before 'high'.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

CANONICAL = ("urgent", "high", "normal", "low")

# (regular expression on the lower-cased value, canonical priority); first match wins.
PATTERNS: list[tuple[str, str]] = [
    (r"^\s*(p|sev|prio|priority|s)?\s*[-:]?\s*[01]\b", "urgent"),
    (r"critical|urgent|highest|blocker|emergency|kritisch|sehr hoch|muy alta|m[aá]s alta|urgente|cr[ií]tic|dringend", "urgent"),
    (r"^\s*(p|sev|prio|priority|s)?\s*[-:]?\s*2\b", "high"),
    (r"high|hoch|alta|[ée]lev[ée]|major|important", "high"),
    (r"^\s*(p|sev|prio|priority|s)?\s*[-:]?\s*3\b", "normal"),
    (r"normal|medium|moderate|mittel|media|moyenne|standard|minor", "normal"),
    (r"^\s*(p|sev|prio|priority|s)?\s*[-:]?\s*[45]\b", "low"),
    (r"low|niedrig|baja|basse|planning|trivial|lowest", "low"),
]


def priority_sql(raw_sql: str, codes: dict[str, str] | None = None) -> str:
    """SQL CASE mapping raw priority text to its canonical value (NULL when nothing matches).

    `codes` are a vendor's numeric choice codes (ServiceNow: '1' = Critical ... '5' = Planning); values of the
    user's `priority_map` table are applied by the caller with a join, before these rules.
    """
    value = f"lower(trim({raw_sql}))"
    whens = []
    for code, canonical in (codes or {}).items():
        whens.append(f"WHEN {value} = '{code}' THEN '{canonical}'")
    for pattern, canonical in PATTERNS:
        whens.append(f"WHEN regexp_matches({value}, '{pattern}') THEN '{canonical}'")
    return f"CASE WHEN {raw_sql} IS NULL THEN NULL {' '.join(whens)} ELSE NULL END"


def priority_values(store) -> "pd.DataFrame":
    """Every raw priority seen, once however it is spelled (`Low`, `low `, `LOW`: the mapping ignores case and
    spaces, so the editor must too), shown in its most common spelling, with its canonical value now and how many
    tickets carry it (the mapping editor)."""
    return store.query("""
        SELECT mode(trim(priority_raw)) AS raw, mode(priority) AS canonical, count(*) AS tickets
        FROM tickets WHERE nullif(trim(priority_raw), '') IS NOT NULL
        GROUP BY lower(trim(priority_raw)) ORDER BY tickets DESC, raw
    """)


def save_priority_mapping(store, mapping: dict[str, str]) -> int:
    """Remember raw → canonical choices and apply them to stored tickets; returns tickets changed."""
    from ..errors import UserError

    clean = {}
    for raw, canonical in mapping.items():
        if canonical not in CANONICAL:
            raise UserError(f"Priority {raw!r} must map to one of {', '.join(CANONICAL)}, not {canonical!r}.")
        clean[str(raw).strip().lower()] = canonical
    with store.transaction() as cur:
        for raw, canonical in clean.items():
            cur.execute("INSERT OR REPLACE INTO priority_map VALUES (?, ?)", [raw, canonical])
        changed = cur.execute("""
            UPDATE tickets t SET priority = pm.canonical FROM priority_map pm
            WHERE lower(trim(t.priority_raw)) = pm.raw AND t.priority IS DISTINCT FROM pm.canonical
        """).fetchone()[0]
    return changed
