"""No false alarms: healthy machines get no error, no warning and no could-not-check line."""

from __future__ import annotations

import dataclasses

import pytest
from diag_facts import (
    amd_found,
    assert_healthy,
    by_id,
    codes,
    env,
    gpu,
    intel_found,
    linux_os,
    mac,
    make_facts,
    nvidia_found,
    pci_found,
    pci_gpu,
    plan,
    python_env,
    run,
    torch_env,
)

from torchdoctor.diagnosis import CHECK_IDS
from torchdoctor.facts.model import Facts, NvidiaFacts, OsFacts
from torchdoctor.knowledge import Knowledge
from torchdoctor.report import CheckStatus

WINDOWS = OsFacts(status="found", system="windows", version="10.0.26100",
                  distribution="Windows 11", arch="x86_64")

HEALTHY: dict[str, Facts] = {
    "cpu-box-cpu-build": make_facts(),
    "cpu-box-default-pypi-cuda-wheel": make_facts(python=torch_env("2.13.0", cuda="13.0")),
    "cpu-box-nothing-installed": make_facts(python=python_env()),
    "rtx4090-cu130": make_facts(python=torch_env("2.13.0+cu130", cuda="13.0"),
                                nvidia=nvidia_found(), pci=pci_found(pci_gpu())),
    "rtx4090-untagged-pypi-wheel": make_facts(python=torch_env("2.13.0", cuda="13.0"),
                                              nvidia=nvidia_found()),
    "gtx1080-cu126-driver535": make_facts(
        python=torch_env("2.13.0+cu126", cuda="12.6"),
        nvidia=nvidia_found(gpu("NVIDIA GeForce GTX 1080", "6.1"), driver="535.104.05",
                            cuda="12.2")),
    "two-h100-cu128-2.9.1": make_facts(
        python=torch_env("2.9.1+cu128", cuda="12.8",
                         extra=(__import__("diag_facts").dist("torchvision", "0.24.1+cu128"),)),
        nvidia=nvidia_found(gpu("NVIDIA H100 80GB HBM3", "9.0"),
                            gpu("NVIDIA H100 80GB HBM3", "9.0", 1), driver="570.133.20",
                            cuda="12.8"),
        env=env(CUDA_VISIBLE_DEVICES="0,1")),
    "apple-silicon-default-wheel": make_facts(**mac(), python=torch_env("2.13.0",
                                                                        machine="arm64")),
    "apple-silicon-nothing-installed": make_facts(**mac("15.3"), python=python_env(
        machine="arm64")),
    "windows-cpu-build": make_facts(os=WINDOWS, python=torch_env("2.13.0+cpu", machine="AMD64")),
    "radeon-7900-rocm7.2": make_facts(python=torch_env("2.13.0+rocm7.2", hip="7.2.26015"),
                                      amd=amd_found("gfx1100")),
    "amd-apu-laptop-cpu-build": make_facts(amd=amd_found("gfx1103")),
    "intel-igpu-laptop-cpu-build": make_facts(intel=intel_found("Intel Arc Graphics (Meteor Lake)",
                                                                "integrated")),
    "wsl2-rtx-cu130": make_facts(os=linux_os(kernel="6.6.87.2-microsoft-standard-WSL2", wsl=2),
                                 python=torch_env("2.13.0+cu130", cuda="13.0"),
                                 nvidia=nvidia_found(driver="581.57")),
    "wsl2-without-nvidia": make_facts(os=linux_os(wsl=2), nvidia=NvidiaFacts(
        status="unknown", reason="NVML: libnvidia-ml.so.1 not found")),
    "container-cpu-only": make_facts(os=linux_os(container="docker")),
    # A CUDA build with no GPU passed in works on the CPU: an info note, no warning.
    "container-cuda-build-no-gpu": make_facts(os=linux_os(container="docker"),
                                              python=torch_env("2.13.0+cu130", cuda="13.0")),
    "python-3.14-patch-release-nothing-installed": make_facts(python=python_env(
        version="3.14.2")),
    "free-threaded-3.14t-nothing-installed": make_facts(python=python_env(
        version="3.14.0", free_threaded=True)),
}


@pytest.mark.parametrize("name", sorted(HEALTHY))
def test_healthy_machine(name: str, knowledge: Knowledge) -> None:
    assert_healthy(run(HEALTHY[name], knowledge))


def test_healthy_gpu_box_with_its_plan(knowledge: Knowledge) -> None:
    facts = make_facts(python=python_env(), nvidia=nvidia_found())
    checks = run(facts, knowledge, plan("cu130", replaces=False))
    assert_healthy(checks)
    assert codes(checks) == {"torch-not-installed"}
    torch = by_id(checks, "torch")
    assert torch.status is CheckStatus.NOT_APPLICABLE
    assert torch.problems[0].fix is not None
    assert torch.problems[0].fix.commands == (plan("cu130").command,)


def test_checks_come_in_display_order(knowledge: Knowledge) -> None:
    assert CHECK_IDS == ("platform", "python", "nvidia", "amd", "apple", "intel", "torch",
                         "project", "resources", "knowledge")
    assert tuple(c.id for c in run(make_facts(), knowledge)) == CHECK_IDS
    for name, facts in HEALTHY.items():
        assert tuple(c.id for c in run(facts, knowledge)) == CHECK_IDS, name


def test_summaries_put_facts_first(knowledge: Knowledge) -> None:
    checks = run(make_facts(python=torch_env("2.4.1+cpu"), nvidia=nvidia_found(
        driver="550.54.15", cuda="12.4")), knowledge)
    assert by_id(checks, "platform").summary == "Linux x86_64 · Ubuntu 24.04.1 LTS · glibc 2.39"
    assert by_id(checks, "nvidia").summary == (
        "550.54.15 · supports CUDA ≤ 12.4 · 1× NVIDIA GeForce RTX 4090")
    torch = by_id(checks, "torch")
    assert torch.status is CheckStatus.ERROR
    assert torch.summary == "2.4.1+cpu · CPU build — CPU-only torch on a GPU machine"


def test_not_applicable_lines(knowledge: Knowledge) -> None:
    checks = run(make_facts(), knowledge)
    for check_id in ("nvidia", "amd", "apple", "intel"):
        assert by_id(checks, check_id).status is CheckStatus.NOT_APPLICABLE, check_id
    mac_checks = run(make_facts(**mac(), python=torch_env("2.13.0", machine="arm64")), knowledge)
    assert by_id(mac_checks, "apple").status is CheckStatus.OK
    assert by_id(mac_checks, "apple").summary == "macOS 14.5 · Apple M2 · MPS"
    assert by_id(mac_checks, "torch").summary == "2.13.0 · CPU + MPS build"


def test_problem_ids_point_at_their_line(knowledge: Knowledge) -> None:
    facts = dataclasses.replace(HEALTHY["rtx4090-cu130"],
                                nvidia=nvidia_found(driver="535.104.05", cuda="12.2"))
    for check in run(facts, knowledge):
        assert all(p.check == check.id for p in check.problems)
