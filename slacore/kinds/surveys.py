"""Survey responses (CSAT) as an import kind: table `surveys` (slacore.schema.SURVEY_COLUMNS).

A rating is read whatever way the export writes it: Zendesk's good/bad (`offered` = asked, not answered), numbers
on a 1–5, 1–7, 1–10 or 0–10 scale, or text labels (`Very satisfied` … `Very dissatisfied`, German, Spanish, French,
Freshdesk's smileys), which take a place on a 1..5 scale. A numeric scale is decided from the whole column (its
minimum and maximum over every row) and the header's own words (`Rating (1-10)`, `out of 10`), never from the first
rows. Empty answers (`-`, `N/A`, `None`, and `0` where the header says `0 = not rated`) are offered but unanswered;
hand-made summary rows at the end (`Average`, `Total`, `Mean`, `Summe`) are skipped and reported. SurveyMonkey
(two header rows) and Qualtrics (three: the question text and the ImportId JSON) exports have their extra header
rows dropped; the question text then helps find the rating column.

`rating_sql` is shared with the ticket import, which fills `surveys` from a ticket export's satisfaction column.
"""

from __future__ import annotations

import json
import re

from .base import ImportKind, KindField, KindPreset, ParseContext
from .base import sql_literal as _lit, sql_in as _in

FIELDS: dict[str, KindField] = {
    "response_id": KindField("Response id (identifies a response; re-importing replaces it)", (
        "Response ID", "ResponseId", "Respondent ID", "Survey response ID", "Rating ID", "Satisfaction rating ID",
        "Response number", "Antwort-ID", "ID de respuesta", "ID de réponse")),
    "ticket_id": KindField("Ticket id (links the response to its ticket)", (
        "Ticket ID", "Ticket", "Ticket number", "Ticket #", "Ticket no", "Case ID", "Case number", "Incident ID",
        "Request ID", "Issue key", "Conversation ID", "Ticketnummer", "Número de ticket", "Numéro de ticket")),
    "rating": KindField("Rating / score (required)", (
        "Rating", "Score", "Satisfaction", "Satisfaction rating", "Satisfaction score", "CSAT", "CSAT score",
        "CSAT rating", "Customer satisfaction", "Rating score", "Survey results", "Survey result", "Grade",
        "Bewertung", "Zufriedenheit", "Note", "Puntuación", "Valoración", "Satisfacción", "Calificación",
        "Évaluation", "Satisfaction client")),
    "comment": KindField("Comment", (
        "Comment", "Comments", "Feedback", "Verbatim", "Satisfaction comment", "Remarks", "Kommentar",
        "Anmerkung", "Comentario", "Comentarios", "Commentaire", "Commentaires")),
    "reason": KindField("Reason (why the rating)", (
        "Reason", "Satisfaction reason", "Bad satisfaction reason", "Grund", "Motivo", "Raison")),
    "rated_at": KindField("Rated at (the rating time)", (
        "Rated at", "Rating date", "Rated", "Date rated", "Rating time", "Response date", "Responded at",
        "Submitted at", "Submitted", "Completed at", "Completed", "End Date", "EndDate", "RecordedDate",
        "Recorded date", "Date", "Timestamp", "Bewertet am", "Datum", "Fecha", "Fecha de respuesta",
        "Date de réponse"), timestamp=True),
    "offered_at": KindField("Offered at (the survey was sent)", (
        "Offered at", "Sent at", "Survey sent", "Sent", "Invited at", "Requested at", "Gesendet am",
        "Enviado", "Envoyé le"), timestamp=True),
    "team": KindField("Team / group", ("Group", "Team", "Queue", "Department", "Gruppe", "Equipo", "Équipe")),
    "assignee": KindField("Agent / assignee", ("Assignee", "Agent", "Agent name", "Owner", "Bearbeiter", "Agente")),
    "channel": KindField("Channel", ("Channel", "Via", "Source", "Kanal", "Canal")),
    "customer": KindField("Customer / organisation", (
        "Customer", "Organization", "Organisation", "Company", "Account", "Client", "Kunde", "Cliente")),
}

