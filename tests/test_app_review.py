"""AppTest of the Reviews page: start a review on the sample data, write notes and action items that persist across
reruns and a restart, carry open items over, sign off, propose a target change, and the empty states."""

from __future__ import annotations

from datetime import date

from apptest_helpers import assert_clean as _clean, open_page, texts


def _store(db_path):
    from slacore.store import open_store

    return open_store(db_path)


def _start(at, name: str, series: str | None = None):
    at.text_input[0].input(name)
    if series:
        at.selectbox[0].select(series)
    at.text_input[1].input("Ana, Ben")
    at.button(key="FormSubmitter:new-review-Start the review").click().run()
    return at


def test_no_tickets_says_so(empty_app):
    at = open_page("pages/review.py")
    _clean(at)
    assert "No tickets yet" in texts(at)


def test_start_a_review_and_see_its_frozen_figures(app_env):
    at = open_page("pages/review.py")
    _clean(at)
    assert "No review held yet." in texts(at)
    _start(at, "Sprint 48 check-in")
    _clean(at)
    store = _store(app_env)
    review_id, name, start, end = store.rows("SELECT review_id, name, period_start, period_end FROM reviews")[0]
    assert name == "Sprint 48 check-in" and (end - start).days == 13, "two weeks by default"
    assert at.query_params["review"] == [str(review_id)] or at.query_params["review"] == str(review_id)
    assert "Sprint 48 check-in" in [s.value for s in at.subheader]
    from slacore.metrics import summarize

    expected = summarize(store, start, end)
    missed = int((expected["goal_met"] == False).sum())  # noqa: E712 - pandas boolean column
    assert (f"**{missed} of {len(expected)} targets missed their goal**" in texts(at) if missed
            else f"All {len(expected)} targets" in texts(at))
    table = at.dataframe[0].value
    assert list(table["Target"]) == list(expected["name"])
    assert list(table["Met"]) == [int(v) for v in expected["met"]]
    labels = [d.label for d in at.get("download_button")]
    assert "Review pack (Excel)" in labels and "Report (HTML)" in labels


def test_notes_and_actions_persist_across_reruns_and_a_restart(app_env):
    at = open_page("pages/review.py")
    _start(at, "Week 1")
    rid = str(_store(app_env).scalar("SELECT review_id FROM reviews"))
    at.text_area(key=f"note-{rid}-targets-text").input("Urgent resolution is far off.")
    at.button(key=f"FormSubmitter:note-{rid}-targets-Save notes").click().run()
    _clean(at)
    at.text_input(key=f"act-text-{rid}").input("Add an urgent queue alarm")
    at.text_input(key=f"act-owner-{rid}").input("Ana")
    at.date_input(key=f"act-due-{rid}").set_value(date(2020, 1, 1))
    at.button(key=f"FormSubmitter:action-new-{rid}-Add action item").click().run()
    _clean(at)
    assert any("1 open action item is overdue" in w.value for w in at.warning), "an overdue item is marked"

    from slacore.store import close_all
    import streamlit as st

    close_all()
    st.cache_resource.clear()
    again = open_page("pages/review.py", {"review": rid})
    _clean(again)
    assert again.text_area(key=f"note-{rid}-targets-text").value == "Urgent resolution is far off."
    items = [df.value for df in again.dataframe if "Action" in df.value.columns][0]
    assert list(items["Action"]) == ["Add an urgent queue alarm"] and list(items["Owner"]) == ["Ana"]

    # The next review of the series carries the open item over.
    listing = open_page("pages/review.py")
    _start(listing, "Week 2", series="Week 1")
    _clean(listing)
    carried = [df.value for df in listing.dataframe if "Action" in df.value.columns][0]
    assert list(carried["Action"]) == ["Add an urgent queue alarm"] and list(carried["Raised in"]) == ["Week 1"]


