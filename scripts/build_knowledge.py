"""Build torchdoctor's release knowledge from the pytorch.org reference data folder.

    python scripts/build_knowledge.py PYTORCH_ORG_DIR [--out DIR] [--golden FILE]

PYTORCH_ORG_DIR holds copies of pytorch.org's data (published_versions.json via
selector_by_version.json, releases.json, previous_versions_extracted.json, previous-versions.md,
selector_current_extracted.json, additional-platforms.platforms-only.json, version-compatibility.md,
SOURCES.md). Hand-maintained facts come from scripts/knowledge_extra.json. Writes releases.json,
cuda.json and rocm.json (default: src/torchdoctor/data/) and the golden file of expected commands
(default: tests/golden/install_commands.json). docs/knowledge.md describes the format.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from knowledge_tables import (  # a sibling module, found through sys.path
    SCHEMA_VERSION,
    Cmd,
    arches,
    hardware,
    parse_kr,
    parse_release_matrix,
    pins_from,
    pypi_default,
    python_range,
    split_arch,
    tag_of,
    to_text,
    variant_key,
    vkey,
)

ROOT = Path(__file__).resolve().parent.parent
SOURCE_LINE = "# Follow instructions at this URL: https://github.com/pytorch/pytorch#from-source"
SOURCES = {
    "selector": "pytorch.org Start Locally selector: published_versions.json and releases.json of "
                "pytorch/pytorch.github.io @5d83345 (via PyTorchKR/pytorch.kr @18c5ce48)",
    "previous-versions": "pytorch.org Previous PyTorch Versions page "
                         "(_get_started/previous-versions.md, same snapshot)",
    "additional-platforms": "pytorch.org additional-platforms.json @f681b6db "
                            "(generated 2026-07-28)",
    "compatibility": "pytorch/pytorch RELEASE.md matrix (Python ranges 1.12+, as copied in "
                     "_get_started/version-compatibility.md of PyTorchKR/pytorch.kr @18c5ce48) "
                     "and that page's own table (dates, pins)",
    "extra": "scripts/knowledge_extra.json (hand-maintained; each table names its source)",
}


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
                note = to_text(value.get("note") or "")
                if package == "libtorch":
                    links = value.get("versions") or {}
                    body = "\n".join(f"{k}\n{u}" for k, u in links.items())
                    raw = "\n".join(filter(None, [note, body]))
                    tag = tag_of(" ".join(links.values()), label)
                else:
                    body = to_text(value.get("command") or "")
                    raw = "\n".join(filter(None, [note, body]))
                    tag = tag_of(body, label)
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
                cmd: Cmd = body
                expected = body
                arch_texts = split_arch(body)
                if arch_texts:
                    cmd = {"text": body, "arch": arch_texts}
                if note:
                    cmd = dict(cmd, note=note) if isinstance(cmd, dict) else {"text": body,
                                                                             "note": note}
                slot_map = page.setdefault(package, {}).setdefault(os_name, {})
                if tag in slot_map and slot_map[tag] != cmd:
                    continue  # a duplicate slot with other text (1.9.1 "cuda11.6"): first wins
                slot_map[tag] = cmd
                if arch_texts:
                    for arch, text in arch_texts.items():
                        golden.append(ok_entry(torch, os_name, tag, package, page_axis, text, raw,
                                               "selector", ref, arch=arch, deviation="per-arch"))
                    continue
                golden.append(ok_entry(torch, os_name, tag, package, page_axis, expected, raw,
                                       "selector", ref, deviation="note" if note else None))


def add_previous(version_cmds: dict[str, Any], row: dict[str, Any], golden: list[Any],
                 page_md: str) -> None:
    """Store one Previous Versions row and its golden entry."""
    version, os_name, package = row["version"], row["os"], row["package_manager"]
    tag = "cpu" if row["compute_platform"] == "default" else row["compute_platform"]
    ref = "previous_versions_extracted.json"
    if not re.fullmatch(r"cpu|cu\d+|rocm\d+(\.\d+)*", tag):
        return  # LTS "ROCM5.x" rows: text only, and no platform one could name
    if not row["commands"]:
        golden.append(error_entry(version, os_name, tag, package, None, tag, ref,
                                  "\n".join(row["text"])))
        return
    for line in row["commands"]:
        if line not in page_md:
            raise SystemExit(f"{version} {os_name} {package} {tag}: not on the page: {line!r}")
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
            if os_name == "macos" or tag in known:
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


def check_current(current: dict[str, Any], commands: dict[str, Any], stable: str) -> None:
    """selector_current_extracted.json (the live JS module) must agree with the stored stable."""
    for item in current["entries"]:
        version = stable if item["ptbuild"] == "stable" else "nightly"
        if item["os"] == "macos" and item["compute"] != "accnone":
            continue
        stored = commands[version]["selector"].get(item["package"], {}).get(item["os"], {})
        texts = {(c if isinstance(c, str) else c["text"]) for c in stored.values()}
        if item["text"] not in texts and not item["text"].startswith("NOTE:"):
            raise SystemExit(f"selector_current disagrees for {item['key']}: {item['text']!r}")


def knowledge_date(folder: Path, platforms: dict[str, Any]) -> str:
    """The date of the newest snapshot among the sources."""
    dates = re.findall(r"\b20\d\d-\d\d-\d\d\b", (folder / "SOURCES.md").read_text(encoding="utf-8"))
    return max([*dates, platforms["generated_at"][:10]])


def build(folder: Path, extra: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return (releases.json document, golden entries)."""
    def load(name: str) -> Any:
        return json.loads((folder / name).read_text(encoding="utf-8"))

    published = load("selector_by_version.json")
    stable = published["latest_stable"]
    prev, matrices = load("previous_versions_extracted.json"), load("releases.json")
    platforms = load("additional-platforms.platforms-only.json")
    compat = (folder / "version-compatibility.md").read_text(encoding="utf-8")
    kr, release_matrix = parse_kr(compat), parse_release_matrix(compat)
    page_md = (folder / "previous-versions.md").read_text(encoding="utf-8")
    golden: list[dict[str, Any]] = []
    cmds: dict[str, dict[str, Any]] = {}
    for key, block in published["versions"].items():
        version = "nightly" if key == "preview" else key.removeprefix("lts-")
        torch = {"nightly": "nightly", stable: "stable"}.get(version, version)
        add_selector(cmds.setdefault(version, {}).setdefault("selector", {}), block, torch,
                     golden, f"published_versions.json:{key}")
    for row in prev["rows"]:
        add_previous(cmds.setdefault(row["version"], {}), row, golden, page_md)
    for version, per_os in prev["by_version"].items():
        for os_name, pms in per_os.items():
            golden.extend(error_entry(version, os_name, "cpu", pm, None, "macOS",
                                      "previous_versions_extracted.json", " ".join(p["_prose"]))
                          for pm, p in pms.items() if "_prose" in p)
    for channel, version in (("release", stable), ("nightly", "nightly")):
        add_matrix(cmds[version]["selector"], matrices[channel], golden,
                   "nightly" if version == "nightly" else "stable")
    for channel, version in (("stable", stable), ("preview", "nightly")):
        for os_name, text in platforms["platforms"]["xpu"][channel].items():
            cmds[version].setdefault("additional-platforms", {}).setdefault("pip", {}).setdefault(
                os_name, {})["xpu"] = text
            golden.append(ok_entry("nightly" if version == "nightly" else "stable", os_name, "xpu",
                                   "pip", None, text, text, "additional-platforms",
                                   "additional-platforms.platforms-only.json"))
    check_current(load("selector_current_extracted.json"), cmds, stable)

    listed = set(cmds) | {v for v in kr if vkey(v) >= (1, 0, 0)}
    releases = []
    for version in sorted(listed, key=vkey, reverse=True):
        rc = cmds.get(version, {})
        current = None
        if version in ("nightly", stable):
            rows = matrices["nightly" if version == "nightly" else "release"]["linux"]
            current = {r["python_version"] for r in rows if r["package_type"] != "libtorch"}
        python, free = python_range(version, matrix=release_matrix, extra=extra, current=current)
        pins = {"torchvision": None, "torchaudio": None}
        if version in extra["pins_not_on_previous_versions"]:
            pins = dict(extra["pins_not_on_previous_versions"][version])
        elif version != "nightly":
            pins = pins_from(rc.get("previous-versions", {}).get("pip", {}))
            if not pins["torchvision"]:
                pins = pins_from(rc.get("selector", {}).get("pip", {}))
            if not pins["torchvision"]:
                pins = {k: kr.get(version, {}).get(k) for k in pins}
        releases.append({
            "version": version,
            "kind": {"nightly": "nightly", "1.8.2": "lts"}.get(version, "release"),
            "date": kr.get(version, {}).get("date"), "python": python, "free_threaded": free,
            "pins": pins, "arches": arches(version, extra),
            "pypi_default": pypi_default(version, extra) if rc and version != "nightly" else {},
            "variants": variants(version, rc), "commands": rc})
    cross_check_pypi_default(releases)
    finish_golden(golden, releases, stable)
    doc = {"schema_version": SCHEMA_VERSION, "knowledge_date": knowledge_date(folder, platforms),
           "sources": SOURCES, "stable": stable, "source_command": SOURCE_LINE,
           "arch_rules": {"x86_64_only": ["rocm", "xpu"],
                          "linux_aarch64_cuda_first": extra["linux_aarch64_cuda_first"]["version"]},
           "releases": releases, "known_newer": extra["known_newer_releases"]["releases"],
           "known_newer_observed": extra["known_newer_releases"]["observed"]}
    return doc, dedupe(golden)


