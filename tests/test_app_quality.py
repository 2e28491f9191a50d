"""AppTest of the Data quality page: with the sample data, with the switch on, picking a check, and with no data."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from apptest_helpers import open_page, texts as _texts
from slacore import quality




def _app(query: dict | None = None) -> AppTest:
    return open_page("pages/quality.py", query)






def test_quality_page_shows_every_check_with_the_sample_data(app_env):
    at = _app({"period": "custom", "from": "2025-10-01", "to": "2026-11-20"})
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert [m.label for m in at.metric] == list(quality.labels().values())
    values = {m.label: m.value for m in at.metric}
    assert values[quality.labels()["duplicate"]] == "5"  # the sample has five quick re-sends
    text = _texts(at)
    assert "is off" in text and "every ticket counts" in text
    assert "excluded by the switch" in text and "reported, not excluded" in text
    # The first check with tickets is open, with its tickets and a download.
    assert at.selectbox(key="quality-check").value == "duplicate"
    assert len(at.dataframe[0].value) == 5
    assert any(d.label == "Download CSV" for d in at.get("download_button"))
    chart = json.loads((at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart"))[0].proto.spec)
    assert "Weekly volume per source" in json.dumps(chart)
    assert "2025-12-29" in json.dumps(at.dataframe[-1].value.astype(str).to_dict())  # the flagged holiday week


def test_quality_page_picking_a_check_shows_its_tickets(app_env):
    at = _app({"period": "custom", "from": "2025-10-01", "to": "2026-11-20"})
    at.selectbox(key="quality-check").set_value("volume_shift").run()
    assert not at.exception, at.exception
    assert at.query_params["check"] == ["volume_shift"] or at.query_params["check"] == "volume_shift"
    assert len(at.dataframe[0].value) == 36  # the zendesk week of 29 Dec 2025
    at.selectbox(key="quality-check").set_value("auto_reply").run()
    assert "No tickets behind this check" in _texts(at)


def test_quality_page_states_the_switch_when_it_is_on(app_env):
    at = _app({"exclude": "1"})
    assert not at.exception, at.exception
    assert at.toggle(key="fb-exclude").value is True
    text = _texts(at)
    assert "is on" in text and "5 tickets" in text
    assert "this page counts every ticket" in text


def test_quality_page_without_data_shows_the_empty_state(empty_app):
    at = _app()
    assert not at.exception, at.exception
    assert "No tickets yet" in _texts(at)
    assert not at.metric
