"""Benchmarks: where the team stands against published figures, its own contract or peer figures, and itself.

Published figures ship with the package (`data/industry_benchmarks.csv`: metric, segment, statistic, value, unit,
source, URL, year, note — a copy of shared/benchmarks/industry.csv); the user's own figures live in DuckDB
(`user_benchmarks`). `benchmarks(store)` reads both as one table, every row with its source.

How a figure is compared (the page repeats it):
- first response and resolution figures (minutes or hours) are compared with the team's MEDIAN time in CALENDAR
  minutes: published sources measure clock time, nights and weekends included, so the targets' business-time
  numbers would flatter the team against them. The median covers the tickets created in the period (filters
  applied) and answered (resolved) by the as-of time; a ticket resolved with no response counts its resolution as
  the response, as in metrics.py. The share within the figure's time counts tickets still unanswered past it as
  over and leaves out those still inside it (pending).
- which metrics have figures, in which units, and how the team's own figure is measured is the metric registry's
  (slacore.metric_defs: each metric's `benchmark`). CSAT, FCR and uptime are not measured yet (no survey or outage
  import): their figures stay on the page with "no data of yours yet" instead of being hidden.
- an index (unit "index 0-100", e.g. ACSI) is not a percentage: it is shown beside, never against, any figure of
  ours, and never gets a verdict.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timezone
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

from . import auth, metric_defs
from .calendars import format_duration
from .charts import BREACH_COLOR, MET_COLOR, _title
from .errors import UserError
from .metric_defs.published import INDEX_UNIT
from .metrics import Evaluation, filter_sql
from .scope import Filters, default_as_of, period_bounds, workspace_timezone
from .store import Store
from .view_state import previous_period, same_period_last_year

SEED_PATH = Path(__file__).resolve().parent / "data" / "industry_benchmarks.csv"

# Views of the metric registry (slacore.metric_defs), in its order.
METRICS = {name: b.label for name, b in metric_defs.BENCHMARKS.items()}
UNITS = tuple(dict.fromkeys(u for b in metric_defs.BENCHMARKS.values() for u in b.units))  # the unit choices
METRIC_UNITS = {name: b.units for name, b in metric_defs.BENCHMARKS.items()}
MEASURED = tuple(name for name, b in metric_defs.BENCHMARKS.items() if b.measured)  # the team's figure is measured
SHARES = tuple(name for name, b in metric_defs.BENCHMARKS.items() if b.share)  # percent metrics: CSAT, FCR, uptime
NOT_MEASURED_WHY = {name: b.not_measured_why for name, b in metric_defs.BENCHMARKS.items() if b.not_measured_why}
SMALL_SAMPLE = 30  # fewer decided tickets than this: a verdict is shown, flagged to be read with care
TIME_MINUTES = {"minutes": 1.0, "hours": 60.0}

ORIGIN_PUBLISHED, ORIGIN_YOURS = "published", "yours"
TABLE_COLUMNS = ["key", "origin", "benchmark_id", "metric", "segment", "statistic", "value", "unit", "source", "url",
                 "year", "note"]
LIMITS = {"segment": 120, "statistic": 60, "source": 200, "url": 500, "note": 500}

_CSV_COLUMNS = ("{'metric': 'VARCHAR', 'segment': 'VARCHAR', 'statistic': 'VARCHAR', 'value': 'DOUBLE', "
                "'unit': 'VARCHAR', 'source': 'VARCHAR', 'url': 'VARCHAR', 'year': 'INTEGER', 'note': 'VARCHAR'}")
_TABLE_SQL = f"""
    SELECT 'industry-' || row_number() OVER () AS key, '{ORIGIN_PUBLISHED}' AS origin,
           NULL::INTEGER AS benchmark_id, metric, segment, statistic, value, unit, source, url, year, note
    FROM read_csv(?, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
                  columns = {_CSV_COLUMNS})
    UNION ALL
    SELECT 'user-' || benchmark_id, '{ORIGIN_YOURS}', benchmark_id, metric, segment, statistic, value, unit, source,
           url, year, note
    FROM user_benchmarks
