"""The review pack: what is sent after a review, as a formatted Excel workbook and a one-file HTML report.

Both are written from a snapshot (slacore.review_figures) plus the review's notes and action items, so the pack of a
past review shows the figures the meeting saw. Excel: one sheet per part (Summary, Trend, Breaches, Data quality,
Notes & actions, Charts), the period and scope at the top of every sheet, bold frozen headers, autofilter, real
number/percent/date cells, fitted column widths, attainment coloured against the goal. Every text cell goes through
`exports.neutralise` (ticket text is never a formula). HTML: inline CSS and inline SVG charts, no external request,
prints cleanly from a browser.
"""

from __future__ import annotations

import html
import io
from datetime import date, datetime

import altair as alt
import pandas as pd

from .exports import neutralise
from .review_figures import describe_scope

HEADER_ROW = 5  # rows 1-3: title, period, scope; row 4 empty
MET_FILL, MISS_FILL = "DCFCE7", "FEE2E2"


def _when(snapshot: dict) -> str:
    (a, b), (pa, pb) = snapshot["period"], snapshot["previous_period"]
    return (f"Period {a} to {b} (compared with {pa} to {pb}); judged as of {snapshot['as_of'][:16].replace('T', ' ')}"
            f" UTC; figures computed {snapshot['computed_at'][:16].replace('T', ' ')} UTC")


def _title(snapshot: dict, review: dict | None) -> str:
    """'SLA review: ACME Q1 · agreement ACME support (SLA with ACME Corp)' (the agreement when there is one)."""
    from .agreements import label

    title = f"SLA review: {review['name']}" if review else "SLA report"
    agreement = snapshot.get("agreement")
    return f"{title} · agreement {label(agreement)}" if agreement else title


def _who(review: dict | None) -> str:
    """'Attendees: …; agreed by … on …' (empty for a report of a period)."""
    parts = [f"Attendees: {review['attendees']}"] if review and review.get("attendees") else []
    if review and review.get("agreed_by"):
        parts.append(f"agreed by {review['agreed_by']} on {str(review['agreed_at'])[:10]}")
    return "; ".join(parts)


# -- tables --------------------------------------------------------------------------------------------------------
def _share(percent):
    return None if percent is None else round(percent / 100, 6)


def _metric_label(metric: str) -> str:
    from .metric_defs import METRICS

    return METRICS[metric].label if metric in METRICS else metric


def summary_frame(snapshot: dict) -> pd.DataFrame:
    rows = [{"Target": t["name"], "Metric": _metric_label(t["metric"]), "Goal": _share(t["goal"]),
             "Attainment": _share(t["attainment"]),
             "Result": {"met": "met", "missed": "missed"}.get(t["state"], "no decided tickets"),
             "Met": t["met"], "Breached": t["breached"], "Pending": t["pending"], "Counted in": _units(t["metric"]),
             "Previous period": _share(t["previous"]),
             "Change (points)": t["delta"]} for t in snapshot["targets"]]
    return pd.DataFrame(rows, columns=["Target", "Metric", "Goal", "Attainment", "Result", "Met", "Breached",
                                       "Pending", "Counted in", "Previous period", "Change (points)"])


def _units(metric: str) -> str:
    """What Met / Breached count for the metric: tickets, survey responses, seconds (uptime)."""
    from .metric_defs import METRICS

    return METRICS[metric].units if metric in METRICS else ""


def _precise_rows(ws, summary: pd.DataFrame) -> None:
    """Percents of the metrics with more decimals (uptime: 99.953%) keep them in the Summary sheet."""
    from .metric_defs import METRICS

    precise = {m.label: m.precision for m in METRICS.values() if m.precision > 1}
    columns = [summary.columns.get_loc(c) + 1 for c in ("Goal", "Attainment", "Previous period")]
    for i, label in enumerate(summary["Metric"], start=HEADER_ROW + 1):
        if label in precise:
            for j in columns:
                ws.cell(row=i, column=j).number_format = "0." + "0" * precise[label] + "%"


def trend_frame(snapshot: dict) -> pd.DataFrame:
    frame = pd.DataFrame(snapshot["trend"], columns=["target", "period", "met", "breached", "pending", "attainment",
                                                     "goal"])
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    frame["attainment"] = (frame["attainment"] / 100).round(6)
    frame["goal"] = (frame["goal"] / 100).round(6)
    return frame.rename(columns={"target": "Target", "period": f"{snapshot['grain'].capitalize()} starting",
                                 "met": "Met", "breached": "Breached", "pending": "Pending",
                                 "attainment": "Attainment", "goal": "Goal"})


