"""Benchmarks: how the team compares — against published industry figures (each with its source), against itself
(team vs team, channel vs channel) and against earlier periods (the previous one, the same one last year)."""

from __future__ import annotations

import altair as alt
import streamlit as st

from pages.filterbar import analysis_view, set_extra
from pages.shared import can_edit, get_store, guarded, show_chart, show_table
from slacore import benchmarks, charts, metric_defs
from slacore.calendars import format_duration
from slacore.errors import UserError
from slacore.text import counted, md_escape

DIMENSION_LABELS = {"team": "Team", "channel": "Channel", "priority": "Priority"}

st.title("Benchmarks")
store = get_store()


@st.cache_data(show_spinner="Measuring against the published figures…", max_entries=32)
def _standing(db: str, version: int, view_key: str, _view):
    return benchmarks.team_standing(store, _view.start, _view.end, _view.filters, as_of=_view.as_of)


@st.cache_data(show_spinner="Comparing groups…", max_entries=32)
def _groups(db: str, version: int, tfp: str, view_key: str, dimension: str, _view):
    return benchmarks.group_comparison(store, dimension, _view.start, _view.end, as_of=_view.as_of,
                                       filters=_view.filters)


@st.cache_data(show_spinner="Comparing periods…", max_entries=32)
def _periods(db: str, version: int, tfp: str, view_key: str, _view):
    return benchmarks.period_comparison(store, _view.start, _view.end, as_of=_view.as_of, filters=_view.filters)


def _with_note(text: str, note: str) -> str:
    return f"{text} ({note}.)" if note else text


def _industry(view, standing) -> None:
    st.header("Industry figures", divider="gray")
    st.caption(_with_note(
        "Published figures with their source, year and method note, and your own contract or peer figures. Times are "
        "compared with your MEDIAN in CALENDAR time (nights and weekends count), because the published sources "
        "measure calendar time — not the business time your targets use. Your numbers: tickets created "
        f"{view.start:%d %b %Y} – {view.end:%d %b %Y}, filters applied.", view.note))

    timed = standing[standing["metric"].isin(benchmarks.MEASURED)]
    tiles = st.columns(2)
    for col, metric in zip(tiles, benchmarks.MEASURED):
        rows = standing[standing["metric"] == metric]
        if rows.empty:
            continue
        median = rows["median_minutes"].dropna()
        kind = metric_defs.get(metric)
        what, units = kind.verb, kind.units
        label = f"Your median {benchmarks.METRICS[metric].lower()}, calendar time"
        if len(median):
            answered, tickets = int(rows["answered"].iloc[0]), int(rows["tickets"].iloc[0])
            col.metric(label, format_duration(median.iloc[0] * 60), help=kind.benchmark.calendar_help)
            col.caption(f"Over {answered:,} {what} {units}; {tickets - answered:,} not yet {what} are left out.")
        else:
            col.metric(label, "–")
            col.caption(f"No {what} {units} in this period.")

    for metric in benchmarks.MEASURED:
        rows = timed[(timed["metric"] == metric) & (timed["comparison"] == "against")]
        if len(rows):
            show_chart(benchmarks.standing_chart(rows, view.note), f"standing {metric}", f"dl-standing-{metric}")

    for metric, label in benchmarks.METRICS.items():
        rows = standing[standing["metric"] == metric]
        if rows.empty:
            continue
        st.subheader(label)
        measured = metric in benchmarks.MEASURED
        share = metric in benchmarks.SHARES
        if share:  # the team's own percent, once, above the figures it is compared with
            yours = rows[rows["unit"] == "percent"]["yours"]
            if len(yours):
                st.metric(f"Your {metric_defs.get(metric).label}, {view.start:%d %b} – {view.end:%d %b %Y}",
                          yours.iloc[0].split(" ")[0], help=yours.iloc[0])
        is_index = benchmarks.INDEX_UNIT in benchmarks.METRIC_UNITS[metric]
        # Most important first (the number, its source, where you stand); the rest scrolls sideways.
        columns = ["figure", "cited", "url", "figure_for", "standing", "note"] + (["within_text"] if measured else [])
        standing_width = 290 if measured else (280 if is_index else 140)
        show_table(
            rows[columns], f"benchmarks {metric}", f"dl-bench-{metric}", height=35 * (len(rows) + 1) + 3,
            placeholder="–",
            column_config={
                "figure": st.column_config.TextColumn("Figure", width=85, pinned=True),
                "cited": st.column_config.TextColumn("Source, year", width=280),
                "url": st.column_config.LinkColumn("Link", display_text="open ↗", width=60),
                "figure_for": st.column_config.TextColumn("Statistic · segment", width=200),
                "standing": st.column_config.TextColumn("Where you stand", width=standing_width),
                "note": st.column_config.TextColumn("Method note", width=320),
                "within_text": st.column_config.TextColumn(
                    "Yours within it", width=120,
                    help="Share of your tickets answered within this figure's time (of the tickets decided)."),
            })
        if is_index:
            caption = ("An index (0-100) is not a percentage of satisfied customers: these figures stand beside, "
                       "never against, any CSAT %, and get no verdict.")
        elif measured:
            caption = ("Median over the tickets answered by the as-of time; 'yours within it' counts tickets still "
                       f"waiting past the figure's time as over. A verdict on fewer than {benchmarks.SMALL_SAMPLE} "
                       "tickets says 'read with care'.")
        elif share:
            kind = metric_defs.get(metric)
            caption = (f"Yours is what an unscoped {kind.label} target shows for the period and filters "
                       f"({kind.measure_words.get('app', 'the default definition')}), in percentage points "
                       f"against each figure; higher is better.")
        else:
            caption = (f"Not measured by this app yet ({benchmarks.NOT_MEASURED_WHY.get(metric, 'no data')}): the "
                       "figures are here so you know the bar.")
        st.caption(_with_note(caption + " Figures differ by method: read the note before comparing.", view.note))


