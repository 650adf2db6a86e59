"""The Python axis of `install-command` when `--python-version` is not given: the *target*
interpreter's version (`--python PATH`, else the active venv or conda env, else torchdoctor's own).

    target = target_python(host, python=None, timeout=5.0)   # None: the default target
    target.tag                                         # "3.12", or "3.13t" when free-threaded

A target that cannot be asked (missing, not Python, Python 2, hung) raises `TargetPythonError`
with one line that says why and suggests `--python-version`.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from torchdoctor.errors import TorchdoctorError
from torchdoctor.facts import PythonFacts
from torchdoctor.install.axes import running_python

if TYPE_CHECKING:
    from torchdoctor.host import Host

# Runs inside the target: version and free-threading, nothing else (fast, stdlib only).
_ASK = ("import sys, sysconfig; print('%d.%d %d' % (sys.version_info[0], sys.version_info[1], "
        "bool(sysconfig.get_config_var('Py_GIL_DISABLED'))))")
_INCOMPLETE = 3  # ExitCode.INCOMPLETE: the target could not be asked in time


class TargetPythonError(TorchdoctorError):
    """The target interpreter's version could not be read (exit 2, or 3 when it timed out)."""


@dataclass(frozen=True)
class TargetPython:
    """The interpreter the command is for."""

    path: str
    chosen_by: str  # "--python" | "VIRTUAL_ENV" | "CONDA_PREFIX" | "torchdoctor"
    tag: str  # "3.12", or "3.13t" for a free-threaded build

    def sentence(self) -> str:
        """The rationale line that names where the Python axis came from."""
        how = {"--python": "--python", "VIRTUAL_ENV": "the active virtual environment",
               "CONDA_PREFIX": "the active conda environment"}.get(self.chosen_by,
                                                                   "torchdoctor's own interpreter")
        return f"Python {self.tag} is the target interpreter's: {self.path} ({how})."

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "chosen_by": self.chosen_by, "version": self.tag}


def from_facts(facts: PythonFacts) -> TargetPython:
    """The target as the detection probes saw it (`collect_facts(host, python=…)`)."""
    path = facts.requested or facts.executable or sys.executable
    chosen_by = facts.chosen_by or "torchdoctor"
    match = re.match(r"(\d+)\.(\d+)", facts.version or "")
    if not match or (facts.status != "found" and facts.failure not in ("too-old", "python2")):
        _cannot_tell(path, facts.reason or "it could not be inspected",
                     facts.failure in ("timed-out", "crashed"))
    assert match is not None
    _need_python3(path, match.group(0))
    return TargetPython(path, chosen_by, match.group(0) + ("t" if facts.free_threaded else ""))


def target_python(host: Host, python: str | None, timeout: float) -> TargetPython:
    """The target without running the full detection: one tiny `-c` run in the interpreter
    (none at all when the target is the interpreter running torchdoctor)."""
    from torchdoctor.probes.python import choose_target

    path, chosen_by = choose_target(host, python)
    if os.path.abspath(path) == os.path.abspath(sys.executable):
        return TargetPython(path, chosen_by, running_python())
    if not host.exists(path):
        _cannot_tell(path, f"no such file: {path}", False)
    result = host.run([path, "-c", _ASK], timeout)
    answer = re.fullmatch(r"(\d+)\.(\d+) ([01])", result.stdout.strip())
    if answer is None:
        detail = (result.error or result.stderr.strip().splitlines()[-1:] or ["no answer"])
        reason = detail if isinstance(detail, str) else detail[0]
        _cannot_tell(path, f"{path} did not answer as Python 3 would ({reason[:160]})",
                     result.timed_out)
    assert answer is not None
    version = f"{answer.group(1)}.{answer.group(2)}"
    _need_python3(path, version)
    return TargetPython(path, chosen_by, version + ("t" if answer.group(3) == "1" else ""))


def _need_python3(path: str, version: str) -> None:
    if not version.startswith("3."):
        raise TargetPythonError(f"{path} is Python {version}; PyTorch publishes wheels for "
                                "Python 3 only (pass --python-version X.Y for another Python)")


def _cannot_tell(path: str, reason: str, incomplete: bool) -> None:
    error = TargetPythonError(f"cannot tell which Python {path} is: {reason}; pass "
                              "--python-version X.Y")
    if incomplete:
        error.exit_code = _INCOMPLETE
    raise error
