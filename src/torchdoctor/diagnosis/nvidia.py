"""The `nvidia` check: the driver, the CUDA version it supports, and the GPUs.

Rules: nvidia-driver-missing, driver-too-old, driver-library-mismatch, gpu-too-old-for-any-wheel,
wsl-libcuda-not-found, cuda-visible-devices-hides-gpus, probe-failed.
"""

from __future__ import annotations

from collections import Counter

from torchdoctor.diagnosis import libraries
from torchdoctor.diagnosis.context import (
    NVIDIA_VENDOR,
    Ctx,
    commands_of,
    install_fix,
    join,
    make_check,
    probe_failed,
    problem,
)
from torchdoctor.diagnosis.devices import hidden_gpus
from torchdoctor.knowledge import cuda_minor
from torchdoctor.knowledge.compat import driver_runs_variant, sm_name, variant_runs_on_gpu
from torchdoctor.recommend.shell import hide_gpus
from torchdoctor.report import Check, Fix, Problem, Severity

ID, TITLE = "nvidia", "NVIDIA driver"


def check(ctx: Ctx) -> Check:
    n = ctx.facts.nvidia
    if n.status == "unknown" and ctx.facts.os.wsl == 2 and not n.nvidia_smi:
        return _absent(ctx, "no nvidia-smi in /usr/lib/wsl/lib"
                       + (f"; {n.reason}" if n.reason else ""))
    if n.status == "unknown":
        why = n.reason or "the NVIDIA probe gave no answer"
        return make_check(ID, TITLE, "", [probe_failed(
            ID, f"The NVIDIA driver could not be checked ({why}); the driver "
            "version, its CUDA support and the GPUs' architectures were not judged.")],
            unknown=why)
    if n.status != "found":
        return _absent(ctx, n.reason or "no NVIDIA driver loaded")
    gpus = n.gpus or ()
    names = Counter(g.name for g in gpus)
    summary = join(n.driver_version or "driver version unknown",
                   f"supports CUDA ≤ {n.cuda_version}" if n.cuda_version else None,
                   ", ".join(f"{c}× {name}" for name, c in names.items()) or None)
    details = [join(f"GPU {g.index}: {g.name}",
                    sm_name(g.compute_capability) if g.compute_capability else None,
                    f"{g.memory_mib} MiB" if g.memory_mib else None) for g in gpus]
    problems = [*_mismatch(ctx), *_driver_old(ctx), *_too_old_gpus(ctx), *_no_devices(ctx),
                *libraries.wsl_libcuda(ctx, ID),
                *hidden_gpus(ctx, ("CUDA_VISIBLE_DEVICES",), len(gpus) if n.gpus else None, ID,
                             "NVIDIA")]
    if n.gpus is None and n.version_mismatch:
        # The mismatch is why NVML and nvidia-smi cannot list the GPUs: a longer timeout would
        # not help, the reboot the mismatch asks for will.
        details.append(f"GPUs not listed until the reboot ({n.reason or 'no answer'}); GPU "
                       "architecture support was not judged.")
    elif n.gpus is None:
        problems.append(probe_failed(ID,
                                f"The driver is loaded but its GPUs could not be listed "
                                f"({n.reason or 'no answer'}); GPU architecture support was "
                                "not judged."))
    elif n.reason:
        details.append(f"partly checked: {n.reason}")
    return make_check(ID, TITLE, summary, problems, details)


def _no_devices(ctx: Ctx) -> list[Problem]:
    """nvidia-smi answered "No devices were found": the driver runs but sees no GPU."""
    n = ctx.facts.nvidia
    if n.smi_message != "No devices were found" or n.gpus:
        return []
    on_bus = ctx.pci(NVIDIA_VENDOR)
    cuda_build = (ctx.variant or "").startswith("cu")
    if ctx.facts.os.container and not on_bus:
        return []  # the container line says the GPU was not passed in
    where = (f"{on_bus[0].name or 'an NVIDIA GPU'} is on the PCI bus, but" if on_bus
             else "The NVIDIA driver is loaded, but")
    return [problem("nvidia-gpu-not-visible", ID,
                    f"{where} nvidia-smi says \"No devices were found\": the driver does not "
                    "see the GPU (it failed to initialise it, it fell off the bus, or another "
                    "driver holds it)"
                    + (f"; torch {ctx.torch_label} cannot use it." if cuda_build else "."),
                    Fix("Reboot; if the GPU stays invisible, the kernel log says why (look for "
                        "NVRM and 'fallen off the bus' lines), and a reseat or a driver "
                        "reinstall may be needed. To see what the driver sees:",
                        ("nvidia-smi", "sudo dmesg --level=err,warn")),
                    severity=Severity.ERROR if cuda_build else None)]


