"""One catalogue: every producer of problems (the diagnosis rules, the verification's classifier,
the pipeline's --expect) gives each code the catalogue's title, and nothing else builds problems."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from cli_support import MACHINES

from torchdoctor.catalogue import CATALOG
from torchdoctor.pipeline import build_report
from torchdoctor.probes import collect_facts
from torchdoctor.recorded import RecordedHost
from torchdoctor.report import Problem
from torchdoctor.verify.classify import classify
from torchdoctor.verify.result import Interruption, StageResult, StageStatus, VerifyResult

SRC = Path(__file__).resolve().parent.parent / "src" / "torchdoctor"
MACHINE_NAMES = sorted(p.name for p in MACHINES.iterdir() if (p / "machine.json").exists())
OK, FAILED = StageStatus.OK, StageStatus.FAILED
HELLO = {"python": "3.12.4", "platform": "linux", "implementation": "CPython"}


def _assert_catalogued(problems: tuple[Problem, ...] | list[Problem]) -> None:
    for problem in problems:
        entry = CATALOG.get(problem.code)
        assert entry is not None, f"{problem.code} is not in the catalogue"
        assert problem.title == entry.title, problem.code


@pytest.mark.parametrize("name", MACHINE_NAMES)
def test_diagnosis_of_every_recorded_machine(name: str) -> None:
    facts = collect_facts(RecordedHost(MACHINES / name), timeout=2.0)
    report = build_report("check", facts, None, expect="cuda")
    _assert_catalogued(report.problems)


def _verify(*stages: StageResult, **fields: Any) -> VerifyResult:
    return VerifyResult("/venv/bin/python", "auto", stages, child=HELLO, **fields)


def _failed_import(error: str, error_type: str = "ImportError") -> StageResult:
    return StageResult("import", FAILED, error=error, error_type=error_type, data={})


VERIFICATIONS = {
    "not started": VerifyResult("/nope/python", "auto", (), error="not found"),
    "timed out": _verify(StageResult("import", FAILED, error="timed out after 60 s",
                                     interruption=Interruption.TIMEOUT)),
    "crashed": _verify(StageResult("import", FAILED, error="crashed (SIGSEGV)",
                                   interruption=Interruption.CRASH)),
    "killed": _verify(StageResult("kernels", FAILED, error="killed by SIGKILL",
                                  interruption=Interruption.KILLED)),
    "missing": _verify(StageResult("import", FAILED, data={"found": False})),
    "dll": _verify(_failed_import("DLL load failed while importing _C", "OSError")),
    "numpy": _verify(_failed_import("A module that was compiled using NumPy 1.x cannot be run "
                                    "in NumPy 2.0.0")),
    "nms": _verify(_failed_import("operator torchvision::nms does not exist", "RuntimeError")),
    "plain": _verify(_failed_import("libfoo.so: cannot open shared object file")),
    "cuda init": _verify(StageResult("import", OK, data={"version": "2.5.1+cu124"}),
                         StageResult("devices", OK, data={"cuda": {
                             "init_error": "CUDA unknown error"}})),
    "no kernels": _verify(
        StageResult("import", OK, data={"version": "2.5.1+cu124"}),
        StageResult("compatibility", OK, data={"arch_list": ["sm_50", "sm_90"], "checks": [
            {"device": "cuda:0", "needs": "sm_120", "supported": False, "kind": "cuda"}]})),
    "wrong result": _verify(StageResult("kernels", OK, data={"results": [
        {"device": "cuda:0", "dtype": "float32", "status": "wrong", "rel_error": 0.5,
         "tolerance": 1e-3}]})),
    "companion": _verify(StageResult("companions", OK, data={"torchaudio": {
        "ok": False, "error": "undefined symbol: foo", "error_type": "OSError"}})),
}


@pytest.mark.parametrize("name", sorted(VERIFICATIONS))
def test_the_verification_classifier(name: str) -> None:
    problems = classify(VERIFICATIONS[name], {})
    assert problems, name  # each case is a failure the classifier must name
    _assert_catalogued(problems)
    for found in problems:  # every fix cures, or names the command that checks
        assert found.fix is not None, found.code
        assert found.fix.commands, (found.code, found.fix.text)


def test_expect_unmet_from_the_pipeline() -> None:
    facts = collect_facts(RecordedHost(MACHINES / "cpu-linux-laptop"), timeout=2.0)
    report = build_report("check", facts, None, expect="cuda")
    assert "expect-unmet" in [p.code for p in report.problems]
    _assert_catalogued(report.problems)


def test_only_the_catalogue_constructs_problems() -> None:
    makers = [
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "Problem"
    ]
    assert makers == ["catalogue.py"]
