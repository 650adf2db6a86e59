"""Privacy through the real processes: secrets planted in the environment, a home directory, a
user name and the host name never reach `torchdoctor report`; `check --json` carries only
allow-listed environment variables."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

SECRETS = {
    "HF_TOKEN": "hf_PLANTEDsecretTOKEN1234567890",
    "GITHUB_TOKEN": "ghp_PLANTEDgithubTOKEN0987654321",
    "AWS_SECRET_ACCESS_KEY": "PLANTEDawsSECRETkey/abc+def",
    "DATABASE_PASSWORD": "PLANTED-db-password",
    "PIP_INDEX_URL": "https://planteduser:PLANTEDpipPASSWORD@pypi.example.org/simple",
    "PYTORCH_CUDA_ALLOC_CONF": "expandable_segments:True",
}
USER = "plantedusername"


def _run(args: list[str], tmp_path: Path) -> str:
    home = tmp_path / "home" / USER
    venv = home / "proj" / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    env = {**os.environ, **SECRETS, "HOME": str(home), "USER": USER, "LOGNAME": USER}
    # The target interpreter lives below the planted home, so its path must be redacted too.
    proc = subprocess.run(
        [sys.executable, "-m", "torchdoctor", *args, "--python", str(venv / "bin" / "python")],
        capture_output=True, text=True, env=env, cwd=home, timeout=120,
    )
    assert proc.returncode in (0, 1, 3), proc.stderr
    return proc.stdout


@pytest.mark.e2e
def test_report_shows_no_secret_home_user_or_host(tmp_path: Path) -> None:
    report = _run(["report", "--no-verify"], tmp_path)
    assert report.startswith("<!-- torchdoctor report")
    assert "PLANTED" not in report, "a planted secret reached the report"
    assert "~/proj/.venv/bin/python" in report  # the home is shown as ~, the path shape kept
    assert USER not in report
    assert str(tmp_path) not in report
    node = platform.node()
    if len(node) >= 4:  # a very short host name could match ordinary words
        assert node not in report


def test_json_carries_only_allow_listed_variables(tmp_path: Path) -> None:
    document = json.loads(_run(["check", "--no-verify", "--json"], tmp_path))
    variables = document["facts"]["env"]["variables"]
    assert "HF_TOKEN" not in variables
    assert "GITHUB_TOKEN" not in variables
    assert "AWS_SECRET_ACCESS_KEY" not in variables
    assert "DATABASE_PASSWORD" not in variables
    assert variables["PYTORCH_CUDA_ALLOC_CONF"] == "expandable_segments:True"
    assert "PLANTEDpipPASSWORD" not in json.dumps(document)
    assert "pypi.example.org" in variables.get("PIP_INDEX_URL", "")
