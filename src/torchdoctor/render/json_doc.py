"""The `--json` document of every report command, and the error document for failed runs.

The document is a stable contract (docs/json.md; schema: `torchdoctor/schemas/report.schema.json`).
`schema_version` comes first; keys are snake_case; adding a key keeps the version, renaming or
removing one bumps it. Whatever the run did, stdout carries exactly one such document.
"""

from __future__ import annotations

import json
from typing import Any

from torchdoctor import __version__
from torchdoctor.exitcodes import ExitCode
from torchdoctor.facts import SCHEMA_VERSION as FACTS_SCHEMA_VERSION
from torchdoctor.facts import to_dict
from torchdoctor.render.environment import target_facts
from torchdoctor.render.redact import RedactionContext, redact_data, sanitize
from torchdoctor.report import Check, InstallPlan, Problem, Report
from torchdoctor.verdict import Verdict, tally

# The same number as the facts document's: `diagnose` reads the `facts` member of a check document
# with the facts reader, which checks this version.
SCHEMA_VERSION = FACTS_SCHEMA_VERSION
TOOL = {"name": "torchdoctor", "version": __version__}


def problem_dict(problem: Problem) -> dict[str, Any]:
    """A problem in a document's flat `problems` list (spec §2)."""
    fix = None
    if problem.fix is not None:
        fix = {"text": problem.fix.text, "commands": list(problem.fix.commands),
               "edits": [{"path": e.path, "line": e.line, "old": list(e.old), "new": list(e.new)}
                         for e in problem.fix.edits]}
    return {
        "code": problem.code,
        "severity": problem.severity.value,
        "title": problem.title,
        "message": problem.message,
        "check": problem.check,
        "fix": fix,
    }


def _check(check: Check) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": check.id,
        "title": check.title,
        "status": check.status.value,
        "summary": check.summary,
        "details": list(check.details),
        "reason": check.reason,
        "problem_codes": [p.code for p in check.problems],
    }
    return doc


def _install(plan: InstallPlan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    return {
        "command": plan.command,
        "prerequisite": plan.prerequisite,
        "torch_version": plan.torch_version,
        "compute": plan.compute,
        "index_url": plan.index_url,
        "rationale": list(plan.rationale),
        "alternatives": [
            {
                "label": alt.label,
                "command": alt.command,
                "torch_version": alt.torch_version,
                "compute": alt.compute,
            }
            for alt in plan.alternatives
        ],
        "replaces_installed": plan.replaces_installed,
        "installed_already": plan.installed_already,
        "knowledge_date": plan.knowledge_date,
    }


def knowledge_stamp(report: Report) -> dict[str, Any] | None:
    """`{source, date, stable}` of the knowledge the report was judged with (null: none)."""
    if not report.knowledge_stable:
        return None
    return {"source": report.knowledge_source or "bundled", "date": report.knowledge_date,
            "stable": report.knowledge_stable}


def _target(report: Report) -> dict[str, Any]:
    version, implementation, env_kind = target_facts(report)
    return {
        "python": report.target_python,
        "version": version,
        "implementation": implementation,
        "env_kind": env_kind,
    }


def build_document(
    report: Report, verdict: Verdict, *, redaction: RedactionContext | None = None
) -> dict[str, Any]:
    """The report document of every report command, `schema_version` first.

    Environment maps are cut to the allow-list and URL credentials stripped in every case; with a
    `redaction` context, home directories, user and host names are redacted as well.
    """
    problems = [problem_dict(p) for p in report.problems]
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": dict(TOOL),
        "command": report.command,
        "status": verdict.status.value,
        "exit_code": int(verdict.exit_code),
        "target": _target(report),
        "knowledge_date": report.knowledge_date or None,
        "knowledge": knowledge_stamp(report),
        "expect": (
            None
            if report.expect is None
            else {"accelerator": report.expect, "met": report.expect_met}
        ),
        "strict": report.strict,
        "summary": tally(report).as_dict(),
        "checks": [_check(c) for c in report.checks],
        "problems": problems,
        "install": _install(report.install),
        "verify": report.verify.to_dict() if report.verify is not None else None,
        "facts": to_dict(report.facts) if report.facts is not None else None,
    }
    clean: dict[str, Any] = sanitize(doc)
    if redaction is not None:
        clean = redact_data(clean, redaction)
    return clean


def error_document(command: str, message: str, exit_code: int = ExitCode.USAGE) -> dict[str, Any]:
    """The one document printed when a run fails before a report exists (usage error, bad input)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": dict(TOOL),
        "command": command,
        "status": "error",
        "exit_code": int(exit_code),
        "error": {"message": sanitize(message)},
    }


def dumps(document: dict[str, Any], ascii_only: bool = False) -> str:
    """The text printed on stdout (no trailing newline): indented, UTF-8 kept readable unless the
    stream can only take ASCII."""
    return json.dumps(document, indent=2, ensure_ascii=ascii_only)
