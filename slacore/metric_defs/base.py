"""The interface every metric implements: what it needs, how it judges its units in SQL, its words, its benchmark.

A metric is one module in slacore/metric_defs/ holding one `Metric` instance (`METRIC`), listed in
`metric_defs/__init__.py`. Everything else — targets, the YAML parser, the target table, the evaluation engine
(slacore.metrics), clocks, what-if, analysis, benchmarks, the summary and the pages — asks the registry instead of
testing a metric's name. What a metric declares:

- **What it needs.** `threshold`: a target states `within` (a duration of business time) and a unit is met when
  handled within it; without one each unit is good or not by itself (CSAT: a response is satisfied or not; FCR: a
  resolved ticket was resolved on first contact or not; uptime: a second is up or down), and `within` is neither
  asked nor stored (0). `calendar`: judged on a business calendar (uptime may be: a service promised in business
  hours; CSAT and FCR are not). `measures`: "app" (this app's computation) and, where the export carries the
  vendor's own figure, "vendor". `pauses`: the pause reasons its clock accepts (resolution: pending, on_hold).
- **What it reads.** `reads`: the import kind whose table holds its units ("tickets"; CSAT would read "surveys",
  uptime "incidents" or "checks"), `period_stamp`: the stamp that puts a unit in a period (tickets: created_at;
  CSAT: the rating time), and `clock_stamps`: the stamps whose business-clock positions it needs (slacore.clocks
  stores one column per stamp and calendar; the union over the metrics is the set of clock columns). Today every
  metric reads tickets by created_at and counts each unit once, and the engine (slacore.metrics.Evaluation)
  packs all targets' statuses into one row per ticket: the first metric on another table brings that table its
  own packed view (and its stamps into scope.default_as_of), the first with weight "seconds" a sum of weights in
  place of the count — the engine's changes for CSAT and uptime, asked of the declarations, no name tested.
- **How it judges.** `judge_sql(target, clock, as_of)` returns two SQL expressions over the unit row `t`:
  `done` (decided by the as-of time, never NULL) and `value` (the elapsed business seconds for a threshold
  metric; for others whatever `status_sql` needs), and `status_sql(target, done, value)` turns them into the
  status 0 met, 1 breached, 2 pending, 3 unmeasured. Pure column arithmetic, so DuckDB judges millions of units in
  one scan. `weight`: "count" (met/breached count units) or "seconds" (uptime: each unit weighs its duration, so
  attainment is time-weighted).
- **Its words.** `label` ("First response": tables, tiles, axes), `noun` ("first response", inside sentences),
  `verb` ("answered": "95% of urgent tickets answered within 1 h"; CSAT "satisfied", FCR "resolved on first
  contact", uptime "up"), `units` ("tickets"; "responses", "seconds"); `describe(target)` is the sentence users read.
- **What its summary fields mean.** `summary_fields`: met / breached / pending in its terms (`summary --json` keeps
  the same keys for every metric; CSAT: satisfied / unsatisfied responses, uptime: up / down seconds).
- **Its benchmark mapping.** `benchmark`: how published figures of this metric are labelled, in which units they
  come, and how the team's own figure is measured against them (or why it cannot be yet).

Published figures of metrics no target measures yet (CSAT, FCR, uptime today; an index such as ACSI always) are
declared as `Published` entries in metric_defs/published.py, so the Benchmarks page lists them with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from ..calendars import format_duration
from ..scope import sql_timestamp

if TYPE_CHECKING:  # types only: slacore.clocks and slacore.targets import this package
    from ..clocks import Clock
    from ..targets import Target

MET, BREACHED, PENDING, UNMEASURED = 0, 1, 2, 3
# Elapsed time is rounded to the microsecond (time stamps' resolution): differences of two large float positions
# carry ~1e-8 s of noise, which must not turn a response exactly on the threshold into a breach.
MICROSECONDS = 6


@dataclass(frozen=True)
class Benchmark:
    """How published figures of a metric are read and compared with the team's own numbers."""

    metric: str  # the key in industry_benchmarks.csv and user_benchmarks
    label: str  # "First response time"
    units: tuple  # the units a figure may come in: ("minutes", "hours"), ("percent",), ("index 0-100",)
    # The team's own figure in calendar time: SQL over tickets `t` for the stamp that ends the unit's time (its
    # start is the creation). None: not measured from tickets (yet).
    calendar_end_sql: str | None = None
    calendar_help: str = ""  # what the team's calendar-time median means (the Benchmarks tile's help)
    not_measured_why: str | None = None  # shown beside the figures while the app cannot measure it
    # A percent metric (CSAT, FCR, uptime): the team's own figure is its attainment over the period.
    share: bool = False

    @property
    def measured(self) -> bool:
        """Measured in calendar time from tickets (the time metrics; the percent ones are `share`)."""
        return self.calendar_end_sql is not None


