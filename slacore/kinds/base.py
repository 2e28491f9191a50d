"""What an import kind declares, so that the shared machinery can import it (slacore.importers.kind_pipeline).

A kind is data plus a few SQL-building hooks: its canonical table, its fields (label, header synonyms, time stamp
or not), vendor presets (extra synonyms and the signature columns that recognise the vendor), the fields it
requires, the key that identifies a row within a source (a re-import replaces the row), its row rules as a SQL CASE
giving the rejection reason, and a header score used to detect the kind of a file. Everything that reads the file,
detects dates, keeps rejects and swaps the rows in is written once, in slacore.importers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from ..scope import sql_string as sql_literal  # the kinds' SQL helpers: one copy each, here

if TYPE_CHECKING:
    from ..importers.machinery import ImportOptions


def sql_in(values) -> str:
    """('a', 'b') as a SQL list of literals: the kinds' rules and selects compare cells with fixed words."""
    return "(" + ", ".join(sql_literal(v) for v in values) + ")"


def sql_ident(header: str) -> str:
    """A file header as a quoted SQL identifier."""
    return '"' + header.replace('"', '""') + '"'


@dataclass(frozen=True)
class KindField:
    """One canonical field: what a user sees when mapping by hand, and the headers that mean it."""

    label: str
    synonyms: tuple[str, ...] = ()
    timestamp: bool = False  # parsed as a time stamp (its header may say "when": 'Rated on')


@dataclass(frozen=True)
class KindPreset:
    """A vendor's export: its own header names (tried before the generic synonyms) and its signature columns."""

    name: str
    label: str
    synonyms: Mapping[str, Sequence[str]]
    signature: tuple[str, ...] = ()
    header_rows: int = 1  # header rows before the data (SurveyMonkey 2, Qualtrics 3)


@dataclass
class ParseContext:
    """What a kind's SQL hooks are given: the mapping and the SQL of each mapped column (cleaned text, number,
    time stamp, raw text), plus facts the kind worked out before the parse (`facts`, e.g. a survey's scale)."""

    mapping: dict[str, str]
    headers: list[str]
    texts: dict[str, str]  # field -> SQL of its cleaned text (NULL when unmapped)
    stamps: dict[str, str]  # time-stamp field -> SQL of its TIMESTAMPTZ
    raws: dict[str, str]  # field -> SQL of its cell as written
    numbers: dict[str, str]
    source: str
    fmt: str
    options: "ImportOptions"
    facts: dict = field(default_factory=dict)
    continuation: dict[str, str] = field(default_factory=dict)  # header -> the text of its further header rows

    def text(self, fld: str) -> str:
        return self.texts.get(fld, "CAST(NULL AS VARCHAR)")

    def stamp(self, fld: str) -> str:
        return self.stamps.get(fld, "CAST(NULL AS TIMESTAMPTZ)")

    def raw(self, fld: str) -> str:
        return self.raws.get(fld, "CAST(NULL AS VARCHAR)")

    def number(self, fld: str) -> str:
        return self.numbers.get(fld, "CAST(NULL AS DOUBLE)")


@dataclass(frozen=True)
class ImportKind:
    """One kind of file the app imports (tickets, surveys, incidents, checks).

    `columns`: the canonical table's columns the kind writes (besides source and import_id), each given by
    `select(ctx)` as `<sql> AS <column>`; `key` is one of them. `rules(ctx)` is a SQL CASE over those columns giving a
    row's rejection reason (NULL: valid). `skip(ctx)`: SQL over the raw cells, true for a summary row; `drop(ctx)`:
    SQL over the selected columns, true for another row that is no data (a survey 'not offered'); both are left out
    of every count. `prepare(cur, table, ctx)` works out column-wide facts before the parse (a survey's scale, from
    all rows) into ctx.facts; `report(cur, ctx)` adds the kind's own keys to the import report (`--json`).
    `score(headers)`: how clearly a header is this kind's, 0..1 (detection of `--kind auto`).
    `importer`/`planner`: a kind with its own pipeline (tickets) sets them; others use the shared one.
    """

    name: str
    table: str
    label: str
    fields: Mapping[str, KindField]
    required: tuple[str, ...]
    key: str
    columns: tuple[str, ...]
    select: Callable[[ParseContext], str] | None = None
    rules: Callable[[ParseContext], str] | None = None
    presets: Mapping[str, KindPreset] = field(default_factory=dict)
    score: Callable[[list[str]], float] = lambda headers: 0.0
    skip: Callable[[ParseContext], str] | None = None
    layers: Callable[[ParseContext], list[str]] | None = None  # select lists computed under `select`, innermost first
    renamed: Mapping[str, str] = field(default_factory=dict)  # table column -> its name in `select` (a clash)
    drop: Callable[[ParseContext], str] | None = None  # SQL over the selected columns: rows that are no data
    report_lines: Callable[[dict], list[str]] | None = None  # the report's facts in sentences
    prepare: Callable | None = None
    report: Callable | None = None
    header_rows: Callable | None = None  # (cur, table, headers, fmt) -> how many further header rows to drop
    guess: Callable | None = None  # (headers, continuation, mapping) -> {field: header} for what synonyms missed
    covers: Callable | None = None  # (cur) -> (from, to): the time range a log covers (imports.covers_from/to)
    importer: Callable | None = None
    planner: Callable | None = None
    noun: str = "rows"  # what a row is, in sentences ('responses', 'incidents')

    @property
    def timestamp_fields(self) -> tuple[str, ...]:
        return tuple(f for f, spec in self.fields.items() if spec.timestamp)

    def vocabulary(self) -> dict[str, list[str]]:
        """The generic synonyms, as `importers.headers.match` takes them."""
        return {f: list(spec.synonyms) for f, spec in self.fields.items() if spec.synonyms}

    def labels(self) -> dict[str, str]:
        return {f: spec.label for f, spec in self.fields.items()}
