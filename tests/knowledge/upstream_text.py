"""Plain readers of pytorch.org's own files in tests/data/pytorch-org (see SOURCES.md there).

These readers are the tests' second opinion: they are written from the upstream file formats
alone and share no code with scripts/build_knowledge.py or scripts/knowledge_tables.py, so a
mistake in the build script cannot hide itself by being repeated here. Only json and re are used.

Vocabulary follows torchdoctor's axes: OS `linux` | `macos` | `windows`, compute `cpu` | `cuXYZ`
| `rocmX.Y[.Z]` | `xpu`, package `pip` | `conda` | `libtorch`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "pytorch-org"
PREVIOUS_VERSIONS = DATA / "previous-versions.md"
PUBLISHED_VERSIONS = DATA / "published_versions.json"
QUICK_START_MODULE = DATA / "quick-start-module.js"
ADDITIONAL_PLATFORMS = DATA / "additional-platforms.platforms-only.json"
RELEASES = DATA / "releases.json"

OSES = ("linux", "macos", "windows")

# ---------------------------------------------------------------------------------------------
# Previous PyTorch Versions page (markdown)
# ---------------------------------------------------------------------------------------------

_VERSION_HEADING = re.compile(r"^###\s+v(\d+\.\d+\.\d+)\b.*$")
_PACKAGE_HEADING = re.compile(r"^#{4,6}\s*(Conda|Wheel)\s*$")
_OS_HEADING = re.compile(r"^#{4,6}\s*(OSX|macOS|Linux and Windows|Linux|Windows)\s*$")
_OTHER_HEADING = re.compile(r"^#{1,3}\s")  # a new section ends the current version
_FENCE = re.compile(r"^```")
# A comment line that names a build ("# CUDA 12.1", "# ROCM 6.2 (Linux only)", "# CPU only",
# "# conda"); any other comment line inside a block is a note about the command below it.
_LABEL = re.compile(r"^#\s*(CUDA|ROCm|CPU|conda)(?![a-z]).*$", re.IGNORECASE)
_CUDA_LABEL = re.compile(r"^#\s*CUDA\s+(\d+)\.(\d+)(?:\s+\((Linux|Windows)\))?\s*$")
_ROCM_LABEL = re.compile(r"^#\s*ROCm\s*(\d+(?:\.\d+)+)(?:\s+\(Linux only\))?\s*$", re.IGNORECASE)
_CPU_LABEL = re.compile(r"^#\s*CPU only\s*$", re.IGNORECASE)
_CONDA_LABEL = re.compile(r"^#\s*conda\s*$")


@dataclass(frozen=True)
class PageEntry:
    """One command of the Previous PyTorch Versions page: what a labelled part of a code block
    says to run, and for which release, OS, build and package."""

    torch: str  # "2.5.1"
    os_group: str  # the sub-heading: "OSX" or "Linux and Windows"
    label: str  # the comment naming the build ("# CUDA 12.1"), "" when the block has none
    compute: str | None  # cpu | cuXYZ | rocmX.Y[.Z]; None when the label names no single build
    oses: tuple[str, ...]  # OSes the entry applies to ("(Linux only)" narrows the group)
    package: str  # pip | conda
    lines: tuple[str, ...]  # the lines to run, exactly as the page prints them
    notes: tuple[str, ...]  # comment lines under the label ("# NOTE: …")

    @property
    def text(self) -> str:
        """The page's command text: its lines, one per line, notes left out."""
        return "\n".join(self.lines)


def compute_of_label(label: str, os_group: str) -> tuple[str | None, tuple[str, ...]]:
    """The compute axis and the OSes a block label stands for.

    `# CUDA 10.0` -> cu100, `# CUDA 9.2` -> cu92, `# ROCM 5.4.2 (Linux only)` -> rocm5.4.2 on
    Linux, `# CPU only` -> cpu, an unlabelled or `# conda` block under OSX -> cpu (the macOS build
    has no accelerator). `# ROCM5.x` names no single build: None.
    """
    group = ("macos",) if os_group in ("OSX", "macOS") else (
        ("linux",) if os_group == "Linux" else
        ("windows",) if os_group == "Windows" else ("linux", "windows"))
    if label == "" or _CONDA_LABEL.match(label):
        return ("cpu" if group == ("macos",) else None), group
    if _CPU_LABEL.match(label):
        return "cpu", group
    cuda = _CUDA_LABEL.match(label)
    if cuda:
        only = cuda.group(3)
        oses = (only.lower(),) if only else group
        return f"cu{cuda.group(1)}{cuda.group(2)}", tuple(o for o in oses if o in group)
    rocm = _ROCM_LABEL.match(label)
    if rocm:
        return f"rocm{rocm.group(1)}", tuple(o for o in group if o == "linux")
    return None, group


