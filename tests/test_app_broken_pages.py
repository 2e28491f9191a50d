"""A broken page fails its test: the guard (pages.shared.guarded) must never again hide a failure from the AppTests.

For each page, one slacore function it calls is made to raise. The user still sees one sentence and no traceback,
and `assert_clean` — what every AppTest asserts — fails, naming the sentence.
"""

from __future__ import annotations

import pytest

from apptest_helpers import UNEXPECTED, assert_clean, error_texts, open_page, unchecked_errors
from slacore.errors import UserError

# (page, the slacore function made to fail, the guard's name for what could not be shown)
BROKEN = [
    ("pages/home.py", "slacore.overview.totals", "The home page"),
    ("pages/home.py", "slacore.sample.ensure_sample_data", "Start-up"),  # app.py, before every page
    ("pages/performance.py", "slacore.analysis.performance_view", "The performance page"),
    ("pages/trends.py", "slacore.analysis.p_chart", "The trends page"),
    ("pages/benchmarks.py", "slacore.benchmarks.team_standing", "The benchmarks page"),
    ("pages/quality.py", "slacore.quality.report", "The data quality page"),
    ("pages/targets.py", "slacore.targets.history", "The history"),
    ("pages/data.py", "slacore.importers.pipeline.list_imports", "The import list"),
    ("pages/review.py", "slacore.reviews.list_reviews", "The reviews page"),
]


def _fail(*args, **kwargs):
    raise RuntimeError("injected failure")


@pytest.mark.parametrize("page, function, guard", BROKEN,
                         ids=[f"{p[6:-3]}:{f.rsplit('.', 1)[1]}" for p, f, _ in BROKEN])
def test_a_broken_page_fails_its_test(app_env, monkeypatch, page, function, guard):
    monkeypatch.setattr(function, _fail)  # the page's healthy run is its own tests' business
    at = open_page(page)
    assert not at.exception, "the guard shows a sentence, never a traceback"
    assert error_texts(at) == [f"{guard} {UNEXPECTED}"]
    with pytest.raises(AssertionError, match="error on the page") as failed:
        assert_clean(at)
    assert f"{guard} {UNEXPECTED}" in str(failed.value), "the failure names the sentence the user saw"


def test_a_user_error_is_its_own_sentence_and_fails_the_test_too(app_env, monkeypatch):
    sentence = "The database file is in use by another program: close it and reload the page."

    def refuse(*args, **kwargs):
        raise UserError(sentence)

    monkeypatch.setattr("slacore.analysis.performance_view", refuse)
    at = open_page("pages/performance.py")
    assert not at.exception
    assert error_texts(at) == [sentence]
    with pytest.raises(AssertionError, match="error on the page"):
        assert_clean(at)


def test_an_error_no_test_looked_at_is_still_caught(app_env, monkeypatch):
    """The safety net in `app_env`: a test that forgets `assert_clean` still fails at teardown."""
    monkeypatch.setattr("slacore.quality.report", _fail)
    at = open_page("pages/quality.py")
    assert not at.exception  # all an old-style test asserted: it would pass
    assert unchecked_errors([at]) == [f"The data quality page {UNEXPECTED}"]
    error_texts(at)  # now looked at: the teardown lets this test pass
    assert unchecked_errors([at]) == []