@dataclass(frozen=True)
class Published:
    """A metric with published figures that no target can measure yet: its benchmark entry only."""

    benchmark: Benchmark

    @property
    def name(self) -> str:
        return self.benchmark.metric


@dataclass(frozen=True)
class Metric:
    """One metric a target can promise. Subclass it in a module of its own (see the module docstring)."""

    name: str  # the key in YAML, the command line, the store
    label: str
    noun: str
    verb: str
    units: str = "tickets"
    reads: str = "tickets"
    period_stamp: str = "created_at"
    threshold: bool = True
    calendar: bool = True
    measures: tuple = ("app",)
    pauses: tuple = ()
    # Why a pause cannot apply, in the refusal "pause: only resolution clocks pause (<why>)".
    no_pause_why: str = ""
    clock_stamps: dict = field(default_factory=dict)  # clock name -> the stamp column of `reads`
    weight: str = "count"
    summary_fields: dict = field(default_factory=dict)  # met / breached / pending -> what they count
    benchmark: Benchmark | None = None
    # What `measure` means for this metric: its label on the Targets page and the words per value (FCR: the
    # definition of first contact; uptime: planned maintenance excluded or counted).
    measure_label: str = "Measure"
    measure_words: dict = field(default_factory=lambda: {"app": "this app's calendar over the time stamps",
                                                         "vendor": "the export's own business-minutes figure"})
    credits: bool = False  # a target may carry a service-credit schedule and an error-budget period
    precision: int = 1  # decimals of its attainment percent (uptime: 3 — 99.95% and 100% are not "100.0")

    # -- judging ---------------------------------------------------------------------------------------------------
    def judge_sql(self, target: "Target", clock: "Clock", as_of: datetime) -> tuple[str, str]:
        """(done, value) as SQL over the unit row `t` at the as-of time."""
        raise NotImplementedError

    def status_sql(self, target: "Target", done: str, value: str) -> str:
        """0 met, 1 breached, 2 pending, 3 unmeasured, from `judge_sql`'s two expressions (or column names)."""
        raise NotImplementedError

    def summary_extra(self, ev, target: "Target") -> dict | None:
        """Figures beside met/breached/attainment that only this metric has (CSAT's response rate, uptime's error
        budget and credits), from the evaluation `ev` (slacore.metrics.Evaluation) — added to `summary --json`
        under their own keys, never changing the shared ones. None: nothing extra."""
        return None

    def drilldown(self, ev, target: str | None = None, outcome: str | None = None, where: dict | None = None,
                  limit: int = 5000, cell: tuple | None = None):
        """The units behind a number, as a frame a page lists: tickets by default (Evaluation.tickets)."""
        return ev.tickets(target, outcome, where, limit=limit, cell=cell)

    drill_label: str = "Tickets"  # the button that lists the units behind a tile
    breach_label: str = "Breaches"  # what its breached units are called on charts

    def counts_text(self, met: int, breached: int, pending: int, unmeasured: int = 0) -> str:
        """The tile's line under the percent: what met / breached / pending are for this metric, counted."""
        return f"{met:,} met, {breached:,} breached, {pending:,} pending"

    def tile_line(self, extra: dict | None) -> str | None:
        """`summary_extra`'s figures as the one line under the metric's tile on the Performance page."""
        return None

    def extra_lines(self, extra: dict) -> list[str]:
        """`summary_extra`'s figures as lines of the command line's text output (each follows the target's name)."""
        return []

    # -- words -------------------------------------------------------------------------------------------------------
    def describe(self, target: "Target") -> str:
        """'90% of urgent tickets answered within 1 h 00 min (office-eu)' — the sentence users read."""
        scope = ", ".join(f"{'/'.join(v)}" for _, v in target.where) or "all"
        within = f" within {format_duration(target.within_s)}" if self.threshold else ""
        calendar = f" ({target.calendar})" if self.calendar else ""
        return f"{target.goal * 100:g}% of {scope} {self.units} {self.verb}{within}{calendar}"

    # -- what the data at hand lets it measure (the Targets page's notes) ------------------------------------------
    def note_counts(self, target: "Target") -> dict[str, str]:
        """Aggregates over the scope's units that `measurement_notes` reads: {name: SQL aggregate over `t`}."""
        return {}

    def measurement_notes(self, target: "Target", counts: dict, business_calendar: bool) -> list[str]:
        """Plain statements about what `target` really measures with the data at hand."""
        return []


