"""Uptime through the engine and the summary: time-weighted attainment, the error budget and service credits,
against hand-computed figures (slacore.uptime's own oracle tests cover the stretches themselves)."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from slacore.cli import main
from slacore.metrics import Evaluation
from slacore.scope import Filters
from slacore.sla_yaml import apply_yaml

UTC = timezone.utc


def u(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def outages(store):
    with store.transaction() as cur:
        cur.execute("INSERT INTO imports (import_id, kind, file_name, sha256, format, source, timezone, rows_read, "
                    "loaded, updated, rejected, duplicates, started_at, finished_at, covers_from) VALUES (1, "
                    "'incidents', 'log.csv', 'x', 'generic', 'log', 'UTC', 4, 4, 0, 0, 0, now(), now(), ?)",
                    [u(2025, 11, 1)])
        cur.executemany(
            "INSERT INTO incidents (source, incident_id, service, started_at, ended_at, planned, down, import_id) "
            "VALUES ('log', ?, ?, ?, ?, ?, true, 1)",
            [("1", "API", u(2025, 11, 3, 10), u(2025, 11, 3, 10, 30), False),  # 30 min
             ("2", "API", u(2025, 11, 3, 10, 20), u(2025, 11, 3, 10, 45), False),  # overlaps: +15 min
             ("3", "API", u(2025, 11, 30, 23, 50), u(2025, 12, 1, 0, 20), False),  # 10 min in Nov, 20 in Dec
             ("4", "API", u(2025, 11, 10, 2), u(2025, 11, 10, 4), True),  # planned: excluded by default
             ("5", "VPN", u(2025, 11, 5), u(2025, 11, 5, 0, 5), False)])
    apply_yaml(store, "targets:\n"
                      "  - name: API\n    metric: uptime\n    where: {service: API}\n    goal: 99.9%\n"
                      "    credits: [{below: 99.9%, credit: 10%}, {below: 99%, credit: 25%}]\n"
                      "  - {name: API all, metric: uptime, measure: with_planned, where: {service: API}, goal: 99%}\n")
    return store


def test_uptime_is_time_weighted_with_overlaps_counted_once_and_planned_work_left_out(outages):
    with Evaluation(outages, start=date(2025, 11, 1), end=date(2025, 11, 30), as_of=u(2025, 12, 15),
                    filters=Filters(team=("Billing",))) as ev:  # ticket filters do not narrow uptime
        rows = ev.summary().set_index("name")
        extra = ev.extras()
    month = 30 * 86400
    api = rows.loc["API"]
    assert (api["breached"], api["unmeasured"], api["met"]) == (55 * 60, 2 * 3600, month - 55 * 60 - 2 * 3600)
    assert api["attainment"] == pytest.approx(round(100 * (1 - 3300 / (month - 7200)), 3))  # three decimals
    period = extra["API"]["periods"][0]
    assert period["allowed_down_s"] == pytest.approx(0.001 * (month - 7200), abs=0.1)
    assert period["credit_percent"] == 10.0 and period["partial"] is False
    every = rows.loc["API all"]  # planned maintenance counted as downtime
    assert (every["breached"], every["met"] + every["breached"]) == (55 * 60 + 7200, month)


def test_the_summary_json_keeps_its_keys_and_adds_the_budget(outages, capsys):
    assert main(["summary", "--from", "2025-11-01", "--to", "2025-11-30", "--as-of", "2025-12-15T00:00:00Z",
                 "--db", str(outages.path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    api = out["targets"][0]
    assert {"name", "metric", "goal", "met", "breached", "pending", "attainment", "goal_met"} <= set(api)
    assert api["metric"] == "uptime" and api["breached"] == 3300 and api["unmeasured"] == 7200
    assert api["uptime"]["budget"] == "month" and api["uptime"]["periods"][0]["period"] == "2025-11-01T00:00:00"
    assert main(["summary", "--from", "2025-11-01", "--to", "2025-11-30", "--as-of", "2025-12-15T00:00:00Z",
                 "--db", str(outages.path)]) == 0
    text = capsys.readouterr().out
    assert "credit owed 10%" in text and "55.0 min down of" in text


def test_what_if_a_goal_counts_the_months_it_would_have_missed(outages):
    from slacore.targets import current_targets
    from slacore.whatif import measurement_notes, missed_periods

    api = {t.name: t for t in current_targets(outages)}["API"]
    frame, sentence = missed_periods(outages, api, 0.9995, periods=2, as_of=u(2025, 12, 15))
    # November: 55 min down of 718 h measured (99.92%) misses 99.95%; December so far: 20 min of 14 days (99.90%).
    assert frame["missed"].tolist() == [True, True]
    assert sentence == "At 99.95% you would have missed 2 of the last 2 months."
    _, sentence = missed_periods(outages, api, 0.99, periods=2, as_of=u(2025, 12, 15))
    assert sentence == "At 99% you would have missed 0 of the last 2 months."
    assert measurement_notes(outages, api) == []


def test_the_error_budget_burns_day_by_day_and_resets_each_month(outages):
    from slacore.budget import burn, burn_chart
    from slacore.targets import current_targets

    api = {t.name: t for t in current_targets(outages)}["API"]
    with Evaluation(outages, [api], date(2025, 11, 1), date(2025, 12, 10), u(2025, 12, 10, 12)) as ev:
        november = burn(ev, api, date(2025, 11, 1))
        december = burn(ev, api)  # the last period with data
    assert len(november) == 30 and november["used_s"].iloc[-1] == 55 * 60
    assert november.loc[november["day"] == "2025-11-03", "used_s"].item() == 45 * 60
    assert november["budget_s"].iloc[0] == pytest.approx(0.001 * 30 * 86400)
    assert november["even_s"].iloc[-1] == pytest.approx(november["budget_s"].iloc[0])
    assert december["used_s"].iloc[0] == 20 * 60 and december["budget_s"].iloc[0] == pytest.approx(0.001 * 31 * 86400)
    spec = burn_chart(november, "API").to_dict()
    assert spec["title"]["text"] == "API" and len(spec["layer"]) == 4


def test_the_drilldown_lists_downtime_first(outages):
    from slacore.metric_defs import get

    with Evaluation(outages, start=date(2025, 11, 1), end=date(2025, 11, 30), as_of=u(2025, 12, 15)) as ev:
        rows = get("uptime").drilldown(ev, "API")
        down = get("uptime").drilldown(ev, "API", "breached")
    assert rows["outcome"].iloc[0] == "breached" and down["minutes"].sum() == 55.0
    assert set(down["state"]) == {"down"} and set(down["service"]) == {"API"}


def test_saving_the_targets_table_keeps_uptimes_service_credits_and_budget(outages):
    """The Targets page's table round-trips every field: an uptime target's service scope, credit schedule and
    budget period are columns of their own, so saving the table unchanged changes nothing."""
    from slacore.target_table import save_targets_table, targets_frame
    from slacore.targets import current_targets

    before = current_targets(outages)
    frame = targets_frame(before)
    assert frame.loc[frame["name"] == "API", ["service", "credits", "budget"]].values.tolist() == [
        ["API", "99.9%: 10%; 99%: 25%", "month"]]
    counts = save_targets_table(outages, frame, author="t", reason="", effective=None)
    assert counts == {"created": 0, "changed": 0, "unchanged": 2, "retired": 0}
    frame.loc[frame["name"] == "API", "credits"] = "99.5%: 5%"
    save_targets_table(outages, frame, author="t", reason="new contract", effective=None)
    assert {t.name: t for t in current_targets(outages)}["API"].credits == ((0.995, 0.05),)
