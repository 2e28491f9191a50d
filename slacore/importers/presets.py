"""Vendor presets and the generic header-synonym vocabulary.

A mapping is {canonical field: source header}. A vendor preset is recognised from the header (the share of its
signature columns present); whatever a preset leaves unmapped is filled from the generic synonyms, so a Zendesk
view export with extra custom fields, or a ServiceNow export with a custom first-response field, still maps.
Headers are matched to these lists by `headers.match`: on their words, through annotations, case styles, vendor
custom-field conventions and common words, each match with a score; an unsure match is proposed, not used.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import headers as matcher
from .headers import Match, norm  # noqa: F401 - norm is re-exported for older imports

# Canonical fields a ticket can have, with what a user sees when mapping by hand.
FIELDS: dict[str, str] = {
    "ticket_id": "Ticket id",
    "created_at": "Created (required)",
    "first_response_at": "First response time stamp",
    "resolved_at": "Resolved / solved time stamp",
    "updated_at": "Last updated (picks the final row of an event log)",
    "status": "Status",
    "priority": "Priority",
    "team": "Team / group",
    "assignee": "Assignee / agent",
    "channel": "Channel / source",
    "customer": "Customer / organisation",
    "customer_tier": "Customer tier / plan",
    "category": "Category / type",
    "subject": "Subject / summary",
    "reopens": "Reopen count",
    "agent_replies": "Agent replies",
    "customer_replies": "Customer replies / interactions",
    "first_contact": "Resolved on first contact (yes/no)",
    "satisfaction": "Satisfaction (CSAT carried by the ticket export)",
    "satisfaction_comment": "Satisfaction comment",
    "first_response_minutes": "First response, calendar minutes",
    "first_response_hours": "First response, calendar hours",
    "first_response_business_minutes": "First response, vendor business minutes",
    "resolution_minutes": "Resolution, calendar minutes",
    "resolution_hours": "Resolution, calendar hours",
    "resolution_business_minutes": "Resolution, vendor business minutes",
    "resolution_business_duration": "Resolution, vendor business duration (ServiceNow)",
    "on_hold_minutes": "On hold, calendar minutes",
    "on_hold_business_minutes": "On hold, business minutes",
    "pending_minutes": "Waiting on customer, calendar minutes",
    "pending_business_minutes": "Waiting on customer, business minutes",
    "activity": "Activity (event logs: one row per activity)",
}

TIMESTAMP_FIELDS = ("created_at", "first_response_at", "resolved_at", "updated_at")
MINUTE_FIELDS = (
    "first_response_minutes", "first_response_business_minutes", "resolution_minutes",
    "resolution_business_minutes", "on_hold_minutes", "on_hold_business_minutes", "pending_minutes",
    "pending_business_minutes",
)
HOUR_FIELDS = ("first_response_hours", "resolution_hours")

# Headers that carry personal data of requesters: offered for dropping or hashing at import.
PII_PATTERN = re.compile(
    r"requester|e-?mail|phone|caller|contact|full ?name|reporter|submitter|creator|watcher|opened_by|"
    r"informador|telefon|anrufer|melder",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    mapping: dict[str, list[str]]
    signature: tuple[str, ...]  # headers that identify the vendor
    priority_codes: dict[str, str] = field(default_factory=dict)  # numeric choice codes -> canonical


ZENDESK = Preset(
    "zendesk", "Zendesk",
    {
        "ticket_id": ["Id", "Ticket ID"],
        "created_at": ["Created at"],
        "resolved_at": ["Solved at"],
        "updated_at": ["Updated at"],
        "status": ["Status"],
        "priority": ["Priority"],
        "team": ["Group"],
        "assignee": ["Assignee"],
        "channel": ["Via"],
        "customer": ["Organization"],
        "category": ["Ticket type"],
        "subject": ["Subject"],
        "reopens": ["Reopens"],
        "agent_replies": ["Replies"],
        "satisfaction": ["Satisfaction Score", "Satisfaction"],
        "satisfaction_comment": ["Satisfaction Comment"],
        "first_response_minutes": ["First reply time in minutes"],
        "first_response_business_minutes": ["First reply time in minutes within business hours"],
        "resolution_minutes": ["Full resolution time in minutes"],
        "resolution_business_minutes": ["Full resolution time in minutes within business hours"],
        "on_hold_minutes": ["On hold time in minutes"],
        "on_hold_business_minutes": ["On hold time in minutes within business hours"],
        "pending_minutes": ["Requester wait time in minutes"],
        "pending_business_minutes": ["Requester wait time in minutes within business hours"],
    },
    ("Created at", "Solved at", "Via", "Requester", "First reply time in minutes",
     "First reply time in minutes within business hours", "Full resolution time in minutes", "Reopens",
     "Agent wait time in minutes", "Group stations"),
)

FRESHDESK = Preset(
    "freshdesk", "Freshdesk",
    {
        "ticket_id": ["Ticket ID"],
        "created_at": ["Created time"],
        "first_response_at": ["Initial response time"],
        "resolved_at": ["Resolved time", "Closed time"],
        "updated_at": ["Last update time"],
        "status": ["Status"],
        "priority": ["Priority"],
        "team": ["Group"],
        "assignee": ["Agent"],
        "channel": ["Source"],
        "customer": ["Company Name", "Company"],
        "category": ["Type"],
        "subject": ["Subject"],
        "agent_replies": ["Agent interactions"],
        "customer_replies": ["Customer interactions"],
        "satisfaction": ["Survey results", "Survey result"],
        "first_response_hours": ["First response time (in hrs)"],
        "resolution_hours": ["Resolution time (in hrs)"],
    },
    ("Ticket ID", "Created time", "Initial response time", "Resolved time", "Due by Time", "Source",
     "First response time (in hrs)", "Agent interactions", "Customer interactions", "Resolution status"),
)

JIRA = Preset(
    "jira", "Jira Service Management",
    {
        "ticket_id": ["Issue key", "Clave de incidencia", "Schlüssel", "Clé", "Key"],
        "created_at": ["Created", "Creada", "Erstellt", "Création", "Criado"],
        "resolved_at": ["Resolved", "Resuelta", "Erledigt", "Résolue", "Resolvido"],
        "updated_at": ["Updated", "Actualizada", "Aktualisiert", "Mise à jour"],
        "status": ["Status", "Estado", "Statut"],
        "priority": ["Priority", "Prioridad", "Priorität", "Priorité", "Prioridade"],
        "team": ["Custom field (Team)", "Custom field (Assignment group)", "Component/s", "Components",
                 "Componentes"],
        "assignee": ["Assignee", "Responsable", "Bearbeiter", "Responsável"],
        "channel": ["Custom field (Request channel type)", "Custom field (Source)"],
        "customer": ["Custom field (Organizations)", "Custom field (Organization)", "Organizations"],
        "category": ["Custom field (Request Type)", "Issue Type", "Tipo de Incidencia", "Vorgangstyp"],
        "subject": ["Summary", "Resumen", "Zusammenfassung", "Résumé"],
    },
    ("Issue key", "Issue id", "Issue Type", "Summary", "Project key", "Clave de incidencia", "Resumen",
     "Tipo de Incidencia", "Custom field (Time to first response)", "Custom field (Time to resolution)",
     "Creada", "Resuelta"),
)

SERVICENOW = Preset(
    "servicenow", "ServiceNow",
    {
        "ticket_id": ["number", "Number"],
        "created_at": ["opened_at", "Opened", "sys_created_on", "Created"],
        "resolved_at": ["resolved_at", "Resolved", "closed_at", "Closed"],
        "updated_at": ["sys_updated_on", "sys_updated_at", "Updated"],
        "status": ["incident_state", "state", "State", "Incident state"],
        "priority": ["priority", "Priority"],
        "team": ["assignment_group", "Assignment group"],
        "assignee": ["assigned_to", "Assigned to"],
        "channel": ["contact_type", "Contact type", "Channel"],
        "customer": ["company", "Company", "caller_id.company", "location"],
        "category": ["category", "Category"],
        "subject": ["short_description", "Short description"],
        "reopens": ["reopen_count", "Reopen count"],
        "resolution_business_duration": ["business_duration", "Business duration"],
    },
    ("number", "opened_at", "sys_updated_on", "sys_updated_at", "assignment_group", "short_description",
     "incident_state", "sys_mod_count", "contact_type", "caller_id", "business_duration", "calendar_duration"),
    priority_codes={"1": "urgent", "2": "high", "3": "normal", "4": "low", "5": "low"},
)

# The generic mapper: header synonyms seen in many tools and home-grown spreadsheets, several languages.
GENERIC = Preset(
    "generic", "Generic (header synonyms)",
    {
        "ticket_id": ["Ticket ID", "Ticket #", "Ticket", "Ticket number", "Ticket no", "Id", "ID", "Case ID",
                      "Case number", "Case", "Incident ID", "Incident", "Number", "Nummer", "Ticketnummer",
                      "Número", "Key", "Reference", "Request ID", "Issue key", "Call ID"],
        "created_at": ["Created", "Created at", "Created time", "Created date", "Creation date", "Opened",
                       "Opened at", "Open date", "Date opened", "Submitted", "Submitted at", "Reported",
                       "Reported at", "Received", "Start", "Erstellt", "Erstellt am", "Eröffnet", "Geöffnet",
                       "Creada", "Creado", "Fecha de creación", "Créé", "Date de création", "Timestamp",
                       "Complete Timestamp", "Date"],
        "first_response_at": ["First response", "First response at", "First response time", "First reply",
                              "First reply at", "First agent reply", "First responded", "Responded",
                              "Responded at", "Initial response", "Initial response time", "Response time",
                              "Erste Antwort", "Erste Reaktion", "Primera respuesta", "Première réponse",
                              "Acknowledged", "Acknowledged at", "Acknowledgement time"],
        "resolved_at": ["Resolved", "Resolved at", "Resolved time", "Resolution date", "Solved", "Solved at",
                        "Closed", "Closed at", "Date closed", "Completed", "Gelöst", "Gelöst am",
                        "Geschlossen", "Erledigt", "Resuelta", "Resuelto", "Cerrado", "Résolu", "Fermé", "End"],
        "updated_at": ["Updated", "Updated at", "Updated time", "Last updated", "Last update", "Last update time",
                       "Last updated at", "Modified", "Modified at", "Last modified", "Last modified date",
                       "Aktualisiert", "Geändert", "Actualizada", "Mise à jour"],
        "status": ["Status", "State", "Ticket status", "Stage", "Estado", "Statut", "Zustand"],
        "priority": ["Priority", "Prio", "Severity", "Sev", "Urgency", "Priorität", "Dringlichkeit",
                     "Prioridad", "Priorité", "Seriousness"],
        "team": ["Group", "Team", "Queue", "Assignment group", "Support group", "Department", "Gruppe",
                 "Abteilung", "Equipo", "Grupo", "Équipe", "Workgroup", "Section"],
        "assignee": ["Assignee", "Agent", "Assigned to", "Owner", "Handler", "Resource", "Bearbeiter",
                     "Zuständig", "Responsable", "Agente"],
        "channel": ["Channel", "Via", "Source", "Contact type", "Medium", "Origin", "Kanal", "Canal", "Quelle"],
        "customer": ["Customer", "Organization", "Organisation", "Company", "Account", "Client", "Company name",
                     "Kunde", "Firma", "Cliente", "Empresa"],
        "customer_tier": ["Tier", "Customer tier", "Plan", "Segment", "SLA tier", "Service level",
                          "Support plan"],
        "category": ["Category", "Type", "Ticket type", "Issue type", "Kategorie", "Categoría", "Catégorie",
                     "Product"],
        "subject": ["Subject", "Summary", "Title", "Short description", "Description", "Betreff",
                    "Zusammenfassung", "Asunto", "Resumen", "Sujet"],
        "reopens": ["Reopens", "Reopen count", "Reopened"],
        "agent_replies": ["Replies", "Agent replies", "Agent interactions", "Public comments"],
        "customer_replies": ["Customer interactions", "Customer replies", "Requester replies", "Customer responses",
                             "Requester interactions", "Customer comments", "Kundenantworten"],
        "first_contact": ["Resolved on first call", "First contact resolution", "FCR", "First call resolution",
                          "Resolved on first contact", "First contact resolved", "Resolved at first contact",
                          "One touch", "Erstlösung", "Resuelto en el primer contacto", "Résolu au premier contact"],
        "satisfaction": ["Satisfaction Score", "Satisfaction", "Satisfaction rating", "Survey results",
                         "Survey result", "CSAT", "CSAT score"],
        "satisfaction_comment": ["Satisfaction Comment", "Satisfaction comments", "CSAT comment", "Survey comment"],
        "first_response_minutes": ["First reply time in minutes", "First response minutes",
                                   "First response time (min)", "First response time in minutes"],
        "first_response_business_minutes": ["First reply time in minutes within business hours"],
        "resolution_minutes": ["Full resolution time in minutes", "Resolution minutes",
                               "Resolution time in minutes", "Resolution time (min)"],
        "resolution_business_minutes": ["Full resolution time in minutes within business hours"],
        "first_response_hours": ["First response time (in hrs)", "First response hours"],
        "resolution_hours": ["Resolution time (in hrs)", "Resolution hours"],
        "activity": ["Activity", "Event", "Action", "Aktivität", "Actividad"],
    },
    (),
)

PRESETS: dict[str, Preset] = {p.name: p for p in (ZENDESK, FRESHDESK, JIRA, SERVICENOW, GENERIC)}


def header_signature(headers: list[str]) -> str:
    """A stable key for 'a file with the same header' (remembered manual mappings)."""
    return hashlib.sha256(json.dumps(sorted(norm(h) for h in headers)).encode()).hexdigest()[:16]


def detect_format(headers: list[str]) -> str:
    """The vendor whose signature columns the header holds best; 'generic' when none holds at least three."""
    best, best_score = "generic", 0
    for preset in PRESETS.values():
        if not preset.signature:
            continue
        score = matcher.present(preset.signature, headers)
        if score > best_score:
            best, best_score = preset.name, score
    return best if best_score >= 3 else "generic"


# Fields whose headers may say "when" ('Created on', 'Date closed') or carry a unit ('Resolution time (min)').
TIMED_FIELDS = frozenset(TIMESTAMP_FIELDS + MINUTE_FIELDS + HOUR_FIELDS + ("resolution_business_duration",))


def match_columns(headers: list[str], fmt: str) -> list[Match]:
    """Every field's best column with its score, the preset's names first, then the generic synonyms; unsure
    matches included (`Match.sure`)."""
    return list(_match_columns(tuple(headers), fmt))


@lru_cache(maxsize=8)
def _match_columns(headers: tuple[str, ...], fmt: str) -> tuple[Match, ...]:
    """One import asks several times (the sheet choice, the proposal, the report): matched once."""
    layers = [PRESETS[fmt].mapping] if fmt != "generic" else []
    layers.append(GENERIC.mapping)
    return tuple(matcher.match(headers, layers, TIMED_FIELDS))


def propose_mapping(headers: list[str], fmt: str) -> dict[str, str]:
    """{field: header} of the sure matches (see `match_columns` for the unsure ones)."""
    sure = {m.field: m.header for m in match_columns(headers, fmt) if m.sure}
    return {f: sure[f] for f in FIELDS if f in sure}


def pii_columns(headers: list[str], mapping: dict[str, str]) -> list[str]:
    """Headers that look like requester personal data and are not needed as a canonical field."""
    mapped = set(mapping.values())
    return [h for h in headers if h not in mapped and PII_PATTERN.search(h)]


@dataclass(frozen=True)
class MappedColumn:
    """A mapped field, the header it came from, and how sure that is (shown on the Data page and in --json)."""

    field: str
    header: str
    score: float
    how: str

    def as_json(self) -> dict:
        return {"header": self.header, "score": self.score, "how": self.how}


@dataclass(frozen=True)
class MappingInfo:
    """How the header was read: each mapped field's column, the unsure matches to ask about, the zone named."""

    columns: list[MappedColumn]
    asked: list[Match]  # unsure matches, not used until confirmed
    zone: str | None  # the zone the time-stamp headers name ('Created (CET)' -> Europe/Berlin)
    zone_from: list[str]  # the headers that name a zone
    notes: list[str]

    def without(self, fields: set[str]) -> "MappingInfo":
        return MappingInfo([c for c in self.columns if c.field not in fields], self.asked, self.zone,
                           self.zone_from, self.notes)


