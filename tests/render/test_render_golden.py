"""Golden files of the fixture reports: the exact terminal text, JSON and Markdown.

Regenerate after an intended change with `TORCHDOCTOR_UPDATE_GOLDEN=1 pytest tests/render` (exactly
`1`), and
review the diff like code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from golden_support import compare

from torchdoctor.render.json_doc import build_document, dumps
from torchdoctor.render.markdown import render_markdown
from torchdoctor.render.redact import RedactionContext
from torchdoctor.render.terminal import render_terminal
from torchdoctor.report import Report
from torchdoctor.verdict import decide

GOLDEN = Path(__file__).parent / "golden"
NAMES = ("healthy_cpu", "gpu_cpu_build", "timed_out", "warning_only")
# A fixed context, so the golden Markdown does not depend on who runs the tests.
CONTEXT = RedactionContext(homes=("/home/tester",), users=("tester",), hosts=("testhost",))


def outputs(report: Report) -> dict[str, str]:
    verdict = decide(report)
    return {
        "txt": render_terminal(report, width=100),
        "ascii.txt": render_terminal(report, width=100, ascii=True, verbose=1),
        "json": dumps(build_document(report, verdict)) + "\n",
        "md": render_markdown(report, context=CONTEXT),
    }


@pytest.mark.parametrize("name", NAMES)
def test_golden(all_reports: dict[str, Report], name: str) -> None:
    for suffix, text in outputs(all_reports[name]).items():
        compare(GOLDEN / f"{name}.{suffix}", text)
