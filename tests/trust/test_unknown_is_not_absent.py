"""Unknown is not absent: for every recorded machine, each probe (and each pair of GPU probes)
marked timed out in turn. No plan may uninstall or replace a GPU build, no fix may remove one, and
the verdict is `incomplete` unless something else failed."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import pytest
from cli_support import MACHINES

from torchdoctor.facts import SECTION_NAMES, Facts
from torchdoctor.pipeline import build_report
from torchdoctor.probes import collect_facts
from torchdoctor.recorded import RecordedHost
from torchdoctor.report import Report, Status
from torchdoctor.verdict import decide

MACHINE_NAMES = sorted(p.name for p in MACHINES.iterdir() if (p / "machine.json").exists())
GPU_PROBES = ("nvidia", "pci", "amd", "apple", "intel")
CASES = [(name,) for name in SECTION_NAMES] + list(itertools.combinations(GPU_PROBES, 2))
_FACTS: dict[str, Facts] = {}


def facts_of(machine: str) -> Facts:
    if machine not in _FACTS:
        _FACTS[machine] = collect_facts(RecordedHost(MACHINES / machine), timeout=2.0)
    return _FACTS[machine]


def timed_out(facts: Facts, sections: tuple[str, ...]) -> Facts:
    """The facts with these sections as a probe that timed out leaves them: unknown, no values."""
    changes: dict[str, Any] = {}
    for name in sections:
        kind = type(getattr(facts, name))
        changes[name] = kind(status="unknown", reason="timed out after 5 s")
    return dataclasses.replace(facts, **changes)


def _gpu_build(facts: Facts) -> bool:
    torch = facts.python.torch
    return torch is not None and bool(torch.cuda or torch.hip or torch.xpu)


def _removes_torch(report: Report) -> list[str]:
    commands = [report.install.command] if report.install and report.install.replaces_installed \
        else []
    commands += [c for p in report.problems if p.fix for c in p.fix.commands]
    return [c for c in commands if ("uninstall" in c and "torch" in c)
            or "--force-reinstall" in c]


@pytest.mark.parametrize("sections", CASES, ids=["+".join(c) for c in CASES])
@pytest.mark.parametrize("machine", MACHINE_NAMES)
def test_a_probe_that_timed_out_never_removes_a_build(machine: str,
                                                        sections: tuple[str, ...]) -> None:
    full = facts_of(machine)
    facts = timed_out(full, sections)
    report = build_report("check", facts, None)
    known = build_report("check", full, None)
    if _gpu_build(full) and "python" not in sections:
        # A removal may stand only where it rests on facts that were read (the driver and the
        # installed build): the same removal as with every probe answering, and neither of
        # those probes the one that timed out. Nothing unknown may add or change one.
        allowed = _removes_torch(known) if "nvidia" not in sections else []
        assert [c for c in _removes_torch(report) if c not in allowed] == [], report.install
    baseline = decide(known).status
    verdict = decide(report)
    if baseline is not Status.FAIL:
        assert verdict.status is Status.UNKNOWN, [
            (c.id, c.status.value, [p.code for p in c.problems]) for c in report.checks]


def test_a_build_record_counts_without_its_version() -> None:
    """torch/version.py says `cuda = "12.1"` but its version string could not be read."""
    from torchdoctor.knowledge import load
    from torchdoctor.knowledge.compat import installed_variant

    full = facts_of("rtx4090-driver550")
    copy = full.python.torch
    assert copy is not None
    python = dataclasses.replace(
        full.python, distributions=(),
        torch_copies=(dataclasses.replace(copy, version=None, cuda="12.1"),))
    facts = dataclasses.replace(full, python=python)
    assert installed_variant(facts, load()) == "cu121"


def test_an_unknown_capability_under_an_old_driver_is_not_blackwell() -> None:
    """Driver 535 cannot run a Blackwell GPU: a GPU of unknown capability is older, and the
    releases that fit such GPUs stay on offer."""
    from torchdoctor.recommend.nvidia import _pre_blackwell
    from torchdoctor.recommend.target import Gpu, target_of

    t = target_of(facts_of("gtx1080-driver535"))
    unknown = dataclasses.replace(t, nvidia_gpus=(Gpu("NVIDIA GPU"),))
    assert _pre_blackwell(unknown)
    newer = dataclasses.replace(unknown, nvidia_driver="580.65.06")
    assert not _pre_blackwell(newer)
