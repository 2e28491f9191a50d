"""Data quality checks: tiny hand-made ticket sets in a real store, every count worked out by hand.

`now` is fixed (NOW) wherever the future check could matter; all tickets are created before it.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from slacore import quality
from slacore.metrics import Filters, summarize
from slacore.targets import build_target, save_target
from ticketdata import add_tickets, tk, u  # noqa: E402

UTC = timezone.utc
NOW = datetime(2025, 6, 30, 12, tzinfo=UTC)








def after(created: datetime, seconds: float) -> datetime:
    return created + timedelta(seconds=seconds)


def counts(store, **kw) -> dict:
    frame = quality.summary(store, now=NOW, **kw)
    return dict(zip(frame["check"], frame["tickets"]))


def ids(store, check, **kw) -> list[str]:
    return sorted(quality.check_tickets(store, check, now=NOW, **kw)["ticket_id"])


C = u(2025, 3, 3, 9)  # a Monday morning


# -- auto-replies ------------------------------------------------------------------------------------------------


def test_auto_reply_counts_up_to_exactly_ten_seconds(store):
    add_tickets(store,
                tk("0s", C, fr=C),
                tk("1s", C, fr=after(C, 1)),
                tk("10s", C, fr=after(C, 10)),          # exactly the threshold: counts
                tk("10.5s", C, fr=after(C, 10.5)),      # just over: does not
                tk("11s", C, fr=after(C, 11)),
                tk("1h", C, fr=after(C, 3600)),
                tk("none", C),                          # no response yet: not an auto-reply
                tk("before", C, fr=after(C, -5)))       # before creation: that check, not this one
    assert quality.AUTO_REPLY_SECONDS == 10
    assert counts(store)["auto_reply"] == 3
    assert ids(store, "auto_reply") == ["0s", "10s", "1s"]
    detail = quality.check_tickets(store, "auto_reply", now=NOW).set_index("ticket_id")["detail"]
    assert detail["10s"] == "answered after 10.0 s"


# -- no response -------------------------------------------------------------------------------------------------


def test_no_response_means_resolved_without_any_response_and_is_not_excluded(store):
    add_tickets(store,
                tk("silent", C, rs=after(C, 7200)),                                   # counts
                tk("vendor", C, rs=after(C, 7200), vendor_first_response_business_min=30.0),  # the export has a figure
                tk("open", C),                                                          # still open: not (yet)
                tk("answered", C, fr=after(C, 600), rs=after(C, 7200)))
    assert counts(store)["no_response"] == 1
    assert ids(store, "no_response") == ["silent"]
    assert quality.suspicious_ids(store, now=NOW) == []
    row = quality.summary(store, now=NOW).set_index("check").loc["no_response"]
    assert not row["excluded_by_switch"]


# -- duplicates --------------------------------------------------------------------------------------------------


def test_duplicates_need_same_customer_and_subject_within_the_window(store):
    add_tickets(store,
                tk("first", C, customer="Acme", subject="Login broken"),
                tk("resend", after(C, 300), customer=" acme ", subject="RE: Login   broken"),  # same, normalised
                tk("exact", after(C, 900), customer="Acme", subject="login broken"),   # exactly 600 s after resend
                tk("later", after(C, 1501), customer="Acme", subject="Login broken"),   # 601 s after: a new ticket
                tk("other-customer", after(C, 60), customer="Globex", subject="Login broken"),
                tk("other-subject", after(C, 60), customer="Acme", subject="Invoice wrong"),
                tk("no-customer-1", C, subject="Login broken"),
                tk("no-customer-2", after(C, 10), subject="Login broken"),          # no customer: never a duplicate
                tk("no-subject-1", C, customer="Acme", subject="  "),
                tk("no-subject-2", after(C, 10), customer="Acme", subject=""),      # blank subject: same
                tk("merged", u(2025, 1, 5), customer="Initech", subject="x", status="Merged"),
                {**tk("other-source", after(C, 1560), customer="ACME", subject="Login broken"), "source": "mail"})
    assert quality.DUPLICATE_WINDOW_SECONDS == 600
    # resend (300 s), exact (600 s), merged (status), other-source (59 s after "later", in another system)
    assert ids(store, "duplicate") == ["exact", "merged", "other-source", "resend"]
    assert counts(store)["duplicate"] == 4
    detail = quality.check_tickets(store, "duplicate", now=NOW).set_index("ticket_id")["detail"]
    assert detail["exact"] == "10.0 min after the same customer and subject"
    assert detail["merged"] == "status Merged"


def test_a_duplicate_of_a_ticket_before_the_period_or_in_another_team_still_counts(store):
    add_tickets(store,
                tk("original", u(2025, 3, 31, 23, 58), customer="Acme", subject="Down", team="Tier 1"),
                tk("copy", u(2025, 4, 1, 0, 3), customer="Acme", subject="Down", team="Tier 2"))
    april = dict(start=date(2025, 4, 1), end=date(2025, 4, 30))
    assert ids(store, "duplicate", **april) == ["copy"]
    assert ids(store, "duplicate", **april, filters=Filters(team=("Tier 2",))) == ["copy"]
    assert ids(store, "duplicate", **april, filters=Filters(team=("Tier 1",))) == []
    assert ids(store, "duplicate", start=date(2025, 3, 1), end=date(2025, 3, 31)) == []


# -- future and before creation ----------------------------------------------------------------------------------


def test_time_stamps_in_the_future_beyond_the_grace(store):
    add_tickets(store,
                tk("created-future", NOW + timedelta(days=2)),
                tk("resolved-future", C, fr=after(C, 600), rs=NOW + timedelta(hours=1)),
                tk("response-future", C, fr=NOW + timedelta(days=30)),
                tk("within-grace", C, rs=NOW + timedelta(seconds=quality.FUTURE_GRACE_SECONDS - 1)),
                tk("past", C, fr=after(C, 600), rs=NOW - timedelta(hours=1)))
    assert ids(store, "future") == ["created-future", "resolved-future", "response-future"]
    # A ticket created in the future belongs to no period, so every period shows it.
    assert ids(store, "future", start=date(2025, 3, 1), end=date(2025, 3, 31)) == [
        "created-future", "resolved-future", "response-future"]
    assert ids(store, "future", start=date(2025, 5, 1), end=date(2025, 5, 31)) == ["created-future"]
    # Later, nothing is in the future any more.
    assert quality.summary(store, now=NOW + timedelta(days=60)).set_index("check").loc["future", "tickets"] == 0


def _import(store, import_id: int, source: str, mapping: dict | None) -> None:
    with store.transaction() as cur:
        cur.execute("""INSERT INTO imports VALUES (?, 'tickets', ?, 'x', 'generic', ?, 'UTC', 0, 0, 0, 0, 0, ?, NULL,
                       now(), now(), NULL, NULL, NULL)""", [import_id, f"export-{import_id}.csv", source,
                                         json.dumps(mapping) if mapping else None])


def _reject(store, import_id: int, row: int, reason: str, raw: dict) -> None:
    with store.transaction() as cur:
        cur.execute("INSERT INTO rejected_rows VALUES (?, ?, ?, ?)", [import_id, row, reason, json.dumps(raw)])


def test_before_created_counts_rejected_rows_once_and_tickets_in_the_table(store):
    _import(store, 1, "desk", {"ticket_id": "Ticket ID", "created_at": "Created"})
    _import(store, 2, "desk", {"ticket_id": "Ticket ID", "created_at": "Created"})
    _import(store, 3, "other", None)  # no id column: rows are told apart by their raw values
    _reject(store, 1, 4, "resolved before created", {"Ticket ID": "A-1", "Created": "2025-03-03"})
    _reject(store, 2, 4, "resolved before created", {"Ticket ID": "A-1", "Created": "2025-03-03"})  # same row again
    _reject(store, 1, 5, "first response before created", {"Ticket ID": " A-2 ", "Created": "2025-03-03"})
    _reject(store, 1, 6, "first response before created", {"Ticket ID": "A-3", "Created": "2025-03-03"})
    _reject(store, 1, 7, "unreadable created time: 31/02/2025", {"Ticket ID": "A-4", "Created": "31/02/2025"})
    _reject(store, 3, 2, "resolved before created", {"Created": "2025-03-03", "Resolved": "2025-03-01"})
    _reject(store, 3, 9, "resolved before created", {"Created": "2025-03-04", "Resolved": "2025-03-01"})
    add_tickets(store,
                {**tk("A-3", C, fr=after(C, 60)), "source": "desk"},   # corrected by a later import: no longer counted
                tk("in-table", C, rs=after(C, -3600)),                  # came in some other way: counted and excluded
                tk("fine", C, fr=after(C, 60)))
    # A-1 (once), A-2, two rows of "other", and the ticket in the table.
    assert counts(store)["before_created"] == 5
    row = quality.summary(store, now=NOW).set_index("check").loc["before_created"]
    assert row["effect"] == "1 in the tickets table, excluded by the switch"
    assert row["note"].startswith("4 rejected at import: never in any number")
    rejected = quality.rejected_before_created(store)
    assert sorted(rejected["ticket_id"].dropna()) == ["A-1", "A-2"]
    assert len(rejected) == 4
    frame = quality.check_tickets(store, "before_created", now=NOW)
    assert len(frame) == 5
    assert frame.iloc[0]["ticket_id"] == "in-table" and frame.iloc[0]["detail"] == "resolved before created"
    assert ("desk", "A-1") not in quality.suspicious_ids(store, now=NOW)  # never imported: nothing to exclude
    assert ("test", "in-table") in quality.suspicious_ids(store, now=NOW)
    # Rejected rows are not tickets: the period does not narrow them, the ticket in the table it does.
    assert counts(store, start=date(2024, 1, 1), end=date(2024, 1, 31))["before_created"] == 4


def test_before_created_from_a_real_import(store, inputs):
    from slacore.importers.pipeline import ImportOptions, import_file

    import_file(store, inputs / "bad_rows_mixed.csv", options=ImportOptions(timezone="UTC"))
    found = counts(store)
    assert found["before_created"] == 3  # 3 resolved before created; the 3 impossible created times are not counted
    # Every loaded row of that file has its first response at the creation second: 54 auto-replies.
    assert found["auto_reply"] == 54
    import_file(store, inputs / "bad_rows_mixed.csv", name="again.csv", options=ImportOptions(timezone="UTC"))
    assert counts(store)["before_created"] == 3  # the same rows rejected twice are still three problems


# -- volume shifts -----------------------------------------------------------------------------------------------

MONDAY = date(2025, 1, 6)


def week(k: int) -> date:
    return MONDAY + timedelta(weeks=k)


def weekly_tickets(source: str, per_week: dict[int, int]) -> list[dict]:
    """`n` tickets in week k, spread Monday to Sunday."""
    rows = []
    for k, n in per_week.items():
        for j in range(n):
            created = datetime.combine(week(k), datetime.min.time(), UTC) + timedelta(days=j % 7, hours=9, minutes=j)
            rows.append({**tk(f"{source}-{k}-{j}", created, fr=after(created, 3600)), "source": source})
    return rows


@pytest.fixture
def volumes(store):
    """web: 30 a week for weeks 0-11, 80 in week 8; api: 30 a week for weeks 0-5, then silent.
    Week 12 is partial (2 web tickets on its Monday): drawn, never judged."""
    web = {k: 30 for k in range(12)} | {8: 80, 12: 2}
    add_tickets(store, *weekly_tickets("web", web), *weekly_tickets("api", {k: 30 for k in range(6)}))
    return store


def test_volume_shift_flags_a_spike_and_a_silent_source(volumes):
    shifts = quality.volume_shifts(volumes, now=NOW)
    found = sorted((s, w.date(), int(t)) for s, w, t in zip(shifts["source"], shifts["week"], shifts["tickets"]))
    # web week 8: 80 against a median of 30. api weeks 6-9: 0 against 30 (the median of the weeks before stays 30
    # while at least half of them had tickets); week 10's median is 15 (< 20 tickets: not judged a shift), week
    # 11's is 0. Week 12 is partial, week 0 is each source's first: neither is judged.
    assert found == [("api", week(6), 0), ("api", week(7), 0), ("api", week(8), 0), ("api", week(9), 0),
                     ("web", week(8), 80)]
    web8 = shifts[shifts["source"] == "web"].iloc[0]
    assert (web8["usual"], web8["ratio"], web8["change"]) == (30, 2.67, 167)
    assert (shifts[shifts["source"] == "api"]["change"] == -100).all()


def test_volume_weekly_series_is_dense_and_marks_partial_weeks(volumes):
    weekly = quality.weekly_volume(volumes, now=NOW)
    api = weekly[weekly["source"] == "api"]
    assert len(api) == 13 and api["tickets"].tolist() == [30] * 6 + [0] * 7  # zero weeks are rows too
    web = weekly[weekly["source"] == "web"].set_index(weekly[weekly["source"] == "web"]["week"].dt.date)
    assert not web.loc[week(0), "judged"] and not web.loc[week(12), "judged"] and web.loc[week(5), "judged"]
    assert not web.loc[week(12), "flagged"]  # 2 tickets in a partial week would otherwise look like a collapse


def test_volume_shift_respects_the_period_and_counts_the_tickets_behind_it(volumes):
    late = dict(start=week(9), end=week(12) + timedelta(days=6))
    shifts = quality.volume_shifts(volumes, now=NOW, **late)
    assert [(s, w.date()) for s, w in zip(shifts["source"], shifts["week"])] == [("api", week(9))]
    weekly = quality.weekly_volume(volumes, now=NOW, **late)  # the period plus 8 weeks of baseline before it
    assert weekly["week"].min().date() == week(1)
    assert counts(volumes)["volume_shift"] == 80
    assert len(quality.check_tickets(volumes, "volume_shift", now=NOW)) == 80
    assert counts(volumes, **late)["volume_shift"] == 0  # api's flagged week has no tickets
    row = quality.summary(volumes, now=NOW).set_index("check").loc["volume_shift"]
    assert row["note"] == "5 source-weeks flagged" and not row["excluded_by_switch"]


# -- the switch and the summary ----------------------------------------------------------------------------------


def test_summary_shares_and_suspicious_ids_combine_the_excluded_checks(store):
    add_tickets(store,
                tk("auto", C, fr=after(C, 2)),
                tk("dup-a", C, customer="Acme", subject="Down"),
                tk("dup-b", after(C, 60), customer="Acme", subject="Down", fr=after(C, 61)),  # duplicate AND auto-reply
                tk("future", C, rs=NOW + timedelta(days=1)),
                tk("silent", C, rs=after(C, 600)),
                *[tk(f"ok-{i}", C, fr=after(C, 600)) for i in range(5)])
    frame = quality.summary(store, now=NOW)
    assert frame.attrs["total"] == 10
    assert frame.attrs["suspicious"] == 3
    rows = frame.set_index("check")
    assert list(rows.index) == ["auto_reply", "no_response", "duplicate", "future", "before_created", "volume_shift"]
    assert rows.loc["auto_reply", "tickets"] == 2 and rows.loc["auto_reply", "share"] == 20.0
    assert rows.loc["duplicate", "tickets"] == 1 and rows.loc["future", "tickets"] == 1
    assert rows["excluded_by_switch"].to_dict() == {"auto_reply": True, "no_response": False, "duplicate": True,
                                                    "future": True, "before_created": True, "volume_shift": False}
    assert quality.suspicious_ids(store, now=NOW) == [("test", "auto"), ("test", "dup-b"), ("test", "future")]
    assert quality.suspicious_ids(store, start=date(2025, 1, 1), end=date(2025, 1, 31), now=NOW) == []
    assert len(quality.suspicious_ids(store, start=date(2025, 3, 1), end=date(2025, 3, 31), now=NOW)) == 3


def test_unknown_check_is_refused(store):
    with pytest.raises(ValueError):
        quality.check_tickets(store, "gremlins")


def test_exclusion_changes_attainment(store):
    """First response within 1 h: 3 real replies in 30 min, 2 in 2 h, 5 auto-replies after 5 s.
    Counted as they are: 8 met of 10 = 80%. Without the auto-replies: 3 of 5 = 60%, under the 75% goal."""
    save_target(store, build_target("First response", "first_response", "1h", "75%"))
    rows = [tk(f"real-{i}", after(C, i), fr=after(C, i + 1800)) for i in range(3)]
    rows += [tk(f"slow-{i}", after(C, 10 + i), fr=after(C, 10 + i + 7200)) for i in range(2)]
    rows += [tk(f"auto-{i}", after(C, 20 + i), fr=after(C, 25 + i)) for i in range(5)]
    add_tickets(store, *rows)
    as_of = u(2025, 3, 10)
    plain = summarize(store, None, None, as_of).iloc[0]
    excluded = tuple(quality.suspicious_ids(store))
    assert len(excluded) == 5 and all(t.startswith("auto-") for _, t in excluded)
    clean = summarize(store, None, None, as_of, Filters(exclude_ids=excluded)).iloc[0]
    assert (plain["met"], plain["breached"], plain["attainment"], plain["goal_met"]) == (8, 2, 80.0, True)
    assert (clean["met"], clean["breached"], clean["attainment"], clean["goal_met"]) == (3, 2, 60.0, False)


def test_empty_store(store):
    frame = quality.summary(store)
    assert frame.attrs["total"] == 0 and frame["tickets"].sum() == 0
    assert quality.suspicious_ids(store) == []
    assert quality.weekly_volume(store).empty and quality.volume_shifts(store).empty
    assert quality.check_tickets(store, "volume_shift").empty


def test_weeks_are_cut_in_the_workspace_time_zone(store):
    from slacore.metrics import set_workspace_timezone

    # Sunday 2025-03-09 23:30 UTC is Monday 00:30 in Berlin: the week of 10 March there, of 3 March in UTC.
    add_tickets(store, tk("late-sunday", u(2025, 3, 9, 23, 30)), tk("later", u(2025, 3, 20, 12)))
    weeks = lambda: sorted(w.date() for w in quality.weekly_volume(store, now=NOW)["week"])  # noqa: E731
    assert weeks() == [date(2025, 3, 3), date(2025, 3, 10), date(2025, 3, 17)]  # with the empty week between
    set_workspace_timezone(store, "Europe/Berlin")
    assert weeks() == [date(2025, 3, 10), date(2025, 3, 17)]