def breaches_frame(snapshot: dict) -> pd.DataFrame:
    columns = ["target", "source", "ticket_id", "created_at", "priority", "team", "channel", "customer", "subject",
               "business_minutes", "threshold_minutes", "minutes_over", "url"]
    frame = pd.DataFrame(snapshot["top_breaches"], columns=columns)  # older snapshots have no url: empty
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True).dt.tz_localize(None)
    return frame.rename(columns={
        "target": "Target", "source": "Source", "ticket_id": "Ticket", "created_at": "Created (UTC)",
        "priority": "Priority", "team": "Team", "channel": "Channel", "customer": "Customer", "subject": "Subject",
        "business_minutes": "Business minutes", "threshold_minutes": "Threshold (min)",
        "minutes_over": "Minutes over", "url": "Link"})


def quality_frame(snapshot: dict) -> pd.DataFrame:
    frame = pd.DataFrame(snapshot["quality"], columns=["check", "what", "tickets", "share", "effect", "note"])
    frame["share"] = (frame["share"] / 100).round(6)
    return frame.drop(columns="check").rename(columns={"what": "Check", "tickets": "Tickets", "share": "Share",
                                                      "effect": "Effect", "note": "Note"})


def credits_frame(snapshot: dict) -> pd.DataFrame:
    """Uptime per budget period with the error budget and the service credit owed (shares as real percents)."""
    from .review_figures import credits_rows

    frame = pd.DataFrame(credits_rows(snapshot), columns=["target", "period", "attainment", "down_min",
                                                           "allowed_min", "budget_used", "credit", "partial"])
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    for col in ("attainment", "budget_used", "credit"):
        frame[col] = (pd.to_numeric(frame[col]) / 100).round(8)
    frame["partial"] = frame["partial"].map({True: "part of the period", False: ""})
    return frame.rename(columns={"target": "Target", "period": "Period", "attainment": "Uptime",
                                 "down_min": "Downtime, min", "allowed_min": "Allowed, min",
                                 "budget_used": "Budget used", "credit": "Credit owed", "partial": "Note"})


def actions_frame(actions: pd.DataFrame | None) -> pd.DataFrame:
    columns = ["Action", "Owner", "Due", "Status", "Raised in", "Overdue"]
    if actions is None or actions.empty:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame({"Action": actions["text"], "Owner": actions["owner"],
                        "Due": pd.to_datetime(actions["due"]).dt.date, "Status": actions["status"],
                        "Raised in": actions["raised_in"], "Overdue": actions["overdue"].map({True: "overdue",
                                                                                               False: ""})})
    return out[columns]


def notes_frame(notes: dict[str, str] | None) -> pd.DataFrame:
    from .reviews import SECTIONS

    rows = [{"Section": SECTIONS.get(k, k), "Note": v} for k, v in (notes or {}).items() if v]
    return pd.DataFrame(rows, columns=["Section", "Note"])