def test_sign_off_makes_the_review_read_only(app_env):
    at = open_page("pages/review.py")
    _start(at, "Q4 client review")
    _clean(at)
    rid = str(_store(app_env).scalar("SELECT review_id FROM reviews"))
    at.text_input(key=f"sign-who-{rid}").input("Client Lead")
    at.button(key=f"FormSubmitter:sign-off-{rid}-Mark as agreed").click().run()
    _clean(at)
    assert any("Agreed by Client Lead" in s.value for s in at.success)
    keys = {getattr(w, "key", None) for w in at.text_area} | {getattr(w, "key", None) for w in at.text_input}
    assert f"note-{rid}-targets-text" not in keys and f"act-text-{rid}" not in keys, "nothing left to edit"


def test_a_proposed_change_opens_prefilled_on_targets_and_names_the_review(app_env):
    at = open_page("pages/review.py")
    _start(at, "Monthly ops")
    rid = str(_store(app_env).scalar("SELECT review_id FROM reviews"))
    at.selectbox(key=f"prop-target-{rid}").select("Urgent resolution")
    at.text_input(key=f"prop-goal-{rid}").input("80%")
    at.button(key=f"FormSubmitter:proposal-{rid}-Open on the Targets page").click().run()
    _clean(at)
    assert "Proposed in a review" in texts(at)
    assert any("Urgent resolution: goal 80%" in t.value for t in at.text)
    at.switch_page("pages/targets.py")  # AppTest forgets a switch made by the script on the next run
    at.button(key="FormSubmitter:apply-proposal-Apply as a new version").click().run()
    _clean(at)
    assert any("Saved a new version" in s.value for s in at.success)
    reason = _store(app_env).scalar("""SELECT v.reason FROM target_versions v JOIN targets t USING (target_id)
                                       WHERE t.name = 'Urgent resolution' ORDER BY v.version DESC LIMIT 1""")
    assert "Review 'Monthly ops'" in reason


def test_names_typed_by_users_are_shown_as_text_not_markdown(app_env):
    """A review name or a sign-off name is plain text on the page: no link, no image fetched from elsewhere."""
    at = open_page("pages/review.py")  # loads the sample data
    _clean(at)
    from slacore import reviews

    store = _store(app_env)
    first = reviews.start_review(store, "Q1 ![pixel](http://evil.example/p.png)", "ACME", "custom",
                                 date(2026, 9, 1), date(2026, 9, 30))
    second = reviews.start_review(store, "Q2 **bold** [site](http://evil.example)", "ACME", "custom",
                                  date(2026, 10, 1), date(2026, 10, 31))
    reviews.sign_off(store, second.review_id, "[Ana](http://evil.example)")
    page = open_page("pages/review.py", {"review": str(second.review_id)})
    _clean(page)
    shown = [s.value for s in page.subheader] + [s.value for s in page.success]
    shown += [link.proto.label for link in page.get("page_link")]
    assert any("Q2" in v for v in shown) and any("Q1" in v for v in shown) and any("Ana" in v for v in shown)
    for value in shown:
        assert "](http" not in value and "**bold**" not in value, f"rendered as markdown: {value!r}"
    assert first.review_id != second.review_id


def test_the_saved_proposal_names_the_review_as_text(app_env):
    at = open_page("pages/review.py")
    _start(at, "Ops [site](http://evil.example)")
    rid = str(_store(app_env).scalar("SELECT review_id FROM reviews"))
    at.selectbox(key=f"prop-target-{rid}").select("Urgent resolution")
    at.text_input(key=f"prop-goal-{rid}").input("80%")
    at.button(key=f"FormSubmitter:proposal-{rid}-Open on the Targets page").click().run()
    at.switch_page("pages/targets.py")
    at.button(key="FormSubmitter:apply-proposal-Apply as a new version").click().run()
    _clean(at)
    saved = [s.value for s in at.success if "Saved a new version" in s.value]
    assert saved and "Ops" in saved[0] and "](http" not in saved[0]


def test_the_review_says_which_period_it_is_compared_with(app_env):
    at = open_page("pages/review.py")
    _start(at, "Sprint check-in")
    _clean(at)
    snap = __import__("json").loads(_store(app_env).scalar("SELECT snapshot FROM reviews"))
    before = snap["previous_period"]
    assert f'"Previous period" is {before[0]} to {before[1]}.' in texts(at)


