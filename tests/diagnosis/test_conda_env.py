"""The conda rules on recorded conda environments (the pytorch channel with cudatoolkit,
conda-forge's CPU and CUDA builds, conda and pip in one environment) and on hand-made ones: the
finding and the exact commands, in the environment's own tool."""

from __future__ import annotations

from pathlib import Path

import pytest
from diag_facts import (
    CONDA_PREFIX,
    CONDA_PY,
    by_id,
    conda_env,
    conda_pkg,
    gpu,
    make_facts,
    nvidia_found,
    run,
    torch_env,
)

from torchdoctor.facts import CondaFacts, Facts
from torchdoctor.knowledge import Knowledge
from torchdoctor.pipeline import build_report
from torchdoctor.probes import collect_facts
from torchdoctor.recorded import RecordedHost
from torchdoctor.report import CheckStatus, Problem

MACHINES = Path(__file__).resolve().parents[1] / "fixtures" / "machines"


def recorded(name: str) -> Facts:
    return collect_facts(RecordedHost(MACHINES / name), timeout=2.0)


def torch_problems(facts: Facts) -> list[Problem]:
    report = build_report("check", facts, None)
    return list(next(c for c in report.checks if c.id == "torch").problems)


def test_pytorch_channel_with_cudatoolkit() -> None:
    facts = recorded("conda-pytorch-cudatoolkit")
    [found] = torch_problems(facts)
    assert found.code == "conda-pytorch-channel-discontinued"
    assert "pytorch 1.12.1 (py3.10_cuda11.3_cudnn8.3.2_0)" in found.message
    prefix = "/home/ada/miniconda3/envs/legacy"
    assert found.fix is not None
    assert found.fix.commands == (
        f"conda remove -p {prefix} --force pytorch torchvision pytorch-mutex",
        f"conda install -p {prefix} -c conda-forge pytorch-gpu torchvision")


def test_conda_forge_cpu_build_pinned_by_pytorch_cpu_with_mamba() -> None:
    [found] = torch_problems(recorded("conda-forge-cpu-on-gpu"))
    assert found.code == "conda-cpu-variant-selected"
    assert "pytorch-cpu in the environment pins it" in found.message
    prefix = "/home/ada/miniforge3/envs/vision"
    assert found.fix is not None
    assert found.fix.commands == (
        f"mamba remove -p {prefix} --force pytorch-cpu",
        f"mamba install -p {prefix} -c conda-forge pytorch-gpu torchvision")


def test_conda_forge_cuda_build_is_healthy() -> None:
    report = build_report("check", recorded("conda-forge-cuda"), None)
    assert [p.code for p in report.problems] == []
    assert {c.id: c.status for c in report.checks}["torch"] is CheckStatus.OK


def test_conda_and_pip_torch_in_one_environment() -> None:
    [found] = torch_problems(recorded("conda-mixed-pip"))
    assert found.code == "conda-pip-torch-mixed"
    prefix = "/home/ada/miniforge3/envs/mixed"
    assert found.fix is not None
    assert found.fix.commands == (
        f"rm -- {prefix}/conda-meta/pytorch-2.8.0-cpu_generic_py312_h8a1c7a2_0.json",
        f"conda list -p {prefix} torch")


def test_the_recorded_environment_yml_names_the_pytorch_channel() -> None:
    report = build_report("check", recorded("conda-pytorch-cudatoolkit"), None)
    project = next(c for c in report.checks if c.id == "project")
    assert [p.code for p in project.problems] == ["project-pytorch-channel"]


def _facts(conda: CondaFacts, **python: object) -> Facts:
    return make_facts(python=torch_env("2.9.1", installer="conda", **{**CONDA_PY, **python}),
                      nvidia=nvidia_found(), conda=conda)


