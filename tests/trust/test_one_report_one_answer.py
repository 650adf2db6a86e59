"""A fix never sends the user elsewhere when the report has the answer: a verification problem
whose fix says "run torchdoctor install-command" carries the report's replacing command."""

from __future__ import annotations

from cli_support import MACHINES

from torchdoctor.pipeline import build_report
from torchdoctor.probes import collect_facts
from torchdoctor.recorded import RecordedHost
from torchdoctor.verify.classify import classify
from torchdoctor.verify.result import StageResult, StageStatus, VerifyResult

HELLO = {"python": "3.12.3", "platform": "linux", "implementation": "CPython"}


def test_a_verification_fix_carries_the_plan_command() -> None:
    facts = collect_facts(RecordedHost(MACHINES / "gtx1080-driver535"), timeout=2.0)
    stage = StageResult("import", StageStatus.FAILED, error="operator torchvision::nms does "
                        "not exist", error_type="RuntimeError", data={})
    result = VerifyResult(facts.python.executable or "python", "auto", (stage,), child=HELLO)
    result = VerifyResult(result.python, result.device, result.stages, child=HELLO,
                          problems=classify(result, {}))
    report = build_report("check", facts, result)
    assert report.install is not None
    verify_line = next(c for c in report.checks if c.id == "verify")
    [mismatch] = [p for p in verify_line.problems if p.code == "torchvision-torch-mismatch"]
    assert mismatch.fix is not None
    assert "torchdoctor install-command" not in mismatch.fix.commands
    assert "\n".join(mismatch.fix.commands) == report.install.command
