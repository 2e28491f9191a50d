"""Derived columns that make judging a scan: business-clock positions, created_local and duplicate flags.

They must agree with the numpy business-time routine, follow every change of the data, a calendar or the workspace
time zone, and never change what a user sees (no store-version bump)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacore import clocks, quality
from slacore.calendars import business_seconds, calendar_from_dict
from slacore.metrics import Evaluation, Filters, set_workspace_timezone, summarize
from slacore.targets import build_target, calendars, save_calendar, save_target
from ticketdata import add_tickets, tk, u

BERLIN = calendar_from_dict("berlin", {"timezone": "Europe/Berlin", "hours": {"mon-fri": "09:00-17:00"},
                                       "holidays": "DE-BE", "closed": ["2025-12-24"]})


@settings(max_examples=200, deadline=None)
@given(a=st.floats(-5e8, 2.5e9), length=st.floats(0, 3e7))
def test_positions_subtract_to_business_seconds(a, length):
    """Before and after the 2000 anchor, across DST changes and holidays: two positions differ by exactly the
    business time between them."""
    b = a + length
    pos = clocks.positions(BERLIN, np.array([a, b]))
    expected = business_seconds(BERLIN, np.array([a]), np.array([b]))[0]
    assert pos[1] - pos[0] == pytest.approx(expected, abs=1e-5)


def test_positions_keep_missing_values_missing():
    pos = clocks.positions(BERLIN, np.array([np.nan, 1.7e9, np.nan]))
    assert np.isnan(pos[0]) and np.isnan(pos[2]) and not np.isnan(pos[1])


def _columns(store) -> set[str]:
    return {r[0] for r in store.rows("SELECT column_name FROM duckdb_columns() WHERE table_name = 'tickets'")}


def test_columns_are_added_filled_and_follow_a_calendar_change(store):
    save_calendar(store, BERLIN)
    # Mon 2 Jun 2025 16:00 Berlin (14:00 UTC), answered Tue 10:00 Berlin: 1 h + 1 h = 2 business hours.
    add_tickets(store, tk(1, u(2025, 6, 2, 14), fr=u(2025, 6, 3, 8)))
    target = build_target("FR", "first_response", "3h", "90%", calendar="berlin")
    version = store.version
    clk = clocks.ensure(store, [BERLIN])["berlin"]
    assert store.version == version  # derived data: caches keyed on the version stay valid
    assert {clocks.column_name(clk.slot, w) for w in clocks.WHICH} <= _columns(store)
    assert store.scalar(f"SELECT count(*) FROM tickets t WHERE {clk.column('created')} IS NULL") == 0

    def elapsed():
        with Evaluation(store, [target], as_of=u(2025, 6, 10)) as ev:
            return ev.sql("SELECT elapsed_s, outcome FROM o").iloc[0].tolist()

    assert elapsed() == [pytest.approx(2 * 3600), "met"]
    # A ticket added later gets its positions on the next evaluation (an import fills them right away).
    add_tickets(store, tk(2, u(2025, 6, 2, 14), fr=u(2025, 6, 4, 8)))
    with Evaluation(store, [target], as_of=u(2025, 6, 10)) as ev:
        assert ev.sql("SELECT ticket_id, elapsed_s FROM o ORDER BY ticket_id")["elapsed_s"].tolist() == \
            [pytest.approx(2 * 3600), pytest.approx(10 * 3600)]
    # The office now opens at 08:00: every stored position is recomputed, so ticket 1 took 1 h + 2 h.
    save_calendar(store, calendar_from_dict("berlin", {"timezone": "Europe/Berlin", "hours": {"mon-fri": "08:00-17:00"},
                                                       "holidays": "DE-BE"}))
    assert elapsed() == [pytest.approx(3 * 3600), "met"]


def test_created_local_follows_the_workspace_time_zone(store):
    # 23:30 UTC on 31 Jan is 1 Feb in Berlin: the ticket moves to February when the workspace zone changes.
    add_tickets(store, tk(1, u(2025, 1, 31, 23, 30), fr=u(2025, 2, 1, 0)))
    save_target(store, build_target("FR", "first_response", "1h", "90%"))
    feb = dict(start=date(2025, 2, 1), end=date(2025, 2, 28), as_of=u(2025, 3, 1))
    assert summarize(store, **feb)["met"].tolist() == [0]
    set_workspace_timezone(store, "Europe/Berlin")
    assert summarize(store, **feb)["met"].tolist() == [1]
    assert store.scalar("SELECT created_local FROM tickets") == datetime(2025, 2, 1, 0, 30)


def test_import_prepares_the_clocks_of_current_targets(store, tmp_path, monkeypatch):
    from slacore.importers.pipeline import import_file
    from slacore.templates import template_yaml
    from slacore.sla_yaml import apply_yaml

    apply_yaml(store, template_yaml("b2b-saas"), author="test")
    path = tmp_path / "t.csv"
    path.write_text("id,created,first response,priority\n1,2025-06-02 14:00,2025-06-02 15:00,urgent\n")
    monkeypatch.setattr(clocks, "_fill", lambda *a, **k: pytest.fail("positions should come with the insert"))
    import_file(store, path)
    cal = calendars(store)["us-business"]
    slot = store.scalar("SELECT slot FROM ticket_clocks WHERE calendar = 'us-business'")
    assert slot is not None  # registered and filled right after the import
    clk = clocks.Clock(cal, slot)
    # The next import writes the positions with the rows: Friday 17:30 New York to Monday 08:15 is 45 min.
    path.write_text("id,created,first response,priority\n2,2025-06-06 21:30,2025-06-09 12:15,urgent\n")
    import_file(store, path)
    got = dict(store.rows(f"SELECT ticket_id, {clk.column('response')} - {clk.column('created')} FROM tickets t"))
    assert got == {"1": pytest.approx(3600), "2": pytest.approx(2700)}
    assert clocks.ensure(store, [cal])["us-business"].slot == slot


# -- duplicate flags -------------------------------------------------------------------------------------------

def _dup(i, minutes, **extra):
    return tk(i, u(2025, 5, 5, 9) + timedelta(minutes=minutes), fr=u(2025, 5, 6, 9), customer="ACME",
              subject="Printer down", **extra)


def test_duplicate_flags_follow_deletes(store):
    add_tickets(store, _dup(1, 0), _dup(2, 3), _dup(3, 30))
    quality.ensure_duplicates(store)
    flagged = store.rows("SELECT ticket_id, dup_gap FROM tickets WHERE dup_gap IS NOT NULL")
    assert flagged == [("2", 180.0)]
    # The first ticket goes: the second is no longer anyone's duplicate (the flags are recomputed, not kept).
    with store.transaction() as cur:
        cur.execute("DELETE FROM tickets WHERE ticket_id = '1'")
    assert quality.check_tickets(store, "duplicate")["ticket_id"].tolist() == []
    assert store.rows("SELECT ticket_id FROM tickets WHERE dup_gap IS NOT NULL") == []


def test_the_switch_excludes_exactly_the_suspicious_tickets(store):
    add_tickets(store,
                _dup(1, 0), _dup(2, 3),  # 2 is a duplicate
                tk(3, u(2025, 5, 5, 10), fr=u(2025, 5, 5, 10, 0, 5)),  # auto-reply
                tk(4, u(2025, 5, 5, 11), fr=u(2025, 5, 5, 13)),  # breached, kept
                tk(5, u(2025, 5, 5, 12), fr=u(2025, 5, 5, 12, 30), status="Merged"))  # merged
    save_target(store, build_target("FR", "first_response", "1h", "50%"))
    period = dict(start=date(2025, 5, 1), end=date(2025, 5, 31), as_of=u(2025, 6, 1))
    by_ids = summarize(store, filters=Filters(exclude_ids=tuple(quality.suspicious_ids(store))), **period)
    by_switch = summarize(store, filters=Filters(exclude_suspicious=True), **period)
    assert by_switch.equals(by_ids)
    assert by_switch[["met", "breached"]].iloc[0].tolist() == [0, 2]  # 1 (the day-later answer) and 4
    assert quality.suspicious_count(store) == 3
    assert summarize(store, **period)[["met", "breached"]].iloc[0].tolist() == [2, 3]


def test_status_counts_group_every_target_in_one_scan(store):
    add_tickets(store,
                tk(1, u(2025, 5, 5, 9), fr=u(2025, 5, 5, 9, 30), team="A", priority="urgent"),
                tk(2, u(2025, 5, 5, 9), fr=u(2025, 5, 5, 12), team="A", priority="high"),
                tk(3, u(2025, 5, 6, 9), team="B", priority="urgent"),
                tk(4, u(2025, 5, 6, 9), fr=u(2025, 5, 6, 9, 5), team=None, priority="urgent"))
    targets = [build_target("Urgent", "first_response", "1h", "90%", where={"priority": "urgent"}),
               build_target("All", "first_response", "2h", "90%")]
    with Evaluation(store, targets, date(2025, 5, 1), date(2025, 5, 31), u(2025, 5, 6, 9, 30)) as ev:
        got = ev.status_counts({"all": [], "team": ["team"]})
        long = ev.sql("SELECT target, team, status, count(*) AS n FROM o GROUP BY ALL")
    team = got["team"].set_index(["target", "team"])
    assert team.loc[("Urgent", "A"), ["met", "breached", "pending"]].tolist() == [1, 0, 0]
    assert team.loc[("All", "A"), ["met", "breached"]].tolist() == [1, 1]
    # A missing team is a group of its own; ticket 3 is pending (30 min old at the as-of time).
    none = got["team"][got["team"]["team"].isna() & (got["team"]["target"] == "Urgent")]
    assert none[["met", "pending"]].iloc[0].tolist() == [1, 0]
    assert team.loc[("Urgent", "B"), "pending"] == 1
    for row in got["all"].itertuples():  # the packed path agrees with the one-row-per-pair view
        assert row.met + row.breached + row.pending == long[long["target"] == row.target]["n"].sum()


def test_readers_keep_working_while_imports_and_a_calendar_change_rewrite_the_clock_columns(store, tmp_path):
    """Several sessions judging while another imports and edits the calendar (ALTER TABLE / UPDATE of the derived
    columns): no error, no lock, and the final numbers equal a fresh computation."""
    import threading

    from slacore.importers.pipeline import import_file
    from slacore.sla_yaml import apply_yaml
    from slacore.templates import template_yaml

    apply_yaml(store, template_yaml("b2b-saas"), author="test")

    def export(name: str, first: int, day: int):
        path = tmp_path / name
        rows = "".join(f"{i},2025-06-{day:02d} {8 + i % 10:02d}:00,2025-06-{day:02d} {9 + i % 10:02d}:30,"
                       f"{['urgent', 'high', 'normal'][i % 3]}\n" for i in range(first, first + 200))
        path.write_text("id,created,first response,priority\n" + rows)
        return path

    import_file(store, export("a.csv", 0, 2))
    period = dict(start=date(2025, 6, 1), end=date(2025, 6, 30), as_of=u(2025, 7, 1))
    errors, stop = [], threading.Event()

    def read():
        try:
            while not stop.is_set():
                frame = summarize(store, **period)
                assert (frame["met"] + frame["breached"] + frame["pending"]).sum() > 0
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    try:
        import_file(store, export("b.csv", 200, 3))
        save_calendar(store, calendar_from_dict("us-business", {"timezone": "America/New_York",
                                                                "hours": {"mon-fri": "07:00-19:00"}}))
        import_file(store, export("c.csv", 400, 4))
    finally:
        stop.set()
        for t in readers:
            t.join(60)
    assert not errors, errors
    final = summarize(store, **period)
    first_response = final[final["metric"] == "first_response"]
    assert (first_response["met"] + first_response["breached"]).sum() == 600  # every ticket, once
    with store.transaction() as cur:  # force a full recomputation of every derived column
        cur.execute("UPDATE ticket_clocks SET fingerprint = 'stale'")
        cur.execute("DELETE FROM settings WHERE key = 'created_local_tz'")
    assert summarize(store, **period).equals(final)


def _flags(store) -> dict:
    return dict(store.rows("SELECT source || ':' || ticket_id, dup_gap FROM tickets WHERE dup_gap IS NOT NULL"))


def _recomputed_flags(store) -> dict:
    with store.transaction() as cur:
        cur.execute("DELETE FROM settings WHERE key = 'dup_gap_fingerprint'")
    quality.ensure_duplicates(store)
    return _flags(store)


@settings(max_examples=12, deadline=None)
@given(steps=st.lists(st.tuples(st.sampled_from(["import", "delete"]), st.integers(0, 3),
                                st.lists(st.tuples(st.integers(0, 5), st.integers(0, 40),
                                                   st.sampled_from(["ACME", "acme ", "Globex", ""]),
                                                   st.sampled_from(["Printer down", "Re: printer  down", "VPN"])),
                                         min_size=1, max_size=6)),
                      min_size=1, max_size=5))
def test_imports_and_deletes_reflag_only_what_they_touch_and_agree_with_a_full_recount(steps):
    """Imports and deleted imports keep the duplicate flags current on their own (no full recount), and the result
    is what a full recount over every ticket gives."""
    import tempfile
    from pathlib import Path

    from slacore.importers.pipeline import ImportOptions, delete_import, import_file, list_imports
    from slacore.store import close_all, open_store

    work = Path(tempfile.mkdtemp(prefix="dupflags-"))
    store = open_store(work / "d.duckdb")
    try:
        quality.ensure_duplicates(store)
        for n, (action, source, rows) in enumerate(steps):
            if action == "delete":
                imports = list_imports(store)
                if imports.empty:
                    continue
                delete_import(store, int(imports["import_id"].iloc[source % len(imports)]))
            else:
                path = work / f"{n}.csv"
                lines = [f"{i},2025-05-05 09:{minute:02d},{customer},{subject}" for i, minute, customer, subject in rows]
                path.write_text("id,created,customer,subject\n" + "\n".join(lines) + "\n")
                import_file(store, path, options=ImportOptions(source=f"s{source}"))
            with store.cursor() as cur:  # the write itself left the flags current
                assert quality._stored_fingerprint(cur) == quality._fingerprint(cur)
            assert _flags(store) == _recomputed_flags(store)
    finally:
        close_all()


def test_an_import_reflags_only_the_runs_it_touches(store, tmp_path, monkeypatch):
    from slacore.importers.pipeline import ImportOptions, delete_import, import_file

    first = tmp_path / "a.csv"
    first.write_text("id,created,customer,subject\n1,2025-05-05 09:00,ACME,Printer down\n2,2025-05-05 10:00,B,VPN\n")
    report = import_file(store, first, options=ImportOptions(source="mail"))
    full = []
    original = quality._flag
    monkeypatch.setattr(quality, "_flag", lambda cur, keys: (full.append(keys), original(cur, keys)))
    second = tmp_path / "b.csv"
    second.write_text("id,created,customer,subject\n7,2025-05-05 09:04,acme,RE: Printer down\n")
    import_file(store, second, options=ImportOptions(source="web"))
    assert _flags(store) == {"web:7": 240.0}  # the web form's copy of the mail, 4 minutes later
    delete_import(store, report.import_id)
    assert _flags(store) == {}  # its original is gone: no longer a duplicate
    assert full and "true" not in full  # never a recount of every ticket


def test_many_targets_and_quoted_names_and_values(store):
    """More targets than one packed code holds (20), and quotes in names, scopes and filters."""
    add_tickets(store,
                tk(1, u(2025, 5, 5, 9), fr=u(2025, 5, 5, 9, 30), team="O'Brien's", priority="urgent"),
                tk(2, u(2025, 5, 5, 9), fr=u(2025, 5, 5, 12), team="O'Brien's", priority="high"))
    targets = [build_target(f"T{i} 'quoted'", "first_response", f"{i + 1}h", "90%") for i in range(23)]
    targets.append(build_target("Team's", "first_response", "1h", "90%", where={"team": "O'Brien's"}))
    with Evaluation(store, targets, date(2025, 5, 1), date(2025, 5, 31), u(2025, 6, 1),
                    filters=Filters(team=("O'Brien's",))) as ev:
        summary = ev.summary().set_index("name")
        by_team = ev.by_dimension("team")
    assert summary.loc["T0 'quoted'", ["met", "breached"]].tolist() == [1, 1]  # 30 min met, 3 h over 1 h
    assert summary.loc["T2 'quoted'", ["met", "breached"]].tolist() == [2, 0]  # within 3 h
    assert summary.loc["T22 'quoted'", ["met", "breached"]].tolist() == [2, 0]  # in the second packed code
    assert summary.loc["Team's", ["met", "breached"]].tolist() == [1, 1]
    assert set(by_team["value"]) == {"O'Brien's"} and len(by_team) == 24


# -- found in review -------------------------------------------------------------------------------------------

def test_a_target_not_in_force_in_the_period_counts_nothing(store):
    from slacore.targets import retire_target

    add_tickets(store, tk(1, u(2025, 3, 5, 9), fr=u(2025, 3, 5, 9, 10)), tk(2, u(2025, 3, 6, 9), fr=u(2025, 3, 6, 9, 5)))
    save_target(store, build_target("FR", "first_response", "1h", "90%"), effective=date(2025, 1, 1))
    retire_target(store, "FR", effective=date(2025, 2, 1))
    save_target(store, build_target("FR", "first_response", "1h", "90%"), effective=date(2025, 6, 1))
    march = summarize(store, date(2025, 3, 1), date(2025, 3, 31), as_of=u(2025, 7, 1))
    assert march[["met", "breached", "pending"]].iloc[0].tolist() == [0, 0, 0]


def test_a_stamp_beyond_the_calendar_range_is_rejected_and_one_far_ahead_is_flagged(store, tmp_path):
    """2250 is outside the years the calendars cover: the row is rejected with the value named (not clamped into a
    real-looking ticket). 2150 is inside: the ticket loads and Data quality flags its future stamp."""
    from slacore.importers.pipeline import import_file
    from slacore.sla_yaml import apply_yaml
    from slacore.templates import template_yaml

    apply_yaml(store, template_yaml("b2b-saas"), author="test")
    path = tmp_path / "t.csv"
    path.write_text("id,created,first response,resolved,priority\n"
                    "1,2025-06-02 14:00,2025-06-02 14:30,2250-06-03 10:00,urgent\n"
                    "2,2025-06-02 14:00,2025-06-02 14:20,2025-06-02 16:00,urgent\n"
                    "3,2025-06-02 14:00,2025-06-02 14:25,2150-06-03 10:00,urgent\n")
    report = import_file(store, path)
    assert (report.loaded, report.rejected) == (2, 1)
    assert report.rejected_rows["reason"].tolist() == [
        "resolved time out of range: 2250-06-03 10:00 (time stamps must fall in 1901-2198)"]
    summary = summarize(store, date(2025, 6, 1), date(2025, 6, 30), as_of=u(2025, 7, 1)).set_index("name")
    assert summary.loc["Urgent first response", "met"] == 2
    assert quality.check_tickets(store, "future")["ticket_id"].tolist() == ["3"]


def test_the_threshold_is_exact_to_the_microsecond(store):
    add_tickets(store, tk(1, u(2025, 3, 5, 9), fr=u(2025, 3, 5, 10)),
                tk(2, u(2025, 3, 5, 9), fr=u(2025, 3, 5, 10) + timedelta(microseconds=1)))
    save_calendar(store, BERLIN)
    for calendar in ("24x7", "berlin"):  # 09:00 UTC is 10:00 Berlin, an open hour
        target = build_target("FR", "first_response", "1h", "90%", calendar=calendar)
        with Evaluation(store, [target], as_of=u(2025, 3, 6)) as ev:
            got = ev.sql("SELECT ticket_id, outcome FROM o ORDER BY ticket_id")["outcome"].tolist()
        assert got == ["met", "breached"], calendar


def test_the_same_grouping_twice_is_not_counted_twice(store):
    add_tickets(store, tk(1, u(2025, 3, 5, 9), fr=u(2025, 3, 5, 9, 10), team="A"),
                tk(2, u(2025, 3, 5, 9), fr=u(2025, 3, 5, 12), team="B"))
    target = build_target("FR", "first_response", "1h", "90%")
    with Evaluation(store, [target], as_of=u(2025, 3, 6)) as ev:
        got = ev.status_counts({"all": [], "again": [], "x": ["team"], "y": ["team"]})
    for name in ("all", "again"):
        assert got[name][["met", "breached"]].iloc[0].tolist() == [1, 1]
    for name in ("x", "y"):
        assert got[name]["met"].sum() == 1 and got[name]["breached"].sum() == 1


def test_duplicate_flags_notice_a_table_reloaded_behind_the_apps_back(store):
    add_tickets(store, _dup(1, 0), _dup(2, 3), tk(3, u(2025, 1, 1)))
    quality.ensure_duplicates(store)
    assert _flags(store) == {"test:2": 180.0}
    with store.transaction() as cur:
        cur.execute("DELETE FROM tickets")
    with store.cursor() as cur:
        cur.execute("CHECKPOINT")
    add_tickets(store, _dup(11, 0), tk(12, u(2025, 2, 1)), _dup(13, 5))  # same count, rowids may restart
    quality.ensure_duplicates(store)
    assert _flags(store) == {"test:13": 300.0}
