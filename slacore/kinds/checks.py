"""Monitor check logs as an import kind (`--kind checks`): table `checks` (slacore.schema.CHECK_COLUMNS).

One row per check: the service (monitor name or URL), when, up or not, the response time and the status text.
Such logs are often headerless, `timestamp,url,up,response_time` or `url,date,time,status text`: a first row that
is data (a time stamp, a URL, a 0/1 or status word) is read as data, and its columns are recognised by what they
hold. The result reads 1/0, true/false, up/down, OK, HTTP codes (2xx/3xx up; 4xx/5xx down) and failure words
('DOWN', 'timeout', 'error', 'fail', 'refused'); anything else is rejected with its text. A check at the same time
for the same service repeats it (the last one is kept). slacore.uptime weighs each check by the interval to the
next (capped) and turns runs of failed checks into outages.
"""

from __future__ import annotations

import re

from .base import ImportKind, KindField, KindPreset, ParseContext
from .base import sql_literal as _lit, sql_in as _in, sql_ident as _ident

FIELDS: dict[str, KindField] = {
    "service": KindField("Service / monitor / URL (required)", (
        "Service", "Monitor", "Monitor name", "Friendly name", "Check", "Check name", "URL", "Target", "Host",
        "Hostname", "Endpoint", "Site", "Website", "Name", "Dienst")),
    "checked_at": KindField("Checked at (required, or a date and a time column)", (
        "Checked at", "Check time", "Timestamp", "Time stamp", "Date-Time", "Datetime", "Date time", "Checked",
        "When", "Zeitpunkt", "Fecha y hora"), timestamp=True),
    "date": KindField("Date (with a separate time column)", ("Date", "Day", "Datum", "Fecha"), timestamp=True),
    "time": KindField("Time of day (with a separate date column)", ("Time", "Time of day", "Uhrzeit", "Hora")),
    "up": KindField("Up (1/0, true/false, up/down, OK, HTTP code)", (
        "Up", "Is up", "Status", "State", "Result", "Success", "Successful", "OK", "Available", "Availability",
        "Status code", "HTTP status", "HTTP code", "Response code", "Ergebnis", "Estado")),
    "response_ms": KindField("Response time (ms)", (
        "Response time", "Response time (ms)", "Response ms", "Latency", "Latency (ms)", "Duration (ms)",
        "Time (ms)", "ms", "Antwortzeit")),
    "status_text": KindField("Status text / message", (
        "Message", "Status text", "Status message", "Error", "Error message", "Reason", "Details", "Output",
        "Meldung")),
}

PRESETS = {
    # UptimeRobot / Uptime Kuma style response-time exports: monitor, date-time, status, response time
    "monitor": KindPreset("monitor", "Monitor check export", {
        "service": ["Monitor", "Monitor name", "Friendly name", "Name", "URL"],
        "checked_at": ["Date-Time", "Datetime", "Time", "Timestamp"], "up": ["Status", "Up"],
        "response_ms": ["Response time", "Response Time (ms)", "Ping"], "status_text": ["Message", "Msg"]},
        ("Monitor", "Date-Time", "Status", "Response time", "Message")),
}

UP_WORDS = ("1", "true", "t", "yes", "y", "up", "ok", "okay", "success", "successful", "pass", "passed",
            "online", "available", "healthy", "green", "operational")
DOWN_WORDS = ("0", "false", "f", "no", "n", "down", "fail", "failed", "failure", "error", "err", "timeout",
              "timed out", "time out", "offline", "unavailable", "unreachable", "refused", "connection refused",
              "unhealthy", "red", "critical", "dns failure", "ssl error", "outage", "major_outage")

