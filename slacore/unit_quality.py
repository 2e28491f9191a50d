"""Data-quality checks of what is not a ticket: survey responses, outages and monitor checks, and the FCR columns.

Each check skews a CSAT, uptime or FCR number without failing any import, so the Data quality page lists them
beside the ticket checks (slacore.quality), each with a count, a sentence and a few examples:

- survey_unknown_ticket: responses naming a ticket id that no imported ticket has (they still count in CSAT, under
  their own team/agent columns, but cannot be filtered by the ticket's priority, tier or category);
- rated_before_created: a rating time before its ticket was created (a clock or time-zone mix-up, or the wrong id);
- long_outage / silent_monitor: from slacore.uptime.problems (outages lasting over 30 days; monitors whose checks
  stop before the end of their log, so that time is unknown, not up);
- no_response_times: ticket sources whose export carries no first-response time at all: first-response targets
  count their tickets' resolution as the response (slacore.metric_defs.first_response);
- fcr_not_measurable: ticket sources whose export carries no agent-reply counts, so the default FCR definition
  cannot be applied to their tickets (they are unmeasured, never guessed).

Outages whose end is before their start never get this far: the incident importer rejects them with that reason.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from .metric_defs.first_response import SOURCES_WITHOUT_RESPONSE_TIMES
from .store import Store

_UNKNOWN_TICKET = """
    FROM surveys s WHERE s.ticket_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.ticket_id = s.ticket_id
                      AND t.source = coalesce(s.ticket_source, t.source))"""
_BEFORE_CREATED = """
    FROM surveys s JOIN tickets t ON t.ticket_id = s.ticket_id AND t.source = coalesce(s.ticket_source, t.source)
    WHERE s.rated_at < t.created_at"""
_FCR_SOURCES = """
    SELECT source, count(*) AS tickets, count(*) FILTER (WHERE resolved_at IS NOT NULL) AS resolved
    FROM tickets GROUP BY source HAVING count(agent_replies) = 0 ORDER BY tickets DESC"""


def problems(store: Store, as_of: datetime | None = None, limit: int = 20) -> list[dict]:
    """[{check, label, count, explanation, examples (a small DataFrame)}] — every check, found or not."""
    from . import uptime

    with store.cursor() as cur:
        unknown_n = cur.execute(f"SELECT count(*) {_UNKNOWN_TICKET}").fetchone()[0]
        unknown = cur.execute(f"SELECT s.source, s.response_id, s.ticket_id, s.rated_at, s.label, s.comment "
                              f"{_UNKNOWN_TICKET} ORDER BY s.rated_at DESC NULLS LAST LIMIT {int(limit)}").df()
        before_n = cur.execute(f"SELECT count(*) {_BEFORE_CREATED}").fetchone()[0]
        before = cur.execute(f"SELECT s.source, s.response_id, s.ticket_id, t.created_at AS ticket_created, "
                             f"s.rated_at {_BEFORE_CREATED} ORDER BY s.rated_at LIMIT {int(limit)}").df()
        fcr = cur.execute(_FCR_SOURCES).df()
        no_response = cur.execute(f"{SOURCES_WITHOUT_RESPONSE_TIMES} ORDER BY tickets DESC, source").df()
    found = [
        {"check": "survey_unknown_ticket", "label": "Survey responses for unknown tickets", "count": int(unknown_n),
         "explanation": "The response names a ticket id no imported ticket has: it counts in CSAT under its own "
                        "team and agent, but a filter on priority, tier or category cannot include it. Import the "
                        "ticket export it belongs to.",
         "examples": unknown},
        {"check": "rated_before_created", "label": "Ratings before the ticket was created", "count": int(before_n),
         "explanation": "A rating time before its ticket's creation: a clock or time-zone mix-up between the two "
                        "exports, or a response linked to the wrong ticket. It still counts, in the period of its "
                        "rating time.",
         "examples": before},
    ]
    found.extend(uptime.problems(store, as_of, limit))  # each with its own explanation (slacore.uptime)
    found.append({
        "check": "no_response_times", "label": "Sources without first-response times", "count": len(no_response),
        "explanation": "These ticket exports carry no first-response time (no stamp and no vendor figure; many Jira "
                       "exports): first-response targets count each ticket's resolution as its response, and an "
                       "unresolved ticket as still unanswered. Import an export with the response column to measure "
                       "the real first response.",
        "examples": no_response})
    found.append({
        "check": "fcr_not_measurable", "label": "Sources FCR cannot be measured on", "count": len(fcr),
        "explanation": "These ticket exports carry no agent-reply counts, so the default first-contact definition "
                       "(resolved, never reopened, at most one agent reply) cannot be applied: their tickets are "
                       "unmeasured, never guessed.",
        "examples": fcr})
    return found


def summary(store: Store, as_of: datetime | None = None) -> pd.DataFrame:
    """One row per check: check, label, count (the Data quality page's tiles)."""
    return pd.DataFrame([{k: p[k] for k in ("check", "label", "count", "explanation")} for p in problems(store, as_of)])
