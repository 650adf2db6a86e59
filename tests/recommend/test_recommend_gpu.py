"""The recommendation for GPU machines: NVIDIA (driver x compute capability), AMD, Intel, Apple."""

from __future__ import annotations

from rec_facts import amd, intel_arc, machine, nvidia, pci, pci_gpu

from torchdoctor.facts import AppleFacts, Facts
from torchdoctor.knowledge import Knowledge
from torchdoctor.recommend import recommend
from torchdoctor.report import InstallPlan

CPU = "pip3 install torch torchvision --index-url https://download.pytorch.org/whl/cpu"
DEFAULT = "pip3 install torch torchvision"
WHL = "pip3 install torch torchvision --index-url https://download.pytorch.org/whl/"


def gpu_box(driver: str, cuda: str, *gpus: tuple[str, str]) -> Facts:
    """A healthy Linux box with a loaded NVIDIA driver and these GPUs."""
    return machine(nvidia=nvidia(driver, cuda, *gpus))


def text(plan: InstallPlan) -> str:
    return " ".join(plan.rationale)


def test_gtx1080_driver535_gets_cu126(k: Knowledge) -> None:
    # Issue 4's first worked example: the default (cu130) has no kernels for Pascal.
    plan = recommend(gpu_box("535.104.05", "12.2", ("NVIDIA GeForce GTX 1080", "6.1")), k)
    assert plan.command == WHL + "cu126"
    assert (plan.torch_version, plan.compute) == ("2.13.0", "cu126")
    assert "driver 535.104.05 supports CUDA up to 12.2; cu130 needs driver 580 or newer" in \
        text(plan)
    assert "sm_61" in text(plan)
    assert plan.knowledge_date == k.knowledge_date
    assert not plan.alternatives
    assert not plan.replaces_installed


def test_rtx5090_driver570_driver_update_and_older_release(k: Knowledge) -> None:
    # Issue 4's second worked example.
    plan = recommend(gpu_box("570.133.07", "12.8", ("NVIDIA GeForce RTX 5090", "12.0")), k)
    assert plan.command == DEFAULT
    assert (plan.torch_version, plan.compute) == ("2.13.0", "cu130")
    assert plan.rationale[0].startswith("First: Update the NVIDIA driver to 580 or newer")
    assert "cu126 wheels have no kernels for the NVIDIA GeForce RTX 5090 (sm_120)" in text(plan)
    [alt] = plan.alternatives
    assert (alt.torch_version, alt.compute) == ("2.11.0", "cu128")
    assert alt.command == ("pip install torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0 "
                           "--index-url https://download.pytorch.org/whl/cu128")
    assert "570.133.07" in alt.label


def test_rtx4090_driver550_gets_cu126(k: Knowledge) -> None:
    plan = recommend(gpu_box("550.144.03", "12.4", ("NVIDIA GeForce RTX 4090", "8.9")), k)
    assert plan.command == WHL + "cu126"
    assert "cu130 needs driver 580 or newer" in text(plan)
    assert "sm_86 code runs on the sm_89 GPU" in text(plan)


def test_h100_driver580_gets_the_bare_default(k: Knowledge) -> None:
    plan = recommend(gpu_box("580.65.06", "13.0", ("NVIDIA H100 80GB HBM3", "9.0")), k)
    assert plan.command == DEFAULT
    assert plan.compute == "cu130"
    assert plan.index_url == "https://pypi.org/simple"
    assert "PyPI default" in text(plan)


def test_gh200_aarch64_gets_the_default(k: Knowledge) -> None:
    facts = machine(os={"arch": "aarch64"}, python={"machine": "aarch64"},
                    nvidia=nvidia("580.82.07", "13.0", ("NVIDIA GH200 480GB", "9.0")))
    assert recommend(facts, k).command == DEFAULT


def test_every_gpu_must_be_covered(k: Knowledge) -> None:
    facts = machine(nvidia=nvidia("580.65.06", "13.0", ("NVIDIA GeForce RTX 5090", "12.0"),
                                  ("NVIDIA GeForce GTX 1080", "6.1")))
    plan = recommend(facts, k)
    # cu130 lacks Pascal, cu126 lacks Blackwell: no variant covers both; the 1080 needs cu126-era
    # builds, none of which have Blackwell kernels either, so the CPU build is what runs.
    assert plan.compute == "cpu"


def test_cuda_visible_devices_restricts_the_gpus(k: Knowledge) -> None:
    facts = machine(nvidia=nvidia("580.65.06", "13.0", ("NVIDIA GeForce RTX 5090", "12.0"),
                                  ("NVIDIA GeForce GTX 1080", "6.1")),
                    env={"variables": {"CUDA_VISIBLE_DEVICES": "0"}})
    assert recommend(facts, k).command == DEFAULT


def test_gpu_without_driver_gets_the_driver_first(k: Knowledge) -> None:
    facts = machine(pci=pci(pci_gpu("NVIDIA", "NVIDIA GeForce RTX 4070", cc="8.9")))
    plan = recommend(facts, k)
    assert plan.command == DEFAULT
    assert plan.rationale[0] == "First: Install the NVIDIA driver 580 or newer."
    assert "no NVIDIA driver is loaded" in text(plan)


def test_pascal_without_driver_needs_the_cu126_minimum(k: Knowledge) -> None:
    facts = machine(pci=pci(pci_gpu("NVIDIA", "NVIDIA GeForce GTX 1080", cc="6.1",
                                    driver="nouveau")))
    plan = recommend(facts, k)
    assert plan.command == WHL + "cu126"
    assert plan.rationale[0] == "First: Install the NVIDIA driver 525.60.13 or newer."


