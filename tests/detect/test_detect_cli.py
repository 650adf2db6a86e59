"""`torchdoctor detect` through the real CLI on this machine, whatever torch the test environment
has (the pinned CPU build, another build, or none): the facts must say what pip's metadata says."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import jsonschema
import pytest
from cli_support import run_cli

from torchdoctor.facts import facts_from_document
from torchdoctor.facts.schema import load_schema

pytestmark = pytest.mark.e2e


def _installed_torch() -> str | None:
    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return None


def test_detect_json_reports_the_installed_torch(tmp_path: Path) -> None:
    result = run_cli("detect", "--json", "--python", sys.executable, cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    document = result.json()
    jsonschema.validate(document, load_schema())
    facts = facts_from_document(document)
    assert facts.python.executable == sys.executable
    assert result.stderr == ""
    version = _installed_torch()
    dist = facts.python.distribution("torch")
    if version is None:
        assert (facts.python.torch, dist, facts.python.torch_state) == (None, None, "absent")
        return
    torch = facts.python.torch
    assert torch is not None
    assert dist is not None
    assert dist.version == version
    # torch/version.py may carry the local tag that PyPI's metadata lacks (2.14.1 on PyPI is
    # "2.14.1+cu130" inside): the release part agrees.
    assert torch.version is not None
    assert torch.version.split("+")[0] == version.split("+")[0]
    assert dist.local_tag == (version.split("+")[1] if "+" in version else None)
    if dist.local_tag == "cpu":
        assert (torch.cuda, torch.hip) == (None, None)


def test_detect_summary(tmp_path: Path) -> None:
    result = run_cli("detect", "--python", sys.executable, cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    version = _installed_torch()
    assert (version or "not installed") in result.stdout
    if version is not None and version.endswith("+cpu"):
        assert f"{version} · CPU build" in result.stdout
    assert "Python" in result.stdout
    assert "System" in result.stdout


def test_missing_python_path_is_a_usage_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-python")
    result = run_cli("detect", "--json", "--python", missing, cwd=tmp_path)
    assert result.exit_code == 2
    assert result.json()["status"] == "error"
    assert result.stderr.strip() == f"torchdoctor: error: --python: no such file: {missing}"


def test_broken_interpreter_is_a_fact_and_exit_3(tmp_path: Path) -> None:
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'not a python at all'\n", encoding="utf-8")
    broken.chmod(0o755)
    result = run_cli("detect", "--json", "--python", str(broken), cwd=tmp_path)
    assert result.exit_code == 3
    facts = facts_from_document(result.json())
    assert (facts.python.status, facts.python.failure) == ("unknown", "not-python")
    human = run_cli("detect", "--python", str(broken), cwd=tmp_path)
    assert human.exit_code == 3
    assert "could not check: python" in human.stderr


def test_detect_does_not_import_torch(tmp_path: Path) -> None:
    # A torch.py in the working directory would crash any tool that imports torch from there.
    (tmp_path / "torch.py").write_text("raise SystemExit('imported!')\n", encoding="utf-8")
    result = run_cli("detect", "--json", "--python", sys.executable, cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert result.json()["facts"]["python"]["cwd_shadow"] == "torch.py"
