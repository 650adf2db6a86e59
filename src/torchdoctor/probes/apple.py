"""macOS and Apple silicon: macOS version, chip, GPU, MPS support, and Rosetta translation."""

from __future__ import annotations

import json
import re

from torchdoctor.facts import AppleFacts
from torchdoctor.host import Host
from torchdoctor.probes._util import Budget, failure, join_reasons
from torchdoctor.probes.pci import MACOS_QUERY
from torchdoctor.probes.system import system_name

SW_VERS = ["sw_vers", "-productVersion"]
CPU_BRAND = ["sysctl", "-n", "machdep.cpu.brand_string"]
TRANSLATED = ["sysctl", "-n", "sysctl.proc_translated"]
# torch's MPS backend needs macOS 12.3 or newer on Apple silicon.
MPS_MIN_MACOS = (12, 3)


def probe(host: Host, timeout: float) -> AppleFacts:
    """sw_vers, sysctl and system_profiler, each with what is left of the probe's timeout."""
    if system_name(host) != "macos":
        return AppleFacts(status="absent", reason="not macOS")
    budget = Budget(timeout)
    notes: list[str] = []
    version = host.run(SW_VERS, budget.left())
    macos = version.stdout.strip() if version.ok and version.stdout.strip() else None
    if macos is None:
        notes.append(failure(version, budget))
        macos = host.platform.mac_version or None
    brand = host.run(CPU_BRAND, budget.left())
    cpu_brand = brand.stdout.strip() if brand.ok and brand.stdout.strip() else None
    if cpu_brand is None:
        notes.append(failure(brand, budget))
    translated = host.run(TRANSLATED, budget.left())
    # sysctl.proc_translated is 1 under Rosetta, 0 natively, and an unknown oid on Intel Macs.
    rosetta = translated.ok and translated.stdout.strip() == "1"
    if cpu_brand is not None:
        apple_silicon: bool | None = cpu_brand.startswith("Apple")
    elif host.platform.machine.lower() == "arm64" or rosetta:
        apple_silicon = True
    else:
        apple_silicon = None
    cores, family = _gpu(host, budget, notes) if apple_silicon else (None, None)
    return AppleFacts(
        status="found",
        reason=join_reasons(*notes),
        macos_version=macos,
        chip=cpu_brand if apple_silicon and cpu_brand else None,
        cpu_brand=cpu_brand,
        apple_silicon=apple_silicon,
        gpu_cores=cores,
        metal_family=family,
        mps_capable=_mps_capable(apple_silicon, macos),
        rosetta=rosetta,
    )


def _gpu(host: Host, budget: Budget, notes: list[str]) -> tuple[int | None, str | None]:
    result = host.run(MACOS_QUERY, budget.left())
    if not result.ok:
        notes.append(failure(result, budget))
        return None, None
    try:
        rows = json.loads(result.stdout).get("SPDisplaysDataType", [])
        row = next(r for r in rows if isinstance(r, dict))
    except (ValueError, AttributeError, StopIteration) as exc:
        notes.append(f"parse error: system_profiler: {exc or 'no display'}")
        return None, None
    cores = str(row.get("sppci_cores") or "")
    family = str(row.get("spdisplays_mtlgpufamilysupport") or "").removeprefix("spdisplays_")
    return (int(cores) if cores.isdigit() else None), (family or None)


def _mps_capable(apple_silicon: bool | None, macos: str | None) -> bool | None:
    if apple_silicon is False:
        return False
    match = re.match(r"(\d+)(?:\.(\d+))?", macos or "")
    if apple_silicon is None or match is None:
        return None
    return (int(match.group(1)), int(match.group(2) or 0)) >= MPS_MIN_MACOS
