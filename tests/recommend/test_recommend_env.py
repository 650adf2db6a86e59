"""The recommendation's Python rules and how the fix fits the environment (pip, uv, conda)."""

from __future__ import annotations

import pytest
from rec_facts import PY, machine, nvidia, with_torch

from torchdoctor.errors import UsageError
from torchdoctor.knowledge import Knowledge
from torchdoctor.recommend import (
    NoRecommendation,
    NoRecommendationError,
    recommend,
    recommend_compute,
    try_recommend,
)
from torchdoctor.report import InstallPlan

CPU = "pip3 install torch torchvision --index-url https://download.pytorch.org/whl/cpu"
H100 = nvidia("580.65.06", "13.0", ("NVIDIA H100 80GB HBM3", "9.0"))


def text(plan: InstallPlan) -> str:
    return " ".join(plan.rationale)


def test_cpu_only_linux_gets_the_cpu_index(k: Knowledge) -> None:
    plan = recommend(machine(), k)
    assert plan.command == CPU
    assert (plan.torch_version, plan.compute) == ("2.13.0", "cpu")
    assert plan.rationale[0].startswith("torch 2.13.0 is the current stable release")
    assert plan.rationale[-1] == f"Knowledge date: {k.knowledge_date}."


def test_python39_gets_the_newest_release_for_it_and_a_python_to_switch_to(k: Knowledge) -> None:
    plan = recommend(machine(python={"version": "3.9.18"}), k)
    assert plan.command == ("pip install torch==2.8.0 torchvision==0.23.0 torchaudio==2.8.0 "
                            "--index-url https://download.pytorch.org/whl/cpu")
    assert "no wheels for Python 3.9" in text(plan)
    [alt] = plan.alternatives
    assert (alt.torch_version, alt.command) == ("2.13.0", CPU)
    assert "Python 3.14" in alt.label


def test_python39_on_a_gpu_box_keeps_the_gpu_policy(k: Knowledge) -> None:
    plan = recommend(machine(python={"version": "3.9.18"}, nvidia=H100), k)
    assert plan.torch_version == "2.8.0"
    assert plan.compute == "cu128"  # 2.8.0's PyPI default runs on driver 580 and has sm_90
    assert plan.alternatives[0].command == "pip3 install torch torchvision"


@pytest.mark.parametrize("python", [{"version": "3.15.0"}, {"pointer_bits": 32},
                                    {"implementation": "pypy"}])
def test_python_no_release_supports(k: Knowledge, python: dict[str, object]) -> None:
    plan = recommend(machine(python={**python, "pip3_belongs": False}), k)
    assert plan.command == CPU  # for the Python to install: not `<this python> -m pip`
    assert "Install Python 3.14 (64-bit CPython)" in text(plan)


def test_free_threaded_313_falls_back_and_offers_314t(k: Knowledge) -> None:
    plan = recommend(machine(python={"version": "3.13.1", "free_threaded": True}), k)
    assert plan.torch_version == "2.8.0"
    assert "Python 3.14t" in plan.alternatives[0].label


def test_free_threaded_314_is_supported(k: Knowledge) -> None:
    plan = recommend(machine(python={"version": "3.14.0", "free_threaded": True}), k)
    assert (plan.command, plan.torch_version) == (CPU, "2.13.0")


def test_cpu_build_on_a_gpu_box_is_replaced(k: Knowledge) -> None:
    facts = machine(nvidia=H100, python=with_torch("2.13.0+cpu"))
    plan = recommend(facts, k)
    assert plan.command == "pip3 uninstall -y torch torchvision\npip3 install torch torchvision"
    assert plan.replaces_installed
    assert "Requirement already satisfied" in text(plan)


def test_torchaudio_is_removed_with_a_note(k: Knowledge) -> None:
    facts = machine(nvidia=H100, python=with_torch("2.11.0+cpu",
                                                   extra=("torchvision", "torchaudio")))
    plan = recommend(facts, k)
    assert plan.command.startswith("pip3 uninstall -y torch torchvision torchaudio\n")
    assert "torchaudio is removed too" in text(plan)


def test_the_same_build_is_not_replaced(k: Knowledge) -> None:
    plan = recommend(machine(python=with_torch("2.13.0+cpu")), k)
    assert plan.command == CPU
    assert not plan.replaces_installed
    assert "already installed" in text(plan)


def test_newer_than_knowledge_with_the_right_variant_is_kept(k: Knowledge) -> None:
    plan = recommend(machine(nvidia=H100, python=with_torch("2.14.1", cuda="13.0")), k)
    assert not plan.replaces_installed


def test_bare_pypi_build_is_recognised_by_version_py(k: Knowledge) -> None:
    plan = recommend(machine(nvidia=H100, python=with_torch("2.13.0", cuda="13.0")), k)
    assert plan.command == "pip3 install torch torchvision"
    assert not plan.replaces_installed


def test_pip3_of_another_interpreter_uses_python_m_pip(k: Knowledge) -> None:
    facts = machine(python={"pip3_belongs": False, "pip3_path": "/usr/bin/pip3",
                            **with_torch("2.13.0+cu130")})
    plan = recommend(facts, k)
    assert plan.command == (f"{PY} -m pip uninstall -y torch torchvision\n"
                            f"{PY} -m pip install torch torchvision --index-url "
                            "https://download.pytorch.org/whl/cpu")
    assert "another interpreter" in text(plan)


def test_windows_path_with_spaces_is_quoted(k: Knowledge) -> None:
    exe = r"C:\Program Files\Python312\python.exe"
    facts = machine(os={"system": "windows", "arch": "x86_64"},
                    python={"machine": "AMD64", "executable": exe, "pip3_belongs": False})
    # PowerShell, Windows' default shell, runs a quoted path only behind its call operator.
    assert recommend(facts, k).command == f'& "{exe}" -m pip install torch torchvision'


