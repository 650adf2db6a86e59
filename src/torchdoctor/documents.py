"""Reading a captured document (`detect --json`, `check --json`) back into typed values, at the
edge: `diagnose` and `report --from` hand the pipeline the same `Facts` and `VerifyResult` that
`check` would have gathered, so a captured document gives the same report.

Every input is bounded: at most MAX_DOCUMENT_BYTES are read (a file that never ends, such as
/dev/zero, stops there), nesting deeper than MAX_DEPTH is refused before anything walks it, and
text saved by Windows tools (UTF-8 with a byte-order mark, UTF-16) is read like UTF-8.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from torchdoctor.facts import Facts

if TYPE_CHECKING:
    from torchdoctor.environment import Environment
    from torchdoctor.verify.result import VerifyResult


MAX_DOCUMENT_BYTES = 10_000_000  # a check document is some 100 KB
MAX_DEPTH = 64  # a facts document nests 6 levels deep
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


class DocumentError(Exception):
    """The input cannot be used; the message is one line naming what is wrong."""


def read_input(env: Environment, source: str, limit: int) -> bytes:
    """At most `limit` + 1 bytes of the file `source`, or of stdin for `-` (one more than the
    limit, so that the caller can tell a larger input). Raises OSError."""
    if source == "-":
        buffer = getattr(env.stdin, "buffer", None)
        if buffer is not None:
            data: bytes = buffer.read(limit + 1)
            return data
        return str(env.stdin.read(limit + 1)).encode("utf-8", "surrogateescape")
    with open(source, "rb") as handle:
        return handle.read(limit + 1)


def decode_text(raw: bytes, errors: str = "strict") -> str:
    """The text of `raw`: UTF-8, or what its byte-order mark says (Windows PowerShell saves
    UTF-16 with one, Notepad UTF-8 with one). Raises UnicodeDecodeError under "strict"."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return raw.decode(codec, errors=errors)
    return raw.decode("utf-8", errors=errors)


def parse_json(name: str, text: str) -> Any:
    """The JSON value of `text`; DocumentError when it is not JSON or nests too deeply."""
    too_deep = f"{name}: nested more than {MAX_DEPTH} levels deep, not a torchdoctor document"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise DocumentError(too_deep) from None
    if _deeper_than(value, MAX_DEPTH):
        raise DocumentError(too_deep)
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether `value` nests more than `limit` containers deep (iterative: no recursion)."""
    level: list[Any] = [value]
    for _ in range(limit):
        level = [child for item in level if isinstance(item, (dict, list))
                 for child in (item.values() if isinstance(item, dict) else item)]
        if not any(isinstance(item, (dict, list)) for item in level):
            return False
    return True


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
        raw = read_input(env, source, MAX_DOCUMENT_BYTES)
    except OSError as exc:
        raise DocumentError(f"{name}: cannot read it ({exc.strerror or exc})") from None
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"{name}: larger than {MAX_DOCUMENT_BYTES // 1_000_000} MB, the "
                            "most a facts or check document may be (is it the right file?)")
    try:
        text = decode_text(raw)
    except UnicodeDecodeError:
        raise DocumentError(f"{name}: not a text file") from None
    document = parse_json(name, text)
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
