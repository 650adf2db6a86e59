"""The few values a CI job keys on, read from a report's facts and verification: the torch
version, the CUDA it was built for, the accelerator that passed the kernel check, and the
benchmark's speed-up over the CPU.

Pure functions: the GitHub Action's outputs, the JUnit properties and `--expect-torch` /
`--expect-cuda` all read them here, so they cannot disagree. What was imported (the verification)
wins over what was read from disk (the facts): it is the torch the job's code will get.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torchdoctor.facts import Facts
    from torchdoctor.verify.result import VerifyResult


def torch_version(facts: Facts | None, verify: VerifyResult | None) -> str | None:
    """torch's `__version__` ("2.13.0+cpu"), or None when torch is not there to tell."""
    if verify is not None and verify.torch_version:
        return verify.torch_version
    copy = facts.python.torch if facts is not None else None
    return copy.version if copy is not None else None


def cuda_version(facts: Facts | None, verify: VerifyResult | None) -> tuple[bool, str | None]:
    """(known, version): the CUDA version torch was built for ("13.0"); known with None for a
    build without CUDA (CPU, ROCm, XPU, MPS); not known when torch could not be read at all."""
    build = verify.data("build") if verify is not None else {}
    if build.get("version"):
        cuda = build.get("cuda")
        return True, str(cuda) if cuda else None
    copy = facts.python.torch if facts is not None else None
    if copy is not None and copy.version:
        return True, copy.cuda or None
    return False, None


def accelerator(verify: VerifyResult | None) -> str | None:
    """The kind of the first accelerator whose kernel check passed (cuda, rocm, mps, xpu), else
    "cpu" when only the CPU passed, "none" when no device did; None without a verification."""
    if verify is None:
        return None
    from torchdoctor.verify.outcome import device_kinds, passing_devices

    kinds = device_kinds(verify)
    passed = [kinds.get(device, "") for device in passing_devices(verify)]
    return next((kind for kind in passed if kind not in ("", "cpu")),
                "cpu" if "cpu" in passed else "none")


def speedup(verify: VerifyResult | None) -> float | None:
    """The benchmark's float32 speed-up of the first accelerator over the CPU, if measured."""
    if verify is None:
        return None
    for entry in verify.data("benchmark").get("results") or ():
        if not isinstance(entry, dict) or entry.get("dtype") not in (None, "float32", "fp32"):
            continue
        value = entry.get("speedup")
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
    return None
