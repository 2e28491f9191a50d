"""Built-in sample data: loaded into an empty database so a newcomer sees a working dashboard at once."""

from __future__ import annotations

from .config import SAMPLE_DIR
from .importers.pipeline import ImportOptions, import_file
from .store import Store

SAMPLE_FILES = ("zendesk_tickets.csv", "freshdesk_tickets.csv")


def is_empty(store: Store) -> bool:
    return store.scalar("SELECT count(*) FROM imports") == 0


def load_sample_data(store: Store) -> list:
    """Import the sample exports; returns the import reports (empty when files are missing)."""
    reports = []
    for name in SAMPLE_FILES:
        path = SAMPLE_DIR / name
        if path.exists():
            reports.append(import_file(store, path, options=ImportOptions(timezone="UTC")))
    return reports


def ensure_sample_data(store: Store) -> bool:
    """Load the samples if (and only if) nothing was ever imported; True when it did."""
    if not is_empty(store):
        return False
    return bool(load_sample_data(store))