def test_a_link_to_an_unknown_review_says_so_and_leads_back(app_env):
    from apptest_helpers import assert_errors

    at = open_page("pages/review.py", {"review": "999"})
    assert_errors(at, ["There is no review number 999."])
    at.button(key="back").click().run()
    _clean(at)
    assert "Start a review" in [e.label for e in at.expander]


def test_a_period_without_decided_tickets_says_so(app_env):
    at = open_page("pages/review.py")  # loads the sample data and its targets
    _clean(at)
    from slacore import reviews

    empty = reviews.start_review(_store(app_env), "Before the data", "Old", "custom", date(2001, 1, 1),
                                 date(2001, 1, 31))
    page = open_page("pages/review.py", {"review": str(empty.review_id)})
    _clean(page)
    assert "No target has decided tickets in the period." in texts(page)
    assert "All " not in texts(page)


def test_a_refused_status_change_is_one_sentence_and_the_page_goes_on(app_env):
    """January is still open; February, agreed, shows January's item open: closing it from January is refused."""
    from apptest_helpers import assert_errors
    from slacore import reviews

    at = open_page("pages/review.py")
    _clean(at)
    store = _store(app_env)
    jan = reviews.start_review(store, "Jan", "Team", "custom", date(2026, 9, 1), date(2026, 9, 30))
    item = reviews.add_action(store, jan.review_id, "Staff mornings", "Ana")
    feb = reviews.start_review(store, "Feb", "Team", "custom", date(2026, 10, 1), date(2026, 10, 31))
    reviews.sign_off(store, feb.review_id, "Client Lead")
    page = open_page("pages/review.py", {"review": str(jan.review_id)})
    _clean(page)
    page.selectbox(key=f"act-pick-{jan.review_id}").set_value(item)
    page.selectbox(key=f"act-status-{jan.review_id}").set_value("done")
    page.button(key=f"FormSubmitter:action-status-{jan.review_id}-Update").click().run()
    errors = [e.value for e in page.error]
    assert_errors(page, errors)
    assert len(errors) == 1 and "agreed review 'Feb'" in errors[0]
    assert f"sign-who-{jan.review_id}" in {w.key for w in page.text_input}, "the rest of the page is still there"


def test_two_people_writing_one_note_do_not_overwrite_each_other_silently(app_env):
    from apptest_helpers import assert_errors
    from slacore import reviews

    at = open_page("pages/review.py")
    _start(at, "Week 7")
    rid = int(_store(app_env).scalar("SELECT review_id FROM reviews"))
    reviews.save_note(_store(app_env), rid, "targets", "Colleague: Tier 2 short-staffed")  # another session
    at.text_area(key=f"note-{rid}-targets-text").input("Mine: urgent queue alarm")
    at.button(key=f"FormSubmitter:note-{rid}-targets-Save notes").click().run()
    from apptest_helpers import shown

    errors = [e.value for e in at.error]
    assert_errors(at, [shown(e) for e in errors])
    assert len(errors) == 1 and "Tier 2 short-staffed" in errors[0] and "meanwhile" in errors[0]
    assert reviews.notes(_store(app_env), rid)["targets"] == "Colleague: Tier 2 short-staffed"
    assert at.text_area(key=f"note-{rid}-targets-text").value == "Mine: urgent queue alarm", "nothing typed is lost"
    at.button(key=f"FormSubmitter:note-{rid}-targets-Save notes").click().run()  # saving again: theirs is replaced
    _clean(at)
    assert reviews.notes(_store(app_env), rid)["targets"] == "Mine: urgent queue alarm"


def test_a_refused_name_is_quoted_as_text(app_env):
    from apptest_helpers import assert_errors

    at = open_page("pages/review.py")
    _start(at, "Q1 ![pixel](http://evil.example/p.png)")
    _clean(at)
    listing = open_page("pages/review.py")
    _start(listing, "q1 ![pixel](http://evil.example/p.png)")
    from apptest_helpers import shown

    errors = [e.value for e in listing.error]  # the Markdown source: escaped
    assert_errors(listing, [shown(e) for e in errors])
    assert len(errors) == 1 and "exists already" in errors[0] and "](http" not in errors[0]
