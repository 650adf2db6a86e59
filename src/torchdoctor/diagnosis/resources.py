"""The `resources` check: memory, free disk where torch installs and unpacks, CPU features.

Rules: low-disk-space, low-memory-install, cpu-missing-avx, probe-failed.
"""

from __future__ import annotations

import shlex

from torchdoctor.diagnosis.context import Ctx, gib, join, make_check, probe_failed, problem
from torchdoctor.facts.model import DiskSpace
from torchdoctor.report import Check, Fix, Problem, Severity

ID, TITLE = "resources", "Resources"
GiB = 2**30
# Free space an install needs (torch, its CUDA/ROCm libraries and the companions), and in the
# temporary directory where pip unpacks the largest wheel. CUDA builds pull ~3 GB of nvidia-*
# wheels; ROCm wheels bundle their libraries (~4 GB download, more unpacked).
DISK_NEEDED = {"cuda": (5 * GiB, 3 * GiB), "rocm": (10 * GiB, 5 * GiB),
               "xpu": (5 * GiB, 3 * GiB), "cpu": (1 * GiB, 1 * GiB)}
MEMORY_NEEDED = 4 * GiB


def check(ctx: Ctx) -> Check:
    r, c = ctx.facts.resources, ctx.facts.cpu
    problems: list[Problem] = []
    unknown = None
    if r.status == "unknown":
        unknown = r.reason or "the resources probe gave no answer"
        problems.append(probe_failed(ID, f"Memory and disk space could not be read "
                                f"({unknown}); room for an install was not judged."))
    if c.status == "unknown":
        unknown = unknown or c.reason or "the CPU probe gave no answer"
        problems.append(probe_failed(ID, f"The CPU's features could not be read "
                                f"({c.reason or 'no answer'}); AVX support was not judged."))
    isa = None
    if c.avx is not None:
        flags = [n for n, v in (("AVX", c.avx), ("AVX2", c.avx2), ("AVX-512", c.avx512f)) if v]
        isa = " ".join(flags) if flags else "no AVX"
    summary = join(
        f"RAM {gib(r.memory_total_bytes)}" if r.memory_total_bytes is not None else None,
        f"{gib(r.packages_disk.free_bytes)} free for packages" if r.packages_disk else None,
        f"{gib(r.temp_disk.free_bytes)} free in temp" if r.temp_disk else None, isa)
    problems += [*_disk(ctx), *_memory(ctx), *_avx(ctx)]
    details = [c.model] if c.model else []
    return make_check(ID, TITLE, summary, problems, details, unknown=unknown)


def _family(ctx: Ctx) -> str:
    compute = ctx.plan.compute if ctx.plan else (ctx.variant or "cpu")
    if compute.startswith("cu"):
        return "cuda"
    if compute.startswith("rocm"):
        return "rocm"
    return "xpu" if compute == "xpu" else "cpu"


def _disk(ctx: Ctx) -> list[Problem]:
    r = ctx.facts.resources
    family = _family(ctx)
    need_packages, need_temp = DISK_NEEDED[family]
    short: list[str] = []
    paths: list[str] = []
    for where, disk, need in (("for packages", r.packages_disk, need_packages),
                              ("in the temp directory", r.temp_disk, need_temp)):
        if isinstance(disk, DiskSpace) and disk.free_bytes < need:
            short.append(f"{gib(disk.free_bytes)} free {where} ({disk.path}; "
                         f"{gib(need)} needed)")
            paths.append(disk.path)
    if not short:
        return []
    # It matters when an install is due; a working install only needs it to upgrade.
    pending = not ctx.installed or (ctx.plan is not None and ctx.plan.replaces_installed)
    build = {"cuda": "a CUDA", "rocm": "a ROCm", "xpu": "an XPU", "cpu": "a CPU"}[family]
    return [problem("low-disk-space", ID,
                    f"Installing {build} build of torch needs room: {'; '.join(short)}.",
                    Fix("Free some space, or point the temporary directory elsewhere (TMPDIR on "
                        "Linux/macOS, TEMP on Windows) and install with --no-cache-dir. To see "
                        "the free space:", _free_space_commands(ctx, paths)),
                    severity=None if pending else Severity.INFO)]


def _memory(ctx: Ctx) -> list[Problem]:
    total = ctx.facts.resources.memory_total_bytes
    if total is None or total >= MEMORY_NEEDED:
        return []
    return [problem("low-memory-install", ID,
                    f"This machine has {gib(total)} of RAM; installing torch (pip holds large "
                    f"wheels in memory) and importing it comfortably need about "
                    f"{gib(MEMORY_NEEDED)}.",
                    Fix("Install with --no-cache-dir, close other programs or add swap; prefer "
                        "the CPU build where no GPU is used (it is much smaller). To see the "
                        "memory and swap:", _memory_commands(ctx)))]


def _avx(ctx: Ctx) -> list[Problem]:
    c = ctx.facts.cpu
    if ctx.arch != "x86_64" or c.avx is None:
        return []
    model = c.model or "This CPU"
    if c.avx is False:
        return [problem("cpu-missing-avx", ID,
                        f"{model} has no AVX; torch's x86_64 wheels are built and tested on "
                        "AVX2 machines and, in practice, crash with \"Illegal instruction\" "
                        "without AVX (often a virtual machine that hides CPU features).",
                        Fix("In a VM, pass the host CPU's features through (for example CPU type "
                            "'host' in Proxmox/QEMU); otherwise build PyTorch from source for "
                            "this CPU. To see the features the CPU shows:", _avx_commands(ctx)))]
    if c.avx2 is False:
        return [problem("cpu-missing-avx", ID,
                        f"{model} has AVX but no AVX2; torch runs its slower baseline kernels.",
                        Fix("In a VM, pass the host CPU's features through to get AVX2. To see "
                            "the features the CPU shows:", _avx_commands(ctx)),
                        severity=Severity.INFO)]
    return []


def _free_space_commands(ctx: Ctx, paths: list[str]) -> tuple[str, ...]:
    if ctx.os == "windows":
        return ("Get-PSDrive -PSProvider FileSystem",)
    return (f"df -h {' '.join(shlex.quote(p) for p in dict.fromkeys(paths))}".rstrip(),)


def _memory_commands(ctx: Ctx) -> tuple[str, ...]:
    if ctx.os == "windows":
        return ("Get-CimInstance Win32_OperatingSystem | Select-Object TotalVisibleMemorySize, "
                "FreePhysicalMemory",)
    return ("vm_stat",) if ctx.os == "macos" else ("free -h",)


def _avx_commands(ctx: Ctx) -> tuple[str, ...]:
    if ctx.os == "windows":
        return ("Get-CimInstance Win32_Processor | Select-Object Name",)
    if ctx.os == "macos":
        return ("sysctl machdep.cpu.features machdep.cpu.leaf7_features",)
    return ("grep -o -w -E 'avx|avx2|avx512f' /proc/cpuinfo | sort -u",)
