"""Which environment variables may ever appear in torchdoctor's output, and credential masking.

One allow-list for every layer: the env probe puts only these variables into the facts, and the
renderers cut any environment map down to them again, so a captured document and a report agree.
Tokens and keys live in the environment; nothing outside the list is shown, and credentials inside
index URLs are masked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

# Variables that change how torch installs or runs, and nothing else. Anything not listed here (or
# matched by a prefix below) never appears in any output: tokens and keys live in the environment.
ALLOWED_ENV = frozenset(
    {
        "PIP_NO_INDEX", "PIP_REQUIRE_VIRTUALENV", "PIP_USER",
        "CUDA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES", "GPU_DEVICE_ORDINAL",
        "HSA_OVERRIDE_GFX_VERSION", "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH",
        "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_PREFER_BINARY",
        "UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_INDEX", "UV_DEFAULT_INDEX", "UV_TORCH_BACKEND",
        "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "CONDA_OVERRIDE_CUDA", "VIRTUAL_ENV",
        "CUDA_HOME", "CUDA_PATH", "CUDA_MODULE_LOADING", "CUDA_LAUNCH_BLOCKING",
        "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES",
        "ROCM_PATH", "ROCM_HOME", "HIP_PATH", "ONEAPI_DEVICE_SELECTOR", "ZE_AFFINITY_MASK",
        "PYTHONPATH", "PYTHONNOUSERSITE", "PYTHONSAFEPATH", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
        "NO_COLOR", "FORCE_COLOR",
    }
)  # fmt: skip
ALLOWED_PREFIXES = ("PYTORCH_", "TORCH_")
# Even under an allowed prefix, a name that looks like a secret is never shown.
_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|APIKEY|API_KEY|_KEY$", re.I)
# Library path entries worth showing: the ones that can shadow or provide CUDA/ROCm libraries.
_RELEVANT_LIB_ENTRY = re.compile(r"cuda|cudnn|nvidia|nccl|cublas|rocm|hip|torch|/wsl/lib", re.I)
_LIB_PATH_VARS = ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH")
_URL_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@")
_SECRET_QUERY = re.compile(
    r"(?P<name>[?&][^=&\s#]*(?:token|key|secret|passw|sig|auth)[^=&\s#]*=)[^&\s#]*", re.I
)


def strip_credentials(text: str) -> str:
    """`https://user:token@host/...` → `https://***@host/...`; secret query values → `***`."""
    text = _URL_USERINFO.sub(r"\g<scheme>***@", text)
    return _SECRET_QUERY.sub(r"\g<name>***", text)


def _relevant_lib_path(value: str) -> str:
    sep = ";" if ";" in value else os.pathsep if os.pathsep in value else ":"
    return sep.join(e for e in value.split(sep) if e and _RELEVANT_LIB_ENTRY.search(e))


def env_allowed(name: str) -> bool:
    """True when the variable may appear in output (its value is still sanitised)."""
    upper = name.upper()
    if upper in ALLOWED_ENV:
        return True
    return upper.startswith(ALLOWED_PREFIXES) and not _SECRET_NAME.search(upper)


def filter_env(env: Mapping[str, str]) -> dict[str, str]:
    """The allow-listed variables of `env`, sorted, with credentials stripped from their values.

    LD_LIBRARY_PATH keeps only the entries that can matter to CUDA/ROCm; it is left out when none
    does. Everything else, tokens and keys included, is dropped.
    """
    kept: dict[str, str] = {}
    for name in sorted(env):
        if not env_allowed(name):
            continue
        value = str(env[name])
        if name.upper() in _LIB_PATH_VARS:
            value = _relevant_lib_path(value)
            if not value:
                continue
        kept[name] = strip_credentials(value)
    return kept
