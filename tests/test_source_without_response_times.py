"""A source whose export has no first-response times (many Jira exports) is said so: on the tile's line, in the
summary and in Data quality — not a silent 0% or a silent 100%."""

from __future__ import annotations

from datetime import date, datetime, timezone

from slacore import unit_quality
from slacore.metric_defs import get
from slacore.metrics import Evaluation
from slacore.sla_yaml import apply_yaml

UTC = timezone.utc


def _two_sources(store):
    """desk records response times; jira records none (two resolved tickets, one open)."""
    rows = [("desk", "1", datetime(2025, 3, 3, 9, tzinfo=UTC), datetime(2025, 3, 3, 9, 30, tzinfo=UTC),
             datetime(2025, 3, 4, tzinfo=UTC)),
            ("jira", "J-1", datetime(2025, 3, 3, 9, tzinfo=UTC), None, datetime(2025, 3, 3, 9, 20, tzinfo=UTC)),
            ("jira", "J-2", datetime(2025, 3, 5, 9, tzinfo=UTC), None, datetime(2025, 3, 7, tzinfo=UTC)),
            ("jira", "J-3", datetime(2025, 3, 6, 9, tzinfo=UTC), None, None)]
    with store.transaction() as cur:
        cur.executemany("INSERT INTO tickets (source, ticket_id, created_at, first_response_at, resolved_at, priority) "
                        "VALUES (?, ?, ?, ?, ?, 'normal')", rows)
    apply_yaml(store, "targets:\n  - {name: Reply, metric: first_response, within: 1h, goal: 90%}\n"
                      "  - {name: Solve, metric: resolution, within: 72h, goal: 90%}\n")


def test_the_tile_and_summary_name_the_source_and_what_counts_instead(store):
    _two_sources(store)
    with Evaluation(store, start=date(2025, 3, 1), end=date(2025, 3, 31), as_of=datetime(2025, 4, 1, tzinfo=UTC)) as ev:
        extras = ev.extras()
    assert extras["Reply"] == {"without_response_times": 3, "sources_without_response_times": ["jira"]}
    assert "Solve" not in extras  # resolution needs no response column
    line = get("first_response").tile_line(extras["Reply"])
    assert line == ("3 tickets from jira: that export has no first-response times, so the resolution counts as the "
                    "response.")
    assert get("first_response").extra_lines(extras["Reply"]) == [": " + line]  # follows the name


def test_data_quality_lists_the_source(store):
    _two_sources(store)
    found = {p["check"]: p for p in unit_quality.problems(store)}
    check = found["no_response_times"]
    assert check["count"] == 1
    assert check["examples"][["source", "tickets", "resolved"]].values.tolist() == [["jira", 3, 2]]
    assert "resolution as its response" in check["explanation"]


def test_a_source_with_response_times_adds_nothing(store):
    with store.transaction() as cur:
        cur.execute("INSERT INTO tickets (source, ticket_id, created_at, first_response_at, priority) VALUES "
                    "('desk', '1', TIMESTAMPTZ '2025-03-03 09:00+00', TIMESTAMPTZ '2025-03-03 09:10+00', 'normal')")
    apply_yaml(store, "targets:\n  - {name: Reply, metric: first_response, within: 1h, goal: 90%}\n")
    with Evaluation(store, start=date(2025, 3, 1), end=date(2025, 3, 31), as_of=datetime(2025, 4, 1, tzinfo=UTC)) as ev:
        assert ev.extras() == {}
    assert {p["check"]: p for p in unit_quality.problems(store)}["no_response_times"]["count"] == 0


def test_the_data_quality_page_names_the_source(empty_app):
    from apptest_helpers import assert_clean, open_page
    from slacore.store import open_store

    _two_sources(open_store(empty_app))
    at = assert_clean(open_page("pages/quality.py", {"period": "custom", "from": "2025-03-01", "to": "2025-03-31"}))
    labels = [e.label for e in at.expander]
    assert "Sources without first-response times: 1" in labels, labels
    assert any(s.value == "Sources, surveys, outages and monitors" for s in at.subheader)


def test_the_performance_tile_says_what_counts_instead(empty_app):
    from apptest_helpers import assert_clean, open_page
    from slacore.store import open_store

    _two_sources(open_store(empty_app))
    at = assert_clean(open_page("pages/performance.py", {"period": "custom", "from": "2025-03-01", "to": "2025-03-31"}))
    captions = [c.value for c in at.caption]
    assert any("3 tickets from jira: that export has no first-response times" in c for c in captions), captions
