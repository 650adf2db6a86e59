"""The Project line on real-world-shaped project folders (tests/fixtures/projects): each finding
with its exact edit (file, line, the lines replaced, the lines to paste) and the command that
applies it; no finding where the project fits the machine."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
from diag_facts import (
    PROJECTS,
    by_id,
    gpu,
    linux_os,
    make_facts,
    nvidia_found,
    plan,
    project,
    python_env,
    run,
    torch_env,
)

from torchdoctor.facts.model import OsFacts, ProjectFacts
from torchdoctor.knowledge import Knowledge
from torchdoctor.report import CheckStatus, FileEdit, Problem, Severity

DRIVER_550 = nvidia_found(driver="550.54.15", cuda="12.4")
WINDOWS = OsFacts(status="found", system="windows", version="10.0.22631",
                  distribution="Windows 11", arch="x86_64")
MARKER = "sys_platform == 'linux' or sys_platform == 'win32'"


def py313() -> Any:
    import dataclasses

    return dataclasses.replace(torch_env("2.13.0+cpu"), version="3.13.1")


def path(folder: str, name: str) -> str:
    return str(PROJECTS / folder / name)


def project_problems(knowledge: Knowledge, folder: str | ProjectFacts, compute: str | None,
                     **facts: Any) -> list[Problem]:
    found = project(folder) if isinstance(folder, str) else folder
    checks = run(make_facts(project=found, **facts), knowledge,
                 plan(compute) if compute else None)
    return list(by_id(checks, "project").problems)


def one(problems: list[Problem], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, [(p.code, p.message) for p in problems]
    assert [p.code for p in problems] == [code], "no other finding on this project"
    return found[0]


def test_pin_without_wheels_for_this_python(knowledge: Knowledge) -> None:
    problems = project_problems(knowledge, "pin-no-wheel", None,
                                python=py313())
    found = one(problems, "project-pin-no-wheel")
    assert found.fix is not None
    where = path("pin-no-wheel", "requirements.txt")
    assert found.fix.edits == (
        FileEdit(where, 2, ("torch==2.4.1",), ("torch==2.6.0",)),
        FileEdit(where, 3, ("torchvision==0.19.1",), ("torchvision==0.21.0",)),
    )
    assert found.fix.commands == (f"pip3 install -r {shlex.quote(where)}",)


def test_the_same_pin_on_a_python_it_supports_is_fine(knowledge: Knowledge) -> None:
    assert project_problems(knowledge, "pin-no-wheel", None,
                            python=torch_env("2.13.0+cpu")) == []


def test_pins_that_do_not_pair(knowledge: Knowledge) -> None:
    found = one(project_problems(knowledge, "pins-mismatch", None), "project-pins-mismatch")
    assert found.fix is not None
    assert found.fix.edits == (FileEdit(path("pins-mismatch", "pyproject.toml"), 11,
                                        ('    "torchvision==0.21.0",',),
                                        ('    "torchvision==0.20.1",',)),)
    folder = shlex.quote(str(PROJECTS / "pins-mismatch"))
    assert found.fix.commands == (f"pip3 install -e {folder}",)


def test_cpu_index_of_a_uv_project_on_a_gpu_machine(knowledge: Knowledge) -> None:
    found = one(project_problems(knowledge, "uv-cpu-index", "cu130", nvidia=nvidia_found()),
                "project-cpu-index")
    assert found.severity is Severity.WARNING
    assert found.fix is not None
    assert found.fix.edits == (FileEdit(
        path("uv-cpu-index", "pyproject.toml"), 23,
        ('url = "https://download.pytorch.org/whl/cpu"',),
        ('url = "https://download.pytorch.org/whl/cu130"',)),)
    assert found.fix.commands == (
        f"uv sync --directory {shlex.quote(str(PROJECTS / 'uv-cpu-index'))}",)


def test_cpu_index_on_a_cpu_machine_is_what_it_should_be(knowledge: Knowledge) -> None:
    assert project_problems(knowledge, "uv-cpu-index", "cpu") == []


def test_index_whose_cuda_the_driver_cannot_run(knowledge: Knowledge) -> None:
    found = one(project_problems(knowledge, "index-mismatch", "cu126", nvidia=DRIVER_550),
                "project-index-mismatch")
    assert "needs NVIDIA driver 580 or newer, and this driver is 550.54.15" in found.message
    assert found.fix is not None
    assert found.fix.edits == (FileEdit(
        path("index-mismatch", "requirements.txt"), 1,
        ("--index-url https://download.pytorch.org/whl/cu130",),
        ("--index-url https://download.pytorch.org/whl/cu126",)),)
    where = shlex.quote(path("index-mismatch", "requirements.txt"))
    assert found.fix.commands == ("pip3 uninstall -y torch torchvision torchaudio",
                                  f"pip3 install -r {where}")


def test_index_whose_build_lacks_the_gpu(knowledge: Knowledge) -> None:
    blackwell = nvidia_found(gpu("NVIDIA GeForce RTX 5090", "12.0"), driver="580.65.06")
    facts = ProjectFacts(status="found", directory="/home/ada/proj", chosen_by="cwd", files=(
        *(project("index-mismatch").files or ()),))
    problems = project_problems(knowledge, facts, "cu130", nvidia=blackwell)
    assert problems == []  # cu130 carries sm_120
    old = project("index-mismatch")
    assert old.files is not None
    entries = tuple(e if e.kind != "index" else type(e)(
        e.kind, e.name, "https://download.pytorch.org/whl/cu126", e.line,
        "--index-url https://download.pytorch.org/whl/cu126") for e in old.files[0].entries)
    moved = ProjectFacts(status="found", directory=old.directory, chosen_by="--project", files=(
        type(old.files[0])(old.files[0].path, "requirements", True, None, entries),))
    found = one(project_problems(knowledge, moved, "cu130", nvidia=blackwell),
                "project-index-mismatch")
    assert "no kernels for NVIDIA GeForce RTX 5090 (sm_120)" in found.message
    assert found.fix is not None
    assert found.fix.edits[0].new == ("--index-url https://download.pytorch.org/whl/cu130",)


def test_extra_index_url_with_a_loose_torch_requirement(knowledge: Knowledge) -> None:
    found = one(project_problems(knowledge, "extra-index", "cu126", nvidia=DRIVER_550),
                "project-extra-index-url")
    assert found.fix is not None
    assert found.fix.edits == (FileEdit(path("extra-index", "requirements.txt"), 2,
                                        ("torch>=2.4",), ("torch==2.13.0+cu126",)),)


def test_uv_project_without_a_pytorch_index_on_linux(knowledge: Knowledge) -> None:
    problems = project_problems(knowledge, "uv-no-index", "cu126", nvidia=DRIVER_550)
    found = one(problems, "uv-project-no-pytorch-index")  # uv.lock's own finding folds in
    assert found.severity is Severity.ERROR
    assert found.fix is not None
    assert found.fix.edits == (FileEdit(path("uv-no-index", "pyproject.toml"), None, (), (
        "", "[tool.uv.sources]",
        "torch = [", f'  {{ index = "pytorch-cu126", marker = "{MARKER}" }},', "]",
        "torchvision = [", f'  {{ index = "pytorch-cu126", marker = "{MARKER}" }},', "]",
        "", "[[tool.uv.index]]", 'name = "pytorch-cu126"',
        'url = "https://download.pytorch.org/whl/cu126"', "explicit = true")),)
    assert found.fix.commands == (
        f"uv sync --directory {shlex.quote(str(PROJECTS / 'uv-no-index'))}",)


def test_uv_project_without_a_pytorch_index_on_windows(knowledge: Knowledge) -> None:
    python = python_env(machine="AMD64", platform_tag="win-amd64")
    found = one(project_problems(knowledge, "uv-no-index", "cu126", os=WINDOWS, python=python,
                                 nvidia=nvidia_found(driver="560.94", cuda="12.6")),
                "uv-project-no-pytorch-index")
    assert found.severity is Severity.WARNING
    assert "CPU-only" in found.message


def test_uv_project_from_pypi_is_fine_where_pypi_runs(knowledge: Knowledge) -> None:
    assert project_problems(knowledge, "uv-no-index", "cu130", nvidia=nvidia_found()) == []
    assert project_problems(knowledge, "uv-no-index", "cpu") == []


def test_torch_backend_that_uv_sync_ignores(knowledge: Knowledge) -> None:
    found = one(project_problems(knowledge, "uv-torch-backend", "cu130", nvidia=nvidia_found()),
                "uv-torch-backend-ignored")
    assert found.fix is not None
    where = path("uv-torch-backend", "pyproject.toml")
    assert found.fix.edits[0] == FileEdit(where, 11, ('torch-backend = "auto"',), ())
    assert found.fix.edits[1].path == where
    assert found.fix.edits[1].line is None
    assert 'url = "https://download.pytorch.org/whl/cu130"' in found.fix.edits[1].new


def test_a_lock_that_resolved_the_cpu_build(knowledge: Knowledge) -> None:
    found = one(project_problems(knowledge, "uv-lock-cpu", "cu130", nvidia=nvidia_found()),
                "lock-resolved-cpu-build")
    folder = shlex.quote(str(PROJECTS / "uv-lock-cpu"))
    assert found.fix is not None
    assert found.fix.edits == ()
    assert found.fix.commands == (f"uv lock --upgrade-package torch --directory {folder}",
                                  f"uv sync --directory {folder}")


def test_a_lock_on_macos_takes_the_entry_for_macos(knowledge: Knowledge) -> None:
    from diag_facts import mac

    python = python_env(machine="arm64", platform_tag="macosx-14.0-arm64")
    assert project_problems(knowledge, "uv-lock-cpu", None, **mac(), python=python) == []


def test_a_lock_that_resolved_a_cuda_build_the_driver_cannot_run(
        knowledge: Knowledge) -> None:
    found = one(project_problems(knowledge, "poetry-lock-wrong-cuda", "cu126",
                                 nvidia=DRIVER_550), "lock-resolved-wrong-cuda")
    assert found.fix is not None
    assert found.fix.commands == (
        f"poetry update torch --directory "
        f"{shlex.quote(str(PROJECTS / 'poetry-lock-wrong-cuda'))}",)


def test_a_pixi_lock_that_resolved_the_cpu_build(knowledge: Knowledge) -> None:
    found = one(project_problems(knowledge, "pixi-lock-cpu", None, nvidia=nvidia_found()),
                "lock-resolved-cpu-build")
    assert "pytorch 2.9.1 (cpu)" in found.message
    assert found.fix is not None
    assert found.fix.commands[0].startswith("pixi update pytorch --manifest-path ")


def test_environment_yml_with_the_pytorch_channel_for_a_later_release(
        knowledge: Knowledge) -> None:
    found = one(project_problems(knowledge, "environment-pytorch-channel", None,
                                 nvidia=nvidia_found()), "project-pytorch-channel")
    assert found.severity is Severity.ERROR
    assert "asks for pytorch =2.7.1" in found.message
    where = path("environment-pytorch-channel", "environment.yml")
    assert found.fix is not None
    assert found.fix.edits == (
        FileEdit(where, 3, ("  - pytorch",), ()),
        FileEdit(where, 4, ("  - nvidia",), ()),
        FileEdit(where, 10, ("  - pytorch-cuda=12.6",), ("  - pytorch-gpu",)),
    )
    assert found.fix.commands == (f"conda env update --file {shlex.quote(where)} --prune",)


def test_pixi_with_the_pytorch_channel(knowledge: Knowledge) -> None:
    found = one(project_problems(knowledge, "pixi-pytorch-channel", None, nvidia=nvidia_found()),
                "project-pytorch-channel")
    assert found.severity is Severity.WARNING
    where = path("pixi-pytorch-channel", "pixi.toml")
    assert found.fix is not None
    assert found.fix.edits == (
        FileEdit(where, 3, ('channels = ["pytorch", "nvidia", "conda-forge"]',),
                 ('channels = ["conda-forge"]',)),
        FileEdit(where, 11, ('pytorch = { version = "2.4.*", channel = "pytorch" }',),
                 ('pytorch = { version = "2.4.*" }',)),
        FileEdit(where, 12, ('pytorch-cuda = "12.1.*"',), ('pytorch-gpu = "*"',)),
    )
    assert found.fix.commands[0].startswith("pixi install --manifest-path ")


def test_pixi_without_a_cuda_declaration(knowledge: Knowledge) -> None:
    found = one(project_problems(knowledge, "pixi-no-cuda", None, nvidia=nvidia_found()),
                "pixi-no-cuda-requirement")
    assert found.fix is not None
    assert found.fix.edits == (FileEdit(path("pixi-no-cuda", "pixi.toml"), None, (),
                                        ("", "[system-requirements]", 'cuda = "13"')),)
    assert project_problems(knowledge, "pixi-no-cuda", None) == []  # no GPU: nothing to declare


def test_unreadable_files_are_said_and_not_judged(knowledge: Knowledge) -> None:
    problems = project_problems(knowledge, "malformed", None, nvidia=nvidia_found())
    assert [(p.code, p.severity) for p in problems] == [
        ("project-file-unreadable", Severity.WARNING),
        ("project-file-unreadable", Severity.INFO),
        ("project-file-unreadable", Severity.INFO)]
    checks = run(make_facts(project=project("malformed")), knowledge)
    assert by_id(checks, "project").status is CheckStatus.WARNING


def test_no_project_and_no_project_section(knowledge: Knowledge) -> None:
    none = run(make_facts(project=None), knowledge)
    assert by_id(none, "project").status is CheckStatus.NOT_APPLICABLE
    absent = ProjectFacts(status="absent", reason="no project files in /home/ada/proj")
    assert by_id(run(make_facts(project=absent), knowledge), "project").summary == \
        "no project files in /home/ada/proj"
    unknown = ProjectFacts(status="unknown", reason="/home/ada/proj: Permission denied")
    line = by_id(run(make_facts(project=unknown), knowledge), "project")
    assert line.status is CheckStatus.UNKNOWN


@pytest.mark.parametrize("folder", ["pin-no-wheel", "pins-mismatch", "uv-cpu-index",
                                    "index-mismatch", "extra-index", "uv-no-index",
                                    "uv-torch-backend", "uv-lock-cpu", "poetry-lock-wrong-cuda",
                                    "pixi-lock-cpu", "environment-pytorch-channel",
                                    "pixi-no-cuda", "pixi-pytorch-channel"])
def test_every_edit_replaces_what_the_file_says(folder: str, knowledge: Knowledge) -> None:
    """An edit's `old` lines are the file's lines at `line`, as they stand."""
    facts = make_facts(project=project(folder), nvidia=DRIVER_550,
                       python=py313(), os=linux_os())
    for check in run(facts, knowledge, plan("cu126")):
        for problem in check.problems:
            for edit in problem.fix.edits if problem.fix else ():
                lines = Path(edit.path).read_text(encoding="utf-8").splitlines()
                if edit.old:
                    assert edit.line is not None
                    assert tuple(lines[edit.line - 1:edit.line - 1 + len(edit.old)]) == edit.old
                assert edit.old != edit.new


def test_pixi_declares_the_cuda_of_the_build_that_carries_the_gpu(knowledge: Knowledge) -> None:
    pascal = nvidia_found(gpu("NVIDIA GeForce GTX 1080", "6.1"), driver="580.65.06")
    found = one(project_problems(knowledge, "pixi-no-cuda", None, nvidia=pascal),
                "pixi-no-cuda-requirement")
    assert found.fix is not None
    assert found.fix.edits[0].new == ("", "[system-requirements]", 'cuda = "12"')


def test_a_concrete_torch_backend_keeps_its_build(knowledge: Knowledge, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\ndependencies = ["torch"]\n\n'
        '[tool.uv]\ntorch-backend = "cpu"\n', encoding="utf-8")
    (tmp_path / "uv.lock").write_text("version = 1\n", encoding="utf-8")
    from torchdoctor.host import RealHost
    from torchdoctor.probes.project import probe

    facts = probe(RealHost(), 1.0, None, str(tmp_path))
    found = one(project_problems(knowledge, facts, "cu130", nvidia=nvidia_found()),
                "uv-torch-backend-ignored")
    assert found.fix is not None
    assert found.fix.edits[1].new[1:5] == ("[tool.uv.sources]", "torch = [",
                                           '  { index = "pytorch-cpu" },', "]")


def test_uv_guides_per_platform_sources_judge_only_this_platform(knowledge: Knowledge,
                                                                  tmp_path: Path) -> None:
    """uv's guide: the CPU index for sys_platform != 'linux', cu128 for Linux. On a Linux GPU
    machine the CPU index is not torch's; on Windows it is."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\ndependencies = ["torch>=2.7.0"]\n\n'
        "[tool.uv.sources]\ntorch = [\n"
        "  { index = \"pytorch-cpu\", marker = \"sys_platform != 'linux'\" },\n"
        "  { index = \"pytorch-cu128\", marker = \"sys_platform == 'linux'\" },\n]\n\n"
        '[[tool.uv.index]]\nname = "pytorch-cpu"\nurl = "https://download.pytorch.org/whl/cpu"\n'
        "explicit = true\n\n"
        '[[tool.uv.index]]\nname = "pytorch-cu128"\n'
        'url = "https://download.pytorch.org/whl/cu128"\nexplicit = true\n', encoding="utf-8")
    from torchdoctor.host import RealHost
    from torchdoctor.probes.project import probe

    facts = probe(RealHost(), 1.0, None, str(tmp_path))
    assert project_problems(knowledge, facts, "cu130", nvidia=nvidia_found()) == []
    python = python_env(machine="AMD64", platform_tag="win-amd64")
    windows = project_problems(knowledge, facts, "cu130", os=WINDOWS, python=python,
                               nvidia=nvidia_found(driver="580.88", cuda="13.0"))
    assert [p.code for p in windows] == ["project-cpu-index"]
