"""Facts that combine two probes' answers, filled in after all probes ran (pure functions)."""

from __future__ import annotations

import dataclasses

from torchdoctor.facts import Facts, IntelGpu, NvidiaGpu, Status


def derive(facts: Facts) -> Facts:
    """Cross-section facts: GPU compute capability from the PCI table, Intel GPUs, Rosetta."""
    return _apple(_intel(_nvidia_cc(facts)))


def _nvidia_cc(facts: Facts) -> Facts:
    # An old nvidia-smi cannot report compute_cap; the bundled table knows it from the device id.
    gpus = facts.nvidia.gpus
    if not gpus or all(gpu.compute_capability for gpu in gpus):
        return facts
    from torchdoctor.probes.pci import load_table

    devices = load_table()["devices"]

    def fill(gpu: NvidiaGpu) -> NvidiaGpu:
        cc = devices.get(gpu.pci_id or "", {}).get("cc") if not gpu.compute_capability else None
        if not cc:
            return gpu
        return dataclasses.replace(
            gpu, compute_capability=cc, compute_capability_source="pci-table"
        )

    nvidia = dataclasses.replace(facts.nvidia, gpus=tuple(fill(gpu) for gpu in gpus))
    return dataclasses.replace(facts, nvidia=nvidia)


def _intel(facts: Facts) -> Facts:
    intel = facts.intel
    if intel.status == "unknown" or facts.os.system == "macos":
        return facts  # on macOS the Intel GPUs stay in the PCI facts: no XPU build there
    pci_gpus = facts.pci.gpus
    gpus = (
        tuple(
            IntelGpu(name=g.name, device_id=g.device_id, kind=g.kind, xpu=g.xpu)
            for g in pci_gpus
            if g.vendor_id == "8086"
        )
        if pci_gpus is not None
        else None
    )
    status: Status
    runtime = bool(intel.level_zero_loader or intel.level_zero_gpu_driver)
    if gpus:
        status, reason = "found", intel.reason if runtime else "no Level Zero runtime found"
    elif runtime:
        status, reason = "found", "no Intel GPU on the PCI bus"
    elif gpus is None:
        status, reason = "unknown", f"Intel GPUs not known: {facts.pci.reason or 'PCI unknown'}"
    else:
        status, reason = "absent", intel.reason or "no Intel GPU and no Level Zero runtime"
    xpu_capable = any(bool(g.xpu) for g in gpus) if gpus is not None else None
    updated = dataclasses.replace(
        intel, status=status, reason=reason, gpus=gpus, xpu_capable=xpu_capable
    )
    return dataclasses.replace(facts, intel=updated)


def _apple(facts: Facts) -> Facts:
    apple = facts.apple
    if apple.status != "found":
        return facts
    machine = (facts.python.machine or "").lower()
    translated = None
    if apple.apple_silicon is not None and machine:
        translated = bool(apple.apple_silicon) and machine == "x86_64"
    os_facts = facts.os
    if apple.apple_silicon and os_facts.arch != "arm64":
        # torchdoctor itself may run under Rosetta; the machine is still arm64.
        os_facts = dataclasses.replace(os_facts, arch="arm64")
    return dataclasses.replace(
        facts, os=os_facts, apple=dataclasses.replace(apple, python_translated=translated)
    )
