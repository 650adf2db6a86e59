"""The facts builder of the diagnosis tests: a healthy machine by default, changed section by
section with plain keyword overrides, built from the real facts dataclasses.

    facts = make_facts(python=torch_env("2.13.0+cu130", cuda="13.0"), nvidia=nvidia_found(...))
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from torchdoctor.diagnosis import diagnose
from torchdoctor.facts.model import (
    AmdFacts,
    AmdGpu,
    AppleFacts,
    CondaFacts,
    CondaPackage,
    CpuFacts,
    DiskSpace,
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
    ProjectFacts,
    PythonFacts,
    ResourceFacts,
    TorchCopy,
)
from torchdoctor.knowledge import Knowledge
from torchdoctor.report import Check, CheckStatus, InstallPlan, Problem, Severity

GiB = 2**30
SITE = "/home/ada/proj/.venv/lib/python3.12/site-packages"
PY = "/home/ada/proj/.venv/bin/python"
LIB = "/usr/lib/x86_64-linux-gnu"
CONDA_PREFIX = "/home/ada/miniforge3/envs/ml"
# The target as a conda environment (pass as **CONDA_PY to python_env / torch_env).
CONDA_PY: dict[str, Any] = {"env_kind": "conda", "env_name": "ml", "prefix": CONDA_PREFIX,
                            "executable": f"{CONDA_PREFIX}/bin/python"}
PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"


def linux_os(**kw: Any) -> OsFacts:
    base = OsFacts(status="found", system="linux", version="24.04",
                   distribution="Ubuntu 24.04.1 LTS", distribution_id="ubuntu",
                   kernel="6.8.0-45-generic", arch="x86_64", libc_name="glibc", libc_version="2.39")
    return dataclasses.replace(base, **kw)


def dist(name: str, version: str, installer: str = "pip", location: str = SITE) -> Distribution:
    tag = version.split("+")[1] if "+" in version else None
    return Distribution(name=name, version=version, local_tag=tag, location=location,
                        installer=installer)


def copy(version: str, cuda: str | None = None, hip: str | None = None, xpu: str | None = None,
         path: str = SITE + "/torch", user: bool = False) -> TorchCopy:
    return TorchCopy(path=path, version=version, cuda=cuda, hip=hip, xpu=xpu, git_version="abc123",
                     in_user_site=user)


def python_env(*dists: Distribution, copies: tuple[TorchCopy, ...] | None = None,
               **kw: Any) -> PythonFacts:
    """The target interpreter (CPython 3.12, a venv) with these distributions installed."""
    torch = next((d for d in dists if d.name == "torch"), None)
    if copies is None:
        copies = (copy(torch.version),) if torch else ()
    base = PythonFacts(
        status="found", requested=PY, chosen_by="VIRTUAL_ENV", executable=PY, version="3.12.4",
        implementation="cpython", pointer_bits=64, free_threaded=False, machine="x86_64",
        platform_tag="linux-x86_64", prefix="/home/ada/proj/.venv", base_prefix="/usr",
        env_kind="venv", env_name=".venv", purelib=SITE, scripts_dir="/home/ada/proj/.venv/bin",
        temp_dir="/tmp", cwd="/home/ada/proj", cwd_shadow=None,
        pip3_path="/home/ada/proj/.venv/bin/pip3",
        pip3_belongs=True, user_site="/home/ada/.local/lib/python3.12/site-packages",
        user_site_enabled=False, user_site_has_torch=False, externally_managed=False,
        distributions=tuple(dists), torch_copies=copies)
    return dataclasses.replace(base, **kw)


def torch_env(version: str = "2.13.0+cpu", *, cuda: str | None = None, hip: str | None = None,
              xpu: str | None = None, installer: str = "pip", extra: tuple[Distribution, ...] = (),
              **kw: Any) -> PythonFacts:
    """An environment with torch `version` (and its build record) installed."""
    return python_env(dist("torch", version, installer), *extra,
                      copies=(copy(version, cuda, hip, xpu),), **kw)


def gpu(name: str = "NVIDIA GeForce RTX 4090", cc: str = "8.9", index: int = 0) -> NvidiaGpu:
    return NvidiaGpu(index=index, name=name, compute_capability=cc, memory_mib=24564,
                     pci_bus_id=f"0000:0{index + 1}:00.0", pci_id="10de:2684",
                     compute_capability_source="nvml")


def nvidia_found(*gpus: NvidiaGpu, driver: str = "580.65.06", cuda: str = "13.0",
                 **kw: Any) -> NvidiaFacts:
    base = NvidiaFacts(status="found", driver_version=driver, driver_version_source="sysfs",
                       cuda_version=cuda, cuda_version_source="nvml",
                       kernel_module_version=driver, userspace_version=driver,
                       version_mismatch=False, nvidia_smi="/usr/bin/nvidia-smi",
                       gpus=gpus or (gpu(),), gpus_source="nvml")
    return dataclasses.replace(base, **kw)


def pci_gpu(vendor: str = "10de", name: str | None = "NVIDIA GeForce RTX 4090",
            kind: str = "discrete", gfx: str | None = None, xpu: bool | None = None,
            cc: str | None = "8.9", device: str = "2684") -> PciGpu:
    vendors = {"10de": "NVIDIA", "1002": "AMD", "8086": "Intel"}
    return PciGpu(address="0000:01:00.0", vendor_id=vendor, device_id=device, pci_class="030000",
                  vendor=vendors.get(vendor), name=name, kind=kind, arch=None,
                  compute_capability=cc if vendor == "10de" else None, gfx=gfx, xpu=xpu,
                  driver=None, driver_version=None)


def pci_found(*gpus: PciGpu) -> PciFacts:
    return PciFacts(status="found", source="sysfs", table_date="2026-07-01", gpus=tuple(gpus))


def amd_found(*gfx: str, **kw: Any) -> AmdFacts:
    base = AmdFacts(status="found", rocm_version="6.4.0",
                    gpus=tuple(AmdGpu(node=i + 1, gfx=g, device_id="744c",
                                      name="AMD Radeon RX 7900 XTX")
                               for i, g in enumerate(gfx or ("gfx1100",))),
                    kfd_present=True, kfd_accessible=True, render_nodes=("renderD128",),
                    render_accessible=True)
    return dataclasses.replace(base, **kw)


def intel_found(name: str = "Intel Arc A770", kind: str = "discrete", **kw: Any) -> IntelFacts:
    base = IntelFacts(status="found", gpus=(IntelGpu(name=name, device_id="56a0", kind=kind,
                                                     xpu=True),),
                      xpu_capable=True, level_zero_loader=LIB + "/libze_loader.so.1",
                      level_zero_gpu_driver=LIB + "/libze_intel_gpu.so.1")
    return dataclasses.replace(base, **kw)


def conda_pkg(name: str, version: str, build: str | None = None,
              channel: str | None = "conda-forge") -> CondaPackage:
    return CondaPackage(name=name, version=version, build=build, channel=channel)


def conda_env(*packages: CondaPackage, manager: str | None = "conda") -> CondaFacts:
    """The target's conda-meta records: these torch-related packages."""
    return CondaFacts(status="found", prefix=CONDA_PREFIX, manager=manager, records=40,
                      packages=packages)


