"""Parity with pytorch.org for every entry of the golden file (several hundred commands).

The golden file is generated from the pytorch.org reference data by scripts/build_knowledge.py;
each entry carries the axes, and either the exact expected text or the part of the one-line error
that a choice pytorch.org does not offer must produce.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from torchdoctor.install import Axes, InstallError, build_command

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "install_commands.json"
ENTRIES: list[dict[str, Any]] = json.loads(GOLDEN.read_text(encoding="utf-8"))["entries"]


def _id(entry: dict[str, Any]) -> str:
    a = entry["axes"]
    return "-".join(str(a[k]) for k in ("torch", "os", "arch", "compute", "package", "page"))


def test_golden_file_is_large() -> None:
    assert len(ENTRIES) >= 500
    assert sum("expected" in e for e in ENTRIES) >= 500


@pytest.mark.parametrize("entry", ENTRIES, ids=[_id(e) for e in ENTRIES])
def test_golden_entry(entry: dict[str, Any]) -> None:
    a = entry["axes"]
    axes = Axes(a["torch"], a["os"], a["arch"], a["compute"], a["package"],
                a["python_version"] or "3.12", a["page"] or "auto")
    if "expected" in entry:
        result = build_command(axes)
        assert result.command == entry["expected"]
        assert result.source == entry["source"]
    else:
        with pytest.raises(InstallError) as exc:
            build_command(axes)
        message = str(exc.value)
        assert entry["error_contains"] in message
        assert "\n" not in message
