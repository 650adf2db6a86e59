"""Reading a captured document (`detect --json`, `check --json`) back into typed values, at the
edge: `diagnose` and `report --from` hand the pipeline the same `Facts` and `VerifyResult` that
`check` would have gathered, so a captured document gives the same report."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from torchdoctor.facts import Facts

if TYPE_CHECKING:
    from torchdoctor.environment import Environment
    from torchdoctor.verify.result import VerifyResult


class DocumentError(Exception):
    """The input cannot be used; the message is one line naming what is wrong."""


@dataclass(frozen=True)
class Captured:
    """What a captured document holds."""

    facts: Facts
    verify: VerifyResult | None  # a check document's verification, classified again


def read_document(env: Environment, source: str) -> Captured:
    """The facts (and the verification a check document carried) from a file path or `-`."""
    from torchdoctor.facts import FactsError, facts_from_document

    name = "stdin" if source == "-" else source
    try:
        text = env.stdin.read() if source == "-" else _read(source)
    except OSError as exc:
        raise DocumentError(f"{name}: cannot read it ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise DocumentError(f"{name}: not a text file") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    try:
        facts = facts_from_document(document)
    except FactsError as exc:
        raise DocumentError(f"{name}: {exc}") from None
    carried = document.get("verify")
    return Captured(facts, _verification(carried, facts) if isinstance(carried, dict) else None)


def _verification(data: dict[str, object], facts: Facts) -> VerifyResult:
    from torchdoctor.verify.classify import classify
    from torchdoctor.verify.result import from_dict

    result = from_dict(data)
    # The rules see the captured machine's variables (LD_LIBRARY_PATH and friends), not ours.
    return replace(result, problems=classify(result, facts.env.variables))


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()
