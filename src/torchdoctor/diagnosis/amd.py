"""The `amd` check: ROCm, the GPUs' gfx targets and device access.

Rules: rocm-gfx-unsupported (with the known HSA_OVERRIDE_GFX_VERSION advice),
rocm-device-permissions, rocm-windows-unsupported, cuda-visible-devices-hides-gpus (HIP),
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
from torchdoctor.diagnosis.devices import hidden_gpus
from torchdoctor.facts.model import AmdGpu, PciGpu
from torchdoctor.knowledge.compat import gfx_of_override, gfx_supported, hsa_override_for
from torchdoctor.report import Check, Fix, Problem, Severity

ID, TITLE = "amd", "AMD ROCm"


def check(ctx: Ctx) -> Check:
    a = ctx.facts.amd
    if a.status == "unknown":
        why = a.reason or "the AMD probe gave no answer"
        return make_check(ID, TITLE, "", [probe_failed(
            ID, f"AMD GPUs could not be listed ({why}); ROCm support and device "
            "access were not judged.")], unknown=why)
    if ctx.os == "windows":
        return _windows(ctx)
    gpus = a.gpus or ()
    if a.status != "found" or not gpus:
        on_bus = [g for g in ctx.pci(AMD_VENDOR) if g.kind == "discrete"]
        if on_bus and ctx.os == "linux":
            return make_check(ID, TITLE, join(on_bus[0].name, "amdgpu compute (KFD) not "
                                              "available"), details=[a.reason or ""],
                              not_applicable=True)
        if on_bus and ctx.os == "macos":  # a Radeon in an Intel Mac: torch uses it through MPS
            return make_check(ID, TITLE, join(on_bus[0].name, "no ROCm on macOS"),
                              not_applicable=True)
        igpus = [g for g in ctx.pci(AMD_VENDOR) if g.kind == "integrated"]
        if igpus:
            return make_check(ID, TITLE, _integrated(ctx, igpus[0]),
                              details=[a.reason] if a.reason else [], not_applicable=True)
        return make_check(ID, TITLE, "no AMD GPU", details=[a.reason] if a.reason else [],
                          not_applicable=True)
    summary = join(f"ROCm {a.rocm_version}" if a.rocm_version else None,
                   ", ".join(f"{g.name or 'AMD GPU'} ({g.gfx})" for g in gpus))
    problems = [*_access(ctx), *_gfx(ctx, gpus),
                *hidden_gpus(ctx, ("HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES"), len(gpus),
                             ID, "AMD")]
    details = [f"partly checked: {a.reason}"] if a.reason else []
    return make_check(ID, TITLE, summary, problems, details)


def _integrated(ctx: Ctx, gpu: PciGpu) -> str:
    """An integrated AMD GPU that ROCm does not use, named like the Intel line names its GPUs.

    Most iGPUs are in no ROCm build's target list (gfx1036 Raphael is not); the few that are
    (gfx1151 Strix Halo) are said to lack KFD compute instead."""
    k = ctx.knowledge
    what = ", ".join(part for part in ("integrated", gpu.gfx) if part)
    name = f"{gpu.name or 'AMD GPU'} ({what})"
    rocm = {v for r in k.releases for v in k.variants(r, "linux", ctx.arch or "x86_64")
            if v.startswith("rocm")}
    if gpu.gfx and any(gfx_supported(k, v, gpu.gfx) for v in rocm):
        return join(name, "amdgpu compute (KFD) not available")
    return join(name, "not a target of any ROCm build")


def _windows(ctx: Ctx) -> Check:
    on_bus = [g for g in ctx.pci(AMD_VENDOR) if g.kind != "integrated"] or list(ctx.pci(AMD_VENDOR))
    if not on_bus:
        return make_check(ID, TITLE, "no AMD GPU", not_applicable=True)
    name = on_bus[0].name or "an AMD GPU"
    return make_check(ID, TITLE, join(name, "no ROCm builds for Windows"), [problem(
        "rocm-windows-unsupported", ID,
        f"This Windows machine has {name}; pytorch.org publishes ROCm builds of torch for Linux "
        "only, so torch here runs on the CPU.",
        Fix("Use Linux (native, or WSL 2 with AMD's ROCm for WSL where your GPU is supported) "
            "for ROCm builds; on Windows keep the CPU build. To see the WSL distributions and "
            "their versions:", ("wsl --list --verbose",)),
        severity=Severity.INFO)], not_applicable=True)


def _access(ctx: Ctx) -> list[Problem]:
    a = ctx.facts.amd
    blocked = []
    if a.kfd_present and a.kfd_accessible is False:
        blocked.append("/dev/kfd")
    if a.render_accessible is False:
        blocked.append("/dev/dri/renderD*")
    if not blocked:
        return []
    rocm_build = (ctx.variant or "").startswith("rocm")
    return [problem("rocm-device-permissions", ID,
                    f"This user cannot open {' and '.join(blocked)}, so ROCm sees no GPU"
                    + (f" and torch {ctx.torch_label} falls back to the CPU." if rocm_build
                       else ".") + _groups_said(a.session_groups, a.member_of),
                    _access_fix(a.session_groups, a.member_of),
                    severity=None if rocm_build else Severity.WARNING)]


def _groups_said(session: tuple[str, ...] | None, member: tuple[str, ...] | None) -> str:
    missing = [g for g in ("render", "video") if session is not None and g not in session]
    if not missing:
        return ""
    added_since = [g for g in missing if member is not None and g in member]
    if added_since:
        return (f" You are in {' and '.join(added_since)} (/etc/group), but this login session "
                "started before that and does not have it yet.")
    return f" This session is not in the {' and '.join(missing)} group."


def _access_fix(session: tuple[str, ...] | None, member: tuple[str, ...] | None) -> Fix:
    missing = [g for g in ("render", "video") if session is None or g not in session]
    if member is not None and missing and all(g in member for g in missing):
        # usermod already happened: a new login (or newgrp for this shell) picks it up.
        return Fix("Log out and in again (or reboot) so the session gets the groups; for this "
                   "shell alone, `newgrp render`. Then check:", ("id -nG",))
    return Fix("Add yourself to the render and video groups, then log out and in again (in a "
               "container: --device /dev/kfd --device /dev/dri --group-add video --group-add "
               "render). Then check with `id -nG`:",
               ('sudo usermod -aG render,video "$USER"',))


def _gfx(ctx: Ctx, gpus: tuple[AmdGpu, ...]) -> list[Problem]:
    k, variant = ctx.knowledge, ctx.variant or ""
    override = ctx.facts.env.variables.get("HSA_OVERRIDE_GFX_VERSION")
    out = []
    if variant.startswith("rocm"):
        targets = k.gfx_targets(variant)
        for gpu in gpus:
            if gfx_supported(k, variant, gpu.gfx) is not False:
                continue  # in the build, or the knowledge has no gfx list for this variant
            name = f"{gpu.name or 'The AMD GPU'} ({gpu.gfx})"
            span = ", ".join(targets or ())
            if override and targets and _override_target(override) in targets:
                out.append(problem("rocm-gfx-unsupported", ID,
                                   f"{name} is not among the targets of torch "
                                   f"{ctx.torch_label}; HSA_OVERRIDE_GFX_VERSION={override} "
                                   f"makes it run {_override_target(override)} code (a "
                                   "workaround AMD does not support).",
                                   Fix("Nothing to do while torch works; if kernels fail or give "
                                       "wrong results, unset HSA_OVERRIDE_GFX_VERSION and use "
                                       "the CPU build."), severity=Severity.INFO))
                continue
            # Whether HSA_OVERRIDE_GFX_VERSION makes it run cannot be told without the variables.
            env_unknown = ctx.facts.env.status == "unknown"
            out.append(problem("rocm-gfx-unsupported", ID,
                               f"{name} is not among the targets of torch {ctx.torch_label} "
                               f"({span}); its kernels will not load"
                               + (" unless HSA_OVERRIDE_GFX_VERSION is set (the environment "
                                  "could not be read)." if env_unknown else "."),
                               _override_fix(ctx, gpu.gfx, targets),
                               severity=Severity.WARNING if env_unknown else None))
        return out
    # No ROCm build installed: say so only where a ROCm build would be the way to use the GPU.
    current = [v for v in k.variants(k.stable, ctx.os or "linux", ctx.arch or "x86_64")
               if v.startswith("rocm")]
    for gpu in gpus:
        if not current or any(gfx_supported(k, v, gpu.gfx) is not False for v in current):
            continue
        value = hsa_override_for(gpu.gfx)
        if value is None:
            continue  # no known way: the CPU build is the right one, nothing to say
        out.append(problem("rocm-gfx-unsupported", ID,
                           f"{gpu.name or 'The AMD GPU'} ({gpu.gfx}) is not among the targets of "
                           f"torch {k.stable.version}'s ROCm builds; with "
                           f"HSA_OVERRIDE_GFX_VERSION={value} it can run "
                           f"{gfx_of_override(value)} code (unsupported by AMD).",
                           Fix(f"To try it, set HSA_OVERRIDE_GFX_VERSION={value} and install "
                               "the ROCm build; otherwise the CPU build is the one to use."),
                           severity=Severity.INFO))
    return out


def _override_target(value: str) -> str | None:
    try:
        return gfx_of_override(value)
    except (ValueError, IndexError):
        return None


def _override_fix(ctx: Ctx, gfx: str, targets: tuple[str, ...] | None) -> Fix:
    value = hsa_override_for(gfx, targets)
    if value is None:
        return install_fix(ctx, "No ROCm build carries this GPU's target; use the CPU build:")
    return Fix(f"Set HSA_OVERRIDE_GFX_VERSION={value} before starting Python so ROCm loads "
               f"{gfx_of_override(value)} code (works for most of PyTorch; not supported by "
               "AMD).", (f"export HSA_OVERRIDE_GFX_VERSION={value}",))
