"""Run the composite action (`action.yml`) as GitHub's runner would, in a plain shell.

`read_action` is a reader of the small part of YAML that action.yml uses (mappings, a list of
steps, quoted and block scalars, comments); `ActionRun` runs the steps' `run:` bodies with
`bash --noprofile --norc -eo pipefail` (the runner's `shell: bash`), each with its `env:`, the
`${{ inputs.* }}` and `${{ steps.*.outputs.* }}` expressions evaluated, a fresh
`$GITHUB_OUTPUT` per step, and one `$GITHUB_STEP_SUMMARY`; then evaluates the action's outputs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cli_support import REPO

ACTION = REPO / "action.yml"
FAKE_TORCH = REPO / "tests" / "verify" / "fake_torch_impl.py"
SITE = f"lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"
FAKE_VERSION = "2.5.1+cpu"
LIMIT_S = 120.0


class _Reader:
    """Indentation-structured YAML: enough for action.yml, nothing more."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.i = 0

    def _skip(self) -> None:
        while self.i < len(self.lines) and (not self.lines[self.i].strip()
                                            or self.lines[self.i].lstrip().startswith("#")):
            self.i += 1

    def _indent(self) -> int:
        line = self.lines[self.i]
        return len(line) - len(line.lstrip(" "))

    def block(self, indent: int) -> Any:
        self._skip()
        if self.i >= len(self.lines) or self._indent() < indent:
            return None
        if self.lines[self.i].lstrip().startswith("- "):
            return self._sequence(self._indent())
        return self._mapping(self._indent())

    def _mapping(self, indent: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while True:
            self._skip()
            if (self.i >= len(self.lines) or self._indent() != indent
                    or self.lines[self.i].lstrip().startswith("- ")):
                return result
            key, colon, rest = self.lines[self.i].strip().partition(":")
            assert colon, f"not a mapping entry: {self.lines[self.i]!r}"
            self.i += 1
            rest = rest.strip()
            if rest == "|":
                result[key] = self._literal(indent)
            elif rest:
                result[key] = _scalar(rest)
            else:
                result[key] = self.block(indent + 1)

    def _sequence(self, indent: int) -> list[Any]:
        items: list[Any] = []
        while True:
            self._skip()
            if (self.i >= len(self.lines) or self._indent() != indent
                    or not self.lines[self.i].lstrip().startswith("- ")):
                return items
            # "- key: value" is a mapping two columns further in.
            self.lines[self.i] = " " * (indent + 2) + self.lines[self.i].lstrip()[2:]
            items.append(self.block(indent + 2))

    def _literal(self, indent: int) -> str:
        body: list[str] = []
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if line.strip() and len(line) - len(line.lstrip(" ")) <= indent:
                break
            body.append(line)
            self.i += 1
        while body and not body[-1].strip():
            body.pop()
        cut = min(len(line) - len(line.lstrip(" ")) for line in body if line.strip())
        return "\n".join(line[cut:] for line in body) + "\n"


def _scalar(text: str) -> str:
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("''", "'")
    if text.startswith('"') and text.endswith('"'):
        assert "\\" not in text, "escapes in double-quoted scalars are not read here"
        return text[1:-1]
    return text


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML file of action.yml's kind (a workflow too) as a dictionary."""
    document = _Reader(path.read_text(encoding="utf-8")).block(0)
    assert isinstance(document, dict)
    return document


def read_action(path: Path = ACTION) -> dict[str, Any]:
    """action.yml as a dictionary."""
    return read_yaml(path)


_EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


@dataclass
class ActionRun:
    """One run of the action's steps in `workdir`, with the runner's variables."""

    workdir: Path
    inputs: Mapping[str, str]
    env: Mapping[str, str]
    replace: Mapping[str, dict[str, str]] = field(default_factory=dict)  # step id -> outputs
    exit_code: int = 0
    stdout: str = ""
    stderr: str = ""
    steps: dict[str, dict[str, str]] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        path = self.workdir / "summary.md"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def evaluate(self, text: str, inputs: Mapping[str, str]) -> str:
        def value(match: re.Match[str]) -> str:
            parts = match.group(1).split(".")
            if parts[0] == "inputs" and len(parts) == 2:
                return inputs[parts[1]]
            if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
                return self.steps.get(parts[1], {}).get(parts[3], "")
            raise AssertionError(f"an expression this runner does not know: {match.group()}")

        return _EXPRESSION.sub(value, text)

    def run(self) -> ActionRun:
        action = read_action()
        declared = action["inputs"]
        unknown = set(self.inputs) - set(declared)
        assert not unknown, unknown
        inputs = {name: self.inputs.get(name, spec.get("default", ""))
                  for name, spec in declared.items()}
        assert action["runs"]["using"] == "composite"
        for number, step in enumerate(action["runs"]["steps"]):
            step_id = step.get("id", f"step{number}")
            if step_id in self.replace:  # a step this test stands in for
                self.steps[step_id] = dict(self.replace[step_id])
                continue
            if not self._step(step, step_id, inputs):
                break
        self.outputs = {name: self.evaluate(spec["value"], inputs)
                        for name, spec in action["outputs"].items()}
        return self

    def _step(self, step: Mapping[str, Any], step_id: str, inputs: Mapping[str, str]) -> bool:
        assert step["shell"] == "bash"
        script = self.workdir / f"{step_id}.sh"
        script.write_text(self.evaluate(step["run"], inputs), encoding="utf-8")
        output = self.workdir / f"{step_id}.output"
        output.write_text("", encoding="utf-8")
        env = {**self.env, "GITHUB_OUTPUT": str(output),
               "GITHUB_STEP_SUMMARY": str(self.workdir / "summary.md")}
        env.update({k: self.evaluate(str(v), inputs) for k, v in (step.get("env") or {}).items()})
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              capture_output=True, text=True, env=env, timeout=LIMIT_S,
                              cwd=self.workdir, check=False)
        self.exit_code = done.returncode
        self.stdout += done.stdout
        self.stderr += done.stderr
        self.steps[step_id] = read_outputs(output.read_text(encoding="utf-8"))
        return done.returncode == 0

    def annotations(self) -> list[str]:
        return [line for line in self.stderr.splitlines() + self.stdout.splitlines()
                if re.match(r"::(error|warning|notice)\b", line)]


