"""The finer points of the rules: severities that depend on the machine, fixes built from the
plan, and the cases that must stay quiet."""

from __future__ import annotations

import dataclasses

from diag_facts import (
    SITE,
    GiB,
    amd_found,
    by_id,
    codes,
    copy,
    dist,
    env,
    gpu,
    linux_os,
    mac,
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

from torchdoctor.diagnosis.apple import mps_macos_needed
from torchdoctor.diagnosis.devices import visible_count
from torchdoctor.facts.model import DiskSpace, ResourceFacts
from torchdoctor.knowledge import Knowledge
from torchdoctor.report import Alternative, CheckStatus, InstallPlan, Severity

RTX5090 = nvidia_found(gpu("NVIDIA GeForce RTX 5090", "12.0"), driver="570.195.03", cuda="12.8")


def test_plan_commands_become_one_command_a_line(knowledge: Knowledge) -> None:
    two_steps = plan("cu126", command="pip3 uninstall -y torch torchvision\n"
                     "pip3 install torch torchvision --index-url "
                     "https://download.pytorch.org/whl/cu126")
    facts = make_facts(python=torch_env("2.13.0+cpu"), nvidia=nvidia_found(driver="560.94",
                                                                            cuda="12.6"))
    fix = only(run(facts, knowledge, two_steps), "cpu-build-on-gpu-host").fix
    assert fix is not None
    assert fix.commands == ("pip3 uninstall -y torch torchvision",
                            "pip3 install torch torchvision --index-url "
                            "https://download.pytorch.org/whl/cu126")


def test_without_a_plan_the_fix_points_at_install_command(knowledge: Knowledge) -> None:
    facts = make_facts(python=torch_env("2.13.0+cpu"), nvidia=nvidia_found())
    fix = only(run(facts, knowledge), "cpu-build-on-gpu-host").fix
    assert fix is not None
    assert fix.commands == ("torchdoctor install-command",)


def test_a_plan_equal_to_the_install_is_not_offered_as_a_fix(knowledge: Knowledge) -> None:
    facts = make_facts(python=torch_env("2.13.0+cu130", cuda="13.0"),
                       nvidia=nvidia_found(driver="535.104.05", cuda="12.2"))
    same = plan("cu130", replaces=False)
    fix = only(run(facts, knowledge, same), "driver-too-old").fix
    assert fix is not None
    assert fix.commands == ("sudo ubuntu-drivers install",)  # the driver, not the same torch
    assert "580 or newer" in fix.text


def test_untagged_pypi_wheel_is_named_with_its_variant(knowledge: Knowledge) -> None:
    facts = make_facts(python=torch_env("2.13.0", cuda="13.0"),
                       nvidia=nvidia_found(gpu("NVIDIA GH200 480GB", "9.0"),
                                           driver="570.148.08", cuda="12.8"))
    found = only(run(facts, knowledge), "driver-too-old")
    assert "torch 2.13.0 (cu130) needs driver 580 or newer" in found.message


def test_driver_too_old_for_the_recommended_build_offers_the_alternative(
        knowledge: Knowledge) -> None:
    alt = Alternative("Or keep driver 570.195.03 and install torch 2.11.0 (cu128):",
                      "pip install torch==2.11.0 torchvision==0.26.0 --index-url "
                      "https://download.pytorch.org/whl/cu128", "2.11.0", "cu128")
    recommended = InstallPlan("pip3 install torch torchvision", "2.13.0", "cu130", (),
                              "2026-07-28", alternatives=(alt,))
    checks = run(make_facts(python=python_env(), nvidia=RTX5090), knowledge, recommended)
    found = only(checks, "driver-too-old")
    assert found.severity is Severity.WARNING
    assert "570.195.03" in found.message
    assert "580" in found.message
    assert found.fix is not None
    assert found.fix.commands == (alt.command,)
    assert "gpu-arch-not-in-wheel" not in codes(checks)


def test_cpu_index_setting_warns_before_it_replaces_a_gpu_build(knowledge: Knowledge) -> None:
    facts = make_facts(python=torch_env("2.13.0+cu130", cuda="13.0"), nvidia=nvidia_found(),
                       env=env(PIP_INDEX_URL="https://download.pytorch.org/whl/cpu"))
    found = only(run(facts, knowledge), "index-resolution-cpu-wheel")
    assert found.severity is Severity.WARNING
    assert "PIP_INDEX_URL=https://download.pytorch.org/whl/cpu" in found.message


def test_cpu_index_on_a_cpu_machine_is_fine(knowledge: Knowledge) -> None:
    facts = make_facts(env=env(PIP_INDEX_URL="https://download.pytorch.org/whl/cpu"))
    assert not codes(run(facts, knowledge))


def test_visible_devices_parsing() -> None:
    assert visible_count("", 2) == 0
    assert visible_count("-1", 2) == 0
    assert visible_count("0,1", 2) == 2
    assert visible_count("0,5,1", 2) == 1
    assert visible_count("GPU-8f3c1e2a", 2) is None
    assert visible_count("1", None) is None
    assert visible_count("", None) == 0


def test_visible_devices_partly_hidden_is_info(knowledge: Knowledge) -> None:
    facts = make_facts(python=torch_env("2.13.0+cu130", cuda="13.0"),
                       nvidia=nvidia_found(gpu(), gpu(index=1)),
                       env=env(CUDA_VISIBLE_DEVICES="0,7"))
    found = only(run(facts, knowledge), "cuda-visible-devices-hides-gpus")
    assert found.severity is Severity.INFO
    assert "1 of the 2" in found.message


def test_hip_visible_devices_on_amd(knowledge: Knowledge) -> None:
    facts = make_facts(python=torch_env("2.13.0+rocm7.2", hip="7.2.26015"),
                       amd=amd_found("gfx1100"), env=env(HIP_VISIBLE_DEVICES="-1"))
    found = only(run(facts, knowledge), "cuda-visible-devices-hides-gpus")
    assert found.check == "amd"
    assert "HIP_VISIBLE_DEVICES='-1'" in found.message


def test_torchvision_local_tag_and_patch_mismatches(knowledge: Knowledge) -> None:
    tagged = make_facts(python=torch_env("2.13.0+cu130", cuda="13.0",
                                         extra=(dist("torchvision", "0.28.0+cpu"),)))
    found = only(run(tagged, knowledge), "torchvision-torch-mismatch")
    assert found.severity is Severity.ERROR
    assert "cpu build" in found.message
    patch = make_facts(python=torch_env("2.5.1+cpu", extra=(dist("torchvision", "0.20.0+cpu"),)))
    found = only(run(patch, knowledge), "torchvision-torch-mismatch")
    assert found.severity is Severity.WARNING
    assert "0.20.1" in found.message
    past = make_facts(python=torch_env("2.15.0+cpu", extra=(dist("torchvision", "0.30.0+cpu"),)))
    assert "torchvision-torch-mismatch" not in codes(run(past, knowledge))


def test_numpy_2_with_new_torch_is_fine(knowledge: Knowledge) -> None:
    facts = make_facts(python=torch_env("2.3.0+cpu", extra=(dist("numpy", "2.1.3"),)))
    assert "numpy-abi-incompatible" not in codes(run(facts, knowledge))


def test_old_glibc_with_an_old_torch_only_blocks_upgrades(knowledge: Knowledge) -> None:
    facts = make_facts(os=linux_os(libc_version="2.17"), python=torch_env("2.5.1+cpu"))
    assert only(run(facts, knowledge), "glibc-too-old").severity is Severity.INFO
    new = make_facts(os=linux_os(libc_version="2.17"), python=torch_env("2.13.0+cpu"))
    assert only(run(new, knowledge), "glibc-too-old").severity is Severity.ERROR


def test_musl_has_no_wheels(knowledge: Knowledge) -> None:
    facts = make_facts(os=linux_os(distribution="Alpine Linux v3.20", libc_name="musl",
                                   libc_version="1.2.5"), python=python_env())
    found = only(run(facts, knowledge), "platform-no-wheels")
    assert found.severity is Severity.ERROR
    assert "musl" in found.message


def test_conda_forge_torch_is_not_the_retired_channel(knowledge: Knowledge) -> None:
    facts = make_facts(python=torch_env("2.7.1", installer="conda", env_kind="conda"))
    assert not codes(run(facts, knowledge))


def test_jetpack_build_on_jetson_is_healthy(knowledge: Knowledge) -> None:
    facts = make_facts(os=linux_os(arch="aarch64", jetson_model="NVIDIA Jetson Orin Nano",
                                   l4t_release="36.4.3"),
                       python=torch_env("2.5.0a0+872d972e41.nv24.08", cuda="12.6",
                                        machine="aarch64"))
    assert not codes(run(facts, knowledge))
    thor = dataclasses.replace(facts, os=linux_os(arch="aarch64", jetson_model="NVIDIA Jetson "
                                                  "AGX Thor", l4t_release="38.2.0"),
                               python=torch_env("2.13.0+cpu", machine="aarch64"))
    assert "jetson-requires-jetpack-wheel" not in codes(run(thor, knowledge))


def test_rocm_override_already_set_is_info(knowledge: Knowledge) -> None:
    facts = make_facts(python=torch_env("2.13.0+rocm7.2", hip="7.2.26015"),
                       amd=amd_found("gfx1031"), env=env(HSA_OVERRIDE_GFX_VERSION="10.3.0"))
    found = only(run(facts, knowledge), "rocm-gfx-unsupported")
    assert found.severity is Severity.INFO
    assert "10.3.0" in found.message


def test_mps_minimum_by_release() -> None:
    assert mps_macos_needed("2.4.1") == "12.3"
    assert mps_macos_needed("2.9.1") == "13.0"
    assert mps_macos_needed("2.13.0") == "14.0"
    assert mps_macos_needed("1.11.0") is None


def test_older_torch_on_macos_13_is_fine(knowledge: Knowledge) -> None:
    facts = make_facts(**mac("13.6"), python=torch_env("2.9.1", machine="arm64"))
    assert not codes(run(facts, knowledge))


def test_rosetta_python_is_reported_once(knowledge: Knowledge) -> None:
    facts = make_facts(**mac("14.5", translated=True), python=python_env(machine="x86_64"))
    assert codes(run(facts, knowledge)) == {"x86-python-on-apple-silicon", "torch-not-installed"}


def test_gpu_on_the_bus_without_driver_and_a_cpu_build(knowledge: Knowledge) -> None:
    facts = make_facts(pci=pci_found(pci_gpu(name="AD104 [GeForce RTX 4070]")))
    checks = run(facts, knowledge)
    assert only(checks, "nvidia-driver-missing").severity is Severity.WARNING
    assert only(checks, "cpu-build-on-gpu-host").severity is Severity.WARNING
    assert by_id(checks, "nvidia").status is CheckStatus.WARNING


def test_copies_in_a_system_python_user_site_are_normal(knowledge: Knowledge) -> None:
    user = copy("2.13.0+cpu", path="/home/ada/.local/lib/python3.12/site-packages/torch",
                user=True)
    facts = make_facts(python=python_env(dist("torch", "2.13.0+cpu"), copies=(user,),
                                         env_kind="system", user_site_enabled=True,
                                         user_site_has_torch=True))
    assert not codes(run(facts, knowledge))


def test_no_disk_warning_when_nothing_is_due(knowledge: Knowledge) -> None:


    tight = ResourceFacts(status="found", memory_total_bytes=16 * GiB,
                          packages_disk=DiskSpace(SITE, 100 * GiB, GiB // 2))
    found = only(run(make_facts(resources=tight), knowledge), "low-disk-space")
    assert found.severity is Severity.INFO


def test_intel_mac_with_a_radeon_has_mps(knowledge: Knowledge) -> None:
    """MPS needs "Apple silicon or AMD GPUs" and macOS 12.3+: an Intel Mac's Radeon counts."""
    intel_mac = mac(version="13.7", chip="", silicon=False)
    radeon = pci_found(pci_gpu(vendor="1002", name="Radeon Pro 5500M", device="7340"))
    with_radeon = by_id(run(make_facts(**{**intel_mac, "pci": radeon}), knowledge), "apple")
    assert with_radeon.status is CheckStatus.OK
    assert "MPS on Radeon Pro 5500M" in with_radeon.summary
    without = by_id(run(make_facts(**intel_mac), knowledge), "apple")
    assert without.status is CheckStatus.NOT_APPLICABLE
    assert "no MPS" in without.summary
