"""The `apple` check: macOS, the chip, and whether torch can use the GPU through MPS.

Rules: mps-macos-too-old, x86-python-on-apple-silicon, no-cuda-on-macos (index settings),
probe-failed.
"""

from __future__ import annotations

from torchdoctor.diagnosis.context import (
    AMD_VENDOR,
    Ctx,
    install_fix,
    join,
    make_check,
    probe_failed,
    problem,
)
from torchdoctor.knowledge import version_key
from torchdoctor.knowledge.compat import local_tag_variant
from torchdoctor.report import Check, Fix, Problem

ID, TITLE = "apple", "Apple MPS"
# The macOS that torch's MPS backend accepts, by torch release, from the backend's own error
# ("The MPS backend is supported on MacOS 12.3+" ... "13.0+" from 2.5 ... "14.0+" from 2.10,
# when MPS support for macOS 13 was removed). Newest first.
MPS_MACOS = (("2.10", "14.0"), ("2.5", "13.0"), ("1.12", "12.3"))
INDEX_VARIABLES = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL",
                   "UV_INDEX", "UV_DEFAULT_INDEX")


def mps_macos_needed(torch_version: str) -> str | None:
    """The oldest macOS on which torch `torch_version` can use MPS; None before MPS (1.12)."""
    key = version_key(torch_version)
    return next((macos for since, macos in MPS_MACOS if key >= version_key(since)), None)


def check(ctx: Ctx) -> Check:
    a = ctx.facts.apple
    if a.status == "unknown":
        why = a.reason or "the macOS probe gave no answer"
        return make_check(ID, TITLE, "", [probe_failed(
            ID, f"macOS details could not be read ({why}); MPS support and Rosetta were not "
            "judged.")], unknown=why)
    if a.status != "found":
        return make_check(ID, TITLE, "not a Mac", not_applicable=True)
    radeon = _intel_mac_radeon(ctx)
    mps: str | None
    if a.apple_silicon:
        mps = "MPS"
    elif radeon:
        mps = f"MPS on {radeon}"
    else:
        mps = "no MPS (Intel Mac)" if a.apple_silicon is False else None
    summary = join(f"macOS {a.macos_version}" if a.macos_version else None, a.chip, mps)
    problems = [*_rosetta(ctx), *_mps_macos(ctx), *_cuda(ctx)]
    # An Intel Mac without an AMD GPU has no MPS to judge: shown, not counted as passed.
    return make_check(ID, TITLE, summary, problems,
                      not_applicable=a.apple_silicon is False and radeon is None)


def _intel_mac_radeon(ctx: Ctx) -> str | None:
    """The discrete AMD GPU of an Intel Mac on macOS 12.3+: MPS runs on it ("Mac computers with
    Apple silicon or AMD GPUs", Apple's PyTorch page), with the x86_64 builds up to 2.2.2."""
    a = ctx.facts.apple
    if a.apple_silicon is not False or version_key(a.macos_version or "0") < (12, 3):
        return None
    radeons = [g for g in ctx.pci(AMD_VENDOR) if g.kind == "discrete"]
    return (radeons[0].name or "an AMD GPU") if radeons else None


def _rosetta(ctx: Ctx) -> list[Problem]:
    a = ctx.facts.apple
    if not a.python_translated:
        return []
    return [problem("x86-python-on-apple-silicon", ID,
                    f"{ctx.facts.python.executable or 'The target Python'} is an x86_64 build "
                    f"running under Rosetta on {a.chip or 'Apple silicon'}: torch cannot use MPS, "
                    f"runs slowly, and torch {ctx.knowledge.stable.version} has no x86_64 macOS "
                    "wheels at all.",
                    Fix("Install an arm64 Python (python.org's universal2 installer, Homebrew in "
                        "/opt/homebrew, or `uv python install`), recreate the environment with "
                        "it, then install torch. This prints arm64 for the right Python:",
                        (f"{ctx.python_cmd} -c \"import platform; print(platform.machine())\"",)))]


def _mps_macos(ctx: Ctx) -> list[Problem]:
    a = ctx.facts.apple
    if not a.apple_silicon or not a.macos_version or a.python_translated:
        return []
    version = ctx.torch_public or (None if ctx.installed else ctx.knowledge.stable.version)
    needed = mps_macos_needed(version) if version else None
    if needed is None or version_key(a.macos_version) >= version_key(needed):
        return []
    what = f"the installed torch {ctx.torch_label}" if ctx.installed else f"torch {version}"
    return [problem("mps-macos-too-old", ID,
                    f"This Mac runs macOS {a.macos_version}; {what} uses the GPU (MPS) only on "
                    f"macOS {needed} or newer, so it runs on the CPU here.",
                    Fix(f"Update macOS to {needed} or newer (System Settings → General → "
                        "Software Update). Older torch releases accept older macOS (2.9.x: "
                        "macOS 13; 2.4.x: macOS 12.3). To see the version:",
                        ("sw_vers -productVersion",)))]


def _cuda(ctx: Ctx) -> list[Problem]:
    """CUDA on a Mac: a CUDA build recorded in the environment, or index settings for one."""
    dist_variant = local_tag_variant(ctx.torch_dist.local_tag if ctx.torch_dist else None)
    torch_cuda = ctx.torch.cuda if ctx.torch else None
    if torch_cuda or (dist_variant or "").startswith("cu"):
        return [problem("no-cuda-on-macos", ID,
                        f"torch {ctx.torch_label} claims a CUDA build, but macOS has no CUDA "
                        "(NVIDIA stopped CUDA for macOS at 10.2); Apple GPUs are used through "
                        "MPS.",
                        install_fix(ctx, "Reinstall the default macOS build and use "
                                         "device='mps' instead of 'cuda':"))]
    env = ctx.facts.env.variables
    for name in INDEX_VARIABLES:
        value = env.get(name, "")
        if "/whl/cu" in value or "/whl/rocm" in value:
            return [problem("no-cuda-on-macos", ID,
                            f"{name} points at a GPU wheel index ({value}), but pytorch.org has "
                            "no CUDA or ROCm wheels for macOS: pip will find no torch there or "
                            "fall back to another index.",
                            Fix(f"Unset {name}; on macOS `pip install torch` from PyPI is the "
                                "build with MPS.", (f"unset {name}",)))]
    return []
