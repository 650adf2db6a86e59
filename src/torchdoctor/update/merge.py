"""Build new knowledge from fetched files on top of the knowledge in use, and say what changed.

The fetched files are the authority for what they hold (selector and Previous Versions commands,
the stable, the nightly, Python ranges where RELEASE.md or releases.json give them). Everything
else comes from the knowledge in use: release dates, pins, Python ranges of releases no fetched file
describes, releases and pages the files no longer list, the GPU tables. The history is merged,
never replaced. A release new to the knowledge records what no source confirmed in `unconfirmed`.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from torchdoctor.knowledge import safety
from torchdoctor.knowledge.build import (
    BuildError,
    Built,
    Inputs,
    Options,
    build,
    hardware,
    upstream,
)
from torchdoctor.knowledge.build.assemble import variants
from torchdoctor.knowledge.build.tables import to_text, vkey
from torchdoctor.knowledge.model import cuda_minor
from torchdoctor.update.sources import Fetched

PUBLISHED = "published_versions.json"
VOLATILE = ("knowledge_date", "sources", "updated")  # keys that change on every update


class Refused(BuildError):
    """The fetched files hold something torchdoctor must never print (see knowledge.safety)."""


@dataclass
class Docs:
    """The three knowledge documents."""

    releases: dict[str, Any]
    cuda: dict[str, Any]
    rocm: dict[str, Any]

    def as_cache(self) -> dict[str, Any]:
        """The cache file's document."""
        return {"schema_version": 1, "releases": self.releases, "cuda": self.cuda,
                "rocm": self.rocm}


@dataclass
class Merged:
    """The new documents and what was assumed on the way."""

    docs: Docs
    notes: list[str] = field(default_factory=list)


def _parse(fetched: Fetched) -> Inputs:
    texts = fetched.texts

    def optional(path: str, reader: Any) -> Any:
        return reader(texts[path]) if path in texts else None

    return Inputs(
        published=upstream.read_published(texts["published_versions.json"]),
        previous=upstream.read_previous(texts["_get_started/previous-versions.md"]),
        module=upstream.read_module(texts["assets/quick-start-module.js"]),
        matrices=optional("releases.json", upstream.read_matrices),
        platforms=optional("additional-platforms.json", upstream.read_platforms),
        release_matrix=optional("RELEASE.md", upstream.read_release_md) or {})


def _sources(fetched: Fetched, base: Docs) -> dict[str, str]:
    where = f"{fetched.origin} (read {fetched.date})"
    kept = base.releases.get("sources", {})
    out = {
        "selector": f"published_versions.json, assets/quick-start-module.js and releases.json "
                    f"from {where}",
        "previous-versions": f"_get_started/previous-versions.md from {where}",
        "additional-platforms": f"additional-platforms.json from {where}",
        "compatibility": f"RELEASE.md from {where}; dates, pins and older Python ranges kept "
                         f"from the knowledge of {base.releases.get('knowledge_date')}",
    }
    if "extra" in kept:
        out["extra"] = kept["extra"]
    return out


