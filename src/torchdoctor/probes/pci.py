"""GPUs on the PCI bus, found without lspci and without any driver, named from the bundled table.

Linux reads /sys/bus/pci/devices; Windows asks CIM for the video controllers; macOS asks
system_profiler. The table (`torchdoctor/data/pci_ids.json`, built by scripts/build_pci_ids.py from
public PCI id data) gives each known GPU its name, discrete/integrated kind, architecture, CUDA
compute capability (NVIDIA), gfx target (AMD) and XPU support (Intel).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from torchdoctor.facts import PciFacts, PciGpu
from torchdoctor.host import Host
from torchdoctor.probes._util import Budget, failure, read
from torchdoctor.probes.system import system_name

SYSFS_PCI = "/sys/bus/pci/devices"
WINDOWS_QUERY = [
    "powershell",
    "-NoProfile",
    "-NonInteractive",
    "-Command",
    "Get-CimInstance Win32_VideoController | Select-Object Name,PNPDeviceID,DriverVersion"
    " | ConvertTo-Json",
]
MACOS_QUERY = ["system_profiler", "-json", "SPDisplaysDataType"]
# PCI base classes worth reporting: 0x03 display controllers, 0x12 processing accelerators.
_GPU_CLASSES = ("0x03", "0x12")
_VENDOR_WORDS = {"nvidia": "10de", "amd": "1002", "ati": "1002", "intel": "8086", "apple": "106b"}


@functools.cache
def load_table() -> dict[str, Any]:
    """The bundled PCI id table: {"schema_version", "source", "vendors", "devices"}."""
    from importlib.resources import files

    text = files("torchdoctor").joinpath("data/pci_ids.json").read_text(encoding="utf-8")
    table: dict[str, Any] = json.loads(text)
    if table.get("schema_version") != 1 or not isinstance(table.get("devices"), dict):
        raise ValueError("data/pci_ids.json: unexpected format")
    return table


def table_date() -> str | None:
    """The date of the PCI id data the table was built from."""
    match = re.search(r"\d{4}-\d{2}-\d{2}", str(load_table().get("source", "")))
    return match.group(0) if match else None


def describe(vendor_id: str, device_id: str | None, **known: Any) -> PciGpu:
    """A PciGpu for vendor:device, classified from the table; `known` fills what the table lacks."""
    table = load_table()
    vendor_id = vendor_id.lower()
    entry: dict[str, Any] = table["devices"].get(f"{vendor_id}:{(device_id or '').lower()}", {})
    return PciGpu(
        address=known.get("address"),
        vendor_id=vendor_id,
        device_id=device_id.lower() if device_id else None,
        pci_class=known.get("pci_class"),
        vendor=table["vendors"].get(vendor_id),
        name=entry.get("name") or known.get("name"),
        kind=entry.get("kind") or known.get("kind"),
        arch=entry.get("arch"),
        compute_capability=entry.get("cc"),
        gfx=entry.get("gfx"),
        # Intel: False for a known GPU the XPU build does not list, None for one the table lacks.
        xpu=(bool(entry.get("xpu", False)) if entry else None) if vendor_id == "8086" else None,
        driver=known.get("driver"),
        driver_version=known.get("driver_version"),
    )


def probe(host: Host, timeout: float) -> PciFacts:
    """Every display/accelerator device on the bus."""
    system = system_name(host)
    if system == "windows":
        return _windows(host, Budget(timeout))
    if system == "macos":
        return _macos(host, Budget(timeout))
    if not host.exists(SYSFS_PCI):
        # Containers and some boards have no PCI bus in sysfs at all: nothing to find there.
        return _facts([], "sysfs", "no PCI bus in sysfs (/sys/bus/pci/devices is missing)")
    try:
        addresses = host.list_dir(SYSFS_PCI)
    except OSError as exc:
        return PciFacts(status="unknown", reason=f"{SYSFS_PCI}: {exc.strerror or exc}")
    gpus = []
    unreadable = []
    for address in addresses:
        base = f"{SYSFS_PCI}/{address}"
        device_class = read(host, f"{base}/class")
        if device_class is None:
            unreadable.append(address)
            continue
        if not device_class.strip().lower().startswith(_GPU_CLASSES):
            continue
        vendor = (read(host, f"{base}/vendor") or "").strip().lower().removeprefix("0x")
        device = (read(host, f"{base}/device") or "").strip().lower().removeprefix("0x")
        if not vendor:
            unreadable.append(address)
            continue
        pci_class = device_class.strip().lower().removeprefix("0x")
        gpus.append(
            describe(
                vendor,
                device or None,
                address=address,
                driver=_driver(host, base),
                pci_class=pci_class,
            )
        )
    reason = f"unreadable: {', '.join(unreadable)}" if unreadable else None
    return _facts(gpus, "sysfs", reason)


def _driver(host: Host, device_dir: str) -> str | None:
    try:
        target = host.read_link(f"{device_dir}/driver")
    except OSError:
        return None  # no driver bound
    return target.rstrip("/").rsplit("/", 1)[-1] or None


def _facts(gpus: list[PciGpu], source: str, reason: str | None) -> PciFacts:
    return PciFacts(
        status="found" if gpus else "absent",
        reason=reason if gpus or reason else "no GPU on the PCI bus",
        source=source,
        table_date=table_date(),
        gpus=tuple(gpus),
    )


def _windows(host: Host, budget: Budget) -> PciFacts:
    result = host.run(WINDOWS_QUERY, budget.left())
    if not result.ok:
        return PciFacts(status="unknown", reason=failure(result, budget), source="wmi")
    try:
        data = json.loads(result.stdout or "[]")
    except ValueError as exc:
        return PciFacts(status="unknown", reason=f"parse error: powershell: {exc}", source="wmi")
    rows = data if isinstance(data, list) else [data]
    gpus = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        pnp = str(row.get("PNPDeviceID") or "")
        match = re.search(r"VEN_([0-9A-Fa-f]{4})&DEV_([0-9A-Fa-f]{4})", pnp)
        if not match:
            continue  # a virtual adapter (Remote Desktop, Basic Display) has no PCI ids
        gpus.append(
            describe(
                match.group(1),
                match.group(2),
                name=row.get("Name"),
                driver_version=row.get("DriverVersion"),
            )
        )
    return _facts(gpus, "wmi", None)


def _macos(host: Host, budget: Budget) -> PciFacts:
    result = host.run(MACOS_QUERY, budget.left())
    if not result.ok:
        return PciFacts(status="unknown", reason=failure(result, budget), source="system_profiler")
    try:
        rows = json.loads(result.stdout).get("SPDisplaysDataType", [])
    except (ValueError, AttributeError) as exc:
        return PciFacts(
            status="unknown",
            reason=f"parse error: system_profiler: {exc}",
            source="system_profiler",
        )
    gpus = [_macos_gpu(row) for row in rows if isinstance(row, dict)]
    return _facts(gpus, "system_profiler", None)


def _macos_gpu(row: dict[str, Any]) -> PciGpu:
    name = str(row.get("sppci_model") or row.get("_name") or "")
    vendor_text = str(row.get("spdisplays_vendor") or row.get("sppci_vendor") or name).lower()
    vendor_id = str(row.get("spdisplays_vendor-id") or "").lower().removeprefix("0x")
    if not vendor_id:
        vendor_id = next((v for w, v in _VENDOR_WORDS.items() if w in vendor_text), "0000")
    device_id = str(row.get("spdisplays_device-id") or "").lower().removeprefix("0x") or None
    builtin = row.get("sppci_bus") == "spdisplays_builtin" or vendor_id in ("106b", "8086")
    return describe(
        vendor_id, device_id, name=name or None, kind="integrated" if builtin else "discrete"
    )