def describe_mapping(headers: list[str], fmt: str, mapping: dict[str, str], chosen: dict[str, str],
                     remembered: bool) -> MappingInfo:
    """Where each mapped field came from (`chosen`: the user's own field -> header choices)."""
    matches = {m.field: m for m in match_columns(headers, fmt)}
    columns = []
    for fld in FIELDS:
        if fld not in mapping:
            continue
        header, m = mapping[fld], matches.get(fld)
        if chosen.get(fld):
            columns.append(MappedColumn(fld, header, 1.0, "chosen by hand"))
        elif m is not None and m.header == header:
            columns.append(MappedColumn(fld, header, m.score, m.explain()))
        else:
            columns.append(MappedColumn(fld, header, 1.0, "remembered from an earlier file with this header"
                                        if remembered else "chosen by hand"))
    used = set(mapping.values())
    asked = [] if remembered else [m for m in matches.values()
                                   if not m.sure and m.field not in mapping and m.header not in used]
    stamped = [mapping[f] for f in TIMESTAMP_FIELDS if f in mapping]
    readings = [matcher.read(h) for h in dict.fromkeys(stamped)]
    named = [r for r in readings if r.zone]
    zone = matcher.agreed_zone(named)
    notes = [f"{h!r} is Jira's SLA clock (the time left, not a time stamp): not used" for h in headers
             if h not in used and matcher.read(h).vendor == "Jira custom field"
             and matcher.read(h).words[:2] == ("time", "to") and matcher.read(h).unit is None]
    if named and zone is None:
        notes.append("the time-stamp headers name different time zones ("
                     + ", ".join(f"{r.header!r}: {r.zone}" for r in named) + "): choose the source time zone")
    return MappingInfo(columns, sorted(asked, key=lambda m: list(FIELDS).index(m.field)), zone,
                       [r.header for r in named], notes)


def measured_instead(mapping: dict[str, str], event_log: bool | None = None) -> dict[str, str]:
    """What a target measures when the export lacks its column, in words ({metric: sentence}).

    `event_log`: None when not yet known (a preview); an event log's responses come from its activities."""
    if event_log or (event_log is None and "activity" in mapping):
        return {}
    if any(f in mapping for f in ("first_response_at", "first_response_minutes", "first_response_hours")):
        return {}
    rule = ("first-response targets will measure each ticket's resolution as its first response (a ticket "
            "resolved with no response counts its resolution as the response; an open ticket counts as unanswered "
            "until it is resolved)")
    if "first_response_business_minutes" in mapping:
        return {"first_response": "This export has first-response minutes only as the vendor's business-hours "
                                  "figure: targets on the vendor's measure use it, and " + rule + "."}
    if "resolved_at" not in mapping and not any(f in mapping for f in ("resolution_minutes", "resolution_hours")):
        return {"first_response": "This export has neither a first-response nor a resolution column: "
                                  "first-response targets will count every ticket as unanswered."}
    return {"first_response": "This export has no first-response column: " + rule + "."}