PRESETS = {
    # Zendesk's satisfaction ratings export (Reporting > satisfaction, or the API's CSV): score good/bad/offered
    "zendesk": KindPreset("zendesk", "Zendesk satisfaction export", {
        "response_id": ["Satisfaction rating ID", "Rating ID"], "ticket_id": ["Ticket ID", "Ticket"],
        "rating": ["Score", "Rating", "Satisfaction"], "reason": ["Reason"], "comment": ["Comment"],
        "rated_at": ["Updated at", "Rated at"], "offered_at": ["Created at"], "team": ["Group"],
        "assignee": ["Assignee"]},
        ("Ticket ID", "Score", "Reason", "Comment", "Requester", "Assignee", "Group", "Created at", "Updated at")),
    # SurveyMonkey's "All responses data" CSV: two header rows (question, then 'Response' / 'Open-Ended Response')
    "surveymonkey": KindPreset("surveymonkey", "SurveyMonkey export", {
        "response_id": ["Respondent ID"], "rated_at": ["End Date"], "offered_at": ["Start Date"]},
        ("Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
         "Last Name", "Custom Data 1"), header_rows=2),
    # Qualtrics' data export (CSV, "use choice text" or numeric values): question text row, then ImportId JSON row
    "qualtrics": KindPreset("qualtrics", "Qualtrics export", {
        "response_id": ["ResponseId", "Response ID"], "rated_at": ["RecordedDate", "EndDate"]},
        ("StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
         "RecordedDate", "ResponseId", "DistributionChannel", "UserLanguage"), header_rows=3),
}

# Cells that mean "no answer" (compared lower case, trimmed).
EMPTY_ANSWERS = ("", "-", "–", "—", "n/a", "na", "n.a.", "none", "null", "nan", "not rated", "no rating",
                 "no answer", "not answered", "unanswered", "keine angabe", "k.a.", "sin respuesta", "sans réponse")
OFFERED = ("offered", "angeboten", "ofrecida", "proposée")  # asked, not (yet) answered
NOT_OFFERED = ("not offered", "unoffered", "not_offered", "nicht angeboten")  # no survey: no row
GOOD = ("good", "good_with_comment", "good, i'm satisfied", "good, i’m satisfied", "positive", "thumbs up", "👍",
        "gut", "bueno", "bon")
BAD = ("bad", "bad_with_comment", "bad, i'm unsatisfied", "bad, i’m unsatisfied", "negative", "thumbs down", "👎",
       "schlecht", "malo", "mauvais")
# Text labels -> their level on a 7-point scale (7 very satisfied ... 4 neutral ... 1 very dissatisfied). A column's
# labels take a place on 1..5: where it uses both plain ('Satisfied') and 'slightly'/'somewhat' labels it is a
# 7-point scale (spread evenly over 1..5); otherwise a 5-point one ('Somewhat satisfied' of Qualtrics' five = 4).
LABELS: dict[str, int] = {}
for _level, _words in {
    7: ("very satisfied", "extremely satisfied", "completely satisfied", "very happy", "extremely happy", "awesome",
        "excellent", "sehr zufrieden", "äußerst zufrieden", "ausgezeichnet", "muy satisfecho", "muy satisfecha",
        "totalmente satisfecho", "excelente", "très satisfait", "très satisfaite", "extrêmement satisfait"),
    6: ("satisfied", "happy", "mostly satisfied", "zufrieden", "satisfecho", "satisfecha", "satisfait",
        "satisfaite"),
    5: ("slightly satisfied", "somewhat satisfied", "eher zufrieden", "etwas zufrieden", "algo satisfecho",
        "algo satisfecha", "plutôt satisfait", "plutôt satisfaite", "assez satisfait"),
    4: ("neutral", "neither satisfied nor dissatisfied", "neither", "just okay", "okay", "ok", "weder noch",
        "weder zufrieden noch unzufrieden", "teils/teils", "ni satisfecho ni insatisfecho", "neutro", "neutre",
        "ni satisfait ni insatisfait"),
    3: ("slightly dissatisfied", "somewhat dissatisfied", "slightly unsatisfied", "eher unzufrieden",
        "etwas unzufrieden", "algo insatisfecho", "algo insatisfecha", "plutôt insatisfait", "plutôt insatisfaite",
        "peu satisfait"),
    2: ("dissatisfied", "unsatisfied", "unhappy", "unzufrieden", "insatisfecho", "insatisfecha", "insatisfait",
        "insatisfaite", "mécontent"),
    1: ("very dissatisfied", "very unsatisfied", "extremely dissatisfied", "extremely unhappy", "very unhappy",
        "not good", "sehr unzufrieden", "äußerst unzufrieden", "muy insatisfecho", "muy insatisfecha",
        "très insatisfait", "très insatisfaite", "très mécontent"),
}.items():
    for _w in _words:
        LABELS[_w] = _level