def project(folder: str) -> ProjectFacts:
    """The project facts of a folder under tests/fixtures/projects, read as `--project` reads
    it (only reading files: nothing there runs)."""
    from torchdoctor.host import RealHost
    from torchdoctor.probes.project import probe

    return probe(RealHost(), 1.0, None, str(PROJECTS / folder))


def env(**variables: str) -> EnvFacts:
    return EnvFacts(status="found", variables=dict(variables))


def mac(version: str = "14.5", chip: str = "Apple M2", silicon: bool = True,
        translated: bool | None = False) -> dict[str, Any]:
    """Overrides that make the machine a Mac (pass as **mac())."""
    arch = "arm64" if silicon else "x86_64"
    return {
        "os": OsFacts(status="found", system="macos", version=version,
                      distribution=f"macOS {version}", kernel="23.5.0", arch=arch),
        "apple": AppleFacts(status="found", macos_version=version, chip=chip,
                            apple_silicon=silicon, rosetta=False, python_translated=translated),
        "nvidia": NvidiaFacts(status="absent", reason="macOS has no NVIDIA CUDA driver"),
        "amd": AmdFacts(status="absent", reason="ROCm for PyTorch is available on Linux only"),
        "intel": IntelFacts(status="absent", reason="PyTorch's XPU build does not run on macOS"),
        "pci": PciFacts(status="found", source="system_profiler", gpus=()),
    }


