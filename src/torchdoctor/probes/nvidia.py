"""The NVIDIA driver: kernel module (sysfs, procfs) first, then NVML, then nvidia-smi.

File reads come first because they are instant and cannot hang; NVML runs in a child process
(`_child/nvml_query.py`) because a wedged driver can hang or crash it; nvidia-smi is the fallback,
found on PATH, in WSL 2's /usr/lib/wsl/lib, or in Windows' usual folders.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field

from torchdoctor.facts import NvidiaFacts, NvidiaGpu, Status
from torchdoctor.host import Host, ProcResult
from torchdoctor.probes._util import Budget, failure, first_line, join_reasons, read_or_reason
from torchdoctor.probes.system import system_name


def own_python(host: Host) -> str:
    """torchdoctor's own interpreter, which has nvidia-ml-py (see `probes.python.own_python`)."""
    from torchdoctor.probes.python import own_python as own

    return own(host)


SYS_MODULE_VERSION = "/sys/module/nvidia/version"
PROC_DRIVER_VERSION = "/proc/driver/nvidia/version"
WSL_NVIDIA_SMI = "/usr/lib/wsl/lib/nvidia-smi"
WINDOWS_NVIDIA_SMI = (
    "C:\\Windows\\System32\\nvidia-smi.exe",
    "C:\\Program Files\\NVIDIA Corporation\\NVSMI\\nvidia-smi.exe",
)
QUERY_ARGS = [
    "--query-gpu=index,name,driver_version,compute_cap,memory.total,pci.bus_id,pci.device_id",
    "--format=csv,noheader,nounits",
]
_MISMATCH = "version mismatch"
_VERSION = re.compile(r"\d+\.\d+(?:\.\d+)?")


@dataclass
class _Found:
    """What the steps learned so far (mutable while probing, frozen into NvidiaFacts at the end)."""

    module_version: str | None = None
    module_source: str | None = None
    module_flavor: str | None = None
    userspace_version: str | None = None
    userspace_source: str | None = None
    cuda_version: str | None = None
    cuda_source: str | None = None
    gpus: tuple[NvidiaGpu, ...] | None = None
    gpus_source: str | None = None
    mismatch: bool = False
    smi_message: str | None = None
    notes: list[str] = field(default_factory=list)


def probe(host: Host, timeout: float) -> NvidiaFacts:
    """Driver version, supported CUDA version, GPUs, and kernel/user-space mismatch."""
    system = system_name(host)
    if system == "macos":
        return NvidiaFacts(status="absent", reason="macOS has no NVIDIA CUDA driver", gpus=())
    budget = Budget(timeout)
    found = _Found()
    if system == "linux":
        _read_kernel_module(host, found)
    smi = find_nvidia_smi(host, system)
    wsl2 = system == "linux" and host.exists("/dev/dxg")
    if not (found.module_version or found.notes or smi or wsl2 or system == "windows"):
        return NvidiaFacts(status="absent", reason="no NVIDIA driver loaded", gpus=())
    _ask_nvml(host, budget, found)
    if smi and (found.gpus is None or found.cuda_version is None) and not budget.spent:
        _ask_nvidia_smi(host, smi, budget, found)
    return _facts(found, smi)


def find_nvidia_smi(host: Host, system: str) -> str | None:
    """nvidia-smi on PATH, else where WSL 2 and the Windows driver put it."""
    on_path = host.which("nvidia-smi")
    if on_path:
        return on_path
    candidates = WINDOWS_NVIDIA_SMI if system == "windows" else (WSL_NVIDIA_SMI,)
    return next((path for path in candidates if host.exists(path)), None)


def _read_kernel_module(host: Host, found: _Found) -> None:
    text, why = read_or_reason(host, SYS_MODULE_VERSION)
    if text and _VERSION.fullmatch(text.strip()):
        found.module_version, found.module_source = text.strip(), "sysfs"
    elif why:
        found.notes.append(why)
    text, why = read_or_reason(host, PROC_DRIVER_VERSION)
    if text is None:
        if why:
            found.notes.append(why)
        return
    # "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.144.03  Release Build ..."
    line = next((ln for ln in text.splitlines() if ln.startswith("NVRM version:")), "")
    version = next((tok for tok in line.split() if _VERSION.fullmatch(tok)), None)
    if line:
        found.module_flavor = "open" if "Open Kernel Module" in line else "proprietary"
    if version is None:
        found.notes.append(f"parse error: {PROC_DRIVER_VERSION}: {first_line(text)[:80]!r}")
    elif found.module_version is None:
        found.module_version, found.module_source = version, "procfs"


