"""Every page with CSAT, FCR and uptime targets but only ticket exports imported (no survey export, no outage log):
the targets are there, say they have nothing to judge yet, and no page fails. (With the data: the other page tests
run on the full sample, which imports the survey export and the outage log.)"""

from __future__ import annotations

import pytest

from apptest_helpers import assert_clean, charts, metrics, open_page, texts

WHOLE = {"period": "custom", "from": "2025-10-01", "to": "2026-11-20"}


@pytest.fixture
def tickets_only(app_env, monkeypatch):
    monkeypatch.setattr("slacore.sample.SAMPLE_SURVEYS", ("no-such-survey.csv", "sample-csat", "sample-zendesk"))
    monkeypatch.setattr("slacore.sample.SAMPLE_OUTAGES", ("no-such-outages.csv", "sample-outages"))
    return app_env


def _store(db_path):
    from slacore.store import open_store

    return open_store(db_path)


def test_performance_says_csat_and_uptime_have_nothing_yet(tickets_only):
    at = assert_clean(open_page("pages/performance.py", WHOLE))
    store = _store(tickets_only)
    assert store.scalar("SELECT count(*) FROM surveys") == 0 and store.scalar("SELECT count(*) FROM incidents") == 0
    shown = metrics(at)
    assert shown["Customer satisfaction"] == "–" and shown["Service uptime"] == "–"
    assert shown["First contact resolution"].endswith("%")  # FCR reads tickets: it has data
    badges = texts(at)  # st.badge is Markdown (':gray-badge[…]')
    assert "Nothing decided yet (survey responses)" in badges and "Nothing decided yet (seconds)" in badges
    at.selectbox(key="perf-target").set_value("Service uptime").run()
    assert_clean(at)
    assert "No measured service time for this target in the period." in [i.value for i in at.info]


@pytest.mark.parametrize("page", ["pages/trends.py", "pages/benchmarks.py", "pages/home.py", "pages/quality.py",
                                  "pages/targets.py", "pages/review.py", "pages/data.py"])
def test_every_page_opens_without_survey_or_outage_data(tickets_only, page):
    at = assert_clean(open_page(page, WHOLE))
    assert at.title, page


def test_trends_of_a_csat_target_without_responses_says_so(tickets_only):
    at = assert_clean(open_page("pages/trends.py", {**WHOLE, "target": "Customer satisfaction"}))
    assert at.selectbox(key="trend-target").value == "Customer satisfaction"
    assert any("No decided tickets for this target" in i.value for i in at.info)
    assert not any("Attainment with control limits" in c.proto.spec for c in charts(at))


def test_benchmarks_without_surveys_compare_nothing_for_csat(tickets_only):
    at = assert_clean(open_page("pages/benchmarks.py", WHOLE))
    frames = [d.value for d in at.dataframe if "standing" in d.value.columns]
    standing = " | ".join(" | ".join(map(str, f["standing"])) for f in frames)
    assert "no survey responses of yours in this period" in standing
    assert "no seconds of yours in this period" in standing