def make_facts(**overrides: Any) -> Facts:
    """A healthy CPU-only Linux box with torch 2.13.0+cpu, changed by section overrides."""
    base = Facts(
        os=linux_os(),
        cpu=CpuFacts(status="found", model="AMD Ryzen 9 7950X", logical_cores=32, avx=True,
                     avx2=True, avx512f=True),
        resources=ResourceFacts(status="found", memory_total_bytes=64 * GiB,
                                memory_available_bytes=48 * GiB,
                                packages_disk=DiskSpace(SITE, 1000 * GiB, 400 * GiB),
                                temp_disk=DiskSpace("/tmp", 1000 * GiB, 400 * GiB)),
        python=torch_env("2.13.0+cpu"),
        nvidia=NvidiaFacts(status="absent", reason="no NVIDIA driver loaded"),
        pci=pci_found(),
        amd=AmdFacts(status="absent", reason="no AMD GPU in the KFD topology", gpus=(),
                     kfd_present=False),
        apple=AppleFacts(status="absent", reason="not macOS"),
        intel=IntelFacts(status="absent", reason="no Intel GPU and no Level Zero runtime",
                         gpus=()),
        env=EnvFacts(status="absent"),
    )
    return dataclasses.replace(base, **overrides)


def plan(compute: str = "cu130", version: str = "2.13.0", command: str | None = None,
         replaces: bool = True) -> InstallPlan:
    """A hand-made install plan."""
    index = f" --index-url https://download.pytorch.org/whl/{compute}"
    index = "" if compute == "default" else index
    cmd = command or f"pip3 install --force-reinstall torch torchvision{index}"
    return InstallPlan(cmd, version, compute, ("hand-made for a test",), "2026-07-28",
                       replaces_installed=replaces)


def run(facts: Facts, knowledge: Knowledge,
        install: InstallPlan | None = None) -> tuple[Check, ...]:
    return diagnose(facts, knowledge, install)


def problems(checks: tuple[Check, ...]) -> list[Problem]:
    return [p for c in checks for p in c.problems]


def only(checks: tuple[Check, ...], code: str) -> Problem:
    """The single problem with `code`; fails listing what was found otherwise."""
    found = [p for p in problems(checks) if p.code == code]
    assert len(found) == 1, (code, [(p.code, p.message) for p in problems(checks)])
    return found[0]


def codes(checks: tuple[Check, ...]) -> set[str]:
    return {p.code for p in problems(checks)}


def by_id(checks: tuple[Check, ...], check_id: str) -> Check:
    return next(c for c in checks if c.id == check_id)


def assert_healthy(checks: tuple[Check, ...]) -> None:
    """No error, no warning, no check that could not run."""
    bad = [(p.code, p.severity.value, p.message) for p in problems(checks)
           if p.severity is not Severity.INFO]
    assert not bad, bad
    states = {c.id: c.status for c in checks}
    assert all(s in (CheckStatus.OK, CheckStatus.NOT_APPLICABLE) for s in states.values()), states
