"""Every fix cures, or says the command that checks: each problem code, on the machine built for
it, carries at least one command. Only the codes documented with "*No command:*" and a reason in
docs/problems.md may carry none."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from diag_facts import make_facts, problems, run
from test_rules import CASES, Case

from torchdoctor.knowledge import load

DOCS = Path(__file__).resolve().parents[2] / "docs" / "problems.md"


def _without_command() -> set[str]:
    text = DOCS.read_text(encoding="utf-8")
    sections = re.split(r"^### `", text, flags=re.MULTILINE)[1:]
    return {s.split("`", 1)[0] for s in sections if "*No command:*" in s}


@pytest.mark.parametrize("case", CASES, ids=[c.code for c in CASES])
def test_the_fix_has_a_command(case: Case) -> None:
    found = [p for p in problems(run(make_facts(**case.facts), load(), case.plan))
             if p.code == case.code]
    assert found, case.code
    if case.code in _without_command():
        return
    for item in found:
        assert item.fix is not None, item.code
        assert item.fix.commands, (item.code, item.fix.text)


def test_a_code_without_command_says_why() -> None:
    for code in _without_command():
        section = DOCS.read_text(encoding="utf-8").split(f"### `{code}`", 1)[1].split("### ", 1)[0]
        reason = section.split("*No command:*", 1)[1].strip()
        assert len(reason) > 40, code
