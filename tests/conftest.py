"""Fixtures every test folder shares."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import invoke

from torchdoctor.environment import CI_VARIABLES

_SHIPPED = Path(__file__).resolve().parent.parent / "src" / "torchdoctor" / "data" / "releases.json"
_CACHE: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """Every test, and every torchdoctor process a test starts, sees an empty knowledge cache
    (not the developer's: `torchdoctor update` may have filled it) and measures the knowledge's
    age on its own date (so "older than 120 days" depends on no clock)."""
    _CACHE.append(tempfile.mkdtemp(prefix="torchdoctor-test-cache-"))
    os.environ["TORCHDOCTOR_CACHE_DIR"] = _CACHE[-1]
    date = json.loads(_SHIPPED.read_text(encoding="utf-8"))["knowledge_date"]
    os.environ["TORCHDOCTOR_TODAY"] = date


def pytest_unconfigure(config: pytest.Config) -> None:
    for folder in _CACHE:
        shutil.rmtree(folder, ignore_errors=True)


CliTuple = tuple[int, str, str]
# What a CI service sets that changes torchdoctor's output (no colour, the log width, and under
# GitHub Actions the job summary and annotations). Tests run as on a developer's machine, also
# when the suite itself runs in CI: a test that wants a CI sets these itself.
CI_ENVIRONMENT = (*CI_VARIABLES, "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_ENV")


@pytest.fixture(autouse=True)
def _outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CI_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cli() -> Callable[..., CliTuple]:
    """Run `torchdoctor ARGS…` in process on this machine: (exit code, stdout, stderr)."""

    def run(*args: str) -> CliTuple:
        result = invoke(*args)
        return result.exit_code, result.stdout, result.stderr

    return run
