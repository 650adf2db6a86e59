"""The one CLI test harness: run the real CLI in process (`invoke`) around a recorded or real
host, or, for the few end-to-end tests, as a real process (`run_cli`)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torchdoctor.host import Host

REPO = Path(__file__).resolve().parent.parent
MACHINES = REPO / "tests" / "fixtures" / "machines"


@dataclass(frozen=True)
class CliResult:
    """What one run of the CLI did: its exit code and its two streams."""

    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class Stream(io.StringIO):
    """A string buffer that says which encoding it takes, as a terminal stream does."""

    def __init__(self, initial: str = "", encoding: str = "utf-8", tty: bool = False) -> None:
        super().__init__(initial)
        self._encoding = encoding
        self._tty = tty

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding

    def isatty(self) -> bool:
        return self._tty


def invoke(*args: str, host: Host | None = None, stdin: str = "", encoding: str = "utf-8",
           tty: bool = False) -> CliResult:
    """Run `torchdoctor ARGS` in process through the real entry point, with an environment
    around `host` (default: this machine) and string streams."""
    from torchdoctor.cli import run
    from torchdoctor.environment import Environment
    from torchdoctor.host import RealHost

    out, err = Stream(encoding=encoding, tty=tty), Stream(encoding=encoding, tty=tty)
    environment = Environment.create(host or RealHost(), Stream(stdin), out, err)
    with redirect_stdout(out), redirect_stderr(err):  # click prints --help and --version itself
        code = run(list(args), environment)
    return CliResult(code, out.getvalue(), err.getvalue())


def run_cli(*args: str, timeout: float = 120.0, cwd: Path | None = None,
            env: dict[str, str] | None = None) -> CliResult:
    """Run `python -m torchdoctor ARGS` as a real process: exit codes and streams as users see.
    `env` adds variables to this process's environment."""
    import os

    proc = subprocess.run(
        [sys.executable, "-m", "torchdoctor", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, **env} if env else None,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def invoke_environment(stdin: str = "", host: Host | None = None) -> Any:
    """An environment around `host` (default: this machine) with string streams."""
    from torchdoctor.environment import Environment
    from torchdoctor.host import RealHost

    return Environment.create(host or RealHost(), Stream(stdin), Stream(), Stream())
