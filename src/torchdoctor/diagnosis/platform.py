"""The `platform` check: OS, distribution, architecture, libc, WSL and containers.

Rules: platform-no-wheels, glibc-too-old, jetson-requires-jetpack-wheel, wsl1-no-gpu,
container-without-gpu-access, and probe-failed for the sections that feed this line.
"""

from __future__ import annotations

import shlex

from torchdoctor.diagnosis.context import (
    AMD_VENDOR,
    NVIDIA_VENDOR,
    Ctx,
    install_fix,
    join,
    make_check,
    probe_failed,
    problem,
)
from torchdoctor.knowledge import cuda_minor, version_key
from torchdoctor.report import Check, Fix, Problem, Severity

ID, TITLE = "platform", "Platform"
# torch 2.7 and newer ship manylinux_2_28 wheels only (2.6.0 was the last with manylinux2014 /
# manylinux1 x86_64 wheels, which run on glibc 2.17).
GLIBC_NEEDED, GLIBC_FROM = "2.28", "2.7.0"
_OS_NAMES = {"linux": "Linux", "macos": "macOS", "windows": "Windows"}


def check(ctx: Ctx) -> Check:
    o = ctx.facts.os
    if o.status != "found":
        why = o.reason or "the OS probe gave no answer"
        return make_check(ID, TITLE, "", [probe_failed(
            ID, f"The operating system could not be read ({why}); which wheels "
            "exist for this machine was not judged."), *_secondary_probes(ctx)], unknown=why)
    libc = f"{o.libc_name} {o.libc_version or ''}".strip() if o.libc_name else None
    summary = join(f"{_OS_NAMES.get(o.system or '', o.system or '?')} {o.arch or ''}".strip(),
                   o.distribution, libc, f"WSL {o.wsl}" if o.wsl else None,
                   f"in {o.container}" if o.container else None, o.jetson_model)
    problems = [*_no_wheels(ctx), *_glibc(ctx), *_jetson(ctx), *_wsl1(ctx), *_container(ctx),
                *_secondary_probes(ctx)]
    details = [f"kernel {o.kernel}"] if o.kernel else []
    return make_check(ID, TITLE, summary, problems, details)


def _no_wheels(ctx: Ctx) -> list[Problem]:
    o, k = ctx.facts.os, ctx.knowledge
    if ctx.os is None or ctx.arch is None or ctx.facts.python.pointer_bits == 32:
        return []  # unknown, or a 32-bit interpreter (python-32bit says it more precisely)
    if ctx.facts.apple.python_translated:
        return []  # x86-python-on-apple-silicon names the real cause
    where = f"{_OS_NAMES.get(ctx.os, ctx.os)} {ctx.arch}"
    if ctx.os == "linux" and o.libc_name == "musl":
        if ctx.installed:
            return []
        return [problem("platform-no-wheels", ID,
                        f"This is a musl-based Linux ({o.distribution or 'musl libc'}); PyTorch "
                        "publishes wheels for glibc-based Linux (manylinux) only, so pip finds "
                        "no torch to install.",
                        Fix("Use a glibc-based distribution or container image (for example "
                            "python:3.12-slim instead of python:3.12-alpine)."))]
    stable = k.stable
    if ctx.arch in stable.arches.get(ctx.os, ()):
        return []
    last = next((r for r in k.releases if ctx.arch in r.arches.get(ctx.os, ())), None)
    if ctx.installed:
        if last is None:
            return []
        return [problem("platform-no-wheels", ID,
                        f"torch {stable.version} has no wheels for {where}; {last.version} was the "
                        f"last release with them, so the torch installed here cannot be upgraded.",
                        Fix(f"Stay on torch {last.version} or older here, or move to a machine "
                            "with current wheels."), severity=Severity.INFO)]
    if last is None:
        return [problem("platform-no-wheels", ID,
                        f"No PyTorch release has wheels for {where}; pip finds nothing to install.",
                        Fix("Use a supported platform (Linux x86_64/aarch64, Windows x86_64, "
                            "macOS arm64), or build PyTorch from source."))]
    return [problem("platform-no-wheels", ID,
                    f"torch {stable.version} has no wheels for {where}; the last release with "
                    f"them is {last.version}.",
                    install_fix(ctx, f"Install torch {last.version}:"), severity=Severity.WARNING)]