FIVE_POINT = {7: 5, 6: 4, 5: 4, 4: 3, 3: 2, 2: 2, 1: 1}


def label_level_sql(value_sql: str) -> str:
    t = _token(value_sql)
    return f"(CASE {t} " + " ".join(f"WHEN {_lit(k)} THEN {v}" for k, v in LABELS.items()) + " END)"


def label_mode(cur, value_sql: str, table: str, where: str = "true") -> str:
    """'seven' when the column's labels use plain and 'slightly' levels both, else 'five'."""
    levels = {r[0] for r in cur.execute(f"SELECT DISTINCT {label_level_sql('v')} FROM "
                                        f"(SELECT DISTINCT {value_sql} AS v FROM {table} WHERE ({where}))"
                                        ).fetchall() if r[0] is not None}
    return "seven" if levels & {6, 2} and levels & {5, 3} else "five"


SUMMARY_WORDS = ("average", "avg", "total", "totals", "grand total", "mean", "median", "sum", "summe", "gesamt",
                 "durchschnitt", "mittelwert", "promedio", "media", "total general", "moyenne", "somme", "overall")
SUMMARY_RE = r"^\s*(" + "|".join(re.escape(w) for w in SUMMARY_WORDS) + r")\b\s*:?"
_RANGE = re.compile(r"(?<![\d.])(0|1)\s*(?:-|–|—|to|bis|a|à|\.\.)\s*(5|7|10)(?![\d.])", re.IGNORECASE)
_OUT_OF = re.compile(r"(?:out of|of|/|von|sur|de)\s*(5|7|10)(?![\d.])", re.IGNORECASE)
_ZERO_NOT_RATED = re.compile(r"0\s*(?:=|:|means|is)\s*(?:not rated|no rating|not answered|no answer|n/?a|none|"
                             r"nicht bewertet|keine bewertung|sin valorar|sin calificar|non noté|pas de note)",
                             re.IGNORECASE)
_RATING_WORDS = re.compile(r"satisf|csat|rating|rate\b|rated|score|zufrieden|bewert|satisfac|valora|calific|"
                           r"note\b|how (?:happy|likely|would you rate)", re.IGNORECASE)
_COMMENT_WORDS = re.compile(r"comment|feedback|tell us|anything else|why\b|kommentar|comentario|commentaire|"
                            r"open-ended", re.IGNORECASE)




def annotated_scale(*texts: str) -> tuple[tuple[int, int] | None, bool]:
    """The scale a header's words state ('Rating (1-10)', 'Score out of 7'), and whether it says '0 = not rated'."""
    zero_not_rated = any(_ZERO_NOT_RATED.search(t or "") for t in texts)
    for text in texts:
        cleaned = _ZERO_NOT_RATED.sub(" ", text or "")
        m = _RANGE.search(cleaned)
        if m:
            return (int(m.group(1)), int(m.group(2))), zero_not_rated
        m = _OUT_OF.search(cleaned)
        if m:  # 'out of 10' states the top only: the bottom is 0 when the column holds a 0
            return (-1, int(m.group(1))), zero_not_rated
    return None, zero_not_rated


