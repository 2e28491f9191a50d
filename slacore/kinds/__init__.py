"""The import kinds: one module each (see base.ImportKind), registered here.

Add a kind: write `slacore/kinds/<name>.py` declaring an `ImportKind` (fields with synonyms, presets, key, the SQL
`select` and `rules`, a header `score`), and add it to KINDS below; the shared machinery (slacore.importers.
kind_pipeline) reads, maps, parses, swaps and logs it, the CLI's `--kind` and the Data page offer it.
"""

from __future__ import annotations

from ..errors import UserError
from .base import ImportKind, KindField, KindPreset, ParseContext  # noqa: F401
from .checks import CHECKS
from .incidents import INCIDENTS
from .surveys import SURVEYS
from .tickets import TICKETS

KINDS: dict[str, ImportKind] = {k.name: k for k in (TICKETS, SURVEYS, INCIDENTS, CHECKS)}
# Kinds the command line names before their module exists.
PLANNED: tuple[str, ...] = ()


def get_kind(name: str) -> ImportKind:
    if name in KINDS:
        return KINDS[name]
    if name in PLANNED:
        raise UserError(f"Importing {name} is not supported yet; --kind takes {', '.join(KINDS)} (or auto).")
    raise UserError(f"Unknown import kind {name!r}; --kind takes auto, {', '.join(KINDS)}.")


def import_any(store, path, name=None, options=None, kind: str = "auto", progress=None):
    """Import a file as `kind` ('auto': the kind its header clearly is, tickets when none is)."""
    from pathlib import Path

    from ..importers.kind_pipeline import choose_kind, import_kind

    path = Path(path)
    chosen = choose_kind(path, name or path.name, KINDS) if kind == "auto" else get_kind(kind)
    if chosen.importer is not None:
        return chosen.importer(store, path, name, options, progress)
    return import_kind(store, chosen, path, name, options, progress)


def plan_any(store, path, name=None, options=None, kind: str = "auto"):
    """The preview of a file read as `kind` (see import_any)."""
    from pathlib import Path

    from ..importers.kind_pipeline import choose_kind, plan_kind

    path = Path(path)
    chosen = choose_kind(path, name or path.name, KINDS) if kind == "auto" else get_kind(kind)
    if chosen.planner is not None:
        plan = chosen.planner(store, path, name, options)
        plan.fields = dict(chosen.labels())
        return plan
    return plan_kind(store, chosen, path, name, options)
