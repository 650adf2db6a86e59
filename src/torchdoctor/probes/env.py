"""Environment variables that change how torch installs or runs — an allow-list, nothing else.

No variable outside `ALLOWED` / `ALLOWED_PREFIXES` ever enters the facts, and credentials inside
index URLs (`https://user:token@host/simple`) are masked, so a facts document is safe to share.
"""

from __future__ import annotations

import re

from torchdoctor.facts import EnvFacts
from torchdoctor.host import Host
from torchdoctor.probes._util import list_dir
from torchdoctor.probes.system import system_name

ALLOWED = frozenset(
    {
        # Which devices torch may see.
        "CUDA_VISIBLE_DEVICES",
        "NVIDIA_VISIBLE_DEVICES",
        "NVIDIA_DRIVER_CAPABILITIES",
        "HIP_VISIBLE_DEVICES",
        "ROCR_VISIBLE_DEVICES",
        "GPU_DEVICE_ORDINAL",
        "HSA_OVERRIDE_GFX_VERSION",
        "ZE_AFFINITY_MASK",
        "ONEAPI_DEVICE_SELECTOR",
        "CUDA_MODULE_LOADING",
        "TORCH_CUDA_ARCH_LIST",
        # Where pip and uv look for wheels.
        "PIP_INDEX_URL",
        "PIP_EXTRA_INDEX_URL",
        "PIP_FIND_LINKS",
        "PIP_NO_INDEX",
        "PIP_REQUIRE_VIRTUALENV",
        "PIP_USER",
        "UV_INDEX_URL",
        "UV_EXTRA_INDEX_URL",
        "UV_INDEX",
        "UV_DEFAULT_INDEX",
        "UV_TORCH_BACKEND",
        # Which environment is active.
        "CONDA_PREFIX",
        "CONDA_DEFAULT_ENV",
        "VIRTUAL_ENV",
        "PYTHONNOUSERSITE",
        # Toolkits found outside the wheels.
        "CUDA_HOME",
        "CUDA_PATH",
        "ROCM_PATH",
        # Output.
        "NO_COLOR",
    }
)
ALLOWED_PREFIXES = ("PYTORCH_",)
# Files whose presence marks a directory as holding CUDA libraries that could shadow torch's own.
_CUDA_LIBS = re.compile(r"^lib(cudart|cublas|cublasLt|cudnn|nccl|cusparse|cufft|nvrtc|cuda)\.so")
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")


def is_allowed(name: str) -> bool:
    """Whether a variable may appear in torchdoctor's output."""
    return name in ALLOWED or name.startswith(ALLOWED_PREFIXES)


def mask_credentials(value: str) -> str:
    """Hide `user:password@` in URLs: "https://***@host/simple"."""
    return _URL_CREDENTIALS.sub(r"\g<scheme>***@", value)


def probe(host: Host, timeout: float) -> EnvFacts:
    """The allow-listed variables that are set, and LD_LIBRARY_PATH entries with CUDA libraries."""
    variables = {
        name: mask_credentials(value)
        for name, value in sorted(host.env.items())
        if is_allowed(name)
    }
    cuda_dirs: list[str] = []
    if system_name(host) == "linux":
        for entry in host.env.get("LD_LIBRARY_PATH", "").split(":"):
            if (
                entry
                and entry not in cuda_dirs
                and any(_CUDA_LIBS.match(name) for name in list_dir(host, entry))
            ):
                cuda_dirs.append(entry)
    return EnvFacts(
        status="found" if variables or cuda_dirs else "absent",
        reason=None if variables or cuda_dirs else "none of the variables that matter is set",
        variables=variables,
        ld_library_path_cuda=tuple(cuda_dirs),
    )
