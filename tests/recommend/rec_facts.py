"""Facts builders for the recommendation tests: a healthy machine plus overrides, built in code.

`machine(...)` starts from a healthy CPU-only Linux x86_64 box with CPython 3.12 in a venv, pip3
belonging to it and nothing installed; each keyword replaces fields of one facts section (a dict)
or the whole section (a section object). The helpers build the sections that vary most.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from torchdoctor.facts import (
    AmdFacts,
    AmdGpu,
    AppleFacts,
    CpuFacts,
    Distribution,
    EnvFacts,
    Facts,
    IntelFacts,
    IntelGpu,
    NvidiaFacts,
    NvidiaGpu,
    OsFacts,
    PciFacts,
    PciGpu,
    PythonFacts,
    ResourceFacts,
    TorchCopy,
)

PY = "/home/ada/proj/.venv/bin/python"
LIB = "/usr/lib/x86_64-linux-gnu"
SITE = "/home/ada/proj/.venv/lib/python3.12/site-packages"


def healthy() -> Facts:
    """A CPU-only Linux laptop, CPython 3.12 in a venv, nothing installed."""
    return Facts(
        os=OsFacts("found", system="linux", version="24.04", distribution="Ubuntu 24.04.1 LTS",
                   distribution_id="ubuntu", kernel="6.8.0-45-generic", arch="x86_64",
                   libc_name="glibc", libc_version="2.39"),
        cpu=CpuFacts("found", model="Intel(R) Core(TM) i7-1165G7", logical_cores=8, avx=True,
                     avx2=True, avx512f=True),
        resources=ResourceFacts("found", memory_total_bytes=16 << 30,
                                memory_available_bytes=8 << 30),
        python=PythonFacts("found", executable=PY, version="3.12.4", implementation="cpython",
                           pointer_bits=64, free_threaded=False, machine="x86_64",
                           platform_tag="linux-x86_64", env_kind="venv", purelib=SITE,
                           pip3_path="/home/ada/proj/.venv/bin/pip3", pip3_belongs=True,
                           distributions=(), torch_copies=()),
        nvidia=NvidiaFacts("absent"),
        pci=PciFacts("found", source="sysfs", gpus=()),
        amd=AmdFacts("absent"),
        apple=AppleFacts("absent"),
        intel=IntelFacts("absent"),
        env=EnvFacts("found"),
    )


def machine(**sections: Any) -> Facts:
    """`healthy()` with sections changed: a dict replaces fields, an object the whole section."""
    base = healthy()
    changes = {}
    for name, value in sections.items():
        changes[name] = replace(getattr(base, name), **value) if isinstance(value, dict) else value
    return replace(base, **changes)


def nvidia(driver: str | None, cuda: str | None, *gpus: tuple[str, str | None]) -> NvidiaFacts:
    """A loaded NVIDIA driver with GPUs given as (name, compute capability)."""
    return NvidiaFacts(
        "found", driver_version=driver, driver_version_source="sysfs", cuda_version=cuda,
        cuda_version_source="nvml",
        gpus=tuple(NvidiaGpu(index=i, name=name, compute_capability=cc, memory_mib=24576,
                             pci_bus_id=f"0000:0{i + 1}:00.0", pci_id=None,
                             compute_capability_source="nvml")
                   for i, (name, cc) in enumerate(gpus)),
        gpus_source="nvml")


def pci_gpu(vendor: str, name: str, *, cc: str | None = None, gfx: str | None = None,
            kind: str = "discrete", driver: str | None = None, xpu: bool | None = None,
            device: str = "0000") -> PciGpu:
    vendor_id = {"NVIDIA": "10de", "AMD": "1002", "Intel": "8086"}[vendor]
    return PciGpu(address="0000:01:00.0", vendor_id=vendor_id, device_id=device,
                  pci_class="030000", vendor=vendor, name=name, kind=kind, arch=None,
                  compute_capability=cc, gfx=gfx, xpu=xpu, driver=driver, driver_version=None)


def pci(*gpus: PciGpu) -> PciFacts:
    return PciFacts("found", source="sysfs", gpus=gpus)


def amd(*gpus: tuple[str, str], rocm: str | None = None) -> AmdFacts:
    """KFD GPU agents given as (name, gfx)."""
    return AmdFacts("found", rocm_version=rocm, kfd_present=True, kfd_accessible=True,
                    gpus=tuple(AmdGpu(node=i + 1, gfx=gfx, device_id=None, name=name)
                               for i, (name, gfx) in enumerate(gpus)))


def intel_arc() -> IntelFacts:
    return IntelFacts("found", gpus=(IntelGpu(name="Intel Arc A770", device_id="56a0",
                                               kind="discrete", xpu=True),),
                      xpu_capable=True, level_zero_loader=f"{LIB}/libze_loader.so.1",
                      level_zero_gpu_driver=f"{LIB}/libze_intel_gpu.so.1")


def with_torch(version: str, *, cuda: str | None = None, hip: str | None = None,
               installer: str = "pip", extra: tuple[str, ...] = ("torchvision",)) -> dict[str, Any]:
    """Python-section fields for an installed torch (`version` with its local tag, if any)."""
    tag = version.split("+")[1] if "+" in version else None
    dists = [Distribution(name="torch", version=version, local_tag=tag, location=SITE,
                          installer=installer)]
    dists += [Distribution(name=name, version="0.28.0" if name == "torchvision" else "2.11.0",
                           local_tag=tag, location=SITE, installer=installer) for name in extra]
    copy = TorchCopy(path=f"{SITE}/torch", version=version, cuda=cuda, hip=hip, xpu=None,
                     git_version="abc123", in_user_site=False)
    return {"distributions": tuple(dists), "torch_copies": (copy,)}
