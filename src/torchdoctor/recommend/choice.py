"""The value every accelerator policy returns: which variant, why, and what else would work."""

from __future__ import annotations

from dataclasses import dataclass

from torchdoctor.knowledge import Release


@dataclass(frozen=True)
class OtherBuild:
    """An alternative build to offer; the policy turns it into a command."""

    release: Release
    variant: str
    label: str  # "Or keep driver 570.133 with torch 2.11.0 (CUDA 12.8):"


@dataclass(frozen=True)
class ExtraStep:
    """An alternative that is a command of its own (an environment variable, a driver step)."""

    label: str
    command: str


@dataclass(frozen=True)
class Choice:
    """The variant an accelerator policy picked for a release."""

    variant: str
    reasons: tuple[str, ...]
    prerequisite: str | None = None  # what must happen before the command works
    # What the reader must know beside the command when it is not the whole answer (a Jetson
    # gets pytorch.org's CPU build; its GPU needs NVIDIA's JetPack wheels).
    caveat: str | None = None
    others: tuple[OtherBuild, ...] = ()
    extra: tuple[ExtraStep, ...] = ()
    release: Release | None = None  # set when no variant of the asked release fits: use this one
