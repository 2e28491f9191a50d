"""How the app is served: this machine only by default, XSRF on, the upload limit set, no error details in the
browser, no secrets file in the repository."""

from __future__ import annotations

import subprocess
import tomllib

from paths import REPO
from slacore.config import MAX_UPLOAD_MB


def _config() -> dict:
    return tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())


def test_server_listens_on_this_machine_only_with_xsrf_and_the_upload_limit():
    server = _config()["server"]
    assert server["address"] == "localhost"
    assert server["enableXsrfProtection"] is True
    assert server["maxUploadSize"] == MAX_UPLOAD_MB


def test_no_error_details_in_the_browser_outside_development():
    assert _config()["client"]["showErrorDetails"] == "none"


def test_make_run_binds_to_localhost_unless_told_otherwise():
    dry = subprocess.run(["make", "-n", "run", "VENV=/nonexistent-venv"], cwd=REPO, capture_output=True, text=True)
    assert "--server.address localhost" in dry.stdout, dry.stdout + dry.stderr
    assert "showErrorDetails" not in dry.stdout
    dev = subprocess.run(["make", "-n", "run", "VENV=/nonexistent-venv", "HOST=0.0.0.0", "DEV=1"], cwd=REPO,
                         capture_output=True, text=True)
    assert "--server.address 0.0.0.0" in dev.stdout and "--client.showErrorDetails full" in dev.stdout


def test_no_secrets_file_in_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout.split()
    assert not [f for f in tracked if f.endswith("secrets.toml")]
    assert ".streamlit/secrets.toml" in (REPO / ".gitignore").read_text().split()