def _absent(ctx: Ctx, why: str) -> Check:
    on_bus = ctx.pci(NVIDIA_VENDOR)
    cuda_build = (ctx.variant or "").startswith("cu")
    problems: list[Problem] = []
    no_driver = ctx.facts.nvidia.smi_message == "couldn't communicate with the NVIDIA driver"
    if no_driver and not ctx.facts.os.container and ctx.facts.os.wsl != 2:
        problems.append(problem("nvidia-driver-missing", ID,
                                "nvidia-smi is installed but \"couldn't communicate with the "
                                "NVIDIA driver\": the NVIDIA kernel module is not loaded"
                                + (f", so torch {ctx.torch_label} cannot use the GPU."
                                   if cuda_build else "."),
                                Fix("Reboot after a driver install or update. If it persists, "
                                    "the module failed to load: with Secure Boot on, an "
                                    "unsigned module is refused (enrol its key, or turn Secure "
                                    "Boot off), and a kernel update needs the driver rebuilt "
                                    "(DKMS). To check:",
                                    ("nvidia-smi", "mokutil --sb-state")),
                                severity=Severity.ERROR if cuda_build else None))
        return make_check(ID, TITLE, join("no driver loaded",
                                          on_bus[0].name if on_bus else None), problems, [why])
    if ctx.facts.os.wsl == 2 and cuda_build:
        problems.append(problem("wsl-libcuda-not-found", ID,
                                f"torch {ctx.torch_label} is a CUDA build, but WSL 2 finds no "
                                f"NVIDIA driver library ({why}).",
                                Fix("Install or update the NVIDIA driver in Windows (not inside "
                                    "WSL), run `wsl --shutdown` in Windows, and check that "
                                    "/usr/lib/wsl/lib holds libcuda.so; do not install a Linux "
                                    "NVIDIA driver inside WSL. To check:",
                                    ("ls -l /usr/lib/wsl/lib",))))
    elif on_bus and not ctx.facts.os.container and not ctx.jetson_needs_jetpack:
        gpu = on_bus[0].name or f"an NVIDIA GPU ({on_bus[0].device_id})"
        problems.append(problem("nvidia-driver-missing", ID,
                                f"{gpu} is on the PCI bus, but no NVIDIA driver is loaded"
                                + (f"; torch {ctx.torch_label} cannot use it." if cuda_build
                                   else "."),
                                _driver_fix(ctx, _plan_min_driver(ctx)),
                                severity=Severity.ERROR if cuda_build else None))
    if on_bus and not problems:
        return make_check(ID, TITLE, join("no driver loaded", on_bus[0].name), details=[why])
    if problems:
        return make_check(ID, TITLE, join("no driver loaded", on_bus[0].name if on_bus else None),
                          problems, [why])
    return make_check(ID, TITLE, "no NVIDIA GPU", details=[why], not_applicable=True)


def _plan_min_driver(ctx: Ctx) -> str | None:
    """The driver the recommended CUDA variant needs, so "install the driver" names a version."""
    compute = ctx.plan.compute if ctx.plan else ""
    return ctx.knowledge.min_driver(compute, ctx.driver_os) if compute.startswith("cu") else None


def _driver_fix(ctx: Ctx, minimum: str | None) -> Fix:
    """Installing the driver: Ubuntu's own tool is the exact command; elsewhere the steps, and
    nvidia-smi to check."""
    sentence = _driver_sentence(ctx, minimum)
    if ctx.facts.os.distribution_id == "ubuntu" and ctx.driver_os != "windows":
        return Fix(f"{sentence} Ubuntu's tool installs the driver it recommends:",
                   ("sudo ubuntu-drivers install",))
    return Fix(f"{sentence} Then check that it answers:", ("nvidia-smi",))


def _driver_sentence(ctx: Ctx, minimum: str | None) -> str:
    at_least = f" {minimum} or newer" if minimum else ""
    if ctx.driver_os == "windows":
        return (f"Install the NVIDIA driver{at_least} for Windows from nvidia.com (WSL 2 uses "
                "the Windows driver), then restart.")
    return (f"Install the NVIDIA driver{at_least} with your distribution's package manager "
            "(Ubuntu: `sudo ubuntu-drivers install`), then reboot.")


def _mismatch(ctx: Ctx) -> list[Problem]:
    n = ctx.facts.nvidia
    if not n.version_mismatch:
        return []
    versions = (f"the kernel module is {n.kernel_module_version} but the user-space library is "
                f"{n.userspace_version}" if n.kernel_module_version and n.userspace_version
                else "the kernel module and the user-space library differ")
    return [problem("driver-library-mismatch", ID,
                    f"NVIDIA driver/library version mismatch: {versions}. The driver was updated "
                    "without a reboot, so CUDA cannot start.",
                    Fix("Reboot the machine (or reload the nvidia kernel modules) so the new "
                        "driver's kernel module is the one running. Then check that the two "
                        "versions agree and nvidia-smi answers:",
                        ("cat /proc/driver/nvidia/version", "nvidia-smi")))]