_TS = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}|^\d{1,2}[./]\d{1,2}[./]\d{2,4} \d{1,2}:\d{2}|^\d{10}(\.\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2}[./]\d{1,2}[./]\d{2,4}$")
_TIME = re.compile(r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://|^[\w-]+(\.[\w-]+)+(:\d+)?(/.*)?$", re.IGNORECASE)
_NUMBER = re.compile(r"^\d+(\.\d+)?\s*(ms)?$", re.IGNORECASE)
_HTTP = re.compile(r"^[1-5]\d\d$")





def _shape(cell: str) -> str | None:
    """What a header cell looks like when it is really data."""
    c = cell.strip()
    low = c.lower()
    if _TS.match(c):
        return "checked_at"
    if _DATE.match(c):
        return "date"
    if _TIME.match(c):
        return "time"
    if _URL.match(c) and not _NUMBER.match(c):
        return "service"
    if low in UP_WORDS or low in DOWN_WORDS or _HTTP.match(c):
        return "up"
    if _NUMBER.match(c):
        return "response_ms"
    return None


def headerless(headers: list[str]) -> bool:
    """A first row that is data: a time stamp (or a date) and a service URL or a result among its cells."""
    shapes = [_shape(h) for h in headers]
    return ("checked_at" in shapes or ("date" in shapes and "time" in shapes)) and \
        ("service" in shapes or "up" in shapes)


def shape_mapping(headers: list[str]) -> dict[str, str]:
    """A headerless file's columns by what its first row holds: the first time stamp, URL and result; a second
    result-like cell is the response time when numeric, else the status text."""
    mapping: dict[str, str] = {}
    for h in headers:
        shape = _shape(h)
        if shape == "up" and "up" in mapping:
            shape = "response_ms" if _NUMBER.match(h.strip()) and "response_ms" not in mapping else "status_text"
        if shape == "response_ms" and "up" not in mapping and h.strip() in ("0", "1"):
            shape = "up"
        if shape and shape not in mapping:
            mapping[shape] = h
        elif shape is None and "status_text" not in mapping:
            mapping["status_text"] = h
    if "up" not in mapping and "status_text" in mapping:
        mapping["up"] = mapping.pop("status_text")
    return mapping


def _score(headers: list[str]) -> float:
    """Clearly a check log: a headerless first row of data, or a service with a check time and a result and no
    end column (an incident log has one)."""
    from ..importers import headers as matcher

    if headerless(headers):
        return 0.95
    found = {m.field for m in matcher.match(headers, [CHECKS.vocabulary()], CHECKS.timestamp_fields) if m.sure}
    if not ({"service", "up"} <= found and found & {"checked_at", "date"}):
        return 0.0
    lowered = {h.strip().lower() for h in headers}
    if lowered & {"end", "ended at", "resolved at", "duration", "event", "end time", "first response", "priority",
                  "subject", "assignee"}:
        return 0.2
    return 0.8 if found & {"response_ms", "status_text"} else 0.6


def _guess(headers: list[str], continuation: dict[str, str], mapping: dict[str, str]) -> dict[str, str]:
    """A headerless file: its columns by the shape of the first row (which prepare puts back as data)."""
    if not headerless(headers):
        return {}
    return shape_mapping(headers)


def _prepare(cur, table: str, ctx: ParseContext, skip_sql: str) -> None:
    """Put a headerless file's first row back: the reader took it for the header."""
    ctx.facts["headerless"] = headerless(ctx.headers)
    if not ctx.facts["headerless"]:
        return
    cols = ", ".join(_ident(h) for h in ctx.headers)
    values = ", ".join(_lit(h) for h in ctx.headers)
    cur.execute(f"INSERT INTO {table} ({cols}, _row) VALUES ({values}, 1)")


def up_sql(value_sql: str) -> str:
    """True / false / NULL (unreadable) from a result cell."""
    v = f"lower(trim(coalesce({value_sql}, '')))"
    code = f"try_cast(regexp_extract({v}, '^(?:http\\s*)?([1-5]\\d\\d)\\b', 1) AS INTEGER)"
    return (f"CASE WHEN {v} IN {_in(UP_WORDS)} THEN true WHEN {v} IN {_in(DOWN_WORDS)} THEN false "
            f"WHEN {code} IS NOT NULL THEN {code} < 400 "
            f"WHEN regexp_matches({v}, 'time ?d? ?out|timeout|refused|unreachable|error|fail|down') THEN false "
            f"WHEN regexp_matches({v}, '^(ok|up)\\b') THEN true END")


def _select(ctx: ParseContext) -> str:
    tz = ctx.options.timezone or "UTC"
    if "checked_at" in ctx.mapping:
        checked = ctx.stamp("checked_at")
    else:  # a date column and a time-of-day column: the local time in the file's zone
        checked = (f"timezone({_lit(tz)}, CAST(timezone({_lit(tz)}, {ctx.stamp('date')}) AS DATE) "
                   f"+ try_cast(trim({ctx.raw('time')}) AS TIME))")
    result = ctx.raw("up") if "up" in ctx.mapping else ctx.raw("status_text")
    response = (f"try_cast(regexp_extract(replace(trim(coalesce({ctx.raw('response_ms')}, '')), ',', '.'), "
                f"'^(\\d+(?:\\.\\d+)?)', 1) AS DOUBLE)")
    status_text = (f"coalesce({ctx.text('status_text')}, {ctx.text('up')})" if "status_text" in ctx.mapping
                   else ctx.text("up"))
    raw_time = (f"trim({ctx.raw('checked_at')})" if "checked_at" in ctx.mapping
                else f"trim(coalesce({ctx.raw('date')}, '') || ' ' || coalesce({ctx.raw('time')}, ''))")
    return f"""
        {ctx.text('service')} AS service,
        {checked} AS checked_at,
        {up_sql(result)} AS up,
        {response} AS response_ms,
        {status_text} AS status_text,
        trim({result}) AS _result_raw,
        {raw_time} AS _time_raw
    """


def _rules(ctx: ParseContext) -> str:
    return """
        CASE
            WHEN service IS NULL THEN 'missing service'
            WHEN checked_at IS NULL AND nullif(_time_raw, '') IS NOT NULL THEN 'unreadable check time: ' || _time_raw
            WHEN checked_at IS NULL THEN 'missing check time'
            WHEN up IS NULL AND nullif(_result_raw, '') IS NOT NULL THEN 'unreadable check result: ' || _result_raw
            WHEN up IS NULL THEN 'missing check result'
        END
    """


def _covers(cur):
    from .incidents import FINAL

    return tuple(cur.execute(f"SELECT min(checked_at), max(checked_at) FROM {FINAL}").fetchone())


def _report(cur, ctx: ParseContext, parsed: str) -> dict:
    services, failed, first, last = cur.execute(f"""
        SELECT count(DISTINCT service), count(*) FILTER (WHERE NOT up), min(checked_at), max(checked_at)
        FROM {parsed} WHERE reason IS NULL AND NOT _blank""").fetchone()
    return {"headerless": bool(ctx.facts.get("headerless")), "monitors": int(services or 0),
            "failed_checks": int(failed or 0),
            "first_check": first.isoformat() if first else None, "last_check": last.isoformat() if last else None}


def _report_lines(facts: dict) -> list[str]:
    lines = []
    if facts.get("headerless"):
        lines.append("no header row: the columns were recognised by what they hold (the first row is data)")
    if facts.get("monitors"):
        lines.append(f"{facts['monitors']} monitors, {facts.get('failed_checks', 0)} failed checks")
    return lines


CHECKS = ImportKind(
    name="checks", table="checks", label="Monitor check log", noun="checks",
    fields=FIELDS, required=("service",), key="service, checked_at",
    columns=("service", "checked_at", "up", "response_ms", "status_text"),
    select=_select, rules=_rules, presets=PRESETS, score=_score, guess=_guess, prepare=_prepare,
    covers=_covers, report=_report, report_lines=_report_lines,
)
