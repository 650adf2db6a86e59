"""Typed facts for the corpus cases: what each reporter showed, and nothing more.

`facts_for(case)` turns a case's compact `facts` (and its `derived` values, transcribed by hand
from the report's own text) into a full `Facts` document. The rule throughout: a section the
report says nothing about is "unknown" with the reason "not in the report"; "absent" only where
the report makes absence clear (nvidia-smi saying it cannot reach the driver, a Mac has no NVIDIA
driver, a report that lists only GPUs of other vendors); inside a found section, `None` for
everything not shown.

Some of what a real detection run does is mirrored, so that the diagnosis sees what torchdoctor
would see: a Python older than 3.8 cannot be inspected (failure "too-old", "python2"), only the
allow-listed environment variables enter the facts, and a torch whose build the report does not
show is left to the PyPI default of its release (its version.py counts as not read).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from torchdoctor.envfilter import filter_env
from torchdoctor.facts.model import (
    AmdFacts,
    AmdGpu,
    AppleFacts,
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
    PythonFacts,
    ResourceFacts,
    TorchCopy,
)
from torchdoctor.knowledge import cuda_minor, version_key

Case = Mapping[str, Any]

CASES_FILE = Path(__file__).with_name("cases.json")
NOT_SHOWN = "not in the report"
SITE = "site-packages"
GiB = 2**30
_VENDOR_IDS = {"nvidia": "10de", "amd": "1002", "intel": "8086", "apple": "106b"}
_VENDOR_NAMES = {"nvidia": "NVIDIA", "amd": "AMD", "intel": "Intel", "apple": "Apple"}
_TORCH = re.compile(r"^\s*(?P<version>\d[^\s()]*)\s*(?:\((?P<tag>[^)]+)\))?\s*$")
_PCI_ID = re.compile(r"\[0x(?P<id>[0-9a-fA-F]{4})\]")
# LD_LIBRARY_PATH entries a report shows that hold CUDA libraries (the probe lists the files; the
# report shows the names): a CUDA toolkit or cuDNN folder.
_CUDA_DIR = re.compile(r"cuda|cudnn", re.IGNORECASE)


def load_cases() -> list[dict[str, Any]]:
    """The cases of cases.json, in file order."""
    data = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    cases: list[dict[str, Any]] = data["cases"]
    return cases


def facts_for(case: Case) -> Facts:
    """The facts document of one case."""
    f: Mapping[str, Any] = case.get("facts") or {}
    d: Mapping[str, Any] = case.get("derived") or {}
    system = _system(f)
    gpus: list[Mapping[str, Any]] = list(f.get("gpus") or [])
    return Facts(
        os=_os(f, d, system),
        cpu=_cpu(d),
        resources=_resources(d),
        python=_python(f, d, system),
        nvidia=_nvidia(f, d, system, gpus),
        pci=_pci(f, d, gpus),
        amd=_amd(f, d, system, gpus),
        apple=_apple(f, d, system, gpus),
        intel=_intel(system, gpus),
        env=_env(f, d, system),
    )


# --- the machine --------------------------------------------------------------------------------

def _system(f: Mapping[str, Any]) -> str | None:
    if f.get("os"):
        return str(f["os"]).lower()
    return "macos" if f.get("macos") else None


def _os(f: Mapping[str, Any], d: Mapping[str, Any], system: str | None) -> OsFacts:
    if system is None:
        return OsFacts(status="unknown", reason=NOT_SHOWN)
    glibc = f.get("glibc")
    container = d.get("container") or ("docker" if f.get("container") else None)
    return OsFacts(
        status="found",
        system=system,
        version=f.get("macos") if system == "macos" else None,
        distribution=f.get("os_detail"),
        distribution_id=d.get("distribution_id") or _distribution_id(f.get("os_detail")),
        kernel=d.get("kernel"),
        arch=f.get("arch") or d.get("arch"),
        libc_name="glibc" if glibc else None,
        libc_version=glibc,
        wsl=f.get("wsl"),
        container=container,
        jetson_model=d.get("jetson_model"),
        l4t_release=d.get("l4t_release"),
    )


def _distribution_id(detail: str | None) -> str | None:
    """os-release's ID for the distributions a report names ("Ubuntu 22.04" -> "ubuntu")."""
    first = str(detail or "").split(" ")[0].lower()
    known = ("ubuntu", "debian", "fedora", "centos", "rocky", "almalinux")
    return first if first in known else None


def _cpu(d: Mapping[str, Any]) -> CpuFacts:
    cpu: Mapping[str, Any] | None = d.get("cpu")
    if not cpu:
        return CpuFacts(status="unknown", reason=NOT_SHOWN)
    return CpuFacts(status="found", model=cpu.get("model"), avx=cpu.get("avx"),
                    avx2=cpu.get("avx2"), avx512f=cpu.get("avx512f"))