def test_cpu_build_the_solver_took_without_a_driver_in_view(knowledge: Knowledge) -> None:
    conda = conda_env(conda_pkg("pytorch", "2.9.1", "cpu_mkl_py312_h6d5ab2b_100"))
    facts = make_facts(python=torch_env("2.9.1", installer="conda", **CONDA_PY),
                       nvidia=nvidia_found(driver="575.64.03", cuda="12.9"), conda=conda)
    [found] = by_id(run(facts, knowledge), "torch").problems
    assert "__cuda" in found.message
    assert found.fix is not None
    assert found.fix.commands == (
        f"conda install -p {CONDA_PREFIX} -c conda-forge pytorch-gpu torchvision",)


def test_a_pascal_gpu_gets_the_cuda_12_build_pinned(knowledge: Knowledge) -> None:
    conda = conda_env(conda_pkg("pytorch", "2.9.1", "cpu_generic_py312_h1_0"),
                      conda_pkg("cpuonly", "2.0", "0", "pytorch"), manager="micromamba")
    facts = make_facts(python=torch_env("2.9.1", installer="conda", **CONDA_PY), conda=conda,
                       nvidia=nvidia_found(gpu("NVIDIA GeForce GTX 1080", "6.1"),
                                           driver="580.65.06"))
    [found] = by_id(run(facts, knowledge), "torch").problems
    assert found.fix is not None
    assert found.fix.commands == (
        f"micromamba remove -p {CONDA_PREFIX} --force cpuonly",
        f"micromamba install -p {CONDA_PREFIX} -c conda-forge pytorch-gpu torchvision "
        "cuda-version=12.9")


def test_a_pixi_environment_is_changed_through_its_manifest(knowledge: Knowledge) -> None:
    conda = conda_env(conda_pkg("pytorch", "2.9.1", "cpu_mkl_py312_h6d5ab2b_100"),
                      manager="pixi")
    [found] = by_id(run(_facts(conda), knowledge), "torch").problems
    assert found.fix is not None
    assert found.fix.commands == ("pixi install",)
    assert "pixi workspace" in found.fix.text


def test_a_cuda_package_the_driver_runs_with_a_conda_forge_build(knowledge: Knowledge) -> None:
    conda = conda_env(conda_pkg("pytorch", "2.9.1", "cuda130_mkl_py312_h1_300"),
                      conda_pkg("cuda-version", "13.0", "h1_3"))
    facts = make_facts(python=torch_env("2.9.1", cuda="13.0", installer="conda", **CONDA_PY),
                       nvidia=nvidia_found(driver="550.54.15", cuda="12.4"), conda=conda)
    found = [p for p in by_id(run(facts, knowledge), "torch").problems
             if p.code == "conda-cuda-too-new"]
    assert len(found) == 1
    assert "cuda-version 13.0" in found[0].message
    assert found[0].fix is not None
    assert found[0].fix.commands == (
        f"conda remove -p {CONDA_PREFIX} --force cuda-version",
        f"conda install -p {CONDA_PREFIX} -c conda-forge pytorch-gpu torchvision")


@pytest.mark.parametrize("channel", ["conda-forge", "pkgs/main"])
def test_an_old_conda_torch_off_the_pytorch_channel_is_not_the_ended_channel(
        channel: str, knowledge: Knowledge) -> None:
    conda = conda_env(conda_pkg("pytorch", "2.3.1", "cuda120_py312h1_300", channel))
    facts = make_facts(python=torch_env("2.3.1", cuda="12.0", installer="conda", **CONDA_PY),
                       nvidia=nvidia_found(), conda=conda)
    codes = {p.code for c in run(facts, knowledge) for p in c.problems}
    assert "conda-pytorch-channel-discontinued" not in codes


def test_unreadable_conda_meta_leaves_the_torch_line_incomplete(knowledge: Knowledge) -> None:
    conda = CondaFacts(status="unknown", reason="conda-meta: permission denied")
    facts = make_facts(python=torch_env("2.9.1", cuda="12.9", installer="conda", **CONDA_PY),
                       nvidia=nvidia_found(), conda=conda)
    line = by_id(run(facts, knowledge), "torch")
    assert line.status is CheckStatus.UNKNOWN
    assert any("conda-meta" in p.message for p in line.problems)