def _token(value_sql: str) -> str:
    return f"lower(trim(coalesce({value_sql}, '')))"


def _number_of(token_sql: str) -> str:
    return f"try_cast(replace({token_sql}, ',', '.') AS DOUBLE)"


def numeric_range_sql(value_sql: str, table: str, where: str = "true", zero_not_rated: bool = False) -> str:
    """min and max of the numeric ratings of a whole column (the scale is decided from every row)."""
    n = _number_of(_token(value_sql))
    zero = f" AND {n} <> 0" if zero_not_rated else ""
    return f"SELECT min({n}), max({n}), count({n}) FROM {table} WHERE ({where}) AND {n} IS NOT NULL{zero}"


def decide_scale(low: float | None, high: float | None, annotated: tuple[int, int] | None) -> tuple[int, int] | None:
    """The numeric scale: the header's words, else from the column's range (0 seen: 0–10; up to 5: 1–5; up to 7:
    1–7; up to 10: 1–10). None: no numbers, or none this app knows (the rows say why)."""
    if annotated and annotated[0] < 0:
        return (0 if low is not None and low < 1 else 1), annotated[1]
    if annotated:
        return annotated
    if high is None:
        return None
    if low is not None and low < 1:
        return (0, 10) if high > 5 else (0, 5)
    for top in (5, 7, 10):
        if high <= top:
            return 1, top
    return None


def rating_inputs(value_sql: str) -> list[str]:
    """The select lists that precompute a rating cell once (token, number, label level), innermost first:
    `rating_sql` reads `_rt`, `_rn` and `_rl` (one 80-branch CASE per row instead of one per use)."""
    t = _token(value_sql)
    return [f"{t} AS _rt, {_number_of(t)} AS _rn",
            "(CASE _rt " + " ".join(f"WHEN {_lit(k)} THEN {v}" for k, v in LABELS.items()) + " END) AS _rl"]


def rating_sql(value_sql: str, scale: tuple[int, int] | None, zero_not_rated: bool = False,
               labels: str = "five") -> dict[str, str]:
    """SQL for each part of a rating (over the `rating_inputs` columns): state ('answered', 'unanswered', 'offered',
    'not offered', 'unreadable', 'outside'), rating, scale_min, scale_max, scale text and label. `labels`: how the
    column's text labels sit on 1..5 (`label_mode`)."""
    t, n = "_rt", "_rn"
    if labels == "seven":
        label_pos = "(1 + (_rl - 1) * 4 / 6.0)"
    else:
        label_pos = "(CASE _rl " + " ".join(f"WHEN {k} THEN {v}.0" for k, v in FIVE_POINT.items()) + " END)"
    lo, hi = scale if scale else (None, None)
    in_scale = f"({n} >= {lo} AND {n} <= {hi})" if scale else "false"
    zero = f"WHEN {n} = 0 THEN 'unanswered' " if zero_not_rated else ""
    good_bad = _in(GOOD + BAD)
    state = (f"CASE WHEN {t} IN {_in(EMPTY_ANSWERS)} THEN 'unanswered' "
             f"WHEN {t} IN {_in(OFFERED)} THEN 'offered' "
             f"WHEN {t} IN {_in(NOT_OFFERED)} THEN 'not offered' "
             f"WHEN {t} IN {good_bad} THEN 'answered' "
             f"WHEN _rl IS NOT NULL THEN 'answered' "
             f"{zero}WHEN {n} IS NULL THEN 'unreadable' "
             f"WHEN {in_scale} THEN 'answered' ELSE 'outside' END")
    kind = (f"CASE WHEN {t} IN {good_bad} THEN 'good/bad' WHEN _rl IS NOT NULL THEN 'labels' "
            f"WHEN {n} IS NOT NULL THEN 'number' END")
    scale_text = f"'{lo}-{hi}'" if scale else "NULL"
    return {
        "state": state,
        "rating": (f"CASE WHEN {t} IN {_in(GOOD)} THEN 1.0 WHEN {t} IN {_in(BAD)} THEN 0.0 "
                   f"WHEN _rl IS NOT NULL THEN {label_pos} WHEN {in_scale} THEN {n} END"),
        "scale_min": (f"CASE {kind} WHEN 'good/bad' THEN 0.0 WHEN 'labels' THEN 1.0 "
                      f"WHEN 'number' THEN {lo if scale else 'NULL'} END"),
        "scale_max": (f"CASE {kind} WHEN 'good/bad' THEN 1.0 WHEN 'labels' THEN 5.0 "
                      f"WHEN 'number' THEN {hi if scale else 'NULL'} END"),
        "scale": f"CASE {kind} WHEN 'number' THEN {scale_text} ELSE {kind} END",
        "label": (f"CASE WHEN {kind} IN ('good/bad', 'labels') THEN trim({value_sql}) "
                  f"WHEN {t} IN {_in(OFFERED)} THEN 'offered' END"),
        "number": n,
    }