def cross_check_pypi_default(releases: list[dict[str, Any]]) -> None:
    """A bare Linux pip command in the data must install the table's PyPI default."""
    for rel in releases:
        for page in rel["commands"].values():
            for tag, cmd in page.get("pip", {}).get("linux", {}).items():
                text = cmd if isinstance(cmd, str) else \
                    cmd.get("arch", {}).get("x86_64", cmd["text"])
                bare = all(f not in text for f in ("-index-url", " -f ", "Download"))
                if bare and "\n" not in text and tag != rel["pypi_default"].get("linux-x86_64"):
                    table = rel["pypi_default"].get("linux-x86_64")
                    raise SystemExit(f"{rel['version']}: bare Linux command for {tag} but the "
                                     f"PyPI default table says {table}")


def finish_golden(golden: list[dict[str, Any]], releases: list[dict[str, Any]],
                  stable: str) -> None:
    """Pin every golden entry to a Python and an arch its release supports (portable tests)."""
    by_version = {r["version"]: r for r in releases}
    golden.extend(ok_entry(torch, os_name, "cpu", "source", None, SOURCE_LINE, SOURCE_LINE,
                           "selector", "selector_current_extracted.json")
                  for os_name in ("linux", "windows", "macos")
                  for torch in ("stable", "nightly", "2.5.1", "1.0.0"))
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
            raise SystemExit(f"conflicting golden entries for {key}")
    return list(seen.values())