# -- charts --------------------------------------------------------------------------------------------------------
def attainment_chart(snapshot: dict) -> alt.LayerChart:
    frame = pd.DataFrame([{"target": t["name"], "attainment": t["attainment"], "goal": t["goal"],
                           "state": t["state"]} for t in snapshot["targets"] if t["attainment"] is not None])
    if frame.empty:
        frame = pd.DataFrame({"target": [], "attainment": [], "goal": [], "state": []})
    y = alt.Y("target:N", title=None, sort=None, axis=alt.Axis(labelLimit=260))
    bars = alt.Chart(frame).mark_bar().encode(
        y=y, x=alt.X("attainment:Q", title="Attainment %", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("state:N", scale=alt.Scale(domain=["met", "missed"], range=["#16a34a", "#dc2626"]),
                        title="Goal"))
    ticks = alt.Chart(frame).mark_tick(color="#111", thickness=2, size=18).encode(y=y, x="goal:Q")
    return alt.layer(bars, ticks).properties(width=520, height=alt.Step(26),
                                             title="Attainment vs goal (black tick = goal)")


def _period_axis(grain: str, periods) -> dict:
    """Ticks on the periods plotted (weeks start on Monday; Vega's own weekly ticks fall on Sundays), months
    labelled 'Jul 2026'; at most about 12 labels."""
    days = sorted({str(p)[:10] for p in periods})
    step = max(1, -(-len(days) // 12))
    values = [int(pd.Timestamp(d, tz="UTC").timestamp() * 1000) for d in days[::step]]
    if grain == "month":
        return {"format": "%b %Y", "labelAngle": 0, "values": values}
    return {"format": "%d %b %Y", "labelAngle": -40, "values": values}


def trend_chart(snapshot: dict) -> alt.Chart:
    frame = pd.DataFrame(snapshot["trend"], columns=["target", "period", "attainment"])
    frame = frame.dropna(subset=["attainment"])
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("period:T", title=None, axis=alt.Axis(**_period_axis(snapshot["grain"], frame["period"]))),
        y=alt.Y("attainment:Q", title="Attainment %", scale=alt.Scale(zero=False)),
        color=alt.Color("target:N", title=None, legend=alt.Legend(orient="bottom", columns=2, labelLimit=260)),
    ).properties(width=520, height=240, title=f"Attainment per {snapshot['grain']}")


def chart_images(snapshot: dict, fmt: str = "png") -> dict[str, bytes | str]:
    """The pack's charts as PNG bytes (Excel) or SVG text (HTML), rendered with vl-convert (no browser)."""
    import vl_convert as vlc

    out = {}
    for name, chart in (("Attainment vs goal", attainment_chart(snapshot)), ("Trend", trend_chart(snapshot))):
        spec = chart.to_json()
        out[name] = vlc.vegalite_to_png(spec, scale=2) if fmt == "png" else vlc.vegalite_to_svg(spec)
    return out


# -- Excel ---------------------------------------------------------------------------------------------------------
_PERCENT = "0.0%"
_FORMATS = {"Goal": _PERCENT, "Attainment": _PERCENT, "Previous period": _PERCENT, "Share": "0.00%",
            "Change (points)": "+0.0;-0.0;0.0", "Uptime": "0.000%", "Budget used": "0%", "Credit owed": "0.##%",
            "Downtime, min": "#,##0.0", "Allowed, min": "#,##0.0"}


def _cell_value(value):
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return _text(value) if isinstance(value, str) else value


def _text(value: str) -> str:
    """A text cell Excel accepts: no formula, no control character (openpyxl refuses them: an escape code pasted
    into a subject would fail the whole pack), at most Excel's 32,767 characters."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))[:32767]


def _write_table(ws, frame: pd.DataFrame, title: str, snapshot: dict) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws["A1"] = _text(title)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = _when(snapshot)
    ws["A3"] = _text("Scope: " + describe_scope(snapshot.get("scope")))
    header_fill = PatternFill("solid", fgColor="E2E8F0")
    for j, name in enumerate(frame.columns, start=1):
        cell = ws.cell(row=HEADER_ROW, column=j, value=_text(str(name)))
        cell.font = Font(bold=True)
        cell.fill = header_fill
    for i, row in enumerate(frame.itertuples(index=False), start=HEADER_ROW + 1):
        for j, value in enumerate(row, start=1):
            cell = ws.cell(row=i, column=j, value=_cell_value(value))
            name = frame.columns[j - 1]
            if name in _FORMATS:
                cell.number_format = _FORMATS[name]
            elif name == "Link" and isinstance(value, str) and value.startswith(("https://", "http://")):
                cell.hyperlink, cell.style = value, "Hyperlink"  # back to the ticket in its source system
            elif isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    last = HEADER_ROW + max(len(frame), 1)
    if len(frame.columns):
        ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(frame.columns))}{last}"
    for j, name in enumerate(frame.columns, start=1):
        texts = [str(name)] + [str(v) for v in frame.iloc[:, j - 1].head(500) if v is not None and v == v]
        width = max(len(t) for t in texts) + 2
        if name in _FORMATS:
            width = max(len(str(name)) + 2, 10)
        ws.column_dimensions[get_column_letter(j)].width = min(max(width, 9), 60)


def _colour_attainment(ws, rows: int) -> None:
    """Attainment green where it reaches the goal, red where it misses (real conditional formatting)."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import PatternFill

    if rows == 0:
        return
    first, last = HEADER_ROW + 1, HEADER_ROW + rows
    ref = f"D{first}:D{last}"
    ws.conditional_formatting.add(ref, FormulaRule(formula=[f'AND(ISNUMBER(D{first}),D{first}>=C{first})'],
                                                   fill=PatternFill("solid", fgColor=MET_FILL)))
    ws.conditional_formatting.add(ref, FormulaRule(formula=[f'AND(ISNUMBER(D{first}),D{first}<C{first})'],
                                                   fill=PatternFill("solid", fgColor=MISS_FILL)))


def workbook_bytes(snapshot: dict, review: dict | None = None, notes: dict | None = None,
                   actions: pd.DataFrame | None = None, with_charts: bool = True) -> bytes:
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image as XLImage
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    title = _title(snapshot, review)
    ws = wb.active
    ws.title = "Summary"
    summary = summary_frame(snapshot)
    _write_table(ws, summary, title, snapshot)
    _colour_attainment(ws, len(summary))
    _precise_rows(ws, summary)
    if who := _who(review):
        ws["A4"] = _text(who)
    sheets = [("Trend", trend_frame(snapshot)), ("Breaches", breaches_frame(snapshot)),
              ("Data quality", quality_frame(snapshot))]
    credits = credits_frame(snapshot)
    if len(credits):
        sheets.insert(1, ("Service credits", credits))
    for sheet, frame in sheets:
        _write_table(wb.create_sheet(sheet), frame, f"{title}: {sheet.lower()}", snapshot)
    ws = wb.create_sheet("Notes & actions")
    notes_table = notes_frame(notes)
    _write_table(ws, notes_table, f"{title}: notes", snapshot)
    start = HEADER_ROW + max(len(notes_table), 1) + 3
    ws.cell(row=start - 1, column=1, value="Action items").font = Font(bold=True, size=12)
    acts = actions_frame(actions)
    for j, name in enumerate(acts.columns, start=1):
        ws.cell(row=start, column=j, value=name).font = Font(bold=True)
    for i, row in enumerate(acts.itertuples(index=False), start=start + 1):
        for j, value in enumerate(row, start=1):
            cell = ws.cell(row=i, column=j, value=_cell_value(value))
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDEF", (45, 70, 12, 10, 30, 10)):
        ws.column_dimensions[letter].width = width
    wrapped = Alignment(wrap_text=True, vertical="top")  # notes of several lines, long actions: readable, not cut
    widths = {letter: ws.column_dimensions[letter].width for letter in "ABCDEF"}
    for row in ws.iter_rows(min_row=HEADER_ROW + 1):
        lines = 1
        for cell in row:
            if cell.value is not None and not cell.font.bold:
                cell.alignment = wrapped
            if isinstance(cell.value, str) and not cell.font.bold:
                width = max(widths.get(cell.column_letter, 10) - 2, 5)
                lines = max(lines, sum(-(-max(len(part), 1) // width) for part in cell.value.split("\n")))
        if lines > 1:  # spreadsheets do not grow a row for wrapped text on their own (LibreOffice does not)
            ws.row_dimensions[row[0].row].height = 15 * min(lines, 26)
    if with_charts:
        ws = wb.create_sheet("Charts")
        ws["A1"] = _text(f"{title}: charts")
        ws["A1"].font = Font(bold=True, size=14)
        ws["A2"] = _when(snapshot)
        ws["A3"] = _text("Scope: " + describe_scope(snapshot.get("scope")))
        row = 5
        for name, png in chart_images(snapshot, "png").items():
            image = XLImage(io.BytesIO(png))
            image.width, image.height = image.width / 2, image.height / 2  # rendered at scale 2 for sharpness
            ws.add_image(image, f"A{row}")
            row += int(image.height / 20) + 3
    for sheet in wb.worksheets:  # printed or saved as PDF: one page wide, landscape
        sheet.page_setup.orientation = "landscape"
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# -- HTML ----------------------------------------------------------------------------------------------------------
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#0f172a;margin:2rem auto;max-width:1000px;
     padding:0 1rem;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #cbd5e1}
.meta{color:#475569;font-size:.9rem;margin:.1rem 0}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #e2e8f0;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#f1f5f9} td.num{text-align:right;font-variant-numeric:tabular-nums}
.met{background:#dcfce7} .missed{background:#fee2e2} .overdue{color:#b91c1c;font-weight:600}
.chart{margin:1rem 0;page-break-inside:avoid} .note{white-space:pre-wrap;background:#f8fafc;padding:.5rem;
      border-left:3px solid #94a3b8}
@media print{body{margin:0;max-width:none} h2{page-break-after:avoid} table{page-break-inside:auto}
      tr{page-break-inside:avoid}}
"""


def _fmt(value, name: str = "") -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return ""
    if name in ("Goal", "Attainment", "Previous period", "Share", "Budget used", "Credit owed") \
            and isinstance(value, (int, float)):
        return f"{value * 100:.1f}%"
    if name == "Uptime" and isinstance(value, (int, float)):
        return f"{value * 100:.3f}%"
    if name == "Change (points)" and isinstance(value, (int, float)):
        return f"{value:+.1f}"
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _html_table(frame: pd.DataFrame, row_class=None) -> str:
    if frame.empty:
        return "<p class='meta'>Nothing to show.</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for i, row in enumerate(frame.itertuples(index=False)):
        cls = f" class='{row_class(frame.iloc[i])}'" if row_class else ""
        cells = []
        for name, value in zip(frame.columns, row):
            num = isinstance(value, (int, float)) and not isinstance(value, bool)
            cells.append(f"<td{' class=num' if num else ''}>{html.escape(_fmt(value, name))}</td>")
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def html_report(snapshot: dict, review: dict | None = None, notes: dict | None = None,
                actions: pd.DataFrame | None = None) -> str:
    """One self-contained HTML file: no script, no external stylesheet, font or image (charts are inline SVG)."""
    title = _title(snapshot, review)
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{_CSS}</style></head><body>", f"<h1>{html.escape(title)}</h1>",
             f"<p class='meta'>{html.escape(_when(snapshot))}</p>",
             f"<p class='meta'>Scope: {html.escape(describe_scope(snapshot.get('scope')))}</p>"]
    if review:
        extra = [f"Attendees: {review['attendees']}"] if review.get("attendees") else []
        if review.get("agreed_by"):
            extra.append(f"Agreed by {review['agreed_by']} on {str(review['agreed_at'])[:10]}")
        parts += [f"<p class='meta'>{html.escape(line)}</p>" for line in extra]
    parts.append("<h2>Targets: met or missed</h2>")
    parts.append(_html_table(summary_frame(snapshot), lambda r: {"met": "met", "missed": "missed"}.get(r["Result"], "")))
    for name, svg in chart_images(snapshot, "svg").items():
        parts.append(f"<div class='chart' role='img' aria-label='{html.escape(name)}'>{svg}</div>")
    movers = pd.DataFrame(snapshot["movers"], columns=["name", "previous", "attainment", "delta"]).rename(
        columns={"name": "Target", "previous": "Previous %", "attainment": "Now %", "delta": "Change (pts)"})
    parts += ["<h2>Biggest movers</h2>", _html_table(movers)]
    parts.append("<h2>What drove the breaches</h2>")
    for dim, rows in snapshot["drivers"].items():
        frame = pd.DataFrame(rows, columns=["target", "value", "breached", "met", "attainment"]).rename(
            columns={"target": "Target", "value": dim.capitalize(), "breached": "Breached", "met": "Met",
                     "attainment": "Attainment %"})
        parts += [f"<h3>By {html.escape(dim)}</h3>", _html_table(frame)]
    hot = pd.DataFrame(snapshot["hot_cells"], columns=["weekday", "hour", "breached", "decided"]).rename(
        columns={"weekday": "Weekday", "hour": "Hour", "breached": "Breached", "decided": "Decided"})
    parts += ["<h3>Weekday × hour of creation</h3>", _html_table(hot)]
    parts += ["<h2>Most breached tickets</h2>", _html_table(breaches_frame(snapshot))]
    credits = credits_frame(snapshot)
    if len(credits):
        parts += ["<h2>Uptime: error budget and service credits</h2>", _html_table(credits)]
    parts += ["<h2>Data quality</h2>", _html_table(quality_frame(snapshot))]
    bench = pd.DataFrame(snapshot["benchmarks"], columns=["metric_label", "figure_for", "figure", "yours",
                                                          "standing", "cited"]).rename(
        columns={"metric_label": "Metric", "figure_for": "Figure", "figure": "Value", "yours": "Yours",
                 "standing": "Standing", "cited": "Source"})
    parts += ["<h2>Benchmark standing</h2>", _html_table(bench)]
    notes_table = notes_frame(notes)
    parts.append("<h2>Notes</h2>")
    if notes_table.empty:
        parts.append("<p class='meta'>No notes.</p>")
    for section, text in zip(notes_table["Section"], notes_table["Note"]):
        parts.append(f"<h3>{html.escape(section)}</h3><div class='note'>{html.escape(text)}</div>")
    acts = actions_frame(actions)
    parts += ["<h2>Action items</h2>", _html_table(acts, lambda r: "overdue" if r["Overdue"] else "")]
    parts.append("</body></html>")
    return "\n".join(parts)
