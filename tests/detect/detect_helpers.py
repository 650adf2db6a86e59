"""Shared values for the detection tests (imported by name; the fixture lives in conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from torchdoctor.recorded import RecordedHost

QUERY = [
    "nvidia-smi",
    "--query-gpu=index,name,driver_version,compute_cap,memory.total,pci.bus_id,pci.device_id",
    "--format=csv,noheader,nounits",
]
SMI_HEADER = (
    "+-----------------------------------------------------------------------------------------+\n"
    "| NVIDIA-SMI 550.120                Driver Version: 550.120        CUDA Version: 12.4     |\n"
    "|-----------------------------------------+------------------------+----------------------+\n"
)
LINUX = {
    "system": "Linux",
    "release": "6.8.0-49-generic",
    "machine": "x86_64",
    "libc": ["glibc", "2.35"],
}


def target_answer(**overrides: Any) -> str:
    """A probe_target.py channel answer for a venv with a CPU build of torch."""
    site = "/home/ada/proj/.venv/lib/python3.12/site-packages"
    python = {
        "executable": "/home/ada/proj/.venv/bin/python",
        "version": "3.12.3",
        "implementation": "cpython",
        "pointer_bits": 64,
        "free_threaded": False,
        "machine": "x86_64",
        "platform_tag": "linux-x86_64",
        "prefix": "/home/ada/proj/.venv",
        "base_prefix": "/usr",
        "purelib": site,
        "scripts_dir": "/home/ada/proj/.venv/bin",
        "temp_dir": "/tmp",
        "cwd": "/home/ada/proj",
        "cwd_shadow": None,
        "env_kind": "venv",
        "env_name": ".venv",
        "pip3_path": "/home/ada/proj/.venv/bin/pip3",
        "pip3_belongs": True,
        "user_site": "/home/ada/.local/lib/python3.12/site-packages",
        "user_site_enabled": False,
        "user_site_has_torch": False,
        "externally_managed": False,
        "distributions": [
            {
                "name": "torch",
                "version": "2.13.0+cpu",
                "local_tag": "cpu",
                "location": site,
                "installer": "pip",
            }
        ],
        "torch_copies": [
            {
                "path": f"{site}/torch",
                "version": "2.13.0+cpu",
                "cuda": None,
                "hip": None,
                "xpu": None,
                "git_version": "abc",
                "in_user_site": False,
            }
        ],
    }
    python.update(overrides)
    return json.dumps({"python": python, "errors": []})


MachineFactory = Callable[..., RecordedHost]
