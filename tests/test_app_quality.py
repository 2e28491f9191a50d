"""AppTest of the Data quality page: with the sample data, with the switch on, picking a check, and with no data.

The counts are checked against plain SQL on the stored tickets (not the quality module's queries)."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from apptest_helpers import assert_clean, charts, metrics, open_page, texts as _texts
from slacore import quality

WHOLE = {"period": "custom", "from": "2025-10-01", "to": "2026-11-20"}  # the whole sample (see sample_data/README)


def _app(query: dict | None = None) -> AppTest:
    return open_page("pages/quality.py", query)


def _sql(db_path, sql: str, params: list | None = None):
    from slacore.store import open_store

    return open_store(db_path).query(sql, params)


def _quick_resends(db_path, since: str = "2000-01-01"):
    """Tickets of the same customer with the same subject within 10 minutes of the previous one."""
    return _sql(db_path, """
        SELECT source, ticket_id FROM (
            SELECT source, ticket_id, created_at,
                   created_at - lag(created_at) OVER (PARTITION BY customer, subject ORDER BY created_at) AS gap
            FROM tickets WHERE customer IS NOT NULL)
        WHERE gap <= INTERVAL 10 MINUTE AND created_at >= ?::TIMESTAMPTZ ORDER BY ALL""", [since])


ZENDESK_HOLIDAY_WEEK = """SELECT count(*) AS n FROM tickets WHERE source = 'sample-zendesk'
                          AND created_at >= '2025-12-29 00:00+00' AND created_at < '2026-01-05 00:00+00'"""


def test_quality_page_shows_every_check_with_the_sample_data(app_env):
    at = assert_clean(_app(WHOLE))
    assert [m.label for m in at.metric] == list(quality.labels().values())
    resends = _quick_resends(app_env)
    holiday_week = int(_sql(app_env, ZENDESK_HOLIDAY_WEEK)["n"].iloc[0])
    plain = _sql(app_env, """
        SELECT count(*) FILTER (WHERE epoch(first_response_at) - epoch(created_at) BETWEEN 0 AND 10) AS auto_reply,
               count(*) FILTER (WHERE resolved_at IS NOT NULL AND first_response_at IS NULL) AS no_response,
               count(*) FILTER (WHERE created_at > now()) AS future,
               count(*) FILTER (WHERE first_response_at < created_at OR resolved_at < created_at) AS before_created
        FROM tickets""").iloc[0]
    labels = quality.labels()
    expected = {labels[c]: f"{int(plain[c]):,}" for c in ("auto_reply", "no_response", "future", "before_created")}
    expected |= {labels["duplicate"]: f"{len(resends)}", labels["volume_shift"]: f"{holiday_week}"}
    assert metrics(at) == {label: expected[label] for label in labels.values()}
    assert len(resends) == 5  # the sample has five quick re-sends
    total = int(_sql(app_env, "SELECT count(*) AS n FROM tickets")["n"].iloc[0])
    assert f"{total:,} tickets created in the period" in _texts(at)
    text = _texts(at)
    assert "is off" in text and "every ticket counts" in text
    assert "excluded by the switch" in text and "reported, not excluded" in text
    # The first check with tickets is open, with its tickets and a download.
    assert at.selectbox(key="quality-check").value == "duplicate"
    behind = at.dataframe[0].value
    assert sorted(zip(behind["source"], behind["ticket_id"])) == list(resends.itertuples(index=False, name=None))
    assert any(d.label == "Download CSV" for d in at.get("download_button"))
    chart = json.loads(charts(at)[0].proto.spec)
    assert "Weekly volume per source" in json.dumps(chart)
    shifts = at.dataframe[-1].value  # the flagged holiday week
    assert [(s, str(w), int(n)) for s, w, n in zip(shifts["source"], shifts["week"], shifts["tickets"])] == [
        ("sample-zendesk", "2025-12-29", holiday_week)]


def test_quality_page_picking_a_check_shows_its_tickets(app_env):
    at = _app(WHOLE)
    at.selectbox(key="quality-check").set_value("volume_shift").run()
    assert_clean(at)
    assert at.query_params["check"] == ["volume_shift"] or at.query_params["check"] == "volume_shift"
    holiday_week = int(_sql(app_env, ZENDESK_HOLIDAY_WEEK)["n"].iloc[0])
    assert len(at.dataframe[0].value) == holiday_week == 36  # the zendesk week of 29 Dec 2025
    at.selectbox(key="quality-check").set_value("auto_reply").run()
    assert_clean(at)
    assert "No tickets behind this check" in _texts(at)


def test_quality_page_states_the_switch_when_it_is_on(app_env):
    at = assert_clean(_app({"exclude": "1"}))
    assert at.toggle(key="fb-exclude").value is True
    text = _texts(at)
    assert "is on" in text and f"{len(_quick_resends(app_env))} tickets" in text
    assert "this page counts every ticket" in text
    # The default period (the last 90 days of the sample, which ends on 20 Nov 2026) holds three of the re-sends.
    assert at.caption[1].value == "23 Aug 2026 – 20 Nov 2026"
    assert metrics(at)[quality.labels()["duplicate"]] == str(len(_quick_resends(app_env, "2026-08-23 00:00+00"))) == "3"


def test_quality_page_without_data_shows_the_empty_state(empty_app):
    at = assert_clean(_app())
    assert [i.value for i in at.info] == ["No tickets yet: upload a ticket export first, then come back to check it."]
    assert not at.metric and not charts(at)
