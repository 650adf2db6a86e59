"""Errors are evidence, the verification's own included: what `import torch` raised during
`check` goes through the same error-text rules as `explain`, so a generic "import torch failed"
comes with its cause and fix."""

from __future__ import annotations

import dataclasses

from cli_support import MACHINES

from torchdoctor.pipeline import build_report
from torchdoctor.probes import collect_facts
from torchdoctor.recorded import RecordedHost
from torchdoctor.verify.classify import classify
from torchdoctor.verify.result import StageResult, StageStatus, VerifyResult


def _failed_import(error: str, error_type: str = "ImportError") -> VerifyResult:
    stage = StageResult("import", StageStatus.FAILED, error=error, error_type=error_type,
                        data={"found": True})
    result = VerifyResult(python="/home/ada/ml/.venv/bin/python", device="auto", stages=(stage,))
    return dataclasses.replace(result, problems=classify(result, {}))


def _lines(error: str) -> dict[str, list[str]]:
    facts = collect_facts(RecordedHost(MACHINES / "rtx4090-driver550"), timeout=2.0)
    report = build_report("check", facts, _failed_import(error))
    return {c.title: [p.code for p in c.problems] for c in report.checks}


def test_a_known_import_error_gets_its_cause() -> None:
    lines = _lines("/home/ada/ml/.venv/lib/python3.12/site-packages/torch/lib/libtorch_cuda.so: "
                   "undefined symbol: ncclCommRegister")
    assert lines["Why import torch failed"] == ["nccl-version-mismatch"]


def test_an_unknown_import_error_adds_no_line() -> None:
    lines = _lines("something nobody has seen before")
    assert "Why import torch failed" not in lines
    assert "PyTorch works" in lines