"""


# -- the figures -------------------------------------------------------------------------------------------------
def benchmarks(store: Store) -> pd.DataFrame:
    """Every figure, published and the user's own, ordered by metric, the user's first, then by value."""
    frame = store.query(_TABLE_SQL, [str(SEED_PATH)])
    order = {m: i for i, m in enumerate(METRICS)}
    frame["_m"] = frame["metric"].map(lambda m: order.get(m, len(order)))
    frame["_o"] = (frame["origin"] != ORIGIN_YOURS).astype(int)
    frame["_v"] = frame["value"] * frame["unit"].map(lambda u: TIME_MINUTES.get(u, 1.0))
    frame = frame.sort_values(["_m", "_o", "_v"], kind="stable").drop(columns=["_m", "_o", "_v"])
    return frame.reset_index(drop=True)[TABLE_COLUMNS]


def _text(value, label: str, required: bool) -> str | None:
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()
    if not text:
        if required:
            raise UserError(f"The {label} is missing: fill it in.")
        return None
    limit = LIMITS[label if label in LIMITS else "note"]
    if len(text) > limit:
        raise UserError(f"The {label} is too long ({len(text)} characters; at most {limit}).")
    return text


def validate_benchmark(metric, segment, statistic, value, unit, source, url=None, year=None, note=None) -> dict:
    """The clean values of one figure, or a UserError saying what is wrong and how to fix it."""
    metric = str(metric or "").strip()
    if metric not in METRICS:
        raise UserError(f"Unknown metric {metric!r}: choose one of {', '.join(METRICS)}.")
    unit = str(unit or "").strip()
    allowed = METRIC_UNITS[metric]
    if unit not in allowed:
        raise UserError(f"A {METRICS[metric].lower()} figure is in {' or '.join(allowed)}, not {unit or 'no unit'!r}"
                        + (" (an index is not a percentage)." if INDEX_UNIT in (unit, *allowed) else "."))
    try:
        number = float(str(value).strip().rstrip("%")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise UserError(f"The value {value!r} is not a number: enter digits only, e.g. 240 or 85.5.") from None
    if not math.isfinite(number):
        raise UserError("The value must be a finite number.")
    if unit in ("percent", INDEX_UNIT) and not 0 <= number <= 100:
        raise UserError(f"A figure in {unit} lies between 0 and 100, not {number:g}.")
    if unit in TIME_MINUTES and not 0 < number * TIME_MINUTES[unit] <= 366 * 24 * 60:
        raise UserError(f"A time figure must be more than 0 and at most a year, not {number:g} {unit}.")
    clean_url = _text(url, "url", required=False)
    if clean_url and (not clean_url.lower().startswith(("http://", "https://")) or any(c.isspace() for c in clean_url)):
        raise UserError(f"The link {clean_url!r} is not a web address: it must start with http:// or https://.")
    if year is None or year == "" or (isinstance(year, float) and math.isnan(year)):
        clean_year = None
    else:
        try:
            clean_year = int(str(year).strip()) if isinstance(year, str) else int(year)
        except (TypeError, ValueError):
            raise UserError(f"The year {year!r} is not a year: enter four digits, e.g. 2024.") from None
        latest = date.today().year + 1
        if not 1900 <= clean_year <= latest:
            raise UserError(f"The year {clean_year} is out of range: between 1900 and {latest}.")
    return {
        "metric": metric, "segment": _text(segment, "segment", True), "statistic": _text(statistic, "statistic", True),
        "value": number, "unit": unit, "source": _text(source, "source", True), "url": clean_url,
        "year": clean_year, "note": _text(note, "note", False),
    }


def add_benchmark(store: Store, metric: str, segment: str, statistic: str, value, unit: str, source: str,
                  url: str | None = None, year: int | None = None, note: str | None = None) -> int:
    """Store one of the user's own figures (a contract or peer figure); returns its id."""
    row = validate_benchmark(metric, segment, statistic, value, unit, source, url, year, note)
    existing = benchmarks(store)
    same = existing[(existing["metric"] == row["metric"]) & (existing["unit"] == row["unit"])
                    & np.isclose(existing["value"], row["value"])
                    & (existing["segment"].str.lower() == row["segment"].lower())
                    & (existing["statistic"].str.lower() == row["statistic"].lower())
                    & (existing["source"].str.lower() == row["source"].lower())]
    if len(same):
        raise UserError(f"This figure is already in the list ({row['statistic']}, {row['segment']}, "
                        f"{row['source']}).")
    with store.transaction() as cur:
        new_id = cur.execute(
            """INSERT INTO user_benchmarks (metric, segment, statistic, value, unit, source, url, year, note, added_at,
                                            added_by)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING benchmark_id""",
            [row["metric"], row["segment"], row["statistic"], row["value"], row["unit"], row["source"], row["url"],
             row["year"], row["note"], datetime.now(timezone.utc), auth.acting_name()],
        ).fetchone()[0]
    return int(new_id)


