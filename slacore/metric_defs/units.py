"""The rows a metric judges ("units") and the columns every judged view shares, one class per kind of unit.

The evaluation engine (slacore.metrics) judges every metric the same way: a unit row `t` of its metric's units,
placed in a period by `t.created_at` (the unit's period stamp), narrowed by the target's scope and the filter bar,
given a status by the metric's SQL, and counted with `t.weight`. What differs between tickets, survey responses and
uptime is only where the rows come from and which columns they carry, so that lives here:

- **TicketUnits** — the tickets table itself (first response, resolution, FCR). Weight 1.
- **SurveyUnits** — survey responses joined to their tickets (CSAT): a response is filtered and grouped by its
  ticket's team, priority, channel and customer, falling back to the response's own team/agent/channel/customer
  columns when it has no ticket. Its period stamp is the rating time, else the ticket's resolution time. Weight 1.
- **UptimeUnits** — stretches of a service's time, each up, down, planned or unknown (slacore.uptime builds them
  from incident and check logs, cut at local midnights). Weight = the stretch's seconds, so attainment is
  time-weighted: up / (up + down).

Each gives `UNIT_COLUMNS` (its `fields()` over `t`), the filter-bar dimensions that apply to it, and the scope
fields a target on it may name. A new kind of unit is one class here; a metric names it in `Metric.reads`.
"""

from __future__ import annotations

from datetime import datetime

from ..scope import DIMENSIONS, FILTER_DIMENSIONS, SCOPE_FIELDS, Filters, sql_string, sql_timestamp

# The columns of every judged unit, in this order (UNION ALL lines them up by position).
UNIT_COLUMNS = ("rid", "created_at", "created_local", "priority", "team", "channel", "customer", "customer_tier",
                "category", "source", "assignee", "ticket_id", "first_response_at", "resolved_at", "ticket_status",
                "subject", "service", "weight", "detail")


class Units:
    """Where a metric's rows come from. Subclasses set the class attributes and override what differs."""

    name = ""  # the `reads` key of the metrics that judge these units
    label = ""  # what one row is, in a sentence ("survey responses")
    scope_fields: tuple = SCOPE_FIELDS  # what `where:` may name for a target on these units
    filter_dimensions: tuple = FILTER_DIMENSIONS  # the filter bar's dimensions that narrow these units
    groupings: tuple = tuple(d for d in DIMENSIONS if d != "service")  # what its rows can be grouped by

    def prepare(self, cur, store, lo: datetime, hi: datetime, as_of: datetime, tz: str) -> str:
        """Make the rows visible to `cur` (a temp view or table, inside the evaluation's read transaction) and
        return the relation to read them from as `FROM <relation> t`."""
        raise NotImplementedError

    def fields(self) -> str:
        """UNIT_COLUMNS as a select list over `t`."""
        raise NotImplementedError

    def filter_sql(self, filters: Filters, store) -> str:
        """The filter bar as a condition over `t` (called before the read transaction starts)."""
        clauses = []
        for col in self.filter_dimensions:
            values = getattr(filters, col)
            if values:
                clauses.append(f"t.{col} IN ({', '.join(sql_string(v) for v in values)})")
        return " AND ".join(clauses) or "true"

    def narrowed_by(self, filters: Filters) -> bool:
        """False when the filter bar narrows by something these units do not carry (the pages say so)."""
        return not any(getattr(filters, d) for d in FILTER_DIMENSIONS if d not in self.filter_dimensions)


class TicketUnits(Units):
    name, label = "tickets", "tickets"

    def prepare(self, cur, store, lo, hi, as_of, tz) -> str:
        return "tickets"

    def fields(self) -> str:
        return ("t.rowid AS rid, t.created_at, t.created_local, t.priority, t.team, t.channel, t.customer, "
                "t.customer_tier, t.category, t.source, t.assignee, t.ticket_id, t.first_response_at, "
                "t.resolved_at, t.status AS ticket_status, t.subject, CAST(NULL AS VARCHAR) AS service, "
                "1::BIGINT AS weight, CAST(NULL AS VARCHAR) AS detail")

    def filter_sql(self, filters: Filters, store, alias: str = "t") -> str:
        """The dimensions, the excluded ids and the data-quality switch (which brings the duplicate flags up to
        date first: call it before a read transaction)."""
        clauses = []
        if filters.exclude_suspicious:
            from ..quality import ensure_duplicates, suspicious_sql

            ensure_duplicates(store)
            clauses.append(f"NOT {suspicious_sql(alias)}")
        clauses.extend(filters.literal_sql(alias))
        return " AND ".join(clauses) or "true"


# CSAT: how many top boxes of a scale count as satisfied (2: 4-5 of 5, 6-7 of 7, 9-10 of 10; good of good/bad).
TOP_BOXES_KEY = "csat_top_boxes"
DEFAULT_TOP_BOXES = 2


def top_boxes(store) -> int:
    """The workspace's CSAT threshold: the top N answers of a scale are 'satisfied' (settings key csat_top_boxes)."""
    value = store.scalar("SELECT value FROM settings WHERE key = ?", [TOP_BOXES_KEY])
    try:
        n = int(str(value).strip('"')) if value is not None else DEFAULT_TOP_BOXES
    except ValueError:
        n = DEFAULT_TOP_BOXES
    return max(1, n)


