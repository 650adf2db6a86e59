"""`install-command --compute auto`: the variant the recommendation picks, for given axes.

The install-command keeps pytorch.org's text byte for byte; only the compute axis comes from the
recommendation. When the axes describe another platform than the detected one, the machine's GPUs
say nothing about it and `auto` means `cpu` (the default package on macOS).
"""

from __future__ import annotations

from dataclasses import dataclass

from torchdoctor.facts import Facts
from torchdoctor.install.validate import resolve_release
from torchdoctor.knowledge import Knowledge
from torchdoctor.recommend.accel import choose
from torchdoctor.recommend.policy import _unsupported
from torchdoctor.recommend.target import target_of


@dataclass(frozen=True)
class ComputeChoice:
    """The variant for `--compute auto`, and the sentences that led to it (for `-v`)."""

    compute: str  # cpu | cuXYZ | rocmX.Y | xpu
    rationale: tuple[str, ...]
    prerequisite: str | None = None  # e.g. "Update the NVIDIA driver to 580 or newer (...)"


def recommend_compute(facts: Facts, knowledge: Knowledge, *, torch: str, os: str,
                      arch: str) -> ComputeChoice:
    """The compute axis for `torch` ("stable", "nightly", "X.Y.Z") on `os`/`arch`.

    Raises the install code's `InstallError` (exit 2) for an unknown release, like the axes do.
    """
    t = target_of(facts)
    if _unsupported(t) or (t.os, t.arch) != (os, arch):
        return ComputeChoice("cpu", (f"--compute auto: {os} {arch} is not the detected machine "
                                     f"({t.os or 'unknown'} {t.arch or 'unknown'}), so its GPUs "
                                     "do not apply; using cpu.",))
    release = resolve_release(knowledge, torch)
    if arch not in release.arches.get(os, ()):
        return ComputeChoice("cpu", (f"torch {release.version} has no {os} {arch} wheels.",))
    choice = choose(knowledge, release, t)
    lines = (f"First: {choice.prerequisite}.",) if choice.prerequisite else ()
    return ComputeChoice(choice.variant, lines + choice.reasons, choice.prerequisite)
