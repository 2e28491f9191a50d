"""The ticket import as a kind: its fields and presets are slacore.importers.presets, its pipeline (event logs,
priorities, SLA clocks, duplicate flags, embedded CSAT) is slacore.importers.pipeline."""

from __future__ import annotations

from ..importers import presets
from .base import ImportKind, KindField, KindPreset


def _score(headers: list[str]) -> float:
    """A vendor's ticket export, or a creation time with the columns of a ticket's life cycle."""
    fmt = presets.detect_format(headers)
    if fmt != "generic":
        return 1.0
    mapped = set(presets.propose_mapping(headers, fmt))
    if "created_at" not in mapped:
        return 0.0
    lifecycle = mapped & {"resolved_at", "first_response_at", "status", "priority", "first_response_minutes",
                          "resolution_minutes", "first_response_hours", "resolution_hours", "subject", "activity"}
    from .incidents import clearly_incidents  # an outage log's Start/End/Severity also read as a ticket's

    if lifecycle and clearly_incidents(headers):
        return 0.5
    return 0.8 if lifecycle else 0.5


def _importer(store, path, name=None, options=None, progress=None):
    from ..importers.pipeline import import_file

    return import_file(store, path, name, options, progress)


def _planner(store, path, name=None, options=None):
    from ..importers.pipeline import plan_import

    return plan_import(store, path, name, options)


TICKETS = ImportKind(
    name="tickets", table="tickets", label="Tickets", noun="tickets",
    fields={f: KindField(label, tuple(presets.GENERIC.mapping.get(f, ())), f in presets.TIMESTAMP_FIELDS)
            for f, label in presets.FIELDS.items()},
    required=("created_at",), key="ticket_id",
    columns=("ticket_id", "created_at", "first_response_at", "resolved_at", "status", "priority"),
    presets={p.name: KindPreset(p.name, p.label, p.mapping, p.signature) for p in presets.PRESETS.values()
             if p.name != "generic"},
    score=_score, importer=_importer, planner=_planner,
)
