"""Review sessions: a bi-weekly check-in or a quarterly client review, held in the app and kept in DuckDB.

A review belongs to a series (e.g. "ACME quarterly") and may be held for an agreement (slacore.agreements: then it
judges only that agreement's targets); it covers a period and a scope (filter-bar values), and keeps
the figures the meeting saw (a snapshot from slacore.review_figures, frozen when the review starts and refreshed
only on request while it is open), notes per section, and action items. Action items belong to the series: an open
item carries over into every review of the series for a later period until it is closed (done or dropped) — by
period, not by the order reviews were held in, so a review held late for an earlier period does not inherit what
was raised after it. Sign-off marks a
review agreed (who, when); an agreed review is read-only. Every write goes through the store's serialised
transactions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pandas as pd

from .agreements import CADENCES  # the review cadences: listed where agreements name theirs
from .errors import UserError
from .scope import Filters
from .review_figures import compute_snapshot, filters_dict, filters_from_dict
from .store import Store

SECTIONS = {
    "targets": "Targets: met or missed",
    "movers": "Biggest movers",
    "drivers": "What drove the breaches",
    "quality": "Data quality",
    "benchmarks": "Benchmark standing",
    "general": "General",
}
ACTION_STATUSES = ("open", "done", "dropped")
MAX_TEXT = 5000


@dataclass(frozen=True)
class Review:
    review_id: int
    series: str
    name: str
    cadence: str
    start: date
    end: date
    attendees: str
    scope: dict
    snapshot: dict
    frozen_at: datetime
    created_by: str
    agreed_by: str | None
    agreed_at: datetime | None
    agreement_id: int | None = None

    @property
    def agreed(self) -> bool:
        return self.agreed_at is not None

    @property
    def filters(self) -> Filters:
        return filters_from_dict(self.scope)


def default_period(cadence: str, today: date) -> tuple[date, date]:
    """The last complete period of a cadence before `today`: the two ISO weeks before this one, the previous
    calendar month, the previous quarter (custom: the last 30 days)."""
    if cadence == "two_weeks":
        this_monday = today - timedelta(days=today.weekday())
        return this_monday - timedelta(days=14), this_monday - timedelta(days=1)
    if cadence == "month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if cadence == "quarter":
        q_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        end = q_start - timedelta(days=1)
        return date(end.year, 3 * ((end.month - 1) // 3) + 1, 1), end
    return today - timedelta(days=29), today


def _clean(text, what: str, required: bool = True, limit: int = 200) -> str:
    value = "" if text is None else str(text).strip()
    if required and not value:
        raise UserError(f"A review needs {what}.")
    if len(value) > limit:
        raise UserError(f"{what.capitalize()} is too long ({len(value):,} characters; at most {limit:,}).")
    return value


_COLUMNS = ("review_id, series, name, cadence, period_start, period_end, attendees, scope, snapshot, frozen_at, "
            "created_by, agreed_by, agreed_at, agreement_id")


def _review(row) -> Review:
    (rid, series, name, cadence, start, end, attendees, scope, snapshot, frozen_at, by, agreed_by, agreed_at,
     agreement_id) = row
    return Review(rid, series, name, cadence, start, end, attendees or "", json.loads(scope or "{}"),
                  json.loads(snapshot or "{}"), frozen_at, by or "", agreed_by, agreed_at,
                  None if agreement_id is None else int(agreement_id))


def _agreement_of(store: Store, review: Review):
    """The agreement a review is held for (its latest version: a refresh judges the targets it holds now)."""
    if review.agreement_id is None:
        return None
    from .agreements import agreement_by_id

    return agreement_by_id(store, review.agreement_id)


def start_review(store: Store, name: str, series: str, cadence: str, start: date, end: date,
                 attendees: str = "", filters: Filters | None = None, author: str = "unknown",
                 as_of: datetime | None = None, agreement: str | None = None) -> Review:
    """Start a review: compute and freeze its figures, and store it. Names are unique (they name target changes).

    For an `agreement` (its name) the review judges only the agreement's targets, and its pack names it; the scope
    is `filters` as given (the page pre-fills the agreement's)."""
    name, series = _clean(name, "a name"), _clean(series or name, "a series")
    if cadence not in CADENCES:
        raise UserError(f"Cadence must be one of {', '.join(CADENCES)}, not {cadence!r}.")
    if end < start:
        raise UserError("The review period ends before it starts.")
    attendees = _clean(attendees, "attendees", required=False, limit=1000)
    filters = filters or Filters()
    held_for = None
    if agreement:
        from .agreements import get_agreement

        held_for = get_agreement(store, agreement)
    _name_free(store, name)  # before the figures are computed: a quick answer
    snapshot = compute_snapshot(store, start, end, filters, as_of, agreement=held_for)
    with store.transaction() as cur:
        _name_free(store, name)  # again under the write lock: another session may have taken it meanwhile
        rid = cur.execute(f"""
            INSERT INTO reviews ({_COLUMNS}) VALUES (nextval('review_id_seq'), ?, ?, ?, ?, ?, ?, ?, ?, now(), ?,
                                                   NULL, NULL, ?) RETURNING review_id""",
                          [series, name, cadence, start, end, attendees, json.dumps(filters_dict(filters)),
                           json.dumps(snapshot), author,
                           held_for.agreement_id if held_for else None]).fetchone()[0]
    return get_review(store, rid)


def _name_free(store: Store, name: str) -> None:
    if store.scalar("SELECT count(*) FROM reviews WHERE lower(name) = lower(?)", [name]):
        raise UserError(f"A review called {name!r} exists already: choose another name.")


def get_review(store: Store, review_id: int) -> Review:
    rows = store.rows(f"SELECT {_COLUMNS} FROM reviews WHERE review_id = ?", [int(review_id)])
    if not rows:
        raise UserError(f"There is no review number {review_id}.")
    return _review(rows[0])


def find_review(store: Store, name: str) -> Review:
    rows = store.rows(f"SELECT {_COLUMNS} FROM reviews WHERE lower(name) = lower(?)", [name])
    if not rows:
        known = [r[0] for r in store.rows("SELECT name FROM reviews ORDER BY review_id DESC LIMIT 5")]
        hint = f" Known reviews: {', '.join(known)}." if known else " No review has been held yet."
        raise UserError(f"There is no review called {name!r}.{hint}")
    return _review(rows[0])


def list_reviews(store: Store, series: str | None = None) -> pd.DataFrame:
    """Past and open reviews, newest period first (the history of a series when `series` is given)."""
    where, params = ("WHERE series = ?", [series]) if series else ("", [])
    return store.query(f"""
        SELECT review_id, series, name, cadence, period_start, period_end, attendees, created_by, frozen_at,
               agreed_by, agreed_at,
               (SELECT count(*) FROM review_actions a WHERE a.series = r.series AND a.status = 'open') AS open_actions
        FROM reviews r {where} ORDER BY period_end DESC, review_id DESC""", params)


def series_names(store: Store) -> list[str]:
    return [r[0] for r in store.rows("SELECT series FROM reviews GROUP BY series ORDER BY max(review_id) DESC")]


def _writable(store: Store, review_id: int) -> Review:
    """The review, refused when agreed. Call it inside the write transaction, so that a sign-off committed while
    this write waited for the lock is seen."""
    review = get_review(store, review_id)
    if review.agreed:
        raise UserError(f"The review {review.name!r} was agreed by {review.agreed_by} on "
                        f"{review.agreed_at:%d %b %Y}: it is read-only.")
    return review


def refresh_figures(store: Store, review_id: int, as_of: datetime | None = None) -> Review:
    """Recompute an open review's figures from today's data (an agreed review keeps what was agreed)."""
    review = _writable(store, review_id)
    snapshot = compute_snapshot(store, review.start, review.end, review.filters, as_of,
                                agreement=_agreement_of(store, review))
    with store.transaction() as cur:
        _writable(store, review_id)  # signed off while the figures were computing: it keeps what was agreed
        cur.execute("UPDATE reviews SET snapshot = ?, frozen_at = now() WHERE review_id = ?",
                    [json.dumps(snapshot), review.review_id])
    return get_review(store, review.review_id)


def todays_figures(store: Store, review: Review, as_of: datetime | None = None) -> dict:
    """The same review's figures computed from the data as it is now (the "compare with today" switch)."""
    return compute_snapshot(store, review.start, review.end, review.filters, as_of,
                            agreement=_agreement_of(store, review))


def sign_off(store: Store, review_id: int, who: str) -> Review:
    who = _clean(who, "the name of who agreed it")
    with store.transaction() as cur:
        review = _writable(store, review_id)
        cur.execute("UPDATE reviews SET agreed_by = ?, agreed_at = now() WHERE review_id = ?", [who, review.review_id])
    return get_review(store, review.review_id)


# -- notes -----------------------------------------------------------------------------------------------------------
def notes(store: Store, review_id: int) -> dict[str, str]:
    return dict(store.rows("SELECT section, text FROM review_notes WHERE review_id = ?", [int(review_id)]))


def save_note(store: Store, review_id: int, section: str, text: str, author: str = "unknown",
              base: str | None = None) -> None:
    """Replace a section's note. `base` is the text the editor started from: when someone else saved the section
    since, the save is refused (naming their text) instead of silently replacing it."""
    if section not in SECTIONS:
        raise UserError(f"Unknown review section {section!r}.")
    text = _clean(text, "a note", required=False, limit=MAX_TEXT)
    with store.transaction() as cur:
        review = _writable(store, review_id)
        if base is not None:
            current = notes(store, review.review_id).get(section, "")
            if current.strip() != base.strip() and current.strip() != text:
                shown = current if len(current) <= 300 else current[:300] + "…"
                raise UserError(f"Someone saved these notes meanwhile: “{shown}”. Copy what you wrote, reload the "
                                "page and merge the two (saving again now replaces theirs).")
        cur.execute("DELETE FROM review_notes WHERE review_id = ? AND section = ?", [review.review_id, section])
        if text:
            cur.execute("INSERT INTO review_notes VALUES (?, ?, ?, ?, now())",
                        [review.review_id, section, text, author])


# -- action items ----------------------------------------------------------------------------------------------------
def add_action(store: Store, review_id: int, text: str, owner: str = "", due: date | None = None,
               author: str = "unknown") -> int:
    text = _clean(text, "an action text", limit=1000)
    owner = _clean(owner, "an owner", required=False)
    with store.transaction() as cur:
        review = _writable(store, review_id)
        return cur.execute("""
            INSERT INTO review_actions VALUES (nextval('review_action_id_seq'), ?, ?, ?, ?, ?, 'open', NULL, ?, now(),
                                               now()) RETURNING action_id""",
                           [review.series, review.review_id, text, owner or None, due, author]).fetchone()[0]


def set_action_status(store: Store, review_id: int, action_id: int, status: str) -> None:
    """Close (done, dropped) or reopen an item from the review being held; the review that closed it is kept."""
    if status not in ACTION_STATUSES:
        raise UserError(f"An action's status is one of {', '.join(ACTION_STATUSES)}, not {status!r}.")
    with store.transaction() as cur:
        review = _writable(store, review_id)
        _agreed_views_kept(store, review, int(action_id), status)
        changed = cur.execute("""
            UPDATE review_actions SET status = ?, closed_in = CASE WHEN ? = 'open' THEN NULL ELSE ? END,
                   updated_at = now()
            WHERE action_id = ? AND series = ? RETURNING action_id""",
                              [status, status, review.review_id, int(action_id), review.series]).fetchall()
        if not changed:
            raise UserError(f"Action {action_id} does not belong to the series {review.series!r}.")


# The order of a series' reviews: by period (then by when they were started), not by when they were held.
_SERIES_ORDER = "row_number() OVER (ORDER BY period_start, period_end, review_id)"


def _positions(store: Store, series: str) -> dict[int, int]:
    """Review id -> its place in the series' period order."""
    return dict(store.rows(f"SELECT review_id, {_SERIES_ORDER} FROM reviews WHERE series = ?", [series]))


def _as_shown(here: int, raised_in: int, status: str, closed_in: int | None) -> str | None:
    """How the review at place `here` shows an item raised at place `raised_in` and closed at `closed_in` (None:
    open) — None: not at all. The rule of `actions`, for one item, on places in the series' period order."""
    if raised_in > here:
        return None
    if not (status == "open" or (closed_in is not None and closed_in >= here) or raised_in == here):
        return None
    return "open" if closed_in is not None and closed_in > here else status


def _agreed_views_kept(store: Store, review: Review, action_id: int, status: str) -> None:
    """Refuse a status change that would rewrite how an agreed review of the series shows the item (reopening an
    item an agreed review closed, or closing from an earlier review what a later agreed one shows open)."""
    row = store.rows("SELECT review_id, status, closed_in FROM review_actions WHERE action_id = ? AND series = ?",
                     [action_id, review.series])
    if not row:
        return  # the update reports the unknown item
    place = _positions(store, review.series)
    raised_in, before, closed_in = row[0]
    raised, closed_before = place[raised_in], None if closed_in is None else place.get(closed_in)
    closed_after = None if status == "open" else place[review.review_id]
    agreed = store.rows("SELECT review_id, name FROM reviews WHERE series = ? AND agreed_at IS NOT NULL",
                        [review.series])
    for rid, name in sorted(agreed, key=lambda r: place[r[0]]):
        if place[rid] < raised:
            continue
        shown = _as_shown(place[rid], raised, before, closed_before)
        if shown != _as_shown(place[rid], raised, status, closed_after):
            raise UserError(f"This item cannot become {status} here: the agreed review {name!r} shows it "
                            f"{shown or 'closed before it'}, and an agreed review keeps what was agreed. Raise a "
                            "new action item instead.")
    if _as_shown(place[review.review_id], raised, before, closed_before) is None:
        raise UserError("This item is not on this review's list (it was raised for a later period, or closed "
                        "before this one): change it from a review that shows it.")


def actions(store: Store, review: Review, today: date | None = None) -> pd.DataFrame:
    """The items this review shows: raised in it or in an earlier review of the series, and still open, or closed
    in this review. An agreed review shows them as they stood when it was agreed (items closed later show open;
    overdue as of the sign-off day)."""
    if today is None:
        today = review.agreed_at.date() if review.agreed else datetime.now(timezone.utc).date()
    rid = review.review_id
    # Places in the series' period order (_as_shown is the same rule for one item).
    return store.query(f"""
        WITH place AS (SELECT review_id, name, {_SERIES_ORDER} AS pos FROM reviews WHERE series = ?),
             here AS (SELECT pos FROM place WHERE review_id = ?)
        SELECT *, coalesce(status = 'open' AND due < ?, false) AS overdue FROM (
            SELECT a.action_id, a.text, a.owner, a.due,
                   CASE WHEN c.pos IS NOT NULL AND c.pos > h.pos THEN 'open' ELSE a.status END AS status,
                   r.name AS raised_in, a.review_id = ? AS raised_here, coalesce(a.closed_in = ?, false) AS closed_here
            FROM review_actions a JOIN place r USING (review_id) LEFT JOIN place c ON c.review_id = a.closed_in
                 CROSS JOIN here h
            WHERE a.series = ? AND r.pos <= h.pos AND (a.status = 'open' OR c.pos >= h.pos OR a.review_id = ?))
        ORDER BY status = 'open' DESC, due NULLS LAST, action_id""",
                       [review.series, rid, today, rid, rid, review.series, rid])


# -- target changes proposed in a review ---------------------------------------------------------------------------
def propose_target_change(store: Store, review_id: int, target_name: str, within: str | None = None,
                          goal: str | None = None) -> dict:
    """A proposal the Targets page opens pre-filled: the target, its new threshold and/or goal, and the reason
    that names the review (the new version's reason once applied)."""
    from .targets import get_target

    review = get_review(store, review_id)
    target = get_target(store, target_name)
    if not (within or goal):
        raise UserError("Propose a new threshold, a new goal, or both.")
    return {"review": review.name, "target": target.name, "within": within or None, "goal": goal or None,
            "reason": f"Review {review.name!r} ({review.start:%d %b %Y} – {review.end:%d %b %Y})"}


def apply_proposal(store: Store, proposal: dict, author: str = "unknown", effective: date | None = None,
                   reason_extra: str = ""):
    """Save the proposed change as a new version of the target, its reason naming the review."""
    from dataclasses import replace

    from .calendars import parse_duration
    from .targets import get_target, parse_goal, save_target

    target = get_target(store, proposal["target"])
    changed = target
    try:
        if proposal.get("within"):
            changed = replace(changed, within_s=parse_duration(proposal["within"]))
        if proposal.get("goal"):
            changed = replace(changed, goal=parse_goal(proposal["goal"]))
    except ValueError as exc:
        raise UserError(f"The proposed change to {target.name!r} cannot be applied: {exc}.") from None
    reason = proposal["reason"] + (f": {reason_extra.strip()}" if reason_extra.strip() else "")
    return save_target(store, changed, author=author, reason=reason, effective=effective)
