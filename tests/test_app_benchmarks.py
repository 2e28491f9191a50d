"""The Benchmarks page in AppTest: with the sample data, without data, adding a figure, the exclusion note."""

from __future__ import annotations

import json
from datetime import date, timedelta

from streamlit.testing.v1 import AppTest

from apptest_helpers import assert_clean, assert_errors, charts as _charts, metrics, open_page

# The default period: the last 90 days of the sample, which ends on 20 Nov 2026 (see sample_data/README).
START, END = date(2026, 8, 23), date(2026, 11, 20)


def _first_response_by_sql(db_path) -> tuple[int, int, float]:
    """(tickets, answered, median calendar minutes) of tickets created in the default period, by plain SQL:
    creation to the first response (or the resolution when there was none), judged at the data's as-of time."""
    from slacore.metrics import default_as_of
    from slacore.store import open_store

    store = open_store(db_path)
    as_of = default_as_of(store)
    row = store.query("""
        SELECT count(*) AS tickets, count(m) AS answered, median(m) AS median FROM (
            SELECT CASE WHEN coalesce(first_response_at, resolved_at) <= $as_of
                        THEN (epoch(coalesce(first_response_at, resolved_at)) - epoch(created_at)) / 60 END AS m
            FROM tickets WHERE created_at >= $lo AND created_at < $hi AND created_at <= $as_of)""",
                      {"as_of": as_of, "lo": f"{START} 00:00+00", "hi": f"{END + timedelta(days=1)} 00:00+00"}).iloc[0]
    return int(row["tickets"]), int(row["answered"]), float(row["median"])


def _summary(db_path):
    from slacore.metrics import default_as_of, summarize
    from slacore.store import open_store

    store = open_store(db_path)
    return summarize(store, START, END, default_as_of(store)).set_index("name")


def _open(query: dict | None = None) -> AppTest:
    return open_page("pages/benchmarks.py", query, timeout=60)


def _frames(at: AppTest) -> list:
    return [df.value for df in at.dataframe]


def _cells(at: AppTest) -> str:
    return "\n".join(frame.astype(str).to_csv() for frame in _frames(at))


def _specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in _charts(at)]


def test_page_with_sample_data(app_env):
    from slacore.calendars import format_duration

    at = assert_clean(_open())
    assert at.title[0].value == "Benchmarks"
    assert at.caption[0].value == f"{START:%d %b %Y} – {END:%d %b %Y}"
    assert [h.value for h in at.header] == ["Industry figures", "Team vs team", "Period vs period"]
    cells = _cells(at)
    assert "SQM Group" in cells and "American Customer Satisfaction Index" in cells
    assert "no data of yours yet" in cells and "beside, not against" in cells
    assert "ahead: your median" in cells or "behind: your median" in cells
    # The median first response in calendar time, against plain SQL on the tickets.
    tickets, answered, median = _first_response_by_sql(app_env)
    shown = metrics(at)
    assert shown.pop("Your median first response time, calendar time") == format_duration(median * 60)
    # CSAT, FCR and uptime: the team's own percent (the engine's figure for an unscoped target), once each
    assert {label.split(",")[0] for label in shown} == {"Your CSAT", "Your First contact resolution", "Your Uptime"}
    assert all(value.endswith("%") for value in shown.values())
    captions = [c.value for c in at.caption]
    assert f"Over {answered:,} answered tickets; {tickets - answered:,} not yet answered are left out." in captions
    # the source links are a link column, every chart has a title
    first = next(f for f in _frames(at) if "url" in f.columns)
    assert first["url"].dropna().str.startswith("http").all()
    specs = _specs(at)
    assert len(specs) == 3  # first response vs figures, team vs team, period vs period
    assert all("title" in s for s in specs)
    assert not any("subtitle" in s["title"] and s["title"]["subtitle"] for s in specs)  # no exclusion: no note
    # Team vs team (the first target) and period vs period (every target) count what the summary counts.
    summary = _summary(app_env)
    team_vs = next(f for f in _frames(at) if "decided" in f.columns)
    first_target = summary.iloc[0]
    assert int(team_vs["decided"].sum()) == first_target["met"] + first_target["breached"]
    periods = next(f for f in _frames(at) if "this_n" in f.columns)
    assert list(periods["target"]) == list(summary.index)
    assert [int(n) for n in periods["this_n"]] == list(summary["met"] + summary["breached"])
    def shown(values):  # a target with nothing to judge yet shows no attainment (NaN is not equal to itself)
        return [None if v != v else round(float(v), 1) for v in values]

    assert shown(periods["this"]) == shown(summary["attainment"])


def test_page_switches_dimension(app_env):
    at = _open()
    at.segmented_control(key="bench-dim").set_value("channel").run()
    assert_clean(at)
    team_vs = [f for f in _frames(at) if "decided" in f.columns][0]
    assert set(team_vs["value"]) & {"email", "chat", "phone", "web"}
    first_target = _summary(app_env).iloc[0]
    assert int(team_vs["decided"].sum()) == first_target["met"] + first_target["breached"]
    assert [h.value for h in at.header][1] == "Channel vs channel"
    assert at.query_params.get("bdim") in ("channel", ["channel"])


def test_exclusion_note_on_every_chart_and_table_caption(app_env):
    at = assert_clean(_open({"exclude": "1"}))
    specs = _specs(at)
    assert len(specs) == 3 and all("suspicious tickets excluded" in " ".join(s["title"]["subtitle"]) for s in specs)
    captions = " ".join(c.value for c in at.caption)
    assert captions.count("suspicious tickets excluded") >= len(at.dataframe)


def test_add_and_delete_a_figure_from_the_page(app_env):
    from slacore.store import open_store

    at = _open()
    at.text_input(key="bench-value").input("45")
    at.text_input(key="bench-stat").input("contract")
    at.text_input(key="bench-segment").input("Acme enterprise")
    at.text_input(key="bench-source").input("MSA with Acme, section 4")
    next(b for b in at.button if b.label == "Add figure").click().run()
    assert_clean(at)
    assert "MSA with Acme, section 4" in _cells(at)
    store = open_store(app_env)
    assert store.rows("SELECT value, statistic, segment, source FROM user_benchmarks") == [
        (45.0, "contract", "Acme enterprise", "MSA with Acme, section 4")]

    at.button(key="bench-delete").click().run()
    assert_clean(at)
    assert "MSA with Acme, section 4" not in _cells(at)
    assert store.scalar("SELECT count(*) FROM user_benchmarks") == 0


def test_an_invalid_figure_is_refused_with_a_sentence(app_env):
    at = _open()
    at.text_input(key="bench-value").input("fast")
    at.text_input(key="bench-stat").input("contract")
    at.text_input(key="bench-segment").input("Acme")
    at.text_input(key="bench-source").input("MSA")
    next(b for b in at.button if b.label == "Add figure").click().run()
    assert_errors(at, ["The value 'fast' is not a number: enter digits only, e.g. 240 or 85.5."])
    from slacore.store import open_store

    assert open_store(app_env).scalar("SELECT count(*) FROM user_benchmarks") == 0


def test_page_without_data_shows_the_empty_state(app_env, monkeypatch):
    import slacore.sample

    monkeypatch.setattr(slacore.sample, "SAMPLE_FILES", ())
    at = assert_clean(_open())
    assert [i.value for i in at.info] == ["No tickets yet: upload a ticket export first."]
    assert not at.dataframe and not _charts(at)
