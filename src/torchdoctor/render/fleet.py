"""`torchdoctor fleet`'s three outputs: terminal text, Markdown (for an issue or a runbook) and
the JSON document (schema: `fleet.schema.json`).

    torchdoctor 0.1.0 · fleet: 6 nodes from 6 documents · 3 groups

    [✗] gpu-04 (1 node) differs from the majority
          NVIDIA driver 550.120 (majority: 580.105.08)
          → Install the driver most nodes run (580.105.08) on gpu-04 and reboot; ...
              nvidia-smi --query-gpu=driver_version --format=csv,noheader
    [✓] gpu-00, gpu-01, gpu-02 (3 nodes): the majority
          NVIDIA driver 580.105.08 · torch 2.13.0 (CUDA 13.0) · 1 × NVIDIA H100 80GB HBM3
"""

from __future__ import annotations

import textwrap
from typing import Any

from torchdoctor import __version__
from torchdoctor.fleet.group import Fleet, Group
from torchdoctor.fleet.nodes import Node
from torchdoctor.render.markdown import cell, code_block
from torchdoctor.render.redact import sanitize
from torchdoctor.render.style import asciify, escape_controls

FLEET_SCHEMA_VERSION = 1
NONE = "–"


def _profile(node: Node) -> str:
    parts = []
    if node.driver:
        parts.append(f"NVIDIA driver {node.driver}")
    if node.rocm:
        parts.append(f"ROCm {node.rocm}")
    parts.append(f"torch {node.torch} ({node.torch_build})" if node.torch else "no torch")
    if node.gpu_model:
        parts.append(node.gpu_model)
    elif node.gpu_count == 0:
        parts.append("no GPU")
    return " · ".join(parts)


def _names(group: Group, limit: int = 6) -> str:
    names = [n.name for n in group.nodes]
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def headline(group: Group) -> str:
    """`gpu-04 (1 node) differs from the majority`, `gpu-00, … (5 nodes): the majority`."""
    count = f"{len(group.nodes)} node{'s' if len(group.nodes) != 1 else ''}"
    who = f"{_names(group)} ({count})"
    if group.majority:
        tail = ": the majority" + (", with failing checks" if group.failing else "")
        return who + tail
    if not group.differences:
        return f"{who}: no majority to compare with"
    return f"{who} differs from the majority"


def _difference_lines(group: Group) -> list[str]:
    lines = [f"{d.label} {d.value or 'unknown'} (majority: {d.majority or 'unknown'})"
             for d in group.differences]
    if group.failing:
        lines.append("failing checks: " + ", ".join(group.failing))
    if not lines:
        lines.append(_profile(group.first))
    return lines


def summary_line(fleet: Fleet, documents: int) -> str:
    nodes = len(fleet.nodes)
    odd = sum(len(g.nodes) for g in fleet.groups if g.odd)
    groups = len(fleet.groups)
    return (f"{nodes} node{'s' if nodes != 1 else ''} from {documents} document"
            f"{'s' if documents != 1 else ''} · {groups} group{'s' if groups != 1 else ''} · "
            f"{odd} node{'s' if odd != 1 else ''} to look at")


def render_fleet_text(fleet: Fleet, documents: int, *, width: int = 100, ascii: bool = False,
                      verbose: int = 0) -> str:
    """The terminal view, odd groups first; commands on their own lines, never wrapped."""
    out = [f"torchdoctor {__version__} · fleet: {summary_line(fleet, documents)}", ""]
    for group in fleet.groups:
        box = "[✗]" if group.odd else "[✓]"
        out += textwrap.wrap(f"{box} {headline(group)}", width, subsequent_indent="    ")
        details = _difference_lines(group) if group.odd else [_profile(group.first)]
        for line in details:
            out += textwrap.wrap(line, width, initial_indent="      ",
                                 subsequent_indent="        ")
        if group.odd and group.differences:
            out += textwrap.wrap("majority: " + _majority_profile(fleet), width,
                                 initial_indent="      ", subsequent_indent="        ")
        for fix in group.fixes if group.odd else ():
            out += textwrap.wrap(fix.text, width, initial_indent="      → ",
                                 subsequent_indent="        ", break_long_words=False,
                                 break_on_hyphens=False)
            out += [f"          {command}" for command in fix.commands]
        if verbose:
            out += [f"      • {n.name}: {n.source}" for n in group.nodes]
    verdict = "the nodes agree and no check fails." if not fleet.failed else (
        "nodes differ or fail checks (exit 1).")
    out += ["", f"Fleet: {verdict}  JSON: --json · Markdown: --markdown"]
    text = escape_controls("\n".join(out)) + "\n"
    return asciify(text) if ascii else text


