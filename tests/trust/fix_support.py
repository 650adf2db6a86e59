"""Follow the fix: build a broken state in a throwaway environment, run `check --json`, execute
the fix's commands literally, and check again."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cli_support import run_cli

VERSION_PY = ('__version__ = "{version}"\ncuda = {cuda}\nhip = None\nxpu = None\n'
              'git_version = "0000000"\n')


@dataclass(frozen=True)
class Env:
    """A throwaway virtual environment."""

    root: Path

    @property
    def python(self) -> str:
        return str(self.root / "bin" / "python")

    @property
    def site(self) -> Path:
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        return self.root / "lib" / version / "site-packages"


def make_env(tmp_path: Path, name: str = "venv", pip: bool = False) -> Env:
    """A venv of the interpreter running the tests (with pip only when asked: it costs seconds)."""
    root = tmp_path / name
    args = [sys.executable, "-m", "venv", str(root)]
    if not pip:
        args.insert(3, "--without-pip")
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    return Env(root)


def install_fake_torch(site: Path, version: str = "2.13.0+cpu", cuda: str | None = None,
                       package: bool = True, metadata: bool = True) -> None:
    """A torch that detection reads as installed: its package folder (import works, nothing
    more) and its pip metadata, each of which can be left out to build a broken state."""
    if package:
        (site / "torch").mkdir(parents=True, exist_ok=True)
        (site / "torch" / "__init__.py").write_text(f'__version__ = "{version}"\n',
                                                   encoding="utf-8")
        (site / "torch" / "version.py").write_text(
            VERSION_PY.format(version=version, cuda=repr(cuda)), encoding="utf-8")
    if metadata:
        info = site / f"torch-{version}.dist-info"
        info.mkdir(parents=True, exist_ok=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: torch\nVersion: {version}\n",
                                       encoding="utf-8")
        (info / "INSTALLER").write_text("pip\n", encoding="utf-8")
        (info / "RECORD").write_text("", encoding="utf-8")


def check(python: str, cwd: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """`check --json --no-verify` of the target, as a user would run it in `cwd`."""
    result = run_cli("check", "--json", "--no-verify", "--python", python, cwd=cwd, env=env)
    assert result.stdout, result.stderr
    document: dict[str, Any] = result.json()
    return document


def problem(document: dict[str, Any], code: str) -> dict[str, Any] | None:
    return next((p for p in document["problems"] if p["code"] == code), None)


def codes(document: dict[str, Any]) -> set[str]:
    return {p["code"] for p in document["problems"]}


def run_fix(commands: list[str], cwd: Path) -> None:
    """Each fix command exactly as printed, in a POSIX shell, in `cwd`."""
    assert commands, "the fix has no command to run"
    for command in commands:
        done = subprocess.run(["sh", "-c", command], cwd=cwd, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
