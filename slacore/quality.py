"""Is the ticketing system skewing our metrics? Counts of what distorts SLA numbers, with the tickets behind each.

Auto-replies make first response look instant; duplicates and merged tickets count one problem twice; time stamps
in the future or before creation break every clock; a sudden change of volume from one source usually means an
integration or export changed, not the customers. The suspicious ones (auto-replies, duplicates, future stamps)
can be excluded from every number with one switch.
"""

from __future__ import annotations

import pandas as pd

from .store import Store

AUTO_REPLY_SECONDS = 10
DUPLICATE_WINDOW_SECONDS = 600

# check -> (label, SQL condition on tickets t (with `prev_gap` from the duplicate window), excluded by the switch)
CHECKS: dict[str, tuple[str, str, bool]] = {
    "auto_reply": (
        f"First response within {AUTO_REPLY_SECONDS} s of creation (auto-replies)",
        f"t.first_response_at IS NOT NULL AND epoch(t.first_response_at) - epoch(t.created_at) <= {AUTO_REPLY_SECONDS}",
        True,
    ),
    "duplicate": (
        "Duplicates or merged tickets (same customer and subject within 10 min, or status 'merged')",
        f"(lower(coalesce(t.status, '')) LIKE '%merg%' "
        f"OR (t.customer IS NOT NULL AND t.subject IS NOT NULL AND prev_gap <= {DUPLICATE_WINDOW_SECONDS}))",
        True,
    ),
    "future": (
        "Time stamps in the future",
        "(t.created_at > now() OR t.first_response_at > now() OR t.resolved_at > now())",
        True,
    ),
    "no_response": (
        "Resolved without any recorded response",
        "t.first_response_at IS NULL AND t.resolved_at IS NOT NULL AND t.vendor_first_response_business_min IS NULL",
        False,
    ),
}

_BASE = f"""
    SELECT t.*, epoch(t.created_at) - epoch(lag(t.created_at) OVER (
               PARTITION BY t.source, lower(t.customer), lower(t.subject) ORDER BY t.created_at)) AS prev_gap
    FROM tickets t
"""


def summary(store: Store) -> pd.DataFrame:
    """One row per check: label, tickets affected, whether the exclusion switch drops them."""
    selects = ", ".join(f"count(*) FILTER (WHERE {cond}) AS {name}" for name, (_, cond, _) in CHECKS.items())
    counts = store.query(f"SELECT count(*) AS total, {selects} FROM ({_BASE}) t").iloc[0]
    rejected = store.scalar("SELECT count(*) FROM rejected_rows WHERE reason LIKE '%before created%'") or 0
    rows = [{"check": name, "what": label, "tickets": int(counts[name]), "excluded_by_switch": excluded}
            for name, (label, _, excluded) in CHECKS.items()]
    rows.append({"check": "before_created", "what": "Response or resolution before creation (rejected at import)",
                 "tickets": int(rejected), "excluded_by_switch": False})
    frame = pd.DataFrame(rows)
    frame["share"] = (100 * frame["tickets"] / max(int(counts["total"]), 1)).round(2)
    return frame


def check_tickets(store: Store, check: str, limit: int = 2000) -> pd.DataFrame:
    """The tickets behind one check."""
    if check == "before_created":
        return store.query("""
            SELECT i.file_name, r.row_number, r.reason, r.raw FROM rejected_rows r JOIN imports i USING (import_id)
            WHERE r.reason LIKE '%before created%' ORDER BY i.import_id DESC, r.row_number LIMIT ?""", [limit])
    if check not in CHECKS:
        raise ValueError(f"unknown check {check}")
    cond = CHECKS[check][1]
    return store.query(f"""
        SELECT t.source, t.ticket_id, t.created_at, t.first_response_at, t.resolved_at, t.status, t.team,
               t.channel, t.customer, t.subject
        FROM ({_BASE}) t WHERE {cond} ORDER BY t.created_at DESC LIMIT {int(limit)}
    """)


def suspicious_ids(store: Store) -> list[tuple[str, str]]:
    """(source, ticket_id) of every ticket the exclusion switch drops."""
    conds = " OR ".join(f"({cond})" for _, cond, excluded in CHECKS.values() if excluded)
    return [tuple(r) for r in store.rows(f"SELECT t.source, t.ticket_id FROM ({_BASE}) t WHERE {conds}")]


def volume_shifts(store: Store, ratio: float = 2.0, min_tickets: int = 20) -> pd.DataFrame:
    """Weeks where a source's volume is over `ratio`× or under 1/`ratio` of its median of the 8 weeks before."""
    return store.query(f"""
        WITH weekly AS (
            SELECT source, date_trunc('week', created_at)::DATE AS week, count(*) AS tickets
            FROM tickets GROUP BY ALL
        ), baseline AS (
            SELECT *, median(tickets) OVER (PARTITION BY source ORDER BY week
                                            ROWS BETWEEN 8 PRECEDING AND 1 PRECEDING) AS usual,
                      count(*) OVER (PARTITION BY source ORDER BY week
                                     ROWS BETWEEN 8 PRECEDING AND 1 PRECEDING) AS weeks_before
            FROM weekly
        )
        SELECT source, week, tickets, usual, round(tickets / usual, 2) AS ratio
        FROM baseline
        WHERE weeks_before >= 4 AND greatest(tickets, usual) >= {int(min_tickets)}
          AND (tickets >= {float(ratio)} * usual OR tickets <= usual / {float(ratio)})
        ORDER BY week DESC, source
    """)
