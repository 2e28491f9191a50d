"""Incident logs and monitor check logs (`--kind incidents`, `--kind checks`): each format of issue 8 with a
realistic file in tests/fixtures/incidents/ and tests/fixtures/checks/ (written after the tools' documented export
and API fields), hand-counted expectations, and the uptime they give."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from slacore import uptime
from slacore.errors import UserError
from slacore.importers.machinery import ImportOptions, delete_import
from slacore.kinds import import_any, plan_any

FIXTURES = Path(__file__).resolve().parent / "fixtures"
INCIDENTS = FIXTURES / "incidents"
CHECKS = FIXTURES / "checks"
UTC = timezone.utc


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def rows(store, sql, params=None):
    return store.rows(sql, params)


def test_generic_log_with_planned_flag_open_outage_and_end_before_start(store):
    report = import_any(store, INCIDENTS / "generic_log.csv")
    assert report.kind == "incidents" and report.format == "generic"
    assert (report.loaded, report.rejected) == (5, 1)
    assert list(report.rejected_rows.reason) == ["end before start: ended 2026-01-21 11:00, started 2026-01-21 12:00"]
    assert rows(store, "SELECT service, planned, down, severity, ended_at IS NULL, title FROM incidents "
                       "ORDER BY started_at") == [
        ("API", False, True, "major", False, "API latency above 10s"),
        ("API", False, True, "minor", False, "Webhook dispatcher stalled"),
        ("Web app", True, True, "maintenance", False, "Database upgrade"),
        ("Web app", False, True, "critical", False, "Login page returning 502 errors"),
        ("VPN", False, True, "major", True, "Remote agents unable to connect"),
    ]
    assert report.facts["open_incidents"] == 1 and report.facts["planned_maintenance"] == 1
    # the two API outages overlap (10:00-10:37, 10:20-11:00): one hour down, counted once
    with store.cursor() as cur:
        name = uptime.build_units(cur, ts("2026-01-10"), ts("2026-01-11"), ts("2026-01-11"), "UTC")
        assert cur.execute(f"SELECT state, sum(seconds) FROM {name} WHERE service = 'API' GROUP BY ALL "
                           "ORDER BY 1").fetchall() == [("down", 3600), ("up", 86400 - 3600)]


def test_reimporting_the_same_log_replaces_its_incidents(store):
    import_any(store, INCIDENTS / "generic_log.csv")
    again = import_any(store, INCIDENTS / "generic_log.csv")
    assert (again.loaded, again.updated) == (0, 5)
    assert store.scalar("SELECT count(*) FROM incidents") == 5


def test_statuspage_impact_none_is_no_downtime_maintenance_is_planned_components_split(store):
    report = import_any(store, INCIDENTS / "statuspage_incidents.csv")
    assert report.format == "statuspage" and report.source == "statuspage-incidents"
    assert (report.loaded, report.rejected) == (6, 0)
    got = rows(store, "SELECT incident_id, service, planned, down, severity, status, ended_at IS NULL "
                      "FROM incidents ORDER BY started_at, service")
    assert got == [
        ("p31zjtct2jer / API", "API", False, True, "major", "resolved", False),
        ("p31zjtct2jer / Webhooks", "Webhooks", False, True, "major", "resolved", False),
        ("5k9t7lq8n1kd", "Email gateway", False, True, "minor", "resolved", False),
        ("w0hx8ksd9c1q", "API", True, True, "maintenance", "completed", False),
        ("r7d2kq0ls3mz", "API", False, False, "none", "resolved", False),
        ("z8m3n2b1v0cx", "Web app", False, True, "critical", "investigating", True),
    ]
    # started_at (10:00) wins over created_at (10:02) when the export has both
    assert rows(store, "SELECT started_at FROM incidents WHERE incident_id = 'p31zjtct2jer / API'") == \
        [(ts("2026-01-10 10:00"),)]
    assert report.facts["split_by_component"] == 1 and report.facts["not_downtime"] == 1


def test_pagerduty_dump_dict_text_service_acknowledgement_mtta_mttr(store):
    report = import_any(store, INCIDENTS / "pagerduty_incidents.csv")
    assert report.format == "pagerduty" and (report.loaded, report.rejected) == (3, 0)
    assert rows(store, "SELECT incident_id, service, severity, acknowledged_at, ended_at FROM incidents "
                       "ORDER BY started_at") == [
        ("Q1VXW5ZTS0LL2K", "API", "high", ts("2026-01-10 10:04"), ts("2026-01-10 10:45")),
        ("Q2ABQ0Z9RT1M7N", "Web app", "high", ts("2026-01-11 22:30"), ts("2026-01-11 23:40")),
        ("Q3KLM4N5OP6Q7R", "Email gateway", "low", None, None),
    ]
    # MTTA (4 + 20) / 2 = 12 min; MTTR (45 + 90) / 2 = 67.5 min
    assert uptime.mtta_mttr(store) == {"incidents": 3, "mtta_min": 12.0, "acknowledged": 2, "mttr_min": 67.5,
                                       "resolved": 2}
    extra = json.loads(store.scalar("SELECT extra FROM incidents WHERE incident_id = 'Q1VXW5ZTS0LL2K'"))
    assert extra["incident_number"] == "1021"


def test_uptimerobot_events_become_intervals(store):
    report = import_any(store, INCIDENTS / "uptimerobot_log.csv")
    assert report.format == "uptimerobot" and (report.loaded, report.rejected) == (4, 0)
    assert report.facts["up_events_skipped"] == 4
    assert rows(store, "SELECT service, started_at, ended_at, down, status, title FROM incidents "
                       "ORDER BY started_at") == [
        ("Website", ts("2026-01-10 10:00"), ts("2026-01-10 11:03"), True, "down", "Connection Timeout"),  # 1 hrs 3
        ("API", ts("2026-01-12 08:00"), ts("2026-01-12 08:05"), True, "down", "502 Bad Gateway"),
        ("Website", ts("2026-01-15 10:00"), ts("2026-01-15 10:30"), False, "paused", "Paused by user"),
        ("API", ts("2026-01-20 09:00"), None, True, "down", "Connection Timeout"),  # the latest event: still down
    ]
    # the log covers from its first event (an Up event) on
    assert rows(store, "SELECT covers_from, covers_to FROM imports") == [(ts("2026-01-01"), ts("2026-01-20 09:00"))]
    with store.cursor() as cur:
        name = uptime.build_units(cur, ts("2026-01-01"), ts("2026-01-21"), ts("2026-01-21"), "UTC")
        got = dict(cur.execute(f"SELECT state, sum(seconds) FROM {name} WHERE service = 'Website' GROUP BY ALL")
                   .fetchall())
    assert got == {"down": 63 * 60, "up": 20 * 86400 - 63 * 60}


@pytest.mark.parametrize("text, seconds", [("1 hrs, 3 mins", 3780), ("2 days, 0 hrs, 5 mins", 173100),
                                           ("45 secs", 45), ("01:03:00", 3780), ("0 hrs, 0 mins", 0)])
def test_event_log_durations(store, text, seconds):
    from slacore.kinds.incidents import duration_seconds_sql

    assert store.scalar(f"SELECT {duration_seconds_sql('$1::VARCHAR')}", [text]) == seconds


def test_sample_outage_log_is_recognised_as_incidents(store):
    from slacore import config

    report = import_any(store, config.SAMPLE_DIR / "outages.csv")
    assert report.kind == "incidents" and (report.loaded, report.rejected) == (40, 0)


def test_a_ticket_export_is_still_tickets(store):
    report = import_any(store, FIXTURES / "zendesk_export.csv")
    assert report.kind == "tickets"


def test_missing_service_column_is_one_sentence(store, tmp_path):
    path = tmp_path / "no_service.csv"
    path.write_text("Start,End,Description\n2026-01-10 10:00,2026-01-10 11:00,x\n")
    with pytest.raises(UserError, match="service"):
        import_any(store, path, kind="incidents")
    assert store.scalar("SELECT count(*) FROM imports") == 0


def test_deleting_the_import_removes_its_incidents(store):
    report = import_any(store, INCIDENTS / "generic_log.csv")
    delete_import(store, report.import_id)
    assert store.scalar("SELECT count(*) FROM incidents") == 0


# -- check logs ----------------------------------------------------------------------------------------------
def test_headerless_timestamp_url_up_response_time(store):
    report = import_any(store, CHECKS / "headerless_up.csv")
    assert report.kind == "checks" and report.facts["headerless"]
    assert (report.loaded, report.rejected) == (120, 0)  # the first line is data, not a header
    assert rows(store, "SELECT service, checked_at, up, response_ms FROM checks ORDER BY checked_at, service "
                       "LIMIT 2") == [("https://api.example.com/ping", ts("2026-01-10"), True, 45.0),
                                      ("https://shop.example.com/health", ts("2026-01-10"), True, 120.0)]
    assert rows(store, "SELECT covers_from, covers_to FROM imports") == [(ts("2026-01-10"), ts("2026-01-10 01:59"))]
    # 00:00-00:29 and 01:30-01:59 each minute; 00:03-00:05 failed; max gap 3 x 60 s
    with store.cursor() as cur:
        name = uptime.build_units(cur, ts("2026-01-10"), ts("2026-01-10 02:00"), ts("2026-01-10 02:00"), "UTC")
        got = dict(cur.execute(f"SELECT state, sum(seconds) FROM {name} WHERE service LIKE '%shop%' GROUP BY ALL")
                   .fetchall())
    # up: 29 one-minute intervals less the 3 failed, 00:29 + 3 min, 29 more, 01:59 to the as-of time (1 min)
    up = (29 - 3) * 60 + 180 + 29 * 60 + 60
    assert got == {"down": 180, "up": up, "unknown": 7200 - 180 - up}
    listed = uptime.outages(store, ts("2026-01-10"), ts("2026-01-11"), ts("2026-01-10 02:00"))
    assert list(listed.failed_checks) == [3] and list(listed.started_at) == [ts("2026-01-10 00:03")]


def test_headerless_url_date_time_status_text(store):
    report = import_any(store, CHECKS / "headerless_status_text.csv", options=ImportOptions(timezone="Europe/Berlin"))
    assert report.kind == "checks" and (report.loaded, report.rejected) == (12, 0)
    got = rows(store, "SELECT checked_at, up, status_text FROM checks ORDER BY checked_at")
    assert got[0] == (ts("2026-01-09 23:00"), True, "200")  # 00:00 in Berlin
    assert [(u, t) for _, u, t in got[2:5]] == [(False, "DOWN"), (False, "timeout"), (False, "503")]


def test_check_log_with_header_rejects_an_unreadable_result(store):
    report = import_any(store, CHECKS / "with_header.csv")
    assert report.kind == "checks" and (report.loaded, report.rejected) == (4, 1)
    assert list(report.rejected_rows.reason) == ["unreadable check result: maybe"]
    assert rows(store, "SELECT up, response_ms, status_text FROM checks WHERE NOT up") == [(False, None, "HTTP 500")]


def test_checks_of_two_services_at_the_same_time_are_both_kept_and_reimport_replaces(store):
    import_any(store, CHECKS / "headerless_up.csv")
    again = import_any(store, CHECKS / "headerless_up.csv")
    assert (again.loaded, again.updated) == (0, 120)
    assert store.scalar("SELECT count(*) FROM checks") == 120


@pytest.mark.parametrize("cell, up", [("1", True), ("0", False), ("true", True), ("DOWN", False), ("OK", True),
                                      ("200", True), ("301", True), ("503", False), ("timeout", False),
                                      ("Connection timed out", False), ("HTTP 500", False), ("maybe", None)])
def test_check_results(store, cell, up):
    from slacore.kinds.checks import up_sql

    assert store.scalar(f"SELECT {up_sql('$1::VARCHAR')}", [cell]) is up


def test_plan_of_a_headerless_check_log(store):
    plan = plan_any(store, CHECKS / "headerless_up.csv")
    assert plan.import_kind == "checks" and plan.rows == 120
    assert set(plan.mapping) >= {"service", "checked_at", "up", "response_ms"}


def test_first_start_imports_the_sample_outages_and_removing_the_samples_removes_them(store):
    from slacore.sample import ensure_sample_data, remove_sample_data, sample_data_summary

    assert ensure_sample_data(store)
    assert rows(store, "SELECT source, count(*) FROM incidents GROUP BY ALL") == [("sample-outages", 40)]
    assert sample_data_summary(store)["incidents"] == 40
    remove_sample_data(store)
    assert store.scalar("SELECT count(*) FROM incidents") == 0
    assert not ensure_sample_data(store), "removed samples stay removed"


def test_quality_problems_list_the_rejected_backwards_outage(store):
    import_any(store, INCIDENTS / "generic_log.csv")
    found = {p["check"]: p for p in uptime.problems(store, as_of=ts("2026-01-22"))}
    assert found["end_before_start"]["count"] == 1
    assert list(found["end_before_start"]["examples"].row_number) == [7]
    assert found["long_outage"]["count"] == 0  # the open VPN outage is 2 days old at the as-of time


def test_the_staging_table_names_the_kinds_read_are_the_machinerys():
    from slacore.importers import machinery
    from slacore.kinds import incidents

    assert (incidents.PARSED, incidents.FINAL) == (machinery.PARSED, machinery.FINAL)