# -- header reading ---------------------------------------------------------------------------------------------

def _score(headers: list[str]) -> float:
    """Clearly a survey export: a survey tool's signature, or a rating column without ticket life-cycle columns."""
    from ..importers import headers as matcher
    from ..importers import presets as ticket_presets

    if any(matcher.present(p.signature, headers) >= 4 for p in PRESETS.values() if p.name != "zendesk"):
        return 1.0
    found = {m.field for m in matcher.match(headers, [SURVEYS.vocabulary()], SURVEYS.timestamp_fields) if m.sure}
    if "rating" not in found and "rating" in _guess(headers, {}, {}):
        found.add("rating")
    if "rating" not in found:
        return 0.0
    tickets = set(ticket_presets.propose_mapping(headers, ticket_presets.detect_format(headers)))
    lifecycle = tickets & {"resolved_at", "first_response_at", "status", "priority", "first_response_minutes",
                           "resolution_minutes", "first_response_hours", "resolution_hours", "subject"}
    if lifecycle:
        return 0.3  # a ticket export with a satisfaction column: the ticket import reads it
    return 0.9 if found & {"comment", "reason", "rated_at", "response_id"} else 0.7


def _header_rows(cur, table: str, headers: list[str], fmt: str) -> int:
    """Further header rows at the top of the data: Qualtrics' question-text and ImportId rows, SurveyMonkey's
    'Response' row. Looked for in the first rows whatever the preset (a renamed export keeps them)."""
    cols = ", ".join('"' + h.replace('"', '""') + '"' for h in headers)
    first = cur.execute(f"SELECT [{cols}] FROM {table} ORDER BY _row LIMIT 2").fetchall()
    for i, (cells,) in enumerate(first):
        if any(isinstance(c, str) and c.lstrip().startswith('{"ImportId"') for c in cells):
            return i + 1
    if first and any(isinstance(c, str) and c.strip() in ("Response", "Open-Ended Response") for c in first[0][0]):
        return 1
    return 0


def _guess(headers: list[str], continuation: dict[str, str], mapping: dict[str, str]) -> dict[str, str]:
    """A rating or comment column the synonyms missed, by its words or its question text ('How satisfied were you
    with ...?', as SurveyMonkey and Qualtrics name a question's column)."""
    used = set(mapping.values())
    found = {}
    for fld, words in (("rating", _RATING_WORDS), ("comment", _COMMENT_WORDS)):
        if fld in mapping:
            continue
        for h in headers:
            text = f"{h} {continuation.get(h, '')}"
            if h not in used and words.search(text) and not (fld == "rating" and _COMMENT_WORDS.search(text)):
                found[fld] = h
                used.add(h)
                break
    return found


# -- the parse ---------------------------------------------------------------------------------------------------

