"""Corrupt knowledge must fail on load with a clear, one-line message."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from torchdoctor.knowledge import KnowledgeError, load, loader


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    target.mkdir()
    for name in ("releases.json", "cuda.json", "rocm.json"):
        shutil.copy(Path(loader.DATA_DIR) / name, target / name)
    return target


def _edit(folder: Path, name: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = folder / name
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")


def _release(doc: dict[str, Any], version: str) -> dict[str, Any]:
    return next(r for r in doc["releases"] if r["version"] == version)


CASES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("releases.json", lambda d: _release(d, "2.5.1").update(python=None),
     "release 2.5.1 has no valid Python range"),
    ("releases.json", lambda d: _release(d, "2.5.1").update(python=["3.12", "3.8"]),
     "release 2.5.1 has no valid Python range"),
    ("releases.json", lambda d: _release(d, "2.4.0")["variants"]["linux"].update(cu121=""),
     "variant cu121 on linux has no index URL"),
    ("releases.json", lambda d: _release(d, "2.4.0")["pins"].update(torchvision=None),
     "release 2.4.0 has no torchvision pin"),
    ("releases.json", lambda d: _release(d, "2.4.0")["variants"]["linux"].pop("cu124"),
     "a variant the release does not list"),
    ("releases.json", lambda d: d.update(stable="9.9.9"), "stable version 9.9.9 is not among"),
    ("releases.json", lambda d: d.update(knowledge_date="July 2026"), "is not YYYY-MM-DD"),
    ("releases.json", lambda d: d.update(schema_version=99), "schema_version 99"),
    ("releases.json", lambda d: d.pop("releases"), "KeyError"),
    ("cuda.json", lambda d: d["driver_minimums"].pop("12.4"), "no minimum driver for cu124"),
]


@pytest.mark.parametrize(("name", "change", "message"), CASES, ids=[c[2] for c in CASES])
def test_invalid_knowledge(tmp_path: Path, name: str, change: Callable[[dict[str, Any]], None],
                           message: str) -> None:
    folder = _copy(tmp_path)
    _edit(folder, name, change)
    with pytest.raises(KnowledgeError) as exc:
        load(str(folder))
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)
    assert exc.value.exit_code == 2


def test_missing_and_unparsable_files(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "rocm.json").unlink()
    with pytest.raises(KnowledgeError, match="cannot read knowledge file"):
        load(str(folder))
    (folder / "rocm.json").write_text("[1, 2", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="is not valid JSON"):
        load(str(folder))


def test_shipped_knowledge_is_valid() -> None:
    assert load().stable.version == "2.13.0"
