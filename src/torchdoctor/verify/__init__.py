"""Verification in the target interpreter: import torch, inspect the build and the devices,
check the build's kernel targets against them, run a matmul on each device against a float64
reference, and time CPU against accelerator. See docs/verify.md.

The package follows the one path of the rest of torchdoctor:
- `runner`: the edge. Runs the child (`torchdoctor/_child/verify_torch.py`) through the Host and
  turns whatever happened into a `VerifyResult` (`result`), never raising;
- `result`: the typed values, and `from_dict` to read a captured `verify` member back;
- `classify` (with `errors`, `fixes`): pure rules from a result to catalogued problems;
- `outcome` (with `describe`): what a result means for the report: its check lines and the
  `--expect` answer.
"""

from __future__ import annotations

from torchdoctor.verify.classify import classify
from torchdoctor.verify.outcome import expect_shortfall, stage_checks, to_check
from torchdoctor.verify.result import STAGES, Interruption, StageResult, StageStatus, VerifyResult
from torchdoctor.verify.runner import build_result, default_stage_timeout, run_verify

__all__ = [
    "STAGES",
    "Interruption",
    "StageResult",
    "StageStatus",
    "VerifyResult",
    "build_result",
    "classify",
    "default_stage_timeout",
    "expect_shortfall",
    "run_verify",
    "stage_checks",
    "to_check",
]
