"""Where things live, and the few limits the whole app shares.

The database path is resolved once, in this order: an explicit `--db`, the `SLA_DB` environment variable,
then `data/sla.duckdb` beside the repository (created on first use).
"""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = REPO_ROOT / "data" / "sla.duckdb"
SAMPLE_DIR = REPO_ROOT / "sample_data"
DB_ENV = "SLA_DB"

# Uploads larger than this are refused before they are read (the Streamlit server limit is set to the same value).
MAX_UPLOAD_MB = 500


def resolve_db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database file to use: `--db`, else `$SLA_DB`, else the default under `data/`."""
    raw = explicit or os.environ.get(DB_ENV) or DEFAULT_DB
    return Path(raw).expanduser().resolve()


def user_path(path: str | os.PathLike, cwd: str | None = None) -> Path:
    """A file name the user typed, relative to *their* working directory: a command handed to the running app
    (slacore.handover) carries the caller's `cwd`, since the app process has its own."""
    return Path(cwd or ".") / Path(path).expanduser()