def satisfied_words(n: int) -> str:
    """'satisfied = 4–5 of 5, 6–7 of 7, 9–10 of 10, good' for the workspace's top-box setting (shown on CSAT charts)."""
    def top(hi: int) -> str:
        lo = hi - n + 1
        return f"{hi} of {hi}" if lo >= hi else f"{lo}–{hi} of {hi}"
    return f"satisfied = {top(5)}, {top(7)}, {top(10)}, or 'good'"


def satisfied_sql(alias: str, n: int) -> str:
    """A response is satisfied: 'good' on a two-point scale, else one of the scale's top `n` answers."""
    return (f"CASE WHEN {alias}.rating IS NULL THEN NULL "
            f"WHEN {alias}.scale_max - {alias}.scale_min <= 1 THEN {alias}.rating >= {alias}.scale_max "
            f"ELSE {alias}.rating > {alias}.scale_max - {int(n)} END")


class SurveyUnits(Units):
    name, label = "surveys", "survey responses"
    VIEW = "_u_surveys"

    def prepare(self, cur, store, lo, hi, as_of, tz) -> str:
        from ..quality import suspicious_sql  # its flags are brought up to date by filter_sql when the switch is on

        n = top_boxes(store)
        # A response links to its ticket by id (and the ticket's source when the import knew it); one ticket per
        # response even when two sources share an id (the response's own source first).
        # A table built once per evaluation, cut to the period: every query of the evaluation reads it instead of
        # joining all responses to the tickets again (bench_csat_uptime: 1M responses, ~1 s a query as a view).
        placed = "coalesce(s.rated_at, tk.resolved_at)"
        cur.execute(f"""
            CREATE OR REPLACE TEMP TABLE {self.VIEW} AS
            SELECT s.rowid AS rid, coalesce(s.rated_at, tk.resolved_at) AS created_at,
                   timezone({sql_string(tz)}, coalesce(s.rated_at, tk.resolved_at)) AS created_local,
                   tk.priority, coalesce(tk.team, s.team) AS team, coalesce(tk.channel, s.channel) AS channel,
                   coalesce(tk.customer, s.customer) AS customer, tk.customer_tier, tk.category, s.source,
                   coalesce(s.assignee, tk.assignee) AS assignee, s.ticket_id, tk.first_response_at,
                   tk.resolved_at, tk.status AS ticket_status, tk.subject, CAST(NULL AS VARCHAR) AS service,
                   1::BIGINT AS weight,
                   CASE WHEN NOT s.answered THEN 'offered, not answered'
                        ELSE concat_ws(' — ', coalesce(s.label, regexp_replace(CAST(s.rating AS VARCHAR), '[.]0$', ''))
                                       || CASE WHEN s.scale IS NOT NULL THEN ' (' || s.scale || ')' ELSE '' END,
                                       s.reason, s.comment) END AS detail,
                   s.answered, s.rating, s.scale_min, s.scale_max, s.scale, s.label, s.comment, s.rated_at,
                   {satisfied_sql('s', n)} AS satisfied, tk.ticket_id IS NOT NULL AS linked,
                   {suspicious_sql('tk')} AS _suspicious
            FROM surveys s LEFT JOIN tickets tk
              ON tk.ticket_id = s.ticket_id AND tk.source = coalesce(s.ticket_source, tk.source)
            WHERE {placed} >= {sql_timestamp(lo)} AND {placed} < {sql_timestamp(hi)}
            QUALIFY row_number() OVER (PARTITION BY s.rowid ORDER BY (tk.source = s.source) DESC NULLS LAST,
                                       tk.source) = 1
        """)
        return self.VIEW

    def fields(self) -> str:
        return ", ".join(f"t.{c}" for c in UNIT_COLUMNS)

    def filter_sql(self, filters: Filters, store) -> str:
        clauses = [super().filter_sql(filters, store)]
        if filters.exclude_suspicious:  # the data-quality switch drops the responses of suspicious tickets
            from ..quality import ensure_duplicates

            ensure_duplicates(store)
            clauses.append("NOT t._suspicious")
        return " AND ".join(clauses)


class UptimeUnits(Units):
    """Stretches of service time from slacore.uptime: the filter bar's ticket dimensions do not apply."""

    name, label = "uptime", "outage-log or check-log data"
    scope_fields = ("service",)
    filter_dimensions = ()
    groupings = ("service", "source")

    def prepare(self, cur, store, lo, hi, as_of, tz) -> str:
        from .. import uptime

        table = uptime.build_units(cur, lo, hi, as_of, tz)
        return table

    def fields(self) -> str:
        return ("t.rowid AS rid, t.created_at, t.created_local, CAST(NULL AS VARCHAR) AS priority, "
                "CAST(NULL AS VARCHAR) AS team, CAST(NULL AS VARCHAR) AS channel, CAST(NULL AS VARCHAR) AS customer, "
                "CAST(NULL AS VARCHAR) AS customer_tier, CAST(NULL AS VARCHAR) AS category, t.source, "
                "CAST(NULL AS VARCHAR) AS assignee, t.incident_id AS ticket_id, "
                "CAST(NULL AS TIMESTAMPTZ) AS first_response_at, CAST(NULL AS TIMESTAMPTZ) AS resolved_at, "
                "t.state AS ticket_status, t.detail AS subject, t.service, t.seconds::BIGINT AS weight, t.detail")


UNITS: dict[str, Units] = {u.name: u for u in (TicketUnits(), SurveyUnits(), UptimeUnits())}
