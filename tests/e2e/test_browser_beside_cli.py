"""In a real browser, beside real command-line runs: the app serves a database while `python -m slacore import` and
`summary --json` run against the same file (handed to the app, slacore.handover) and a browser session reads pages.
Every import lands once, the summary equals what the Performance page shows, and no page shows an error."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from helpers_e2e import as_int, metric_value, running_app, wait_for_app
from paths import REPO

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MONTH = ("2026-09-01", "2026-09-30")  # inside the sample data's range, so the as-of time stays the sample's
PAGES = ("home", "performance", "trends", "quality", "targets", "data", "benchmarks")


def _nightly_export(path: Path, seed: int, rows: int) -> None:
    """A generic export of `rows` tickets created in MONTH, answered and resolved at random."""
    rng = random.Random(seed)
    lines = ["Ticket ID,Created,First response,Resolved,Priority,Team,Channel,Customer,Subject"]
    start = datetime(2026, 9, 1)
    for i in range(rows):
        created = start + timedelta(minutes=rng.randrange(29 * 24 * 60))
        answered = created + timedelta(minutes=rng.randrange(1, 600))
        resolved = answered + timedelta(minutes=rng.randrange(1, 3000))
        lines.append(f"N{seed}-{i},{created:%Y-%m-%d %H:%M:%S},{answered:%Y-%m-%d %H:%M:%S},"
                     f"{resolved:%Y-%m-%d %H:%M:%S},{rng.choice(['urgent', 'high', 'normal', 'low'])},"
                     f"{rng.choice(['Tier 1', 'Tier 2'])},email,Customer {i % 7},Subject {seed}-{i}")
    path.write_text("\n".join(lines) + "\n")


def _cli(*args, cwd: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("SLACORE_DEBUG", "SLA_DB")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.Popen([sys.executable, "-m", "slacore", *map(str, args)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen, timeout: float = 180) -> dict:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0 and "Traceback" not in err, (proc.args, proc.returncode, err)
    return json.loads(out.strip().splitlines()[-1])


def _no_error_on(page) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)


def _tile(page, name: str, caption: str) -> str:
    """A Performance tile's attainment text, once its caption (the counts in the metric's words) is there."""
    metric = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(name, exact=True))
    box = page.get_by_test_id("stVerticalBlock").filter(has=metric).filter(
        has=page.get_by_test_id("stCaptionContainer").get_by_text(caption, exact=True))
    assert box.count() >= 1, (name, caption)
    return metric_value(page, name)


def test_imports_and_summary_beside_the_running_app(browser, tmp_path):
    db = tmp_path / "beside.duckdb"
    files = []
    for seed, rows in ((1, 400), (2, 250), (3, 600)):
        files.append(tmp_path / f"nightly-{seed}.csv")
        _nightly_export(files[-1], seed, rows)
    with running_app(db, tmp_path / "streamlit.log") as base:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(60_000)
        page = context.new_page()
        try:
            page.goto(f"{base}/home")
            wait_for_app(page, timeout=120_000, settle_ms=500)  # the first start loads the sample data
            _no_error_on(page)
            sample_tickets = as_int(metric_value(page, "Tickets"))
            assert (tmp_path / "beside.duckdb.app.sock").is_socket(), "the app serves its job endpoint"

            # Four imports at once (one of them twice over the same tickets), while the browser reads pages.
            # (--db relative to the caller's directory, like the file names.)
            running = [_cli("import", f.name, "--json", "--source", f.stem, "--db", db.name, cwd=tmp_path)
                       for f in files]
            running.append(_cli("import", FIXTURES / "zendesk_export.csv", "--json", "--source", "zd", "--db", db,
                                cwd=tmp_path))
            for name in PAGES:
                page.goto(f"{base}/{name}")
                wait_for_app(page, timeout=120_000, settle_ms=300)
                _no_error_on(page)
            reports = [_finish(p) for p in running]
            again = _finish(_cli("import", files[0].name, "--json", "--source", files[0].stem, "--db", db,
                                 cwd=tmp_path))
            assert again["loaded"] == 0 and again["updated"] == reports[0]["loaded"]

            listed = _finish(_cli("datasets", "--json", "--db", db, cwd=tmp_path))["imports"]
            names = [r["file_name"] for r in listed]
            # Each import once; the repeat of the first file is logged too, but its tickets are not doubled.
            assert [names.count(f.name) for f in files] == [2, 1, 1], names
            assert names.count("zendesk_export.csv") == 1
            new_tickets = sum(r["loaded"] for r in reports)
            assert [r["loaded"] for r in reports[:3]] == [400, 250, 600]

            # The same session, on its next rerun, shows every import once.
            page.get_by_test_id("stSidebarNav").get_by_role("link", name="Home", exact=True).click()
            wait_for_app(page, settle_ms=500)
            _no_error_on(page)
            assert as_int(metric_value(page, "Tickets")) == sample_tickets + new_tickets

            # A target applied from the command line is judged on the page too.
            (tmp_path / "extra.yaml").write_text(
                "targets:\n  - {name: Nightly resolution, metric: resolution, within: 24h, goal: 80%}\n")
            applied = _finish(_cli("targets", "apply", "extra.yaml", "--json", "--db", db, cwd=tmp_path))
            assert applied["created"] == 1, applied
            listed = _finish(_cli("targets", "list", "--json", "--db", db, cwd=tmp_path))["targets"]
            assert "Nightly resolution" in [t["name"] for t in listed]

            # The summary the command line prints is what the Performance page shows for the same period.
            summary = _finish(_cli("summary", "--from", MONTH[0], "--to", MONTH[1], "--json", "--db", db,
                                   cwd=tmp_path))
            assert "Nightly resolution" in [t["name"] for t in summary["targets"]], summary
            page.goto(f"{base}/performance?period=custom&from={MONTH[0]}&to={MONTH[1]}")
            wait_for_app(page, timeout=120_000, settle_ms=500)
            _no_error_on(page)
            from slacore import metric_defs

            for target in summary["targets"]:  # every metric's tile, its counts in the metric's own words
                kind = metric_defs.get(target["metric"])
                caption = kind.counts_text(target["met"], target["breached"], target["pending"],
                                           target.get("unmeasured", 0))
                shown = _tile(page, target["name"], caption)
                expected = "–" if target["attainment"] is None else f"{target['attainment']:.{kind.precision}f}%"
                assert shown == expected, (target, shown)
            assert sum(t["met"] + t["breached"] + t["pending"] for t in summary["targets"]) > 0
        finally:
            context.close()
        assert "Traceback" not in (tmp_path / "streamlit.log").read_text(errors="replace")
    assert not (tmp_path / "beside.duckdb.app.sock").exists(), "a stopped app leaves no endpoint behind"