def _prepare(cur, table: str, ctx: ParseContext, skip_sql: str) -> None:
    """The numeric scale of the rating column, from every row (summary rows left out) and the header's words."""
    header = ctx.mapping["rating"]
    annotated, zero_not_rated = annotated_scale(header, ctx.continuation.get(header, ""))
    low, high, numbers = cur.execute(numeric_range_sql(ctx.raw("rating"), table, f"NOT ({skip_sql})",
                                                       zero_not_rated)).fetchone()
    scale = decide_scale(low, high, annotated)
    ctx.facts.update(scale=scale, annotated=annotated, zero_not_rated=zero_not_rated, numbers=int(numbers),
                     observed=(low, high), labels=label_mode(cur, ctx.raw("rating"), table, f"NOT ({skip_sql})"))
    zone = _qualtrics_zone(cur, table, ctx)
    if zone:
        ctx.facts["zone"] = zone


def _qualtrics_zone(cur, table, ctx) -> str | None:
    """Qualtrics' ImportId row names the zone of its dates ({"ImportId":"recordedDate","timeZone":"America/Denver"})."""
    for text in ctx.continuation.values():
        try:
            zone = json.loads(text.split("\n")[-1]).get("timeZone")
        except (ValueError, AttributeError):
            continue
        if zone:
            return zone
    return None


def _skip(ctx: ParseContext) -> str:
    """Rows that are no response: hand-made summary rows ('Average', 'Total') and 'not offered' rows."""
    cells = [ctx.raw(f) for f in ("response_id", "ticket_id") if f in ctx.mapping]
    cells += ['"' + h.replace('"', '""') + '"' for h in ctx.headers[:2]]
    summary = " OR ".join(f"regexp_matches(lower(coalesce({c}, '')), {_lit(SUMMARY_RE)})" for c in cells)
    return f"({summary})"


def _select(ctx: ParseContext) -> str:
    r = rating_sql(ctx.raw("rating"), ctx.facts.get("scale"), ctx.facts.get("zero_not_rated", False),
                   ctx.facts.get("labels", "five"))
    if "response_id" in ctx.mapping:
        response_id = ctx.text("response_id")
    elif "ticket_id" in ctx.mapping:
        response_id = ctx.text("ticket_id")
    else:  # no id: a hash of the row keeps a re-import of the same rows from counting twice
        response_id = ("left(md5(CAST(to_json([" + ", ".join('"' + h.replace('"', '""') + '"' for h in ctx.headers)
                       + "]) AS VARCHAR)), 16)")
    ticket_source = _lit(ctx.options.ticket_source) if getattr(ctx.options, "ticket_source", None) else "NULL"
    return f"""
        {response_id} AS response_id,
        {ctx.text('ticket_id')} AS ticket_id,
        CAST({ticket_source} AS VARCHAR) AS ticket_source,
        {ctx.stamp('rated_at')} AS rated_at,
        {ctx.stamp('offered_at')} AS offered_at,
        ({r['state']}) = 'answered' AS answered,
        {r['rating']} AS rating,
        {r['scale_min']} AS scale_min,
        {r['scale_max']} AS scale_max,
        {r['scale']} AS scale,
        {r['label']} AS label,
        {ctx.text('comment')} AS comment,
        {ctx.text('reason')} AS reason_given,
        {ctx.text('team')} AS team,
        {ctx.text('assignee')} AS assignee,
        lower({ctx.text('channel')}) AS channel,
        {ctx.text('customer')} AS customer,
        {r['state']} AS _state,
        trim({ctx.raw('rating')}) AS _rating_text,
        {r['number']} AS _rating_number,
        {ctx.raw('rated_at')} AS _rated_raw,
        {ctx.raw('offered_at')} AS _offered_raw
    """


def _drop(ctx: ParseContext) -> str:
    """'Not offered' rows: no survey was sent, so no response (counted in the report, not stored)."""
    return "_state = 'not offered'"


