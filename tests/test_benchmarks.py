"""Benchmarks: the shipped published figures, the user's own figures, and where a team stands against them."""

from __future__ import annotations

import csv
from datetime import date, datetime, timezone

import pandas as pd
import pytest

from slacore import benchmarks as bm
from slacore.errors import UserError
from slacore.metrics import Filters

from paths import REPO

SHARED_CSV = REPO.parent / "shared" / "benchmarks" / "industry.csv"
DAY = date(2026, 1, 5)
AS_OF = datetime(2026, 1, 6, 0, 0, tzinfo=timezone.utc)


def _csv_rows() -> list[dict]:
    with open(bm.SEED_PATH, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _ticket(ticket_id, created, first_response=None, resolved=None, team="A", source="zd"):
    return [source, str(ticket_id), created, first_response, resolved, team]


def _load(store, rows) -> None:
    with store.transaction() as cur:
        cur.executemany("""INSERT INTO tickets (source, ticket_id, created_at, first_response_at, resolved_at, team)
                           VALUES (?, ?, ?, ?, ?, ?)""", rows)


def _at(hour, minute=0, day=5):
    return datetime(2026, 1, day, hour, minute, tzinfo=timezone.utc)


@pytest.fixture
def tiny(store):
    """Six tickets on 5 Jan 2026 (calendar minutes to first response: 10, 30, 50, 100, 240, still open),
    one the next month (outside the period)."""
    _load(store, [
        _ticket(1, _at(10), _at(10, 10), _at(12)),            # 10 min; resolved after 120
        _ticket(2, _at(10), _at(10, 30), _at(11)),            # 30 min; resolved after 60
        _ticket(3, _at(9), _at(9, 50), None, team="B"),       # 50 min; unresolved
        _ticket(4, _at(10), None, _at(11, 40)),               # no response: resolution counts -> 100 min
        _ticket(5, _at(8), _at(12), _at(20), team="B"),       # 240 min; resolved after 720
        _ticket(6, _at(10), None, None),                      # open at the as-of time (14 h waiting)
        _ticket(7, _at(10, day=28), _at(10, 1, day=28)),      # 28 Jan: outside the period
    ])
    return store


# -- the shipped figures -------------------------------------------------------------------------------------------
def test_seed_loads_every_row_of_the_csv_with_its_source(store):
    rows = _csv_rows()
    frame = bm.benchmarks(store)
    assert len(frame) == len(rows) == 25
    assert (frame["origin"] == "published").all()
    assert frame["source"].notna().all() and (frame["source"].str.strip() != "").all()
    assert sorted(frame["value"]) == sorted(float(r["value"]) for r in rows)
    assert frame["key"].is_unique
    sqm = frame[frame["source"].str.startswith("SQM Group")]
    assert len(sqm) == 4 and set(sqm["metric"]) == {"fcr", "csat"}
    acsi = frame[frame["metric"] == "csat_index"]
    assert list(acsi["unit"].unique()) == ["index 0-100"]
    assert acsi["url"].str.startswith("https://").all() and acsi["year"].notna().all()


def test_every_published_row_passes_the_validation_users_get(store):
    for row in _csv_rows():
        bm.validate_benchmark(row["metric"], row["segment"], row["statistic"], row["value"], row["unit"],
                              row["source"], row["url"], row["year"], row["note"])


@pytest.mark.skipif(not SHARED_CSV.exists(), reason="shared/benchmarks is not beside the repository")
def test_shipped_csv_is_the_shared_one():
    assert bm.SEED_PATH.read_bytes() == SHARED_CSV.read_bytes()


# -- the user's figures --------------------------------------------------------------------------------------------
def test_add_and_delete_a_user_figure(store):
    version = store.version
    new_id = bm.add_benchmark(store, "first_response", "our enterprise contract", "contract", "4", "hours",
                              "MSA with Acme, section 4", url="https://example.com/msa", year=2025,
                              note="business hours in the contract")
    assert store.version > version  # caches keyed on the version see it
    frame = bm.benchmarks(store)
    assert len(frame) == 26
    mine = frame[frame["origin"] == "yours"].iloc[0]
    assert mine["benchmark_id"] == new_id and mine["key"] == f"user-{new_id}"
    assert (mine["value"], mine["unit"], mine["year"]) == (4.0, "hours", 2025)
    first = frame[frame["metric"] == "first_response"]
    assert first.iloc[0]["origin"] == "yours"  # the user's own figures come first in their metric

    bm.delete_benchmark(store, new_id)
    assert len(bm.benchmarks(store)) == 25
    with pytest.raises(UserError, match="no figure of yours"):
        bm.delete_benchmark(store, new_id)


def test_published_figures_cannot_be_deleted(store):
    with pytest.raises(UserError, match="published figures cannot be deleted"):
        bm.delete_benchmark(store, 1)
    with pytest.raises(UserError, match="not one of your figures"):
        bm.delete_benchmark(store, "industry-1")
    assert len(bm.benchmarks(store)) == 25


GOOD = dict(metric="csat", segment="peers", statistic="median", value=88, unit="percent", source="Peer group")


@pytest.mark.parametrize("change, message", [
    (dict(metric="nps"), "Unknown metric 'nps'"),
    (dict(unit="index 0-100"), "in percent, not 'index 0-100' \\(an index is not a percentage\\)"),
    (dict(metric="csat_index"), "in index 0-100, not 'percent'"),
    (dict(metric="first_response"), "in minutes or hours, not 'percent'"),
    (dict(value="lots"), "not a number"),
    (dict(value=120), "between 0 and 100"),
    (dict(value=float("inf")), "finite"),
    (dict(metric="first_response", unit="minutes", value=0), "more than 0"),
    (dict(source="  "), "source is missing"),
    (dict(segment=None), "segment is missing"),
    (dict(statistic=""), "statistic is missing"),
    (dict(url="javascript:alert(1)"), "must start with http"),
    (dict(url="www.example.com"), "must start with http"),
    (dict(year="20x4"), "not a year"),
    (dict(year=1850), "out of range"),
    (dict(note="x" * 501), "too long"),
])
def test_validation_errors_say_what_to_fix(store, change, message):
    with pytest.raises(UserError, match=message):
        bm.add_benchmark(store, **{**GOOD, **change})
    assert len(bm.benchmarks(store)) == 25  # nothing half-stored


def test_validation_cleans_values(store):
    row = bm.validate_benchmark("csat", " peers ", "median", "88.5%", "percent", " Peer group ", url="",
                                year="2024", note="  ")
    assert row == {"metric": "csat", "segment": "peers", "statistic": "median", "value": 88.5, "unit": "percent",
                   "source": "Peer group", "url": None, "year": 2024, "note": None}


def test_a_duplicate_figure_is_refused(store):
    bm.add_benchmark(store, **GOOD)
    with pytest.raises(UserError, match="already in the list"):
        bm.add_benchmark(store, **{**GOOD, "source": "peer GROUP"})
    with pytest.raises(UserError, match="already in the list"):  # a published one, re-entered
        bm.add_benchmark(store, "fcr", "call centers (North America)", "world class", 80, "percent",
                         "SQM Group: 2022 FCR benchmark results")


# -- where the team stands -----------------------------------------------------------------------------------------
def _row(frame, metric, minutes, origin="published"):
    factor = frame["unit"].map(lambda u: bm.TIME_MINUTES.get(u, float("nan")))
    hit = frame[(frame["metric"] == metric) & (frame["value"] * factor == minutes) & (frame["origin"] == origin)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def test_team_standing_median_and_share_within_on_tiny_tickets(tiny):
    frame = bm.team_standing(tiny, DAY, DAY, Filters(), as_of=AS_OF)
    best = _row(frame, "first_response", 60)  # best in class: 1 h
    # answered: 10, 30, 50, 100 (resolution as response), 240 -> median 50; the open ticket is left out
    assert best["median_minutes"] == 50.0
    assert (best["tickets"], best["answered"]) == (6, 5)
    assert (best["within"], best["decided"], best["within_pct"]) == (3, 6, 50.0)  # the open one is over 1 h
    assert best["comparison"] == "against" and best["verdict"] == "ahead"
    assert best["standing"].startswith("ahead: your median is 10 min faster")
    assert "only 5 tickets" in best["standing"]
    assert best["team_value"] == 50.0 and best["yours"] == "50 min (n=5)"
    assert best["within_text"] == "50.0% of 6" and best["cited"].endswith(", 2025")
    good = _row(frame, "first_response", 240)
    assert (good["within"], good["decided"]) == (5, 6)  # 240 min itself is within
    average = _row(frame, "first_response", 730)  # 12 h 10 min: the open ticket has waited 14 h
    assert (average["within"], average["decided"], average["within_pct"]) == (5, 6, 83.3)


def test_team_standing_compares_user_figures_in_their_unit(tiny):
    bm.add_benchmark(tiny, "first_response", "our contract", "contract", 0.5, "hours", "MSA")
    bm.add_benchmark(tiny, "resolution", "our contract", "contract", 2, "hours", "MSA")
    frame = bm.team_standing(tiny, DAY, DAY, Filters(), as_of=AS_OF)
    contract = _row(frame, "first_response", 30, origin="yours")
    assert contract["verdict"] == "behind" and contract["team_value"] == pytest.approx(50 / 60)
    assert contract["standing"].startswith("behind: your median is 20 min slower")
    assert (contract["within"], contract["decided"]) == (2, 6)
    resolution = _row(frame, "resolution", 120, origin="yours")
    # resolved: 120, 60, 100, 720 -> median 110; open: ticket 3 (15 h) and 6 (14 h), both past 2 h
    assert resolution["median_minutes"] == 110.0
    assert (resolution["answered"], resolution["within"], resolution["decided"]) == (4, 3, 6)
    assert resolution["verdict"] == "ahead"


def test_team_standing_applies_filters_and_exclusions(tiny):
    team_b = bm.team_standing(tiny, DAY, DAY, Filters(team=("B",)), as_of=AS_OF)
    assert _row(team_b, "first_response", 60)["median_minutes"] == 145.0  # 50 and 240
    without = bm.team_standing(tiny, DAY, DAY, Filters(exclude_ids=(("zd", "5"), ("zd", "4"))), as_of=AS_OF)
    assert _row(without, "first_response", 60)["median_minutes"] == 30.0  # 10, 30, 50
    later = bm.team_standing(tiny, date(2026, 1, 28), date(2026, 1, 28), Filters(), as_of=_at(12, day=28))
    assert _row(later, "first_response", 60)["median_minutes"] == 1.0


def test_events_after_the_as_of_time_have_not_happened(tiny):
    frame = bm.team_standing(tiny, DAY, DAY, Filters(), as_of=_at(11))
    row = _row(frame, "first_response", 60)
    # by 11:00: tickets 1, 2, 3 answered (10, 30, 50); 4 and 5 wait, 5 (created 08:00) is past 1 h
    assert (row["answered"], row["median_minutes"]) == (3, 30.0)
    assert (row["within"], row["decided"]) == (3, 4)


def test_without_tickets_time_figures_say_so(store):
    frame = bm.team_standing(store, DAY, DAY, Filters(), as_of=AS_OF)
    timed = frame[frame["metric"] == "first_response"]
    assert (timed["comparison"] == "no data").all() and timed["verdict"].isna().all()
    assert timed["standing"].str.contains("no answered tickets").all()


def test_percent_figures_without_data_of_yours_say_so(tiny):
    frame = bm.team_standing(tiny, DAY, DAY, Filters(), as_of=AS_OF)
    assert set(frame["metric"]) == set(bm.METRICS) - {"resolution"}  # every published metric is kept
    for metric, units in (("csat", "survey responses"), ("fcr", "resolved tickets"), ("uptime", "seconds")):
        rows = frame[frame["metric"] == metric]
        assert len(rows) and rows["verdict"].isna().all()
        assert (rows["comparison"] == "no data").all()
        assert (rows["standing"] == f"no {units} of yours in this period").all()
        assert (rows["yours"] == "no data of yours yet").all()


def test_csat_and_uptime_figures_are_compared_with_the_teams_own_percent(tiny):
    with tiny.transaction() as cur:
        cur.executemany("INSERT INTO surveys (source, response_id, rated_at, answered, rating, scale_min, scale_max) "
                        "VALUES ('poll', ?, ?, true, ?, 0, 1)",
                        [(str(i), _at(9), 1 if i < 9 else 0) for i in range(10)])  # 9 of 10 good: 90%
    frame = bm.team_standing(tiny, DAY, DAY, Filters(), as_of=AS_OF)
    csat = frame[(frame["metric"] == "csat") & (frame["unit"] == "percent")]
    assert (csat["team_value"] == 90.0).all() and (csat["yours"] == "90.0% (n=10)").all()
    low, high = csat[csat["value"] < 90], csat[csat["value"] > 90]
    assert len(low) and len(high)
    assert (low["verdict"] == "ahead").all() and (high["verdict"] == "behind").all()
    row = csat[csat["value"] == csat["value"].min()].iloc[0]
    assert row["standing"] == f"ahead: yours is {90 - row['value']:.1f} pts higher"


def test_index_rows_never_get_a_verdict(tiny):
    bm.add_benchmark(tiny, "csat_index", "our peers", "median", 74, "index 0-100", "Peer survey")
    frame = bm.team_standing(tiny, DAY, DAY, Filters(), as_of=AS_OF)
    index = frame[frame["unit"] == "index 0-100"]
    assert len(index) == 3
    assert index["verdict"].isna().all()
    assert (index["comparison"] == "beside").all()
    assert index["standing"].str.startswith("beside, not against").all()
    assert index["team_value"].isna().all() and (index["within_text"] == "").all()
    assert list(index["figure"]) == ["index 74.0", "index 77.8", "index 78.0"]
    # and a verdict exists only where a figure of ours is in the same unit
    assert set(frame.loc[frame["verdict"].notna(), "unit"]) <= {"minutes", "hours"}


def test_format_value():
    assert bm.format_value(730, "minutes") == "12 h 10 min"
    assert bm.format_value(4, "hours") == "4 h 00 min"
    assert bm.format_value(99.999, "percent") == "99.999%"
    assert bm.format_value(78, "index 0-100") == "index 78.0"
    assert bm.format_value(float("nan"), "percent") == "–"


# -- period vs period ----------------------------------------------------------------------------------------------
def test_period_table_puts_three_periods_side_by_side_with_deltas():
    rows = []
    for period, (met, breached) in zip(bm.PERIOD_LABELS, [(90, 10), (40, 10), (0, 0)]):
        decided = met + breached
        rows.append({"name": "Urgent", "metric": "first_response", "period": period, "start": DAY, "end": DAY,
                     "goal": 95.0, "met": met, "breached": breached, "pending": 0, "decided": decided,
                     "attainment": round(100 * met / decided, 1) if decided else float("nan")})
    table = bm.period_table(pd.DataFrame(rows))
    row = table.iloc[0]
    assert (row["this"], row["this_n"], row["previous"], row["previous_n"]) == (90.0, 100, 80.0, 50)
    assert row["delta_previous"] == 10.0
    assert row["last_year_n"] == 0 and pd.isna(row["last_year"]) and pd.isna(row["delta_last_year"])


def test_period_comparison_on_sample_data(store):
    from slacore.sample import ensure_sample_data

    ensure_sample_data(store)
    long = bm.period_comparison(store, date(2026, 8, 23), date(2026, 11, 20))
    assert list(long["period"].unique()) == list(bm.PERIOD_LABELS)
    spans = long.drop_duplicates("period").set_index("period")
    assert spans.loc["Previous period", "end"] == date(2026, 8, 22)
    assert spans.loc["Same period last year", "start"] == date(2025, 8, 23)
    assert (long["decided"] == long["met"] + long["breached"]).all()
    partial = long.drop_duplicates("period").set_index("period")["partial"]
    assert partial.to_dict() == {"This period": False, "Previous period": False, "Same period last year": True}
    assert long.groupby("period")["decided"].sum().gt(0).all()
    chart = bm.period_chart(long, "3 suspicious tickets excluded").to_dict()
    assert chart["title"]["subtitle"] == ["3 suspicious tickets excluded"]
