"""Verification in the target interpreter: import torch, inspect the build and the devices,
check the build's kernel targets against them, run a matmul on each device against a float64
reference, and time CPU against accelerator. The stages run in a child process
(`torchdoctor/_child/verify_torch.py`); see docs/verify.md.

Public API:
    run_verify(host, python, device="auto", bench=True, timeout=120.0) -> VerifyResult
    to_check(result) -> model.Check             the report's "PyTorch works" line
    result.to_dict()                            the JSON `verify` member
    accelerator_passed(result, expect) -> bool  `--expect cpu|cuda|rocm|mps|xpu|gpu`
    expect_shortfall(result, expect) -> str | None   why `--expect` is not met
"""

from __future__ import annotations

from torchdoctor.verify.classify import classify
from torchdoctor.verify.result import (
    STAGES,
    Interruption,
    StageResult,
    StageStatus,
    VerifyResult,
)
from torchdoctor.verify.runner import build_result, default_stage_timeout, run_verify
from torchdoctor.verify.summary import (
    EXPECT_KINDS,
    accelerator_passed,
    describe_stage,
    expect_shortfall,
    to_check,
)

__all__ = [
    "EXPECT_KINDS",
    "STAGES",
    "Interruption",
    "StageResult",
    "StageStatus",
    "VerifyResult",
    "accelerator_passed",
    "build_result",
    "classify",
    "default_stage_timeout",
    "describe_stage",
    "expect_shortfall",
    "run_verify",
    "to_check",
]
