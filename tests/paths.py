"""Paths the tests share. Import from here, not from `conftest`: with tests/e2e/conftest.py loaded, the module
name `conftest` is ambiguous."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# ../shared/inputs beside the repository (a clean CI clone gets a copy of shared/ beside it).
SHARED_INPUTS = next(
    (p for p in (REPO.parent / "shared" / "inputs", Path("/work/shared/inputs")) if p.is_dir()), None
)
SAMPLE = REPO / "sample_data"
