"""The target interpreter: which one, and what a stdlib-only child script run inside it reports.

The target is `--python PATH`, else the active virtual environment (VIRTUAL_ENV), else the active
conda environment (CONDA_PREFIX), else the interpreter running torchdoctor. Every way the run can go
wrong — no such file, not executable, not Python, Python 2, too old, hung, crashed — becomes a fact
with `failure` set, never an exception.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from typing import Any

from torchdoctor.facts import FactsError, PythonFacts, from_dict
from torchdoctor.host import Host, ProcResult
from torchdoctor.probes._util import Budget, first_line
from torchdoctor.probes.system import system_name

SCRIPT = "probe_target.py"
_FIELDS = {f.name for f in dataclasses.fields(PythonFacts)}
_PY2_SIGNS = ("Unknown option: -I", "SyntaxError", "invalid syntax")


def own_python(host: Host) -> str:
    """The interpreter that runs torchdoctor (a recorded machine may name its own)."""
    recorded = getattr(host, "executable", None)
    return recorded if isinstance(recorded, str) and recorded else sys.executable


def choose_target(host: Host, python: str | None) -> tuple[str, str]:
    """(path, chosen_by): --python, else VIRTUAL_ENV, else CONDA_PREFIX, else torchdoctor's own."""
    windows = system_name(host) == "windows"
    sep = "\\" if windows else "/"
    if python:
        if host.is_dir(python):  # a venv or conda folder: its interpreter
            # venvs keep it in Scripts\ on Windows, conda environments at the root.
            inners = ("Scripts\\python.exe", "python.exe") if windows else ("bin/python",)
            base = python.rstrip("/").rstrip(sep)
            found = next((f"{base}{sep}{i}" for i in inners if host.exists(f"{base}{sep}{i}")),
                         f"{base}{sep}{inners[0]}")
            return found, "--python"
        if "/" not in python and "\\" not in python and not host.exists(python):
            return host.which(python) or python, "--python"  # a bare name such as python3.12
        return python, "--python"
    venv = host.env.get("VIRTUAL_ENV")
    if venv:
        inner = "Scripts\\python.exe" if windows else "bin/python"
        return f"{venv.rstrip(sep)}{sep}{inner}", "VIRTUAL_ENV"
    conda = host.env.get("CONDA_PREFIX")
    if conda:
        inner = "python.exe" if windows else "bin/python"
        return f"{conda.rstrip(sep)}{sep}{inner}", "CONDA_PREFIX"
    return own_python(host), "torchdoctor"


def probe(host: Host, timeout: float, python: str | None = None) -> PythonFacts:
    """Run probe_target.py inside the target and turn its answer (or its failure) into facts."""
    budget = Budget(timeout)
    path, chosen_by = choose_target(host, python)
    base = {"requested": path, "chosen_by": chosen_by}
    if chosen_by == "--python" and not host.exists(path):
        return _failed(base, "missing", f"no such file: {path}")
    result = host.run_python(path, SCRIPT, [], budget.left())
    if result.channel.strip():
        return _parse(base, result.channel)
    if result.timed_out:
        return _failed(base, "timed-out", f"{path}: timed out after {budget.timeout:g} s")
    if result.error == "not found":
        return _failed(base, "missing", f"no such file: {path}")
    if result.error == "permission denied":
        return _failed(base, "not-executable", f"{path} is not executable (permission denied)")
    if result.error:
        return _failed(base, "crashed", f"{path}: {result.error}")
    return _classify_silent_exit(host, base, path, result, budget)


def _classify_silent_exit(
    host: Host, base: dict[str, Any], path: str, result: ProcResult, budget: Budget
) -> PythonFacts:
    # The program ran but wrote no answer: an old Python that cannot run the script, or no Python.
    output = f"{result.stderr}\n{result.stdout}"
    version = _ask_version(host, path, budget) if any(s in output for s in _PY2_SIGNS) else None
    if version is None and "Unknown option: -I" in output:
        version = "2"  # only Python 2 (and 3 before 3.4) rejects -I this way
    if version is not None and version.startswith("2"):
        return _failed(
            {**base, "version": version if version != "2" else None},
            "python2",
            f"{path} is Python {version}; Python 2 is not supported",
        )
    if version is not None:
        return _failed(
            {**base, "version": version},
            "too-old",
            f"{path} is Python {version}; torchdoctor inspects Python 3.8 and newer",
        )
    detail = first_line(result.stderr or result.stdout)[:160]
    why = f"exit code {result.returncode}" + (f": {detail}" if detail else ", no answer")
    return _failed(base, "not-python", f"{path} does not look like a Python interpreter ({why})")


def _ask_version(host: Host, path: str, budget: Budget) -> str | None:
    if budget.spent:
        return None
    result = host.run([path, "-V"], budget.left())
    # Python 2 prints its version on stderr, Python 3 on stdout.
    match = re.search(r"Python (\d+\.\d+(?:\.\d+)?)", f"{result.stdout} {result.stderr}")
    return match.group(1) if match else None


def _failed(base: dict[str, Any], kind: str, reason: str) -> PythonFacts:
    fields: dict[str, Any] = dict.fromkeys(_FIELDS)
    fields.update(base)
    fields.update(status="unknown", failure=kind, reason=reason)
    return from_dict(PythonFacts, fields, "python")


def _parse(base: dict[str, Any], channel: str) -> PythonFacts:
    try:
        answer = json.loads(channel)
        reported = answer["python"]
        errors = [str(e) for e in answer.get("errors", [])]
        if not isinstance(reported, dict):
            raise TypeError("python: expected an object")
        if not reported.get("version"):  # it stopped before its first fact: say why
            raise ValueError("no version in it" + (f" ({errors[0]})" if errors else ""))
        fields: dict[str, Any] = dict.fromkeys(_FIELDS)
        fields.update({k: v for k, v in reported.items() if k in _FIELDS})
        fields.update(base)
        if base["chosen_by"] == "torchdoctor" and reported.get("executable"):
            # The same interpreter either way; its own answer also holds for a recorded machine.
            fields["requested"] = reported["executable"]
        fields.update(status="found", failure=None, reason="; ".join(errors) or None)
        return from_dict(PythonFacts, fields, "python")
    except (ValueError, KeyError, TypeError, FactsError) as exc:
        return _failed(base, "crashed", f"parse error: {SCRIPT} answer: {exc}")