def _glibc(ctx: Ctx) -> list[Problem]:
    o = ctx.facts.os
    if ctx.os != "linux" or o.libc_name != "glibc" or not o.libc_version:
        return []
    if version_key(o.libc_version) >= version_key(GLIBC_NEEDED):
        return []
    found = f"glibc {o.libc_version}"
    advice = (f"Move to a distribution with glibc {GLIBC_NEEDED} or newer (RHEL/Rocky 8, "
              "Ubuntu 20.04, Debian 10 and later), or stay on torch 2.6.0, the last release "
              "built for older glibc.")
    installed = ctx.torch_public
    if installed and version_key(installed) < version_key(GLIBC_FROM):
        return [problem("glibc-too-old", ID,
                        f"{found} runs the installed torch {installed}, but torch {GLIBC_FROM} and "
                        f"newer need glibc {GLIBC_NEEDED} or newer (manylinux_2_28 wheels).",
                        Fix(advice + " To see the glibc version:", ("ldd --version",)),
                        severity=Severity.INFO)]
    what = f"torch {installed} is" if installed else f"torch {GLIBC_FROM} and newer are"
    return [problem("glibc-too-old", ID,
                    f"This system has {found}; {what} built for glibc {GLIBC_NEEDED} or newer "
                    "(manylinux_2_28), so pip finds no matching wheel or the library fails to "
                    "load.", Fix(advice + " To see the glibc version:", ("ldd --version",)))]


def _jetson(ctx: Ctx) -> list[Problem]:
    o = ctx.facts.os
    if not ctx.jetson_needs_jetpack:
        return []
    model = o.jetson_model or "This NVIDIA Jetson"
    release = f" (Jetson Linux {o.l4t_release})" if o.l4t_release else ""
    version = ctx.torch_version or ""
    if ctx.installed and ctx.variant != "cpu" and ".nv" in version:
        return []  # NVIDIA's JetPack build ("2.5.0a0+872d972e41.nv24.08")
    if ctx.installed and ctx.variant not in ("cpu", None):
        return []  # a CUDA build from another Jetson index (jetson-ai-lab): not judged further
    found = f"torch {version} is a CPU-only build" if ctx.installed else "torch is not installed"
    return [problem("jetson-requires-jetpack-wheel", ID,
                    f"{model}{release}: {found}. pytorch.org's aarch64 wheels do not run on the "
                    "Jetson's integrated GPU; NVIDIA publishes torch builds for each JetPack "
                    "release.",
                    Fix("Install the torch wheel NVIDIA publishes for your JetPack version "
                        "(NVIDIA's 'PyTorch for Jetson' page lists them), or use an "
                        "NVIDIA L4T PyTorch container. The Jetson Linux (L4T) release that "
                        "picks the wheel:", ("cat /etc/nv_tegra_release",)),
                    # An installed CPU build cannot use the GPU (error); with nothing installed
                    # this is advice for the install to come (warning).
                    severity=None if ctx.installed else Severity.WARNING)]


NVIDIA_CONTAINER_CHECK = "docker run --rm --gpus all ubuntu nvidia-smi"
AMD_CONTAINER_CHECK = ("docker run --rm --device /dev/kfd --device /dev/dri --group-add video "
                       "--group-add render rocm/rocm-terminal rocminfo")


def _wsl2_fix(ctx: Ctx) -> Fix:
    """WSL names the distribution in WSL_DISTRO_NAME; wsl.exe runs from inside WSL too."""
    name = ctx.facts.env.variables.get("WSL_DISTRO_NAME")
    if name:
        return Fix("Convert this distribution to WSL 2 (it restarts it), then run torchdoctor "
                   "again:", (f"wsl.exe --set-version {shlex.quote(name)} 2",))
    return Fix("Convert this distribution to WSL 2 (in Windows: wsl --set-version <distribution> "
               "2, with the name this lists), then run torchdoctor again:",
               ("wsl.exe --list --verbose",))


