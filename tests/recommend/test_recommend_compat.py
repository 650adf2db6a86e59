"""The compatibility helpers that the recommendation and the diagnosis rules share."""

from __future__ import annotations

import pytest
from rec_facts import machine, with_torch

from torchdoctor.knowledge import Knowledge
from torchdoctor.knowledge.compat import gfx_of_override, local_tag_variant, sm_name
from torchdoctor.recommend import (
    driver_runs_variant,
    gfx_supported,
    hsa_override_for,
    installed_variant,
    variant_runs_on_gpu,
)


@pytest.mark.parametrize(("tag", "variant"), [
    ("cu130", "cu130"), ("cpu", "cpu"), ("rocm6.4", "rocm6.4"), ("rocm6.2.4", "rocm6.2.4"),
    ("xpu", "xpu"), ("CU128", "cu128"), ("git1234", None), (None, None),
])
def test_local_tag_variant(tag: str | None, variant: str | None) -> None:
    assert local_tag_variant(tag) == variant


def test_installed_variant_prefers_the_local_tag(k: Knowledge) -> None:
    facts = machine(python=with_torch("2.13.0+cpu", cuda="13.0"))
    assert installed_variant(facts, k) == "cpu"


@pytest.mark.parametrize(("cuda", "hip", "variant"), [
    ("13.0", None, "cu130"), ("12.8", None, "cu128"), (None, "6.4.43482-0f2d60242", "rocm6.4"),
    (None, None, "cpu"),
])
def test_installed_variant_reads_version_py(cuda: str | None, hip: str | None,
                                            variant: str) -> None:
    assert installed_variant(machine(python=with_torch("2.13.0", cuda=cuda, hip=hip))) == variant


def test_installed_variant_falls_back_to_the_pypi_default(k: Knowledge) -> None:
    fields = with_torch("2.13.0")
    copy = fields["torch_copies"][0]
    from dataclasses import replace

    facts = machine(python={**fields, "torch_copies": (replace(copy, version=None),)})
    assert installed_variant(facts, k) == "cu130"
    assert installed_variant(facts) is None  # without knowledge nothing tells


def test_installed_variant_none_without_torch(k: Knowledge) -> None:
    assert installed_variant(machine(), k) is None


@pytest.mark.parametrize(("variant", "os", "arch", "cc", "expected"), [
    ("cu126", "linux", "x86_64", "6.1", True),  # sm_60 SASS runs on sm_61 (GTX 1080)
    ("cu130", "linux", "x86_64", "6.1", False),  # cu130 starts at sm_75
    ("cu126", "linux", "x86_64", "8.9", True),  # sm_86 SASS runs on sm_89 (RTX 4090)
    ("cu126", "linux", "x86_64", "12.0", False),  # no Blackwell in cu126
    ("cu130", "linux", "x86_64", "12.0", True),
    ("cu130", "linux", "x86_64", "12.1", True),  # sm_120 SASS on sm_121
    ("cu130", "linux", "x86_64", "13.0", True),  # PTX sm_120 JIT-compiles for a newer GPU
    ("cu130", "windows", "x86_64", "13.0", False),  # Windows builds carry no PTX
    ("cu130", "linux", "x86_64", "3.7", False),
    ("cu126", "linux", "aarch64", "8.7", True),
    ("cu118", "linux", "x86_64", "8.6", None),  # arch list not in the knowledge
    ("cu126", "linux", "x86_64", "banana", None),
    ("cpu", "linux", "x86_64", "8.6", False),
])
def test_variant_runs_on_gpu(k: Knowledge, variant: str, os: str, arch: str, cc: str,
                             expected: bool | None) -> None:
    assert variant_runs_on_gpu(k, variant, os, arch, cc) is expected


@pytest.mark.parametrize(("variant", "os", "driver", "cuda", "expected"), [
    ("cu126", "linux", "535.104.05", None, True),
    ("cu130", "linux", "535.104.05", "12.2", False),
    ("cu130", "linux", "580.65.06", None, True),
    ("cu130", "linux", "580", None, True),
    ("cu128", "linux", "525.60.12", None, False),
    ("cu126", "windows", "528.33", None, True),
    ("cu126", "windows", "527.41", None, False),
    ("cu126", "linux", None, "12.2", True),  # minor-version compatibility within 12.x
    ("cu130", "linux", None, "12.8", False),
    ("cu118", "linux", None, "12.4", True),  # an older major always runs
    ("cu126", "linux", None, None, None),
    ("cpu", "linux", "580.65.06", None, None),
])
def test_driver_runs_variant(k: Knowledge, variant: str, os: str, driver: str | None,
                             cuda: str | None, expected: bool | None) -> None:
    assert driver_runs_variant(k, variant, os, driver, cuda_version=cuda) is expected


@pytest.mark.parametrize(("variant", "gfx", "expected"), [
    ("rocm7.2", "gfx1100", True), ("rocm7.2", "gfx1151", True), ("rocm7.1", "gfx1151", False),
    ("rocm7.2", "gfx1031", False), ("rocm7.2", "GFX1030", True), ("rocm9.9", "gfx1100", None),
])
def test_gfx_supported(k: Knowledge, variant: str, gfx: str, expected: bool | None) -> None:
    assert gfx_supported(k, variant, gfx) is expected


@pytest.mark.parametrize(("gfx", "value"), [
    ("gfx1031", "10.3.0"), ("gfx1032", "10.3.0"), ("gfx1034", "10.3.0"), ("gfx1035", "10.3.0"),
    ("gfx1036", "10.3.0"), ("gfx1101", "11.0.0"), ("gfx1103", "11.0.0"), ("gfx1152", "11.5.1"),
    ("gfx90c", "9.0.0"), ("gfx1100", None), ("gfx1030", None), ("gfx803", None),
    ("gfx1010", None),
])
def test_hsa_override_for(gfx: str, value: str | None) -> None:
    assert hsa_override_for(gfx) == value


def test_hsa_override_respects_the_build(k: Knowledge) -> None:
    assert hsa_override_for("gfx1152", k.gfx_targets("rocm7.2")) == "11.5.1"
    assert hsa_override_for("gfx1152", k.gfx_targets("rocm7.1")) is None  # no gfx115x there
    assert hsa_override_for("gfx1031", k.gfx_targets("rocm7.1")) == "10.3.0"


def test_names() -> None:
    assert gfx_of_override("10.3.0") == "gfx1030"
    assert gfx_of_override("9.0.10") == "gfx90a"
    assert sm_name("12.0") == "sm_120"
    assert sm_name("6.1") == "sm_61"