def delete_benchmark(store: Store, benchmark_id: int) -> None:
    """Remove one of the user's own figures (published figures stay)."""
    try:
        benchmark_id = int(benchmark_id)
    except (TypeError, ValueError):
        raise UserError(f"{benchmark_id!r} is not one of your figures.") from None
    with store.transaction() as cur:
        gone = cur.execute("DELETE FROM user_benchmarks WHERE benchmark_id = ? RETURNING benchmark_id",
                           [benchmark_id]).fetchall()
        if not gone:
            raise UserError(f"There is no figure of yours with id {benchmark_id} (published figures cannot be "
                            "deleted; it may already be gone).")


def format_value(value, unit: str) -> str:
    """A figure as people read it: '12 h 10 min', '86%', 'index 78.0' (never with a % sign)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit in TIME_MINUTES:
        return format_duration(float(value) * TIME_MINUTES[unit] * 60)
    if unit == "percent":
        return f"{float(value):g}%"
    if unit == INDEX_UNIT:
        return f"index {float(value):.1f}"
    return f"{float(value):g} {unit}"


# -- the team against the figures ----------------------------------------------------------------------------------
def _measure_sql() -> str:
    """Every measured metric's calendar minutes from creation to its end stamp, per ticket (one scan, a row each)."""
    measured = [metric_defs.BENCHMARKS[name] for name in MEASURED]
    ends = "".join(f",\n               epoch({b.calendar_end_sql}) AS e{i}" for i, b in enumerate(measured))
    per_metric = "\n        UNION ALL\n".join(
        f"SELECT '{b.metric}' AS metric, CASE WHEN e{i} <= $as_of THEN (e{i} - c) / 60 END AS minutes, "
        "($as_of - c) / 60 AS open_minutes FROM t" for i, b in enumerate(measured))
    return f"""
    WITH t AS (
        SELECT epoch(t.created_at) AS c{ends}
        FROM tickets t
        WHERE t.created_at >= ? AND t.created_at < ? AND t.created_at <= ? AND {{filters}}
    ),
    m AS (
        {per_metric}
    )
    SELECT metric, count(*) AS tickets, count(minutes) AS answered, median(minutes) AS median_minutes {{shares}}
    FROM m GROUP BY metric
"""


