"""Lines that must say what the machine really has, and fixes that carry the plan's prerequisite:
a CUDA build in a container without a GPU, a driver/library mismatch, an integrated AMD GPU."""

from __future__ import annotations

import dataclasses

from diag_facts import (
    by_id,
    codes,
    gpu,
    linux_os,
    make_facts,
    nvidia_found,
    only,
    pci_found,
    pci_gpu,
    plan,
    python_env,
    run,
    torch_env,
)

from torchdoctor.facts.model import NvidiaFacts
from torchdoctor.knowledge import Knowledge
from torchdoctor.report import CheckStatus, Severity

DOCKER = linux_os(container="docker")
CU130 = torch_env("2.13.0+cu130", cuda="13.0")
RTX5090 = nvidia_found(gpu("NVIDIA GeForce RTX 5090", "12.0"), driver="570.195.03", cuda="12.8")
FIRST = "First: update the NVIDIA driver to 580 or newer (found 570.195.03): cu130 needs it."


def test_cuda_build_in_a_container_without_gpu_is_an_info_note(knowledge: Knowledge) -> None:
    checks = run(make_facts(os=DOCKER, python=CU130), knowledge)
    found = only(checks, "container-without-gpu-access")
    assert found.severity is Severity.INFO
    assert found.check == "platform"
    assert "CUDA build" in found.message
    assert "docker container" in found.message
    assert found.fix is not None
    assert "--gpus all" in found.fix.text
    assert "CPU build is much smaller" in found.fix.text
    assert by_id(checks, "platform").status is CheckStatus.OK


def test_cpu_build_in_a_container_says_nothing(knowledge: Knowledge) -> None:
    assert "container-without-gpu-access" not in codes(run(make_facts(os=DOCKER), knowledge))


def test_cuda_build_outside_a_container_gets_no_container_note(knowledge: Knowledge) -> None:
    assert "container-without-gpu-access" not in codes(run(make_facts(python=CU130), knowledge))


def test_mismatch_replaces_the_gpu_listing_probe_failure(knowledge: Knowledge) -> None:
    why = "nvidia-smi: Failed to initialize NVML: Driver/library version mismatch"
    nvidia = nvidia_found(kernel_module_version="550.120", userspace_version="550.127",
                          version_mismatch=True, gpus=None, reason=why)
    line = by_id(run(make_facts(python=CU130, nvidia=nvidia), knowledge), "nvidia")
    assert [p.code for p in line.problems] == ["driver-library-mismatch"]
    assert any("until the reboot" in d and why in d for d in line.details)
    # Without a mismatch, an unlisted GPU is still a probe failure.
    plain = dataclasses.replace(nvidia, version_mismatch=False)
    line = by_id(run(make_facts(python=CU130, nvidia=plain), knowledge), "nvidia")
    assert "probe-failed" in [p.code for p in line.problems]


def test_integrated_amd_gpu_is_named_on_the_amd_line(knowledge: Knowledge) -> None:
    raphael = pci_gpu("1002", "Raphael [Radeon 610M]", kind="integrated", gfx="gfx1036",
                      device="164e")
    line = by_id(run(make_facts(pci=pci_found(raphael)), knowledge), "amd")
    assert line.status is CheckStatus.NOT_APPLICABLE
    assert not line.problems
    assert line.summary == ("Raphael [Radeon 610M] (integrated, gfx1036) · not a target of any "
                            "ROCm build")


def test_integrated_amd_gpu_in_a_rocm_build_lacks_only_kfd(knowledge: Knowledge) -> None:
    strix = pci_gpu("1002", "Strix Halo [Radeon 8060S]", kind="integrated", gfx="gfx1151")
    line = by_id(run(make_facts(pci=pci_found(strix)), knowledge), "amd")
    assert line.status is CheckStatus.NOT_APPLICABLE
    assert not line.problems
    assert line.summary.endswith("(integrated, gfx1151) · amdgpu compute (KFD) not available")


def test_no_amd_gpu_at_all(knowledge: Knowledge) -> None:
    assert by_id(run(make_facts(), knowledge), "amd").summary == "no AMD GPU"


def test_fix_reusing_the_plan_says_its_prerequisite(knowledge: Knowledge) -> None:
    rec = dataclasses.replace(plan("cu130", command="pip3 install torch torchvision",
                                   replaces=False), prerequisite=FIRST)
    facts = make_facts(python=python_env(), nvidia=RTX5090)
    fix = only(run(facts, knowledge, rec), "torch-not-installed").fix
    assert fix is not None
    assert fix.text == f"{FIRST} Then install it:"
    assert fix.commands == ("pip3 install torch torchvision",)


def test_fix_reusing_the_plan_shows_a_caveat_before_the_text(knowledge: Knowledge) -> None:
    caveat = "This command installs the CPU build."
    rec = dataclasses.replace(plan("cpu", command="pip3 install torch", replaces=False),
                              prerequisite=caveat)
    facts = make_facts(python=python_env(), nvidia=NvidiaFacts(status="absent"))
    fix = only(run(facts, knowledge, rec), "torch-not-installed").fix
    assert fix is not None
    assert fix.text == f"{caveat} Install it:"


def test_free_threaded_mismatch_names_the_free_threaded_wheels_there_are(
        knowledge: Knowledge) -> None:
    installed = dataclasses.replace(torch_env("2.13.0+cpu"), version="3.13.1", free_threaded=True)
    facts = make_facts(python=installed)
    found = only(run(facts, knowledge), "freethreaded-abi-mismatch")
    assert "torch 2.13.0 has free-threaded wheels for 3.14t only" in found.message
