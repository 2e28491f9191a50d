"""Files users download: CSV and Excel tables (and chart images), safe to open in a spreadsheet.

Cells that start with `=`, `+`, `-`, `@` (or a tab / carriage return) would run as formulas in Excel: they get a
leading apostrophe (OWASP's advice on CSV injection). Numbers stay numbers. Excel refuses time-zone-aware datetimes,
so those are converted to the workspace zone and written without the zone.
"""

from __future__ import annotations

import io

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula, made inert (also after leading spaces, which some
    spreadsheet imports trim before reading the cell)."""
    if isinstance(value, str) and (value.startswith(FORMULA_START) or value.lstrip().startswith(FORMULA_START)):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame, timezone: str = "UTC") -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out[col] = series.dt.tz_convert(timezone).dt.tz_localize(None)
        elif series.dtype == object or pd.api.types.is_string_dtype(series):
            out[col] = series.astype(object).map(neutralise)
    return out


def csv_bytes(frame: pd.DataFrame, timezone: str = "UTC") -> bytes:
    """UTF-8 CSV with a BOM (so Excel picks the encoding), formula-safe."""
    return safe_frame(frame, timezone).to_csv(index=False).encode("utf-8-sig")


def excel_bytes(sheets: dict[str, pd.DataFrame], timezone: str = "UTC", images: dict[str, bytes] | None = None) -> bytes:
    """An .xlsx with one sheet per frame (names cut to Excel's 31 characters) and optional PNG chart sheets."""
    from openpyxl.drawing.image import Image as XLImage

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            safe_frame(frame, timezone).to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            for column in sheet.columns:
                width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
                sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 8), 60)
        for name, png in (images or {}).items():
            ws = writer.book.create_sheet(title=name[:31])
            ws.add_image(XLImage(io.BytesIO(png)), "A1")
    return buffer.getvalue()
