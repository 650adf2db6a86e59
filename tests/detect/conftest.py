"""Fixtures for the detection tests: build a small recorded machine in a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from detect_helpers import LINUX, MachineFactory

from torchdoctor.recorded import RecordedHost


@pytest.fixture
def machine(tmp_path: Path) -> MachineFactory:
    """Build a RecordedHost: machine.json fields, files {path: text}, commands, python runs."""

    def build(
        files: dict[str, str] | None = None,
        commands: list[dict[str, Any]] | None = None,
        python: dict[str, Any] | None = None,
        **machine_fields: Any,
    ) -> RecordedHost:
        folder = tmp_path / "machine"
        folder.mkdir(exist_ok=True)
        machine_fields.setdefault("platform", LINUX)
        (folder / "machine.json").write_text(json.dumps(machine_fields), encoding="utf-8")
        for path, text in (files or {}).items():
            local = folder / "files" / path.replace("C:", "C").replace("\\", "/").lstrip("/")
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_text(text, encoding="utf-8")
        (folder / "commands.json").write_text(json.dumps(commands or []), encoding="utf-8")
        (folder / "python.json").write_text(json.dumps(python or {}), encoding="utf-8")
        return RecordedHost(folder)

    return build
