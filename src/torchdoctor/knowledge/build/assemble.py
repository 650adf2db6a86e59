"""Build `releases.json` (and the golden install commands) from pytorch.org's files.

Two callers: `scripts/build_knowledge.py` builds the shipped knowledge from the reference copies
(with `version-compatibility.md` for dates and pins, strict: any disagreement stops the build),
and `torchdoctor update` builds from freshly fetched files on top of the knowledge in use (its
releases give the dates, pins and Python ranges the fetched files do not carry; the release history
is merged, never replaced). docs/knowledge.md describes the format.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from torchdoctor.knowledge.build.tables import (
    SCHEMA_VERSION,
    BuildError,
    Cmd,
    arches,
    pins_from,
    pypi_default,
    python_range,
    split_arch,
    tag_of,
    to_text,
    variant_key,
    vkey,
)
from torchdoctor.knowledge.build.upstream import version_of_key

SOURCE_LINE = "# Follow instructions at this URL: https://github.com/pytorch/pytorch#from-source"
_VARIANT = re.compile(r"cpu|cu\d+|rocm\d+(\.\d+)*")


@dataclass
class Inputs:
    """The parsed upstream files (see `upstream`); optional ones may be None."""

    published: dict[str, Any]
    previous: dict[str, Any]
    module: dict[str, Any] | None = None
    matrices: dict[str, Any] | None = None
    platforms: dict[str, Any] | None = None
    release_matrix: dict[str, dict[str, Any]] = field(default_factory=dict)
    # version -> {"date", "torchvision", "torchaudio"}: what no upstream file above carries
    kr: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Options:
    """How to build: the date and provenance lines to write, and how strict to be.

    `known` (update only) holds the releases of the knowledge in use, by version: a release the
    fetched files give no Python range for keeps its own, and a new one takes the range of the
    newest older release (said in `notes`)."""

    date: str
    sources: dict[str, str]
    strict: bool = True
    known: dict[str, dict[str, Any]] | None = None


@dataclass
class Built:
    """The build's results: the releases document, the golden entries, and what it assumed."""

    doc: dict[str, Any]
    golden: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    assumed_python: set[str] = field(default_factory=set)  # ranges taken from an older release
    kept_python: set[str] = field(default_factory=set)  # ranges kept from the knowledge in use


def ok_entry(torch: str, os_name: str, compute: str, package: str, page: str | None,
             expected: str, page_text: str, source: str, ref: str, arch: str | None = None,
             deviation: str | None = None) -> dict[str, Any]:
    """A golden entry that must print `expected`."""
    entry: dict[str, Any] = {
        "axes": {"torch": torch, "os": os_name, "arch": arch, "compute": compute,
                 "package": package, "page": page},
        "expected": expected, "source": source, "page_text": page_text, "ref": ref}
    if deviation:
        entry["deviation"] = deviation
    return entry


def error_entry(torch: str, os_name: str, compute: str, package: str, page: str | None,
                contains: str, ref: str, page_text: str = "") -> dict[str, Any]:
    """A golden entry that must exit 2 with a message containing `contains`."""
    return {"axes": {"torch": torch, "os": os_name, "arch": None, "compute": compute,
                     "package": package, "page": page},
            "error_contains": contains, "page_text": page_text, "ref": ref}


def _macos_note(tag: str) -> str:
    return "ROCm is not available on macOS" if tag.startswith("rocm") else \
        "CUDA is not available on macOS"


def _refusal(os_name: str, tag: str, package: str, raw: str) -> str:
    """What the one-line error for a slot the selector leaves empty must contain."""
    if os_name == "windows" and tag.startswith("rocm"):
        return "ROCm is not available on Windows"
    if "macos" in raw.lower():
        return "macOS"  # LTS: "macOS is not currently supported for lts"
    if package == "conda":
        return "conda"  # "Conda packages are no longer available" (>= 2.6)
    return tag


