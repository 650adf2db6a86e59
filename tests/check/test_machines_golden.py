"""Golden reports: every recorded machine through detection, diagnosis and recommendation.

For each machine the terminal text (width 100, no colour), the JSON document and the Markdown
report are compared with the committed files in tests/golden/machines/. After an intended change,
regenerate them with `TORCHDOCTOR_UPDATE_GOLDEN=1 pytest tests/check` (exactly `1`) and review
the diff.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
from cli_support import MACHINES, REPO, invoke_environment
from golden_support import compare

from torchdoctor.facts import Facts
from torchdoctor.pipeline import build_report
from torchdoctor.probes import collect_facts
from torchdoctor.recorded import RecordedHost
from torchdoctor.render.json_doc import build_document, dumps
from torchdoctor.render.markdown import render_markdown
from torchdoctor.render.redact import RedactionContext
from torchdoctor.render.schema import load_schema
from torchdoctor.render.terminal import render_terminal
from torchdoctor.verdict import decide

GOLDEN = REPO / "tests" / "golden" / "machines"
MACHINE_NAMES = sorted(p.name for p in MACHINES.iterdir() if (p / "machine.json").exists())
# Redaction as it would be on the machine that recorded it: its user and host names.
CONTEXT = RedactionContext(homes=("/home/ada",), users=("ada",), hosts=("lab-07",))


def recorded_facts(name: str) -> Facts:
    """Facts of a recorded machine, with probe durations zeroed so the output is stable."""
    facts = collect_facts(RecordedHost(MACHINES / name), timeout=2.0)
    probes = tuple(dataclasses.replace(p, duration_s=0.0) for p in facts.probes)
    return dataclasses.replace(facts, probes=probes)


@pytest.mark.parametrize("name", MACHINE_NAMES)
def test_machine_reports_match_golden(name: str) -> None:
    report = build_report("check", recorded_facts(name), None)
    verdict = decide(report)
    document = build_document(report, verdict)
    jsonschema.validate(document, load_schema("report"))
    compare(GOLDEN / f"{name}.json", dumps(document) + "\n")
    compare(GOLDEN / f"{name}.txt", render_terminal(report, width=100, color=False))
    compare(GOLDEN / f"{name}.md", render_markdown(report, redact=True, context=CONTEXT))


@pytest.mark.parametrize("name", MACHINE_NAMES)
def test_report_never_names_the_recording_user_or_host(name: str) -> None:
    markdown = (GOLDEN / f"{name}.md").read_text(encoding="utf-8")
    assert "/home/ada" not in markdown
    assert "lab-07" not in markdown


@pytest.mark.parametrize("name", MACHINE_NAMES)
def test_diagnose_of_the_captured_document_equals_check(name: str, tmp_path: Path) -> None:
    """`detect --json` on a machine, then `diagnose` elsewhere, gives the check's report."""
    from torchdoctor.documents import read_document
    from torchdoctor.facts import facts_document

    facts = recorded_facts(name)
    direct = build_report("check", facts, None)
    captured = json.loads(json.dumps(facts_document(facts)))
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(captured), encoding="utf-8")
    again = read_document(invoke_environment(), str(path))
    replayed = build_report("check", again.facts, again.verify)
    assert replayed.checks == direct.checks
    assert replayed.install == direct.install
