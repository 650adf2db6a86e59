"""What must come first (or be read) beside the command, containers without a GPU, the
free-threaded fallback and which pip the fix runs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rec_facts import PY, amd, intel_arc, machine, nvidia, pci, pci_gpu, with_torch

from torchdoctor.facts import AppleFacts, NvidiaFacts
from torchdoctor.knowledge import Knowledge
from torchdoctor.recommend import recommend

CPU = "pip3 install torch torchvision --index-url https://download.pytorch.org/whl/cpu"
RTX5090 = nvidia("570.195.03", "12.8", ("NVIDIA GeForce RTX 5090", "12.0"))
DOCKER = {"container": "docker"}


def test_healthy_machine_has_no_prerequisite(k: Knowledge) -> None:
    assert recommend(machine(), k).prerequisite is None


def test_driver_update_comes_first(k: Knowledge) -> None:
    plan = recommend(machine(nvidia=RTX5090), k)
    assert plan.command == "pip3 install torch torchvision"
    assert plan.prerequisite == ("First: update the NVIDIA driver to 580 or newer (found "
                                 "570.195.03): cu130 needs it.")


def test_missing_driver_comes_first(k: Knowledge) -> None:
    facts = machine(pci=pci(pci_gpu("NVIDIA", "AD104 [GeForce RTX 4070]", cc="8.9")))
    plan = recommend(facts, k)
    assert plan.prerequisite == "First: install the NVIDIA driver 580 or newer."


def test_rosetta_python_comes_first(k: Knowledge) -> None:
    facts = machine(os={"system": "macos", "arch": "arm64"}, python={"machine": "x86_64"},
                    apple=AppleFacts("found", apple_silicon=True, python_translated=True))
    plan = recommend(facts, k)
    assert plan.prerequisite is not None
    assert plan.prerequisite.startswith("First: install an arm64 Python")


def test_a_python_to_install_comes_first(k: Knowledge) -> None:
    plan = recommend(machine(python={"version": "3.15.0"}), k)
    assert plan.prerequisite == ("First: install Python 3.14 (64-bit CPython) and run the "
                                 "command with it.")


def test_jetson_caveat_says_the_command_is_the_cpu_build(k: Knowledge) -> None:
    facts = machine(os={"arch": "aarch64", "jetson_model": "NVIDIA Jetson AGX Orin Developer Kit",
                        "l4t_release": "36.4.3"}, python={"machine": "aarch64"},
                    nvidia=nvidia(None, None, ("Orin", "8.7")))
    plan = recommend(facts, k)
    assert plan.compute == "cpu"
    assert plan.prerequisite == (
        "pytorch.org's wheels do not use the Jetson's GPU: for GPU support install NVIDIA's "
        "PyTorch wheel for your JetPack release; this command installs the CPU build.")


def test_xpu_without_level_zero_needs_the_intel_driver_first(k: Knowledge) -> None:
    plan = recommend(machine(intel=replace(intel_arc(), level_zero_gpu_driver=None)), k)
    assert plan.compute == "xpu"
    assert plan.prerequisite == ("First: install Intel's GPU driver with its Level Zero runtime "
                                 "(none was found).")
    assert recommend(machine(intel=intel_arc()), k).prerequisite is None


def test_cuda_build_in_a_container_without_gpu_is_kept(k: Knowledge) -> None:
    facts = machine(os=DOCKER, python=with_torch("2.13.0+cu130", cuda="13.0"),
                    pci=replace(pci(), status="absent"))
    plan = recommend(facts, k)
    assert (plan.command, plan.replaces_installed) == (CPU, False)
    assert plan.prerequisite is not None
    assert "new environment" in plan.prerequisite
    assert any("is kept" in s for s in plan.rationale)


def test_cuda_build_outside_a_container_without_gpu_is_replaced(k: Knowledge) -> None:
    plan = recommend(machine(python=with_torch("2.13.0+cu130", cuda="13.0")), k)
    assert plan.replaces_installed
    assert plan.command.startswith("pip3 uninstall -y torch")


def test_container_with_gpu_access_is_judged_as_usual(k: Knowledge) -> None:
    facts = machine(os=DOCKER, nvidia=nvidia("580.65.06", "13.0", ("NVIDIA H100", "9.0")),
                    python=with_torch("2.13.0+cpu"))
    plan = recommend(facts, k)
    assert plan.replaces_installed
    assert plan.prerequisite is None


@pytest.mark.parametrize("gpu", ["amd", "nvidia"])
def test_free_threaded_fallback_keeps_the_accelerator(k: Knowledge, gpu: str) -> None:
    python = {"version": "3.13.1", "free_threaded": True}
    if gpu == "amd":
        facts = machine(python=python, amd=amd(("Radeon RX 7900 XTX", "gfx1100")),
                        pci=pci(pci_gpu("AMD", "Navi 31", gfx="gfx1100")))
    else:
        facts = machine(python=python,
                        nvidia=nvidia("580.65.06", "13.0", ("NVIDIA GeForce RTX 4090", "8.9")))
    plan = recommend(facts, k)
    assert plan.torch_version == "2.8.0"
    assert plan.compute.startswith("rocm" if gpu == "amd" else "cu")
    assert plan.alternatives[0].compute.startswith("rocm" if gpu == "amd" else "cu")
    why = " ".join(plan.rationale)
    assert "torch 2.13.0 has free-threaded wheels for 3.14t only" in why
    assert "torch 2.8.0 is the newest release with wheels for Python 3.13t" in why


def test_pip3_of_unknown_owner_is_not_trusted(k: Knowledge) -> None:
    # Whether pip3 belongs to the target could not be told (a pyenv shim, no pip3 on PATH):
    # bare pip3 only where it is proven to be the target's, so the target's own pip.
    facts = machine(nvidia=NvidiaFacts("absent"),
                    python={"pip3_belongs": None, **with_torch("2.13.0+cu130")})
    plan = recommend(facts, k)
    assert plan.command == (f"{PY} -m pip uninstall -y torch torchvision\n"
                            f"{CPU.replace('pip3 ', f'{PY} -m pip ', 1)}")
    assert any("could not be shown to install into the target" in s for s in plan.rationale)


def test_a_target_without_pip_gets_it_first(k: Knowledge) -> None:
    facts = machine(nvidia=NvidiaFacts("absent"),
                    python={"pip3_belongs": None, "pip_available": False, "env_kind": "venv",
                            **with_torch("2.13.0+cu130")})
    plan = recommend(facts, k)
    assert plan.command.splitlines()[0] == f"{PY} -m ensurepip --upgrade"
    assert plan.command.splitlines()[1] == f"{PY} -m pip uninstall -y torch torchvision"


def test_a_uv_venv_without_pip_gets_uv_pip(k: Knowledge) -> None:
    facts = machine(nvidia=NvidiaFacts("absent"),
                    python={"pip3_belongs": None, "pip_available": False, "env_kind": "uv",
                            **with_torch("2.13.0+cu130")})
    plan = recommend(facts, k)
    assert plan.command.splitlines() == [
        f"uv pip uninstall --python {PY} torch torchvision",
        f"uv pip install --python {PY} torch torchvision --index-url "
        "https://download.pytorch.org/whl/cpu"]


def test_an_externally_managed_python_gets_the_venv_route(k: Knowledge) -> None:
    """PEP 668: pip refuses to install into a distribution's Python; the command makes a venv."""
    facts = machine(nvidia=NvidiaFacts("absent"),
                    python={"externally_managed": True, "env_kind": "system",
                            "pip3_belongs": None})
    plan = recommend(facts, k)
    assert plan.command.splitlines() == [
        f"{PY} -m venv .venv",
        ".venv/bin/python -m pip install torch torchvision --index-url "
        "https://download.pytorch.org/whl/cpu",
    ]
    assert plan.prerequisite is not None
    assert "externally managed (PEP 668)" in plan.prerequisite
    assert not plan.replaces_installed