def _cell(package: str, value: dict[str, Any], label: str | None) -> tuple[str, str, str, str |
                                                                         None]:
    """(note, body, raw page text, variant tag) of one selector cell."""
    note = to_text(value.get("note") or "")
    if package == "libtorch":
        links = value.get("versions") or {}
        body = "\n".join(f"{k}\n{u}" for k, u in links.items())
        return note, body, "\n".join(filter(None, [note, body])), tag_of(" ".join(links.values()),
                                                                          label)
    body = to_text(value.get("command") or "")
    return note, body, "\n".join(filter(None, [note, body])), tag_of(body, label)


def add_selector(page: dict[str, Any], block: dict[str, Any], torch: str, golden: list[Any],
                 ref: str) -> None:
    """Store one version's selector entries (published_versions.json) and their golden entries."""
    labels = block["compute_labels_inferred"]
    # The stored stable/nightly commands are the selector; an older version's are its archive.
    page_axis = None if torch in ("stable", "nightly") else "selector"
    for os_name, packages in block["entries"].items():
        for package, slots in packages.items():
            for slot, value in slots.items():
                label = labels.get(slot)
                note, body, raw, tag = _cell(package, value, label)
                if tag is None:
                    continue  # a slot without a known platform (LTS "rocm5.x"): nothing to ask for
                if os_name == "macos" and slot != "accnone":
                    tag = tag_of("", label) or tag
                    golden.append(error_entry(torch, os_name, tag, package, page_axis,
                                              _macos_note(tag), ref, raw))
                    continue
                if not body or (os_name == "windows" and tag.startswith("rocm")):
                    golden.append(error_entry(torch, os_name, tag, package, page_axis,
                                              _refusal(os_name, tag, package, raw), ref, raw))
                    continue
                _store_cell(page, golden, (torch, os_name, package, tag, page_axis, ref),
                            body, note, raw)


def _store_cell(page: dict[str, Any], golden: list[Any], where: tuple[str, str, str, str,
                str | None, str], body: str, note: str, raw: str) -> None:
    torch, os_name, package, tag, page_axis, ref = where
    cmd: Cmd = body
    arch_texts = split_arch(body)
    if arch_texts:
        cmd = {"text": body, "arch": arch_texts}
    if note:
        cmd = dict(cmd, note=note) if isinstance(cmd, dict) else {"text": body, "note": note}
    slot_map = page.setdefault(package, {}).setdefault(os_name, {})
    if tag in slot_map and slot_map[tag] != cmd:
        return  # a duplicate slot with other text (1.9.1 "cuda11.6"): first wins
    slot_map[tag] = cmd
    if arch_texts:
        for arch, text in arch_texts.items():
            golden.append(ok_entry(torch, os_name, tag, package, page_axis, text, raw,
                                   "selector", ref, arch=arch, deviation="per-arch"))
        return
    golden.append(ok_entry(torch, os_name, tag, package, page_axis, body, raw, "selector", ref,
                           deviation="note" if note else None))


def add_previous(version_cmds: dict[str, Any], row: dict[str, Any], golden: list[Any]) -> None:
    """Store one Previous Versions row and its golden entry."""
    version, os_name, package = row["version"], row["os"], row["package_manager"]
    tag = "cpu" if row["compute_platform"] == "default" else row["compute_platform"]
    ref = "previous_versions_extracted.json"
    if not _VARIANT.fullmatch(tag):
        return  # LTS "ROCM5.x" rows: text only, and no platform one could name
    if not row["commands"]:
        golden.append(error_entry(version, os_name, tag, package, None, tag, ref,
                                  "\n".join(row["text"])))
        return
    raw = "\n".join(row["commands"])
    # 1.13.x ROCm blocks start with a stray "pip3 install … --extra-index-url" that has no URL.
    lines = [c for c in row["commands"] if not c.rstrip().endswith("--extra-index-url")]
    body = "\n".join(lines)
    notes = [to_text(n) for n in row["notes"]]
    cmd: Cmd = {"text": body, "note": " ".join(notes)} if notes else body
    version_cmds.setdefault("previous-versions", {}).setdefault(package, {}).setdefault(
        os_name, {})[tag] = cmd
    deviation = "stray-line" if body != raw else ("note" if notes else None)
    golden.append(ok_entry(version, os_name, tag, package, None, body, raw, "previous-versions",
                           ref, deviation=deviation))


