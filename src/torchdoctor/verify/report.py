"""The names the report pipeline (`torchdoctor.checkup`) imports: the check line and `--expect`.

Thin aliases of `torchdoctor.verify.summary`, kept stable for the pipeline.
"""

from __future__ import annotations

from torchdoctor.verify.summary import accelerator_passed, expect_shortfall, to_check

verify_check = to_check

__all__ = ["accelerator_passed", "expect_shortfall", "verify_check"]
