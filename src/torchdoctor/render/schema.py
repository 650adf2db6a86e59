"""The JSON Schemas shipped in the package (`torchdoctor/schemas/*.json`, package data).

`load_schema("report")` returns the schema of the check/diagnose/dist document; `"facts"`,
`"verify"` and `"fleet"` name the other documents' schemas. The folder has no
`__init__.py`: it is data, found through the `torchdoctor` package with importlib.resources.
"""

from __future__ import annotations

import functools
import json
from typing import Any

SCHEMA_NAMES = ("report", "facts", "verify", "update", "fleet")


@functools.cache
def _text(name: str) -> str:
    from importlib.resources import files

    resource = files("torchdoctor").joinpath(f"schemas/{name}.schema.json")
    return resource.read_text(encoding="utf-8")


def load_schema(name: str) -> dict[str, Any]:
    """The schema called `name` (a fresh copy; the caller may change it)."""
    if name not in SCHEMA_NAMES:
        raise ValueError(f"unknown schema {name!r}; known: {', '.join(SCHEMA_NAMES)}")
    schema: dict[str, Any] = json.loads(_text(name))
    return schema