def _wsl1(ctx: Ctx) -> list[Problem]:
    if ctx.facts.os.wsl != 1:
        return []
    gpu_build = (ctx.variant or "").startswith(("cu", "rocm"))
    found = f"torch {ctx.torch_label} is a GPU build, but " if gpu_build else ""
    return [problem("wsl1-no-gpu", ID,
                    f"{found}this is WSL 1, which has no GPU access at all; only WSL 2 passes the "
                    "Windows GPU driver through.",
                    _wsl2_fix(ctx),
                    severity=None if gpu_build else Severity.INFO)]


def _container(ctx: Ctx) -> list[Problem]:
    f = ctx.facts
    if not f.os.container:
        return []
    where = f"this {f.os.container} container"
    nvidia_on_bus = ctx.pci(NVIDIA_VENDOR)
    if nvidia_on_bus and not ctx.nvidia_driver_loaded:
        name = nvidia_on_bus[0].name or "an NVIDIA GPU"
        return [problem("container-without-gpu-access", ID,
                        f"The host has {name}, but {where} has no NVIDIA driver access "
                        "(no driver files or devices inside).",
                        Fix("Start the container with GPU access: install the NVIDIA Container "
                            "Toolkit on the host and run with --gpus all (docker), "
                            "--device nvidia.com/gpu=all (podman), or request nvidia.com/gpu "
                            "(Kubernetes). On the host, this checks that containers get the "
                            "GPU:", (NVIDIA_CONTAINER_CHECK,)))]
    amd_on_bus = [g for g in ctx.pci(AMD_VENDOR) if g.gfx]
    if amd_on_bus and f.amd.kfd_present is False and f.amd.status != "found":
        return [problem("container-without-gpu-access", ID,
                        f"The host has {amd_on_bus[0].name or 'an AMD GPU'}, but {where} cannot "
                        "see /dev/kfd.",
                        Fix("Start the container with --device /dev/kfd --device /dev/dri "
                            "--group-add video --group-add render. On the host, this checks "
                            "that a container started so sees the GPU:", (AMD_CONTAINER_CHECK,)))]
    if cuda_minor(ctx.variant or "") and not ctx.nvidia_driver_loaded:
        # A CUDA build with no GPU in sight still works, on the CPU: nothing is broken, but the
        # GPU may just not be passed in, or the build is gigabytes larger than it needs to be.
        return [problem("container-without-gpu-access", ID,
                        f"torch {ctx.torch_label} is a CUDA build, but no GPU is visible in "
                        f"{where}; it runs on the CPU.",
                        Fix("If the host has an NVIDIA GPU, start the container with --gpus all "
                            "(NVIDIA Container Toolkit on the host); otherwise the CPU build is "
                            "much smaller (see the install command). On the host, this checks "
                            "that containers get the GPU:", (NVIDIA_CONTAINER_CHECK,)),
                        severity=Severity.INFO)]
    wanted = f.env.variables.get("NVIDIA_VISIBLE_DEVICES", "")
    if wanted and wanted not in ("void", "none") and not ctx.nvidia_driver_loaded:
        # The image asks for GPUs (nvidia/cuda images set this) but none arrived; the host may
        # simply have none, so this stays informational.
        return [problem("container-without-gpu-access", ID,
                        f"NVIDIA_VISIBLE_DEVICES={wanted} asks for GPUs, but {where} has no "
                        "NVIDIA driver access.",
                        Fix("If the host has an NVIDIA GPU, run the container with --gpus all."),
                        severity=Severity.INFO)]
    return []


def _secondary_probes(ctx: Ctx) -> list[Problem]:
    # The PCI and environment probes feed several lines; their failure is reported here once.
    f, out = ctx.facts, []
    if f.pci.status == "unknown":
        why = f.pci.reason or "no answer"
        out.append(probe_failed(ID,
                           f"GPUs on the PCI bus could not be listed ({why}); GPUs without a "
                           "loaded driver were not looked for."))
    if f.env.status == "unknown":
        why = f.env.reason or "no answer"
        out.append(probe_failed(ID,
                           f"The environment variables could not be read ({why}); index URLs "
                           "and *_VISIBLE_DEVICES were not judged."))
    if f.loader is not None and f.loader.status == "unknown":
        why = f.loader.reason or "no answer"
        out.append(probe_failed(ID,
                           f"Where the loader finds torch's CUDA libraries could not be told "
                           f"({why}); LD_LIBRARY_PATH shadowing was not judged."))
    return out