@dataclass
class _Block:
    label: str
    notes: list[str]
    lines: list[str]


def _block_entries(torch: str, os_group: str, package: str, body: list[str]) -> list[PageEntry]:
    """Split one fenced code block into its labelled commands."""
    blocks: list[_Block] = []
    for raw in body:
        line = raw.rstrip()
        if not line.strip():
            continue
        if _LABEL.match(line):
            blocks.append(_Block(line, [], []))
            continue
        if not blocks:  # an unlabelled block (the OSX wheel block) is a single entry
            blocks.append(_Block("", [], []))
        if line.startswith("#"):
            blocks[-1].notes.append(line)
        else:
            blocks[-1].lines.append(line)
    out = []
    for block in blocks:
        if not block.lines:
            continue
        compute, oses = compute_of_label(block.label, os_group)
        out.append(PageEntry(torch, os_group, block.label, compute, oses, package,
                             tuple(block.lines), tuple(block.notes)))
    return out


def parse_previous_versions(text: str) -> list[PageEntry]:
    """Every pip and conda command of the ">= 1.0.0" part of the page, in page order.

    The page is a list of `### vX.Y.Z` sections; each has `#### Conda` and `#### Wheel` parts
    (heading depth varies between four and five `#`), each with `OSX` and `Linux and Windows`
    sub-headings over a fenced code block. Text outside the code blocks ("macOS is currently not
    supported for LTS.") holds no command and is skipped.
    """
    entries: list[PageEntry] = []
    torch: str | None = None
    package: str | None = None
    os_group: str | None = None
    body: list[str] | None = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if body is not None:
            if _FENCE.match(line):
                if torch and package and os_group:
                    entries.extend(_block_entries(torch, os_group, package, body))
                body = None
            else:
                body.append(line)
            continue
        if _FENCE.match(line):
            body = []
            continue
        version = _VERSION_HEADING.match(line)
        if version:
            torch, package, os_group = version.group(1), None, None
            continue
        kind = _PACKAGE_HEADING.match(line)
        if kind:
            package, os_group = {"Conda": "conda", "Wheel": "pip"}[kind.group(1)], None
            continue
        where = _OS_HEADING.match(line)
        if where:
            os_group = where.group(1)
            continue
        if _OTHER_HEADING.match(line):
            torch, package, os_group = None, None, None
    return [e for e in entries if _version_key(e.torch) >= (1, 0, 0)]


def previous_versions_entries() -> list[PageEntry]:
    """The parsed Previous PyTorch Versions page from the test data."""
    return parse_previous_versions(PREVIOUS_VERSIONS.read_text(encoding="utf-8"))


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


# ---------------------------------------------------------------------------------------------
# Start Locally selector: published_versions.json and quick-start-module.js
# ---------------------------------------------------------------------------------------------

SLOTS = ("accnone", "cuda.x", "cuda.y", "cuda.z", "rocm5.x")  # the selector's compute buttons


@dataclass(frozen=True)
class SelectorEntry:
    """One cell of the selector: build × OS × package × compute slot."""

    build: str  # "stable" or "nightly"
    torch_version: str  # "2.13.0" or "nightly"
    os: str
    package: str  # pip | conda | libtorch
    slot: str  # accnone | cuda.x | … | rocm5.x
    compute: str  # the slot's variant for this build: cpu | cuXYZ | rocmX.Y
    text: str | None  # what to run, lines joined by "\n"; None when the cell has no command
    note: str | None  # the note the cell prints above the command, HTML left as is
    default: bool  # the cell shows the default (CPU) package instead: macOS + an accelerator


def published_versions() -> dict[str, Any]:
    """published_versions.json as stored."""
    data: dict[str, Any] = json.loads(PUBLISHED_VERSIONS.read_text(encoding="utf-8"))
    return data


def _js_object(source: str, name: str) -> Any:
    """The JSON literal assigned by `let NAME=…;` or `var NAME = …;` in the module."""
    match = re.search(rf"(?:let|var)\s+{re.escape(name)}\s*=\s*(\{{.*?\}});?\s*$", source,
                      re.MULTILINE)
    if not match:
        raise ValueError(f"quick-start-module.js assigns no {name}")
    return json.loads(match.group(1))


def module_source() -> str:
    """quick-start-module.js as stored."""
    return QUICK_START_MODULE.read_text(encoding="utf-8")


