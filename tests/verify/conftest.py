"""Fixtures for the verification tests: throwaway venvs holding a fake `torch`, and a CLI app.

A fake torch is the source of `fake_torch_impl.py`, configured through its `FAKE` dict, followed by
an optional snippet that runs at the end of `import torch` (segfault, hang, raise, print, ...).
Each venv is created with `--without-pip` (about 0.1 s), so every failure mode gets a fresh one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer

HERE = Path(__file__).parent
IMPL = (HERE / "fake_torch_impl.py").read_text(encoding="utf-8")
SCHEMA_PATH = HERE.parents[1] / "src" / "torchdoctor" / "schemas" / "verify.schema.json"

FakeTorch = Callable[..., str]


def _site_packages(venv: Path) -> Path:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return venv / "lib" / version / "site-packages"


@pytest.fixture
def fake_torch(tmp_path: Path) -> FakeTorch:
    """make(at_import="", *, absent=False, packages={}, **FAKE) -> the venv's python."""

    def make(
        at_import: str = "",
        *,
        absent: bool = False,
        packages: dict[str, str] | None = None,
        **config: Any,
    ) -> str:
        venv = tmp_path / "venv"
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60
        )
        site = _site_packages(venv)
        if not absent:
            (site / "torch").mkdir(parents=True)
            # repr() of plain dicts/strings/numbers is a Python literal the fake can run.
            source = IMPL + f"\nFAKE.update({config!r})\n_configure()\n" + at_import
            (site / "torch" / "__init__.py").write_text(source, encoding="utf-8")
        for name, text in (packages or {}).items():
            (site / name).mkdir(parents=True)
            (site / name / "__init__.py").write_text(text, encoding="utf-8")
        return str(venv / "bin" / "python")

    return make


@pytest.fixture(scope="session")
def verify_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


@pytest.fixture(scope="session")
def validate(verify_schema: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """Validate one `verify --json` document against the published schema."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(verify_schema)

    def check(doc: dict[str, Any]) -> None:
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])

    return check


@pytest.fixture
def app() -> typer.Typer:
    """A bare CLI with only `verify` registered (commands/__init__.py is not ours to edit)."""
    from torchdoctor.commands import verify

    application = typer.Typer(add_completion=False)

    @application.callback()
    def _root() -> None:
        """Root."""

    verify.register(application)
    return application
