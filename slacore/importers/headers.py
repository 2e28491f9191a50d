"""Read a column header the way a person does, and match headers to canonical fields with a score.

Real headers carry decorations around the name a vocabulary knows: annotations in brackets (`Date opened (GMT)`,
`Tags [list]`, `First response time (in hrs)`), case and separator styles (`Opened_On`, `createdAt`,
`ticket.created`, `First-Response`), vendor custom-field conventions (ServiceNow `u_responded_at`, Freshdesk
`cf_first_reply`, Jira `Custom field (Team)`, Zendesk titles with a type such as `Tier [list]`) and common words
around the noun (`Ticket created on`, `Date/time opened`, `Time of first reply`). A header is read into the words
of its name plus what its decorations say (a unit, a time zone), and compared with each vocabulary entry read the
same way, from the strictest reading to the loosest; the reading that matched gives the score.

A unit (`(min)`, `in hours`) is part of what a header means: a header with one matches only entries with the same
unit, so `First response time (hours)` is a duration in hours and never the first-response time stamp. A zone
(`(CET)`, `[UTC+1]`, `(Europe/Berlin)`) changes nothing about the field; it says how the column's naive time
stamps are written.

Matching is one assignment over every (field, header) pair, best score first: a column is never given to two
fields, nor a field to two columns, and a looser match never takes a column or a field from a stricter one.
Pairs are ranked by the score the header would have without its set-aside annotations (`Team (GMT)` ranks as
`Team` does), so annotating every header alike breaks no tie differently; equal ranks go to vocabulary order.
Everything here is a pure function of the headers and the vocabularies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Collection, Mapping, Sequence

# How sure a match is, by the reading that found it.
EXACT = 1.0  # the same name, ignoring only case, spaces and punctuation
DECORATED = 0.95  # the same words once annotations and case/separator styles are set aside
VENDOR = 0.9  # a vendor's custom-field or system-field name around the same words
WORDS = 0.8  # the same words once common words around the noun ('ticket', 'date', 'on') are set aside
PARTIAL = 0.5  # every word of the entry plus one more ('Priority level'): asked, never assumed
SURE = 0.7  # at or above: used; below: proposed and asked

_BRACKETS = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]|\{([^{}]*)\}")
_JIRA_CUSTOM = re.compile(
    r"^\s*(?:custom\s*field|campo\s+personalizado|benutzerdefiniertes\s+feld|champ\s+personnalis[ée])\s*"
    r"\((.*)\)\s*$", re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")  # ASCII only: see _uncamel
_WORD = re.compile(r"[^\W_]+")
_PREFIXES = {"u": "ServiceNow custom field", "cf": "Freshdesk custom field", "sys": "ServiceNow system field"}

UNITS = {
    "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes", "minuten": "minutes",
    "minutos": "minutes", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours", "stunden": "hours",
    "horas": "hours", "heures": "hours", "sec": "seconds", "secs": "seconds", "second": "seconds",
    "seconds": "seconds", "days": "days", "tage": "days", "dias": "days", "días": "days", "jours": "days",
}
_SHORT_UNITS = {"m": "minutes", "h": "hours", "s": "seconds", "d": "days"}  # only inside brackets: '(h)'
# Zendesk writes a custom field's type after its title; other tools describe the cell.
TYPE_WORDS = {"list", "txt", "text", "int", "integer", "dec", "decimal", "date", "checkbox", "regexp", "tagger",
              "multiselect", "textarea", "lookup", "number", "string", "bool", "boolean", "chart"}
# Abbreviations name the region's zone, daylight saving time included: 'EST' in a header means New York time.
ZONE_WORDS = {
    "utc": "UTC", "gmt": "UTC", "z": "UTC", "zulu": "UTC", "uct": "UTC",
    "cet": "Europe/Berlin", "cest": "Europe/Berlin", "met": "Europe/Berlin", "mez": "Europe/Berlin",
    "wet": "Europe/Lisbon", "west": "Europe/Lisbon", "eet": "Europe/Athens", "eest": "Europe/Athens",
    "bst": "Europe/London", "ist": "Asia/Kolkata", "msk": "Europe/Moscow",
    "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York",
    "cst": "America/Chicago", "cdt": "America/Chicago", "ct": "America/Chicago",
    "mst": "America/Denver", "mdt": "America/Denver", "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles", "hst": "Pacific/Honolulu",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney", "jst": "Asia/Tokyo", "kst": "Asia/Seoul",
    "sgt": "Asia/Singapore", "hkt": "Asia/Hong_Kong", "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland",
    "brt": "America/Sao_Paulo",
}
# Offsets that are not whole hours have no Etc/ zone: the zones that keep them all year.
_HALF_HOURS = {(5, 30): "Asia/Kolkata", (5, 45): "Asia/Kathmandu", (9, 30): "Australia/Darwin",
               (3, 30): "Asia/Tehran", (4, 30): "Asia/Kabul", (6, 30): "Asia/Yangon"}
_OFFSET = re.compile(r"^(?:utc|gmt|z)?\s*([+\-−])\s*(\d{1,2})(?::?(\d{2}))?$")

# Words around the noun that do not change which field a header is.
FILLER = {"the", "a", "an", "of", "for", "ticket", "tickets", "case", "cases", "incident", "incidents", "request",
          "requests", "issue", "issues", "item", "record"}
# ...and, for time stamps and durations only, the words that say "a moment" ('Status date' is no status).
TIME_FILLER = {"date", "time", "datetime", "timestamp", "stamp", "at", "on", "when", "dt", "ts", "dttm", "tstamp"}
# ...and, for durations only, the word that says "until": 'Minutes to first response'.
DURATION_FILLER = {"to", "until", "till"}
ALIASES = {"nr": "number", "no": "number", "num": "number", "nbr": "number", "nº": "number"}
# An extra word that makes a header something else: a person, a contact, a count, a deadline, a link.
BLOCKERS = {"by", "to", "until", "email", "mail", "phone", "count", "due", "sla", "target", "breach", "breached", "goal",
            "deadline", "url", "link", "previous", "prior", "remaining", "breaches", "violation", "overdue"}


@dataclass(frozen=True)
class Reading:
    """What a header says: the words of its name, and what its decorations add."""

    header: str
    words: tuple[str, ...]  # the name proper, lower case, without annotations or vendor prefix
    vendor: str | None = None  # 'ServiceNow custom field', 'Jira custom field', ...
    annotations: tuple[str, ...] = ()  # bracketed text as written
    unit: str | None = None  # minutes | hours | seconds | days
    zone: str | None = None  # the IANA zone an annotation names
    zone_text: str | None = None  # that annotation as written ('CET', 'UTC+1')
    undecorated: str = ""  # `norm` of the header without its zone, type and other set-aside annotations


def _uncamel(text: str) -> str:
    """Split camelCase words at every case change, non-ASCII letters too ('miseÀJour' -> 'mise À Jour').

    Python's `re` has no Unicode case classes, so beyond ASCII the cases are asked of each letter."""
    if text.isascii():
        return _CAMEL.sub(" ", text)
    out: list[str] = []
    for i, c in enumerate(text):
        if i and c.isupper():
            before, after = text[i - 1], text[i + 1:i + 2]
            if before.islower() or before.isdecimal() or (before.isupper() and after.islower()):
                out.append(" ")
        out.append(c)
    return "".join(out)