def _resources(d: Mapping[str, Any]) -> ResourceFacts:
    memory = d.get("memory_total_bytes")
    temp: Mapping[str, Any] | None = d.get("temp_disk")
    if memory is None and temp is None:
        return ResourceFacts(status="unknown", reason=NOT_SHOWN)
    disk = None
    if temp is not None:
        disk = DiskSpace(str(temp["path"]), int(float(temp["total_gib"]) * GiB),
                         int(float(temp["free_gib"]) * GiB))
    return ResourceFacts(status="found", memory_total_bytes=memory, temp_disk=disk)


# --- the Python environment ---------------------------------------------------------------------

def torch_release(case: Case) -> str | None:
    """The torch version the report shows, as pip would name it ("1.12+cu113"); None if none."""
    f: Mapping[str, Any] = case.get("facts") or {}
    d: Mapping[str, Any] = case.get("derived") or {}
    return _torch_version(f, d)


def _torch_version(f: Mapping[str, Any], d: Mapping[str, Any]) -> str | None:
    raw = d.get("torch") or f.get("torch")
    match = _TORCH.match(str(raw)) if raw else None
    if match is None:
        return None
    version, tag = match.group("version"), match.group("tag")
    return f"{version}+{tag}" if tag and "+" not in version else version


def _python(f: Mapping[str, Any], d: Mapping[str, Any], system: str | None) -> PythonFacts:
    raw = str(d.get("python") or f.get("python") or "")
    free_threaded: bool | None = f.get("freethreaded")
    if raw.endswith("t"):
        raw, free_threaded = raw[:-1], True
    version = raw or None
    shown = [f.get(k) for k in ("python", "python_bits", "env_kind", "freethreaded", "torch",
                                "torchvision", "torchaudio", "numpy")]
    if not any(v is not None for v in shown) and not d.get("torch_copies"):
        return PythonFacts(status="unknown", reason=NOT_SHOWN)
    key = version_key(version or "3.99")
    if key[:1] == (2,) or version == "2":
        return PythonFacts(status="unknown", failure="python2", version=version,
                           reason=f"python is Python {version}; Python 2 is not supported")
    if key[:2] < (3, 8):
        return PythonFacts(status="unknown", failure="too-old", version=version,
                           reason=f"python is Python {version}; torchdoctor inspects Python 3.8 "
                                  "and newer")
    env_kind = f.get("env_kind")
    if env_kind == "poetry":
        env_kind = "venv"  # poetry installs into a venv of its own
    machine = d.get("python_machine") or f.get("arch") or d.get("arch")
    distributions, copies = _installed(f, d)
    return PythonFacts(
        status="found",
        version=version,
        implementation="cpython" if version else None,
        pointer_bits=f.get("python_bits"),
        free_threaded=free_threaded,
        machine=machine,
        env_kind=env_kind,
        pip3_belongs=d.get("pip3_belongs"),
        cwd_shadow=d.get("cwd_shadow"),
        distributions=distributions,
        torch_copies=copies,
    )


def _installed(f: Mapping[str, Any], d: Mapping[str, Any]
               ) -> tuple[tuple[Distribution, ...] | None, tuple[TorchCopy, ...] | None]:
    """The distributions and torch copies the report shows; None where torch was not shown."""
    companions = tuple(_dist(name, str(f[name])) for name in ("torchvision", "torchaudio", "numpy")
                       if f.get(name))
    if d.get("torch_in_target") is False:
        return companions, ()
    if d.get("torch_copies"):
        return _copies(d, companions)
    if d.get("torch_distributions"):
        dists = tuple(_dist("torch", str(x["version"]), x.get("installer"))
                      for x in d["torch_distributions"])
        return dists + companions, (_copy(None, None, None, None, SITE),)
    version = _torch_version(f, d)
    if version is None:
        return (companions or None), None
    dist = _dist("torch", version, d.get("installer"))
    cuda, hip, xpu, known = _build(f, d, version)
    copy = _copy(version if known else None, cuda, hip, xpu, SITE)
    return (dist, *companions), (copy,)


def _build(f: Mapping[str, Any], d: Mapping[str, Any], version: str
           ) -> tuple[str | None, str | None, str | None, bool]:
    """torch/version.py's cuda, hip and xpu, and whether the report shows the build at all."""
    tag = version.split("+", 1)[1].lower() if "+" in version else ""
    build = d.get("torch_build")
    cuda = f.get("torch_cuda") or (cuda_minor(tag) if re.fullmatch(r"cu\d{2,3}", tag) else None)
    hip = f.get("torch_hip") or (tag[4:] if tag.startswith("rocm") else None)
    xpu = "xpu" if tag == "xpu" or build == "xpu" else None
    known = bool(cuda or hip or xpu or tag == "cpu" or build == "cpu")
    return cuda, hip, xpu, known


