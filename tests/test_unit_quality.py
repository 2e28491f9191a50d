"""Data-quality checks of surveys and FCR columns (slacore.unit_quality); the uptime ones are slacore.uptime's."""

from __future__ import annotations

from datetime import datetime, timezone

from slacore import unit_quality

UTC = timezone.utc


def test_surveys_for_unknown_tickets_ratings_before_creation_and_sources_fcr_cannot_use(store):
    with store.transaction() as cur:
        cur.executemany("INSERT INTO tickets (source, ticket_id, created_at, agent_replies) VALUES (?, ?, ?, ?)",
                        [("desk", "1", datetime(2025, 3, 5, tzinfo=UTC), 1),
                         ("mail", "9", datetime(2025, 3, 5, tzinfo=UTC), None)])
        cur.executemany("INSERT INTO surveys (source, response_id, ticket_id, rated_at, answered) "
                        "VALUES ('poll', ?, ?, ?, true)",
                        [("a", "1", datetime(2025, 3, 4, tzinfo=UTC)),  # before its ticket was created
                         ("b", "1", datetime(2025, 3, 6, tzinfo=UTC)),
                         ("c", "404", datetime(2025, 3, 6, tzinfo=UTC)),  # no such ticket
                         ("d", None, datetime(2025, 3, 6, tzinfo=UTC))])  # no ticket named: not a problem
    found = {p["check"]: p for p in unit_quality.problems(store)}
    assert found["survey_unknown_ticket"]["count"] == 1
    assert found["survey_unknown_ticket"]["examples"]["response_id"].tolist() == ["c"]
    assert found["rated_before_created"]["count"] == 1
    assert found["rated_before_created"]["examples"]["response_id"].tolist() == ["a"]
    assert found["fcr_not_measurable"]["examples"]["source"].tolist() == ["mail"]
    assert {"long_outage", "silent_monitor"} <= set(found)
    assert all(p["explanation"] for p in found.values())
