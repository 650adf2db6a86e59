"""Axes for another machine: `install-command --os macos` from a Linux box.

The defaults taken from this machine (its architecture, its Python) describe this machine. When
the request names another OS (or architecture) and leaves those axes out, they are taken from
what the release has for that machine instead, so that a valid request never fails on a default
the user did not choose; the rationale says which was taken.
"""

from __future__ import annotations

from dataclasses import replace

from torchdoctor.errors import TorchdoctorError, UsageError
from torchdoctor.install.axes import Axes, Machine, machine_arch, machine_os
from torchdoctor.knowledge import Knowledge, version_key

# The architecture taken when a release has several for an OS: macOS's current one first.
PREFERENCE = {"macos": ("arm64", "x86_64"), "linux": ("x86_64", "aarch64"),
              "windows": ("x86_64", "arm64")}


def for_another_machine(axes: Axes, here: Machine, k: Knowledge, *, arch_given: bool,
                        python_given: bool) -> tuple[Axes, tuple[str, ...]]:
    """`axes` with the defaults that came from this machine replaced by ones the release has
    for the machine asked about, and a sentence for each replacement."""
    from torchdoctor.install.validate import resolve_release

    if _is_here(axes, here, arch_given):
        return axes, ()
    try:
        release = resolve_release(k, axes.torch)
    except TorchdoctorError:
        return axes, ()  # the build says what is wrong with --torch
    notes: list[str] = []
    have = release.arches.get(axes.os, ())
    if not arch_given and have and axes.arch not in have:
        pick = next((a for a in PREFERENCE.get(axes.os, ()) if a in have), have[0])
        notes.append(f"--arch not given: torch {release.version} has {axes.os} wheels for "
                     f"{', '.join(have)}; using {pick}.")
        axes = replace(axes, arch=pick)
    elif not arch_given:
        notes.append(f"--arch not given: {axes.arch}, the {axes.os} architecture taken by default.")
    if not python_given and not k.supports_python(release, axes.os, axes.arch, axes.python):
        python = _supported_python(release.python_min, release.python_max, axes.python)
        notes.append(f"Python {axes.python} is this machine's, and torch {release.version} has "
                     f"no wheels for it; using Python {python}, the nearest it supports (pass "
                     "--python-version to choose).")
        axes = replace(axes, python=python)
    return axes, tuple(notes)


def _is_here(axes: Axes, here: Machine, arch_given: bool) -> bool:
    try:
        if machine_os(here) != axes.os:
            return False
        return not arch_given or machine_arch(here, axes.os) == axes.arch
    except UsageError:
        return False


def _supported_python(low: str, high: str, wanted: str) -> str:
    """The supported Python nearest to `wanted` (free-threading dropped)."""
    key = version_key(wanted.rstrip("t"))
    if key < version_key(low):
        return low
    if key > version_key(high):
        return high
    return wanted.rstrip("t")
