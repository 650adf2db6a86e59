"""Reading a captured document (`detect --json` or `check --json`) back, for `diagnose`/`report`."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

from torchdoctor.facts import Facts


class DocumentError(Exception):
    """The input cannot be used; the message is one line naming what is wrong."""


def read_document(source: str) -> tuple[Facts, Mapping[str, Any] | None]:
    """Facts (and the verification a check document carried) from a file path or `-` (stdin)."""
    from torchdoctor.facts import FactsError, facts_from_document

    name = "stdin" if source == "-" else source
    try:
        text = sys.stdin.read() if source == "-" else _read(source)
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
    verify = document.get("verify")
    return facts, verify if isinstance(verify, dict) else None


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()
