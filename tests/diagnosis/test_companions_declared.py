"""A companion is judged by its own declared requirement first: torchvision 0.29.1 declares
torch>=2.14.0 and imports fine beside torch 2.14.1, whatever the knowledge's table knows."""

from __future__ import annotations

import dataclasses

import pytest
from diag_facts import by_id, dist, make_facts, python_env, run

from torchdoctor._child.probe_target import _requires_torch
from torchdoctor.knowledge import load


def _companion(torch: str, vision: str, requires: str | None) -> list[str]:
    torchvision = dataclasses.replace(dist("torchvision", vision), requires_torch=requires)
    facts = make_facts(python=python_env(dist("torch", torch), torchvision))
    checks = run(facts, load())
    return [p.message for p in by_id(checks, "torch").problems
            if p.code == "torchvision-torch-mismatch"]


def test_a_declared_requirement_that_holds_is_not_a_mismatch() -> None:
    assert _companion("2.14.1+cpu", "0.29.1+cpu", ">=2.14.0") == []


def test_a_declared_requirement_that_fails_is_named() -> None:
    messages = _companion("2.12.0+cpu", "0.28.0+cpu", "==2.13.0")
    assert messages == ["torchvision 0.28.0+cpu requires torch==2.13.0, but torch 2.12.0+cpu is "
                        "installed."]


def test_without_a_declared_requirement_the_table_decides() -> None:
    assert _companion("2.12.0+cpu", "0.28.0+cpu", None) != []


def test_variants_are_still_compared() -> None:
    [message] = _companion("2.13.0+cpu", "0.28.0+cu130", "==2.13.0")
    assert "cu130 build" in message


@pytest.mark.parametrize(("metadata", "expected"), [
    ("Name: torchvision\nRequires-Dist: numpy\nRequires-Dist: torch==2.9.1\n", "==2.9.1"),
    ("Name: torchvision\nRequires-Dist: torch (>=2.14.0)\n", ">=2.14.0"),
    ("Name: torchaudio\nRequires-Dist: torchvision\nRequires-Dist: torch\n", None),
    ("Name: x\nRequires-Dist: torch==2.5.1; extra == 'gpu'\n", "==2.5.1"),
    ("Name: x\nRequires-Dist: torchvision==0.20.1\n\nRequires-Dist: torch==1\n", None),
])
def test_the_requirement_is_read_from_metadata(metadata: str, expected: str | None) -> None:
    assert _requires_torch(metadata) == expected