def add_matrix(page: dict[str, Any], matrix: dict[str, list[dict[str, Any]]], golden: list[Any],
               torch: str) -> None:
    """Add releases.json pip rows that the page does not show (e.g. the second ROCm)."""
    for os_name, rows in matrix.items():
        for row in rows:
            if row["package_type"] == "libtorch" or row["python_version"].endswith("t"):
                continue
            tag = row["desired_cuda"]
            known = page.setdefault("pip", {}).setdefault(os_name, {})
            if os_name == "macos" or tag in known or not _VARIANT.fullmatch(tag):
                continue
            known[tag] = row["installation"]
            golden.append(ok_entry(torch, os_name, tag, "pip", None, row["installation"],
                                   row["installation"], "selector", "releases.json"))


def variants(version: str, cmds: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Variant -> index URL per OS: every platform a pip command of any page installs."""
    out: dict[str, dict[str, str]] = {}
    prefix = "https://download.pytorch.org/whl/" + (
        "nightly/" if version == "nightly" else "lts/1.8/" if version == "1.8.2" else "")
    for page in cmds.values():
        for os_name, tags in page.get("pip", {}).items():
            for tag in tags:
                out.setdefault(os_name, {})[tag] = prefix + tag
    return {os_name: dict(sorted(v.items(), key=lambda kv: variant_key(kv[0])))
            for os_name, v in sorted(out.items())}


def check_current(current: dict[str, Any], commands: dict[str, Any], stable: str) -> list[str]:
    """Where the live selector module disagrees with the stored stable/nightly entries (the
    module is generated from published_versions.json, which wins)."""
    if current["stable"] != stable:
        return [f"the selector module says stable {current['stable']}, published_versions.json "
                f"{stable}"]
    out = []
    for item in current["entries"]:
        if item["package"] not in ("pip", "conda", "libtorch"):
            continue
        version = stable if item["ptbuild"] == "stable" else "nightly"
        if item["os"] == "macos" and item["compute"] != "accnone":
            continue
        stored = commands.get(version, {}).get("selector", {}).get(item["package"], {}).get(
            item["os"], {})
        texts = {(c if isinstance(c, str) else c["text"]) for c in stored.values()}
        if item["text"] not in texts and not item["text"].startswith("NOTE:"):
            out.append(f"selector module disagrees for {item['key']}: {item['text']!r}")
    return out


def _commands(inputs: Inputs, golden: list[dict[str, Any]],
              stable: str) -> dict[str, dict[str, Any]]:
    cmds: dict[str, dict[str, Any]] = {}
    for key, block in inputs.published["versions"].items():
        version = version_of_key(key)
        torch = {"nightly": "nightly", stable: "stable"}.get(version, version)
        add_selector(cmds.setdefault(version, {}).setdefault("selector", {}), block, torch,
                     golden, f"published_versions.json:{key}")
    for row in inputs.previous["rows"]:
        add_previous(cmds.setdefault(row["version"], {}), row, golden)
    for version, per_os in inputs.previous["prose"].items():
        for os_name, pms in per_os.items():
            golden.extend(error_entry(version, os_name, "cpu", pm, None, "macOS",
                                      "previous_versions_extracted.json", " ".join(lines))
                          for pm, lines in pms.items())
    matrices = inputs.matrices
    if matrices is not None:
        for channel, version in (("release", stable), ("nightly", "nightly")):
            add_matrix(cmds[version]["selector"], matrices[channel], golden,
                       "nightly" if version == "nightly" else "stable")
    if inputs.platforms is not None:
        xpu = inputs.platforms["platforms"]["xpu"]
        for channel, version in (("stable", stable), ("preview", "nightly")):
            for os_name, text in xpu[channel].items():
                cmds[version].setdefault("additional-platforms", {}).setdefault(
                    "pip", {}).setdefault(os_name, {})["xpu"] = text
                golden.append(ok_entry("nightly" if version == "nightly" else "stable", os_name,
                                       "xpu", "pip", None, text, text, "additional-platforms",
                                       "additional-platforms.platforms-only.json"))
    return cmds


def matrix_for(matrices: dict[str, Any] | None, stable: str) -> dict[str, Any] | None:
    """releases.json when its release matrix is the stable's (a stale copy describes another)."""
    if matrices is None:
        return None
    versions = {row.get("stable_version") for rows in matrices["release"].values() for row in rows}
    return matrices if versions <= {stable, None} else None


def _python(version: str, inputs: Inputs, extra: dict[str, Any], options: Options,
            done: list[dict[str, Any]], built: Built) -> tuple[list[str], list[str]]:
    """Both ends of the range from one source: the build matrix of releases.json for the stable
    and the nightly; when updating, the range the knowledge in use has for a release it knows
    (RELEASE.md's "<=(3.15, 3.15t experimental)" would widen a past stable to a Python it never
    had wheels for); else RELEASE.md's row or the extra facts; a release no source describes takes
    the newest older release's range (said in the notes)."""
    current = None
    matrices = inputs.matrices
    stable = inputs.published["latest_stable"]
    if version in ("nightly", stable) and matrices is not None:
        rows = matrices["nightly" if version == "nightly" else "release"]["linux"]
        current = {r["python_version"] for r in rows if r["package_type"] != "libtorch"}
    known = (options.known or {}).get(version)
    if current is None and known and known.get("python"):
        built.kept_python.add(version)
        return list(known["python"]), list(known.get("free_threaded", []))
    try:
        return python_range(version, matrix=inputs.release_matrix, extra=extra, current=current)
    except BuildError:
        if options.known is None:
            raise
    older = next((r for r in done if r["kind"] != "nightly"), None)
    if older is None or version == "nightly":
        raise BuildError(f"{version}: no source gives its Python range")
    built.notes.append(f"{version}: no source gives its Python range; assumed "
                       f"{older['version']}'s ({'–'.join(older['python'])}) until RELEASE.md "
                       "lists it")
    built.assumed_python.add(version)
    return list(older["python"]), list(older["free_threaded"])


def _pins(version: str, rc: dict[str, Any], inputs: Inputs,
          extra: dict[str, Any]) -> dict[str, Any]:
    pins: dict[str, Any] = {"torchvision": None, "torchaudio": None}
    if version in extra["pins_not_on_previous_versions"]:
        return dict(extra["pins_not_on_previous_versions"][version])
    if version == "nightly":
        return pins
    pins = pins_from(rc.get("previous-versions", {}).get("pip", {}))
    if not pins["torchvision"]:
        pins = pins_from(rc.get("selector", {}).get("pip", {}))
    if not pins["torchvision"]:
        pins = {k: inputs.kr.get(version, {}).get(k) for k in pins}
    return pins


def build(inputs: Inputs, extra: dict[str, Any], options: Options) -> Built:
    """The releases document and golden entries for these sources."""
    stable = inputs.published["latest_stable"]
    inputs.matrices = matrix_for(inputs.matrices, stable)
    built = Built({}, [])
    cmds = _commands(inputs, built.golden, stable)
    if inputs.module is not None:
        disagreements = check_current(inputs.module, cmds, stable)
        if disagreements and options.strict:
            raise BuildError(disagreements[0])
        built.notes.extend(disagreements[:3])
    listed = set(cmds) | {v for v in inputs.kr if re.fullmatch(r"\d+\.\d+\.\d+", v)
                          and vkey(v) >= (1, 0, 0)}
    releases: list[dict[str, Any]] = []
    for version in sorted(listed, key=vkey):
        rc = cmds.get(version, {})
        python, free = _python(version, inputs, extra, options, releases[::-1], built)
        releases.append({
            "version": version,
            "kind": {"nightly": "nightly", "1.8.2": "lts"}.get(version, "release"),
            "date": inputs.kr.get(version, {}).get("date"), "python": python,
            "free_threaded": free, "pins": _pins(version, rc, inputs, extra),
            "arches": arches(version, extra),
            "pypi_default": pypi_default(version, extra) if rc and version != "nightly" else {},
            "variants": variants(version, rc), "commands": rc})
    releases.reverse()
    fill_pypi_default(releases)
    cross_check_pypi_default(releases)
    finish_golden(built.golden, releases, stable)
    built.doc = {"schema_version": SCHEMA_VERSION, "knowledge_date": options.date,
           "sources": options.sources, "stable": stable, "source_command": SOURCE_LINE,
           "arch_rules": {"x86_64_only": ["rocm", "xpu"],
                          "linux_aarch64_cuda_first": extra["linux_aarch64_cuda_first"]["version"]},
           "releases": releases, "known_newer": extra["known_newer_releases"]["releases"],
           "known_newer_observed": extra["known_newer_releases"]["observed"]}
    built.golden = dedupe(built.golden)
    return built


def _bare_linux(rel: dict[str, Any]) -> list[tuple[str, str]]:
    """(variant, text) of the Linux x86_64 pip commands that name no index: PyPI's wheel."""
    out = []
    for page in rel["commands"].values():
        for tag, cmd in page.get("pip", {}).get("linux", {}).items():
            text = cmd if isinstance(cmd, str) else cmd.get("arch", {}).get("x86_64", cmd["text"])
            if all(f not in text for f in ("-index-url", " -f ", "Download")) and "\n" not in text:
                out.append((tag, text))
    return out


def fill_pypi_default(releases: list[dict[str, Any]]) -> None:
    """A release the extra table has no PyPI default for (one newer than the table) takes the
    variant of its bare Linux command: the selector prints no index URL for PyPI's wheel."""
    for rel in releases:
        bare = {tag for tag, _ in _bare_linux(rel)}
        if rel["version"] != "nightly" and len(bare) == 1 and \
                "linux-x86_64" not in rel["pypi_default"]:
            rel["pypi_default"]["linux-x86_64"] = bare.pop()


def cross_check_pypi_default(releases: list[dict[str, Any]]) -> None:
    """A bare Linux pip command in the data must install the table's PyPI default."""
    for rel in releases:
        for tag, _ in _bare_linux(rel):
            if tag != rel["pypi_default"].get("linux-x86_64"):
                table = rel["pypi_default"].get("linux-x86_64")
                raise BuildError(f"{rel['version']}: bare Linux command for {tag} but the "
                                 f"PyPI default table says {table}")


def finish_golden(golden: list[dict[str, Any]], releases: list[dict[str, Any]],
                  stable: str) -> None:
    """Pin every golden entry to a Python and an arch its release supports (portable tests)."""
    by_version = {r["version"]: r for r in releases}
    golden.extend(ok_entry(torch, os_name, "cpu", "source", None, SOURCE_LINE, SOURCE_LINE,
                           "selector", "selector_current_extracted.json")
                  for os_name in ("linux", "windows", "macos")
                  for torch in ("stable", "nightly", "2.5.1", "1.0.0") if torch in by_version
                  or torch in ("stable", "nightly"))
    for entry in golden:
        axes = entry["axes"]
        rel = by_version[stable if axes["torch"] == "stable" else axes["torch"]]
        axes["python_version"] = rel["python"][1] if rel["python"] else None
        if axes["arch"] is None:
            options = rel["arches"][axes["os"]] or ["x86_64"]
            axes["arch"] = "arm64" if "arm64" in options else options[0]


def dedupe(golden: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per axes; two different expectations for the same axes is a build error."""
    seen: dict[str, dict[str, Any]] = {}
    for entry in golden:
        key = json.dumps(entry["axes"], sort_keys=True)
        old = seen.setdefault(key, entry)
        if old.get("expected") != entry.get("expected"):
            raise BuildError(f"conflicting golden entries for {key}")
    return list(seen.values())
