"""Incident and outage logs as an import kind: table `incidents` (slacore.schema.INCIDENT_COLUMNS).

Formats read (each with a test file in tests/fixtures/incidents/):
- a generic log: service, start, end, planned-maintenance flag, severity, description (sample_data/outages.csv);
- Statuspage incidents (the API's incident fields: id, name, status, impact, created_at / started_at, resolved_at,
  scheduled_for / scheduled_until, components): impact `none` is listed but not downtime; scheduled maintenance
  (impact `maintenance`, a scheduled_for time or a maintenance status) is planned; an incident naming several
  components becomes one incident per component (id `<id> / <component>`);
- PagerDuty incident dumps (the API's incident objects written out, nested values as Python-dict text such as
  "{'summary': 'API', 'id': 'P123'}"): the service's summary, urgency as severity, the first acknowledgement's time
  (MTTA) and the resolve time (MTTR);
- UptimeRobot-style event logs (Event Down/Up/Paused, Date-Time, Monitor, Duration like "1 hrs, 3 mins"): a Down
  event becomes an outage lasting its duration (or until the monitor's next event; still open when neither is
  known), a Paused event a listed non-outage, Up/Started events mark the log's start and are no rows of their own.
Rows whose end is before their start are rejected with that reason. The import records the time range the log
covers (imports.covers_from/covers_to); slacore.uptime counts a service as up only inside it.
"""

from __future__ import annotations

from .base import ImportKind, KindField, KindPreset, ParseContext
from .base import sql_literal as _lit, sql_in as _in, sql_ident as _ident

FIELDS: dict[str, KindField] = {
    "incident_id": KindField("Incident id (identifies an incident; re-importing replaces it)", (
        "Incident ID", "Incident number", "Incident #", "Incident no", "Outage ID", "Event ID", "ID", "Number")),
    "service": KindField("Service / component (required)", (
        "Service", "Service name", "Affected service", "Component", "Components", "Affected components", "System",
        "Application", "Monitor", "Monitor name", "Friendly name", "Check", "Dienst", "Servicio", "Composant")),
    "started_at": KindField("Start (required)", (
        "Start", "Started", "Started at", "Start time", "Start date", "Outage start", "Down since", "Began",
        "Begin", "From", "Created at", "Created on", "Triggered at", "Opened at", "Date-Time", "Date", "Beginn",
        "Inicio", "Début"), timestamp=True),
    "ended_at": KindField("End (empty: still open)", (
        "End", "Ended", "Ended at", "End time", "End date", "Outage end", "Up since", "Recovered at", "Until",
        "To", "Resolved at", "Resolved on", "Resolved", "Closed at", "Ende", "Fin"), timestamp=True),
    "acknowledged_at": KindField("Acknowledged at (for MTTA)", (
        "Acknowledged at", "Acknowledged on", "First acknowledged at", "Acknowledged", "Ack time"), timestamp=True),
    "planned": KindField("Planned maintenance (yes/no)", (
        "Planned", "Planned maintenance", "Maintenance", "Scheduled", "Scheduled maintenance", "Is maintenance",
        "Type", "Outage type", "Incident type", "Geplant", "Wartung", "Programado", "Planifié")),
    "severity": KindField("Severity / impact", (
        "Severity", "Impact", "Urgency", "Level", "Priority", "Schweregrad", "Auswirkung", "Gravedad", "Gravité")),
    "status": KindField("Status", ("Status", "State", "Incident status")),
    "title": KindField("Description / title", (
        "Description", "Title", "Summary", "Incident name", "Incident title", "Name", "Subject", "Reason",
        "Cause", "Details", "Beschreibung", "Descripción", "Titre")),
    "event": KindField("Event (Down / Up / Paused: an event log)", ("Event", "Event type", "Alert type")),
    "duration": KindField("Duration (an event log's '1 hrs, 3 mins')", (
        "Duration", "Downtime", "Downtime duration", "Length", "Dauer", "Duración", "Durée")),
    "acknowledgements": KindField("Acknowledgements (PagerDuty's list)", ("Acknowledgements",)),
    "scheduled_for": KindField("Scheduled for (maintenance start)", ("Scheduled for",), timestamp=True),
    "scheduled_until": KindField("Scheduled until (maintenance end)", ("Scheduled until",), timestamp=True),
}