def _copies(d: Mapping[str, Any], companions: tuple[Distribution, ...]
            ) -> tuple[tuple[Distribution, ...], tuple[TorchCopy, ...]]:
    """Several torch copies on sys.path, the first one imported (`where`: venv, env, system,
    user)."""
    dists: list[Distribution] = []
    copies: list[TorchCopy] = []
    for item in d["torch_copies"]:
        version = item.get("version")
        where = f"{item['where']} {SITE}"
        if version:
            dists.append(_dist("torch", str(version), location=where))
        tag = str(version).split("+", 1)[1] if version and "+" in str(version) else ""
        known = tag in ("cpu", "xpu") or tag.startswith(("cu", "rocm"))
        copies.append(TorchCopy(path=f"{where}/torch", version=version if known else None,
                                cuda=cuda_minor(tag) if tag.startswith("cu") else None,
                                hip=tag[4:] if tag.startswith("rocm") else None,
                                xpu="xpu" if tag == "xpu" else None, git_version=None,
                                in_user_site=item["where"] == "user"))
    return (*dists, *companions), tuple(copies)


def _dist(name: str, version: str, installer: str | None = None,
          location: str = SITE) -> Distribution:
    tag = version.split("+", 1)[1] if "+" in version else None
    return Distribution(name=name, version=version, local_tag=tag, location=location,
                        installer=installer)


def _copy(version: str | None, cuda: str | None, hip: str | None, xpu: str | None,
          where: str) -> TorchCopy:
    return TorchCopy(path=f"{where}/torch", version=version, cuda=cuda, hip=hip, xpu=xpu,
                     git_version=None, in_user_site=False)


# --- GPUs ---------------------------------------------------------------------------------------

def _of(gpus: Sequence[Mapping[str, Any]], vendor: str) -> list[Mapping[str, Any]]:
    return [g for g in gpus if g.get("vendor") == vendor]


def _nvidia(f: Mapping[str, Any], d: Mapping[str, Any], system: str | None,
            gpus: Sequence[Mapping[str, Any]]) -> NvidiaFacts:
    override: Mapping[str, Any] = d.get("nvidia") or {}
    if override.get("status") == "absent":
        return NvidiaFacts(status="absent", reason=override.get("reason") or NOT_SHOWN,
                           smi_message=override.get("smi_message"))
    shown = _of(gpus, "nvidia")
    listed: tuple[NvidiaGpu, ...] | None = None
    if shown:
        listed = tuple(NvidiaGpu(index=i, name=str(g.get("name") or "NVIDIA GPU"),
                                 compute_capability=g.get("compute_capability"), memory_mib=None,
                                 pci_bus_id=None, pci_id=None,
                                 compute_capability_source="nvidia-smi"
                                 if g.get("compute_capability") else None)
                       for i, g in enumerate(shown))
    elif d.get("nvidia_gpu_count"):
        listed = tuple(NvidiaGpu(index=i, name="NVIDIA GPU (name not in the report)",
                                 compute_capability=None, memory_mib=None, pci_bus_id=None,
                                 pci_id=None, compute_capability_source=None)
                       for i in range(int(d["nvidia_gpu_count"])))
    if listed or f.get("driver") or f.get("driver_cuda") or override:
        return NvidiaFacts(
            status="found",
            reason=None if listed is not None else f"GPUs {NOT_SHOWN}",
            driver_version=f.get("driver"),
            cuda_version=f.get("driver_cuda"),
            version_mismatch=override.get("version_mismatch"),
            gpus=listed,
        )
    if system == "macos":
        return NvidiaFacts(status="absent", reason="macOS has no NVIDIA CUDA driver")
    if gpus:
        return NvidiaFacts(status="absent", reason="the report shows only non-NVIDIA GPUs")
    return NvidiaFacts(status="unknown", reason=NOT_SHOWN)


def _pci(f: Mapping[str, Any], d: Mapping[str, Any],
         gpus: Sequence[Mapping[str, Any]]) -> PciFacts:
    """The GPUs the report lists (WSL shows no host PCI bus), plus any `derived.pci_gpus`."""
    listed = [g for g in gpus if g.get("vendor") in _VENDOR_IDS and g.get("vendor") != "apple"]
    if f.get("wsl"):
        listed = []
    listed += list(d.get("pci_gpus") or [])
    if not listed:
        return PciFacts(status="unknown", reason=NOT_SHOWN)
    return PciFacts(status="found", gpus=tuple(_pci_gpu(g) for g in listed))


