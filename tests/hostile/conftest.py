"""Fixtures of the hostile-environment tests (helpers: hostile_support.py)."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_support import make_venv

Script = Callable[[str, str], Path]


@pytest.fixture(scope="session")
def fake_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One venv with the fake torch and the hooks (they act only when their variable is set)."""
    return make_venv(tmp_path_factory.mktemp("hostile") / "venv")


@pytest.fixture
def fake_bin(tmp_path: Path) -> Script:
    """script(name, body) -> an executable `sh` script in a folder of its own, for PATH."""
    folder = tmp_path / "bin"
    folder.mkdir()

    def script(name: str, body: str) -> Path:
        path = folder / name
        path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return path

    return script
