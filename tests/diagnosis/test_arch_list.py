"""The installed build's GPU architecture list: reported by the imported torch (a verification),
kept on the facts' torch copy, and used by the diagnosis instead of the release table."""

from __future__ import annotations

import dataclasses

from diag_facts import gpu, make_facts, nvidia_found, torch_env

from torchdoctor.facts import Facts
from torchdoctor.knowledge.compat import archs_from_list
from torchdoctor.pipeline import build_report, with_arch_list
from torchdoctor.verify.result import StageResult, StageStatus, VerifyResult


def _facts(cc: str = "8.9") -> Facts:
    return make_facts(python=torch_env("2.13.0+cu126", cuda="12.6"),
                      nvidia=nvidia_found(gpu("NVIDIA GeForce RTX 4090", cc)))


def _verified(arch_list: list[str], version: str = "2.13.0+cu126") -> VerifyResult:
    build = StageResult("build", StageStatus.OK, data={"version": version, "cuda": "12.6",
                                                       "arch_list": arch_list})
    return VerifyResult(python="/venv/bin/python", device="auto", stages=(build,))


def _codes(facts: Facts) -> set[str]:
    report = build_report("check", facts, None)
    return {p.code for c in report.checks for p in c.problems}


def test_torch_names_become_capabilities() -> None:
    archs = archs_from_list(("sm_50", "sm_86", "sm_90a", "sm_120", "compute_90", "gfx1100"))
    assert archs.sm == ("5.0", "8.6", "9.0", "12.0")
    assert archs.ptx == ("9.0",)


def test_the_verified_list_is_kept_on_the_torch_copy() -> None:
    facts = with_arch_list(_facts(), _verified(["sm_80", "sm_90"]))
    copy = facts.python.torch
    assert copy is not None
    assert copy.arch_list == ("sm_80", "sm_90")


def test_a_verification_of_another_torch_is_not_kept() -> None:
    facts = with_arch_list(_facts(), _verified(["sm_80"], version="2.1.0+cu118"))
    copy = facts.python.torch
    assert copy is not None
    assert copy.arch_list is None


def test_the_reported_list_beats_the_table() -> None:
    """The table says cu126 runs on an RTX 4090 (sm_89 is in it); a build whose own list has
    only sm_90 (a custom or trimmed build) cannot, and the diagnosis says so."""
    assert not {"gpu-arch-not-in-wheel", "gpu-arch-dropped-from-wheel"} & _codes(_facts())
    python = _facts().python
    copy = python.torch
    assert copy is not None
    trimmed = dataclasses.replace(copy, arch_list=("sm_90",))
    facts = dataclasses.replace(_facts(), python=dataclasses.replace(python,
                                                                     torch_copies=(trimmed,)))
    assert "gpu-arch-dropped-from-wheel" in _codes(facts)  # sm_89 is older than sm_90
    report = build_report("check", _facts(), _verified(["sm_90"]))
    assert report.facts is not None
    torch = report.facts.python.torch
    assert torch is not None
    assert torch.arch_list == ("sm_90",)