def _your_figures(standing) -> None:
    if not can_edit():
        return
    with st.expander("Add your own figure (a contract or peer figure)"):
        with st.form("bench-add", clear_on_submit=True):
            c1, c2, c3 = st.columns([1.3, 1, 1])
            metric = c1.selectbox("Metric", list(benchmarks.METRICS), format_func=benchmarks.METRICS.get,
                                  key="bench-metric")
            value = c2.text_input("Value", placeholder="e.g. 240", key="bench-value")
            unit = c3.selectbox("Unit", list(benchmarks.UNITS), key="bench-unit",
                                help="Times in minutes or hours; CSAT, FCR and uptime in percent; an index such as "
                                     "ACSI in 'index 0-100'.")
            c4, c5 = st.columns(2)
            statistic = c4.text_input("Statistic", placeholder="e.g. contract, peer median, good", key="bench-stat")
            segment = c5.text_input("Segment", placeholder="e.g. email support, our enterprise contract",
                                    key="bench-segment")
            c6, c7, c8 = st.columns([1.3, 1.3, 0.6])
            source = c6.text_input("Source", placeholder="e.g. MSA with Acme, section 4", key="bench-source")
            url = c7.text_input("Link (optional)", placeholder="https://…", key="bench-url")
            year = c8.text_input("Year (optional)", placeholder="2025", key="bench-year")
            note = st.text_input("Method note (optional)", placeholder="e.g. business hours; measured by the vendor",
                                 key="bench-note")
            submitted = st.form_submit_button("Add figure", type="primary")
        if submitted:
            try:
                benchmarks.add_benchmark(store, metric, segment, statistic, value, unit, source, url=url or None,
                                         year=year or None, note=note or None)
            except UserError as exc:
                st.error(md_escape(str(exc)))
            else:
                st.success("Figure added.")
                st.rerun()

    yours = standing[standing["origin"] == benchmarks.ORIGIN_YOURS]
    if len(yours):
        with st.expander(f"Your figures ({len(yours)})"):
            labels = {int(r["benchmark_id"]): f"{r['metric_label']}: {r['figure']} — {r['statistic']}, "
                                                f"{r['segment']} ({r['source']})" for r in yours.to_dict("records")}
            c1, c2 = st.columns([4, 1])
            chosen = c1.selectbox("Figure", list(labels), format_func=labels.get, key="bench-delete-pick")
            if c2.button("Delete", key="bench-delete", width="stretch"):
                try:
                    benchmarks.delete_benchmark(store, chosen)
                except UserError as exc:
                    st.error(md_escape(str(exc)))
                else:
                    st.rerun()