def write(path: Path, data: Any, *, pretty: bool) -> None:
    """Write JSON deterministically (compact for the package, indented for the golden file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=1 if pretty else None,
                      separators=None if pretty else (",", ":"))
    path.write_text(text + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Build torchdoctor's release knowledge.")
    parser.add_argument("reference", type=Path, help="the pytorch.org reference data folder")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "torchdoctor" / "data")
    parser.add_argument("--golden", type=Path,
                        default=ROOT / "tests" / "golden" / "install_commands.json")
    parser.add_argument("--extra", type=Path,
                        default=Path(__file__).resolve().parent / "knowledge_extra.json")
    args = parser.parse_args(argv)
    extra = json.loads(args.extra.read_text(encoding="utf-8"))
    doc, golden = build(args.reference, extra)
    cuda, rocm = hardware(extra)
    write(args.out / "releases.json", doc, pretty=False)
    write(args.out / "cuda.json", cuda, pretty=True)
    write(args.out / "rocm.json", rocm, pretty=True)
    args.golden.parent.mkdir(parents=True, exist_ok=True)
    lines = ",\n".join(json.dumps(e, ensure_ascii=False, sort_keys=True) for e in golden)
    args.golden.write_text(f'{{"knowledge_date": "{doc["knowledge_date"]}",\n"entries": [\n'
                           f"{lines}\n]}}\n", encoding="utf-8")
    print(f"{len(doc['releases'])} releases, {len(golden)} golden entries, knowledge date "
          f"{doc['knowledge_date']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
