"""The machine as the recommendation sees it: the wheel platform to install for, and its GPUs.

`target_of` condenses a facts document into the few values the policy needs. The wheel platform is
the target interpreter's (an x86_64 Python under Rosetta installs x86_64 wheels on an Apple silicon
Mac), and a WSL 2 machine is Linux whose NVIDIA driver is the Windows one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from torchdoctor.facts import Facts, PciGpu, PythonFacts
from torchdoctor.knowledge.compat import installed_variant

NVIDIA_VENDOR, AMD_VENDOR = "10de", "1002"
DriverState = Literal["loaded", "missing", "unknown"]
_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "x64": "x86_64", "aarch64": "aarch64",
         "arm64": "aarch64", "i386": "x86", "i686": "x86", "x86": "x86"}


@dataclass(frozen=True)
class Gpu:
    """One GPU that could run torch: an NVIDIA GPU with its capability, an AMD one with its gfx."""

    name: str
    compute_capability: str | None = None  # NVIDIA
    gfx: str | None = None  # AMD
    integrated: bool = False
    index: int | None = None  # NVIDIA: the driver's index (nvidia-smi's, in PCI bus order)


@dataclass(frozen=True)
class Target:
    """What the policy decides over."""

    os: str | None  # linux | macos | windows | another lower-case name | None (unknown)
    arch: str | None  # x86_64 | aarch64 (Linux) | arm64 (macOS, Windows) | x86 | other
    python: str | None  # "3.12", "3.13t"; None when the interpreter could not be inspected
    implementation: str | None  # "cpython", "pypy"
    pointer_bits: int | None
    executable: str | None
    env_kind: str | None
    pip3_belongs: bool | None
    libc: str | None  # "glibc" | "musl"
    wsl: int | None
    container: str | None  # docker | podman | kubernetes | None
    jetson: str | None  # the Jetson model, if this is one
    l4t_release: str | None
    driver_os: str  # whose NVIDIA driver numbering applies: "windows" on Windows and WSL 2
    nvidia_gpus: tuple[Gpu, ...]
    nvidia_driver: str | None
    nvidia_cuda: str | None  # highest CUDA the driver reports
    nvidia_state: DriverState  # loaded | missing (GPU on the bus, no driver) | unknown
    nvidia_reason: str | None
    amd_gpus: tuple[Gpu, ...]
    amd_kfd: bool | None
    intel_xpu: bool
    intel_names: tuple[str, ...]
    intel_level_zero: bool | None
    apple_silicon: bool | None
    python_translated: bool | None
    # The GPU probes that could not check: a GPU may be there that nothing saw ("NVIDIA driver",
    # "PCI bus", ...). Unknown is not absent: no advice may remove a GPU build because of it.
    gpus_unknown: tuple[str, ...] = ()
    installed_variant: str | None = None  # the installed torch's variant, when its record says
    pip_available: bool | None = None  # `python -m pip` runs in the target
    externally_managed: bool | None = None  # PEP 668: pip refuses to install into it
    purelib: str | None = None  # where pip installs (Windows' path limit counts from it)
    long_paths_enabled: bool | None = None  # Windows' LongPathsEnabled
    conda_torch: str | None = None  # the channel conda installed torch from ("conda-forge")

    @property
    def any_gpu(self) -> bool:
        """A GPU that PyTorch can use was found (of any vendor)."""
        return bool(self.nvidia_gpus or self.amd_gpus or self.intel_xpu)

    @property
    def rosetta_python(self) -> bool:
        """An x86_64 Python under Rosetta: the machine's wheels are arm64, but not for it."""
        return bool(self.os == "macos" and self.apple_silicon and self.python_translated)

    @property
    def has_nvidia(self) -> bool:
        return bool(self.nvidia_gpus)


def _wheel_arch(facts: Facts, os_name: str | None) -> str | None:
    machine = facts.python.machine or facts.os.arch
    if os_name == "macos" and facts.apple.apple_silicon:
        # Recommend for the Mac, not for an x86_64 interpreter under Rosetta (policy says so).
        machine = "arm64"
    return wheel_arch(machine, os_name)


def wheel_arch(machine: str | None, os_name: str | None) -> str | None:
    """A machine name ("AMD64", "arm64", "x86_64") as the knowledge spells wheel architectures."""
    if machine is None:
        return None
    arch = _ARCH.get(machine.lower(), machine.lower())
    if arch == "aarch64" and os_name in ("macos", "windows"):
        return "arm64"  # the spelling the knowledge (and pytorch.org) uses there
    return arch


def python_tag(python: PythonFacts) -> str | None:
    """ "3.12", or "3.13t" for a free-threaded build; None when the target was not inspected."""
    match = re.match(r"(\d+)\.(\d+)", python.version or "")
    if python.status != "found" or not match:
        return None
    return f"{match.group(1)}.{match.group(2)}{'t' if python.free_threaded else ''}"


def _visible(facts: Facts, count: int) -> set[int] | None:
    """GPU indices CUDA_VISIBLE_DEVICES leaves visible; None when it does not restrict by index.

    An empty or "-1" value hides every GPU; that is a diagnosis (the user may have hidden them on
    purpose for one run), so the recommendation ignores it rather than recommend a CPU build.
    """
    raw = facts.env.variables.get("CUDA_VISIBLE_DEVICES")
    if raw is None or not re.fullmatch(r"\s*\d+(\s*,\s*\d+)*\s*", raw):
        return None
    chosen = {int(x) for x in raw.split(",")}
    return chosen & set(range(count)) or None