def _pci_gpu(g: Mapping[str, Any]) -> PciGpu:
    vendor = str(g["vendor"])
    name = g.get("name")
    device = _PCI_ID.search(str(name or ""))
    return PciGpu(address=None, vendor_id=_VENDOR_IDS[vendor],
                  device_id=device.group("id").lower() if device else None,
                  vendor=_VENDOR_NAMES[vendor], name=name, kind=None, arch=None,
                  compute_capability=g.get("compute_capability"), gfx=g.get("gfx"), xpu=None,
                  driver=None, driver_version=None)


def _amd(f: Mapping[str, Any], d: Mapping[str, Any], system: str | None,
         gpus: Sequence[Mapping[str, Any]]) -> AmdFacts:
    if system in ("windows", "macos"):
        return AmdFacts(status="absent", reason="ROCm for PyTorch is available on Linux only")
    shown = _of(gpus, "amd")
    access: Mapping[str, Any] = d.get("amd") or {}
    with_gfx = [g for g in shown if g.get("gfx")]
    kfd = {"kfd_present": access.get("kfd_present"), "kfd_accessible": access.get("kfd_accessible"),
           "render_accessible": access.get("render_accessible")}
    if with_gfx:
        return AmdFacts(status="found", rocm_version=f.get("rocm"),
                        gpus=tuple(AmdGpu(node=i + 1, gfx=str(g["gfx"]), device_id=None,
                                          name=g.get("name"))
                                   for i, g in enumerate(with_gfx)), **kfd)
    if shown or access:
        return AmdFacts(status="unknown", reason="the report shows an AMD GPU or its device "
                        "files, but no gfx target", rocm_version=f.get("rocm"), **kfd)
    if gpus:
        return AmdFacts(status="absent", reason="the report shows only GPUs of other vendors")
    return AmdFacts(status="unknown", reason=NOT_SHOWN)


def _apple(f: Mapping[str, Any], d: Mapping[str, Any], system: str | None,
           gpus: Sequence[Mapping[str, Any]]) -> AppleFacts:
    if system is None:
        return AppleFacts(status="unknown", reason=NOT_SHOWN)
    if system != "macos":
        return AppleFacts(status="absent", reason="not macOS")
    chips = [str(g["name"]) for g in _of(gpus, "apple") if g.get("name")]
    translated: bool | None = d.get("python_translated")
    arch = f.get("arch")
    silicon: bool | None = d.get("apple_silicon")
    if silicon is None and (chips or _of(gpus, "apple") or arch == "arm64" or translated):
        silicon = True
    if translated is None and arch == "arm64":
        translated = False  # an arm64 interpreter runs natively
    macos = f.get("macos")
    mps = None
    if silicon is not None and macos:
        mps = bool(silicon) and version_key(str(macos)) >= (12, 3)
    return AppleFacts(status="found", macos_version=macos, chip=chips[0] if chips else None,
                      apple_silicon=silicon, mps_capable=mps, python_translated=translated)


def _intel(system: str | None, gpus: Sequence[Mapping[str, Any]]) -> IntelFacts:
    if system == "macos":
        return IntelFacts(status="absent", reason="PyTorch's XPU build does not run on macOS")
    shown = _of(gpus, "intel")
    if shown:
        return IntelFacts(status="found", reason="Level Zero runtime not in the report",
                          gpus=tuple(IntelGpu(name=g.get("name"), device_id=_pci_gpu(g).device_id,
                                              kind=None, xpu=None) for g in shown))
    if gpus:
        return IntelFacts(status="absent", reason="the report shows only GPUs of other vendors")
    return IntelFacts(status="unknown", reason=NOT_SHOWN)


# --- environment variables ----------------------------------------------------------------------

def _env(f: Mapping[str, Any], d: Mapping[str, Any], system: str | None) -> EnvFacts:
    raw: dict[str, str] = {}
    if f.get("cuda_visible_devices") is not None:
        raw["CUDA_VISIBLE_DEVICES"] = str(f["cuda_visible_devices"])
    ld = d.get("ld_library_path") or f.get("ld_library_path")
    entries = [e.strip() for e in str(ld or "").split(":") if e.strip() and "..." not in e]
    if entries:
        raw["LD_LIBRARY_PATH"] = ":".join(entries)
    raw.update({str(k): str(v) for k, v in (d.get("env") or {}).items()})
    if not raw:
        return EnvFacts(status="unknown", reason=NOT_SHOWN)
    cuda_dirs: tuple[str, ...] = ()
    if system == "linux":
        # What the probe's listing would find: folders the report shows holding CUDA libraries
        # (`derived.ld_library_path_cuda`), else those whose names say so.
        cuda_dirs = tuple(d.get("ld_library_path_cuda") or
                          (e for e in entries if _CUDA_DIR.search(e)))
    return EnvFacts(status="found", variables=filter_env(raw), ld_library_path_cuda=cuda_dirs)