def test_uv_environment_gets_the_uv_form(k: Knowledge) -> None:
    facts = machine(nvidia=H100, python={"env_kind": "uv", **with_torch("2.13.0+cpu")})
    plan = recommend(facts, k)
    uv = [a for a in plan.alternatives if "uv" in a.label]
    assert [a.command for a in uv] == ["uv pip uninstall torch torchvision\n"
                                       "uv pip install torch torchvision"]


def test_uv_form_targets_the_interpreter_when_pip3_is_foreign(k: Knowledge) -> None:
    facts = machine(python={"env_kind": "uv", "pip3_belongs": False})
    [alt] = recommend(facts, k).alternatives
    assert alt.command == (f"uv pip install --python {PY} torch torchvision --index-url "
                           "https://download.pytorch.org/whl/cpu")


def test_conda_env_gets_pip_and_the_channel_note(k: Knowledge) -> None:
    facts = machine(nvidia=nvidia("550.144.03", "12.4", ("NVIDIA GeForce RTX 4090", "8.9")),
                    python={"env_kind": "conda",
                            **with_torch("2.5.1", cuda="12.4", installer="conda",
                                         extra=("torchvision", "torchaudio"))})
    plan = recommend(facts, k)
    assert plan.command == ("conda remove -y pytorch torchvision torchaudio\n"
                            "pip3 install torch torchvision --index-url "
                            "https://download.pytorch.org/whl/cu126")
    assert "conda channel stopped at 2.5" in text(plan)


@pytest.mark.parametrize(("os", "reason"), [
    ({"system": "freebsd"}, "no builds for freebsd"),
    ({"libc_name": "musl"}, "musl"),
    ({"arch": "riscv64"}, "riscv64"),
])
def test_no_recommendation(k: Knowledge, os: dict[str, str], reason: str) -> None:
    facts = machine(os=os, python={"machine": os.get("arch", "x86_64")})
    result = try_recommend(facts, k)
    assert isinstance(result, NoRecommendation)
    assert reason in result.reason
    with pytest.raises(NoRecommendationError):
        recommend(facts, k)


def test_explicit_release_and_unknown_release(k: Knowledge) -> None:
    plan = recommend(machine(nvidia=H100), k, torch="2.12.1")
    assert plan.command == ("pip install torch==2.12.1 torchvision==0.27.1 "
                            "--index-url https://download.pytorch.org/whl/cu130")
    assert isinstance(try_recommend(machine(), k, torch="9.9.9"), NoRecommendation)
    assert recommend(machine(nvidia=H100), k, torch="nightly").command == (
        "pip3 install --pre torch torchvision --index-url "
        "https://download.pytorch.org/whl/nightly/cu130")


def test_recommend_compute_for_install_command(k: Knowledge) -> None:
    gtx = machine(nvidia=nvidia("535.104.05", "12.2", ("NVIDIA GeForce GTX 1080", "6.1")))
    choice = recommend_compute(gtx, k, torch="stable", os="linux", arch="x86_64")
    assert choice.compute == "cu126"
    assert choice.rationale
    other = recommend_compute(gtx, k, torch="stable", os="windows", arch="x86_64")
    assert other.compute == "cpu"  # another platform: this machine's GPU does not apply
    rtx = machine(nvidia=nvidia("570.133.07", "12.8", ("NVIDIA GeForce RTX 5090", "12.0")))
    choice = recommend_compute(rtx, k, torch="stable", os="linux", arch="x86_64")
    assert choice.compute == "cu130"
    assert choice.prerequisite
    with pytest.raises(UsageError):
        recommend_compute(gtx, k, torch="9.9.9", os="linux", arch="x86_64")


def test_uv_replacing_with_a_foreign_pip3(k: Knowledge) -> None:
    facts = machine(python={"env_kind": "uv", "pip3_belongs": False,
                            **with_torch("2.13.0+cu130")})
    plan = recommend(facts, k)
    assert plan.command.startswith(f"{PY} -m pip uninstall -y torch torchvision\n")
    [alt] = plan.alternatives
    assert alt.command == (f"uv pip uninstall --python {PY} torch torchvision\n"
                           f"uv pip install --python {PY} torch torchvision --index-url "
                           "https://download.pytorch.org/whl/cpu")


def test_conda_users_get_conda_forge_first_for_a_gpu_the_newest_wheels_dropped(
        k: Knowledge) -> None:
    """A GTX 1080 (sm_61): the newest pip CUDA build carries sm_75 and up; conda-forge's CUDA
    12.9 build carries Maxwell to Blackwell, pinned because the solver would take CUDA 13."""
    facts = machine(nvidia=nvidia("580.65.06", "13.0", ("NVIDIA GeForce GTX 1080", "6.1")),
                    python={"env_kind": "conda"})
    alternatives = recommend(facts, k).alternatives
    assert alternatives[0].command == ("conda install -c conda-forge pytorch-gpu torchvision "
                                       "cuda-version=12.9")
    assert "dropped this GPU" in alternatives[0].label
    venv = machine(nvidia=nvidia("580.65.06", "13.0", ("NVIDIA GeForce GTX 1080", "6.1")))
    assert not any("conda-forge" in a.command for a in recommend(venv, k).alternatives)
    modern = machine(nvidia=nvidia("580.65.06", "13.0", ("NVIDIA GeForce RTX 4090", "8.9")),
                     python={"env_kind": "conda"})
    assert not any("conda-forge" in a.command for a in recommend(modern, k).alternatives)