def _tokens(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(_uncamel(text))]


@lru_cache(maxsize=1)
def _iana_names() -> dict[str, str]:
    from zoneinfo import available_timezones

    return {z.lower(): z for z in available_timezones()}


def zone_of(text: str) -> str | None:
    """The IANA zone an annotation names ('CET', 'UTC+1', 'GMT-05:00', 'Europe/Berlin'), or None."""
    t = " ".join(text.strip().lower().split())
    t = re.sub(r"^(?:time\s*zone|timezone|tz)\s*[:=]?\s*", "", t)
    if t in ZONE_WORDS:
        return ZONE_WORDS[t]
    if "/" in t and t.replace(" ", "_") in _iana_names():
        return _iana_names()[t.replace(" ", "_")]
    m = _OFFSET.match(t)
    if not m:
        return None
    sign = -1 if m.group(1) in "-−" else 1
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if minutes == 0 and hours == 0:
        return "UTC"
    if minutes == 0 and hours <= (14 if sign > 0 else 12):
        return f"Etc/GMT{'-' if sign > 0 else '+'}{hours}"  # POSIX signs: Etc/GMT-1 is UTC+1
    return _HALF_HOURS.get((hours, minutes)) if sign > 0 else None


def unit_of(text: str) -> str | None:
    """The unit an annotation names ('(in hrs)', '(min)', '[h]'), or None."""
    words = [w for w in _tokens(text) if w != "in"]
    if len(words) != 1:
        return None
    return UNITS.get(words[0]) or _SHORT_UNITS.get(words[0])


def _business(words: list[str]) -> list[str]:
    """'within business hours' is a qualifier, not a unit: it becomes the one word 'business'."""
    out: list[str] = []
    i = 0
    while i < len(words):
        if words[i] == "business" and i + 1 < len(words) and words[i + 1] in ("hours", "hrs", "time"):
            while out and out[-1] in ("within", "in", "during"):
                out.pop()
            out.append("business")
            i += 2
            continue
        out.append(words[i])
        i += 1
    return out