def _pci(facts: Facts, vendor: str) -> list[PciGpu]:
    return [g for g in facts.pci.gpus or () if g.vendor_id.lower() == vendor]


def _nvidia(facts: Facts) -> tuple[tuple[Gpu, ...], DriverState]:
    nv, on_bus = facts.nvidia, _pci(facts, NVIDIA_VENDOR)
    by_bus = {(g.address or "").lower(): g for g in on_bus}
    if nv.status == "found" and nv.gpus:
        visible = _visible(facts, len(nv.gpus))
        gpus = []
        for gpu in nv.gpus:
            if visible is not None and gpu.index not in visible:
                continue
            cc = gpu.compute_capability
            if cc is None:  # an old nvidia-smi without compute_cap: the PCI table knows it
                cc = getattr(by_bus.get((gpu.pci_bus_id or "").lower()), "compute_capability", None)
            gpus.append(Gpu(gpu.name, cc, index=gpu.index))
        state: DriverState = "loaded" if (nv.driver_version or nv.cuda_version) else "unknown"
        return tuple(gpus), state
    pci_gpus = tuple(Gpu(g.name or f"NVIDIA GPU {g.device_id or ''}".strip(),
                         g.compute_capability, integrated=g.kind == "integrated")
                     for g in on_bus)
    if nv.status == "found":  # the driver is there but listed no GPU: judge by the bus
        return pci_gpus, "loaded" if nv.driver_version else "unknown"
    if nv.status == "unknown":
        return pci_gpus, "unknown"
    return pci_gpus, "missing"


def _amd(facts: Facts) -> tuple[Gpu, ...]:
    on_bus = _pci(facts, AMD_VENDOR)
    kind = {(g.device_id or "").lower(): g.kind for g in on_bus}
    if facts.amd.gpus:
        return tuple(Gpu(g.name or g.gfx, gfx=g.gfx,
                         integrated=kind.get((g.device_id or "").lower()) == "integrated")
                     for g in facts.amd.gpus)
    return tuple(Gpu(g.name or g.gfx or "AMD GPU", gfx=g.gfx, integrated=g.kind == "integrated")
                 for g in on_bus if g.gfx)


def _gpus_unknown(facts: Facts, os_name: str | None) -> tuple[str, ...]:
    """The GPU probes that could not check, by the names the output uses."""
    statuses = [("NVIDIA driver", facts.nvidia.status), ("PCI bus", facts.pci.status),
                ("AMD GPUs", facts.amd.status), ("Intel GPUs", facts.intel.status)]
    if os_name in ("macos", None):
        statuses.append(("Apple GPU", facts.apple.status))
    return tuple(name for name, status in statuses if status == "unknown")


def target_of(facts: Facts) -> Target:
    """The policy's view of `facts`."""
    os_name = facts.os.system
    nvidia_gpus, nvidia_state = _nvidia(facts)
    intel = facts.intel
    intel_names = tuple(g.name for g in intel.gpus or () if g.xpu and g.name)
    return Target(
        os=os_name, arch=_wheel_arch(facts, os_name), python=python_tag(facts.python),
        implementation=facts.python.implementation, pointer_bits=facts.python.pointer_bits,
        executable=facts.python.executable, env_kind=facts.python.env_kind,
        pip3_belongs=facts.python.pip3_belongs, libc=facts.os.libc_name, wsl=facts.os.wsl,
        container=facts.os.container,
        jetson=facts.os.jetson_model, l4t_release=facts.os.l4t_release,
        driver_os="windows" if os_name == "windows" or facts.os.wsl == 2 else "linux",
        nvidia_gpus=nvidia_gpus, nvidia_driver=facts.nvidia.driver_version,
        nvidia_cuda=facts.nvidia.cuda_version, nvidia_state=nvidia_state,
        nvidia_reason=facts.nvidia.reason, amd_gpus=_amd(facts), amd_kfd=facts.amd.kfd_present,
        intel_xpu=bool(intel.xpu_capable), intel_names=intel_names,
        intel_level_zero=None if intel.status != "found" else bool(intel.level_zero_gpu_driver),
        apple_silicon=facts.apple.apple_silicon, python_translated=facts.apple.python_translated,
        gpus_unknown=_gpus_unknown(facts, os_name), installed_variant=installed_variant(facts),
        pip_available=facts.python.pip_available,
        externally_managed=facts.python.externally_managed,
        purelib=facts.python.purelib, long_paths_enabled=facts.python.long_paths_enabled,
        conda_torch=_conda_torch(facts))


def _conda_torch(facts: Facts) -> str | None:
    """The channel of the environment's conda pytorch (conda-meta), if it has one."""
    conda = facts.conda
    dist = facts.python.distribution("torch") if facts.python.status == "found" else None
    if conda is None or conda.status != "found" or dist is None or dist.installer != "conda":
        return None
    torch = next((p for p in conda.packages or () if p.name == "pytorch"), None)
    return (torch.channel or "conda") if torch is not None else None