def _measure(store: Store, thresholds: pd.DataFrame, start: date | None, end: date | None, filters: Filters,
             as_of: datetime) -> pd.DataFrame:
    """Per time figure (key): tickets, answered, median calendar minutes, and how many within / over its time.

    One scan: each figure's within / over counts are two filtered counts of the same grouped query (joining the
    figures to the tickets made 20 rows per ticket)."""
    empty = pd.DataFrame({"key": pd.Series(dtype="object"), "tickets": pd.Series(dtype="int64"),
                          "answered": pd.Series(dtype="int64"), "median_minutes": pd.Series(dtype="float64"),
                          "within": pd.Series(dtype="int64"), "over": pd.Series(dtype="int64")})
    if thresholds.empty:
        return empty
    lo, hi = period_bounds(start, end, workspace_timezone(store))
    condition = filter_sql(filters, store)  # before the cursor: the quality switch may refresh its flags
    figures = thresholds[["key", "metric", "minutes"]].reset_index(drop=True)
    shares = "".join(
        f", count(*) FILTER (WHERE minutes <= {float(m)!r}) AS w{i}"
        f", count(*) FILTER (WHERE minutes > {float(m)!r} OR (minutes IS NULL AND open_minutes > {float(m)!r})) AS o{i}"
        for i, m in enumerate(figures["minutes"]))
    with store.cursor() as cur:
        filters.register_excluded(cur)
        # Positional parameters first, then the named as-of: DuckDB takes one style per statement, so inline it.
        sql = _measure_sql().format(filters=condition, shares=shares).replace("$as_of", repr(float(as_of.timestamp())))
        stats = cur.execute(sql, [lo, hi, as_of]).df().set_index("metric")
    rows = []
    for i, (key, metric) in enumerate(zip(figures["key"], figures["metric"])):
        if metric in stats.index:
            row = stats.loc[metric]
            rows.append((key, int(row["tickets"]), int(row["answered"]), row["median_minutes"], int(row[f"w{i}"]),
                         int(row[f"o{i}"])))
        else:
            rows.append((key, 0, 0, np.nan, 0, 0))
    if not rows:
        return empty
    return pd.DataFrame(rows, columns=list(empty.columns)).astype(
        {"tickets": "int64", "answered": "int64", "median_minutes": "float64", "within": "int64", "over": "int64"})


def _shares(store: Store, start: date | None, end: date | None, filters: Filters,
            as_of: datetime) -> pd.DataFrame:
    """The team's own CSAT / FCR / uptime percent in the period: each percent metric judged by the engine as an
    unscoped target with its default measure (so it is exactly what a target on it would show)."""
    from .targets import Target

    probes = [Target(name=f"_share_{m}", metric=m, within_s=0, goal=1.0) for m in SHARES]
    frame = pd.DataFrame({"metric": pd.Series(dtype="object"), "share_met": pd.Series(dtype="int64"),
                          "share_decided": pd.Series(dtype="int64"), "share_pct": pd.Series(dtype="float64")})
    if not probes:
        return frame
    with Evaluation(store, probes, start, end, as_of, filters) as ev:
        summary = ev.summary()
    decided = summary["met"] + summary["breached"]
    return pd.DataFrame({"metric": summary["metric"], "share_met": summary["met"].astype("int64"),
                         "share_decided": decided.astype("int64"),
                         "share_pct": (100 * summary["met"] / decided.where(decided > 0)).round(2)})


def _share_text(row: dict) -> tuple[str, str | None, str]:
    """A percent figure against the team's own percent (higher is better for CSAT, FCR and uptime)."""
    kind = metric_defs.get(row["metric"])
    if not row["share_decided"] or row["share_pct"] != row["share_pct"]:
        return "no data", None, f"no {kind.units} of yours in this period"
    diff = row["share_pct"] - float(row["value"])
    precise = 2 if kind.weight == "seconds" else 1  # 99.95 vs 99.9: uptime figures differ in the second decimal
    if abs(diff) < 0.5 * 10 ** -precise:
        return "against", "level", "level with this figure"
    gap = f"{abs(diff):.{precise}f} pts"
    if diff > 0:
        return "against", "ahead", f"ahead: yours is {gap} higher"
    return "against", "behind", f"behind: yours is {gap} lower"


