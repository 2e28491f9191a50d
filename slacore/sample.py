"""Built-in sample data: loaded into an empty database so a newcomer sees a working dashboard at once."""

from __future__ import annotations

from . import config
from .auth import SYSTEM, acting_as
from .errors import UserError
from .quality import DuplicateKeys
from .importers.kind_pipeline import import_kind
from .importers.pipeline import ImportOptions, import_file
from .kinds import KINDS
from .store import Store

SAMPLE_FILES = ("zendesk_tickets.csv", "freshdesk_tickets.csv")
# The sample survey export (a Zendesk satisfaction export of the Zendesk sample's tickets): imported when present.
SAMPLE_SURVEYS = ("csat_survey.csv", "sample-csat", "sample-zendesk")  # file, source, the tickets' source
SAMPLE_SOURCE_PREFIX = "sample-"  # sample tickets never share a (source, id) with a user's real export
SAMPLE_REMOVED_KEY = "sample_removed"  # in settings: the user removed the samples, never load them again
# The sample outage log (uptime), imported beside the tickets when it ships; its absence does not stop the start.
SAMPLE_OUTAGES = ("outages.csv", SAMPLE_SOURCE_PREFIX + "outages")


class SampleDataMissing(UserError):
    """The sample exports are not where they ship (a trimmed copy or a packaging mistake): the app starts empty."""


def missing_sample_files() -> list[str]:
    return [name for name in SAMPLE_FILES if not (config.SAMPLE_DIR / name).is_file()]


def is_empty(store: Store) -> bool:
    return store.scalar("SELECT count(*) FROM imports") == 0


def sample_removed(store: Store) -> bool:
    return bool(store.scalar("SELECT count(*) FROM settings WHERE key = ?", [SAMPLE_REMOVED_KEY]))


def load_sample_data(store: Store) -> list:
    """Import the sample exports; returns the import reports (empty when files are missing)."""
    reports = []
    for name in SAMPLE_FILES:
        path = config.SAMPLE_DIR / name
        if path.exists():
            source = SAMPLE_SOURCE_PREFIX + name.split("_")[0]
            reports.append(import_file(store, path, options=ImportOptions(timezone="UTC", source=source)))
    name, source, ticket_source = SAMPLE_SURVEYS
    path = config.SAMPLE_DIR / name
    if reports and path.exists():
        reports.append(import_kind(store, KINDS["surveys"], path, options=ImportOptions(
            timezone="UTC", source=source, ticket_source=ticket_source)))
    outages, source = SAMPLE_OUTAGES
    if reports and (config.SAMPLE_DIR / outages).exists():
        reports.append(import_kind(store, KINDS["incidents"], config.SAMPLE_DIR / outages,
                                   options=ImportOptions(timezone="UTC", source=source)))
    return reports


def has_sample_data(store: Store) -> bool:
    return bool(store.scalar("SELECT count(*) FROM imports WHERE starts_with(source, ?)", [SAMPLE_SOURCE_PREFIX]))


def sample_data_summary(store: Store) -> dict:
    """What removing the sample data would remove: its imports, sources, tickets, survey responses and outages
    (asked before, said after)."""
    imports, tickets, surveys, incidents = store.rows(
        "SELECT (SELECT count(*) FROM imports WHERE starts_with(source, ?)), "
        "(SELECT count(*) FROM tickets WHERE starts_with(source, ?)), "
        "(SELECT count(*) FROM surveys WHERE starts_with(source, ?)), "
        "(SELECT count(*) FROM incidents WHERE starts_with(source, ?))", [SAMPLE_SOURCE_PREFIX] * 4)[0]
    sources = [r[0] for r in store.rows("SELECT DISTINCT source FROM imports WHERE starts_with(source, ?) "
                                        "ORDER BY source", [SAMPLE_SOURCE_PREFIX])]
    return {"imports": int(imports), "tickets": int(tickets), "surveys": int(surveys), "incidents": int(incidents),
            "sources": sources}


def remove_sample_data(store: Store) -> int:
    """Delete the sample imports, their tickets, survey responses and outages (targets stay); returns the tickets
    removed (sample_data_summary, asked before, counts the survey responses and outages)."""
    with store.write_lock():  # the duplicate flags' bookkeeping follows right after the commit
        with store.transaction() as cur:
            gone = cur.execute("SELECT count(*) FROM tickets WHERE starts_with(source, ?)",
                               [SAMPLE_SOURCE_PREFIX]).fetchone()[0]
            flags = DuplicateKeys(cur)
            flags.touch("starts_with(t.source, ?)", [SAMPLE_SOURCE_PREFIX])
            cur.execute("DELETE FROM tickets WHERE starts_with(source, ?)", [SAMPLE_SOURCE_PREFIX])
            flags.finish()
            cur.execute("DELETE FROM surveys WHERE starts_with(source, ?) OR import_id IN (SELECT import_id FROM "
                        "imports WHERE starts_with(source, ?))", [SAMPLE_SOURCE_PREFIX] * 2)
            cur.execute("DELETE FROM incidents WHERE starts_with(source, ?)", [SAMPLE_SOURCE_PREFIX])
            cur.execute("DELETE FROM rejected_rows WHERE import_id IN (SELECT import_id FROM imports "
                        "WHERE starts_with(source, ?))", [SAMPLE_SOURCE_PREFIX])
            cur.execute("DELETE FROM imports WHERE starts_with(source, ?)", [SAMPLE_SOURCE_PREFIX])
            # Without this, an empty imports table reads as "first start" and the next start loads them again.
            cur.execute("INSERT OR REPLACE INTO settings VALUES (?, to_json(true))", [SAMPLE_REMOVED_KEY])
        flags.record(store)
    return gone


SAMPLE_TEMPLATE = "b2b-saas"


def ensure_sample_data(store: Store) -> bool:
    """Load the samples if (and only if) nothing was ever imported and the samples were never removed; True when
    it did.

    A starter set of targets comes with them (when there are none), so every page has something to show. Raises
    SampleDataMissing (nothing loaded) when the sample exports are not in sample_data/."""
    from .sla_yaml import apply_yaml
    from .targets import current_targets
    from .templates import template_yaml

    if not is_empty(store) or sample_removed(store):
        return False
    missing = missing_sample_files()
    if missing:
        where = config.SAMPLE_DIR if not config.SAMPLE_DIR.is_dir() else ", ".join(str(config.SAMPLE_DIR / m) for m in missing)
        raise SampleDataMissing(
            f"The sample data is missing ({where} not found), so the database starts empty: import your own "
            "export (Data page, or python -m slacore import FILE), or restore sample_data/ from the repository.")
    with acting_as(SYSTEM):  # the app's own first start, whoever opened the first page
        loaded = bool(load_sample_data(store))
        if loaded and not current_targets(store):
            apply_yaml(store, template_yaml(SAMPLE_TEMPLATE), author="sample data", source="the sample template")
    return loaded
