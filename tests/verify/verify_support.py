"""What `torchdoctor verify` makes of a result: its exit code and its JSON document, through the
same pipeline, verdict and renderer as the command."""

from __future__ import annotations

from typing import Any

from torchdoctor.exitcodes import ExitCode
from torchdoctor.verify.result import VerifyResult


def exit_code(result: VerifyResult) -> ExitCode:
    """The exit code `torchdoctor verify` gives this result (through the one verdict)."""
    from torchdoctor.pipeline import build_report
    from torchdoctor.verdict import decide

    return decide(build_report("verify", None, result)).exit_code


def document(result: VerifyResult) -> dict[str, Any]:
    """The `verify --json` document of this result."""
    from torchdoctor.pipeline import build_report
    from torchdoctor.render.json_doc import build_document
    from torchdoctor.verdict import decide

    report = build_report("verify", None, result)
    return build_document(report, decide(report))
