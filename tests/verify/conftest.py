"""Fixtures for the verification tests: throwaway venvs holding a fake `torch`, and the schemas.

A fake torch is the source of `fake_torch_impl.py`, configured through its `FAKE` dict, followed by
an optional snippet that runs at the end of `import torch` (segfault, hang, raise, print, ...).
Each venv is created with `--without-pip` (about 0.1 s), so every failure mode gets a fresh one.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
IMPL = (HERE / "fake_torch_impl.py").read_text(encoding="utf-8")

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
def validate() -> Callable[[dict[str, Any]], None]:
    """Validate one `verify --json` document: the report schema, and the verification schema for
    its `verify` member."""
    import jsonschema

    from torchdoctor.render.schema import load_schema

    report = jsonschema.Draft202012Validator(load_schema("report"))
    verify = jsonschema.Draft202012Validator(load_schema("verify"))

    def check(doc: dict[str, Any]) -> None:
        errors = sorted(report.iter_errors(doc), key=lambda e: list(e.path))
        if isinstance(doc.get("verify"), dict):
            errors += sorted(verify.iter_errors(doc["verify"]), key=lambda e: list(e.path))
        assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])

    return check