def test_old_driver_pascal_offers_update_and_an_unconfirmed_older_release(k: Knowledge) -> None:
    plan = recommend(gpu_box("470.256.02", "11.4", ("NVIDIA GeForce GTX 1080", "6.1")), k)
    assert plan.command == WHL + "cu126"
    assert "525.60.13" in plan.rationale[0]
    [alt] = plan.alternatives
    assert (alt.torch_version, alt.compute) == ("2.7.1", "cu118")
    assert "most likely" in alt.label


def test_windows_rtx3080(k: Knowledge) -> None:
    facts = machine(os={"system": "windows", "arch": "x86_64"}, python={"machine": "AMD64"},
                    nvidia=nvidia("566.36", "12.7", ("NVIDIA GeForce RTX 3080", "8.6")))
    plan = recommend(facts, k)
    assert plan.command == WHL + "cu126"
    assert "528.33" in text(plan)  # the Windows minimum, not Linux's 525.60.13


def test_windows_new_driver_prefers_the_stable_cuda(k: Knowledge) -> None:
    facts = machine(os={"system": "windows", "arch": "x86_64"}, python={"machine": "AMD64"},
                    nvidia=nvidia("581.29", "13.0", ("NVIDIA GeForce RTX 3080", "8.6")))
    assert recommend(facts, k).command == WHL + "cu130"


def test_wsl2_uses_the_windows_driver(k: Knowledge) -> None:
    facts = machine(os={"wsl": 2},
                    nvidia=nvidia("560.94", "12.6", ("NVIDIA GeForce RTX 3060", "8.6")))
    plan = recommend(facts, k)
    assert plan.command == WHL + "cu126"
    assert "528.33" in text(plan)


def test_jetson_points_to_nvidia_wheels(k: Knowledge) -> None:
    facts = machine(os={"arch": "aarch64", "jetson_model": "NVIDIA Jetson AGX Orin Developer Kit",
                        "l4t_release": "36.4.3"}, python={"machine": "aarch64"},
                    nvidia=nvidia(None, None, ("Orin", "8.7")))
    plan = recommend(facts, k)
    assert plan.command == CPU
    assert plan.compute == "cpu"
    assert "Jetson" in text(plan)
    assert "JetPack" in text(plan)


def test_rx7900xtx_gets_rocm72(k: Knowledge) -> None:
    plan = recommend(machine(amd=amd(("Radeon RX 7900 XTX", "gfx1100"), rocm="6.4.0")), k)
    assert plan.command == WHL + "rocm7.2"
    assert "gfx1100" in text(plan)


def test_rx6700xt_gets_the_override_advice(k: Knowledge) -> None:
    plan = recommend(machine(amd=amd(("Radeon RX 6700 XT", "gfx1031"))), k)
    assert plan.command == WHL + "rocm7.2"
    assert "HSA_OVERRIDE_GFX_VERSION=10.3.0" in text(plan)
    assert [a.command for a in plan.alternatives] == ["export HSA_OVERRIDE_GFX_VERSION=10.3.0"]


def test_integrated_amd_near_miss_stays_on_cpu_with_rocm_offered(k: Knowledge) -> None:
    facts = machine(pci=pci(pci_gpu("AMD", "Radeon 780M", gfx="gfx1103", kind="integrated")))
    plan = recommend(facts, k)
    assert plan.command == CPU
    assert {a.command for a in plan.alternatives} == {
        WHL + "rocm7.2", "export HSA_OVERRIDE_GFX_VERSION=11.0.0"}


def test_unsupported_amd_gpu_gets_cpu(k: Knowledge) -> None:
    plan = recommend(machine(amd=amd(("Radeon RX 580", "gfx803"))), k)
    assert plan.command == CPU
    assert "no known override" in text(plan)


def test_windows_amd_says_rocm_is_not_on_pytorch_org(k: Knowledge) -> None:
    facts = machine(os={"system": "windows", "arch": "x86_64"}, python={"machine": "AMD64"},
                    pci=pci(pci_gpu("AMD", "Radeon RX 7900 XTX", gfx="gfx1100")))
    plan = recommend(facts, k)
    assert plan.command == DEFAULT
    assert plan.compute == "cpu"
    assert "ROCm is not available on Windows" in text(plan)


def test_intel_arc_gets_xpu(k: Knowledge) -> None:
    plan = recommend(machine(intel=intel_arc()), k)
    assert plan.command == WHL + "xpu"
    assert plan.compute == "xpu"


def test_apple_m2_gets_the_default_wheel(k: Knowledge) -> None:
    facts = machine(os={"system": "macos", "arch": "arm64", "version": "14.5"},
                    python={"machine": "arm64"},
                    apple=AppleFacts("found", apple_silicon=True, macos_version="14.5"))
    plan = recommend(facts, k)
    assert (plan.command, plan.compute, plan.torch_version) == (DEFAULT, "default", "2.13.0")
    assert "MPS" in text(plan)


def test_intel_mac_gets_222_pinned(k: Knowledge) -> None:
    facts = machine(os={"system": "macos", "arch": "x86_64", "version": "13.6"},
                    apple=AppleFacts("found", apple_silicon=False))
    plan = recommend(facts, k)
    assert plan.command == "pip install torch==2.2.2 torchvision==0.17.2 torchaudio==2.2.2"
    assert plan.torch_version == "2.2.2"


def test_rosetta_python_on_apple_silicon(k: Knowledge) -> None:
    facts = machine(os={"system": "macos", "arch": "arm64"}, python={"machine": "x86_64"},
                    apple=AppleFacts("found", apple_silicon=True, python_translated=True))
    plan = recommend(facts, k)
    assert plan.command == DEFAULT
    assert plan.torch_version == "2.13.0"
    assert "Rosetta" in plan.rationale[0]
    assert [a.torch_version for a in plan.alternatives] == ["2.2.2"]
