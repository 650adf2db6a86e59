"""Which accelerator to build for, and the non-NVIDIA policies: AMD ROCm, Intel XPU, Apple, CPU.

Order when a machine has several kinds of GPU: NVIDIA, then a discrete AMD GPU, then an Intel GPU
that the XPU build supports, then an integrated AMD GPU, then the CPU. A Jetson is handled apart:
pytorch.org's aarch64 CUDA wheels are server (SBSA) builds that only the Thor generation runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from torchdoctor.knowledge import Knowledge, Release, version_key
from torchdoctor.knowledge.compat import gfx_of_override, gfx_supported, hsa_override_for
from torchdoctor.recommend.choice import Choice, ExtraStep, OtherBuild
from torchdoctor.recommend.nvidia import choose_cuda
from torchdoctor.recommend.target import Gpu, Target

BUNDLED = ("The ROCm wheels bring their own ROCm libraries: a system ROCm install does not "
           "matter, the amdgpu kernel driver does.")
JETSON_CAVEAT = ("pytorch.org's wheels do not use the Jetson's GPU: for GPU support install "
                 "NVIDIA's PyTorch wheel for your JetPack release; this command installs the CPU "
                 "build.")
JETSON_GUIDE = ("NVIDIA's \"Installing PyTorch for Jetson Platform\" guide (wheels built for each "
                "JetPack release)")


def _names(gpus: Sequence[Gpu]) -> str:
    return " and ".join(dict.fromkeys(f"{g.name} ({g.gfx})" if g.gfx else g.name for g in gpus))


def cpu_choice(k: Knowledge, release: Release, t: Target, why: str) -> Choice:
    """The CPU build, with the reason no accelerator build was chosen."""
    reasons = [why]
    if t.os == "linux":
        reasons.append("On Linux the PyPI wheel is a CUDA build with gigabytes of CUDA libraries; "
                       "the selector's CPU command takes the small CPU-only wheel from "
                       "download.pytorch.org/whl/cpu.")
    return Choice("cpu", tuple(reasons))


def _rocm_variants(k: Knowledge, release: Release, t: Target) -> list[str]:
    assert t.os
    assert t.arch
    return sorted((v for v in k.variants(release, t.os, t.arch) if v.startswith("rocm")),
                  key=lambda v: version_key(v[4:]), reverse=True)


def choose_rocm(k: Knowledge, release: Release, t: Target) -> Choice:
    """The newest ROCm variant whose gfx list covers the GPU; near misses get the override."""
    discrete = [g for g in t.amd_gpus if not g.integrated]
    gpus = discrete or list(t.amd_gpus)
    found = f"Found the AMD {_names(gpus)}."
    if t.os == "windows":
        return Choice("cpu", (found, "pytorch.org publishes no ROCm builds for Windows (the "
                              "selector says \"ROCm is not available on Windows\"); the CPU "
                              "build is what it offers here."))
    variants = _rocm_variants(k, release, t)
    if not variants:
        return cpu_choice(k, release, t, f"{found} torch {release.version} has no ROCm wheels "
                                         f"for {t.os} {t.arch}.")
    notes = []
    if t.amd_kfd is False:
        notes.append("/dev/kfd is missing: ROCm needs the amdgpu kernel driver loaded (the "
                     "wheels bring their own ROCm libraries, the kernel driver they cannot).")
    for strict in (True, False):
        for variant in variants:
            fits = [gfx_supported(k, variant, g.gfx or "") for g in gpus]
            if (all(fits) if strict else not any(f is False for f in fits)):
                how = "the selector's ROCm build" if variant == variants[0] else "the newest " \
                    "ROCm build that covers it"
                sure = "" if strict else " (its gfx list is not in the knowledge: unconfirmed)"
                return Choice(variant, (found, f"{variant} is {how} of torch {release.version} "
                                        f"and carries code for {_names(gpus)}{sure}.",
                                        BUNDLED, *notes))
    newest = variants[0]
    targets = k.gfx_targets(newest) or ()
    missing = [g for g in gpus if gfx_supported(k, newest, g.gfx or "") is False]
    overrides = {hsa_override_for(g.gfx or "", targets) for g in missing}
    listed = ", ".join(targets)
    if None in overrides or len(overrides) != 1:
        return cpu_choice(k, release, t, f"{found} No ROCm build of torch {release.version} "
                          f"carries code for it ({newest} has {listed}) and no known override "
                          "maps it to one that does; the CPU build is what runs here.")
    value = overrides.pop()
    assert value is not None
    why = (f"{_names(missing)} is not in {newest}'s list ({listed}), but its ISA matches "
           f"{gfx_of_override(value)}: with HSA_OVERRIDE_GFX_VERSION={value} set, ROCm loads that "
           "code. It is a widely used workaround, not supported by AMD or PyTorch.")
    step = ExtraStep(f"Then set this before starting Python (makes the GPU load "
                     f"{gfx_of_override(value)} code; unsupported workaround):",
                     f"export HSA_OVERRIDE_GFX_VERSION={value}")
    if discrete:
        return Choice(newest, (found, why, *notes), extra=(step,))
    # An integrated GPU that needs the override is rarely faster than the CPU: offer, not push.
    cpu = cpu_choice(k, release, t, f"{found} It is an integrated GPU that ROCm supports only "
                                    f"through an override. {why}")
    return Choice("cpu", cpu.reasons + tuple(notes), others=(OtherBuild(
        release, newest, f"Or try the ROCm build on the integrated GPU (then set "
                         f"HSA_OVERRIDE_GFX_VERSION={value}):"),), extra=(step,))


def choose_xpu(k: Knowledge, release: Release, t: Target) -> Choice:
    """The XPU build for an Intel GPU that it supports (from the additional-platforms selector)."""
    assert t.os
    assert t.arch
    names = " and ".join(n if n.lower().startswith("intel") else f"Intel {n}"
                         for n in t.intel_names) or "Intel GPU"
    found = f"Found the {names}, which PyTorch's XPU build supports."
    if "xpu" not in k.variants(release, t.os, t.arch):
        return cpu_choice(k, release, t, f"{found} torch {release.version} has no XPU wheels in "
                          f"the knowledge for {t.os} {t.arch} (only the current stable and nightly "
                          "do); the CPU build is what runs here.")
    reasons = [found, "The xpu wheels come from pytorch.org's additional-platforms selector."]
    first = None
    if t.intel_level_zero is False:
        reasons.append("No Intel GPU driver with Level Zero was found: install Intel's GPU driver "
                       "before using the XPU build.")
        first = "Install Intel's GPU driver with its Level Zero runtime (none was found)"
    return Choice("xpu", tuple(reasons), prerequisite=first)


def choose_macos(k: Knowledge, release: Release, t: Target) -> Choice:
    """macOS: the default wheel (MPS on Apple silicon, CPU on an Intel Mac)."""
    if t.arch == "arm64":
        return Choice("cpu", ("Apple silicon: the default wheel from PyPI includes the MPS "
                              "backend, which runs torch on the GPU.",))
    return Choice("cpu", (f"Intel Mac: torch {release.version} is from the last releases with "
                          "x86_64 macOS wheels, which run on the CPU.",))


def _is_thor(t: Target) -> bool:
    release = version_key(t.l4t_release or "0")
    return any(g.compute_capability == "11.0" for g in t.nvidia_gpus) or release[:1] >= (38,)


def choose(k: Knowledge, release: Release, t: Target, older: Sequence[Release] = ()) -> Choice:
    """The accelerator choice for `release` on the target (see the module docstring)."""
    if t.os == "macos":
        return choose_macos(k, release, t)
    if t.jetson and not _is_thor(t):
        cpu = cpu_choice(k, release, t, (
            f"This is an NVIDIA Jetson ({t.jetson}). pytorch.org's aarch64 CUDA wheels are built "
            "for server-class (SBSA) GPUs and do not run on its integrated GPU; for the GPU use "
            f"the wheels from {JETSON_GUIDE}. The command below is pytorch.org's CPU build."))
        # The headline command must not read as the GPU answer the diagnosis contradicts.
        return replace(cpu, caveat=JETSON_CAVEAT)
    if t.wsl == 1 and (t.has_nvidia or t.amd_gpus):
        return cpu_choice(k, release, t, "WSL 1 gives Linux no access to the GPU (WSL 2 does); "
                                         "under WSL 1 the CPU build is what runs.")
    discrete_amd = any(not g.integrated for g in t.amd_gpus)
    if t.has_nvidia:
        return choose_cuda(k, release, t, older)
    if discrete_amd:
        return choose_rocm(k, release, t)
    if t.intel_xpu:
        return choose_xpu(k, release, t)
    if t.amd_gpus:
        return choose_rocm(k, release, t)
    if t.gpus_unknown:
        return _gpus_unknown(k, release, t)
    return cpu_choice(k, release, t, "No GPU that PyTorch can use was found; the CPU build "
                                     "is the one to install.")


def _gpus_unknown(k: Knowledge, release: Release, t: Target) -> Choice:
    """No GPU was found, but a GPU probe could not check: unknown is not absent. The installed
    GPU build's variant stands (it may be right); otherwise the CPU build, with the check that
    tells first."""
    assert t.os
    assert t.arch
    what = " and ".join(t.gpus_unknown)
    told = (f"Whether this machine has a GPU could not be told: the {what} could not be "
            "checked.")
    check = ("Could not tell whether this machine has a GPU (the " + what + " could not be "
             "checked): run `nvidia-smi`, or torchdoctor again with a longer --timeout, before "
             "installing.")
    variant = t.installed_variant
    if variant and variant != "cpu" and variant in k.variants(release, t.os, t.arch):
        return Choice(variant, (told, f"The installed torch is a {variant} build; it may be the "
                                      "right one, so its variant is kept."), caveat=check)
    cpu = cpu_choice(k, release, t, f"{told} The CPU build is shown; it is right only if there "
                                    "is no GPU.")
    return replace(cpu, caveat=check)
