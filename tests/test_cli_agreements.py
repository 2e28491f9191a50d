"""The command line for agreements: `summary --agreement NAME` and `report --agreement NAME` — only the agreement's
targets, within its scope; an unknown name is one sentence and exit 2; every existing `--json` key unchanged."""

from __future__ import annotations

import openpyxl
import pytest

from test_cli_targets import KEYS, assert_refused, call, last_json, run
from ticketdata import add_tickets, tk, u

YAML = """\
targets:
  - name: Fast reply
    metric: first_response
    within: 1h
    goal: 90%
  - name: Resolved in a day
    metric: resolution
    within: 24h
    goal: 80%
  - name: Internal reply
    metric: first_response
    within: 4h
    goal: 80%
agreements:
  - name: ACME support
    kind: SLA
    counterparty: ACME Corp
    scope: {customer: ACME}
    cadence: quarter
    targets: [Fast reply, Resolved in a day]
"""
PERIOD = ["--from", "2025-01-01", "--to", "2025-01-28", "--as-of", "2025-02-01T00:00:00Z"]


@pytest.fixture
def db(tmp_path):
    """January 2025: ACME answered in 30 min on even days, 2 h on odd days; Globex always in 3 h."""
    from slacore.sla_yaml import apply_yaml
    from slacore.store import close_all, open_store

    path = tmp_path / "agreements.duckdb"
    store = open_store(path)
    rows = []
    for day in range(1, 29):
        slow = day % 2 == 1
        rows.append(tk(f"a{day}", u(2025, 1, day, 9), fr=u(2025, 1, day, 11 if slow else 9, 30),
                       rs=u(2025, 1, day, 15), customer="ACME", team="Tier 1"))
        rows.append(tk(f"g{day}", u(2025, 1, day, 10), fr=u(2025, 1, day, 13), rs=u(2025, 1, day, 16),
                       customer="Globex", team="Tier 2"))
    add_tickets(store, *rows)
    apply_yaml(store, YAML)
    close_all()
    return path


def test_summary_of_one_agreement_keeps_the_json_shape(db):
    whole = last_json(run("summary", "--db", db, *PERIOD, "--json"))
    assert set(whole) == {"targets"}, "without --agreement the output is as it was"
    assert [t["name"] for t in whole["targets"]] == ["Fast reply", "Resolved in a day", "Internal reply"]

    one = last_json(run("summary", "--db", db, *PERIOD, "--agreement", "ACME support", "--json"))
    assert all(set(t) == KEYS for t in one["targets"])
    assert [t["name"] for t in one["targets"]] == ["Fast reply", "Resolved in a day"]
    fast = one["targets"][0]
    assert (fast["met"], fast["breached"], fast["attainment"], fast["goal_met"]) == (14, 14, 50.0, False), \
        "ACME's tickets only"
    assert whole["targets"][0]["breached"] == 42, "Globex's late replies count without the agreement"
    assert one["agreement"] == {"name": "ACME support", "kind": "SLA", "counterparty": "ACME Corp",
                                "cadence": "quarter", "scope": {"customer": ["ACME"]}, "description": "",
                                "service_credits": None}


def test_summary_of_an_unknown_agreement_is_one_sentence_and_exit_2(db):
    refused = run("summary", "--db", db, *PERIOD, "--agreement", "Globex", "--json")
    assert refused.returncode == 2 and refused.stdout == ""
    assert_refused(refused, "There is no agreement called 'Globex' (known: ACME support).")


def test_human_summary_names_the_agreement(db, capsys):
    human = call(capsys, "summary", "--db", db, *PERIOD, "--agreement", "acme support")
    assert human.returncode == 0, human.stderr
    lines = human.stdout.strip().splitlines()
    assert lines[0] == "ACME support: SLA with ACME Corp · quarterly reviews · customer = ACME"
    assert len(lines) == 4 and lines[2].startswith("Fast reply") and lines[2].split()[-1] == "MISSED"


def test_report_of_one_agreement_holds_its_targets_and_names_it(db, tmp_path, capsys):
    out = tmp_path / "acme.xlsx"
    done = call(capsys, "report", "--db", db, *PERIOD, "--agreement", "ACME support", "--out", out, "--json")
    printed = last_json(done)
    assert printed["agreement"] == "ACME support" and printed["scope"] == {"customer": ["ACME"]}
    summary = last_json(call(capsys, "summary", "--db", db, *PERIOD, "--agreement", "ACME support", "--json"))
    assert printed["summary"] == {"targets": summary["targets"]}, "the pack holds what summary prints"
    sheet = openpyxl.load_workbook(out)["Summary"]
    assert sheet["A1"].value == "SLA report · agreement ACME support (SLA with ACME Corp)"
    rows = list(sheet.iter_rows(min_row=6, values_only=True))
    assert [r[0] for r in rows if r[0]] == ["Fast reply", "Resolved in a day"]
    plain = last_json(call(capsys, "report", "--db", db, *PERIOD, "--out", tmp_path / "all.xlsx", "--json"))
    assert plain["agreement"] is None and len(plain["summary"]["targets"]) == 3


@pytest.mark.parametrize("extra, message", [
    (["--agreement", "Nope"], "There is no agreement called 'Nope'"),
    (["--agreement", "ACME support", "--where", "customer=Globex"], "covers customer ACME only, not Globex"),
    (["--agreement", "ACME support", "--where", "team=Tier 9"], "No ticket has team 'Tier 9'"),
])
def test_report_refusals_are_one_sentence(db, tmp_path, capsys, extra, message):
    out = tmp_path / "x.xlsx"
    refused = call(capsys, "report", "--db", db, *PERIOD, *extra, "--out", out)
    assert refused.returncode == 2
    assert_refused(refused, message)
    assert not out.exists()


def test_report_narrows_an_agreement_with_where(db, tmp_path, capsys):
    printed = last_json(call(capsys, "report", "--db", db, *PERIOD, "--agreement", "ACME support",
                             "--where", "team=Tier 1", "--out", tmp_path / "t1.html", "--json"))
    assert printed["scope"] == {"customer": ["ACME"], "team": ["Tier 1"]}
    assert printed["summary"]["targets"][0]["met"] == 14


def test_a_held_review_with_agreement_is_refused(db, tmp_path, capsys):
    refused = call(capsys, "report", "--db", db, "--review", "R", "--agreement", "ACME support",
                   "--out", tmp_path / "r.xlsx")
    assert_refused(refused, "leave out")


def test_targets_apply_and_export_round_trip_agreements(db, tmp_path):
    exported = run("targets", "export", "--db", db)
    assert exported.returncode == 0, exported.stderr
    assert "agreements:" in exported.stdout
    (tmp_path / "back.yaml").write_text(exported.stdout, encoding="utf-8")
    applied = last_json(run("targets", "apply", tmp_path / "back.yaml", "--db", db, "--json"))
    assert applied == {"calendars": 0, "created": 0, "changed": 0, "unchanged": 3, "agreements": 0}
