"""AppTest of agreements on the sample data: the Targets page groups targets by agreement and lets an editor create
and edit one (a viewer sees it read-only, and a viewer's save is refused by slacore); the Review page starts a
review for an agreement (its cadence, scope and series filled in, its name in the header, only its targets) and
its action status form starts from the item's own status."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import TIMEOUT, assert_clean, assert_errors, open_page, shown, texts
from paths import REPO
from slacore import auth

ACME_TARGETS = ["Urgent first response", "Urgent resolution"]


def _store(db_path):
    from slacore.store import open_store

    return open_store(db_path)


def _define_acme(db_path, targets=ACME_TARGETS):
    from slacore import agreements as ag

    store = _store(db_path)
    ag.save_agreement(store, ag.build_agreement("ACME support", "SLA", "Acme Corp", {"customer": "Acme Corp"},
                                                "month", "Schedule B", ag.target_ids_for(store, targets)),
                      author="lead", reason="contract signed")
    return store


def _target_id(store, name: str) -> int:
    from slacore.targets import get_target

    return get_target(store, name).target_id


def test_an_editor_creates_and_edits_an_agreement(app_env):
    at = open_page("pages/targets.py")
    assert_clean(at)
    assert "No agreement yet." in texts(at)
    store = _store(app_env)
    at.text_input(key="agr-name-new").input("ACME support")
    at.text_input(key="agr-party-new").input("Acme Corp")
    at.multiselect(key="agr-scope-customer-new").set_value(["Acme Corp"])
    at.multiselect(key="agr-targets-new").set_value([_target_id(store, n) for n in ACME_TARGETS])
    at.text_input(key="agr-reason-new").input("contract signed")
    at.button(key="FormSubmitter:agreement-form-new-Save agreement").click().run()
    assert_clean(at)
    assert [shown(s.value) for s in at.success] == ["Saved — ACME support: created."]
    labels = [e.label for e in at.expander]
    assert "ACME support — SLA with Acme Corp (2 targets)" in labels
    outside = len(store.rows("SELECT 1 FROM targets")) - len(ACME_TARGETS)  # the sample template's other targets
    assert f"Targets outside any agreement ({outside})" in labels
    rows = store.rows("SELECT a.name, v.version, v.author, v.reason FROM agreements a JOIN agreement_versions v "
                      "USING (agreement_id)")
    assert [(name, version, reason) for name, version, _, reason in rows] == [("ACME support", 1, "contract signed")]
    assert rows[0][2], "the author is recorded"
    grouped = [df.value for df in at.dataframe if "metric" in df.value.columns]
    assert list(grouped[-2]["name"]) == ACME_TARGETS, "the agreement's expander lists its targets"
    assert list(grouped[-1]["name"]) == ["High first response", "Standard first response", "Standard resolution",
                                         "Customer satisfaction", "First contact resolution", "Service uptime"]

    # edit: the form starts from the stored values; the save is version 2 with its reason, in the history
    at.selectbox(key="agreement-pick").set_value("ACME support").run()
    assert_clean(at)
    slot = str(store.scalar("SELECT agreement_id FROM agreements"))
    assert at.text_input(key=f"agr-party-{slot}").value == "Acme Corp"
    assert at.multiselect(key=f"agr-scope-customer-{slot}").value == ["Acme Corp"]
    assert at.selectbox(key=f"agr-cadence-{slot}").value == "quarter"
    at.selectbox(key=f"agr-cadence-{slot}").set_value("month")
    at.text_input(key=f"agr-reason-{slot}").input("monthly reviews from March")
    at.button(key=f"FormSubmitter:agreement-form-{slot}-Save agreement").click().run()
    assert_clean(at)
    assert [shown(s.value) for s in at.success] == ["Saved — ACME support: changed."]
    history = [df.value for df in at.dataframe if "agreement" in df.value.columns][0]
    assert list(history["version"]) == [1, 2]
    assert list(history["reason"]) == ["contract signed", "monthly reviews from March"]
    assert "monthly reviews" in history["change"].iloc[-1]


def test_a_target_in_another_agreement_is_refused_in_one_sentence(app_env):
    at = open_page("pages/targets.py")
    store = _define_acme(app_env)
    at.run()
    at.text_input(key="agr-name-new").input("Tier 1 OLA")
    at.selectbox(key="agr-kind-new").set_value("OLA")
    at.multiselect(key="agr-targets-new").set_value([_target_id(store, "Urgent resolution")])
    at.button(key="FormSubmitter:agreement-form-new-Save agreement").click().run()
    assert_errors(at, ["The target 'Urgent resolution' belongs to the agreement 'ACME support' already; a target "
                       "belongs to at most one agreement, so take it out of 'ACME support' first."])
    assert store.scalar("SELECT count(*) FROM agreements") == 1
    assert "Targets" in [t.label for t in at.tabs], "the rest of the page is still there"


def test_a_nameless_agreement_is_refused_in_one_sentence(app_env):
    at = open_page("pages/targets.py")
    at.button(key="FormSubmitter:agreement-form-new-Save agreement").click().run()
    assert_errors(at, ["The agreement cannot be saved: name: an agreement needs a name."])


@pytest.fixture
def password_secrets() -> dict:
    return {"sla_auth": {"mode": "password", "users": {
        "vera": {"role": "viewer", "password_hash": auth.hash_password("vera's password")}}}}


def _as_vera(secrets) -> AppTest:
    auth.SIGN_INS.reset()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    at.secrets.update(secrets)
    at.run()
    at.text_input(key="sign-in-name").input("vera")
    at.text_input(key="sign-in-password").input("vera's password")
    at.button[0].click().run()
    at.switch_page("pages/targets.py")
    at.run()
    return at


def test_a_viewer_sees_agreements_read_only(app_env, password_secrets):
    at = _as_vera(password_secrets)
    with auth.acting_as(auth.Principal("lead", "admin")):
        _define_acme(app_env)
    at.run()
    assert_clean(at)
    assert "ACME support — SLA with Acme Corp (2 targets)" in [e.label for e in at.expander]
    assert "Save agreement" not in [b.label for b in at.button]
    assert not [w for w in at.text_input if str(w.key).startswith("agr-")]


def test_a_viewers_save_is_refused_by_slacore(app_env, password_secrets, monkeypatch):
    monkeypatch.setattr("pages.shared.can_edit", lambda: True)  # a page that forgot to hide the form
    at = _as_vera(password_secrets)
    at.text_input(key="agr-name-new").input("Sneaky")
    at.button(key="FormSubmitter:agreement-form-new-Save agreement").click().run()
    assert_errors(at, ["vera is signed in as a viewer, who can look and download but not change anything: ask an "
                       "admin for the editor role."])
    assert _store(app_env).scalar("SELECT count(*) FROM agreements") == 0


# -- the Review page ---------------------------------------------------------------------------------------------
def test_a_review_for_an_agreement_is_prefilled_and_judges_its_targets(app_env):
    at = open_page("pages/review.py")
    assert_clean(at)
    assert not [s for s in at.selectbox if s.key == "new-agreement"], "no agreement: the form is as it was"
    store = _define_acme(app_env)
    at.run()
    at.selectbox(key="new-agreement").set_value("ACME support").run()
    assert_clean(at)
    slot = store.scalar("SELECT agreement_id FROM agreements")
    assert at.multiselect(key=f"new-scope-customer-{slot}").value == ["Acme Corp"]
    assert at.selectbox(key=f"new-series-{slot}").value == "ACME support"
    at.text_input[0].input("ACME November")
    at.button(key="FormSubmitter:new-review-Start the review").click().run()
    assert_clean(at)
    cadence, series, agreement_id, start, end = store.rows(
        "SELECT cadence, series, agreement_id, period_start, period_end FROM reviews")[0]
    assert (cadence, series, agreement_id) == ("month", "ACME support", slot), "the agreement's cadence and series"
    assert start.day == 1 and (end - start).days >= 27, "the agreement's monthly cadence"
    assert "Agreement: ACME support (SLA with Acme Corp) — only its targets are judged" in [t.value for t in at.text]
    table = at.dataframe[0].value
    assert list(table["Target"]) == ACME_TARGETS
    from slacore import agreements as ag

    expected = ag.summarize_agreement(store, ag.get_agreement(store, "ACME support"), start, end)
    assert list(table["Met"]) == [int(v) for v in expected["met"]]


def test_the_status_form_starts_from_the_items_status(app_env):
    from slacore import reviews

    at = open_page("pages/review.py")
    store = _store(app_env)
    review = reviews.start_review(store, "Sep", "Team", "custom", date(2026, 9, 1), date(2026, 9, 30))
    first = reviews.add_action(store, review.review_id, "Staff mornings", "Ana")
    done = reviews.add_action(store, review.review_id, "Fix the auto-reply", "Ben")
    reviews.set_action_status(store, review.review_id, done, "done")
    page = open_page("pages/review.py", {"review": str(review.review_id)})
    assert_clean(page)
    rid = review.review_id
    page.selectbox(key=f"act-pick-{rid}").set_value(done).run()
    assert_clean(page)
    assert page.selectbox(key=f"act-status-{rid}").value == "done", "editing a done item does not offer 'open'"
    page.selectbox(key=f"act-pick-{rid}").set_value(first).run()
    assert page.selectbox(key=f"act-status-{rid}").value == "open"
    page.selectbox(key=f"act-pick-{rid}").set_value(done).run()
    page.selectbox(key=f"act-status-{rid}").set_value("dropped")
    page.button(key=f"FormSubmitter:action-status-{rid}-Update").click().run()
    assert_clean(page)
    assert store.scalar("SELECT status FROM review_actions WHERE action_id = ?", [done]) == "dropped"
    assert page.selectbox(key=f"act-status-{rid}").value == "dropped"
    assert_clean(at)
