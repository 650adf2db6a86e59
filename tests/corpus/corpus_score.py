"""How torchdoctor does on one corpus case: the codes it finds and the commands it gives.

Two sources, as a user would meet them:
- the facts: `build_report("diagnose", facts, None)`, the report `torchdoctor diagnose` prints for
  a facts document of what the reporter showed (its problems, their fixes, the install plan);
- the error text: the verification's text classifier. Every text goes through
  `match_import_error` (and `match_companion_error` when it names torchvision or torchaudio);
  a text raised by `import torch` or `import torchvision` (`error_stage` "import" or
  "companions") is also classified as the verification would see it, which adds the fix.

A case is FOUND when any of its expected codes comes out of either source. Its COMMAND is right
when `expected_command` is part of a fix command or of the install plan's command.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from corpus_facts import facts_for, torch_release

from torchdoctor.pipeline import build_report
from torchdoctor.report import Problem
from torchdoctor.verify.classify import classify
from torchdoctor.verify.errors import match_companion_error, match_import_error
from torchdoctor.verify.result import StageResult, StageStatus, VerifyResult

Case = Mapping[str, Any]
# Codes that say "something failed" without naming why: never a finding on their own.
UNSPECIFIC = frozenset({"torch-import-failed", "companion-import-failed"})
_ERROR_TYPE = re.compile(r"\b([A-Z]\w*(?:Error|Exception))\b")


@dataclass(frozen=True)
class Outcome:
    """What torchdoctor made of one case."""

    case_id: str
    problem_class: str
    found: bool
    command_right: bool | None  # None: the case names no expected command
    facts_codes: tuple[str, ...]
    text_codes: tuple[str, ...]
    commands: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.found and self.command_right is not False


def evaluate(case: Case) -> Outcome:
    """Diagnose the case's facts, classify its error text, and compare with what is expected."""
    facts = facts_for(case)
    text = str(case.get("error_text") or "")
    # The text the user saw goes in as `explain` / `check --error` take it.
    report = build_report("explain", facts, None, error_text=text if text.strip() else None)
    problems = list(report.problems)
    facts_codes = tuple(dict.fromkeys(p.code for p in problems))
    text_problems = _text_problems(case, facts.env.variables, facts.os.system)
    text_codes = tuple(dict.fromkeys(
        [*_text_codes(case, facts.env.variables), *(p.code for p in text_problems)]))
    commands = [c for p in (*problems, *text_problems) if p.fix for c in p.fix.commands]
    if report.install is not None:
        commands.append(report.install.command)
    expected = set(case["expected_codes"])
    wanted = case.get("expected_command")
    return Outcome(
        case_id=str(case["id"]),
        problem_class=str(case["class"]),
        found=bool(expected & (set(facts_codes) | set(text_codes))),
        command_right=None if not wanted else any(wanted in c for c in commands),
        facts_codes=facts_codes,
        text_codes=tuple(c for c in text_codes if c not in UNSPECIFIC),
        commands=tuple(dict.fromkeys(commands)),
    )


def _text_codes(case: Case, env: Mapping[str, str]) -> list[str]:
    text = str(case.get("error_text") or "")
    if not text.strip():
        return []
    codes = [match_import_error(text, _error_type(text), env).code]
    if re.search(r"torchvision|torchaudio", text, re.IGNORECASE):
        codes.append(match_companion_error(text))
    return [c for c in codes if c]


def _text_problems(case: Case, env: Mapping[str, str], system: str | None) -> tuple[Problem, ...]:
    """The problems the verification's classifier gives when `import torch` (or a companion's
    import) fails with the case's text."""
    text = str(case.get("error_text") or "")
    stage = case.get("error_stage")
    if not text.strip() or stage not in ("import", "companions"):
        return ()
    error_type = _error_type(text)
    version = torch_release(case)
    stages: tuple[StageResult, ...]
    if stage == "import":
        stages = (StageResult("import", StageStatus.FAILED, error=text, error_type=error_type),)
    else:
        stages = (
            StageResult("import", StageStatus.OK, data={"found": True, "version": version}),
            StageResult("companions", StageStatus.FAILED, data={
                "torchvision": {"ok": False, "error": text, "error_type": error_type}}),
        )
    result = VerifyResult(python="python", device="auto", stages=stages,
                          child={"platform": "win32" if system == "windows" else system})
    return classify(result, env)


def _error_type(text: str) -> str | None:
    """The exception class the text names ("OSError"), if it names one."""
    match = _ERROR_TYPE.search(text)
    return match.group(1) if match else None