@dataclass(frozen=True)
class ElapsedMetric(Metric):
    """Business time from a unit's creation to an event, within a threshold (first response, resolution).

    A subclass says which event ends the clock and which vendor figure stands in for it (`event_sql`); judging,
    pauses, the vendor measure and the notes are shared."""

    vendor_column: str = ""  # the export's own business-minutes figure (the 'vendor' measure)

    def event_sql(self, clock: "Clock", as_of_sql: str) -> tuple[str, str, str]:
        """(done, end position, vendor minutes) as SQL over `t`: decided by the as-of time, the clock position of the
        event that ends the clock, and the vendor's business minutes for it."""
        raise NotImplementedError

    def judge_sql(self, target: "Target", clock: "Clock", as_of: datetime) -> tuple[str, str]:
        as_of_pos = repr(clock.at(as_of.timestamp()))
        created = clock.column("created")
        done, end, vendor = self.event_sql(clock, sql_timestamp(as_of))
        so_far = f"round(greatest({as_of_pos} - {created}, 0), {MICROSECONDS})"
        if target.measure == "vendor":
            # Decided tickets use the export's figure; open ones run on the target's calendar so far.
            return done, f"CASE WHEN {done} THEN ({vendor}) * 60.0 ELSE {so_far} END"
        elapsed = f"greatest(coalesce({end}, {as_of_pos}) - {created}, 0)"
        if target.pause:
            # Business calendars subtract business-hours pause figures, 24x7 ones calendar minutes (see README).
            suffix = "_min" if clock.slot is None else "_business_min"
            pause = " + ".join(f"coalesce(t.{reason}{suffix}, 0)" for reason in target.pause)
            elapsed = f"greatest({elapsed} - ({pause}) * 60.0, 0)"
        return done, f"round({elapsed}, {MICROSECONDS})"

    def status_sql(self, target: "Target", done: str, value: str) -> str:
        limit = repr(float(target.within_s))
        unmeasured = f"WHEN {value} IS NULL THEN {UNMEASURED} " if target.measure == "vendor" else ""
        return (f"CASE WHEN {done} THEN (CASE {unmeasured}WHEN {value} <= {limit} THEN {MET} ELSE {BREACHED} END) "
                f"WHEN {value} > {limit} THEN {BREACHED} ELSE {PENDING} END")

    def note_counts(self, target: "Target") -> dict[str, str]:
        counts = {"vendor": f"count(t.{self.vendor_column})"}
        for reason in self.pauses:
            counts[f"{reason}_calendar"] = f"count(t.{reason}_min)"
            counts[f"{reason}_business"] = f"count(t.{reason}_business_min)"
        return counts

    def measurement_notes(self, target: "Target", counts: dict, business_calendar: bool) -> list[str]:
        notes = []
        if target.measure == "vendor":
            if counts["vendor"] == 0:
                notes.append("The exports carry no vendor business-minutes figure for this metric: every ticket will "
                             "show as unmeasured. Use measure 'app' instead.")
            else:
                notes.append("Measured with the vendor's own business-hours figure from the export (the vendor's "
                             "business hours), not this app's calendar.")
        for reason in target.pause:
            kind = "business" if business_calendar else "calendar"
            if counts[f"{reason}_{kind}"] == 0:
                what = "business-hours " if business_calendar else ""
                notes.append(f"Pause on '{reason}' is asked for, but the exports carry no {what}"
                             f"{reason.replace('_', ' ')} time: {self.noun} is measured without that pause.")
        return notes