def _share_yours(row: dict) -> str:
    kind = metric_defs.get(row["metric"])
    if not row["share_decided"]:
        return "no data of yours yet"
    if kind.weight == "seconds":
        return f"{row['share_pct']:.2f}% of {row['share_decided'] / 3600:,.0f} h"
    return f"{row['share_pct']:.1f}% (n={int(row['share_decided']):,})"


def _standing_text(row: dict) -> tuple[str, str | None, str]:
    """(comparison, verdict, sentence) for one figure with the team's numbers merged in."""
    metric, unit = row["metric"], row["unit"]
    if unit == INDEX_UNIT:  # never against anything of ours, even once we measure satisfaction
        tail = "; no data of yours yet" if metric not in MEASURED + SHARES else ""
        return "beside", None, f"beside, not against{tail}"
    if metric in SHARES and unit == "percent":
        return _share_text(row)
    if metric not in MEASURED:
        return "no data", None, "no data of yours yet"
    if not row["answered"]:
        kind = metric_defs.get(metric)
        return "no data", None, f"no {kind.verb} {kind.units} of yours in this period"
    diff = row["median_minutes"] - row["minutes"]
    gap = format_duration(abs(diff) * 60)
    if abs(diff) < 0.5:
        verdict, sentence = "level", "level with this figure"
    elif diff < 0:
        verdict, sentence = "ahead", f"ahead: your median is {gap} faster"
    else:
        verdict, sentence = "behind", f"behind: your median is {gap} slower"
    if row["answered"] < SMALL_SAMPLE:
        sentence += f" (only {int(row['answered'])} tickets: read with care)"
    return "against", verdict, sentence


def team_standing(store: Store, start: date | None, end: date | None, filters: Filters | None = None,
                  as_of: datetime | None = None) -> pd.DataFrame:
    """Every figure with where the team stands against it in the period (created in [start, end], filters applied).

    Columns: the figure (key, origin, benchmark_id, metric, metric_label, segment, statistic, figure_for, value,
    unit, figure, source, url, year, cited, note), the team's numbers (yours, team_value in the figure's unit,
    median_minutes, tickets, answered, within, decided, within_pct) and the standing (comparison: against / beside / no data; verdict:
    ahead / behind / level / None; standing: a sentence; within_text).
    """
    filters = filters or Filters()
    as_of = as_of or default_as_of(store)
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=timezone.utc)
    table = benchmarks(store)
    table["metric_label"] = table["metric"].map(lambda m: METRICS.get(m, m))
    table["figure"] = [format_value(v, u) for v, u in zip(table["value"], table["unit"])]
    table["minutes"] = table["value"] * table["unit"].map(lambda u: TIME_MINUTES.get(u, np.nan))
    timed = table[table["metric"].isin(MEASURED) & table["minutes"].notna()]
    measured = _measure(store, timed, start, end, filters, as_of)
    out = table.merge(measured, on="key", how="left")
    out = out.merge(_shares(store, start, end, filters, as_of), on="metric", how="left")
    out["share_decided"] = out["share_decided"].fillna(0).astype("int64")
    for col in ("tickets", "answered", "within", "over"):
        out[col] = out[col].fillna(0).astype("int64")
    out["decided"] = out["within"] + out["over"]
    out["within_pct"] = (100 * out["within"] / out["decided"].where(out["decided"] > 0)).round(1)
    out["team_value"] = out["median_minutes"] / out["unit"].map(lambda u: TIME_MINUTES.get(u, np.nan))
    shares = out["metric"].isin(SHARES) & (out["unit"] == "percent")
    out.loc[shares, "team_value"] = out.loc[shares, "share_pct"]
    judged = [_standing_text(r) for r in out.to_dict("records")]  # one per figure, never per ticket
    out["comparison"] = [j[0] for j in judged]
    out["verdict"] = pd.Series([j[1] for j in judged], index=out.index, dtype="object")
    out["standing"] = [j[2] for j in judged]
    out["yours"] = [
        _share_yours(row) if share else
        format_duration(row["median_minutes"] * 60) + f" (n={row['answered']:,})" if row["comparison"] == "against"
        else ("no data of yours yet" if row["metric"] not in MEASURED else "–")
        for share, row in zip(shares, out.to_dict("records"))]
    out["cited"] = [f"{src}, {int(y)}" if pd.notna(y) else str(src) for src, y in zip(out["source"], out["year"])]
    out["figure_for"] = (out["statistic"] + " · " + out["segment"]
                         + np.where(out["origin"] == ORIGIN_YOURS, " (yours)", ""))
    out["within_text"] = [  # the share of tickets within a time figure (a percent figure has none)
        "" if share else f"{p:.1f}% of {d:,}" if c == "against" and d else ("–" if c == "against" else "")
        for p, d, c, share in zip(out["within_pct"], out["decided"], out["comparison"], shares)]
    return out[["key", "origin", "benchmark_id", "metric", "metric_label", "segment", "statistic", "figure_for",
                "value", "unit", "figure", "source", "url", "year", "cited", "note", "yours", "team_value",
                "median_minutes", "tickets", "answered", "within", "decided", "within_pct", "within_text", "comparison",
                "verdict", "standing"]]


