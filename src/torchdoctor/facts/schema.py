"""The JSON Schema of the `detect --json` document, derived from the facts model.

The committed copy lives in `torchdoctor/schemas/facts.schema.json`; a test checks it equals
`build_schema()`. Regenerate it with `python -m torchdoctor.facts.schema > .../facts.schema.json`.
"""

from __future__ import annotations

import json
from typing import Any


def build_schema() -> dict[str, Any]:
    """Draft 2020-12 schema: schema_version, tool {name, version}, facts."""
    from torchdoctor.facts import SCHEMA_VERSION
    from torchdoctor.facts.codec import schema_for
    from torchdoctor.facts.model import Facts

    defs: dict[str, Any] = {}
    facts_ref = schema_for(Facts, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "torchdoctor facts document",
        "description": "What `torchdoctor detect --json` prints; see docs/facts.md.",
        "type": "object",
        "required": ["schema_version", "tool", "facts"],
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "tool": {
                "type": "object",
                "required": ["name", "version"],
                "properties": {"name": {"const": "torchdoctor"}, "version": {"type": "string"}},
            },
            "facts": facts_ref,
        },
        "$defs": dict(sorted(defs.items())),
    }


def load_schema() -> dict[str, Any]:
    """The schema shipped in the package."""
    from importlib.resources import files

    text = files("torchdoctor").joinpath("schemas/facts.schema.json").read_text(encoding="utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


if __name__ == "__main__":
    print(json.dumps(build_schema(), indent=2))
