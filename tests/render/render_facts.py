"""The facts of the hand-built renderer reports: a CPU-only Linux box, typed as detection makes
them, with a helper to vary a section."""

from __future__ import annotations

import copy
from typing import Any

from torchdoctor.facts import (
    AmdFacts,
    AppleFacts,
    CpuFacts,
    Distribution,
    EnvFacts,
    Facts,
    IntelFacts,
    NvidiaFacts,
    NvidiaGpu,
    OsFacts,
    PciFacts,
    PythonFacts,
    ResourceFacts,
    TorchCopy,
)

PYTHON = "/srv/app/.venv/bin/python"
CU126 = "pip3 install --force-reinstall torch torchvision --index-url https://download.pytorch.org/whl/cu126"
CPU_CMD = "pip3 install torch torchvision --index-url https://download.pytorch.org/whl/cpu"

_FACTS: dict[str, Any] = {
    "os": {
        "status": "found", "reason": None, "system": "linux", "version": "22.04",
        "distribution": "Ubuntu 22.04.4 LTS", "kernel": "6.8.0-45-generic", "arch": "x86_64",
        "libc_name": "glibc", "libc_version": "2.35", "wsl": None, "container": None,
    },
    "cpu": {"status": "found", "reason": None, "model": "AMD Ryzen 9 7950X 16-Core Processor",
            "logical_cores": 32, "avx": True, "avx2": True, "avx512f": True},
    "python": {
        "status": "found", "reason": None, "executable": PYTHON, "version": "3.11.9",
        "implementation": "cpython", "pointer_bits": 64, "free_threaded": False,
        "env_kind": "venv", "distributions": [
            {"name": "numpy", "version": "2.1.3", "local_tag": None,
             "location": "/srv/app/.venv/lib/python3.11/site-packages", "installer": "pip"},
            {"name": "torch", "version": "2.13.0+cpu", "local_tag": "cpu",
             "location": "/srv/app/.venv/lib/python3.11/site-packages", "installer": "pip"},
            {"name": "requests", "version": "2.32.3", "local_tag": None,
             "location": "/srv/app/.venv/lib/python3.11/site-packages", "installer": "pip"},
        ],
        "torch_copies": [
            {"path": "/srv/app/.venv/lib/python3.11/site-packages/torch",
             "version": "2.13.0+cpu", "cuda": None, "hip": None, "xpu": None,
             "git_version": "abc123", "in_user_site": False},
        ],
    },
    "nvidia": {"status": "absent", "reason": None, "driver_version": None, "gpus": None},
    "pci": {"status": "absent", "reason": None, "gpus": []},
    "amd": {"status": "absent", "reason": None},
    "env": {"status": "found", "reason": None, "variables": {}, "ld_library_path_cuda": []},
}  # fmt: skip


def make_facts(**sections: dict[str, Any]) -> Facts:
    """The base facts with some sections replaced or merged (sections not given: absent)."""
    facts = copy.deepcopy(_FACTS)
    for name, values in sections.items():
        facts.setdefault(name, {}).update(values)
    return _typed(facts)


_SECTIONS: dict[str, Any] = {
    "os": OsFacts, "cpu": CpuFacts, "resources": ResourceFacts, "python": PythonFacts,
    "nvidia": NvidiaFacts, "pci": PciFacts, "amd": AmdFacts, "apple": AppleFacts,
    "intel": IntelFacts, "env": EnvFacts,
}  # fmt: skip
_ITEMS: dict[str, Any] = {"distributions": Distribution, "torch_copies": TorchCopy}


def _typed(facts: dict[str, Any]) -> Facts:
    """The typed facts of a partial facts dict (fields not given take the model's defaults)."""
    sections: dict[str, Any] = {}
    for name, kind in _SECTIONS.items():
        values = dict(facts.get(name) or {"status": "absent"})
        for key, item in _ITEMS.items():
            if values.get(key) is not None:
                values[key] = tuple(item(**x) for x in values[key])
        if name == "nvidia" and values.get("gpus") is not None:
            values["gpus"] = tuple(NvidiaGpu(**g) for g in values["gpus"])
        if name == "pci" and values.get("gpus") is not None:
            values["gpus"] = tuple(values["gpus"])
        if name == "env":
            values["ld_library_path_cuda"] = tuple(values.get("ld_library_path_cuda", ()))
        sections[name] = kind(**values)
    return Facts(**sections)
