"""The Benchmarks page in AppTest: with the sample data, without data, adding a figure, the exclusion note."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from apptest_helpers import open_page



def _open(query: dict | None = None) -> AppTest:
    return open_page("pages/benchmarks.py", query, timeout=60)


def _frames(at: AppTest) -> list:
    return [df.value for df in at.dataframe]


def _cells(at: AppTest) -> str:
    return "\n".join(frame.astype(str).to_csv() for frame in _frames(at))


def _charts(at: AppTest) -> list:
    # Streamlit 1.67 names the element "vega_lite_chart" (older releases: "arrow_vega_lite_chart").
    return at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")


def _specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in _charts(at)]


def test_page_with_sample_data(app_env):
    at = _open()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Benchmarks"
    assert [h.value for h in at.header] == ["Industry figures", "Team vs team", "Period vs period"]
    cells = _cells(at)
    assert "SQM Group" in cells and "American Customer Satisfaction Index" in cells
    assert "no data of yours yet" in cells and "beside, not against" in cells
    assert "ahead: your median" in cells or "behind: your median" in cells
    assert any(m.label.startswith("Your median first response") for m in at.metric)
    # the source links are a link column, every chart has a title
    first = next(f for f in _frames(at) if "url" in f.columns)
    assert first["url"].dropna().str.startswith("http").all()
    specs = _specs(at)
    assert len(specs) == 3  # first response vs figures, team vs team, period vs period
    assert all("title" in s for s in specs)
    assert not any("subtitle" in s["title"] and s["title"]["subtitle"] for s in specs)  # no exclusion: no note


def test_page_switches_dimension(app_env):
    at = _open()
    at.segmented_control(key="bench-dim").set_value("channel").run()
    assert not at.exception and not at.error
    team_vs = [f for f in _frames(at) if "decided" in f.columns][0]
    assert set(team_vs["value"]) & {"email", "chat", "phone", "web"}
    assert [h.value for h in at.header][1] == "Channel vs channel"
    assert at.query_params.get("bdim") in ("channel", ["channel"])


def test_exclusion_note_on_every_chart_and_table_caption(app_env):
    at = _open({"exclude": "1"})
    assert not at.exception and not at.error
    specs = _specs(at)
    assert specs and all("suspicious tickets excluded" in " ".join(s["title"]["subtitle"]) for s in specs)
    captions = " ".join(c.value for c in at.caption)
    assert captions.count("suspicious tickets excluded") >= len(at.dataframe)


def test_add_and_delete_a_figure_from_the_page(app_env):
    at = _open()
    at.text_input(key="bench-value").input("45")
    at.text_input(key="bench-stat").input("contract")
    at.text_input(key="bench-segment").input("Acme enterprise")
    at.text_input(key="bench-source").input("MSA with Acme, section 4")
    next(b for b in at.button if b.label == "Add figure").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "MSA with Acme, section 4" in _cells(at)

    at.button(key="bench-delete").click().run()
    assert not at.exception and not at.error
    assert "MSA with Acme, section 4" not in _cells(at)


def test_an_invalid_figure_is_refused_with_a_sentence(app_env):
    at = _open()
    at.text_input(key="bench-value").input("fast")
    at.text_input(key="bench-stat").input("contract")
    at.text_input(key="bench-segment").input("Acme")
    at.text_input(key="bench-source").input("MSA")
    next(b for b in at.button if b.label == "Add figure").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["The value 'fast' is not a number: enter digits only, e.g. 240 or 85.5."]


def test_page_without_data_shows_the_empty_state(app_env, monkeypatch):
    import slacore.sample

    monkeypatch.setattr(slacore.sample, "SAMPLE_FILES", ())
    at = _open()
    assert not at.exception, at.exception
    assert not at.error
    assert any("No tickets yet" in i.value for i in at.info)
    assert not at.dataframe and not _charts(at)
