"""Shared test helpers: run the real CLI as a process (importable from any test folder)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MACHINES = REPO / "tests" / "fixtures" / "machines"


@dataclass(frozen=True)
class CliResult:
    """What one run of the real `torchdoctor` process did."""

    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(*args: str, timeout: float = 120.0, cwd: Path | None = None) -> CliResult:
    """Run `python -m torchdoctor ARGS` as a real process: exit codes and streams as users see."""
    proc = subprocess.run(
        [sys.executable, "-m", "torchdoctor", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)
