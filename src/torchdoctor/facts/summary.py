"""The facts as short human lines (label, status, text): what `torchdoctor detect` prints.

Pure text, no rich: the command decides glyphs and colour. `verbose` adds GPUs, distributions and
probe durations.
"""

from __future__ import annotations

from dataclasses import dataclass

from torchdoctor.facts.model import Facts, Status


@dataclass(frozen=True)
class Line:
    """One summary line; `detail` lines are printed indented under it."""

    label: str
    status: Status
    text: str
    detail: tuple[str, ...] = ()


def _gib(value: int | None) -> str:
    return f"{value / 2**30:.1f} GiB" if value is not None else "?"


def _join(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p)


def summary(facts: Facts, verbose: bool = False) -> list[Line]:
    """The lines, in display order."""
    lines = [
        _os(facts),
        _cpu(facts),
        _resources(facts),
        _python(facts, verbose),
        _torch(facts),
        _nvidia(facts, verbose),
        _pci(facts, verbose),
        _amd(facts),
        _apple(facts),
        _intel(facts),
        _env(facts, verbose),
        *_conda(facts),
        *_project(facts, verbose),
    ]
    return [*lines, _probes(facts)] if verbose else lines


def _os(f: Facts) -> Line:
    o = f.os
    if o.status != "found":
        return Line("System", o.status, o.reason or "")
    libc = f"{o.libc_name} {o.libc_version or ''}".strip() if o.libc_name else None
    wsl = f"WSL {o.wsl}" if o.wsl else None
    container = f"in {o.container}" if o.container else None
    kernel = f"kernel {o.kernel}" if o.kernel and o.system == "linux" else None
    return Line(
        "System",
        "found",
        _join(o.distribution or o.system, kernel, o.arch, libc, wsl, container, o.jetson_model),
    )


def _cpu(f: Facts) -> Line:
    c = f.cpu
    if c.status != "found":
        return Line("CPU", c.status, c.reason or "")
    isa = None
    if c.avx is not None:
        flags = [n for n, v in (("AVX", c.avx), ("AVX2", c.avx2), ("AVX-512", c.avx512f)) if v]
        isa = " ".join(flags) if flags else "no AVX"
    cores = f"{c.logical_cores} cores" if c.logical_cores else None
    return Line("CPU", "found", _join(c.model, cores, isa))


def _resources(f: Facts) -> Line:
    r = f.resources
    if r.status != "found":
        return Line("Resources", r.status, r.reason or "")
    memory = f"RAM {_gib(r.memory_total_bytes)} ({_gib(r.memory_available_bytes)} available)"
    disk = f"disk {_gib(r.packages_disk.free_bytes)} free" if r.packages_disk else None
    temp = f"temp {_gib(r.temp_disk.free_bytes)} free" if r.temp_disk else None
    return Line("Resources", "found", _join(memory, disk, temp))


def _python(f: Facts, verbose: bool) -> Line:
    p = f.python
    if p.status != "found":
        return Line("Python", p.status, p.reason or p.requested or "")
    build = _join(
        f"{p.version} {p.implementation or ''}".strip(),
        f"{p.pointer_bits}-bit" if p.pointer_bits else None,
        "free-threaded" if p.free_threaded else None,
    )
    env = f"{p.env_kind} ({p.env_name})" if p.env_name else p.env_kind
    detail = []
    if p.pip3_belongs is False:
        detail.append(f"pip3 on PATH belongs to another interpreter: {p.pip3_path}")
    if p.cwd_shadow:
        detail.append(f"{p.cwd_shadow} in the working directory shadows the real torch")
    if p.user_site_enabled and p.user_site_has_torch:
        detail.append(f"a torch in the user site {p.user_site} shadows the environment's")
    if p.externally_managed:
        detail.append("externally managed (PEP 668): pip refuses to install here")
    if verbose:
        detail.extend(f"{d.name} {d.version}  [{d.location}]" for d in p.distributions or ())
    return Line("Python", "found", _join(p.executable or p.requested, build, env), tuple(detail))


def _torch(f: Facts) -> Line:
    p = f.python
    if p.status != "found":
        return Line("torch", "unknown", "not known: the target interpreter could not be inspected")
    torch = p.torch
    if torch is None:
        return Line("torch", "absent", "not installed")
    build = "CPU build"
    if torch.cuda:
        build = f"CUDA {torch.cuda} build"
    elif torch.hip:
        build = f"ROCm (HIP {torch.hip}) build"
    elif torch.xpu:
        build = f"XPU build {torch.xpu}"
    copies = len(p.torch_copies or ())
    more = (
        (f"{copies - 1} more cop{'y' if copies == 2 else 'ies'} on sys.path",) if copies > 1 else ()
    )
    return Line(
        "torch", "found", _join(torch.version or "unknown version", build, torch.path), more
    )