PRESETS = {
    # Statuspage's incident objects (REST API v1 /pages/{id}/incidents, or the same fields in a CSV)
    "statuspage": KindPreset("statuspage", "Statuspage incidents", {
        "incident_id": ["id"], "title": ["name"], "status": ["status"], "severity": ["impact", "impact_override"],
        "started_at": ["started_at", "created_at"], "ended_at": ["resolved_at"], "service": ["components"],
        "scheduled_for": ["scheduled_for"], "scheduled_until": ["scheduled_until"]},
        ("id", "name", "status", "impact", "created_at", "resolved_at", "components", "shortlink", "monitoring_at",
         "scheduled_for", "scheduled_until", "page_id", "incident_updates")),
    # PagerDuty's incident objects (REST API v2 /incidents written out with pandas: nested objects as dict text)
    "pagerduty": KindPreset("pagerduty", "PagerDuty incidents", {
        "incident_id": ["id", "incident_number"], "title": ["title", "summary", "description"],
        "status": ["status"], "severity": ["urgency"], "started_at": ["created_at", "created_on"],
        "ended_at": ["resolved_at", "resolved_on"], "acknowledged_at": ["acknowledged_at", "first_acknowledged_at"],
        "acknowledgements": ["acknowledgements"], "service": ["service", "service_name", "service.summary"]},
        ("id", "incident_number", "title", "urgency", "acknowledgements", "service", "escalation_policy",
         "html_url", "incident_key", "assignments", "last_status_change_at", "pending_actions")),
    # UptimeRobot's monitor log export: one row per event
    "uptimerobot": KindPreset("uptimerobot", "UptimeRobot event log", {
        "event": ["Event"], "service": ["Monitor", "Monitor name", "Friendly name", "Name"],
        "started_at": ["Date-Time", "Date-time", "Datetime", "Date"], "duration": ["Duration"],
        "title": ["Reason", "Details"]},
        ("Event", "Monitor", "Date-Time", "Duration", "Reason")),
}

TRUE_WORDS = ("yes", "y", "true", "1", "x", "planned", "maintenance", "scheduled", "planned maintenance",
              "scheduled maintenance", "maintenance window", "ja", "geplant", "wartung", "sí", "si", "oui")
NOT_DOWN_SEVERITIES = ("none", "informational", "info", "notice", "no impact", "keine")
MAINTENANCE_STATUSES = ("scheduled", "in_progress", "in progress", "verifying", "completed")
# Events of an event log that are no incident of their own: the monitor is up (again) or was started.
UP_EVENTS = ("up", "started", "start", "resumed", "created")
PAUSED_EVENTS = ("paused", "pause", "stopped")
# The shared pipeline's staging tables a `covers` hook reads (slacore.importers.machinery's PARSED and FINAL; named
# here, not imported, so the kinds import nothing that imports them back; tests/test_import_incidents.py checks).
PARSED, FINAL = "_parsed", "_final"
_NAME_RE = r"""['"](?:name|summary)['"]\s*:\s*['"]([^'"]*)['"]"""
_AT_RE = r"""['"]at['"]\s*:\s*['"]([^'"]+)['"]"""





def duration_seconds_sql(value_sql: str) -> str:
    """Seconds of an event log's duration text: '1 hrs, 3 mins', '2 days, 0 hrs, 5 mins', '45 secs', '01:03:00'."""
    v = f"lower(trim(coalesce({value_sql}, '')))"

    def part(unit_re: str) -> str:
        return f"coalesce(try_cast(regexp_extract({v}, '(\\d+(?:\\.\\d+)?)\\s*(?:{unit_re})', 1) AS DOUBLE), 0)"

    words = (f"{part('d|days?|tage?')} * 86400 + {part('h|hrs?|hours?|std')} * 3600 + "
             f"{part('m|mins?|minutes?|minuten')} * 60 + {part('s|secs?|seconds?|sek')}")
    clock = (f"try_cast(split_part({v}, ':', 1) AS BIGINT) * 3600 + try_cast(split_part({v}, ':', 2) AS BIGINT) * 60"
             f" + coalesce(try_cast(split_part({v}, ':', 3) AS BIGINT), 0)")
    return (f"CASE WHEN {v} = '' THEN NULL "
            f"WHEN regexp_matches({v}, '^\\d+:\\d{{2}}(:\\d{{2}})?$') THEN ({clock})::DOUBLE "
            f"WHEN regexp_matches({v}, '\\d\\s*(d|day|h|hr|hour|m|min|s|sec|tag|std|minut|sek)') THEN {words} "
            f"WHEN try_cast({v} AS DOUBLE) IS NOT NULL THEN try_cast({v} AS DOUBLE) * 60 END")


