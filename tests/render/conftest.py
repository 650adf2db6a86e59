"""Hand-built reports shared by the renderer tests: four machines, from healthy to incomplete."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from render_facts import CPU_CMD, CU126, PYTHON, make_facts

from torchdoctor.report import (
    Alternative,
    Check,
    CheckStatus,
    Fix,
    InstallPlan,
    Problem,
    Report,
    Severity,
)


def check(id: str, title: str, status: CheckStatus, summary: str, **kw: Any) -> Check:
    return Check(id=id, title=title, status=status, summary=summary, **kw)


OK, WARN, ERR = CheckStatus.OK, CheckStatus.WARNING, CheckStatus.ERROR
NA, UNK = CheckStatus.NOT_APPLICABLE, CheckStatus.UNKNOWN


def _base_checks() -> list[Check]:
    return [
        check("platform", "Platform", OK, "Linux x86_64 · Ubuntu 22.04.4 LTS · glibc 2.35"),
        check("python", "Python", OK, "3.11.9 · venv", details=("executable: " + PYTHON,)),
        check("nvidia", "NVIDIA driver", NA, "no NVIDIA GPU"),
        check("torch", "PyTorch", OK, "2.13.0+cpu — CPU build"),
        check("accelerators", "ROCm · MPS · XPU", NA, "not applicable on this machine"),
    ]


def _report(checks: list[Check], **kw: Any) -> Report:
    defaults: dict[str, Any] = {
        "command": "check",
        "target_python": PYTHON,
        "checks": tuple(checks),
        "install": InstallPlan(
            command=CPU_CMD, torch_version="2.13.0", compute="cpu",
            rationale=("No GPU was found: the CPU build is the one that fits.",),
            knowledge_date="2026-05-01", index_url="https://download.pytorch.org/whl/cpu",
        ),
        "facts": make_facts(),
        "knowledge_date": "2026-05-01",
        "knowledge_source": "bundled",
        "knowledge_stable": "2.13.0",
    }  # fmt: skip
    defaults.update(kw)
    return Report(**defaults)


@pytest.fixture
def healthy_cpu() -> Report:
    """A CPU-only Linux box with the CPU build of torch: nothing to fix."""
    return _report(_base_checks())


CPU_ON_GPU = Problem(
    code="cpu-build-on-gpu-host",
    severity=Severity.ERROR,
    title="CPU-only torch on a GPU machine",
    message="torch 2.13.0+cpu is a CPU-only build, so it cannot use the NVIDIA GeForce RTX 4090.",
    fix=Fix("Replace it with the CUDA 12.6 build:", (CU126,)),
    check="torch",
)


@pytest.fixture
def gpu_cpu_build() -> Report:
    """An RTX 4090 on driver 550 with the CPU build installed: one error, a fix, alternatives."""
    checks = _base_checks()
    checks[2] = check(
        "nvidia", "NVIDIA driver", OK, "550.144.03 · supports CUDA ≤ 12.4 · 1× RTX 4090"
    )
    checks[3] = check(
        "torch", "PyTorch", ERR, "2.13.0+cpu — CPU-only build, but an NVIDIA GPU is present",
        problems=(CPU_ON_GPU,),
    )  # fmt: skip
    plan = InstallPlan(
        command=CU126, torch_version="2.13.0", compute="cu126",
        rationale=("Driver 550.144.03 supports CUDA up to 12.4.", "cu126 runs on it."),
        knowledge_date="2026-05-01", index_url="https://download.pytorch.org/whl/cu126",
        alternatives=(Alternative("Or update the driver to 580 or newer, then:",
                                  "pip3 install torch torchvision", "2.13.0", "cu130"),),
        replaces_installed=True,
    )  # fmt: skip
    gpu = {"index": 0, "name": "NVIDIA GeForce RTX 4090", "compute_capability": "8.9",
           "memory_mib": 24564, "pci_bus_id": "0000:01:00.0", "pci_id": "10de:2684",
           "compute_capability_source": "nvml"}  # fmt: skip
    facts = make_facts(nvidia={"status": "found", "driver_version": "550.144.03",
                               "cuda_version": "12.4", "gpus": [gpu]})  # fmt: skip
    return _report(checks, install=plan, facts=facts)


@pytest.fixture
def timed_out() -> Report:
    """nvidia-smi hung: that check could not run, everything else passed."""
    checks = _base_checks()
    checks[2] = check("nvidia", "NVIDIA driver", UNK, "", reason="nvidia-smi timed out after 5 s")
    return _report(checks)


MULTIPLE = Problem(
    code="multiple-torch-installs",
    severity=Severity.WARNING,
    title="Several torch copies visible",
    message="Two copies of torch are on sys.path; the first one wins.",
    fix=Fix("Remove the copy in the user site:", ("python -m pip uninstall -y torch",)),
    check="torch",
)


@pytest.fixture
def warning_only() -> Report:
    """Healthy except for one warning."""
    checks = _base_checks()
    checks[3] = replace(checks[3], status=WARN, problems=(MULTIPLE,))
    return _report(checks)


@pytest.fixture
def all_reports(
    healthy_cpu: Report, gpu_cpu_build: Report, timed_out: Report, warning_only: Report
) -> dict[str, Report]:
    """Every fixture report by name, for tests that run over all of them."""
    return {
        "healthy_cpu": healthy_cpu,
        "gpu_cpu_build": gpu_cpu_build,
        "timed_out": timed_out,
        "warning_only": warning_only,
    }