@lru_cache(maxsize=1 << 16)
def read(header: str) -> Reading:
    """Read one header: strip the vendor wrapper, set bracketed annotations and unit words aside, split styles."""
    name, vendor = header, None
    jira = _JIRA_CUSTOM.match(name)
    if jira:
        name, vendor = jira.group(1), "Jira custom field"
    notes = list(_BRACKETS.finditer(name))
    annotations = tuple(next(g for g in m.groups() if g is not None).strip() for m in notes)
    bare = _BRACKETS.sub(" ", name)
    unit = zone = zone_text = None
    extra: list[str] = []
    meaningful: set[int] = set()  # the annotations that say what the column is (a unit, 'business hours')
    for i, note in enumerate(annotations):
        if unit is None and unit_of(note):
            unit = unit_of(note)
            meaningful.add(i)
        elif zone is None and zone_of(note):
            zone, zone_text = zone_of(note), note
        elif " ".join(_tokens(note)) in ("business", "business hours", "in business hours", "within business hours"):
            extra.append("business")
            meaningful.add(i)
    words = _business(_tokens(bare))
    if vendor is None and len(words) > 1 and words[0] in _PREFIXES:  # u_responded_at, cf_tier, sys_created_on
        vendor = _PREFIXES[words[0]]
        words = words[1:]
    kept: list[str] = []
    for w in words:
        if w in UNITS and unit is None and len(words) > 1:
            unit = UNITS[w]
            if kept and kept[-1] == "in":
                kept.pop()
            continue
        kept.append(w)
    if len(kept) > 1 and kept[-1] in ("utc", "gmt") and zone is None:  # created_utc, Opened GMT
        zone, zone_text = "UTC", kept.pop().upper()
    return Reading(header, tuple(kept + extra), vendor, annotations, unit, zone, zone_text,
                   _undecorated_name(header, jira, name, notes, meaningful))


def _undecorated_name(header: str, jira, name: str, notes: list, meaningful: set[int]) -> str:
    """`norm` of the header without the annotations that say nothing about its field ('Team (GMT)' -> 'team')."""
    if len(meaningful) == len(notes):
        return norm(header)
    kept = [name[:notes[0].start()]]
    for i, m in enumerate(notes):
        kept.append(m.group(0) if i in meaningful else " ")
        kept.append(name[m.end():notes[i + 1].start() if i + 1 < len(notes) else len(name)])
    if jira:
        kept = [header[:jira.start(1)], *kept, header[jira.end(1):]]
    return norm("".join(kept))


def norm(header: str) -> str:
    """Compare headers without case, spaces or punctuation ('First reply time (in hrs)' ~ 'firstreplytimeinhrs')."""
    return re.sub(r"[^0-9a-zà-ÿ]+", "", header.lower())


def _stem(word: str) -> str:
    word = ALIASES.get(word, word)
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=1 << 16)
def core_words(reading: Reading, timed: bool) -> frozenset[str]:
    """The words that decide the field: fillers set aside (time words only for time stamps and durations)."""
    drop = FILLER | (TIME_FILLER if timed else set()) | (DURATION_FILLER if timed and reading.unit else set())
    kept = [w for w in reading.words if w not in drop]
    return frozenset(_stem(w) for w in (kept or reading.words))


@dataclass(frozen=True)
class Match:
    """One column proposed for one field, and why."""

    field: str
    header: str
    score: float
    synonym: str  # the vocabulary entry it matched
    reading: Reading
    extra_word: str | None = None  # PARTIAL: the word the entry does not have

    @property
    def sure(self) -> bool:
        return self.score >= SURE

    def explain(self) -> str:
        """Why this column was proposed, in words (shown beside the mapping)."""
        r = self.reading
        if self.score >= EXACT:
            return f"matches “{self.synonym}”"
        if self.score < SURE:
            return f"only partly like “{self.synonym}” (extra word “{self.extra_word}”): please confirm"
        set_aside = [f"({a})" for a in r.annotations]
        if r.vendor:
            set_aside.insert(0, r.vendor)
        aside = f"; set aside: {', '.join(set_aside)}" if set_aside else ""
        if self.score < VENDOR - 1e-9:
            return f"like “{self.synonym}”, common words around it ignored{aside}"
        return f"like “{self.synonym}”{aside or '; written in another style'}"


@dataclass(frozen=True)
class _Entry:
    rank: tuple[int, int, int]  # (layer, field, candidate): earlier vocabularies and entries win ties
    field: str
    synonym: str
    unit: str | None
    vendor: str | None  # an entry may be a vendor's own field name ('sys_created_on', 'Custom field (Team)')