# -- period vs period ----------------------------------------------------------------------------------------------
PERIOD_LABELS = ("This period", "Previous period", "Same period last year")


def period_comparison(store: Store, start: date, end: date, as_of: datetime | None = None,
                      filters: Filters | None = None, targets=None) -> pd.DataFrame:
    """Per target and period (this one, the previous equal one, the same one last year): counts and attainment.

    `partial` marks a period that starts before the first ticket in the store: only part of it has data.
    """
    return periods_and_groups(store, start, end, as_of, filters, targets)[0]


def periods_and_groups(store: Store, start: date, end: date, as_of: datetime | None = None,
                       filters: Filters | None = None, targets=None,
                       dimensions: tuple = ()) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """period_comparison, plus `analysis.compare_groups` of this period for each of `dimensions` — from the same
    evaluation, so the Benchmarks page judges the tickets of this and the previous period once."""
    from .analysis import compare_groups

    spans = [(start, end), previous_period(start, end), same_period_last_year(start, end)]
    # min() first, then one conversion: converting every ticket's time stamp costs 0.5 s at 10M tickets.
    first = store.scalar("SELECT timezone(?, min(created_at))::DATE FROM tickets", [workspace_timezone(store)])
    summaries, groups = {}, {}
    this = f"created_local >= DATE '{start.isoformat()}'"
    # This period and the previous one are adjacent: one evaluation and one counting scan cover both.
    with Evaluation(store, targets, start=spans[1][0], end=end, as_of=as_of, filters=filters) as ev:
        counts = ev.status_counts({"part": ["part"]}, columns={"part": this})["part"]
        summaries[PERIOD_LABELS[0]] = ev.summary(counts=counts[counts["part"] == True])  # noqa: E712
        summaries[PERIOD_LABELS[1]] = ev.summary(counts=counts[counts["part"] == False])  # noqa: E712
        for dimension in dimensions:
            groups[dimension] = compare_groups(ev, dimension, this)
    with Evaluation(store, targets, start=spans[2][0], end=spans[2][1], as_of=as_of, filters=filters) as ev:
        summaries[PERIOD_LABELS[2]] = ev.summary()
    parts = [summaries[label].assign(period=label, start=a, end=b, partial=first is None or a < first)
             for label, (a, b) in zip(PERIOD_LABELS, spans)]
    long = pd.concat(parts, ignore_index=True)
    long["decided"] = long["met"] + long["breached"]
    long = long[["name", "metric", "period", "start", "end", "partial", "goal", "met", "breached", "pending",
                 "decided", "attainment"]]
    return long, groups


def group_comparison(store: Store, dimension: str, start: date, end: date, as_of: datetime | None = None,
                     filters: Filters | None = None, targets=None) -> pd.DataFrame:
    """`analysis.compare_groups` over [start, end] for one dimension (the one the Benchmarks page shows)."""
    from .analysis import compare_groups

    with Evaluation(store, targets, start=start, end=end, as_of=as_of, filters=filters) as ev:
        return compare_groups(ev, dimension)


