"""Every recorded machine: the probes produce the facts its `expected.json` asserts.

`expected.json` uses the dotted paths proposed with the recordings (tests/fixtures/machines/README);
`_actual` maps each of them onto the facts model, which is authoritative.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from torchdoctor.facts import Facts, facts_document, to_dict
from torchdoctor.facts.schema import load_schema
from torchdoctor.probes import collect_facts
from torchdoctor.probes.nvidia import normalise_bus_id
from torchdoctor.probes.system import normalise_arch
from torchdoctor.recorded import RecordedHost

MACHINES = Path(__file__).resolve().parent.parent / "fixtures" / "machines"
NAMES = sorted(p.name for p in MACHINES.iterdir() if (p / "expected.json").is_file())
# Recording details the facts do not model (the exit status of nvidia-smi is in `nvidia.reason`).
NOT_MODELLED = {"nvidia.smi.returncode"}
RENAMED = {
    "os.distro.id": "os.distribution_id",
    "os.distro.version_id": "os.version",
    "os.machine": "os.arch",
    "nvidia.cuda_driver_version": "nvidia.cuda_version",
    "nvidia.smi_path": "nvidia.nvidia_smi",
    "memory.total": "resources.memory_total_bytes",
    "jetson.model": "os.jetson_model",
    "jetson.l4t_version": "os.l4t_release",
    "amd.kfd_access": "amd.kfd_accessible",
    "amd.render_access": "amd.render_accessible",
}
FIELD_RENAMES = {
    "memory_total_mib": "memory_mib",
    "gfx_target": "gfx",
    "class": "pci_class",
    "windows_driver_version": "driver_version",
    "avx512": "avx512f",
    "pci_device_id": "pci_id",
}


def _lookup(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def _actual(facts: Facts, key: str) -> tuple[Any, Any]:
    """(value found, how to read the expected value) for one expected.json key."""
    data = to_dict(facts)
    same = lambda value: value  # noqa: E731
    if key == "os.system":
        return data["os"]["system"], lambda v: "macos" if v == "darwin" else v
    if key == "os.release":
        return data["os"]["distribution"], lambda v: f"Windows {v}"
    if key == "os.machine":
        return data["os"]["arch"], lambda v: normalise_arch(v, data["os"]["system"])
    if key == "os.libc":
        return f"{data['os']['libc_name']} {data['os']['libc_version']}", same
    if key == "jetson":
        return data["os"]["jetson_model"], same
    if key == "amd.gfx_targets":
        return [g["gfx"] for g in data["amd"]["gpus"] or []], same
    if key == "amd.hsa_override_gfx_version":
        return data["env"]["variables"].get("HSA_OVERRIDE_GFX_VERSION"), same
    if key == "intel.level_zero":
        return data["intel"]["level_zero_loader"] is not None, same
    if key.startswith("cpu.avx") and data["os"]["arch"] != "x86_64":
        # AVX is an x86 matter: the facts say "not applicable" (None) on Arm, not False.
        return data["cpu"]["avx2" if key == "cpu.avx2" else "avx512f"], lambda v: None
    if key == "pci.gpu_count":
        return len(data["pci"]["gpus"]), same
    path = RENAMED.get(key, key)
    parts = path.split(".")
    parts[-1] = FIELD_RENAMES.get(parts[-1], parts[-1])
    if parts[-1] == "pci_bus_id":
        return _lookup(data, ".".join(parts)), normalise_bus_id
    if parts[-1] == "pci_id":
        return _lookup(data, ".".join(parts)), lambda v: f"10de:{v}"
    return _lookup(data, ".".join(parts)), same


@pytest.mark.parametrize("name", NAMES)
def test_machine_facts(name: str) -> None:
    host = RecordedHost(MACHINES / name)
    facts = collect_facts(host, timeout=5.0)
    expected = json.loads((MACHINES / name / "expected.json").read_text(encoding="utf-8"))
    mismatches = []
    for key, value in expected.items():
        if key in NOT_MODELLED:
            continue
        actual, convert = _actual(facts, key)
        if actual != (convert(value) if value is not None else None):
            mismatches.append(f"{key}: expected {value!r}, got {actual!r}")
    assert mismatches == []
    jsonschema.validate(json.loads(json.dumps(facts_document(facts))), load_schema())
    assert host.unexpected == [] or name == "intel-mac-macos13", host.unexpected


@pytest.mark.parametrize("name", NAMES)
def test_machine_has_no_unknown_section(name: str) -> None:
    facts = collect_facts(RecordedHost(MACHINES / name), timeout=5.0)
    assert facts.unknown_sections() == []
    assert facts.python.status == "found"
