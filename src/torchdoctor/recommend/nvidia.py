"""Which CUDA variant to recommend for the NVIDIA GPUs of a machine (product spec §5).

A variant qualifies when the driver is new enough for it (minor-version-compatibility minimums)
and its wheels carry kernels for every visible GPU (SASS of the same major, or PTX from an
equal-or-lower capability). Among qualifying variants the one pip gets from PyPI wins, else the
newest. Peers that try "the newest CUDA index first" or ignore the GPU's capability get this wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from torchdoctor.knowledge import Knowledge, Release, cuda_minor, version_key
from torchdoctor.knowledge.compat import driver_runs_variant, parse_cc, sm_name, variant_runs_on_gpu
from torchdoctor.recommend.choice import Choice, ExtraStep, OtherBuild
from torchdoctor.recommend.shell import hide_gpus
from torchdoctor.recommend.target import Gpu, Target


def cuda_variants(k: Knowledge, release: Release, os: str, arch: str) -> list[str]:
    """The release's CUDA variants for os/arch, preferred first: the PyPI default, else (Windows,
    where PyPI is CPU-only) the release's stable CUDA, i.e. the Linux PyPI default; then newest.
    The stable CUDA is preferred over a newer one because RELEASE.md marks the newer ones
    experimental (CUDA 13.2 in 2.13)."""
    found = sorted((v for v in k.variants(release, os, arch) if cuda_minor(v)),
                   key=lambda v: version_key(cuda_minor(v) or "0"), reverse=True)
    # The nightly has no PyPI wheels: its stable CUDA is taken to be the stable release's.
    ref = k.stable if release.is_nightly else release
    for preferred in (k.pypi_default(ref, os, arch), k.pypi_default(ref, "linux", "x86_64")):
        if preferred in found:
            found.remove(preferred)
            return [preferred, *found]
    return found


def _all(values: Sequence[bool | None]) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def kernels_fit(k: Knowledge, variant: str, t: Target) -> bool | None:
    """Kernels for every GPU (None: some GPU's capability or the arch list is unknown)."""
    assert t.os
    assert t.arch
    return _all([None if g.compute_capability is None else
                 variant_runs_on_gpu(k, variant, t.os, t.arch, g.compute_capability)
                 for g in t.nvidia_gpus])


def driver_fits(k: Knowledge, variant: str, t: Target) -> bool | None:
    """The driver runs the variant (None: the driver version is not known)."""
    if t.nvidia_state != "loaded":
        return None
    return driver_runs_variant(k, variant, t.driver_os, t.nvidia_driver, cuda_version=t.nvidia_cuda)


def gpu_label(t: Target) -> str:
    """ "NVIDIA GeForce GTX 1080 (sm_61)", several joined with "and"."""
    unknown = "compute capability unknown"
    names = [f"{g.name} ({sm_name(g.compute_capability) if g.compute_capability else unknown})"
             for g in t.nvidia_gpus]
    return " and ".join(dict.fromkeys(names))


def _archs(k: Knowledge, variant: str, t: Target) -> str:
    assert t.os
    assert t.arch
    archs = k.compute_capabilities(variant, t.os, t.arch)
    if archs is None:
        return "an arch list the knowledge does not have"
    text = ", ".join(sm_name(cc) for cc in archs.sm)
    return text + (" + PTX " + ", ".join(sm_name(cc) for cc in archs.ptx) if archs.ptx else "")


def _driver_text(t: Target) -> str:
    cuda = f", which supports CUDA up to {t.nvidia_cuda}" if t.nvidia_cuda else ""
    return f"driver {t.nvidia_driver}{cuda}" if t.nvidia_driver else f"the driver{cuda}"


def why_not(k: Knowledge, variant: str, t: Target) -> list[str]:
    """Sentences naming found vs required values for a variant that does not fit."""
    out = []
    if driver_fits(k, variant, t) is False:
        minimum = k.min_driver(variant, t.driver_os)
        if t.nvidia_driver and t.nvidia_cuda:
            out.append(f"driver {t.nvidia_driver} supports CUDA up to {t.nvidia_cuda}; {variant} "
                       f"needs driver {minimum} or newer")
        else:
            out.append(f"{variant} needs driver {minimum} or newer, found "
                       f"{t.nvidia_driver or 'one supporting CUDA up to ' + str(t.nvidia_cuda)}")
    if kernels_fit(k, variant, t) is False:
        out.append(f"the {variant} wheels have no kernels for the {gpu_label(t)}: they carry "
                   f"{_archs(k, variant, t)}")
    return out


def role(k: Knowledge, release: Release, variant: str, t: Target) -> str:
    """How a variant stands in its release: the PyPI default, the stable CUDA, or another."""
    assert t.os
    assert t.arch
    if variant == k.pypi_default(release, t.os, t.arch):
        return "the PyPI default (the selector's command without --index-url)"
    if variant == cuda_variants(k, release, t.os, t.arch)[0]:
        return "the release's stable CUDA variant"
    return "the newest fitting variant"


def _how_it_runs(k: Knowledge, variant: str, t: Target) -> str:
    """Why kernels run on a GPU whose exact sm is not listed (CUDA's compatibility rules)."""
    assert t.os
    assert t.arch
    archs = k.compute_capabilities(variant, t.os, t.arch)
    notes = []
    for gpu in t.nvidia_gpus:
        cc = parse_cc(gpu.compute_capability or "")
        if archs is None or cc is None or gpu.compute_capability in archs.sm:
            continue
        same = [s for s in archs.sm if (parse_cc(s) or (0, 0))[0] == cc[0] and
                (parse_cc(s) or (0, 0)) <= cc]
        sm = sm_name(gpu.compute_capability or "")
        notes.append(f"{sm_name(same[-1])} code runs on the {sm} GPU: same major version" if same
                     else f"the driver compiles the PTX for the {sm} GPU")
    return f" ({'; '.join(dict.fromkeys(notes))})" if notes else ""


def _fits_text(k: Knowledge, release: Release, variant: str, t: Target) -> str:
    return (f"{variant} (CUDA {cuda_minor(variant)}), {role(k, release, variant, t)} of torch "
            f"{release.version}, needs driver {k.min_driver(variant, t.driver_os)} or newer and "
            f"carries {_archs(k, variant, t)}{_how_it_runs(k, variant, t)}.")


BLACKWELL_DRIVER = 570  # the first driver branch that runs Blackwell (sm_100, sm_120) GPUs


def _pre_blackwell(t: Target) -> bool:
    """Every GPU is older than Blackwell: by its capability, or, where that is unknown, because
    the loaded driver predates Blackwell (a driver before R570 cannot run one)."""
    old_driver = t.nvidia_state == "loaded" and _driver_branch(t.nvidia_driver) < BLACKWELL_DRIVER
    majors = [(parse_cc(g.compute_capability or "") or ((0, 0) if old_driver else (99, 0)))[0]
              for g in t.nvidia_gpus]
    return all(major < 10 for major in majors)


def _driver_branch(driver: str | None) -> int:
    head = (driver or "").split(".")[0]
    return int(head) if head.isdigit() else 10**6


def _older(k: Knowledge, older: Sequence[Release], t: Target,
           need_driver: bool) -> tuple[Release, str, bool] | None:
    """The newest older release with a variant that fits: (release, variant, confirmed).

    Confirmed fits win; else the newest whose arch list the knowledge lacks. Those are CUDA
    <= 12.4 builds, which predate Blackwell: they may fit a pre-Blackwell GPU, never a newer one.
    """
    assert t.os
    assert t.arch
    likely: tuple[Release, str, bool] | None = None
    pre_blackwell = _pre_blackwell(t)
    for release in older:
        for variant in cuda_variants(k, release, t.os, t.arch):
            driver = driver_fits(k, variant, t) if need_driver else True
            kernels = kernels_fit(k, variant, t)
            if driver and kernels:
                return release, variant, True
            if likely is None and driver and kernels is None and pre_blackwell:
                likely = (release, variant, False)
    return likely


def _installed_if_driver_unknown(k: Knowledge, variants: Sequence[str], t: Target) -> str | None:
    """The installed CUDA variant, when the driver could not be checked and nothing known rules
    the variant out: unknown is not absent, so a build that may work is not replaced."""
    variant = t.installed_variant
    if t.nvidia_state != "unknown" or variant is None or variant not in variants:
        return None
    return variant if kernels_fit(k, variant, t) is not False else None


def _found(t: Target) -> str:
    """The sentence that says which GPUs and driver the choice is for."""
    found = f"Found the {gpu_label(t)}"
    if t.nvidia_state == "loaded":
        return found + f" with NVIDIA {_driver_text(t)}."
    if t.nvidia_state == "missing":
        return found + " on the PCI bus, but no NVIDIA driver is loaded."
    return found + f"; the NVIDIA driver could not be checked ({t.nvidia_reason or 'unknown'})."


def _left_out(k: Knowledge, variants: Sequence[str], t: Target) -> tuple[Gpu, ...]:
    """GPUs no variant of the release has kernels for, beside GPUs that one has: a legacy
    display card or an old accelerator must not drag the compute GPUs down to an old release
    or to the CPU build. Empty when every GPU fits, or none does."""
    if len(t.nvidia_gpus) < 2:
        return ()
    def fits(gpu: Gpu) -> bool:
        one = replace(t, nvidia_gpus=(gpu,))
        return any(kernels_fit(k, v, one) is not False for v in variants)
    out = tuple(g for g in t.nvidia_gpus if g.compute_capability and not fits(g))
    return out if len(out) < len(t.nvidia_gpus) else ()


def _without(k: Knowledge, release: Release, t: Target, older: Sequence[Release],
             left_out: tuple[Gpu, ...]) -> Choice:
    """The choice for the GPUs that can compute, naming the cards left out and how to hide
    them from torch."""
    keep = tuple(g for g in t.nvidia_gpus if g not in left_out)
    choice = choose_cuda(k, release, replace(t, nvidia_gpus=keep), older)
    names = " and ".join(f"{g.name} ({sm_name(g.compute_capability or '')})" for g in left_out)
    why = (f"No torch {release.version} build has kernels for the {names}; it is left out and "
           f"the choice is for the {' and '.join(dict.fromkeys(g.name for g in keep))}.")
    extra = choice.extra
    indices = [g.index for g in keep]
    if all(i is not None for i in indices):
        command = hide_gpus([i for i in indices if i is not None], t.os or "linux")
        extra = (*extra, ExtraStep(f"To keep torch off the {names}, hide it in the shell that "
                                   "runs your code (PCI bus order, as nvidia-smi numbers GPUs):",
                                   command))
    return replace(choice, reasons=(why, *choice.reasons), extra=extra)


def choose_cuda(k: Knowledge, release: Release, t: Target,
                older: Sequence[Release] = ()) -> Choice:
    """The CUDA variant of `release` for the target's NVIDIA GPUs; `older` are the releases to
    fall back to (newest first, already filtered for the target's Python and platform)."""
    assert t.os
    assert t.arch
    found = _found(t)
    variants = cuda_variants(k, release, t.os, t.arch)
    if not variants:
        return Choice("cpu", (found, f"torch {release.version} has no CUDA wheels for "
                                     f"{t.os} {t.arch}; the CPU build is what runs here."))
    left_out = _left_out(k, variants, t)
    if left_out:
        return _without(k, release, t, older, left_out)
    known = t.nvidia_state == "loaded"
    kept = _installed_if_driver_unknown(k, variants, t)
    if kept is not None:
        reason = t.nvidia_reason or "unknown"
        return Choice(kept, (found, f"The installed torch is a {kept} build with kernels for the "
                                    "GPU; the driver that decides whether it runs could not be "
                                    "checked, so its variant is kept."),
                      caveat=(f"The NVIDIA driver could not be checked ({reason}): run "
                              "`nvidia-smi` to see it before changing the installed build."))
    fits = [v for v in variants if kernels_fit(k, v, t) and (driver_fits(k, v, t) or not known)]
    likely = [v for v in variants if kernels_fit(k, v, t) is not False and
              (driver_fits(k, v, t) is not False)]
    pick = (fits or likely)[0] if (fits or likely) else None
    reasons = [found]
    if pick is not None and pick != variants[0]:
        reasons.append(f"{variants[0]}, {role(k, release, variants[0], t)}, does not fit: "
                       + "; ".join(why_not(k, variants[0], t) or ["its fit is unknown"]) + ".")
    if pick is not None:
        reasons.append(_fits_text(k, release, pick, t))
        if pick not in fits:
            reasons.append("Part of the fit could not be confirmed (an unknown compute capability "
                           "or arch list); the verify stage will show whether kernels run.")
        minimum = k.min_driver(pick, t.driver_os)
        if t.nvidia_state == "missing":
            return Choice(pick, tuple(reasons),
                          prerequisite=f"Install the NVIDIA driver {minimum} or newer")
        if t.nvidia_state == "unknown":
            reasons.append(f"Make sure the NVIDIA driver is {minimum} or newer ({pick} needs it).")
        return Choice(pick, tuple(reasons))
    # Nothing fits as things are: a newer driver, an older release, or the CPU build.
    for v in variants:
        reasons.extend(s[0].upper() + s[1:] + "." for s in why_not(k, v, t))  # "The ..."
    by_kernels = [v for v in variants if kernels_fit(k, v, t)]
    update = by_kernels[0] if by_kernels and known else None
    fallback = _older(k, older, t, need_driver=known)
    if update is not None:
        minimum = k.min_driver(update, t.driver_os)
        step = (f"Update the NVIDIA driver to {minimum} or newer (found {t.nvidia_driver}): "
                f"{update} needs it")
        reasons.append(f"A driver update fixes it: {step[0].lower() + step[1:]}.")
        others: tuple[OtherBuild, ...] = ()
        if fallback is not None:
            old, variant, sure = fallback
            has = "has kernels for the GPU" if sure else (
                "most likely has kernels for the GPU (its arch list is not in the knowledge)")
            reasons.append(f"An older release also fixes it: torch {old.version} with {variant} "
                           f"runs on driver {t.nvidia_driver} and {has}.")
            others = (OtherBuild(old, variant, f"Or keep driver {t.nvidia_driver} and install "
                                 f"torch {old.version} ({variant}), the newest release that runs "
                                 f"on it and {has}:"),)
        else:
            reasons.append(f"No older release both runs on driver {t.nvidia_driver} and has "
                           "kernels for this GPU.")
        return Choice(update, tuple(reasons), prerequisite=step, others=others)
    if fallback is not None:
        old, variant, _ = fallback
        reasons.append(f"torch {release.version} has no variant for this GPU; torch {old.version} "
                       f"({variant}) is the newest release that has.")
        first: str | None = None
        if t.nvidia_state == "missing":
            first = f"Install the NVIDIA driver {k.min_driver(variant, t.driver_os)} or newer"
        return Choice(variant, tuple(reasons), prerequisite=first, release=old)
    reasons.append(f"No known release of torch has CUDA kernels for the {gpu_label(t)} that this "
                   "machine can run; the CPU build is what runs here.")
    return Choice("cpu", tuple(reasons))
