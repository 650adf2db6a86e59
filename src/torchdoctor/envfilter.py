"""Which environment variables may ever appear in torchdoctor's output, and credential masking.

One allow-list for every layer: the env probe puts only these variables into the facts, and the
renderers cut any environment map down to them again, so a captured document and a report agree.
Tokens and keys live in the environment; nothing outside the list is shown, a name on the list
that looks like a secret (`*TOKEN*`, `*SECRET*`, `*_KEY*`, `*_PEM*`, ...) is dropped, and in the
values that remain, credentials inside URLs, PEM blocks and token-shaped runs are masked.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
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
_SECRET_NAME = re.compile(
    r"TOKEN|SECRET|PASSW|PASSPHRASE|CREDENTIAL|AUTH|APIKEY|API_KEY|_KEY|PRIVATE|_PEM|SIGNING",
    re.I)
# Library path entries worth showing: the ones that can shadow or provide CUDA/ROCm libraries.
_RELEVANT_LIB_ENTRY = re.compile(r"cuda|cudnn|nvidia|nccl|cublas|rocm|hip|torch|/wsl/lib", re.I)
_LIB_PATH_VARS = ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH")
# Every pattern below runs in linear time whatever the text (a 20 MB document, a 100 KB variable):
# a match can only start where the previous character cannot continue it (the look-behind), and
# no two quantifiers compete for the same characters.
_URL_USERINFO = re.compile(r"(?<![A-Za-z0-9+.-])(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@")
_QUERY_PARAM = re.compile(r"(?P<name>[?&][^=&?\s#]*=)[^&\s#]*")
_SECRET_PARAM = re.compile(r"token|key|secret|passw|sig|auth", re.I)
_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z0-9 ]{1,64}-----.*?(?:-----END [A-Z0-9 ]{1,64}-----|\Z)",
                        re.S)
# A run that may be a token: long, of the characters keys and tokens are written with.
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_+=-]{24,}")
_TOKEN_ENTROPY = 3.5  # bits per character; words, paths and versions stay far below


def strip_credentials(text: str) -> str:
    """`https://user:token@host/...` → `https://***@host/...`; secret query values → `***`;
    a PEM block (a private key, a certificate) → `<redacted PEM block>`."""
    text = _URL_USERINFO.sub(r"\g<scheme>***@", text)
    text = _QUERY_PARAM.sub(_mask_param, text)
    if "-----BEGIN " in text:
        text = _PEM_BLOCK.sub("<redacted PEM block>", text)
    return text


def _mask_param(match: re.Match[str]) -> str:
    name = match.group("name")
    return name + "***" if _SECRET_PARAM.search(name) else match.group()


def strip_tokens(value: str) -> str:
    """A variable's value with each run that looks like a key or token (24 characters or more,
    upper and lower case letters and digits mixed, high entropy) → `<redacted>`."""
    return _TOKEN_RUN.sub(lambda m: "<redacted>" if _looks_like_token(m.group()) else m.group(),
                          value)


def _looks_like_token(run: str) -> bool:
    if not (any(c.isupper() for c in run) and any(c.islower() for c in run)
            and any(c.isdigit() for c in run)):
        return False
    counts = Counter(run)
    entropy = -sum(n / len(run) * math.log2(n / len(run)) for n in counts.values())
    return entropy >= _TOKEN_ENTROPY


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
        kept[name] = strip_tokens(strip_credentials(value))
    return kept