def _driver_old(ctx: Ctx) -> list[Problem]:
    n, k = ctx.facts.nvidia, ctx.knowledge
    driver = n.driver_version
    cuda = f"supports CUDA up to {n.cuda_version}" if n.cuda_version else None
    found = f"driver {driver}" if driver else "the driver"
    found = f"{found} {cuda}" if cuda else found
    variant = ctx.variant or ""
    if cuda_minor(variant) and driver_runs_variant(
            k, variant, ctx.driver_os, driver, cuda_version=n.cuda_version) is False:
        minimum = k.min_driver(variant, ctx.driver_os)
        needs = (f"needs driver {minimum} or newer" if minimum
                 else f"needs CUDA {cuda_minor(variant)}")
        fix = _driver_fix(ctx, minimum)
        plan = ctx.plan
        if plan is not None and plan.compute != variant and driver_runs_variant(
                k, plan.compute, ctx.driver_os, driver, cuda_version=n.cuda_version):
            fix = Fix(f"{_driver_sentence(ctx, minimum)} Or install a build that runs on this "
                      f"driver (torch {plan.torch_version}, {plan.compute}):",
                      commands_of(plan.command))
        return [problem("driver-too-old", ID, f"{found}; torch {ctx.torch_label} {needs}.", fix)]
    plan = ctx.plan
    if ctx.installed or plan is None or not cuda_minor(plan.compute):
        return []
    if driver_runs_variant(k, plan.compute, ctx.driver_os, driver,
                           cuda_version=n.cuda_version) is not False:
        return []
    minimum = k.min_driver(plan.compute, ctx.driver_os)
    fix = _driver_fix(ctx, minimum)
    for alt in plan.alternatives:
        if alt.compute and driver_runs_variant(k, alt.compute, ctx.driver_os, driver,
                                               cuda_version=n.cuda_version):
            fix = Fix(f"{_driver_sentence(ctx, minimum)} {alt.label}", commands_of(alt.command))
            break
    return [problem("driver-too-old", ID,
                    f"{found}; the recommended torch {plan.torch_version} ({plan.compute}) needs "
                    f"driver {minimum or 'a newer driver'} or newer.", fix,
                    severity=Severity.WARNING)]


def _too_old_gpus(ctx: Ctx) -> list[Problem]:
    k = ctx.knowledge
    if ctx.os is None or ctx.arch is None:
        return []
    cuda_variants = [v for v in k.variants(k.stable, ctx.os, ctx.arch) if cuda_minor(v)]
    out = []
    for gpu in ctx.nvidia_gpus:
        cc = gpu.compute_capability
        if not cc or not cuda_variants:
            continue
        answers = [variant_runs_on_gpu(k, v, ctx.os, ctx.arch, cc) for v in cuda_variants]
        if any(a is not False for a in answers):
            continue  # some variant runs it, or the knowledge cannot say
        installed_ok = cuda_minor(ctx.variant or "") and variant_runs_on_gpu(
            k, ctx.variant or "", ctx.os, ctx.arch, cc) is not False
        others = [g for g in ctx.nvidia_gpus if g is not gpu and g.compute_capability and any(
            variant_runs_on_gpu(k, v, ctx.os, ctx.arch, g.compute_capability)
            for v in cuda_variants)]
        if others:
            # Beside GPUs that compute (a legacy display card, an old accelerator): the
            # recommendation is for those, and this card only needs hiding from torch.
            out.append(problem(
                "gpu-too-old-for-any-wheel", ID,
                f"{gpu.name} ({sm_name(cc)}) is older than every CUDA build of torch "
                f"{k.stable.version}; torch uses the {others[0].name} and must not be "
                "handed this card.",
                Fix("Hide it from torch in the shell that runs your code (PCI bus order, as "
                    "nvidia-smi numbers GPUs):",
                    (hide_gpus([g.index for g in others], ctx.os),)),
                severity=Severity.INFO))
            continue
        out.append(problem(
            "gpu-too-old-for-any-wheel", ID,
            f"{gpu.name} ({sm_name(cc)}) is older than every CUDA build of torch "
            f"{k.stable.version} ({', '.join(cuda_variants)}); no current release has kernels "
            "for it.",
            install_fix(ctx, "Stay on an older torch release that still supports this GPU, use "
                             "the CPU build, or build PyTorch from source for this "
                             "architecture:"),
            severity=Severity.INFO if installed_ok else None))
    return out
