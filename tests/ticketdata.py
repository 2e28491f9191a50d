"""Tiny hand-made ticket sets for unit tests: rows go straight into the tickets table."""

from __future__ import annotations

from datetime import datetime, timezone

UTC = timezone.utc


def u(y, mo, d, h=0, mi=0, s=0) -> datetime:
    """A UTC time."""
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


def tk(ticket_id, created, fr=None, rs=None, **extra) -> dict:
    """One ticket row: id, created, first response, resolved, plus any other tickets column."""
    return {"ticket_id": str(ticket_id), "created_at": created, "first_response_at": fr, "resolved_at": rs, **extra}


def add_tickets(store, *rows: dict) -> None:
    """Insert ticket rows (source defaults to 'test') in one transaction."""
    cols = sorted({k for r in rows for k in r} | {"source"})
    with store.transaction() as cur:
        cur.executemany(
            f"INSERT INTO tickets ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
            [[r.get(k, "test") if k == "source" else r.get(k) for k in cols] for r in rows],
        )
