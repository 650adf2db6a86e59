"""Checks that a choice exists, each failing with one line that says what exists instead."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from torchdoctor.errors import UsageError
from torchdoctor.install.axes import Axes
from torchdoctor.knowledge import Knowledge, Release, version_key

OS_LABELS = {"linux": "Linux", "macos": "macOS", "windows": "Windows"}
Builder = Callable[[Axes], str]


class InstallError(UsageError):
    """A combination pytorch.org does not offer (exit 2); the message says what exists instead."""


class UseDefault(Exception):
    """macOS asked for an accelerator build: the caller appends the default package's command."""


def _error(message: str) -> InstallError:
    return InstallError(message)


def _kind(variant: str) -> str:
    return {"cu": "CUDA", "ro": "ROCm", "xp": "XPU"}.get(variant[:2], "CPU")


def resolve_release(k: Knowledge, torch: str) -> Release:
    """The release for `--torch`; "X.Y" means the newest known X.Y.Z."""
    if re.fullmatch(r"\d+\.\d+", torch):
        patches = [r for r in k.releases if r.version.startswith(torch + ".")]
        if patches:
            return patches[0]
        torch += ".0"
    found = k.release(torch)
    if found is not None:
        return found
    newer = k.newer_release(torch)
    if newer is not None:
        cuda = f", Linux wheel {newer.pypi_default_linux_x86_64}" if (
            newer.pypi_default_linux_x86_64) else ""
        raise _error(f"torch {torch} is newer than the knowledge ({k.knowledge_date}): PyPI lists "
                     f"it (Requires-Python {newer.requires_python}{cuda}) but its pytorch.org "
                     f"commands are not known; the newest known release is {k.stable_version} "
                     "(--torch stable)")
    if k.is_past_knowledge(torch):
        raise _error(f"torch {torch} is not in the knowledge (knowledge date {k.knowledge_date}; "
                     f"newest known release {k.stable_version}, --torch stable)")
    raise _error(f"torch {torch} is not a known release; nearby: "
                 + ", ".join(k.nearby_versions(torch)))


def check_platform(k: Knowledge, release: Release, axes: Axes) -> None:
    """OS, architecture and variant must exist for the release."""
    v, os_name, compute = release.version, OS_LABELS[axes.os], axes.compute
    if axes.os == "macos" and compute != "cpu":
        raise UseDefault(f"{_kind(compute)} is not available on macOS")
    if axes.os == "windows" and compute.startswith("rocm"):
        listed = ", ".join(k.variants(release, "windows", axes.arch)) or "none"
        raise _error(f"ROCm is not available on Windows; torch {v} for Windows has: {listed}")
    if not release.raw_commands:
        raise _error(f"pytorch.org's pages list no commands for torch {v}; nearby: "
                     + ", ".join(x for x in k.nearby_versions(v) if x != v))
    if axes.os not in release.variants:
        raise _error(f"pytorch.org lists no {os_name} builds of torch {v} (it has: "
                     + ", ".join(OS_LABELS[o] for o in release.variants) + ")")
    arches = release.arches.get(axes.os, ())
    if axes.arch not in arches:
        hint = ""
        if axes.os == "macos" and axes.arch == "x86_64":
            last = max((r.version for r in k.releases if "x86_64" in r.arches.get("macos", ())),
                       key=version_key)
            hint = f"; the last release for Intel Macs is {last} (--torch {last})"
        raise _error(f"torch {v} has no {os_name} {axes.arch} builds (it has: "
                     f"{', '.join(arches) or 'none'}){hint}")
    if compute not in k.variants(release, axes.os, axes.arch) and \
            compute in release.variants[axes.os]:
        listed = ", ".join(k.variants(release, axes.os, axes.arch))
        raise _error(f"torch {v} has no {compute} wheels for {os_name} {axes.arch}; "
                     f"{os_name} {axes.arch} has: {listed}")


