"""Pure helpers of the knowledge build: parse pytorch.org's text and the hand-kept tables.

Nothing here reads files; every function maps strings and dicts to strings and dicts, so the rules
(Python ranges, architectures, PyPI defaults, hardware tables) can be read and tested on their
own. A source that contradicts another raises `BuildError` with one line saying where.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from typing import Any

TAG_RE = re.compile(r"download\.pytorch\.org/(?:whl|libtorch)/(?:nightly/|test/|lts/1\.8/)?"
                    r"(cpu|cu\d+|rocm\d+(?:\.\d+)*|xpu)(?=/|\s|$)")
CONDA_CUDA_RE = re.compile(r"(?:pytorch-cuda|cudatoolkit)=(\d+)\.(\d+)")
SCHEMA_VERSION = 1
Cmd = Any  # str, or {"text": str, "note"?: str, "arch"?: {arch: str}}


class BuildError(ValueError):
    """The sources disagree or do not have the shape the build reads; the message says where."""


def vkey(version: str) -> tuple[int, ...]:
    """Sort key of a release number; "nightly" sorts above every release."""
    if version == "nightly":
        return (999,)
    return tuple(int(p) for p in version.split("."))


def in_minor_range(version: str, table: dict[str, Any]) -> Any:
    """The value of `table` whose "first..last" minor range holds `version`, else None."""
    minor = vkey(version)[:2]
    for span, value in table.items():
        if span.startswith("_"):
            continue
        first, _, last = span.partition("..")
        if vkey(first) <= minor <= vkey(last or first):
            return value
    return None


def to_text(fragment: str) -> str:
    """The page's HTML as plain text: `<br />` breaks the line, tags go, entities decode."""
    text = re.sub(r"<br\s*/?>", "\n", fragment)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return "\n".join(line.strip() for line in text.split("\n")).strip("\n")


def tag_of(text: str, label: str | None) -> str | None:
    """The variant tag a command installs: from its URLs, conda pins, else the slot label."""
    found = TAG_RE.findall(text)
    if found:
        return str(found[-1])
    conda = CONDA_CUDA_RE.search(text)
    if conda:
        return f"cu{conda.group(1)}{conda.group(2)}"
    if "cpuonly" in text:
        return "cpu"
    if not label:
        return None
    kind, _, number = label.partition(" ")
    if kind == "CUDA":
        return "cu" + number.replace(".", "")
    if kind == "ROCm":
        return "rocm" + number
    return "cpu" if kind in ("CPU", "Default") else None


def split_arch(text: str) -> dict[str, str] | None:
    """The 2.9.1/2.10.0 text "For Linux x86 use: … For Linux Aarch64: …" split per architecture."""
    if not text.startswith("For Linux x86 use:"):
        return None
    lines = [line for line in text.split("\n") if line]
    return {"x86_64": lines[lines.index("For Linux x86 use:") + 1],
            "aarch64": lines[lines.index("For Linux Aarch64:") + 1]}


def parse_kr(text: str) -> dict[str, dict[str, Any]]:
    """Date, pins and PyPI Python range per release from version-compatibility.md's first table."""
    out: dict[str, dict[str, Any]] = {}
    table = text[: text.index("## Release Compatibility Matrix")]
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        plain = [re.sub(r"<a [^>]*>|</a>|<em>|</em>", "", c).strip() for c in cells]
        python = re.match(r">=(\d+\.\d+), <=(\d+\.\d+)", plain[7])

        def pin(value: str) -> str | None:
            return value if re.fullmatch(r"\d+\.\d+\.\d+", value) else None

        out[plain[0]] = {"date": plain[1].replace("/", "-"), "torchvision": pin(plain[2]),
                         "torchaudio": pin(plain[3]),
                         "python": [python.group(1), python.group(2)] if python else None}
    return out


def parse_release_matrix(text: str) -> dict[str, dict[str, Any]]:
    """RELEASE.md's "Release Compatibility Matrix" Python column per minor ("2.5"), as copied into
    version-compatibility.md: {"min", "max", "experimental": [plain], "free_threaded": [X.Y]}.

    ">=3.9, <=3.12, (3.13 experimental)" and ">=3.10, <=(3.14, 3.14t experimental)" both occur.
    """
    out: dict[str, dict[str, Any]] = {}
    start = text.index("## Release Compatibility Matrix")
    table = text[start : text.index("</table>", start)]
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        out[cells[0]] = python_cell(cells[0], cells[1])
    return out


def python_cell(minor: str, cell: str) -> dict[str, Any]:
    """One "Python" cell of RELEASE.md's matrix: {"min", "max", "experimental": [plain],
    "free_threaded": [X.Y]}."""
    low = re.search(r">=\s*(\d+\.\d+)", cell)
    high = re.search(r"<=\s*\(?(\d+\.\d+)", cell)
    if not (low and high):
        raise BuildError(f"release matrix row {minor}: cannot read Python {cell[:60]!r}")
    return {"min": low.group(1), "max": high.group(1),
            "experimental": re.findall(r"\((\d+\.\d+) experimental\)", cell),
            "free_threaded": re.findall(r"(\d+\.\d+)t experimental", cell)}


