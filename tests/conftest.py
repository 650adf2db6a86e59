"""Fixtures every test folder shares."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cli_support import invoke

CliTuple = tuple[int, str, str]


@pytest.fixture
def cli() -> Callable[..., CliTuple]:
    """Run `torchdoctor ARGS…` in process on this machine: (exit code, stdout, stderr)."""

    def run(*args: str) -> CliTuple:
        result = invoke(*args)
        return result.exit_code, result.stdout, result.stderr

    return run