def _index(vocabularies: Sequence[Mapping[str, Sequence[str]]], timed: Collection[str]):
    frozen = tuple(tuple((f, tuple(s)) for f, s in v.items()) for v in vocabularies)
    return _index_of(frozen, frozenset(timed))


@lru_cache(maxsize=16)
def _index_of(vocabularies: tuple, timed: frozenset):
    """Each vocabulary entry read once: exact names, styled words, core words (the three strict-to-loose keys)."""
    exact: dict[str, list[_Entry]] = {}
    styled: dict[tuple, list[_Entry]] = {}
    loose: dict[tuple, list[_Entry]] = {}
    for li, vocab in enumerate(vocabularies):
        for fi, (fld, synonyms) in enumerate(vocab):
            for ci, synonym in enumerate(synonyms):
                r = read(synonym)
                entry = _Entry((li, fi, ci), fld, synonym, r.unit, r.vendor)
                exact.setdefault(norm(synonym), []).append(entry)
                styled.setdefault((r.words, r.unit), []).append(entry)
                loose.setdefault((core_words(r, fld in timed), r.unit, fld in timed), []).append(entry)
    heads = {next(iter(words)) for words, _, _ in loose if len(words) == 1}  # words that are an entry alone
    return exact, styled, loose, heads


def match(headers: Sequence[str], vocabularies: Sequence[Mapping[str, Sequence[str]]],
          timed: Collection[str] = ()) -> list[Match]:
    """Every field's best column, sure and unsure, one column per field and one field per column.

    `vocabularies`: {field: [synonym, ...]} layers, the first winning ties (a vendor preset before the generic
    synonyms). `timed`: the fields that are time stamps or durations (time words around their names are noise).
    Returned in header order.
    """
    exact, styled, loose, heads = _index(vocabularies, timed)
    best: dict[tuple[int, tuple], list] = {}  # (header, entry) -> [rank score, score, entry, reading, extra word]
    for hi, header in enumerate(headers):
        r = read(header)

        def add(entries, score, extra=None, undecorated=None):
            for e in entries:
                # a vendor's convention seen through costs a little, unless the entry is written the same way
                cut = 0.05 if r.vendor and r.vendor != e.vendor and score < EXACT else 0.0
                got = best.setdefault((hi, e.rank), [0.0, 0.0, e, r, None])
                got[0] = max(got[0], undecorated or score - cut)
                if score - cut > got[1]:
                    got[1], got[4] = score - cut, extra

        add(exact.get(norm(header), ()), EXACT)
        if r.undecorated != norm(header):  # the same name once annotations are set aside: ranked as it would be
            add(exact.get(r.undecorated, ()), DECORATED, undecorated=EXACT)
        add(styled.get((r.words, r.unit), ()), DECORATED)
        for is_timed in (True, False):
            words = core_words(r, is_timed)
            add(loose.get((words, r.unit, is_timed), ()), WORDS)
            if len(words) > 1:
                for w in words:
                    if w in BLOCKERS or w in heads or w.isdigit() or (not is_timed and w in TIME_FILLER):
                        continue
                    add(loose.get((words - {w}, r.unit, is_timed), ()), PARTIAL, w)
    # Best first by the score the header would have without its set-aside annotations, so that decorating every
    # header alike ('... (GMT)') changes no choice; then by the score as written, then vocabulary order.
    pairs = sorted(((-ranked, -score, rank, hi), e, r, extra)
                   for (hi, rank), (ranked, score, e, r, extra) in best.items())
    taken_fields: set[str] = set()
    taken_headers: set[int] = set()
    found: list[tuple[int, Match]] = []
    for (_, neg_score, _, hi), e, r, extra in pairs:
        if e.field in taken_fields or hi in taken_headers:
            continue
        taken_fields.add(e.field)
        taken_headers.add(hi)
        found.append((hi, Match(e.field, headers[hi], round(-neg_score, 2), e.synonym, r, extra)))
    return [m for _, m in sorted(found, key=lambda x: x[0])]


def present(signature: Sequence[str], headers: Sequence[str]) -> int:
    """How many of a vendor's signature columns a header holds (same name, or the same words in another style)."""
    names = {norm(h) for h in headers}
    styles = {(r.words, r.unit) for r in map(read, headers)}
    return sum(1 for s in signature if norm(s) in names or (read(s).words, read(s).unit) in styles)


def agreed_zone(readings: Sequence[Reading]) -> str | None:
    """The zone the annotations name when they name one (several different zones, or none: None)."""
    zones = {r.zone for r in readings if r.zone}
    return zones.pop() if len(zones) == 1 else None