def _service_sql(ctx: ParseContext) -> str:
    """The service: a dict's summary/name (PagerDuty's "{'summary': 'API', ...}"), else the cleaned text."""
    raw = ctx.raw("service")
    return (f"CASE WHEN regexp_matches(trim(coalesce({raw}, '')), '^[\\[{{]') "
            f"THEN nullif(trim(regexp_extract({raw}, {_lit(_NAME_RE)}, 1)), '') ELSE {ctx.text('service')} END")


def _score(headers: list[str]) -> float:
    """Clearly an incident log: a vendor's signature, or service + start + end (or an event) without the columns
    of a ticket's life cycle."""
    from ..importers import headers as matcher
    from ..importers import presets as ticket_presets

    if any(matcher.present(p.signature, headers) >= 4 for p in PRESETS.values()):
        return 1.0
    found = {m.field for m in matcher.match(headers, [INCIDENTS.vocabulary()], INCIDENTS.timestamp_fields)
             if m.sure}
    if not {"service", "started_at"} <= found or not found & {"ended_at", "event", "duration"}:
        return 0.0
    tickets = set(ticket_presets.propose_mapping(headers, ticket_presets.detect_format(headers)))
    if tickets & {"first_response_at", "first_response_minutes", "assignee", "team", "customer", "channel"}:
        return 0.3
    return 0.9


def clearly_incidents(headers: list[str]) -> bool:
    """The header is an incident log's beyond doubt (the ticket kind steps back: its Start/End read as a ticket's)."""
    return _score(headers) >= 0.9


def _prepare(cur, table: str, ctx: ParseContext, skip_sql: str) -> None:
    """One row per component: Statuspage lists an incident's components as dict text ([{'name': 'API'}, ...])."""
    if "service" not in ctx.mapping:
        return
    col = _ident(ctx.mapping["service"])
    names = f"regexp_extract_all({col}, {_lit(_NAME_RE)}, 1)"
    many = cur.execute(f"SELECT count(*) FROM {table} WHERE starts_with(trim(coalesce({col}, '')), '[') "
                       f"AND len({names}) > 1").fetchone()[0]
    ctx.facts["multi_component"] = int(many)
    if many:
        cur.execute(f"""CREATE OR REPLACE TEMP TABLE {table} AS
            SELECT * REPLACE (unnest(CASE WHEN starts_with(trim(coalesce({col}, '')), '[') AND len({names}) > 0
                                          THEN list_transform({names}, lambda n: '[{{''name'': ''' || n || '''}}]')
                                          ELSE [{col}] END) AS {col})
            FROM {table}""")


def _select(ctx: ParseContext) -> str:
    service = _service_sql(ctx)
    event = f"lower(trim({ctx.text('event')}))"
    start_raw = ctx.raw("started_at")
    # the cell as written: 'none' is Statuspage's impact, not an empty cell
    severity = f"nullif(trim({ctx.raw('severity')}), '')"
    sev = f"lower(coalesce({severity}, ''))"
    status = f"lower(trim(coalesce({ctx.text('status')}, '')))"
    duration_s = duration_seconds_sql(ctx.raw("duration"))
    started = f"coalesce({ctx.stamp('started_at')}, {ctx.stamp('scheduled_for')})"
    # an event log: the monitor's next event ends a Down event whose duration is not given
    next_event = (f"lead({started}) OVER (PARTITION BY {service} ORDER BY {started})" if "event" in ctx.mapping
                  else "CAST(NULL AS TIMESTAMPTZ)")
    planned_flag = f"lower(trim(coalesce({ctx.text('planned')}, ''))) IN {_in(TRUE_WORDS)}"
    maintenance_status = (f"{status} IN {_in(MAINTENANCE_STATUSES)}" if ctx.fmt == "statuspage" else "false")
    planned = (f"({planned_flag} OR {sev} = 'maintenance' OR {maintenance_status} "
               f"OR {ctx.stamp('scheduled_for')} IS NOT NULL)")
    ack = (f"coalesce({ctx.stamp('acknowledged_at')}, "
           f"try_cast(nullif(regexp_extract({ctx.raw('acknowledgements')}, {_lit(_AT_RE)}, 1), '') AS TIMESTAMPTZ))")
    ended = (f"coalesce({ctx.stamp('ended_at')}, "
             f"CASE WHEN {duration_s} IS NOT NULL THEN {started} + to_seconds({duration_s}) END, "
             f"CASE WHEN {event} IS NOT NULL THEN {next_event} END, "
             f"CASE WHEN {planned} THEN {ctx.stamp('scheduled_until')} END)")
    if "incident_id" in ctx.mapping:
        incident_id = (f"{ctx.text('incident_id')} || CASE WHEN count(*) OVER (PARTITION BY _row) > 1 "
                       f"THEN ' / ' || coalesce({service}, '') ELSE '' END")
    else:  # no id: the service and the start identify an outage (a re-export with its end filled in replaces it)
        incident_id = f"left(md5(coalesce({service}, '') || '|' || coalesce(trim({start_raw}), '')), 16)"
    return f"""
        {incident_id} AS incident_id,
        {service} AS service,
        {started} AS started_at,
        {ended} AS ended_at,
        {ack} AS acknowledged_at,
        {planned} AS planned,
        NOT ({sev} IN {_in(NOT_DOWN_SEVERITIES)} OR coalesce({event} IN {_in(PAUSED_EVENTS)}, false)) AS down,
        {severity} AS severity,
        coalesce({ctx.text('status')}, {event}) AS status,
        {ctx.text('title')} AS title,
        {event} AS _event,
        trim({start_raw}) AS _start_raw,
        trim({ctx.raw('ended_at')}) AS _end_raw,
        trim({ctx.raw('duration')}) AS _duration_raw,
        {duration_s} AS _duration_s
    """


