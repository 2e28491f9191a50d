"""The metric registry: every metric-specific answer comes from slacore.metric_defs, and a metric of a new shape (no
threshold, no calendar) fits through targets, YAML, the target table, the engine, what-if and the summary as one
module, with no branch elsewhere. The toy metric below exists only in this test."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest

from slacore import metric_defs
from slacore.metric_defs import BREACHED, MET, PENDING, Metric

UTC = timezone.utc


@dataclass(frozen=True)
class Acknowledged(Metric):
    """A ticket is good when a person answered it before it was resolved; no threshold, no calendar."""

    def judge_sql(self, target, clock, as_of):
        at = f"TIMESTAMPTZ '{as_of.isoformat()}'"
        answered, solved = f"t.first_response_at <= {at}", f"t.resolved_at <= {at}"
        return f"coalesce({answered} OR {solved}, false)", f"CASE WHEN {answered} THEN 1 ELSE 0 END"

    def status_sql(self, target, done, value):
        return f"CASE WHEN {done} THEN (CASE WHEN {value} = 1 THEN {MET} ELSE {BREACHED} END) ELSE {PENDING} END"


TOY = Acknowledged(name="acknowledged", label="Acknowledged", noun="acknowledgement", verb="acknowledged",
                   threshold=False, calendar=False,
                   summary_fields={"met": "tickets answered before resolution", "breached": "resolved unanswered",
                                   "pending": "neither yet"})


@pytest.fixture
def toy(monkeypatch):
    monkeypatch.setitem(metric_defs.METRICS, TOY.name, TOY)
    return TOY


def u(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_registry_answers_what_the_code_used_to_test_by_name():
    from slacore import benchmarks, clocks, targets

    fr, res = metric_defs.get("first_response"), metric_defs.get("resolution")
    assert (fr.verb, res.verb, fr.label, res.label) == ("answered", "resolved", "First response", "Resolution")
    assert targets.METRICS == {"first_response": "First response", "resolution": "Resolution", "csat": "CSAT",
                               "fcr": "First contact resolution", "uptime": "Uptime"}
    assert targets.MEASURES == ("app", "vendor", "no_follow_up", "first_contact", "with_planned")
    assert targets.PAUSES == ("pending", "on_hold")
    assert res.pauses and not fr.pauses
    assert clocks.WHICH == {"created": "created_at", "response": "first_response_at", "resolved": "resolved_at"}
    # Benchmarks keep no registry of their own: one entry per metric with figures, measured ones first.
    assert list(benchmarks.METRICS) == ["first_response", "resolution", "csat", "fcr", "uptime", "csat_index"]
    assert benchmarks.MEASURED == ("first_response", "resolution")
    assert set(benchmarks.NOT_MEASURED_WHY) == {"csat_index"}
    assert benchmarks.METRIC_UNITS["csat_index"] == (benchmarks.INDEX_UNIT,)
    for metric in metric_defs.METRICS.values():
        assert {"met", "breached", "pending"} <= set(metric.summary_fields) <= {"met", "breached", "pending",
                                                                                "unmeasured"}
        assert metric.benchmark is None or metric.benchmark.metric == metric.name


def test_a_metric_without_threshold_or_calendar_fits_everywhere_as_one_module(toy, store, capsys):
    from slacore.cli import main
    from slacore.metrics import summarize
    from slacore.sla_yaml import export_yaml, parse_yaml, apply_yaml
    from slacore.target_table import targets_frame, targets_from_frame
    from slacore.targets import build_target, current_targets, history
    from slacore.whatif import measurement_notes, recommend_threshold

    with store.transaction() as cur:
        cur.executemany(
            "INSERT INTO tickets (source, ticket_id, created_at, first_response_at, resolved_at) "
            "VALUES ('s', ?, ?, ?, ?)",
            [("1", u(2025, 3, 3, 9), u(2025, 3, 3, 10), u(2025, 3, 3, 12)),  # acknowledged
             ("2", u(2025, 3, 4, 9), None, u(2025, 3, 4, 11)),  # resolved unanswered
             ("3", u(2025, 3, 5, 9), u(2025, 3, 5, 9, 30), None),  # acknowledged, still open
             ("4", u(2025, 3, 6, 9), None, None)])  # neither yet
    # YAML: no `within` asked; one given is refused with the field named.
    config = parse_yaml("targets:\n  - {name: Ack, metric: acknowledged, goal: 60%}\n")
    assert config.targets[0][0].within_s == 0
    with pytest.raises(Exception, match=r"line 2: targets\[1\]\.within: acknowledgement has no threshold"):
        parse_yaml("targets:\n  - {name: Ack, metric: acknowledged, within: 1h, goal: 60%}\n")
    assert apply_yaml(store, "targets:\n  - {name: Ack, metric: acknowledged, goal: 60%}\n")["created"] == 1
    target = current_targets(store)[0]
    assert target.describe() == "60% of all tickets acknowledged"
    assert history(store)["change"].tolist() == ["60% of all tickets acknowledged"]
    assert "within" not in export_yaml(store)
    frame = targets_frame([target])
    assert frame["within"].tolist() == [""] and targets_from_frame(frame) == [build_target("Ack", "acknowledged", "",
                                                                                           "60%")]
    with pytest.raises(ValueError, match="pause: only resolution clocks pause"):
        build_target("Ack", "acknowledged", None, "60%", pause=["pending"])

    row = summarize(store, date(2025, 3, 1), date(2025, 3, 31), u(2025, 3, 31)).iloc[0]
    assert (row["met"], row["breached"], row["pending"], row["attainment"], row["goal_met"]) == (2, 1, 1, 66.7, True)
    assert recommend_threshold(store, target)[2] == "Acknowledged has no threshold: there is none to recommend."
    assert measurement_notes(store, target) == []
    assert main(["summary", "--from", "2025-03-01", "--to", "2025-03-31", "--as-of", "2025-03-31T00:00:00Z",
                 "--db", str(store.path), "--json"]) == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line == {"targets": [{"name": "Ack", "metric": "acknowledged", "goal": 60.0, "met": 2, "breached": 1,
                                 "pending": 1, "attainment": 66.7, "goal_met": True}]}
