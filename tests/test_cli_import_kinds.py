"""`python -m slacore import --kind ...`: the kind detected or chosen, the survey keys added to the JSON contract, and
the refusals (a kind not importable yet, a header that could be two kinds) as one line, exit 2."""

from __future__ import annotations

from test_cli_import import FIXTURES, assert_refused, cli, last_json, stored

SURVEYS = FIXTURES / "surveys"
TICKET_KEYS = {"loaded", "updated", "rejected", "format", "source", "import_id", "file", "rows_read", "duplicates",
               "seconds", "mapping", "timestamp_formats", "notes", "columns", "asked", "timezone", "timezone_from",
               "measured_as", "placeholders"}


def test_a_survey_export_is_detected_and_reports_its_own_keys(tmp_path):
    db = tmp_path / "s.duckdb"
    out = last_json(cli("import", SURVEYS / "summary_rows.csv", "--db", db, "--json"))
    assert TICKET_KEYS <= set(out) and out["kind"] == "surveys"
    assert (out["loaded"], out["summary_rows_skipped"], out["scale_detected"], out["offered_only"]) == (6, 4, "1-5", 0)
    assert stored(db, "SELECT count(*) FROM surveys") == 6
    human = cli("import", SURVEYS / "zendesk_satisfaction.csv", "--db", db, "--kind", "surveys")
    assert human.returncode == 0 and "(surveys, zendesk," in human.stdout
    assert "2 surveys offered but not answered" in human.stdout
    listed = last_json(cli("datasets", "--db", db, "--json"))["imports"]
    assert [i["kind"] for i in listed] == ["surveys", "surveys"]


def test_a_ticket_export_without_kind_imports_as_before(tmp_path):
    db = tmp_path / "t.duckdb"
    out = last_json(cli("import", FIXTURES / "freshdesk_export.csv", "--db", db, "--json"))
    assert out["kind"] == "tickets" and out["format"] == "freshdesk"
    assert stored(db, "SELECT count(*) FROM surveys") == 0


def test_refusals_name_the_kind_and_store_nothing(tmp_path):
    db = tmp_path / "r.duckdb"
    assert_refused(cli("import", SURVEYS / "summary_rows.csv", "--db", db, "--kind", "incidents"),
                   "can be the service", "--map service=")
    assert_refused(cli("import", FIXTURES / "freshdesk_export.csv", "--db", db, "--kind", "surveys"),
                   "rating", "--map rating=")
    assert_refused(cli("import", SURVEYS / "summary_rows.csv", "--db", db, "--kind", "surveys", "--format", "jira"),
                   "Unknown format", "surveymonkey")
    assert not db.exists() or stored(db, "SELECT count(*) FROM imports") == 0


def test_a_header_that_could_be_two_kinds_is_refused_with_the_candidates(tmp_path, monkeypatch):
    from pathlib import Path

    import pytest

    from slacore.errors import UserError
    from slacore.importers.kind_pipeline import choose_kind
    from slacore.kinds import KINDS
    from slacore.kinds.base import ImportKind

    f = tmp_path / "log.csv"
    f.write_text("Response ID,Service,Rating,Comment\nR1,API,5,fine\n")  # surveys: 0.9
    twin = ImportKind(name="incidents", table="incidents", label="Incident log", fields={}, required=(), key="x",
                      columns=(), score=lambda headers: 0.85)
    with pytest.raises(UserError, match=r"could be .*\(surveys\) or .*\(incidents\).*--kind surveys"):
        choose_kind(Path(f), "log.csv", {**KINDS, "incidents": twin})
