"""The body of the composite GitHub Action (`action.yml`): `python -m torchdoctor.ci.action`.

It reads the action's inputs from `INPUT_EXPECT`, `INPUT_PYTHON`, `INPUT_STRICT`, `INPUT_DEEP`
and `INPUT_ARGS` (the action maps them there, never into the script's text), runs
`torchdoctor check` once with the human report in the log and two `--output` files (the JSON
document and JUnit XML, in a folder of its own under `$RUNNER_TEMP`), lets `check` write the job
summary and the annotations, then sets the step outputs from the JSON document and exits with
check's exit code: any code but 0 fails the step, 3 (incomplete) included, because a smoke step
that could not verify torch has not shown that it works.

The target is the `python` input, else the active virtual or conda environment, else the first
`python` (then `python3`) on PATH: the interpreter the job installed torch into, not the one in
which the action installed torchdoctor.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from torchdoctor.ci.github import append, command, output_lines

_TRUE = ("true", "yes", "1", "on")
_FALSE = ("false", "no", "0", "off", "")


class InputError(ValueError):
    """An input of the action that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Inputs:
    """The action's inputs, as the step received them."""

    expect: str = ""
    python: str = ""
    strict: bool = False
    deep: bool = False
    args: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Inputs:
        """The inputs from the step's `INPUT_*` variables; InputError for a bad one."""
        raw = environ.get("INPUT_ARGS", "")
        try:
            args = tuple(shlex.split(raw))
        except ValueError as exc:
            raise InputError(f"input args: {exc} in {raw!r}") from None
        return cls(expect=environ.get("INPUT_EXPECT", "").strip(),
                   python=environ.get("INPUT_PYTHON", "").strip(),
                   strict=_flag(environ, "strict"), deep=_flag(environ, "deep"), args=args)


def _flag(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(f"INPUT_{name.upper()}", "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InputError(f"input {name}: expected true or false, not {value!r}")


def target_python(inputs: Inputs, environ: Mapping[str, str]) -> str | None:
    """The interpreter to check; None leaves the choice to torchdoctor (an active venv or conda
    environment). InputError when there is none at all."""
    if inputs.python:
        return inputs.python
    if environ.get("VIRTUAL_ENV") or environ.get("CONDA_PREFIX"):
        return None
    for name in ("python", "python3"):
        found = shutil.which(name, path=environ.get("PATH", ""))
        if found:
            return found
    raise InputError("no python or python3 on PATH: set the action's `python` input to the "
                     "interpreter that has torch")


def check_argv(inputs: Inputs, python: str | None, json_path: str,
               junit_path: str) -> list[str]:
    """`torchdoctor check` as the action runs it (this interpreter runs torchdoctor)."""
    argv = [sys.executable, "-m", "torchdoctor", "check"]
    argv += ["--python", python] if python else []
    argv += ["--output", f"json:{json_path}", "--output", f"junit:{junit_path}"]
    argv += ["--expect", inputs.expect] if inputs.expect else []
    argv += ["--strict"] if inputs.strict else []
    argv += ["--deep"] if inputs.deep else []
    return argv + list(inputs.args)


def step_outputs(document: Any, exit_code: int, json_path: str,
                 junit_path: str) -> dict[str, str]:
    """The step outputs, from check's JSON document (None when check wrote none: a usage
    error). Values nobody could tell are empty strings."""
    from torchdoctor import headline

    values = {"status": "error", "exit-code": str(exit_code), "torch-version": "",
              "accelerator": "", "speedup": "", "report-json": "", "report-junit": ""}
    if not isinstance(document, dict):
        return values
    facts, verify = _read(document)
    speedup = headline.speedup(verify)
    values.update({
        "status": str(document.get("status") or "error"),
        "torch-version": headline.torch_version(facts, verify) or "",
        "accelerator": headline.accelerator(verify) or "",
        "speedup": f"{speedup:.1f}" if speedup is not None else "",
        "report-json": json_path,
        "report-junit": junit_path if os.path.exists(junit_path) else "",
    })
    return values


def _read(document: dict[str, Any]) -> tuple[Any, Any]:
    from torchdoctor.facts import FactsError, facts_from_document
    from torchdoctor.verify.result import from_dict

    try:
        facts = facts_from_document(document) if document.get("facts") else None
    except FactsError:
        facts = None
    carried = document.get("verify")
    return facts, from_dict(carried) if isinstance(carried, dict) else None


def _load(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def run(environ: Mapping[str, str]) -> int:
    """The action's step: check once, then the outputs; check's exit code."""
    try:
        inputs = Inputs.from_env(environ)
        python = target_python(inputs, environ)
    except InputError as exc:
        print(command("error", "torchdoctor action", str(exc)), file=sys.stderr, flush=True)
        return 2
    folder = tempfile.mkdtemp(prefix="torchdoctor-", dir=environ.get("RUNNER_TEMP") or None)
    json_path = os.path.join(folder, "torchdoctor.json")
    junit_path = os.path.join(folder, "torchdoctor.xml")
    argv = check_argv(inputs, python, json_path, junit_path)
    shown = shlex.join(["torchdoctor", *argv[3:]])
    print(f"torchdoctor action: {shown}", file=sys.stderr, flush=True)
    with subprocess.Popen(argv) as child:
        try:
            code = child.wait()
        except KeyboardInterrupt:  # the job was cancelled: check got the signal too
            child.wait()
            code = 130
    document = _load(json_path)
    if document is None:
        print(command("error", "torchdoctor", f"torchdoctor check exited with {code} before "
                      "writing a report; the lines above say why"), file=sys.stderr, flush=True)
    values = step_outputs(document, code, json_path, junit_path)
    target = environ.get("GITHUB_OUTPUT")
    if target:
        append(target, output_lines(values))
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m torchdoctor.ci.action` (no arguments: the inputs come from the environment)."""
    if list(sys.argv[1:] if argv is None else argv):
        print("usage: python -m torchdoctor.ci.action  (inputs: INPUT_EXPECT, INPUT_PYTHON, "
              "INPUT_STRICT, INPUT_DEEP, INPUT_ARGS)", file=sys.stderr)
        return 2
    return run(os.environ)


if __name__ == "__main__":
    sys.exit(main())
