"""Files users download: CSV and Excel tables (and chart images), safe to open in a spreadsheet.

Ticket text is written by customers: a text cell (or column name) that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return, also after leading blanks, would run as a formula in Excel or LibreOffice. Such cells get a leading
apostrophe (OWASP's advice on CSV injection); numbers stay numbers. In CSV every field that holds a line break is
quoted (records end in CRLF, so a bare carriage return counts too): `ACME\\r@SUM(1+1)` stays one cell of one record
instead of starting a new record with a live formula. Excel refuses time-zone-aware datetimes, so those are
converted to the workspace zone and written without the zone; control characters an XLSX file cannot hold are
replaced.
"""

from __future__ import annotations

import io
import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")  # also the full-width forms
# Control characters that XML 1.0 (and so XLSX) cannot carry; openpyxl refuses to write them.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula, made inert; anything else as it is."""
    if isinstance(value, str) and (value.startswith(FORMULA_START) or value.lstrip().startswith(FORMULA_START)):
        return "'" + value
    return value


def _text_column(series: pd.Series) -> bool:
    return (series.dtype == object or pd.api.types.is_string_dtype(series)
            or isinstance(series.dtype, pd.CategoricalDtype))


def safe_frame(frame: pd.DataFrame, timezone: str = "UTC") -> pd.DataFrame:
    """A copy fit for a download: text cells and column names neutralised, aware datetimes made local."""
    out = frame.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for i in range(out.shape[1]):
        series = out.iloc[:, i]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out.isetitem(i, series.dt.tz_convert(timezone).dt.tz_localize(None))
        elif _text_column(series):
            out.isetitem(i, series.astype(object).map(neutralise))
    return out


def csv_bytes(frame: pd.DataFrame, timezone: str = "UTC") -> bytes:
    """UTF-8 CSV with a BOM (so Excel picks the encoding), CRLF records, formula-safe."""
    # The csv module quotes a field holding any character of the line terminator: with CRLF that is CR and LF.
    return safe_frame(frame, timezone).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _xlsx_text(value):
    return _XML_ILLEGAL.sub("\ufffd", value) if isinstance(value, str) else value


def excel_bytes(sheets: dict[str, pd.DataFrame], timezone: str = "UTC", images: dict[str, bytes] | None = None) -> bytes:
    """An .xlsx with one sheet per frame (names cut to Excel's 31 characters) and optional PNG chart sheets."""
    from openpyxl.drawing.image import Image as XLImage

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            safe = safe_frame(frame, timezone)
            safe.columns = [_xlsx_text(c) for c in safe.columns]
            for i in range(safe.shape[1]):
                if _text_column(safe.iloc[:, i]):
                    safe.isetitem(i, safe.iloc[:, i].map(_xlsx_text))
            title = sheet_title(name)
            safe.to_excel(writer, sheet_name=title, index=False)
            sheet = writer.sheets[title]
            for column in sheet.columns:
                width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
                sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 8), 60)
        for name, png in (images or {}).items():
            ws = writer.book.create_sheet(title=sheet_title(name))
            ws.add_image(XLImage(io.BytesIO(png)), "A1")
    return buffer.getvalue()


def sheet_title(name: str) -> str:
    """A valid Excel sheet name: at most 31 characters, none of [ ] : * ? / \\ (a target name may hold them)."""
    return re.sub(r"[\[\]:*?/\\]", " ", str(name)).strip()[:31] or "Sheet"


def chart_png(chart) -> bytes:
    """An Altair chart as a PNG (vl-convert, no browser), at twice the screen size for sharp slides."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(chart.to_json(), scale=2)


def chart_svg(chart) -> str:
    """An Altair chart as SVG text (vl-convert): scales without blur, opens in any browser or slide tool."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_json())
