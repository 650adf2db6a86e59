"""Nodes grouped by what must agree across a cluster, the majority, and the per-group fix.

A group is the nodes with the same NVIDIA driver, ROCm, torch build, GPU count and model, and
failing checks. The largest group is the majority (none when two groups tie for largest); every
other group is listed first, with what differs from the majority and the fix: the majority's
torch installed, the driver aligned, the GPUs looked at, and the fixes the nodes' own documents
carry for their failing checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from torchdoctor.dist import fixes as dist_fixes
from torchdoctor.fleet.nodes import Node
from torchdoctor.report import Fix

FIELDS = (("driver", "NVIDIA driver"), ("rocm", "ROCm"), ("torch", "torch"),
          ("torch_build", "torch build"), ("gpu_count", "GPU count"), ("gpu_model", "GPUs"))


@dataclass(frozen=True)
class Difference:
    """One field where a group differs from the majority."""

    field: str
    label: str
    value: str | None
    majority: str | None


@dataclass(frozen=True)
class Group:
    """Nodes that agree on every field."""

    nodes: tuple[Node, ...]
    majority: bool
    differences: tuple[Difference, ...]
    fixes: tuple[Fix, ...]

    @property
    def first(self) -> Node:
        return self.nodes[0]

    @property
    def failing(self) -> tuple[str, ...]:
        return self.first.failing

    @property
    def odd(self) -> bool:
        """Differs from the majority, or fails checks of its own."""
        return not self.majority or bool(self.failing)


@dataclass(frozen=True)
class Fleet:
    """The groups, the odd ones first."""

    groups: tuple[Group, ...]

    @property
    def nodes(self) -> tuple[Node, ...]:
        return tuple(n for g in self.groups for n in g.nodes)

    @property
    def has_majority(self) -> bool:
        return any(g.majority for g in self.groups)

    @property
    def failed(self) -> bool:
        return len(self.groups) > 1 or any(g.failing for g in self.groups)


def _value(node: Node, field: str) -> str | None:
    value = getattr(node, field)
    return None if value is None else str(value)


def _key(node: Node) -> tuple[object, ...]:
    return (*(_value(node, f) for f, _ in FIELDS), node.failing)


def group_nodes(nodes: Sequence[Node]) -> Fleet:
    """The fleet view of `nodes`."""
    buckets: dict[tuple[object, ...], list[Node]] = {}
    for node in sorted(nodes, key=lambda n: n.name):
        buckets.setdefault(_key(node), []).append(node)
    ordered = sorted(buckets.values(), key=lambda members: (-len(members), members[0].name))
    tie = len(ordered) > 1 and len(ordered[0]) == len(ordered[1])
    majority = None if tie else ordered[0][0]
    groups = []
    for members in ordered:
        is_majority = majority is not None and members[0] is majority
        differences = () if is_majority or majority is None else _differences(members[0],
                                                                             majority)
        groups.append(Group(tuple(members), is_majority, differences,
                            _fixes(members, differences, majority)))
    # The odd ones first, the largest of them first; the healthy majority last.
    groups.sort(key=lambda g: (not g.odd, g.majority, -len(g.nodes), g.first.name))
    return Fleet(tuple(groups))


def _differences(node: Node, majority: Node) -> tuple[Difference, ...]:
    found = []
    for field, label in FIELDS:
        mine, theirs = _value(node, field), _value(majority, field)
        if mine != theirs:  # one side unknown is said too, but never gets a fix
            found.append(Difference(field, label, mine, theirs))
    return tuple(found)


def _fixes(members: Sequence[Node], differences: Sequence[Difference],
           majority: Node | None) -> tuple[Fix, ...]:
    names = ", ".join(n.name for n in members)
    found: list[Fix] = []
    fields = {d.field: d for d in differences}
    if majority is not None and ("torch" in fields or "torch_build" in fields) and majority.torch:
        executable = members[0].executable or "python"
        version = majority.torch
        tag = _tag(majority)
        if tag and "+" not in version:
            version = f"{version}+{tag}"
        found.append(Fix(f"Install the majority's torch ({majority.torch}, "
                         f"{majority.torch_build}) on {names}:",
                         (dist_fixes.torch_install(executable, version),)))
    nvidia = any(n.driver for n in (*members, *([majority] if majority else [])))
    for field in ("driver", "rocm", "gpu_count", "gpu_model"):
        difference = fields.get(field)
        if difference is None or difference.value is None or difference.majority is None:
            continue
        if field == "gpu_model" and "gpu_count" in fields:
            continue  # one look at the GPUs covers both
        found.append(dist_fixes.hardware_fix(field, difference.majority, names, nvidia))
    carried = {code: fix for node in members for code, fix in node.fixes}
    found += [Fix(f"Its own check ({code}): {carried[code].text}", carried[code].commands)
              for code in members[0].failing if code in carried]
    return tuple(dict.fromkeys(found))


def _tag(node: Node) -> str | None:
    """The wheel index tag of a build without a local tag (PyPI's default CUDA build)."""
    build = node.torch_build or ""
    if build.startswith("CUDA "):
        return "cu" + build[5:].replace(".", "")
    return None