def python_range(version: str, *, matrix: dict[str, dict[str, Any]], extra: dict[str, Any],
                 current: set[str] | None) -> tuple[list[str], list[str]]:
    """(min, max) Python and the free-threaded versions with wheels, both ends from one source.

    `current` (the stable and the nightly) is the set of python_version values of releases.json's
    build matrix. Otherwise RELEASE.md's row for the minor rules, with its "(X.Y experimental)"
    Python counted only where knowledge_extra.json says the wheels (torch and torchvision) shipped;
    releases older than the matrix come from knowledge_extra.json's table.
    """
    minor = ".".join(version.split(".")[:2])
    row = matrix.get(minor)
    if current is not None:
        plain = sorted((p for p in current if not p.endswith("t")), key=vkey)
        free = sorted((p[:-1] for p in current if p.endswith("t")), key=vkey)
        if row and (plain[0] != row["min"] or vkey(plain[-1]) > vkey(row["max"])):
            raise BuildError(f"{version}: releases.json Pythons {plain} disagree with RELEASE.md "
                             f">={row['min']}, <={row['max']}")
        return [plain[0], plain[-1]], free
    if row:
        high = row["max"]
        shipped = extra["python_experimental_shipped"].get(minor)
        if shipped:
            if shipped not in row["experimental"]:
                raise BuildError(f"{version}: {shipped} is not experimental in RELEASE.md")
            high = shipped
        return [row["min"], high], list(row["free_threaded"])
    if version in extra["python_before_1_12"]:
        return list(extra["python_before_1_12"][version]), []
    raise BuildError(f"{version}: no Python range (not in RELEASE.md's matrix nor in "
                     "knowledge_extra.json's python_before_1_12)")


def pins_from(pip: dict[str, dict[str, Cmd]]) -> dict[str, str | None]:
    """The torchvision/torchaudio pins most commands of one page use."""
    found: dict[str, Counter[str]] = {"torchvision": Counter(), "torchaudio": Counter()}
    for variants in pip.values():
        for cmd in variants.values():
            text = cmd if isinstance(cmd, str) else cmd["text"]
            for name in found:
                match = re.search(rf"\b{name}===?([0-9][0-9.]*[0-9])", text)
                if match:
                    found[name][match.group(1)] += 1
    return {n: (c.most_common(1)[0][0] if c else None) for n, c in found.items()}


def variant_key(tag: str) -> tuple[int, tuple[int, ...]]:
    """cpu, then CUDA, ROCm and XPU, each by version number (cu92 before cu110)."""
    kind = re.match(r"[a-z]+", tag)
    name = kind.group(0) if kind else tag
    digits = tag[len(name):]
    number = (int(digits[:-1]), int(digits[-1])) if name == "cu" and digits else \
        tuple(int(p) for p in digits.split(".") if p)
    return ({"cpu": 0, "cu": 1, "rocm": 2, "xpu": 3}.get(name, 4), number)


def arches(version: str, extra: dict[str, Any]) -> dict[str, list[str]]:
    """CPU architectures with wheels per OS."""
    mac = []
    if version != "nightly" and vkey(version) <= vkey(extra["macos_x86_64_last"]["version"]):
        mac.append("x86_64")
    if vkey(version) >= vkey(extra["macos_arm64_first"]["version"]):
        mac.append("arm64")
    aarch64 = extra["linux_aarch64_first"]
    linux = ["x86_64"]
    if vkey(version) >= vkey(aarch64["version"]) and version not in aarch64["missing"]:
        linux.append("aarch64")
    return {"linux": linux, "windows": ["x86_64"], "macos": mac}


def pypi_default(version: str, extra: dict[str, Any]) -> dict[str, str]:
    """The variant a bare `pip install torch` gets from PyPI, per "os-arch"."""
    out = {"windows-x86_64": "cpu", "macos-arm64": "cpu", "macos-x86_64": "cpu"}
    for key in ("linux-x86_64", "linux-aarch64"):
        tag = in_minor_range(version, extra["pypi_default_" + key.replace("-", "_")])
        if tag:
            out[key] = tag
    return out


def hardware(extra: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """cuda.json (driver minimums per CUDA minor, arch lists per variant) and rocm.json."""
    drivers = {}
    for span, mins in extra["cuda_driver_minimums"].items():
        if not span.startswith("_"):
            first, last = (vkey(s) for s in span.split(".."))
            drivers.update({f"{first[0]}.{m}": mins for m in range(first[1], last[1] + 1)})
    archs = {k: v for k, v in extra["cuda_archs"].items() if not k.startswith("_")}
    cuda = {"schema_version": SCHEMA_VERSION,
            "sources": {"driver_minimums": extra["cuda_driver_minimums"]["_source"],
                        "archs": extra["cuda_archs"]["_source"]},
            "driver_minimums": drivers, "archs": archs}
    rocm = {"schema_version": SCHEMA_VERSION, "source": extra["rocm_gfx"]["_source"],
            "gfx": {k: v for k, v in extra["rocm_gfx"].items() if not k.startswith("_")}}
    return cuda, rocm
