"""Several GPUs: the choice is for the GPUs that compute. A legacy card (a Tesla K80 beside an
H100, a GT 710 display card beside an RTX 4090) is named, left out, and hidden with
CUDA_VISIBLE_DEVICES; it never drags the machine down to an old release or the CPU build."""

from __future__ import annotations

import dataclasses

import pytest
from cli_support import MACHINES

from torchdoctor.pipeline import build_report
from torchdoctor.probes import collect_facts
from torchdoctor.recorded import RecordedHost
from torchdoctor.report import Report, Severity


def _with_legacy(machine: str, name: str, cc: str) -> Report:
    facts = collect_facts(RecordedHost(MACHINES / machine), timeout=2.0)
    assert facts.nvidia.gpus
    main = facts.nvidia.gpus[0]
    legacy = dataclasses.replace(main, index=1, name=name, compute_capability=cc,
                                 pci_bus_id=None, pci_id=None)
    nvidia = dataclasses.replace(facts.nvidia, gpus=(main, legacy))
    return build_report("check", dataclasses.replace(facts, nvidia=nvidia), None)


@pytest.mark.parametrize(("machine", "name", "cc", "compute"), [
    ("h100-driver580", "Tesla K80", "3.7", "cu130"),
    ("rtx4090-driver550", "NVIDIA GeForce GT 710", "3.5", "cu126"),
])
def test_a_legacy_card_is_left_out(machine: str, name: str, cc: str, compute: str) -> None:
    report = _with_legacy(machine, name, cc)
    plan = report.install
    assert plan is not None
    assert (plan.torch_version, plan.compute) == ("2.13.0", compute)
    assert any(f"{name} (sm_{cc.replace('.', '')}); it is left out" in s for s in plan.rationale)
    assert not any("no kernels for the" in s for s in plan.rationale)  # no contradiction
    hide = [a.command for a in plan.alternatives if "CUDA_VISIBLE_DEVICES" in a.command]
    assert hide == ["export CUDA_DEVICE_ORDER=PCI_BUS_ID CUDA_VISIBLE_DEVICES=0"]
    legacy = [p for p in report.problems if name in p.message]
    assert [p.code for p in legacy] == ["gpu-too-old-for-any-wheel"]
    assert legacy[0].severity is Severity.INFO
    assert legacy[0].fix is not None
    assert list(legacy[0].fix.commands) == hide