def check_python(k: Knowledge, release: Release, axes: Axes, build: Builder) -> None:
    """The release must ship wheels for the target Python; else name the newest that does, with a
    command of the same accelerator family (ROCm stays ROCm) or a plain word that it has none."""
    if k.supports_python(release, axes.os, axes.arch, axes.python):
        return
    reason = python_reason(release, axes.python)
    best = k.newest_supporting(axes.python, axes.os, axes.arch)
    if best is None:
        raise _error(f"{reason}, and no release in the knowledge does; use a Python that "
                     f"torch {k.stable_version} supports ({k.stable.python_min}–"
                     f"{k.stable.python_max})")
    torch = "stable" if best.version == k.stable_version else best.version
    lead = f"{reason}; the newest release that does is {best.version}"
    family = _kind(axes.compute)
    for compute in same_family(k, best, axes):
        try:
            command = build(replace(axes, torch=torch, compute=compute, page="auto"))
        except UsageError:
            continue
        if compute != axes.compute:
            which = "default" if compute == k.pypi_default(best, axes.os, axes.arch) else \
                "newest"
            lead += f" (it has no {axes.compute} build; {compute} is its {which} {family} build)"
        raise _error(f"{lead}: " + command.replace("\n", " / "))
    if axes.compute != "cpu":
        lead += f", which has no {family} build for {OS_LABELS[axes.os]} {axes.arch}"
        try:
            command = build(replace(axes, torch=torch, compute="cpu", page="auto"))
        except UsageError:
            raise _error(lead) from None
        raise _error(f"{lead}; its CPU command: " + command.replace("\n", " / "))
    raise _error(lead)


def python_reason(release: Release, python: str) -> str:
    """Why `release` does not fit Python `python` ("3.13t" is free-threaded)."""
    plain = python.rstrip("t")
    inside = version_key(release.python_min) <= version_key(plain) <= \
        version_key(release.python_max)
    if python.endswith("t") and inside:
        if release.free_threaded:
            listed = ", ".join(f"{v}t" for v in release.free_threaded)
            return f"torch {release.version} has free-threaded wheels for {listed} only"
        return f"torch {release.version} has no free-threaded (Python {python}) wheels"
    return (f"torch {release.version} has no wheels for Python {python} (it supports "
            f"{release.python_min}–{release.python_max})")


def same_family(k: Knowledge, release: Release, axes: Axes) -> list[str]:
    """`axes.compute` if `release` has it, else the release's variants of the same family (CUDA,
    ROCm, XPU, CPU) for this OS/arch: the PyPI default first, then newest first."""
    have = k.variants(release, axes.os, axes.arch)
    if axes.compute in have:
        return [axes.compute]
    family = _kind(axes.compute)
    found = [v for v in _ordered(list(have)) if _kind(v) == family][::-1]
    default = k.pypi_default(release, axes.os, axes.arch)
    if default in found:
        found.remove(default)
        found.insert(0, default)
    return found


def missing_message(k: Knowledge, release: Release, axes: Axes, page: str, base: str,
                    build: Builder) -> str:
    """Why `page` has no `base` command for this choice, and what it has instead."""
    v, os_name = release.version, OS_LABELS[axes.os]
    if not release.has_page(page, base):
        if base == "conda":
            try:
                pip = build(replace(axes, package="pip", page="auto"))
            except UsageError:
                pip = ""
            tail = f"; use --package pip: {pip}" if pip else ""
            return (f"pytorch.org has no conda command for torch {v} (the pytorch conda channel "
                    f"stopped at 2.5.1){tail}")
        if page == "additional-platforms":
            return (f"XPU commands are known only for the stable ({k.stable_version}) and nightly "
                    "builds (pytorch.org's additional platforms selector)")
        if page == "previous-versions":
            return (f"torch {v} is not on pytorch.org's Previous PyTorch Versions page; "
                    "use --page selector")
        return f"pytorch.org's selector has no {base} entry for torch {v}"
    allowed = set(k.variants(release, axes.os, axes.arch)) | {"cpu"}
    listed = [x for x in release.page_variants(page, base, axes.os) if x in allowed]
    what = {"pip": "build", "conda": "conda package", "libtorch": "LibTorch download"}[base]
    return (f"torch {v} has no {axes.compute} {what} for {os_name}; it has: "
            + (", ".join(_ordered(listed)) or "none"))


def _ordered(variants: list[str]) -> list[str]:
    def key(tag: str) -> tuple[int, tuple[int, ...]]:
        family = re.match(r"[a-z]+", tag)
        name = family.group(0) if family else tag
        digits = tag[len(name):]
        number = (int(digits[:-1]), int(digits[-1])) if name == "cu" and digits else \
            version_key(digits)
        return ({"cpu": 0, "cu": 1, "rocm": 2, "xpu": 3}.get(name, 4), number)

    return sorted(variants, key=key)


def release_sentence(k: Knowledge, release: Release) -> str:
    """The first rationale line: which release this is."""
    if release.is_nightly:
        return "The nightly channel: pre-release builds, so pip needs --pre."
    if release.version == k.stable_version:
        return (f"torch {release.version} is the current stable release "
                f"(knowledge date {k.knowledge_date}).")
    when = f", released {release.date}" if release.date else ""
    return f"torch {release.version} is an older release{when}."
