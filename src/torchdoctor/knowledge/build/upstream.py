"""Readers of pytorch.org's own files, as the site branch of pytorch/pytorch.github.io holds them.

Each reader takes the file's text and returns plain dicts and lists; a file that does not have the
shape it reads (an HTML error page, a truncated download, a key of the wrong type) raises
`BuildError` with one line that names the file and the fault. Nothing here reads the disk or the
network.

* `published_versions.json`: the Start Locally selector's stored entries per release, with the
  compute label of each positional slot (`cuda.x`, `rocm5.x`) inferred from the tags in that
  release's Linux/Windows pip and LibTorch URLs (the site keeps labels only for the current
  stable and nightly, in the module's `version_map`).
* `assets/quick-start-module.js`: the live selector's cells, used to check the stored stable.
* `_get_started/previous-versions.md`: the Previous PyTorch Versions page, one row per command.
* `additional-platforms.json`, `releases.json`: Intel XPU commands; the raw build matrices.
* pytorch/pytorch `RELEASE.md`: the Python range of each minor release.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from typing import Any

from torchdoctor.knowledge.build.tables import TAG_RE, BuildError, python_cell, to_text

OSES = ("linux", "macos", "windows")
PACKAGES = ("pip", "conda", "libtorch")
RELEASE = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}")
_SLOT = re.compile(r"[a-z0-9.]{1,20}")


def parse_json(name: str, text: str) -> Any:
    """The JSON document `text`, or one line saying why it is not one."""
    try:
        return json.loads(text)
    except ValueError as exc:
        start = text.lstrip()[:15]
        hint = " (an HTML page?)" if start.startswith("<") else ""
        raise BuildError(f"{name} is not JSON{hint}: {exc}") from None


def _expect(name: str, value: Any, kind: type, where: str) -> Any:
    if not isinstance(value, kind):
        raise BuildError(f"{name}: {where} is {type(value).__name__}, expected {kind.__name__}")
    return value


# --- published_versions.json ---------------------------------------------------------------------


def _version_of_key(key: str) -> str:
    """"preview" -> nightly, "lts-1.8.2" -> 1.8.2, "2.13.0" -> 2.13.0; anything else is refused."""
    version = "nightly" if key == "preview" else key.removeprefix("lts-")
    if version != "nightly" and not RELEASE.fullmatch(version):
        raise BuildError(f"published_versions.json: {key!r} is not a release number")
    return version


def _check_cell(name: str, where: str, package: str, cell: Any) -> None:
    _expect(name, cell, dict, where)
    note = cell.get("note")
    if note is not None:
        _expect(name, note, str, f"{where}.note")
    if package == "libtorch":
        links = cell.get("versions")
        if links is not None:
            for label, url in _expect(name, links, dict, f"{where}.versions").items():
                _expect(name, url, str, f"{where}.versions[{label!r}]")
    else:
        command = cell.get("command")
        if command is not None:
            _expect(name, command, str, f"{where}.command")


def _check_block(name: str, key: str, block: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for os_name, packages in _expect(name, block, dict, key).items():
        if os_name not in OSES:
            continue  # a platform torchdoctor has no axis for
        kept: dict[str, Any] = {}
        for package, slots in _expect(name, packages, dict, f"{key}.{os_name}").items():
            if package not in PACKAGES:
                continue
            for slot, cell in _expect(name, slots, dict, f"{key}.{os_name}.{package}").items():
                if not _SLOT.fullmatch(slot):
                    raise BuildError(f"{name}: {key}.{os_name}.{package} has a malformed slot "
                                     f"{slot[:30]!r}")
                _check_cell(name, f"{key}.{os_name}.{package}.{slot}", package, cell)
            kept[package] = slots
        out[os_name] = kept
    return out


def _label(tag: str) -> str:
    if tag.startswith("cu"):
        digits = tag[2:]
        return f"CUDA {int(digits[:-1])}.{digits[-1]}"
    if tag.startswith("rocm"):
        return "ROCm " + tag[4:]
    return "CPU" if tag == "cpu" else tag.upper()


def infer_labels(block: dict[str, Any]) -> dict[str, str]:
    """Slot -> label ("CUDA 12.6") from the tags of the slot's Linux/Windows pip and LibTorch
    URLs; `accnone` is the CPU; a slot whose URLs name no tag gets no label."""
    slots = list(dict.fromkeys(slot for packages in block.values() for cells in packages.values()
                               for slot in cells))
    out: dict[str, str] = {}
    for slot in slots:
        found: Counter[str] = Counter()
        for os_name in ("linux", "windows"):
            for package in ("pip", "libtorch"):
                cell = block.get(os_name, {}).get(package, {}).get(slot)
                if not cell:
                    continue
                texts = [cell.get("command") or ""] if package == "pip" else \
                    list((cell.get("versions") or {}).values())
                for text in texts:
                    found.update(TAG_RE.findall(text))
        if slot == "accnone":
            out[slot] = "CPU"
        elif found:
            out[slot] = _label(found.most_common(1)[0][0])
    return out


def read_published(text: str) -> dict[str, Any]:
    """published_versions.json -> {"latest_stable", "versions": {key: {"compute_labels_inferred",
    "entries"}}}, keys as stored ("preview", "lts-1.8.2", "2.13.0")."""
    name = "published_versions.json"
    doc = _expect(name, parse_json(name, text), dict, "the document")
    stable = doc.get("latest_stable")
    versions = _expect(name, doc.get("versions"), dict, "versions")
    if not isinstance(stable, str) or not RELEASE.fullmatch(stable) or stable not in versions:
        raise BuildError(f"{name}: latest_stable {str(stable)[:30]!r} is not one of its versions")
    if "preview" not in versions:
        raise BuildError(f"{name}: no nightly (preview) entry")
    out: dict[str, Any] = {}
    for key, block in versions.items():
        _version_of_key(key)
        entries = _check_block(name, key, block)
        out[key] = {"compute_labels_inferred": infer_labels(entries), "entries": entries}
    return {"latest_stable": stable, "versions": out}


def version_of_key(key: str) -> str:
    """The release a published_versions.json key stands for ("preview" is "nightly")."""
    return _version_of_key(key)


# --- quick-start-module.js -----------------------------------------------------------------------


def read_module(text: str) -> dict[str, Any]:
    """The live selector module: {"stable": "2.13.0", "entries": [{"ptbuild", "package", "os",
    "compute", "text"}]}, the cells of its `object` with HTML turned into lines."""
    name = "assets/quick-start-module.js"
    stable = re.search(r'stable_version\s*=\s*"Stable \((\d+\.\d+\.\d+)\)"', text)
    cells = re.search(r"var object = (\{.*?\});\s*$", text, re.MULTILINE)
    if not stable or not cells:
        hint = " (an HTML page?)" if text.lstrip().startswith("<") else ""
        raise BuildError(f"{name} has no selector data (stable_version and the command "
                         f"object){hint}")
    found = _expect(name, parse_json(name, cells.group(1)), dict, "the command object")
    entries = []
    for key, value in found.items():
        parts = key.split(",")
        if len(parts) != 5 or not isinstance(value, str):
            raise BuildError(f"{name}: malformed cell {key[:40]!r}")
        entries.append({"ptbuild": parts[0], "package": parts[1], "os": parts[2],
                        "compute": parts[3], "key": key, "text": to_text(value)})
    return {"stable": stable.group(1), "entries": entries}


# --- _get_started/previous-versions.md -----------------------------------------------------------

_VERSION_HEADING = re.compile(r"^###\s+v(\d+\.\d+\.\d+)\b")
_PACKAGE_HEADING = re.compile(r"^#{4,6}\s*(Conda|Wheel)\s*$")
_OS_HEADING = re.compile(r"^#{4,6}\s*(OSX|macOS|Linux and Windows|Linux|Windows)\s*$")
_LABEL = re.compile(r"^#\s*((?:CUDA|ROCm|CPU|conda)(?![a-z]).*)$", re.IGNORECASE)
_COMMAND = re.compile(r"^(pip3?|conda|Download and install)\b")


def _compute(label: str | None, group: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """(compute platform, OSes) of a block label: "CUDA 11.1 (Linux)" -> cu111 on Linux,
    "ROCM 5.2 (Linux only)" -> rocm5.2 on Linux, "CPU only" -> cpu, none or "conda" -> default,
    "ROCM5.x" -> rocm5.x."""
    if label is None or label.lower() == "conda":
        return "default", group
    cuda = re.fullmatch(r"CUDA\s+(\d+)\.(\d+)(?:\s+\((Linux|Windows)\))?\s*", label)
    if cuda:
        oses = (cuda.group(3).lower(),) if cuda.group(3) else group
        return f"cu{cuda.group(1)}{cuda.group(2)}", oses
    if re.fullmatch(r"CPU\s+only\s*", label, re.IGNORECASE):
        return "cpu", group
    rocm = re.fullmatch(r"ROCm\s*(\d+(?:\.\d+)*|\d+\.x)(\s+\(Linux only\))?\s*", label, re.I)
    if rocm:
        return "rocm" + rocm.group(1), (("linux",) if rocm.group(2) else group)
    raise BuildError(f"previous-versions.md: unknown block label {label[:40]!r}")


def _block_rows(version: str, package: str, group: tuple[str, ...],
                body: list[str]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for raw in body:
        line = raw.rstrip()
        if not line.strip():
            continue
        label = _LABEL.match(line)
        if label:
            entries.append({"label": label.group(1).strip(), "commands": [], "notes": [],
                            "text": []})
            continue
        if not entries:
            entries.append({"label": None, "commands": [], "notes": [], "text": []})
        if line.startswith("#"):
            entries[-1]["notes"].append(line.lstrip("#").strip())
        elif _COMMAND.match(line.strip()):
            entries[-1]["commands"].append(line.strip())
        else:
            entries[-1]["text"].append(line.strip())
    rows: list[dict[str, Any]] = []
    for entry in entries:
        compute, oses = _compute(entry["label"], group)
        rows.extend({"version": version, "os": os_name, "package_manager": package,
                     "compute_platform": compute, **entry} for os_name in oses)
    return rows


def read_previous(text: str) -> dict[str, Any]:
    """The Previous PyTorch Versions page, releases >= 1.0.0: {"rows": [{"version", "os",
    "package_manager", "compute_platform", "label", "commands", "notes", "text"}], "prose":
    {version: {os: {package: [lines]}}}} (prose: text outside the code blocks, e.g. "macOS is
    currently not supported for LTS.")."""
    if "### v" not in text or text.lstrip().startswith("<"):
        raise BuildError("previous-versions.md has no release sections (an HTML page?)")
    rows: list[dict[str, Any]] = []
    prose: dict[str, dict[str, dict[str, list[str]]]] = {}
    version = package = None
    group: tuple[str, ...] = ()
    body: list[str] | None = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if body is not None:
            if line.startswith("```"):
                if version and package and group:
                    rows.extend(_block_rows(version, package, group, body))
                body = None
            else:
                body.append(line)
            continue
        heading = _VERSION_HEADING.match(line)
        kind, where = _PACKAGE_HEADING.match(line), _OS_HEADING.match(line)
        if line.startswith("```"):
            body = []
        elif heading:
            version, package, group = heading.group(1), None, ()
        elif kind:
            package, group = {"Conda": "conda", "Wheel": "pip"}[kind.group(1)], ()
        elif where:
            group = {"OSX": ("macos",), "macOS": ("macos",), "Linux": ("linux",),
                     "Windows": ("windows",)}.get(where.group(1), ("linux", "windows"))
        elif re.match(r"^#{1,3}\s", line):
            version, package, group = None, None, ()
        elif line.strip() and version and package and group:
            for os_name in group:
                prose.setdefault(version, {}).setdefault(os_name, {}).setdefault(
                    package, []).append(line.strip())
    keep = [r for r in rows if tuple(int(p) for p in r["version"].split(".")) >= (1, 0, 0)]
    return {"rows": keep, "prose": prose}


# --- RELEASE.md ----------------------------------------------------------------------------------


def read_release_md(text: str) -> dict[str, dict[str, Any]]:
    """pytorch/pytorch RELEASE.md's "Release Compatibility Matrix": minor ("2.14") -> Python
    range (see `python_cell`). An absent table is an error: the file is not RELEASE.md."""
    start = text.find("## Release Compatibility Matrix")
    if start < 0:
        raise BuildError("RELEASE.md has no 'Release Compatibility Matrix' section")
    out: dict[str, dict[str, Any]] = {}
    for line in text[start:].splitlines()[1:]:
        if line.startswith("#"):
            break
        cells = [html.unescape(c).strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and re.fullmatch(r"\d+\.\d+", cells[0]):
            out[cells[0]] = python_cell(cells[0], cells[1])
    if not out:
        raise BuildError("RELEASE.md's Release Compatibility Matrix has no rows")
    return out


# --- additional-platforms.json, releases.json ----------------------------------------------------


def read_platforms(text: str) -> dict[str, Any]:
    """additional-platforms.json: its Intel XPU commands must be strings per channel and OS."""
    name = "additional-platforms.json"
    doc = _expect(name, parse_json(name, text), dict, "the document")
    xpu = _expect(name, _expect(name, doc.get("platforms"), dict, "platforms").get("xpu"), dict,
                  "platforms.xpu")
    for channel in ("stable", "preview"):
        for os_name, command in _expect(name, xpu.get(channel), dict, channel).items():
            _expect(name, command, str, f"platforms.xpu.{channel}.{os_name}")
    return dict(doc)


def read_matrices(text: str) -> dict[str, Any]:
    """releases.json: {"release"|"nightly": {os: [rows]}}, rows with the keys the build reads."""
    name = "releases.json"
    doc = _expect(name, parse_json(name, text), dict, "the document")
    for channel in ("release", "nightly"):
        for os_name, rows in _expect(name, doc.get(channel), dict, channel).items():
            for row in _expect(name, rows, list, f"{channel}.{os_name}"):
                _expect(name, row, dict, f"a {channel}.{os_name} row")
                _expect(name, row.get("package_type"), str, f"a {channel}.{os_name} row's type")
                if row["package_type"] == "libtorch":
                    continue
                for key in ("python_version", "desired_cuda", "installation"):
                    _expect(name, row.get(key), str, f"a {channel}.{os_name} row's {key}")
    return dict(doc)