def _ask_nvml(host: Host, budget: Budget, found: _Found) -> None:
    result = host.run_python(own_python(host), "nvml_query.py", [], budget.left())
    if not result.ok or not result.channel.strip():
        found.notes.append(f"NVML: {failure(result, budget)}")
        return
    try:
        data = json.loads(result.channel)
        if not data.get("ok"):
            message = str(data.get("error") or "unknown error")
            if data.get("error_code") == 18 or "mismatch" in message.lower():
                found.mismatch = True
            found.notes.append(f"NVML: {message}")
            return
        found.userspace_version, found.userspace_source = str(data["driver_version"]), "nvml"
        if data.get("cuda_driver_version"):
            found.cuda_version, found.cuda_source = str(data["cuda_driver_version"]), "nvml"
        found.gpus = tuple(_nvml_gpu(gpu) for gpu in data.get("gpus", []))
        found.gpus_source = "nvml"
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        found.notes.append(f"parse error: NVML answer: {exc}")


def _nvml_gpu(gpu: dict[str, object]) -> NvidiaGpu:
    cc = gpu.get("compute_capability")
    memory = gpu.get("memory_mib")
    return NvidiaGpu(
        index=int(str(gpu["index"])),
        name=str(gpu["name"]),
        compute_capability=str(cc) if cc else None,
        memory_mib=int(str(memory)) if memory is not None else None,
        pci_bus_id=normalise_bus_id(gpu.get("pci_bus_id")),
        pci_id=normalise_pci_id(gpu.get("pci_device_id")),
        compute_capability_source="nvml" if cc else None,
    )


def _ask_nvidia_smi(host: Host, smi: str, budget: Budget, found: _Found) -> None:
    query = host.run([smi, *QUERY_ARGS], budget.left())
    if _note_mismatch(query, found):
        return
    if query.ok:
        try:
            gpus = parse_query(query.stdout)
        except ValueError as exc:
            found.notes.append(f"parse error: nvidia-smi: {exc}")
        else:
            if found.gpus is None:
                found.gpus, found.gpus_source = gpus, "nvidia-smi"
            if gpus and found.userspace_version is None:
                found.userspace_version, found.userspace_source = _smi_driver(query), "nvidia-smi"
    else:
        said = _smi_message(query)
        if said is not None:  # an answer, not a failure: the driver sees no GPU, or no driver
            found.smi_message = said
            found.notes.append(f"nvidia-smi: {said}")
            if found.gpus is None and said == NO_DEVICES:
                found.gpus, found.gpus_source = (), "nvidia-smi"
            return
        found.notes.append(failure(query, budget))
        if query.timed_out or query.error:
            return  # a second call to a hung or missing nvidia-smi would only cost more time
    if found.cuda_version is None and not budget.spent:
        plain = host.run([smi], budget.left())
        if _note_mismatch(plain, found):
            return
        driver, cuda = parse_header(plain.stdout)
        if cuda:
            found.cuda_version, found.cuda_source = cuda, "nvidia-smi"
        if driver and found.userspace_version is None:
            found.userspace_version, found.userspace_source = driver, "nvidia-smi"
        if not plain.ok and query.ok:  # when both failed, the query's failure already says why
            found.notes.append(failure(plain, budget))


NO_DEVICES = "No devices were found"
NO_DRIVER = "couldn't communicate with the NVIDIA driver"


def _smi_message(result: ProcResult) -> str | None:
    """nvidia-smi's own words when it lists no GPU because there is none or no driver."""
    text = f"{result.stdout}\n{result.stderr}"
    for message in (NO_DEVICES, NO_DRIVER):
        if message.lower() in text.lower():
            return message
    return None


