"""Priorities normalised to urgent / high / normal / low by rules and an editable mapping."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacore.errors import UserError
from slacore.importers.pipeline import ImportOptions, import_file
from slacore.importers.presets import SERVICENOW
from slacore.importers.priorities import CANONICAL, priority_sql, priority_values, save_priority_mapping


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    yield c
    c.close()


def normalise(con, values, codes=None):
    cur = con.cursor()
    try:
        cur.execute("CREATE OR REPLACE TEMP TABLE p (raw VARCHAR, i INTEGER)")
        cur.executemany("INSERT INTO p VALUES (?, ?)", [[v, i] for i, v in enumerate(values)])
        return [r[0] for r in cur.execute(f"SELECT {priority_sql('raw', codes)} FROM p ORDER BY i").fetchall()]
    finally:
        cur.close()


CASES = {
    "urgent": ["1 - Critical", "Highest", "P1", "Urgent", "urgent", "Critical", "Blocker", "Sev 1", "S1", "P0",
               "Emergency", "Más alta", "Muy alta", "Sehr hoch", "Kritisch", "1", " p1 "],
    "high": ["2 - High", "High", "P2", "Sev 2", "2 - Hoch", "Hoch", "Alta", "Major", "Élevée", "2", "Important"],
    "normal": ["3 - Moderate", "Medium", "Normal", "P3", "Media", "Mittel", "Moyenne", "Minor", "Standard", "3"],
    "low": ["4 - Low", "5 - Planning", "Low", "Lowest", "P4", "P5", "Baja", "Más baja", "Niedrig", "Trivial", "4"],
    None: [None, "Value 1", "whatever", "", "42"],
}


@pytest.mark.parametrize("canonical", list(CASES), ids=str)
def test_rules(con, canonical):
    values = CASES[canonical]
    assert normalise(con, values) == [canonical] * len(values), values


def test_servicenow_choice_codes(con):
    assert normalise(con, ["1", "2", "3", "4", "5"], SERVICENOW.priority_codes) == \
        ["urgent", "high", "normal", "low", "low"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.one_of(st.none(), st.text(max_size=20),
                                 st.sampled_from(sum((v for v in CASES.values()), [])).map(str)),
                       min_size=1, max_size=25),
       servicenow=st.booleans())
def test_property_always_a_canonical_value_or_null(con, values, servicenow):
    values = [v.replace("\x00", "") if v is not None else None for v in values]
    out = normalise(con, values, SERVICENOW.priority_codes if servicenow else None)
    assert len(out) == len(values)
    assert all(o is None or o in CANONICAL for o in out)
    assert all(o is None for v, o in zip(values, out) if v is None)


def test_the_editable_mapping_wins_and_is_used_by_later_imports(store, tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("Ticket ID,Created,Priority\n1,2025-01-01 09:00,Value 1\n2,2025-01-01 09:00,Medium\n"
                 "3,2025-01-01 09:00,Value 1\n")
    import_file(store, f)
    assert dict(store.rows("SELECT ticket_id, priority FROM tickets")) == {"1": None, "2": "normal", "3": None}
    values = priority_values(store).set_index("raw")
    assert values.loc["Value 1", "tickets"] == 2
    changed = save_priority_mapping(store, {"Value 1": "urgent", "medium": "high"})
    assert changed == 3  # stored tickets follow the new mapping at once
    assert dict(store.rows("SELECT ticket_id, priority FROM tickets")) == {"1": "urgent", "2": "high", "3": "urgent"}
    g = tmp_path / "u.csv"
    g.write_text("Ticket ID,Created,Priority\n9,2025-01-02 09:00,value 1\n10,2025-01-02 09:00,MEDIUM\n")
    import_file(store, g, options=ImportOptions(source="other"))
    assert dict(store.rows("SELECT ticket_id, priority FROM tickets WHERE source = 'other'")) == \
        {"9": "urgent", "10": "high"}


def test_the_mapping_only_accepts_canonical_values(store):
    with pytest.raises(UserError, match="urgent, high, normal, low"):
        save_priority_mapping(store, {"P1": "asap"})
    assert store.scalar("SELECT count(*) FROM priority_map") == 0


def test_spellings_of_one_priority_are_one_row_of_the_mapping(store, tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("Ticket ID,Created,Priority\n1,2025-01-01 09:00,Low\n2,2025-01-01 09:00,low\n"
                 "3,2025-01-01 09:00, Low \n4,2025-01-01 09:00,Value 1\n5,2025-01-01 09:00,VALUE 1\n"
                 "6,2025-01-01 09:00,Value 1\n")
    import_file(store, f)
    values = priority_values(store)
    assert sorted(values["raw"]) == ["Low", "Value 1"]  # most common spelling shown, each value once
    assert values.set_index("raw").loc["Low", "tickets"] == 3
    assert values.set_index("raw").loc["Low", "canonical"] == "low"
    save_priority_mapping(store, {"Value 1": "high"})
    assert dict(store.rows("SELECT ticket_id, priority FROM tickets WHERE ticket_id IN ('4', '5', '6')")) == \
        {"4": "high", "5": "high", "6": "high"}
