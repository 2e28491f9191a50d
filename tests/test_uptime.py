"""slacore.uptime: oracle tests with hand-computed seconds, and properties checked against a minute-by-minute model."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacore import uptime

UTC = timezone.utc


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def add_incidents(store, *rows, source="log", import_id=None):
    """rows: (incident_id, service, start, end|None, planned, down[, title][, acknowledged])"""
    with store.transaction() as cur:
        for row in rows:
            iid, service, start, end, planned, down, *rest = row
            title = rest[0] if rest else f"incident {iid}"
            ack = rest[1] if len(rest) > 1 else None
            cur.execute("INSERT INTO incidents (source, incident_id, service, started_at, ended_at, acknowledged_at, "
                        "planned, down, title, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [source, iid, service, ts(start), ts(end) if end else None, ts(ack) if ack else None,
                         planned, down, title, import_id])


def add_checks(store, service, times_up, source="mon", import_id=None):
    with store.transaction() as cur:
        for when, up in times_up:
            cur.execute("INSERT INTO checks (source, service, checked_at, up, import_id) VALUES (?, ?, ?, ?, ?)",
                        [source, service, when if isinstance(when, datetime) else ts(when), up, import_id])


def add_import(store, import_id, covers_from, source="log", kind="incidents"):
    with store.transaction() as cur:
        cur.execute("INSERT INTO imports (import_id, kind, file_name, sha256, format, source, timezone, rows_read, "
                    "loaded, updated, rejected, duplicates, started_at, finished_at, covers_from) "
                    "VALUES (?, ?, 'f.csv', 'x', 'csv', ?, 'UTC', 0, 0, 0, 0, 0, now(), now(), ?)",
                    [import_id, kind, source, ts(covers_from)])


def units(store, lo, hi, as_of=None, tz="UTC", **kw):
    with store.cursor() as cur:
        name = uptime.build_units(cur, ts(lo), ts(hi), ts(as_of or hi), tz, **kw)
        return cur.execute(f"SELECT * FROM {name} ORDER BY service, created_at").df()


def totals(df, service=None) -> dict:
    if service is not None:
        df = df[df.service == service]
    return {state: int(v) for state, v in df.groupby("state")["seconds"].sum().items()}


def per_day(df, service) -> dict:
    df = df[df.service == service]
    return {str(k): int(v) for k, v in df.groupby(df.created_local.dt.date)["seconds"].sum().items()}


# -- oracles -------------------------------------------------------------------------------------------------
def test_columns_and_types(store):
    add_incidents(store, ("1", "API", "2026-01-10 10:00", "2026-01-10 10:37", False, True, "API latency above 10s"))
    df = units(store, "2026-01-01", "2026-01-11")
    assert list(df.columns) == ["service", "source", "created_at", "created_local", "state", "seconds", "detail",
                                "incident_id"]
    with store.cursor() as cur:
        uptime.build_units(cur, ts("2026-01-01"), ts("2026-01-11"), ts("2026-01-11"), "UTC")
        types = dict(cur.execute("SELECT column_name, column_type FROM (DESCRIBE uptime_units)").fetchall())
    assert types == {"service": "VARCHAR", "source": "VARCHAR", "created_at": "TIMESTAMP WITH TIME ZONE",
                     "created_local": "TIMESTAMP", "state": "VARCHAR", "seconds": "BIGINT", "detail": "VARCHAR",
                     "incident_id": "VARCHAR"}
    down = df[df.state == "down"].iloc[0]
    assert down.detail == "down 37 min: API latency above 10s"
    assert down.incident_id == "1" and down.source == "log"
    assert df[df.state == "up"].incident_id.isna().all()


def test_overlapping_outages_count_once(store):
    add_incidents(store, ("1", "API", "2026-01-10 10:00", "2026-01-10 11:00", False, True),
                  ("2", "API", "2026-01-10 10:30", "2026-01-10 12:00", False, True),
                  ("3", "API", "2026-01-10 10:40", "2026-01-10 10:50", False, True))
    df = units(store, "2026-01-10", "2026-01-11")
    # the log starts at the local midnight of its first record: the whole day is covered
    assert totals(df) == {"down": 7200, "up": 86400 - 7200}
    down = df[df.state == "down"]
    assert len(down) == 1 and down.iloc[0].incident_id == "1, 2, 3"
    assert down.iloc[0].detail == "down 120 min: incident 1"


def test_outage_across_midnight_splits_per_local_day(store):
    add_incidents(store, ("1", "API", "2026-01-10 23:30", "2026-01-11 00:30", False, True))
    df = units(store, "2026-01-10", "2026-01-12")
    assert per_day(df, "API") == {"2026-01-10": 86400, "2026-01-11": 86400}
    down = df[df.state == "down"]
    assert list(down.seconds) == [1800, 1800]
    assert list(down.created_local.astype(str)) == ["2026-01-10 23:30:00", "2026-01-11 00:00:00"]
    # both halves describe the whole outage
    assert set(down.detail) == {"down 60 min: incident 1"}


def test_midnight_is_local(store):
    # 22:30-23:30 UTC is 23:30-00:30 in Berlin (UTC+1 in January)
    add_incidents(store, ("1", "API", "2026-01-10 22:30", "2026-01-10 23:30", False, True))
    df = units(store, "2026-01-09 23:00", "2026-01-11 23:00", tz="Europe/Berlin")
    down = df[df.state == "down"]
    assert list(down.seconds) == [1800, 1800]
    assert per_day(df, "API") == {"2026-01-10": 86400, "2026-01-11": 86400}


def test_dst_days_are_23_and_25_hours(store):
    add_incidents(store, ("1", "API", "2026-03-28 12:00", "2026-03-28 12:10", False, True))
    df = units(store, "2026-03-27 23:00", "2026-03-30 22:00", tz="Europe/Berlin")
    assert per_day(df, "API") == {"2026-03-28": 86400, "2026-03-29": 82800, "2026-03-30": 86400}


def test_month_end_boundary(store):
    add_incidents(store, ("1", "API", "2026-01-31 23:00", "2026-02-01 02:00", False, True))
    jan = units(store, "2026-01-01", "2026-02-01")
    feb = units(store, "2026-02-01", "2026-03-01")
    assert totals(jan)["down"] == 3600 and totals(feb)["down"] == 7200
    assert sum(totals(jan).values()) == 86400  # covered from the log's first day only
    assert sum(totals(feb).values()) == 28 * 86400
    # the outage list shows the whole episode in both months, and the part inside each
    listed = uptime.outages(store, ts("2026-02-01"), ts("2026-03-01"), ts("2026-03-01"))
    assert list(listed.minutes) == [180.0] and list(listed.minutes_in_range) == [120.0]


def test_open_outage_runs_to_as_of(store):
    add_incidents(store, ("1", "Web", "2026-01-12 08:00", None, False, True, "Web down"))
    df = units(store, "2026-01-12", "2026-01-13", as_of="2026-01-12 12:00")
    assert totals(df) == {"up": 8 * 3600, "down": 4 * 3600}  # nothing after the as-of time
    assert df[df.state == "down"].iloc[0].detail == "down 240 min (still open): Web down"
    listed = uptime.outages(store, ts("2026-01-12"), ts("2026-01-13"), ts("2026-01-12 12:00"))
    assert bool(listed.iloc[0].open) and listed.iloc[0].minutes == 240.0 and listed.ended_at.isna().all()


def test_planned_maintenance_and_overlap(store):
    add_incidents(store, ("m", "API", "2026-01-10 02:00", "2026-01-10 04:00", True, True, "Upgrade"),
                  ("o", "API", "2026-01-10 03:00", "2026-01-10 05:00", False, True, "Upgrade overran"))
    df = units(store, "2026-01-10", "2026-01-11")
    # 02:00-03:00 planned; 03:00-05:00 down (planned and down at once is down)
    assert totals(df) == {"planned": 3600, "down": 7200, "up": 86400 - 3 * 3600}
    assert df[df.state == "planned"].iloc[0].detail == "planned maintenance 120 min: Upgrade"
    listed = uptime.outages(store, ts("2026-01-10"), ts("2026-01-11"), ts("2026-01-11"))
    assert list(zip(listed.planned, listed.minutes)) == [(True, 120.0), (False, 120.0)]


def test_down_false_is_not_downtime(store):
    add_incidents(store, ("n", "API", "2026-01-10 10:00", "2026-01-10 11:00", False, False, "Notice"))
    df = units(store, "2026-01-10", "2026-01-11")
    assert totals(df) == {"up": 86400}
    assert uptime.outages(store, ts("2026-01-10"), ts("2026-01-11"), ts("2026-01-11")).empty


def test_coverage_from_import_covers_from(store):
    add_import(store, 7, "2026-01-05 00:00")
    add_incidents(store, ("1", "API", "2026-01-10 10:00", "2026-01-10 11:00", False, True), import_id=7)
    df = units(store, "2026-01-01", "2026-01-11")
    assert totals(df) == {"up": 6 * 86400 - 3600, "down": 3600}
    assert df.created_at.min() == ts("2026-01-05")


def test_services_are_kept_apart(store):
    add_incidents(store, ("1", "API", "2026-01-10 10:00", "2026-01-10 11:00", False, True),
                  ("2", "VPN", "2026-01-10 10:30", "2026-01-10 12:00", False, True))
    df = units(store, "2026-01-10", "2026-01-11")
    assert totals(df, "API")["down"] == 3600 and totals(df, "VPN")["down"] == 5400
    # a service that only a later record names is still covered from the start of its log
    assert sum(totals(df, "VPN").values()) == 86400


def check_times(start: str, minutes, up=lambda m: True):
    base = ts(start)
    return [(base + timedelta(minutes=m), up(m)) for m in minutes]


def test_check_log_with_gaps(store):
    # checks each minute 00:00-00:09 (00:03 and 00:04 failed), silence, then 01:00-01:04
    add_checks(store, "site", check_times("2026-01-10", [*range(10), *range(60, 65)], up=lambda m: m not in (3, 4)))
    df = units(store, "2026-01-10", "2026-01-10 02:00")
    # median interval 60 s -> max gap 180 s: 00:09 covers to 00:12, 01:04 to 01:07
    # up: 7 one-minute intervals + 00:09-00:12, then 01:00-01:04 + 01:04-01:07; down: 00:03-00:05
    assert totals(df) == {"up": 7 * 60 + 180 + 4 * 60 + 180, "down": 120, "unknown": 2 * 3600 - 1020 - 120}
    down = df[df.state == "down"]
    assert len(down) == 1 and down.iloc[0].detail == "down 2 min: 2 failed checks" and down.incident_id.isna().all()
    listed = uptime.outages(store, ts("2026-01-10"), ts("2026-01-11"), ts("2026-01-10 02:00"))
    assert list(listed.failed_checks) == [2] and list(listed.minutes) == [2.0]


def test_check_gap_parameter_and_setting(store):
    add_checks(store, "site", check_times("2026-01-10", [0, 1, 2, 60]))
    assert totals(units(store, "2026-01-10", "2026-01-10 01:02", max_check_gap_s=3600)) == {"up": 3720}
    with store.transaction() as cur:
        cur.execute("INSERT INTO settings VALUES ('uptime_max_check_gap_s', '600')")
    assert totals(units(store, "2026-01-10", "2026-01-10 01:02")) == {"up": 120 + 600 + 120, "unknown": 2880}


def test_checks_and_incidents_on_one_service(store):
    add_checks(store, "API", check_times("2026-01-10 10:00", range(0, 60, 5), up=lambda m: m != 20))
    add_incidents(store, ("1", "API", "2026-01-10 10:22", "2026-01-10 10:30", False, True))
    df = units(store, "2026-01-10 10:00", "2026-01-10 11:00")
    # failed check 10:20-10:25 joined with the incident 10:22-10:30: one 10-minute outage; checks cover to 11:00
    assert totals(df, "API") == {"down": 600, "up": 3000}
    listed = uptime.outages(store, ts("2026-01-10"), ts("2026-01-11"), ts("2026-01-10 11:00"))
    assert len(listed) == 1 and listed.iloc[0].minutes == 10.0 and listed.iloc[0].incident_ids == "1"


def test_incident_log_starting_before_the_period_is_cut_at_lo(store):
    add_incidents(store, ("1", "API", "2025-12-31 23:00", "2026-01-01 01:00", False, True))
    df = units(store, "2026-01-01", "2026-01-02")
    assert totals(df) == {"down": 3600, "up": 86400 - 3600}


def test_empty_tables_give_no_units(store):
    assert units(store, "2026-01-01", "2026-02-01").empty


# -- helpers -------------------------------------------------------------------------------------------------
def test_allowed_downtime():
    assert uptime.allowed_downtime_s(0.999, 30 * 86400) == pytest.approx(2592.0)
    assert uptime.allowed_downtime_s(99.9, 30 * 86400) / 60 == pytest.approx(43.2)


def test_credit_owed():
    schedule = [(0.999, 0.10), (0.99, 0.25)]
    assert uptime.credit_owed(0.9995, schedule) == 0.0
    assert uptime.credit_owed(0.999, schedule) == 0.0  # exactly at the line is not below it
    assert uptime.credit_owed(0.995, schedule) == 0.10
    assert uptime.credit_owed(0.98, schedule) == 0.25
    assert uptime.credit_owed(0.5, []) == 0.0


def test_mtta_mttr(store):
    add_incidents(store,
                  ("1", "API", "2026-01-10 10:00", "2026-01-10 11:00", False, True, "a", "2026-01-10 10:05"),
                  ("2", "API", "2026-01-11 10:00", "2026-01-11 10:30", False, True, "b", "2026-01-11 10:15"),
                  ("3", "API", "2026-01-12 10:00", None, False, True, "c"),
                  ("m", "API", "2026-01-13 10:00", "2026-01-13 18:00", True, True, "maintenance"))
    assert uptime.mtta_mttr(store) == {"incidents": 3, "mtta_min": 10.0, "acknowledged": 2, "mttr_min": 45.0,
                                       "resolved": 2}
    assert uptime.mtta_mttr(store, service="VPN")["incidents"] == 0


def test_problems(store):
    add_incidents(store, ("long", "API", "2025-11-01 00:00", "2026-01-01 00:00", False, True),
                  ("ok", "API", "2026-01-01 00:00", "2026-01-01 01:00", False, True))
    add_checks(store, "a", check_times("2026-01-10", range(0, 600)))
    add_checks(store, "b", check_times("2026-01-10", range(0, 100)))
    found = {p["check"]: p for p in uptime.problems(store, as_of=ts("2026-02-01"))}
    assert found["long_outage"]["count"] == 1 and list(found["long_outage"]["examples"].incident_id) == ["long"]
    assert found["silent_monitor"]["count"] == 1
    assert list(found["silent_monitor"]["examples"].service) == ["b"]


# -- properties against a minute-by-minute model --------------------------------------------------------------
LO = ts("2026-03-28")
DAYS = 3
MINUTES = DAYS * 1440

incident_st = st.tuples(st.sampled_from(["A", "B"]), st.integers(-300, MINUTES),
                        st.one_of(st.none(), st.integers(0, 600)), st.booleans(), st.booleans())
check_st = st.lists(st.tuples(st.integers(0, MINUTES - 1), st.booleans()), max_size=40, unique_by=lambda c: c[0])


def model(incidents, checks, as_of_m, tz, gap_m):
    """Per service the minute-by-minute state over [span start, hi), straight from the semantics."""
    hi = min(MINUTES, as_of_m)
    zone = ZoneInfo(tz)
    incs = [i for i in incidents if i[1] < hi]
    states = {}
    log_start = None
    if incs:
        first = LO + timedelta(minutes=min(i[1] for i in incs))
        local = first.astimezone(zone)
        midnight = datetime(local.year, local.month, local.day, tzinfo=zone).astimezone(UTC)
        log_start = int((midnight - LO).total_seconds() // 60)
    chk = sorted(c for c in checks if c[0] < hi)
    for service in ("A", "B"):
        mine = [i for i in incs if i[0] == service]
        my_checks = chk if service == "B" else []
        if not mine and not my_checks:
            continue
        starts = [m for m in ([log_start] if mine else []) + [c[0] for c in my_checks[:1]]]
        span = max(0, min(starts))
        covered = set()
        down = set()
        planned = set()
        if my_checks:
            for k, (t, up) in enumerate(my_checks):
                nxt = my_checks[k + 1][0] if k + 1 < len(my_checks) else None
                end = min(x for x in (nxt, t + gap_m, as_of_m) if x is not None)
                for m in range(t, end):
                    covered.add(m)
                    if not up:
                        down.add(m)
        else:
            covered = set(range(span, hi))
        for _, start, length, is_planned, is_down in mine:
            end = as_of_m if length is None else min(start + length, as_of_m)
            if is_down:
                (planned if is_planned else down).update(range(start, end))
        col = {}
        for m in range(span, hi):
            col[m] = ("down" if m in down else "planned" if m in planned else "up" if m in covered else "unknown")
        states[service] = col
    return states


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(incidents=st.lists(incident_st, max_size=12), checks=check_st,
       as_of_m=st.integers(60, MINUTES + 600), tz=st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"]),
       gap_m=st.integers(1, 200))
def test_units_match_the_minute_model(store, incidents, checks, as_of_m, tz, gap_m):
    with store.transaction() as cur:
        cur.execute("DELETE FROM incidents")
        cur.execute("DELETE FROM checks")
        for k, (service, start, length, planned, down) in enumerate(incidents):
            s = LO + timedelta(minutes=start)
            cur.execute("INSERT INTO incidents (source, incident_id, service, started_at, ended_at, planned, down) "
                        "VALUES ('log', ?, ?, ?, ?, ?, ?)",
                        [str(k), service, s, None if length is None else s + timedelta(minutes=length), planned, down])
        for t, up in checks:
            cur.execute("INSERT INTO checks (source, service, checked_at, up) VALUES ('mon', 'B', ?, ?)",
                        [LO + timedelta(minutes=t), up])
    as_of = LO + timedelta(minutes=as_of_m)
    with store.cursor() as cur:
        name = uptime.build_units(cur, LO, LO + timedelta(minutes=MINUTES), as_of, tz, max_check_gap_s=gap_m * 60)
        df = cur.execute(f"SELECT * FROM {name}").df()
        raw_down = cur.execute(
            "SELECT service, sum(epoch(least(coalesce(ended_at, ?::TIMESTAMPTZ), ?::TIMESTAMPTZ, ?::TIMESTAMPTZ)) "
            "- epoch(greatest(started_at, ?::TIMESTAMPTZ))) FROM incidents WHERE down AND NOT planned "
            "AND started_at < least(?::TIMESTAMPTZ, ?::TIMESTAMPTZ) AND coalesce(ended_at, ?::TIMESTAMPTZ) > ? "
            "GROUP BY service", [as_of, as_of, LO + timedelta(minutes=MINUTES), LO, as_of,
                                 LO + timedelta(minutes=MINUTES), as_of, LO]).fetchall()
    expected = model(incidents, checks, as_of_m, tz, gap_m)
    assert set(df.service) == {s for s, col in expected.items() if col}
    zone = ZoneInfo(tz)
    for service, col in expected.items():
        want = {}
        for state in col.values():
            want[state] = want.get(state, 0) + 60
        assert totals(df, service) == want, service
        # up + down + planned + unknown == the covered seconds of the service
        assert int(df[df.service == service].seconds.sum()) == 60 * len(col)
        # no unit crosses a local midnight
        mine = df[df.service == service]
        for start, seconds in zip(mine.created_at, mine.seconds):
            a = start.to_pydatetime().astimezone(zone)
            b = (start.to_pydatetime() + timedelta(seconds=int(seconds) - 1)).astimezone(zone)
            assert a.date() == b.date()
    # merged downtime never exceeds the raw sum of the incidents' downtime (checks add their own)
    for service, raw in raw_down:
        if service == "A":
            assert totals(df, "A").get("down", 0) <= raw


def test_a_run_of_failed_checks_says_what_the_monitor_said(store):
    with store.transaction() as cur:
        for minute, up, text in [(0, True, "OK"), (1, False, "timeout"), (2, False, "HTTP 503"), (3, True, "OK")]:
            cur.execute("INSERT INTO checks (source, service, checked_at, up, status_text) "
                        "VALUES ('mon', 'site', ?, ?, ?)",
                        [ts("2026-01-10") + timedelta(minutes=minute), up, text])
    df = units(store, "2026-01-10", "2026-01-10 00:04")
    assert list(df[df.state == "down"].detail) == ["down 2 min: 2 failed checks (timeout)"]
    assert list(uptime.outages(store, ts("2026-01-10"), ts("2026-01-11"), ts("2026-01-10 00:04")).title) == \
        ["2 failed checks (timeout)"]
