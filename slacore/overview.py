"""What is loaded, at a glance: the Home page's numbers, aggregated in DuckDB."""

from __future__ import annotations

import pandas as pd

from .scope import FILTER_DIMENSIONS
from .store import Store


def totals(store: Store) -> dict:
    row = store.query("""
        SELECT count(*) AS tickets,
               count(*) FILTER (WHERE resolved_at IS NULL) AS open,
               count(DISTINCT source) AS sources,
               min(created_at) AS first_created,
               max(created_at) AS last_created,
               -- as text from DuckDB: any stamp prints (year 290000, infinity), where Python's strftime stops at 9999
               strftime(min(created_at), '%Y-%m-%d') AS first_day,
               strftime(max(created_at), '%Y-%m-%d') AS last_day,
               (SELECT count(*) FROM imports) AS imports
        FROM tickets
    """).iloc[0]
    return row.to_dict()


def weekly_volume(store: Store) -> pd.DataFrame:
    """Tickets created per ISO week (UTC) and source (a few hundred rows at most); integer arithmetic on the epoch,
    as calendar functions on time-zone-aware stamps cost ~1 s per 10M tickets."""
    from .quality import week_sql

    return store.query(f"""
        SELECT {week_sql("UTC")} AS week, source, count(*) AS tickets
        FROM tickets t GROUP BY ALL ORDER BY week, source
    """)


def breakdown(store: Store, column: str) -> pd.DataFrame:
    """Ticket counts by one of the canonical dimensions."""
    allowed = {*FILTER_DIMENSIONS, "source", "status"}
    if column not in allowed:
        raise ValueError(f"cannot break down by {column}")
    return store.query(f"""
        SELECT coalesce({column}, '(none)') AS {column}, count(*) AS tickets
        FROM tickets GROUP BY ALL ORDER BY tickets DESC LIMIT 25
    """)


def dimension_values(store: Store) -> dict[str, list[str]]:
    """Distinct values of the filterable dimensions (the filter bar's options), most frequent first."""
    out = {}
    for col in FILTER_DIMENSIONS:
        frame = store.query(f"""
            SELECT {col} AS v, count(*) AS n FROM tickets WHERE {col} IS NOT NULL
            GROUP BY ALL ORDER BY n DESC, v LIMIT 500
        """)
        values = frame["v"].tolist()
        if col == "priority":
            order = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
            values = sorted(values, key=lambda v: order.get(v, 9))
        out[col] = values
    return out


def other_totals(store: Store) -> dict:
    """Survey responses, outages and monitored services (the other three promises' data), for Home."""
    row = store.query("""
        SELECT (SELECT count(*) FROM surveys) AS responses,
               (SELECT count(*) FILTER (WHERE answered) FROM surveys) AS answered,
               (SELECT count(*) FILTER (WHERE down) FROM incidents) AS outages,
               (SELECT count(*) FROM (SELECT service FROM incidents UNION SELECT service FROM checks)) AS services,
               (SELECT count(*) FROM checks) AS checks
    """).iloc[0]
    return {k: int(v) for k, v in row.to_dict().items()}


def promises(store: Store, days: int = 30) -> pd.DataFrame:
    """Every current target over the last `days` days before the as-of time: the five promises at a glance.

    Columns: promise (the metric's label), target, attainment (a number, in percent), shown (with the metric's
    decimals), goal, status (met / missed / nothing decided), in the registry's metric order."""
    from datetime import timedelta

    from . import metric_defs
    from .metrics import summarize
    from .scope import default_as_of

    as_of = default_as_of(store)
    frame = summarize(store, (as_of - timedelta(days=days - 1)).date(), as_of.date(), as_of)
    if frame.empty:
        return pd.DataFrame(columns=["promise", "target", "attainment", "shown", "goal", "status"])
    order = {name: i for i, name in enumerate(metric_defs.METRICS)}
    frame = frame.assign(_order=frame["metric"].map(order)).sort_values("_order", kind="stable")
    return pd.DataFrame({
        "promise": [metric_defs.get(m).label for m in frame["metric"]],
        "target": frame["name"].astype(object),
        "attainment": frame["attainment"],
        "shown": ["–" if a != a else f"{a:.{metric_defs.get(m).precision}f}%"
                  for a, m in zip(frame["attainment"], frame["metric"])],
        "goal": frame["goal"],
        "status": ["nothing decided" if g is None else ("met" if g else "missed") for g in frame["goal_met"]],
    }).reset_index(drop=True)
