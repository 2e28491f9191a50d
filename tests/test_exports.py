"""Downloads: no text cell starts a live formula, no record is split, numbers stay numbers (CSV and XLSX)."""

from __future__ import annotations

import csv
import io
import re

import duckdb
import pandas as pd
import pytest

from slacore.exports import csv_bytes, excel_bytes, neutralise

LIVE = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
HOSTILE = [
    "=HYPERLINK(\"http://evil.example/h\",\"click\")",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "   =1+1",
    " \t@SUM(A1)",
    "ACME\r@SUM(1+1)",
    "ACME\n=1+1",
    "ACME\r\n-1+1",
    "＝1+1",
    "[log in again](http://evil.example/a)",
    "plain, with a comma and a \"quote\"",
]


def _frame() -> pd.DataFrame:
    n = len(HOSTILE)
    return pd.DataFrame({
        "ticket_id": [f"T-{i}" for i in range(n)],
        "subject": HOSTILE,
        "team": pd.Series(list(reversed(HOSTILE)), dtype="category"),
        "customer": pd.Series(HOSTILE, dtype="string"),
        "minutes": [float(i) - 3.5 for i in range(n)],  # negative numbers must stay numbers
        "tickets": list(range(-3, n - 3)),
        "created": pd.date_range("2025-01-01", periods=n, freq="h", tz="UTC"),
        "=cmd|' /C calc'!A0": ["x"] * n,  # a column name from a user's file
    })


def _is_live(cell: str) -> bool:
    """Would a spreadsheet run this cell as a formula? (A plain number such as `-3.5` is read as a number.)"""
    if re.fullmatch(r"-?\d+(\.\d+)?", cell):
        return False
    return cell.startswith(LIVE) or cell.lstrip().startswith(LIVE)


def test_neutralise_text_only():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("  @x") == "'  @x"
    assert neutralise("ACME") == "ACME"
    assert neutralise(-5) == -5 and neutralise(-1.5) == -1.5 and neutralise(None) is None


def test_csv_read_back_with_the_csv_module_has_no_live_formula_and_no_split_record():
    frame = _frame()
    data = csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    assert len(body) == len(frame), "every ticket is one record"
    assert [r[0] for r in body] == list(frame["ticket_id"])
    for row in rows:
        assert len(row) == len(header)
        for cell in row:
            assert not _is_live(cell), (row, cell)
    subjects = [r[header.index("subject")] for r in body]
    assert subjects[HOSTILE.index("ACME\r@SUM(1+1)")] == "ACME\r@SUM(1+1)", "text kept as typed, inside one field"
    assert subjects[HOSTILE.index("=HYPERLINK(\"http://evil.example/h\",\"click\")")].startswith("'=HYPERLINK")
    minutes = [float(r[header.index("minutes")]) for r in body]
    assert minutes == list(frame["minutes"]), "numbers stay numbers (no apostrophe before a minus)"
    assert [int(r[header.index("tickets")]) for r in body] == list(frame["tickets"])


def test_a_bare_carriage_return_is_quoted():
    data = csv_bytes(pd.DataFrame({"customer": ["ACME\r@SUM(1+1)"], "n": [1]})).decode("utf-8-sig")
    assert data == 'customer,n\r\n"ACME\r@SUM(1+1)",1\r\n'


def test_csv_read_back_with_duckdb(tmp_path):
    frame = _frame()
    path = tmp_path / "download.csv"
    path.write_bytes(csv_bytes(frame))
    con = duckdb.connect()
    back = con.execute("SELECT * FROM read_csv(?, header=true, all_varchar=true)", [str(path)]).df()
    assert len(back) == len(frame), "no record is split"
    assert list(back["ticket_id"]) == list(frame["ticket_id"])
    for col in back.columns:
        assert not _is_live(col)
        for cell in back[col].dropna():
            assert not _is_live(cell), (col, cell)
    typed = con.execute("SELECT minutes, tickets FROM read_csv(?, header=true)", [str(path)]).df()
    assert pd.api.types.is_float_dtype(typed["minutes"]) and pd.api.types.is_integer_dtype(typed["tickets"])


def test_xlsx_read_back_with_openpyxl():
    from openpyxl import load_workbook

    frame = _frame()
    book = load_workbook(io.BytesIO(excel_bytes({"tickets": frame}, timezone="Europe/Berlin")))
    sheet = book["tickets"]
    rows = list(sheet.iter_rows(values_only=False))
    header = [c.value for c in rows[0]]
    assert len(rows) == len(frame) + 1
    for row in rows:
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} is a formula: {cell.value!r}"
            if isinstance(cell.value, str):
                assert not _is_live(cell.value), (cell.coordinate, cell.value)
    minutes = [r[header.index("minutes")].value for r in rows[1:]]
    assert minutes == list(frame["minutes"]) and all(isinstance(v, float) for v in minutes)
    tickets = [r[header.index("tickets")].value for r in rows[1:]]
    assert tickets == list(frame["tickets"]) and all(isinstance(v, int) for v in tickets)
    created = rows[1][header.index("created")].value
    assert created.tzinfo is None and created.hour == 1, "written in the workspace zone, without the zone"


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b"])
def test_xlsx_survives_control_characters(control):
    from openpyxl import load_workbook

    data = excel_bytes({"t": pd.DataFrame({"subject": [f"bell{control}=1"]})})
    value = load_workbook(io.BytesIO(data))["t"]["A2"].value
    assert value == "bell\ufffd=1"