def _majority_profile(fleet: Fleet) -> str:
    majority = next((g for g in fleet.groups if g.majority), None)
    return _profile(majority.first) if majority is not None else "none"


def render_fleet_markdown(fleet: Fleet, documents: int) -> str:
    """Markdown for an issue or a runbook: a table of groups, then each odd group's fix."""
    status = "❌ nodes differ or fail checks" if fleet.failed else "✅ the nodes agree"
    lines = [f"# torchdoctor fleet: {summary_line(fleet, documents)}", "",
             f"**Status:** {status} · torchdoctor {__version__}", "",
             "| group | nodes | NVIDIA driver | torch | GPUs | failing checks |",
             "| --- | --- | --- | --- | --- | --- |"]
    for i, group in enumerate(fleet.groups, 1):
        node = group.first
        changed = {d.field for d in group.differences}
        kind = "majority" if group.majority else "differs" if group.differences else "group"
        torch = f"{node.torch} ({node.torch_build})" if node.torch else NONE
        cells = [_mark(node.driver or NONE, {"driver"} & changed),
                 _mark(torch, {"torch", "torch_build"} & changed),
                 _mark(node.gpu_model or NONE, {"gpu_model", "gpu_count"} & changed)]
        failing = ", ".join(f"`{c}`" for c in group.failing) or NONE
        lines.append(f"| {i} ({kind}) | {cell(_names(group, 20))} | {' | '.join(cells)} "
                     f"| {failing} |")
    for i, group in enumerate(fleet.groups, 1):
        if not group.odd:
            continue
        lines += ["", f"## Group {i}: {headline(group)}", ""]
        lines += [f"- {line}" for line in _difference_lines(group)]
        for fix in group.fixes:
            lines += ["", f"**Fix:** {fix.text}"]
            if fix.commands:
                lines += ["", *code_block("\n".join(fix.commands))]
    return escape_controls("\n".join(lines)) + "\n"


def _mark(text: str, changed: set[str]) -> str:
    """A table cell, in bold where the group differs from the majority."""
    return f"**{cell(text)}**" if changed else cell(text)


def _node(node: Node) -> dict[str, Any]:
    return {"name": node.name, "source": node.source, "kind": node.kind, "driver": node.driver,
            "rocm": node.rocm, "torch": node.torch, "torch_build": node.torch_build,
            "gpu_count": node.gpu_count, "gpu_model": node.gpu_model,
            "failing": list(node.failing), "warnings": list(node.warnings)}


def fleet_document(fleet: Fleet, documents: int, skipped: list[tuple[str, str]],
                   exit_code: int) -> dict[str, Any]:
    """The `fleet --json` document, `schema_version` first."""
    document: dict[str, Any] = sanitize({
        "schema_version": FLEET_SCHEMA_VERSION,
        "tool": {"name": "torchdoctor", "version": __version__},
        "command": "fleet",
        "status": "fail" if fleet.failed else "ok",
        "exit_code": exit_code,
        "summary": {"documents": documents, "nodes": len(fleet.nodes),
                    "groups": len(fleet.groups), "majority": fleet.has_majority,
                    "odd_nodes": sum(len(g.nodes) for g in fleet.groups if g.odd)},
        "groups": [{"nodes": [n.name for n in g.nodes], "majority": g.majority, "odd": g.odd,
                    "profile": _node(g.first) | {"name": None, "source": None},
                    "differences": [{"field": d.field, "label": d.label, "value": d.value,
                                     "majority": d.majority} for d in g.differences],
                    "failing": list(g.failing),
                    "fixes": [{"text": f.text, "commands": list(f.commands)} for f in g.fixes]}
                   for g in fleet.groups],
        "nodes": [_node(n) for n in fleet.nodes],
        "skipped": [{"source": path, "reason": why} for path, why in skipped],
    })
    return document
