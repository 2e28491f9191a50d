"""The sample data's numbers, pinned: `summary --json`, target sentences, what-if, benchmarks and page aggregates.

A refactor of the metrics must not move a single figure. The snapshot (tests/fixtures/golden_sample.json) was
recorded from the code before the metric registry; every template, both measures, pauses and several calendars
and as-of times are in it. Re-record (only for an intended change of behaviour, and say so in the commit) with
`UPDATE_GOLDEN=1 python -m pytest tests/test_golden_sample.py`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timezone

import pytest

from paths import REPO

GOLDEN = REPO / "tests" / "fixtures" / "golden_sample.json"
AS_OF = datetime(2026, 10, 20, 12, 0, tzinfo=timezone.utc)

EXTRA_YAML = """\
targets:
  - {name: Vendor first response, metric: first_response, within: 2h, goal: 80%, calendar: care-hours, measure: vendor}
  - {name: Vendor resolution, metric: resolution, where: {channel: [email, chat]}, within: 24h, goal: 70%,
     calendar: care-hours, measure: vendor}
  - {name: Paused resolution 24x7, metric: resolution, where: {team: [Billing]}, within: 8h, goal: 75%,
     pause: [pending, on_hold]}
"""

SUMMARIES = [  # (--from, --to, --as-of or None)
    ("2025-10-01", "2026-10-31", None),
    ("2026-07-01", "2026-09-30", None),
    ("2026-10-01", "2026-10-31", "2026-10-20T12:00:00Z"),
    ("2026-01-15", "2026-01-15", "2026-01-15T13:30:00+00:00"),
]


def _frame(frame, ordered: bool = True) -> list:
    """Records as JSON values; `ordered=False` for results whose order has ties (sorted here, not by the query)."""
    records = json.loads(frame.to_json(orient="records", date_format="iso", double_precision=9))
    return records if ordered else sorted(records, key=lambda r: json.dumps(r, sort_keys=True))


def _snapshot(db_path) -> dict:
    from slacore import analysis, benchmarks
    from slacore.cli import main
    from slacore.metrics import Evaluation, Filters, set_workspace_timezone, summarize
    from slacore.sample import load_sample_data
    from slacore.sla_yaml import apply_yaml, export_yaml
    from slacore.store import close_all, open_store
    from slacore.targets import current_targets
    from slacore.templates import TEMPLATES, template_yaml
    from slacore.whatif import measurement_notes, recent_attainment, recommend_threshold

    store = open_store(db_path)
    load_sample_data(store)
    for name in TEMPLATES:
        apply_yaml(store, template_yaml(name), author="golden", source=name)
    apply_yaml(store, EXTRA_YAML, author="golden", source="extra")
    targets = current_targets(store)
    out: dict = {"describe": [t.describe() for t in targets]}
    out["whatif"] = {t.name: [recommend_threshold(store, t, as_of=AS_OF)[2], measurement_notes(store, t),
                              _frame(recent_attainment(store, t, weeks=6, as_of=AS_OF))] for t in targets}
    start, end, previous = date(2026, 7, 22), date(2026, 10, 19), (date(2026, 4, 23), date(2026, 7, 21))
    view = analysis.performance_view(store, start, end, previous, AS_OF, Filters())
    some = {targets[0].name, targets[1].name, targets[-2].name, targets[-1].name}
    out["performance"] = {"tiles": _frame(view["tiles"]), "team": _frame(view["dims"]["team"]),
                          "priority": _frame(view["dims"]["priority"]),
                          "heat": _frame(view["heat"][view["heat"]["target"].isin(some)]),
                          "risk": _frame(view["risk"].head(40), False), "risk_rows": len(view["risk"])}
    out["distribution"] = {}
    for t in targets[:2] + targets[-3:]:
        hist, within, tail = analysis.target_distribution(store, t.name, start, end, AS_OF, Filters())
        out["distribution"][t.name] = [_frame(hist), within, tail]
    with Evaluation(store, start=start, end=end, as_of=AS_OF, filters=Filters(channel=("email",))) as ev:
        out["by_period"] = _frame(ev.by_period("month"))
        out["drill"] = _frame(ev.tickets(targets[0].name, "breached", limit=20), False)
        out["groups"] = _frame(analysis.compare_groups(ev, "team"), False)
    standing = benchmarks.team_standing(store, start, end, Filters(), as_of=AS_OF)
    out["standing"] = _frame(standing[["key", "metric", "metric_label", "figure", "yours", "standing", "within_text",
                                       "comparison", "verdict", "median_minutes", "tickets", "answered"]])
    out["periods"] = _frame(benchmarks.period_comparison(store, start, end, as_of=AS_OF))
    out["yaml"] = export_yaml(store)
    # The data-quality switch and listed ids, through every route that applies the filter bar.
    switch = Filters(exclude_suspicious=True, priority=("high", "urgent"))
    ids = Filters(exclude_ids=(("sample-zendesk", "50002"), ("sample-freshdesk", "1001")), team=("Billing",))
    out["switch"] = {
        "summary": _frame(summarize(store, start, end, AS_OF, switch)),
        "ids": _frame(summarize(store, start, end, AS_OF, ids)),
        "volume": _frame(analysis.volume(store, "month", start, end, switch, "UTC")),
        "volume_ids": _frame(analysis.volume(store, "month", start, end, ids, "UTC")),
        "standing": _frame(benchmarks.team_standing(store, start, end, switch, as_of=AS_OF)[
            ["key", "standing", "within_text", "median_minutes"]]),
        "standing_ids": _frame(benchmarks.team_standing(store, start, end, ids, as_of=AS_OF)[
            ["key", "standing", "within_text", "median_minutes"]]),
    }
    # The same in another workspace zone (periods cut at Berlin midnight), then back.
    set_workspace_timezone(store, "Europe/Berlin")
    berlin = analysis.performance_view(store, start, end, previous, AS_OF, Filters(team=("Tier 1", "Billing")))
    out["berlin"] = {"tiles": _frame(berlin["tiles"]), "channel": _frame(berlin["dims"]["channel"]),
                     "summary": _frame(summarize(store, date(2026, 3, 1), date(2026, 3, 31), AS_OF))}
    set_workspace_timezone(store, "UTC")
    close_all()

    def cli(*args) -> str:
        env = {k: v for k, v in os.environ.items() if k not in ("SLA_DB", "SLACORE_DEBUG")}
        proc = subprocess.run([sys.executable, "-m", "slacore", *map(str, args), "--db", str(db_path)], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    out["summary_json"] = []
    for lo, hi, as_of in SUMMARIES:
        extra = ["--as-of", as_of] if as_of else []
        if as_of is None and lo == SUMMARIES[0][0]:  # the contract as a user runs it: a real process
            text = cli("summary", "--from", lo, "--to", hi, "--json")
        else:
            import io
            from contextlib import redirect_stdout

            buffer = io.StringIO()
            with redirect_stdout(buffer):
                assert main(["summary", "--from", lo, "--to", hi, *extra, "--db", str(db_path), "--json"]) == 0
            text = buffer.getvalue()
        out["summary_json"].append(text.strip().splitlines()[-1])  # the exact bytes of the JSON line
    out["summary_text"] = cli("summary", "--from", "2026-07-01", "--to", "2026-09-30")
    out["targets_list"] = cli("targets", "list", "--json").strip().splitlines()[-1]
    close_all()
    return out


def test_the_sample_data_numbers_are_unchanged(tmp_path):
    got = _snapshot(tmp_path / "golden.duckdb")
    text = json.dumps(got, indent=1, ensure_ascii=False, sort_keys=True, default=str) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
        pytest.skip("golden snapshot re-recorded")
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    got = json.loads(text)
    for hist, *_ in (*want["distribution"].values(), *got["distribution"].values()):
        hist.sort(key=lambda row: (row["minutes"], row["outcome"]))  # a bin's outcomes come in no fixed order
    for key in want:  # one section at a time, so a failure names what moved
        assert got[key] == want[key], key
    assert got.keys() == want.keys()
    # The JSON contract byte for byte, and every line carries data (the snapshot is not vacuous).
    assert got["summary_json"] == want["summary_json"]
    first = json.loads(got["summary_json"][0])["targets"]
    assert len(first) == 29 and sum(t["met"] + t["breached"] for t in first) > 10000  # 24 ticket targets, 5 others
