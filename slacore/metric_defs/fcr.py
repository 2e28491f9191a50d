"""First contact resolution: the share of resolved tickets that were resolved on first contact.

Which tickets count as first contact is the target's `measure` (its definition, shown beside every FCR number):
- `app` (default): resolved, never reopened, and at most one agent reply;
- `no_follow_up`: resolved with no customer follow-up — at most one customer interaction, the request itself
  (Freshservice's definition);
- `first_contact`: the export's own first-contact column (call-centre logs: "Resolved on first call").
A ticket whose export lacks the columns its definition needs is unmeasured, never guessed. Tickets count in the
period of their creation; open ones are pending.
"""

from __future__ import annotations

from .base import BREACHED, MET, PENDING, UNMEASURED, Benchmark, Metric

DEFINITIONS = {
    "app": "resolved, never reopened, at most one agent reply",
    "no_follow_up": "resolved with no customer follow-up (at most one customer interaction)",
    "first_contact": "the export's first-contact column",
}
# The columns each definition needs (a ticket without them is unmeasured).
NEEDS = {"app": "t.agent_replies", "no_follow_up": "t.customer_replies", "first_contact": "t.first_contact"}


class Fcr(Metric):
    def judge_sql(self, target, clock, as_of) -> tuple[str, str]:
        from ..scope import sql_timestamp

        done = f"coalesce(t.resolved_at <= {sql_timestamp(as_of)}, false)"
        first = {"app": "coalesce(t.reopens, 0) = 0 AND t.agent_replies <= 1",
                 "no_follow_up": "t.customer_replies <= 1",
                 "first_contact": "t.first_contact"}[target.measure]
        return done, f"CASE WHEN {NEEDS[target.measure]} IS NULL THEN NULL WHEN {first} THEN 1 ELSE 0 END"

    def status_sql(self, target, done: str, value: str) -> str:
        return (f"CASE WHEN NOT {done} THEN {PENDING} WHEN {value} IS NULL THEN {UNMEASURED} "
                f"WHEN {value} = 1 THEN {MET} ELSE {BREACHED} END")

    def summary_extra(self, ev, target) -> dict:
        return {"definition": DEFINITIONS[target.measure]}

    def tile_line(self, extra):
        return f"First contact: {extra['definition']}" if extra else None

    def counts_text(self, met, breached, pending, unmeasured=0) -> str:
        text = f"{met:,} on first contact, {breached:,} other resolved, {pending:,} open"
        return text + (f", {unmeasured:,} unmeasured" if unmeasured else "")

    def describe(self, target) -> str:
        scope = ", ".join("/".join(v) for _, v in target.where) or "all"
        return f"{target.goal * 100:g}% of {scope} resolved tickets resolved on first contact ({DEFINITIONS[target.measure]})"

    def note_counts(self, target) -> dict[str, str]:
        return {"tickets": "count(*)", "measurable": f"count({NEEDS[target.measure]})",
                "reopens": "count(t.reopens)"}

    def measurement_notes(self, target, counts: dict, business_calendar: bool) -> list[str]:
        notes = [f"First contact means: {DEFINITIONS[target.measure]}."]
        if counts.get("tickets") and not counts.get("measurable"):
            what = {"app": "agent reply counts", "no_follow_up": "customer interaction counts",
                    "first_contact": "a first-contact column"}[target.measure]
            notes.append(f"The exports carry no {what}: this definition cannot be applied to them, so every ticket "
                         "is unmeasured (never guessed). Choose another definition, or import an export with it.")
        elif target.measure == "app" and counts.get("measurable") and not counts.get("reopens"):
            notes.append("The exports carry no reopen counts: 'never reopened' is not checked.")
        return notes


METRIC = Fcr(
    breach_label="Resolved after more than one contact",
    name="fcr", label="First contact resolution", noun="first contact resolution",
    verb="resolved on first contact", units="resolved tickets", threshold=False, calendar=False,
    measures=tuple(DEFINITIONS), measure_label="Definition", measure_words=DEFINITIONS,
    no_pause_why="first contact resolution is not a clock",
    summary_fields={"met": "tickets resolved on first contact", "breached": "other resolved tickets",
                    "pending": "tickets not resolved yet",
                    "unmeasured": "resolved tickets whose export lacks what the definition needs"},
    benchmark=Benchmark(metric="fcr", label="First-contact resolution (FCR)", units=("percent",), share=True),
)
