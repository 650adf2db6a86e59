"""The facts document (product spec §3): the model, its JSON form, and its schema.

`detect --json` writes a document `{"schema_version", "tool", "facts"}`; `diagnose` reads one back
with `facts_from_document`. Field-by-field documentation: docs/facts.md.
"""

from __future__ import annotations

from typing import Any

from torchdoctor.facts.codec import FactsError, from_dict, to_dict
from torchdoctor.facts.model import (
    SECTION_NAMES,
    AmdFacts,
    AmdGpu,
    AppleFacts,
    CondaFacts,
    CondaPackage,
    CpuFacts,
    DiskSpace,
    Distribution,
    EnvFacts,
    Facts,
    IntelFacts,
    IntelGpu,
    LibraryCopy,
    LoaderFacts,
    NvidiaFacts,
    NvidiaGpu,
    OsFacts,
    PciFacts,
    PciGpu,
    ProbeRecord,
    ProjectEntry,
    ProjectFacts,
    ProjectFile,
    PythonFacts,
    ResourceFacts,
    SharedLibrary,
    Status,
    TorchCopy,
    TorchState,
)

# Bumped when a field changes meaning or disappears; new fields keep the version (readers ignore
# keys they do not know).
SCHEMA_VERSION = 1

__all__ = [
    "SCHEMA_VERSION",
    "SECTION_NAMES",
    "AmdFacts",
    "AmdGpu",
    "AppleFacts",
    "CondaFacts",
    "CondaPackage",
    "CpuFacts",
    "DiskSpace",
    "Distribution",
    "EnvFacts",
    "Facts",
    "FactsError",
    "IntelFacts",
    "IntelGpu",
    "LibraryCopy",
    "LoaderFacts",
    "NvidiaFacts",
    "NvidiaGpu",
    "OsFacts",
    "PciFacts",
    "PciGpu",
    "ProbeRecord",
    "ProjectEntry",
    "ProjectFacts",
    "ProjectFile",
    "PythonFacts",
    "ResourceFacts",
    "SharedLibrary",
    "Status",
    "TorchCopy",
    "TorchState",
    "facts_document",
    "facts_from_document",
    "from_dict",
    "to_dict",
]


def facts_document(facts: Facts) -> dict[str, Any]:
    """The `detect --json` document, `schema_version` first."""
    from torchdoctor import __version__

    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "torchdoctor", "version": __version__},
        "facts": to_dict(facts),
    }


def facts_from_document(document: Any) -> Facts:
    """Facts from a `detect --json` or `check --json` document; FactsError names what is wrong."""
    if not isinstance(document, dict):
        raise FactsError("not a facts document: expected a JSON object at the top level")
    version = document.get("schema_version")
    if version is None:
        raise FactsError("not a facts document: schema_version is missing")
    if version != SCHEMA_VERSION:
        raise FactsError(
            f"schema_version {version!r} is not supported (this torchdoctor reads {SCHEMA_VERSION})"
        )
    if "facts" not in document:
        raise FactsError("not a facts document: facts is missing")
    return from_dict(Facts, document["facts"], "facts")
