"""Which releases ship wheels for the target's platform and interpreter (product spec §5, Python).

The release must have wheels for the OS and CPU architecture, and for the interpreter's version,
implementation (CPython only), pointer size (64-bit only) and free-threading. When the newest
release does not, the newest release that does is recommended and a supported Python is offered
as the alternative; when none does, a supported Python is the only way.
"""

from __future__ import annotations

from dataclasses import dataclass

from torchdoctor.knowledge import Knowledge, Release, version_key
from torchdoctor.recommend.target import Target

OS_LABELS = {"linux": "Linux", "macos": "macOS", "windows": "Windows"}


@dataclass(frozen=True)
class PythonGate:
    """The outcome: the release to build for, and what to say about the interpreter."""

    release: Release  # the newest release with wheels for this interpreter (or the first one)
    first: Release  # the newest release with wheels for this platform at all
    python_ok: bool  # the interpreter can install `release`
    older: tuple[Release, ...]  # further releases usable by this interpreter, newest first
    notes: tuple[str, ...]
    suggested_python: str | None  # a Python to switch to, when one is advised


def interpreter_problem(t: Target) -> str | None:
    """Why no release can have wheels for this interpreter at all, else None."""
    impl = (t.implementation or "cpython").lower()
    if impl != "cpython":
        return f"PyTorch publishes wheels for CPython only; the target Python is {impl}"
    if t.pointer_bits is not None and t.pointer_bits != 64:
        return (f"PyTorch publishes 64-bit wheels only; the target Python is a "
                f"{t.pointer_bits}-bit build")
    if t.arch == "x86":
        return "PyTorch publishes 64-bit wheels only; the target Python runs as 32-bit x86"
    return None


def best_python(release: Release, wanted: str | None) -> str:
    """The Python to suggest for `release`: its newest, free-threaded if that was wanted."""
    if wanted and wanted.endswith("t") and release.free_threaded:
        return max(release.free_threaded, key=version_key) + "t"
    return release.python_max


def _span(release: Release) -> str:
    free = f", free-threaded {', '.join(v + 't' for v in release.free_threaded)}" if (
        release.free_threaded) else ""
    return f"{release.python_min}–{release.python_max}{free}"


def _lacks(release: Release, python: str) -> str:
    """Why `release` has no wheels for `python`, exactly: a free-threaded Python inside the
    release's range lacks only the free-threaded build ("wheels for 3.14t only")."""
    plain = python.rstrip("t")
    in_range = version_key(release.python_min) <= version_key(plain) <= version_key(
        release.python_max)
    if python.endswith("t") and in_range:
        if release.free_threaded:
            listed = ", ".join(v + "t" for v in release.free_threaded)
            return f"torch {release.version} has free-threaded wheels for {listed} only"
        return f"torch {release.version} has no free-threaded wheels"
    return (f"torch {release.version} has no wheels for Python {python} (it supports "
            f"{_span(release)})")


def gate(k: Knowledge, t: Target, releases: list[Release]) -> PythonGate | str:
    """Apply the platform and Python rules to `releases` (newest first); a str says why none
    has wheels for this platform."""
    assert t.os
    assert t.arch
    platform = [r for r in releases if t.arch in r.arches.get(t.os, ())]
    where = f"{OS_LABELS.get(t.os, t.os)} {t.arch}"
    if not platform:
        return f"pytorch.org lists no torch wheels for {where}" + (
            f" in torch {releases[0].version}" if len(releases) == 1 else "")
    first = platform[0]
    notes = []
    if first is not releases[0]:
        notes.append(f"torch {releases[0].version} has no {where} wheels; torch {first.version} "
                     "is the newest release that has.")
    problem = interpreter_problem(t)
    if problem is None and t.python is None:
        notes.append("The target Python could not be inspected; assuming a version that "
                     f"torch {first.version} supports ({_span(first)}).")
        return PythonGate(first, first, True, tuple(platform[1:]), tuple(notes), None)
    if problem is None:
        assert t.python is not None
        usable = [r for r in platform if k.supports_python(r, t.os, t.arch, t.python)]
        if usable and usable[0] is first:
            return PythonGate(first, first, True, tuple(usable[1:]), tuple(notes), None)
        if usable:
            suggested = best_python(first, t.python)
            notes.append(f"{_lacks(first, t.python)}; torch {usable[0].version} is the newest "
                         f"release with wheels for Python {t.python}. Python {suggested} would "
                         f"get torch {first.version}.")
            return PythonGate(usable[0], first, True, tuple(usable[1:]), tuple(notes), suggested)
        problem = (f"No release has {where} wheels for Python {t.python}; torch {first.version} "
                   f"supports {_span(first)}")
    suggested = best_python(first, t.python)
    notes.append(f"{problem}. Install Python {suggested} (64-bit CPython) and run the command "
                 "with it.")
    return PythonGate(first, first, False, (), tuple(notes), suggested)
