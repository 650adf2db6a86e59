"""Intel GPUs and the oneAPI Level Zero runtime that PyTorch's XPU build needs.

The GPUs themselves come from the PCI facts (see `torchdoctor.probes.derive`); this probe looks for
the Level Zero loader and Intel's GPU driver for it with file checks only.
"""

from __future__ import annotations

from torchdoctor.facts import IntelFacts
from torchdoctor.host import Host
from torchdoctor.probes.system import system_name

_LINUX_LIB_DIRS = (
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/lib",
    "/opt/intel/oneapi/redist/lib",
)
_WINDOWS_DIR = "C:\\Windows\\System32"


def probe(host: Host, timeout: float) -> IntelFacts:
    """Level Zero loader and GPU driver paths (Linux, Windows)."""
    system = system_name(host)
    if system == "macos":
        return IntelFacts(status="absent", reason="PyTorch's XPU build does not run on macOS")
    if system == "windows":
        loader = _first(host, [f"{_WINDOWS_DIR}\\ze_loader.dll"])
        driver = _first(host, [f"{_WINDOWS_DIR}\\ze_intel_gpu64.dll"])
    else:
        loader = _first(host, [f"{d}/libze_loader.so.1" for d in _LINUX_LIB_DIRS])
        driver = _first(
            host,
            [
                f"{d}/{n}"
                for d in _LINUX_LIB_DIRS
                for n in ("libze_intel_gpu.so.1", "libze_xe.so.1")
            ],
        )
    return IntelFacts(
        status="found" if loader or driver else "absent",
        reason=None if loader or driver else "no Level Zero runtime found",
        level_zero_loader=loader,
        level_zero_gpu_driver=driver,
    )


def _first(host: Host, paths: list[str]) -> str | None:
    return next((path for path in paths if host.exists(path)), None)
