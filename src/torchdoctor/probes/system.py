"""Operating system, CPU and resources: files and platform calls, no tools needed on Linux."""

from __future__ import annotations

import re

from torchdoctor.facts import CpuFacts, DiskSpace, OsFacts, PythonFacts, ResourceFacts
from torchdoctor.host import Host
from torchdoctor.probes._util import Budget, list_dir, read

_SYSTEMS = {"linux": "linux", "darwin": "macos", "windows": "windows"}


def system_name(host: Host) -> str:
    """linux | macos | windows | the platform's own name in lower case."""
    raw = host.platform.system.lower()
    return _SYSTEMS.get(raw, raw or "unknown")


def normalise_arch(machine: str, system: str) -> str:
    """x86_64 | aarch64 (Linux) | arm64 (macOS, Windows) | the machine name in lower case."""
    value = machine.lower()
    if value in ("x86_64", "amd64", "x64"):
        return "x86_64"
    if value in ("aarch64", "arm64", "armv8", "armv8l"):
        return "aarch64" if system == "linux" else "arm64"
    return value


def probe_os(host: Host, timeout: float) -> OsFacts:
    """Distribution, kernel, architecture, libc, WSL and container."""
    plat = host.platform
    system = system_name(host)
    arch = normalise_arch(plat.machine, system)
    if system == "macos":
        version = plat.mac_version or None
        return OsFacts(
            status="found",
            system=system,
            version=version,
            kernel=plat.release or None,
            distribution=f"macOS {version}" if version else "macOS",
            arch=arch,
        )
    if system == "windows":
        version = plat.version or None
        return OsFacts(
            status="found",
            system=system,
            version=version,
            kernel=plat.version or None,
            distribution=_windows_name(plat.release, plat.version),
            arch=arch,
        )
    os_release = _parse_os_release(read(host, "/etc/os-release") or "")
    libc_name, libc_version = plat.libc
    if not libc_name and any(n.startswith("ld-musl") for n in list_dir(host, "/lib")):
        libc_name = "musl"
    jetson_model = (read(host, "/proc/device-tree/model") or "").strip("\x00 \n") or None
    if jetson_model and "jetson" not in jetson_model.lower():
        jetson_model = None
    return OsFacts(
        status="found",
        system=system,
        version=os_release.get("VERSION_ID"),
        distribution=os_release.get("PRETTY_NAME") or os_release.get("NAME"),
        distribution_id=os_release.get("ID"),
        kernel=plat.release or None,
        arch=arch,
        libc_name=libc_name or None,
        libc_version=libc_version or None,
        wsl=_wsl(host),
        container=_container(host),
        jetson_model=jetson_model,
        l4t_release=_l4t_release(read(host, "/etc/nv_tegra_release")),
    )


def _windows_name(release: str, version: str) -> str:
    # platform.release() says "10" on Windows 11 too; build 22000 and later is Windows 11.
    match = re.match(r"10\.0\.(\d+)", version)
    if match and int(match.group(1)) >= 22000:
        return "Windows 11"
    return f"Windows {release}".strip()


