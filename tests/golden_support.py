"""Golden files: compared byte for byte; rewritten only when TORCHDOCTOR_UPDATE_GOLDEN is exactly
`1`, and then a short summary of what changed is printed, so a rewrite is read, not blessed."""

from __future__ import annotations

import difflib
import os
import sys
from pathlib import Path

import pytest

UPDATE = os.environ.get("TORCHDOCTOR_UPDATE_GOLDEN") == "1"


def compare(path: Path, text: str) -> None:
    """Assert `text` equals the golden file (or rewrite it, under the update variable)."""
    old = path.read_text(encoding="utf-8") if path.exists() else None
    if UPDATE:
        if old != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            sys.stderr.write(f"golden: rewrote {path.name}: {_summary(old, text)}\n")
        return
    if old is None:
        pytest.fail(f"{path.name} does not exist; write it with TORCHDOCTOR_UPDATE_GOLDEN=1 "
                    "and review it")
    assert text == old, f"{path.name} differs from the golden file"


def _summary(old: str | None, new: str) -> str:
    if old is None:
        return f"new file, {len(new.splitlines())} lines"
    diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0))
    added = sum(1 for d in diff if d.startswith("+") and not d.startswith("+++"))
    removed = sum(1 for d in diff if d.startswith("-") and not d.startswith("---"))
    first = next((d for d in diff if d[:1] in "+-" and d[:3] not in ("+++", "---")), "")
    return f"+{added} -{removed} lines, first: {first[:90]!r}"