def period_table(long: pd.DataFrame) -> pd.DataFrame:
    """One row per target: attainment and decided tickets of each period, deltas in points against this period."""
    keys = {"This period": "this", "Previous period": "previous", "Same period last year": "last_year"}
    wide = long.pivot_table(index="name", columns="period", values=["attainment", "decided"], aggfunc="first",
                            dropna=False)
    out = pd.DataFrame({"target": list(dict.fromkeys(long["name"]))})
    goals = long.drop_duplicates("name").set_index("name")["goal"]
    out["goal"] = out["target"].map(goals)
    for label, key in keys.items():
        att = wide["attainment"][label] if label in wide["attainment"] else pd.Series(dtype="float64")
        dec = wide["decided"][label] if label in wide["decided"] else pd.Series(dtype="float64")
        out[key] = out["target"].map(att).astype("float64")
        out[f"{key}_n"] = out["target"].map(dec).fillna(0).astype("int64")
    out["delta_previous"] = (out["this"] - out["previous"]).round(1)
    out["delta_last_year"] = (out["this"] - out["last_year"]).round(1)
    return out[["target", "goal", "this", "this_n", "previous", "previous_n", "delta_previous", "last_year",
                "last_year_n", "delta_last_year"]]


# -- charts (small frames only) ------------------------------------------------------------------------------------
_MINUTE_TICKS = [1, 5, 15, 30, 60, 120, 240, 480, 720, 1440, 2880, 5760, 10080, 20160, 43200]
_MINUTE_LABEL = ("datum.value < 60 ? datum.value + ' min' : (datum.value < 1440 ? datum.value / 60 + ' h' "
                 ": datum.value / 1440 + ' d')")


def standing_chart(frame: pd.DataFrame, note: str = "") -> alt.LayerChart:
    """One time metric: each figure a dot (green: the team is ahead of it, red: behind), the team's median a line."""
    data = frame.assign(
        label=[f"{s} · {g}{', ' + str(int(y)) if pd.notna(y) else ''}" + (" (yours)" if o == ORIGIN_YOURS else "")
               for s, g, y, o in zip(frame["statistic"], frame["segment"], frame["year"], frame["origin"])],
        minutes=frame["value"] * frame["unit"].map(lambda u: TIME_MINUTES.get(u, np.nan)),
        verdict=frame["verdict"].fillna("no data"),
    )[["label", "minutes", "figure", "verdict", "source", "standing", "origin"]]
    median = frame["median_minutes"].dropna()
    team = pd.DataFrame({"minutes": [float(median.iloc[0])] if len(median) else [],
                         "text": [f"your median {format_duration(float(median.iloc[0]) * 60)}"] if len(median) else []})
    values = [*data["minutes"].dropna(), *team["minutes"]]
    lo, hi = max(min(values) / 2, 0.5), max(values) * 2
    ticks = [t for t in _MINUTE_TICKS if lo <= t <= hi]
    x = alt.X("minutes:Q", title="Calendar time (log scale)",
              scale=alt.Scale(type="log", domain=[lo, hi]), axis=alt.Axis(values=ticks, labelExpr=_MINUTE_LABEL))
    y = alt.Y("label:N", title=None, sort=list(data.sort_values("minutes")["label"]),
              axis=alt.Axis(labelLimit=320, labelOverlap=False))
    colors = {"ahead": MET_COLOR, "level": "#2563eb", "behind": BREACH_COLOR, "no data": "#94a3b8"}
    present = [v for v in colors if v in set(data["verdict"])]
    dots = alt.Chart(data).mark_point(filled=True, size=160).encode(
        x=x, y=y,
        color=alt.Color("verdict:N", title="You are",
                        scale=alt.Scale(domain=present, range=[colors[v] for v in present])),
        tooltip=[alt.Tooltip("figure:N", title="Figure"), alt.Tooltip("source:N", title="Source"),
                 alt.Tooltip("standing:N", title="You"), alt.Tooltip("origin:N", title="Origin")])
    # Each figure's label on the side away from the team's median line, so the line never crosses it.
    mid = float(median.iloc[0]) if len(median) else float("inf")
    right = alt.Chart(data[data["minutes"] >= mid]).mark_text(align="left", dx=10, color="#334155").encode(
        x=x, y=y, text="figure:N")
    left = alt.Chart(data[data["minutes"] < mid]).mark_text(align="right", dx=-10, color="#334155").encode(
        x=x, y=y, text="figure:N")
    layers = [dots, right, left]
    if len(team):
        layers.append(alt.Chart(team).mark_rule(color="#111", strokeDash=[6, 4], size=2).encode(
            x="minutes:Q", tooltip=[alt.Tooltip("text:N", title="Team")]))
        layers.append(alt.Chart(team).mark_text(align="left", baseline="top", dx=4, y=2, color="#111",
                                                fontWeight="bold").encode(x="minutes:Q", text="text:N"))
    metric = METRICS.get(frame["metric"].iloc[0], "Time") if len(frame) else "Time"
    # A step, not a total height: Streamlit fits a numeric height around title and axes too, squeezing the rows.
    return alt.layer(*layers).properties(height=alt.Step(34), title=_title(
        f"{metric}: your median (dashed) against each figure, calendar time", note))


