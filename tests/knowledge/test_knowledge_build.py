"""The shipped knowledge and golden file equal what the build script makes of the reference data.

The sync test runs only when TORCHDOCTOR_PYTORCH_ORG_DIR names the pytorch.org reference data
folder (CI has none); otherwise it is skipped.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
REFERENCE = os.environ.get("TORCHDOCTOR_PYTORCH_ORG_DIR")


@pytest.mark.skipif(not REFERENCE, reason="set TORCHDOCTOR_PYTORCH_ORG_DIR to the reference data")
def test_generated_files_are_in_sync(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("build_knowledge",
                                                  ROOT / "scripts" / "build_knowledge.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    golden = tmp_path / "golden.json"
    assert module.main([str(REFERENCE), "--out", str(tmp_path), "--golden", str(golden)]) == 0
    for name in ("releases.json", "cuda.json", "rocm.json"):
        shipped = json.loads((ROOT / "src" / "torchdoctor" / "data" / name).read_text("utf-8"))
        assert json.loads((tmp_path / name).read_text("utf-8")) == shipped, name
    shipped_golden = (ROOT / "tests" / "golden" / "install_commands.json").read_text("utf-8")
    assert golden.read_text("utf-8") == shipped_golden


def test_the_shipped_extra_facts_are_the_scripts_copy() -> None:
    """`torchdoctor update` merges the hand-maintained facts the package carries: they must be
    the file the build script reads (rerun the script after editing it)."""
    shipped = ROOT / "src" / "torchdoctor" / "data" / "knowledge_extra.json"
    assert shipped.read_bytes() == (ROOT / "scripts" / "knowledge_extra.json").read_bytes()
