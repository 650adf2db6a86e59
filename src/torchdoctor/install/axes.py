"""The install-command axes: parsing, normalising, and this machine's defaults.

Every parse error is one line (`MalformedAxisError`, exit 2) naming the flag, the value and what
is accepted, so `--compute cu12.8` or `--torch banana` never reaches the generator.
"""

from __future__ import annotations

import re
import sys
import sysconfig
from dataclasses import dataclass

from torchdoctor.errors import UsageError

PACKAGES = ("pip", "uv", "uv-project", "conda", "conda-forge", "pixi", "libtorch", "source")
PAGE_CHOICES = ("auto", "selector", "previous-versions", "additional-platforms")
_OS_ALIASES = {"linux": "linux", "macos": "macos", "mac": "macos", "darwin": "macos",
               "osx": "macos", "windows": "windows", "win": "windows", "win32": "windows"}
_ARCH_ALIASES = {"x86_64": "x86_64", "amd64": "x86_64", "x64": "x86_64", "aarch64": "aarch64",
                 "arm64": "arm64"}


class MalformedAxisError(UsageError):
    """A flag value that is not of the accepted form (exit 2)."""


@dataclass(frozen=True)
class Axes:
    """A fully resolved choice: every field is set and normalised."""

    torch: str  # "stable", "nightly" or "X.Y.Z" (or "X.Y": newest known patch)
    os: str  # linux | macos | windows
    arch: str  # x86_64 | aarch64 (Linux) | arm64 (macOS)
    compute: str  # cpu | cuXYZ | rocmX.Y[.Z] | xpu
    package: str  # pip | uv | uv-project | conda | conda-forge | pixi | libtorch | source
    python: str  # "3.12", or "3.13t" for a free-threaded build
    page: str = "auto"  # auto | selector | previous-versions | additional-platforms


def parse_torch(value: str) -> str:
    """`stable`, `nightly` (alias `preview`) or a release number `X.Y[.Z]`."""
    text = value.strip().lower()
    if text in ("stable", "nightly"):
        return text
    if text == "preview":
        return "nightly"
    if re.fullmatch(r"\d+\.\d+(\.\d+)?", text):
        return text
    raise MalformedAxisError(f"--torch {value!r} is not valid: use stable, nightly or a release "
                             "number such as 2.5.1")


def parse_os(value: str) -> str:
    """linux | macos | windows (a few common spellings accepted)."""
    found = _OS_ALIASES.get(value.strip().lower())
    if not found:
        raise MalformedAxisError(f"--os {value!r} is not valid: use linux, macos or windows")
    return found


def parse_arch(value: str, os: str) -> str:
    """x86_64 | aarch64 | arm64; arm64 and aarch64 name the same CPU, spelt per OS."""
    found = _ARCH_ALIASES.get(value.strip().lower())
    if not found:
        raise MalformedAxisError(f"--arch {value!r} is not valid: use x86_64, aarch64 or arm64")
    if found in ("aarch64", "arm64"):
        # Linux calls 64-bit ARM "aarch64", macOS and Windows "arm64"; accept either spelling.
        return "aarch64" if os == "linux" else "arm64"
    return found


def parse_compute(value: str) -> str:
    """auto | cpu | cuXYZ | rocmX.Y[.Z] | xpu."""
    text = value.strip().lower()
    if text in ("auto", "cpu", "xpu") or re.fullmatch(r"cu\d{2,3}", text):
        return text
    if re.fullmatch(r"rocm\d+\.\d+(\.\d+)?", text):
        return text
    raise MalformedAxisError(f"--compute {value!r} is not valid: use auto, cpu, cuXYZ (e.g. cu128),"
                             " rocmX.Y[.Z] (e.g. rocm6.4) or xpu")


def parse_package(value: str) -> str:
    """pip | uv | uv-project | conda | conda-forge | pixi | libtorch | source."""
    text = value.strip().lower()
    if text not in PACKAGES:
        raise MalformedAxisError(f"--package {value!r} is not valid: use " + ", ".join(PACKAGES))
    return text


def parse_python(value: str) -> str:
    """`X.Y`, `X.Y.Z` (patch ignored) or `X.Yt` for a free-threaded build."""
    match = re.fullmatch(r"(3\.\d{1,2})(?:\.\d+)?(t?)", value.strip().lower())
    if not match:
        raise MalformedAxisError(f"--python-version {value!r} is not valid: use X.Y such as "
                                 "3.12, or 3.13t for a free-threaded build")
    return match.group(1) + match.group(2)


def parse_page(value: str) -> str:
    """Which pytorch.org page to copy: auto picks the one pytorch.org would show."""
    text = value.strip().lower()
    if text not in PAGE_CHOICES:
        raise MalformedAxisError(f"--page {value!r} is not valid: use " + ", ".join(PAGE_CHOICES))
    return text


@dataclass(frozen=True)
class Machine:
    """The machine the command runs on, as far as the axes' defaults need it."""

    system: str  # platform.system(): "Linux", "Darwin", "Windows"
    machine: str  # platform.machine(): "x86_64", "aarch64", "arm64", "AMD64"
    python: str  # the target interpreter's tag: "3.12", "3.13t"


def machine_os(here: Machine) -> str:
    """This machine's OS as an axis value."""
    found = {"Linux": "linux", "Darwin": "macos", "Windows": "windows"}.get(here.system)
    if not found:
        raise UsageError(f"pytorch.org publishes no builds for {here.system or 'this OS'}; "
                         "pass --os linux, macos or windows")
    return found


def machine_arch(here: Machine, os: str) -> str:
    """This machine's CPU architecture, spelt for `os`."""
    machine = here.machine or "x86_64"
    try:
        return parse_arch(machine, os)
    except MalformedAxisError:
        raise UsageError(f"pytorch.org publishes no builds for the {machine} architecture; "
                         "pass --arch x86_64, aarch64 or arm64") from None


def default_arch(here: Machine, os: str) -> str:
    """This machine's architecture when `os` is this machine's OS, else that OS's usual one
    (asking for macOS from a Linux x86_64 box means an Apple silicon Mac)."""
    try:
        same = machine_os(here) == os
    except UsageError:
        same = False
    if same:
        return machine_arch(here, os)
    return "arm64" if os == "macos" else "x86_64"


def running_python() -> str:
    """The interpreter running torchdoctor: its version, with "t" on a free-threaded build."""
    free = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    return f"{sys.version_info[0]}.{sys.version_info[1]}{'t' if free else ''}"


def resolve_axes(here: Machine, *, torch: str | None = None, os: str | None = None,
                 arch: str | None = None, compute: str | None = None,
                 package: str | None = None, python: str | None = None,
                 page: str | None = None) -> Axes:
    """Parse the given values and fill the missing ones from `here`. `--compute auto` is the
    caller's to resolve (from the recommendation); left here, it means the CPU build, the one
    variant every OS and architecture has."""
    torch_v = parse_torch(torch) if torch else "stable"
    os_v = parse_os(os) if os else machine_os(here)
    arch_v = parse_arch(arch, os_v) if arch else default_arch(here, os_v)
    compute_v = parse_compute(compute or "auto")
    compute_v = "cpu" if compute_v == "auto" else compute_v
    package_v = parse_package(package) if package else "pip"
    python_v = parse_python(python) if python else here.python
    return Axes(torch_v, os_v, arch_v, compute_v, package_v, python_v,
                parse_page(page) if page else "auto")