def version_map(source: str | None = None) -> dict[str, dict[str, str]]:
    """Build ("release" / "nightly") -> slot -> compute variant, from the module's version_map:
    ["cuda", "12.6"] -> cu126, ["rocm", "7.2"] -> rocm7.2, ["cpu", ""] -> cpu."""
    raw = _js_object(source or module_source(), "version_map")
    out: dict[str, dict[str, str]] = {}
    for build, slots in raw.items():
        per: dict[str, str] = {}
        for slot, (family, number) in slots.items():
            if family == "cpu":
                per[slot] = "cpu"
            elif family == "cuda":
                per[slot] = "cu" + number.replace(".", "")
            elif family == "rocm":
                per[slot] = "rocm" + number
            else:
                raise ValueError(f"unknown compute family {family!r} in version_map")
        out[build] = per
    return out


def stable_label(source: str | None = None) -> str:
    """The selector's "Stable (X.Y.Z)" label: the release it calls stable."""
    match = re.search(r'stable_version\s*=\s*"Stable \(([^)]+)\)"', source or module_source())
    if not match:
        raise ValueError("quick-start-module.js names no stable_version")
    return match.group(1)


def module_commands(source: str | None = None) -> dict[str, str]:
    """The module's rendered cells: "stable,pip,linux,cuda.x,python" -> its HTML text."""
    found: dict[str, str] = _js_object(source or module_source(), "object")
    return found


def html_to_lines(html: str) -> str:
    """The selector's cell HTML as the reader sees it: `<br />` breaks a line, links show their
    text, other tags (`<b>`) vanish."""
    text = re.sub(r"<br\s*/?>", "\n", html)
    text = re.sub(r"<a\b[^>]*>(.*?)</a>", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def _cell_text(package: str, cell: dict[str, Any]) -> str | None:
    if package == "libtorch":
        versions = cell.get("versions")
        if not versions:
            return None
        return "\n".join(f"{label}\n{url}" for label, url in versions.items())
    command = cell.get("command")
    return command if isinstance(command, str) else None


def selector_entries() -> list[SelectorEntry]:
    """Every cell that published_versions.json stores for the current stable and the nightly."""
    data = published_versions()
    slots = version_map()
    builds = (("stable", data["latest_stable"], "release"), ("nightly", "preview", "nightly"))
    out: list[SelectorEntry] = []
    for build, key, map_key in builds:
        version = data["versions"][key]
        for os, packages in version.items():
            for package, cells in packages.items():
                for slot, cell in cells.items():
                    out.append(SelectorEntry(
                        build, "nightly" if build == "nightly" else data["latest_stable"], os,
                        package, slot, slots[map_key][slot], _cell_text(package, cell),
                        cell.get("note"), bool(cell.get("default"))))
    return out


def module_rendering(entry: SelectorEntry) -> str:
    """What quick-start-module.js would show for `entry`, built from published_versions.json the
    way the page does: the note, then the command (or label + link lines for LibTorch)."""
    parts = [entry.note or "", entry.text or ""]
    return html_to_lines("\n".join(p for p in parts if p))


# ---------------------------------------------------------------------------------------------
# Additional platforms (Intel XPU)
# ---------------------------------------------------------------------------------------------


def additional_platforms() -> dict[str, Any]:
    """additional-platforms.platforms-only.json as stored."""
    data: dict[str, Any] = json.loads(ADDITIONAL_PLATFORMS.read_text(encoding="utf-8"))
    return data


# ---------------------------------------------------------------------------------------------
# Build matrix (releases.json)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixWheel:
    """One wheel variant of the test-infra build matrix, with the pip command it publishes."""

    build: str  # "stable" (the "release" matrix) or "nightly"
    os: str
    compute: str  # the job's desired_cuda: cpu | cuXYZ | rocmX.Y
    installation: str  # the job's install command, e.g. "pip3 install torch torchvision …"


def build_matrix_wheels() -> list[MatrixWheel]:
    """Every distinct wheel variant of the release and nightly matrices (one job per Python
    version in the file; they share the command)."""
    data: dict[str, Any] = json.loads(RELEASES.read_text(encoding="utf-8"))
    out: set[MatrixWheel] = set()
    for channel, build in (("release", "stable"), ("nightly", "nightly")):
        for os, jobs in data[channel].items():
            for job in jobs:
                if job["package_type"] in ("wheel", "manywheel"):
                    out.add(MatrixWheel(build, os, job["desired_cuda"], job["installation"]))
    return sorted(out, key=lambda w: (w.build, w.os, w.compute))