def _note_mismatch(result: ProcResult, found: _Found) -> bool:
    text = f"{result.stdout}\n{result.stderr}"
    if _MISMATCH not in text.lower():
        return False
    found.mismatch = True
    found.notes.append("nvidia-smi: Failed to initialize NVML: Driver/library version mismatch")
    library = re.search(r"NVML library version:\s*(\S+)", text)
    if library and found.userspace_version is None:
        found.userspace_version, found.userspace_source = library.group(1), "nvidia-smi"
    return True


def _smi_driver(query: ProcResult) -> str | None:
    for row in csv.reader(query.stdout.splitlines(), skipinitialspace=True):
        if len(row) >= 3 and _VERSION.fullmatch(row[2].strip()):
            return row[2].strip()
    return None


def parse_query(text: str) -> tuple[NvidiaGpu, ...]:
    """GPUs from `nvidia-smi --query-gpu=... --format=csv,noheader,nounits`; ValueError if bad."""
    gpus = []
    for row in csv.reader([ln for ln in text.splitlines() if ln.strip()], skipinitialspace=True):
        if len(row) != 7 or not row[0].strip().isdigit():
            raise ValueError(f"unexpected line {', '.join(row)[:80]!r}")
        index, name, _driver, cc, memory, bus_id, device_id = (_value(v) for v in row)
        gpus.append(
            NvidiaGpu(
                index=int(index or 0),
                name=name or "NVIDIA GPU",
                compute_capability=cc if cc and re.fullmatch(r"\d+\.\d+", cc) else None,
                memory_mib=int(float(memory))
                if memory and re.fullmatch(r"[\d.]+", memory)
                else None,
                pci_bus_id=normalise_bus_id(bus_id),
                pci_id=normalise_pci_id(device_id),
                compute_capability_source="nvidia-smi" if cc else None,
            )
        )
    return tuple(gpus)


def _value(raw: str) -> str | None:
    value = raw.strip()
    return None if not value or value.startswith("[") else value  # "[N/A]", "[Not Supported]"


def parse_header(text: str) -> tuple[str | None, str | None]:
    """(driver, CUDA version) from plain `nvidia-smi`; newer drivers say "CUDA UMD Version"."""
    driver = re.search(r"Driver Version:\s*(\d+\.\d+(?:\.\d+)?)", text)
    cuda = re.search(r"CUDA(?: UMD)? Version:\s*(\d+\.\d+)", text)
    return (driver.group(1) if driver else None, cuda.group(1) if cuda else None)


def normalise_bus_id(value: object) -> str | None:
    """NVML's "00000000:01:00.0" in sysfs' form "0000:01:00.0"."""
    match = re.fullmatch(r"([0-9a-fA-F]+):([0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.\d)", str(value or ""))
    if not match:
        return None
    return f"{match.group(1)[-4:].rjust(4, '0')}:{match.group(2)}".lower()


def normalise_pci_id(value: object) -> str | None:
    """NVML's pciDeviceId "0x268410DE" (device << 16 | vendor) as "10de:2684"."""
    match = re.fullmatch(r"(?:0x)?([0-9a-fA-F]{4})([0-9a-fA-F]{4})", str(value or ""))
    return f"{match.group(2)}:{match.group(1)}".lower() if match else None


def _facts(found: _Found, smi: str | None) -> NvidiaFacts:
    module, user = found.module_version, found.userspace_version
    mismatch: bool | None = found.mismatch or None
    if module and user:
        mismatch = found.mismatch or module != user
    elif not found.mismatch:
        mismatch = None
    driver = module or user
    known = driver is not None or found.gpus is not None or found.mismatch
    status: Status = "found" if known else "unknown"
    if not known and found.smi_message == NO_DRIVER:
        status = "absent"  # nvidia-smi answered: no NVIDIA driver is loaded
    return NvidiaFacts(
        status=status,
        reason=join_reasons(*found.notes),
        driver_version=driver,
        driver_version_source=found.module_source if module else found.userspace_source,
        cuda_version=found.cuda_version,
        cuda_version_source=found.cuda_source,
        kernel_module_version=module,
        kernel_module_flavor=found.module_flavor,
        userspace_version=user,
        version_mismatch=mismatch,
        nvidia_smi=smi,
        gpus=found.gpus,
        gpus_source=found.gpus_source,
        smi_message=found.smi_message,
    )