def _internal(view, key, names) -> None:
    header = st.empty()
    c1, c2 = st.columns([1, 2])
    current_dim = view.state.get("bdim", "team")
    dimension = c1.segmented_control("Compare", list(DIMENSION_LABELS), format_func=DIMENSION_LABELS.get,
                                     default=current_dim if current_dim in DIMENSION_LABELS else "team",
                                     key="bench-dim") or "team"
    label = DIMENSION_LABELS[dimension]
    header.header(f"{label} vs {label.lower()}", divider="gray")
    chosen = view.state.get("target") if view.state.get("target") in names else names[0]
    target = c2.selectbox("Target", names, index=names.index(chosen), key="bench-target")
    if dimension != current_dim or target != view.state.get("target", names[0]):
        set_extra(bdim=dimension, target=target)
    groups = _groups(*key, dimension, view)
    mine = groups[groups["target"] == target]
    if mine.empty or mine["decided"].sum() == 0:
        st.info("No decided tickets for this target in the period. Widen the period or clear a filter.")
        return
    # A step per row: Streamlit fits a numeric chart height around the title and axes, squeezing the bars.
    chart = charts.compare_chart(mine, dimension, view.note).properties(height=alt.Step(26)).configure_axisY(
        labelLimit=280)
    show_chart(chart, f"{dimension} vs {dimension}", "dl-compare")
    small = int((mine["decided"] < 30).sum())
    show_table(
        mine[["value", "decided", "attainment", "goal", "median_minutes"]], f"{dimension} vs {dimension}",
        "dl-compare-table",
        column_config={
            "value": st.column_config.TextColumn(DIMENSION_LABELS[dimension]),
            "decided": st.column_config.NumberColumn("Decided tickets", format="%d"),
            "attainment": st.column_config.ProgressColumn("Attainment %", min_value=0, max_value=100,
                                                          format="%.1f%%"),
            "goal": st.column_config.NumberColumn("Goal %", format="%.1f"),
            "median_minutes": st.column_config.NumberColumn("Median business minutes", format="%.1f"),
        })
    st.caption(_with_note(
        f"n = decided tickets (met or breached). {counted(small, 'group')} with fewer than 30 decided tickets {'is' if small == 1 else 'are'} pale: "
        "a few tickets more or less would move them a lot. Median in business minutes on the target's calendar."
        if small else "n = decided tickets (met or breached). Median in business minutes on the target's calendar.",
        view.note))


def _periods_section(view, key) -> None:
    st.header("Period vs period", divider="gray")
    long = _periods(*key, view)
    spans = long.drop_duplicates("period")
    st.caption(" · ".join(f"{p}: {a:%d %b %Y} – {b:%d %b %Y}" for p, a, b in
                          zip(spans["period"], spans["start"], spans["end"])))
    partial = [p for p in spans.loc[spans["partial"], "period"] if p != benchmarks.PERIOD_LABELS[0]]
    if partial:
        st.warning(f"The {' and the '.join(p.lower() for p in partial)} started before your first ticket: only "
                   "part of it has data, so its counts are lower. Compare with care.", icon=":material/warning:")
    if long["decided"].sum() == 0:
        st.info("No decided tickets in any of the three periods.")
        return
    show_chart(benchmarks.period_chart(long, view.note), "period vs period", "dl-periods")
    table = benchmarks.period_table(long)
    show_table(
        table, "period vs period", "dl-periods-table",
        column_config={
            "target": st.column_config.TextColumn("Target"),
            "goal": st.column_config.NumberColumn("Goal %", format="%.1f"),
            "this": st.column_config.NumberColumn("This period %", format="%.1f"),
            "this_n": st.column_config.NumberColumn("n", format="%d"),
            "previous": st.column_config.NumberColumn("Previous %", format="%.1f"),
            "previous_n": st.column_config.NumberColumn("n ", format="%d"),
            "delta_previous": st.column_config.NumberColumn("Δ vs previous (pts)", format="%+.1f"),
            "last_year": st.column_config.NumberColumn("Last year %", format="%.1f"),
            "last_year_n": st.column_config.NumberColumn("n  ", format="%d"),
            "delta_last_year": st.column_config.NumberColumn("Δ vs last year (pts)", format="%+.1f"),
        })
    st.caption(_with_note("Attainment = met / (met + breached); n = decided tickets; Δ = this period minus the other, "
                          "in percentage points. An empty cell: no decided tickets in that period.", view.note))


with guarded("The benchmarks page"):
    view, targets, key = analysis_view(store)
    standing = _standing(str(store.path), store.version, view.key(), view)
    if view.note:
        st.caption(f"While the data-quality switch is on: {view.note}.")
    _industry(view, standing)
    _your_figures(standing)
    _internal(view, key, [t.name for t in targets])
    _periods_section(view, key)