def read_outputs(text: str) -> dict[str, str]:
    """A `$GITHUB_OUTPUT` file as the runner reads it: `name=value` and `name<<DELIMITER`."""
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            values[name] = "\n".join(body)
        elif line:
            name, _, value = line.partition("=")
            values[name] = value
    return values


def runner_env(workdir: Path, path: str, add: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables a GitHub-hosted runner gives a step (no active venv: the runner has none)."""
    temp = workdir / "runner-temp"
    temp.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH", "TORCHDOCTOR_DEBUG")}
    env.update({"GITHUB_ACTIONS": "true", "CI": "true", "RUNNER_OS": "Linux",
                "RUNNER_TEMP": str(temp), "GITHUB_ACTION_PATH": str(REPO), "PATH": path})
    env.update(add or {})
    return env


def fake_torch_venv(where: Path) -> str:
    """A venv (without pip) holding the verification tests' fake torch, installed with its
    metadata as pip would leave it: import, kernels and benchmark run in an instant."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True,
                   timeout=60)
    packages = where / SITE
    (packages / "torch").mkdir(parents=True)
    source = FAKE_TORCH.read_text(encoding="utf-8") + "\n_configure()\n"
    (packages / "torch" / "__init__.py").write_text(source, encoding="utf-8")
    info = packages / f"torch-{FAKE_VERSION}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: torch\nVersion: {FAKE_VERSION}\n", encoding="utf-8")
    return str(where / "bin" / "python")