def _parse_os_release(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and not key.startswith("#"):
            values[key.strip()] = value.strip().strip("\"'")
    return values


def _wsl(host: Host) -> int | None:
    proc_version = (read(host, "/proc/version") or "").lower()
    release = host.platform.release.lower()
    if (
        "microsoft" not in proc_version
        and "microsoft" not in release
        and not host.exists("/proc/sys/fs/binfmt_misc/WSLInterop")
    ):
        return None
    # WSL 2 runs a real Linux kernel ("...-microsoft-standard-WSL2") with the GPU paravirtualised
    # through /dev/dxg; WSL 1 translates syscalls ("4.4.0-19041-Microsoft") and has neither.
    if "wsl2" in proc_version or "microsoft-standard" in proc_version or host.exists("/dev/dxg"):
        return 2
    if "wsl2" in release or "microsoft-standard" in release:
        return 2
    return 1


def _container(host: Host) -> str | None:
    if host.env.get("KUBERNETES_SERVICE_HOST"):
        return "kubernetes"
    if host.exists("/run/.containerenv"):
        return "podman"
    if host.exists("/.dockerenv"):
        return "docker"
    cgroup = (read(host, "/proc/1/cgroup") or "").lower()
    for marker, name in (("kubepods", "kubernetes"), ("libpod", "podman"), ("docker", "docker")):
        if marker in cgroup:
            return name
    if "/lxc" in cgroup or host.env.get("container") == "lxc":
        return "lxc"
    return None


def _l4t_release(text: str | None) -> str | None:
    # "# R36 (release), REVISION: 4.3, GCID: ..." -> "36.4.3"
    match = re.search(r"R(\d+) \(release\), REVISION: ([\d.]+)", text or "")
    return f"{match.group(1)}.{match.group(2)}" if match else None


def probe_cpu(host: Host, timeout: float) -> CpuFacts:
    """CPU model, logical cores and the AVX family (x86 only)."""
    system = system_name(host)
    arch = normalise_arch(host.platform.machine, system)
    x86 = arch in ("x86_64", "i386", "i686", "x86")
    if system == "linux":
        return _cpu_linux(host, x86)
    if system == "macos":
        return _cpu_macos(host, Budget(timeout), x86)
    model = host.env.get("PROCESSOR_IDENTIFIER") if system == "windows" else None
    reason = "instruction-set features are not read on this platform" if x86 else None
    return CpuFacts(status="found", model=model, logical_cores=host.cpu_count(), reason=reason)


def _cpu_linux(host: Host, x86: bool) -> CpuFacts:
    cores = host.cpu_count()
    cpuinfo = read(host, "/proc/cpuinfo")
    if cpuinfo is None:
        return CpuFacts(status="unknown", reason="/proc/cpuinfo: not readable", logical_cores=cores)
    model = _cpuinfo_value(cpuinfo, ("model name", "Hardware", "Model", "cpu model"))
    if not x86:  # AVX is an x86 matter; Arm wheels need no such check
        return CpuFacts(status="found", model=model or None, logical_cores=cores)
    flags = set(_cpuinfo_value(cpuinfo, ("flags",)).split())
    return CpuFacts(
        status="found",
        model=model or None,
        logical_cores=cores,
        avx="avx" in flags,
        avx2="avx2" in flags,
        avx512f="avx512f" in flags,
    )


def _cpu_macos(host: Host, budget: Budget, x86: bool) -> CpuFacts:
    cores = host.cpu_count()
    brand = host.run(["sysctl", "-n", "machdep.cpu.brand_string"], budget.left())
    model = brand.stdout.strip() or None if brand.ok else None
    if not x86:
        return CpuFacts(status="found", model=model, logical_cores=cores)
    features = host.run(["sysctl", "-n", "machdep.cpu.features"], budget.left())
    leaf7 = host.run(["sysctl", "-n", "machdep.cpu.leaf7_features"], budget.left())
    words = set(features.stdout.upper().split())
    words7 = set(leaf7.stdout.upper().split())
    return CpuFacts(
        status="found",
        model=model,
        logical_cores=cores,
        avx=("AVX1.0" in words) if features.ok else None,
        avx2=("AVX2" in words7) if leaf7.ok else None,
        avx512f=("AVX512F" in words7) if leaf7.ok else None,
    )


def _cpuinfo_value(text: str, keys: tuple[str, ...]) -> str:
    for key in keys:
        for line in text.splitlines():
            name, sep, value = line.partition(":")
            if sep and name.strip() == key:
                return value.strip()
    return ""


def probe_resources(host: Host, timeout: float, python: PythonFacts | None) -> ResourceFacts:
    """RAM, and free disk where the target's packages install and in its temporary directory."""
    memory = host.memory()
    packages_dir = python.purelib if python is not None else None
    temp_dir = python.temp_dir if python is not None else None
    if temp_dir is None:
        temp_dir = _default_temp_dir(host)
    packages = _disk(host, packages_dir)
    temp = _disk(host, temp_dir)
    missing = [
        what
        for what, value in (("memory", memory), ("package disk", packages), ("temp disk", temp))
        if value is None
    ]
    if memory is None and packages is None and temp is None:
        return ResourceFacts(status="unknown", reason="memory and disk space could not be read")
    return ResourceFacts(
        status="found",
        reason=f"not known: {', '.join(missing)}" if missing else None,
        memory_total_bytes=memory.total if memory else None,
        memory_available_bytes=memory.free if memory else None,
        packages_disk=packages,
        temp_disk=temp,
    )


def _default_temp_dir(host: Host) -> str:
    for name in ("TMPDIR", "TEMP", "TMP"):
        if host.env.get(name):
            return host.env[name]
    return "C:\\Windows\\Temp" if system_name(host) == "windows" else "/tmp"


def _disk(host: Host, path: str | None) -> DiskSpace | None:
    if not path:
        return None
    usage = host.disk_usage(path)
    if usage is None:
        return None
    return DiskSpace(path=path, total_bytes=usage.total, free_bytes=usage.free)