def _rules(ctx: ParseContext) -> str:
    scale = ctx.facts.get("scale")
    outside = (f"'rating ' || _rating_text || ' outside the scale {scale[0]}-{scale[1]}'" if scale else
               "'rating ' || _rating_text || ' on no known scale (1-5, 1-7, 1-10, 0-10): say the scale in the "
               "header, e.g. \"Rating (1-10)\"'")
    return f"""
        CASE
            WHEN response_id IS NULL THEN 'missing response id'
            WHEN _state = 'unreadable' THEN 'unreadable rating: ' || _rating_text
            WHEN _state = 'outside' THEN {outside}
            WHEN rated_at IS NULL AND nullif(trim(_rated_raw), '') IS NOT NULL
                THEN 'unreadable rating time: ' || trim(_rated_raw)
            WHEN offered_at IS NULL AND nullif(trim(_offered_raw), '') IS NOT NULL
                THEN 'unreadable offered time: ' || trim(_offered_raw)
        END
    """


def _report(cur, ctx: ParseContext, parsed: str) -> dict:
    """The survey's own report keys: the scale detected, summary rows skipped, offered-only and not-offered rows."""
    summary, not_offered, offered_only, answered, kinds = cur.execute(f"""
        SELECT count(*) FILTER (WHERE _summary), count(*) FILTER (WHERE _state = 'not offered' AND NOT _summary),
               count(*) FILTER (WHERE reason IS NULL AND NOT _blank AND NOT answered),
               count(*) FILTER (WHERE reason IS NULL AND NOT _blank AND answered),
               list(DISTINCT scale) FILTER (WHERE reason IS NULL AND NOT _blank AND answered)
        FROM {parsed}
    """).fetchone()
    scale = ctx.facts.get("scale")
    kinds = sorted(k for k in (kinds or []) if k)
    how = None
    if scale:
        how = ("from the header" if ctx.facts.get("annotated") else
               f"from the column's values ({ctx.facts['observed'][0]:g} to {ctx.facts['observed'][1]:g})")
    return {
        "scale": ", ".join(kinds) if kinds else None,
        "scale_detected": f"{scale[0]}-{scale[1]}" if scale else None,
        "scale_how": how,
        "zero_means_not_rated": bool(ctx.facts.get("zero_not_rated")),
        "summary_rows_skipped": int(summary),
        "not_offered_skipped": int(not_offered),
        "offered_only": int(offered_only),
        "answered": int(answered),
        "header_rows": 1 + int(ctx.facts.get("header_rows", 0)),
    }


def _report_lines(facts: dict) -> list[str]:
    """The survey report in sentences (command line and Data page)."""
    lines = []
    if facts.get("scale"):
        detected = facts.get("scale_detected")
        lines.append(f"rating scale: {facts['scale']}" + (f" ({detected} {facts['scale_how']})" if detected else ""))
    if facts.get("zero_means_not_rated"):
        lines.append("0 read as 'not rated', as the header says")
    if facts.get("summary_rows_skipped"):
        lines.append(f"{facts['summary_rows_skipped']} summary rows skipped (Average, Total, ...)")
    if facts.get("not_offered_skipped"):
        lines.append(f"{facts['not_offered_skipped']} 'not offered' rows skipped (no survey was sent)")
    if facts.get("offered_only"):
        lines.append(f"{facts['offered_only']} surveys offered but not answered (they count in the response rate, "
                     "never in CSAT)")
    if facts.get("header_rows", 1) > 1:
        lines.append(f"{facts['header_rows']} header rows (the survey tool's question texts) read as the header")
    return lines


SURVEYS = ImportKind(
    name="surveys", table="surveys", label="Survey responses (CSAT)", noun="responses",
    fields=FIELDS, required=("rating",), key="response_id",
    columns=("response_id", "ticket_id", "ticket_source", "rated_at", "offered_at", "answered", "rating",
             "scale_min", "scale_max", "scale", "label", "comment", "reason", "team", "assignee", "channel",
             "customer"),
    layers=lambda ctx: rating_inputs(ctx.raw("rating")), select=_select, rules=_rules, presets=PRESETS,
    score=_score, skip=_skip, prepare=_prepare, report=_report,
    header_rows=_header_rows, guess=_guess, report_lines=_report_lines, drop=_drop, renamed={"reason": "reason_given"},
)
