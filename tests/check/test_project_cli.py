"""`--project DIR` on check, detect and diagnose: the project's intent travels in the facts
document, so `diagnose` elsewhere judges it as `check` did; a folder that is not there is a usage
error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import MACHINES, REPO, invoke

from torchdoctor.recorded import RecordedHost

PROJECTS = REPO / "tests" / "fixtures" / "projects"


class MachineWithProject(RecordedHost):
    """A recorded machine whose disk also holds a real project folder (read as it is)."""

    def read_text(self, path: str) -> str:
        if path.startswith(str(PROJECTS)):
            return Path(path).read_text(encoding="utf-8", errors="replace")
        return super().read_text(path)

    def list_dir(self, path: str) -> list[str]:
        if path.startswith(str(PROJECTS)):
            return sorted(p.name for p in Path(path).iterdir())
        return super().list_dir(path)

    def is_dir(self, path: str) -> bool:
        return Path(path).is_dir() if path.startswith(str(PROJECTS)) else super().is_dir(path)

    def exists(self, path: str) -> bool:
        return Path(path).exists() if path.startswith(str(PROJECTS)) else super().exists(path)


def host() -> RecordedHost:
    return MachineWithProject(MACHINES / "rtx4090-driver550")


def test_check_reads_the_project_given(tmp_path: Path) -> None:
    result = invoke("check", "--no-verify", "--json", "--project",
                    str(PROJECTS / "index-mismatch"), host=host())
    document = result.json()
    assert result.exit_code == 1
    codes = [p["code"] for p in document["problems"] if p["check"] == "project"]
    assert codes == ["project-index-mismatch"]
    [problem] = [p for p in document["problems"] if p["check"] == "project"]
    assert problem["fix"]["edits"][0]["new"] == [
        "--index-url https://download.pytorch.org/whl/cu126"]


def test_detect_json_carries_the_intent_and_diagnose_judges_it_elsewhere(
        tmp_path: Path) -> None:
    detected = invoke("detect", "--json", "--project", str(PROJECTS / "uv-no-index"),
                      host=host())
    assert detected.exit_code == 0, detected.stderr
    facts = detected.json()["facts"]
    assert facts["project"]["chosen_by"] == "--project"
    assert [f["kind"] for f in facts["project"]["files"]] == ["pyproject", "uv-lock"]
    saved = tmp_path / "facts.json"
    saved.write_text(detected.stdout, encoding="utf-8")
    elsewhere = invoke("diagnose", str(saved), "--json")  # this machine: no project read
    codes = [p["code"] for p in elsewhere.json()["problems"] if p["check"] == "project"]
    assert codes == ["uv-project-no-pytorch-index"]
    checked = invoke("check", "--no-verify", "--json", "--project",
                     str(PROJECTS / "uv-no-index"), host=host())
    assert [p for p in checked.json()["problems"] if p["check"] == "project"] == \
        [p for p in elsewhere.json()["problems"] if p["check"] == "project"]


def test_diagnose_with_a_project_folder_reads_it_here(tmp_path: Path) -> None:
    detected = invoke("detect", "--json", host=host())
    saved = tmp_path / "facts.json"
    saved.write_text(detected.stdout, encoding="utf-8")
    result = invoke("diagnose", str(saved), "--json", "--project",
                    str(PROJECTS / "pins-mismatch"))
    codes = [p["code"] for p in result.json()["problems"] if p["check"] == "project"]
    assert codes == ["project-pins-mismatch"]


@pytest.mark.parametrize("command", [("check", "--no-verify"), ("detect",),
                                     ("diagnose", "FILE")])
def test_a_project_folder_that_is_not_there_is_a_usage_error(
        command: tuple[str, ...], tmp_path: Path) -> None:
    saved = tmp_path / "facts.json"
    saved.write_text(invoke("detect", "--json", host=host()).stdout, encoding="utf-8")
    args = [str(saved) if a == "FILE" else a for a in command]
    # This machine's disk: the folder is checked before any probe runs.
    result = invoke(*args, "--project", str(tmp_path / "missing"))
    assert result.exit_code == 2
    assert "--project: no such folder" in result.stderr
    plain = tmp_path / "plain.txt"
    plain.write_text("x", encoding="utf-8")
    result = invoke(*args, "--project", str(plain))
    assert result.exit_code == 2
    assert "is not a folder" in result.stderr


def test_detect_prints_the_project_and_conda_lines() -> None:
    result = invoke("detect", host=RecordedHost(MACHINES / "conda-pytorch-cudatoolkit"))
    assert "conda        conda · 6 packages · pytorch 1.12.1 py3.10_cuda11.3_cudnn8.3.2_0 " \
           "(pytorch)" in result.stdout
    assert "Project      /home/ada/legacy · environment.yml" in result.stdout
    assert json.dumps(result.exit_code) == "0"
