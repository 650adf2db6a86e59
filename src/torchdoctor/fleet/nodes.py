"""The nodes a document describes: a `check`/`detect`/`diagnose` document is one node (named
after its file: `srun torchdoctor check --json > $(hostname).json`); a `dist` document is every
host its ranks ran on.

Pure: takes parsed JSON. A `detect` document carries no judgement, so it is diagnosed here as
`torchdoctor diagnose` would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from torchdoctor.report import Fix

NodeFix = tuple[str, Fix]  # (problem code, its fix)


class NotADocument(Exception):
    """The JSON is not a torchdoctor document fleet can use; one line."""


@dataclass(frozen=True)
class Node:
    """One machine, as its document tells it."""

    name: str
    source: str  # the file it came from
    kind: str  # check | detect | diagnose | dist | report | verify
    driver: str | None  # NVIDIA driver
    rocm: str | None
    torch: str | None  # "2.13.0+cu130"
    torch_build: str | None  # "CUDA 13.0", "ROCm 6.4", "XPU", "CPU"
    gpu_count: int | None
    gpu_model: str | None  # "8 × NVIDIA H100 80GB HBM3"
    failing: tuple[str, ...]  # error-severity problem codes, sorted
    warnings: tuple[str, ...]  # warning-severity problem codes, sorted
    executable: str | None  # the target interpreter (for a torch install command)
    fixes: tuple[NodeFix, ...] = ()


def gpu_model(names: Sequence[str]) -> str | None:
    """`8 × NVIDIA H100 80GB HBM3`; several models listed by name."""
    if not names:
        return None
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(f"{n} × {name}" for name, n in sorted(counts.items()))


def torch_build(cuda: object, hip: object, xpu: object = None) -> str:
    if hip:
        return f"ROCm {hip}"
    if cuda:
        return f"CUDA {cuda}"
    return "XPU" if xpu else "CPU"


def nodes_of(document: Any, source: str, name: str) -> list[Node]:
    """The node(s) of one parsed document; NotADocument when it is none fleet can read."""
    if not isinstance(document, dict) or "schema_version" not in document:
        raise NotADocument("not a torchdoctor document (no schema_version)")
    if document.get("status") == "error" and "error" in document:
        message = document["error"].get("message") if isinstance(document["error"], dict) else ""
        raise NotADocument(f"the document of a failed run ({message or 'no message'})")
    if document.get("command") == "dist" and isinstance(document.get("dist"), dict):
        return _dist_nodes(document, source)
    return [_facts_node(document, source, name)]


def _problems(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = document.get("problems")
    return [p for p in found if isinstance(p, dict)] if isinstance(found, list) else []


def _fixes(problems: Sequence[Mapping[str, Any]], codes: Sequence[str]) -> tuple[NodeFix, ...]:
    fixes: dict[str, Fix] = {}
    for p in problems:
        fix, code = p.get("fix"), str(p.get("code"))
        if code in codes and code not in fixes and isinstance(fix, dict) and fix.get("text"):
            commands = tuple(str(c) for c in fix.get("commands") or ())
            fixes[code] = Fix(str(fix["text"]), commands)
    return tuple(fixes.items())


def _facts_node(document: dict[str, Any], source: str, name: str) -> Node:
    from torchdoctor.facts import FactsError, facts_from_document

    try:
        facts = facts_from_document(document)
    except FactsError as exc:
        raise NotADocument(str(exc)) from None
    kind = str(document.get("command") or "detect")
    problems = _problems(document)
    if "problems" not in document:  # a detect document: judge it as `diagnose` would
        from torchdoctor.pipeline import build_report

        problems = [{"code": p.code, "severity": p.severity.value,
                     "fix": {"text": p.fix.text, "commands": list(p.fix.commands)}
                     if p.fix else None}
                    for p in build_report("diagnose", facts, None).problems]
    failing = sorted({str(p.get("code")) for p in problems if p.get("severity") == "error"})
    warnings = sorted({str(p.get("code")) for p in problems if p.get("severity") == "warning"})
    copy = facts.python.torch
    dist = facts.python.distribution("torch")
    version = (dist.version if dist else None) or (copy.version if copy else None)
    gpus = [g.name for g in facts.nvidia.gpus or ()]
    gpus += [g.name or g.gfx for g in facts.amd.gpus or ()]
    count: int | None = len(gpus)
    if facts.nvidia.status == "unknown" and not gpus:
        count = None
    return Node(
        name=name, source=source, kind=kind, driver=facts.nvidia.driver_version,
        rocm=facts.amd.rocm_version, torch=version,
        torch_build=torch_build(copy.cuda, copy.hip, copy.xpu) if copy else None,
        gpu_count=count, gpu_model=gpu_model(gpus), failing=tuple(failing),
        warnings=tuple(warnings), executable=facts.python.executable,
        fixes=_fixes(problems, failing + warnings))


def _dist_nodes(document: dict[str, Any], source: str) -> list[Node]:
    ranks = [r for r in document["dist"].get("ranks", []) if isinstance(r, dict)]
    by_node: dict[str, list[dict[str, Any]]] = {}
    for rank in ranks:
        if rank.get("node"):
            by_node.setdefault(str(rank["node"]), []).append(rank)
    problems = _problems(document)
    nodes = []
    for name, members in sorted(by_node.items()):
        present = [r for r in members if r.get("present")]
        first = present[0] if present else members[0]
        codes = sorted({str(c) for r in members for c in r.get("problem_codes") or ()})
        models = first.get("gpu_models")
        nodes.append(Node(
            name=name, source=source, kind="dist", driver=first.get("driver"),
            rocm=first.get("rocm"), torch=first.get("torch"),
            torch_build=torch_build(first.get("cuda"), first.get("hip")) if present else None,
            gpu_count=first.get("gpu_count"),
            gpu_model=gpu_model([str(m) for m in models]) if isinstance(models, list) else None,
            failing=tuple(codes), warnings=(), executable=first.get("executable"),
            fixes=_fixes(problems, codes)))
    if not nodes:
        raise NotADocument("a dist document without any rank's host")
    return nodes