def _nvidia(f: Facts, verbose: bool) -> Line:
    n = f.nvidia
    if n.status != "found":
        return Line("NVIDIA", n.status, n.reason or "")
    text = _join(
        f"driver {n.driver_version}" if n.driver_version else "driver version unknown",
        f"CUDA {n.cuda_version}" if n.cuda_version else None,
        "kernel module and user space differ: reboot needed" if n.version_mismatch else None,
    )
    detail = [
        _join(
            f"GPU {g.index}: {g.name}",
            f"sm_{g.compute_capability.replace('.', '')}" if g.compute_capability else None,
            f"{g.memory_mib} MiB" if g.memory_mib else None,
        )
        for g in n.gpus or ()
    ]
    if n.reason and (verbose or n.gpus is None):
        detail.append(n.reason)
    return Line("NVIDIA", "found", text, tuple(detail))


def _pci(f: Facts, verbose: bool) -> Line:
    p = f.pci
    if p.status != "found":
        return Line("GPUs (PCI)", p.status, p.reason or "")
    names = [
        _join(
            g.name or f"{g.vendor_id}:{g.device_id}",
            g.kind,
            g.arch,
            g.gfx,
            f"driver {g.driver}" if g.driver else ("no driver" if p.source == "sysfs" else None),
        )
        for g in p.gpus or ()
    ]
    return Line(
        "GPUs (PCI)",
        "found",
        names[0] if len(names) == 1 else f"{len(names)} devices",
        tuple(names) if len(names) > 1 else (),
    )


def _amd(f: Facts) -> Line:
    a = f.amd
    if a.status != "found":
        return Line("AMD ROCm", a.status, a.reason or "")
    gfx = ", ".join(g.gfx for g in a.gpus or ()) or None
    access = None
    if a.kfd_accessible is False or a.render_accessible is False:
        access = "no access to /dev/kfd or /dev/dri (render/video group)"
    rocm = f"ROCm {a.rocm_version}" if a.rocm_version else "no ROCm install found"
    return Line("AMD ROCm", "found", _join(gfx, rocm, access))


def _apple(f: Facts) -> Line:
    a = f.apple
    if a.status != "found":
        return Line("Apple", a.status, a.reason or "")
    return Line(
        "Apple",
        "found",
        _join(
            f"macOS {a.macos_version}" if a.macos_version else None,
            a.chip,
            "Python runs under Rosetta (x86_64)" if a.python_translated else None,
        ),
    )


def _intel(f: Facts) -> Line:
    i = f.intel
    if i.status != "found":
        return Line("Intel XPU", i.status, i.reason or "")
    gpus = ", ".join(f"{g.name or g.device_id}{' (XPU)' if g.xpu else ''}" for g in i.gpus or ())
    runtime = "Level Zero found" if i.level_zero_loader else "no Level Zero runtime"
    return Line("Intel XPU", "found", _join(gpus or None, runtime))


def _env(f: Facts, verbose: bool) -> Line:
    e = f.env
    if e.status != "found":
        return Line("Environment", e.status, e.reason or "")
    items = [f"{k}={v}" for k, v in e.variables.items()]
    items += [f"LD_LIBRARY_PATH has CUDA libraries: {d}" for d in e.ld_library_path_cuda]
    return Line(
        "Environment",
        "found",
        items[0] if len(items) == 1 else f"{len(items)} variables",
        tuple(items if len(items) > 1 else ()),
    )


def _conda(f: Facts) -> list[Line]:
    """The conda environment's torch packages (nothing for a target that is no conda env)."""
    c = f.conda
    if c is None or c.status == "absent":
        return []
    if c.status != "found":
        return [Line("conda", c.status, c.reason or "")]
    packages = [" ".join(filter(None, (p.name, p.version, p.build))) + f" ({p.channel or '?'})"
                for p in c.packages or ()]
    text = _join(c.manager, f"{c.records} packages", packages[0] if packages else "no torch")
    return [Line("conda", "found", text, tuple(packages[1:]))]


def _project(f: Facts, verbose: bool) -> list[Line]:
    p = f.project
    if p is None:
        return []
    if p.status != "found":
        return [Line("Project", p.status, p.reason or "")]
    files = p.files or ()
    names = [x.path.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] + ("" if x.read else " (not read)")
             for x in files]
    detail = tuple(f"{x.path}: {len(x.entries)} entries" if x.read else
                   f"{x.path}: could not read ({x.reason})" for x in files) if verbose else ()
    return [Line("Project", "found", _join(p.directory, ", ".join(names)), detail)]


def _probes(f: Facts) -> Line:
    slow = max(f.probes, key=lambda r: r.duration_s, default=None)
    text = f"{len(f.probes)} probes, slowest {slow.name} {slow.duration_s:.3f} s" if slow else ""
    return Line(
        "Probes",
        "found",
        text,
        tuple(
            f"{r.name}: {r.duration_s:.3f} s{f' ({r.reason})' if r.reason else ''}"
            for r in f.probes
        ),
    )