def _keep_history(new: list[dict[str, Any]], old: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Releases and pages the fetched files no longer carry stay as the knowledge had them."""
    by_version = {r["version"]: r for r in new}
    for rel in old:
        if rel["kind"] == "nightly":
            continue
        mine = by_version.get(rel["version"])
        if mine is None:
            new.append(copy.deepcopy(rel))
            continue
        missing = {p: c for p, c in rel["commands"].items() if p not in mine["commands"]}
        if missing:
            mine["commands"].update(copy.deepcopy(missing))
            mine["variants"] = variants(mine["version"], mine["commands"])
        if not mine["pypi_default"] and rel["pypi_default"]:
            mine["pypi_default"] = dict(rel["pypi_default"])
        if not mine.get("date") and rel.get("date"):
            mine["date"] = rel["date"]
        for name, pin in rel.get("pins", {}).items():
            if pin and not mine["pins"].get(name):
                mine["pins"][name] = pin
    new.sort(key=lambda r: vkey(r["version"]), reverse=True)
    return new


def _requires_python_min(spec: str) -> str | None:
    found = re.search(r">=\s*(\d+\.\d+)", spec or "")
    return found.group(1) if found else None


def raise_python_min(rel: dict[str, Any], spec: str, source: str, notes: list[str]) -> None:
    """A Requires-Python (">=3.11") above the release's assumed minimum raises it."""
    low = _requires_python_min(spec)
    if low and vkey(low) > vkey(rel["python"][0]) and vkey(low) <= vkey(rel["python"][1]):
        notes.append(f"{rel['version']}: Python from {low} ({source} says Requires-Python "
                     f"{spec})")
        rel["python"][0] = low


def _unconfirmed(doc: dict[str, Any], old: dict[str, dict[str, Any]], extra: dict[str, Any],
                 built: Built, notes: list[str]) -> None:
    """Fill what the extra facts know of releases newer than the shipped data, and mark what no
    source confirmed: a field stays unconfirmed until a source gives it."""
    newer = {r["version"]: r for r in extra["known_newer_releases"]["releases"]}
    for rel in doc["releases"]:
        version = rel["version"]
        if rel["kind"] == "nightly":
            continue
        before = old.get(version, {})
        was = before.get("unconfirmed", [])
        guessed = version in built.assumed_python or (
            version in built.kept_python and "python" in was)
        seen = newer.get(version)
        if seen and not rel["pins"].get("torchvision") and seen.get("torchvision"):
            rel["pins"]["torchvision"] = seen["torchvision"]
        if seen and version in built.assumed_python:
            raise_python_min(rel, seen.get("requires_python", ""), "PyPI (extra facts)", notes)
        unconfirmed = ["python"] if guessed else []
        has_pip = any(page.get("pip") for page in rel["commands"].values())
        if has_pip and not rel["pins"].get("torchvision"):
            unconfirmed.append("torchvision")
        if not rel.get("date") and (version not in old or "date" in was):
            unconfirmed.append("date")
        if unconfirmed:
            rel["unconfirmed"] = unconfirmed
        else:
            rel.pop("unconfirmed", None)


def _hardware(base: Docs, extra: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The GPU tables: the hand-maintained ones of this torchdoctor, plus every entry the
    knowledge in use has that they lack (tables learned earlier are kept)."""
    cuda, rocm = hardware(extra)
    for key in ("driver_minimums", "archs"):
        for name, value in base.cuda.get(key, {}).items():
            cuda[key].setdefault(name, value)
    for name, value in base.rocm.get("gfx", {}).items():
        rocm["gfx"].setdefault(name, value)
    return cuda, rocm


def merge(base: Docs, fetched: Fetched, extra: dict[str, Any]) -> Merged:
    """The new documents (BuildError when the files cannot be read or contradict each other)."""
    old = base.releases["releases"]
    known = {r["version"]: r for r in old}
    inputs = _parse(fetched)
    refused = hostile(inputs)
    if refused:
        more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
        raise Refused(f"{refused[0]}{more}")
    inputs.kr = {v: {"date": r.get("date"), **r.get("pins", {})} for v, r in known.items()}
    options = Options(date=fetched.date, sources=_sources(fetched, base), strict=False,
                      known=known)
    built = build(inputs, extra, options)
    notes = list(built.notes)
    doc = built.doc
    doc["releases"] = _keep_history(doc["releases"], old)
    _unconfirmed(doc, known, extra, built, notes)
    stable = vkey(doc["stable"])
    releases = {r["version"] for r in doc["releases"]}
    doc["known_newer"] = [r for r in doc["known_newer"]
                          if vkey(r["version"]) > stable and r["version"] not in releases]
    if not doc["known_newer"]:
        doc["known_newer_observed"] = ""
    if fetched.absent:
        notes.append("not found, so not used: " + ", ".join(fetched.absent))
    cuda, rocm = _hardware(base, extra)
    for rel in doc["releases"]:
        for table in rel["variants"].values():
            for variant in table:
                minor = cuda_minor(variant)
                if minor and minor not in cuda["driver_minimums"]:
                    raise BuildError(f"{variant} (torch {rel['version']}) needs a CUDA "
                                     f"{minor} driver minimum this torchdoctor does not know: "
                                     "upgrade torchdoctor")
    return Merged(Docs(doc, cuda, rocm), notes)


def content(doc: dict[str, Any]) -> str:
    """The document without the keys every update changes, for "did anything change"."""
    return json.dumps({k: v for k, v in doc.items() if k not in VOLATILE}, sort_keys=True)


def _raw_texts(inputs: Inputs) -> Iterator[tuple[str, str, str]]:
    """(where, kind, text) of every command, link and note the fetched files hold."""
    for key, block in inputs.published["versions"].items():
        for os_name, packages in block["entries"].items():
            for package, cells in packages.items():
                for slot, cell in cells.items():
                    where = f"{PUBLISHED} {key} {os_name} {package} {slot}"
                    yield where, "note", to_text(cell.get("note") or "")
                    yield where, "command", to_text(cell.get("command") or "")
                    for label, url in (cell.get("versions") or {}).items():
                        yield where, "note", label
                        yield where, "command", url
    for row in inputs.previous["rows"]:
        where = f"previous-versions.md {row['version']} {row['os']} {row['compute_platform']}"
        yield from ((where, "command", line) for line in row["commands"])
        yield from ((where, "note", line) for line in (*row["notes"], *row["text"]))
    for channel, per_os in (inputs.matrices or {}).items():
        for os_name, rows in per_os.items():
            for row in rows:
                yield f"releases.json {channel} {os_name}", "command", row["installation"]
    xpu = (inputs.platforms or {}).get("platforms", {}).get("xpu", {})
    for channel in ("stable", "preview"):
        for os_name, text in xpu.get(channel, {}).items():
            yield f"additional-platforms.json xpu {channel} {os_name}", "command", text


def hostile(inputs: Inputs) -> list[str]:
    """What in the fetched files is hostile: shell operators or foreign URLs in commands,
    control characters anywhere."""
    out = []
    for where, kind, text in _raw_texts(inputs):
        found = safety.raw_problem(text) if kind == "command" else safety.text_problem(text)
        if found:
            out.append(f"{where}: {found}")
    return out