def _drop(ctx: ParseContext) -> str:
    """An event log's Up/Started events: no incident (they mark where the log starts)."""
    return f"coalesce(_event IN {_in(UP_EVENTS)}, false)"


def _rules(ctx: ParseContext) -> str:
    return """
        CASE
            WHEN service IS NULL THEN 'missing service'
            WHEN started_at IS NULL AND nullif(_start_raw, '') IS NOT NULL THEN 'unreadable start time: ' || _start_raw
            WHEN started_at IS NULL THEN 'missing start time'
            WHEN nullif(_end_raw, '') IS NOT NULL AND ended_at IS NULL THEN 'unreadable end time: ' || _end_raw
            WHEN nullif(_duration_raw, '') IS NOT NULL AND _duration_s IS NULL
                THEN 'unreadable duration: ' || _duration_raw
            WHEN ended_at < started_at THEN 'end before start: ended ' || strftime(ended_at, '%Y-%m-%d %H:%M')
                || ', started ' || strftime(started_at, '%Y-%m-%d %H:%M')
        END
    """


def _covers(cur):
    """The time range the log covers: from an event log's first event (its Up/Started rows count), to its last
    time stamp. Other logs leave the start to slacore.uptime (the local midnight of the first record)."""
    first_event, last = cur.execute(f"""
        SELECT min(started_at) FILTER (WHERE _event IS NOT NULL AND reason IS NULL),
               (SELECT max(greatest(started_at, coalesce(ended_at, started_at))) FROM {FINAL})
        FROM {PARSED}""").fetchone()
    return first_event, last


def _report(cur, ctx: ParseContext, parsed: str) -> dict:
    open_, planned, not_down, events = cur.execute(f"""
        SELECT count(*) FILTER (WHERE ended_at IS NULL), count(*) FILTER (WHERE planned),
               count(*) FILTER (WHERE NOT down), count(*) FILTER (WHERE _blank AND NOT _summary)
        FROM {parsed} WHERE reason IS NULL""").fetchone()
    return {"open_incidents": int(open_ or 0), "planned_maintenance": int(planned or 0),
            "not_downtime": int(not_down or 0), "up_events_skipped": int(events or 0),
            "split_by_component": int(ctx.facts.get("multi_component", 0))}


def _report_lines(facts: dict) -> list[str]:
    lines = []
    if facts.get("open_incidents"):
        lines.append(f"{facts['open_incidents']} incidents still open (they run to the as-of time)")
    if facts.get("planned_maintenance"):
        lines.append(f"{facts['planned_maintenance']} planned maintenance windows")
    if facts.get("not_downtime"):
        lines.append(f"{facts['not_downtime']} incidents without impact or paused monitors (listed, not downtime)")
    if facts.get("up_events_skipped"):
        lines.append(f"{facts['up_events_skipped']} up/started events read as the log's coverage, not as incidents")
    if facts.get("split_by_component"):
        lines.append(f"{facts['split_by_component']} incidents naming several components, one incident each")
    return lines


INCIDENTS = ImportKind(
    name="incidents", table="incidents", label="Incident / outage log", noun="incidents",
    fields=FIELDS, required=("service", "started_at"), key="incident_id",
    columns=("incident_id", "service", "started_at", "ended_at", "acknowledged_at", "planned", "down", "severity",
             "status", "title"),
    select=_select, rules=_rules, presets=PRESETS, score=_score, prepare=_prepare, drop=_drop, covers=_covers,
    report=_report, report_lines=_report_lines,
)
