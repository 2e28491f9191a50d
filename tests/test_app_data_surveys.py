"""AppTest of the Data page with survey exports: the kind detected from the header and changeable, the survey fields
in the mapping, and the report's scale, skipped summary rows and offered-only count."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from paths import REPO

SURVEYS = Path(__file__).resolve().parent / "fixtures" / "surveys"


def _upload(name: str, data: bytes | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/data.py")
    at.run()
    at.file_uploader(key="uploads").set_value((name, data or (SURVEYS / name).read_bytes(), "text/csv"))
    at.run()
    _clean(at)
    return at


def _clean(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def test_a_zendesk_satisfaction_export_is_detected_mapped_and_imported(empty_app):
    name = "zendesk_satisfaction.csv"
    at = _upload(name)
    kind = at.selectbox(key=f"kind-0-{name}")
    assert kind.value == "surveys" and "detected" in kind.label
    assert any("**Zendesk satisfaction export** export, 13 rows" in m.value for m in at.markdown)
    table = next(df.value for df in at.dataframe if "sure" in df.value.columns).set_index("field")
    assert table.loc["rating", "column"] == "Score" and table.loc["reason", "column"] == "Reason"
    assert "created_at" not in table.index
    assert any("Rating scale: good/bad" in c.value for c in at.caption)
    assert at.text_input(key=f"src-0-{name}").value == "zendesk-surveys"  # as the command line names it
    at.button(key=f"import-0-{name}").click()
    at.run()
    _clean(at)
    assert [s.value for s in at.success] == [f"Imported {name}."]
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["New responses"], metrics["Offered, not answered"], metrics["Rejected rows"]) == ("13", "2", "0")
    from slacore.store import open_store

    assert open_store(empty_app).rows("SELECT source, count(*) FROM surveys GROUP BY 1") == [("zendesk-surveys", 13)]


def test_the_detected_scale_and_skipped_summary_rows_are_shown(empty_app):
    at = _upload("numeric_1_10_low_first.csv")
    assert any("1-10" in c.value and "values" in c.value for c in at.caption)
    at = _upload("summary_rows.csv")
    assert any("4 summary rows skipped" in c.value for c in at.caption)
    at.button(key="import-0-summary_rows.csv").click()
    at.run()
    _clean(at)
    assert {m.label: m.value for m in at.metric}["New responses"] == "6"
    assert any("4 summary rows skipped" in c.value for c in at.caption)


def test_the_kind_can_be_changed_and_a_missing_rating_is_asked_for(empty_app):
    name = "marks.csv"
    at = _upload(name, b"Id,Mark,Opened\nA,4,2025-01-02 10:00\nB,2,2025-01-03 11:00\n")
    kind = at.selectbox(key=f"kind-0-{name}")
    assert kind.value == "tickets"
    kind.set_value("surveys")
    at.run()
    _clean(at)
    assert any("No column was recognised as the rating / score" in w.value for w in at.warning)
    table = next(df.value for df in at.dataframe if "sure" in df.value.columns)
    assert "rating" in set(table["field"]) and "created_at" not in set(table["field"])