PERIOD_COLORS = ["#1d4ed8", "#60a5fa", "#cbd5e1"]


def period_chart(long: pd.DataFrame, note: str = "") -> alt.LayerChart:
    """Attainment per target in each of the three periods side by side, n on every bar, goal as a black tick."""
    data = long.assign(
        shown=long["attainment"].fillna(0), label_x=101.0,
        label=[f"{a:.1f}% (n={n:,})" if pd.notna(a) else f"no decided tickets (n={n:,})"
               for a, n in zip(long["attainment"], long["decided"])],
        dates=[f"{a:%d %b %Y} – {b:%d %b %Y}" for a, b in zip(long["start"], long["end"])],
    )[["name", "period", "shown", "label_x", "attainment", "label", "decided", "goal", "dates"]]
    order = list(dict.fromkeys(long["name"]))
    y = alt.Y("name:N", title=None, sort=order, axis=alt.Axis(labelLimit=260, labelOverlap=False))
    base = alt.Chart(data).encode(y=y, yOffset=alt.YOffset("period:N", sort=list(PERIOD_LABELS)))
    x = alt.X("shown:Q", title="Attainment %", scale=alt.Scale(domain=[0, 125]),
              axis=alt.Axis(values=[0, 20, 40, 60, 80, 100]))
    bars = base.mark_bar().encode(
        x=x, color=alt.Color("period:N", title=None, sort=list(PERIOD_LABELS),
                             scale=alt.Scale(domain=list(PERIOD_LABELS), range=PERIOD_COLORS),
                             legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("name:N", title="Target"), "period:N", alt.Tooltip("dates:N", title="Dates"),
                 alt.Tooltip("attainment:Q", title="Attainment %"), alt.Tooltip("decided:Q", title="Decided"),
                 alt.Tooltip("goal:Q", title="Goal %")])
    # Labels in a column right of 100 %, where no bar or goal tick can cover them.
    labels = base.mark_text(align="left", fontSize=11, color="#334155").encode(x="label_x:Q", text="label:N")
    goal = alt.Chart(data.drop_duplicates("name")).mark_tick(color="#111", thickness=2).encode(
        y=y, x="goal:Q", tooltip=[alt.Tooltip("goal:Q", title="Goal %")])
    return alt.layer(bars, labels, goal).properties(
        height=alt.Step(16), title=_title("Attainment: this period, the previous one, the same one last year "
                                          "(goal = black tick)", note))
