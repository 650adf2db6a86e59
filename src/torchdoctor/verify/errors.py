"""Recognise known failures in the exact text of an exception torch (or a companion) raised.

Pure string matching over the error text and its chained causes, so every rule can be tested with
the messages users actually paste into issue trackers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_NUMPY = (
    "compiled using numpy 1.x cannot be run in",
    "_array_api not found",
    "numpy.core.multiarray failed to import",
    "numpy.dtype size changed",
    "module compiled against abi version",
    "module compiled against api version",
)
_XPU = ("ze_loader", "libze_", "level_zero", "level-zero", "libsycl", "sycl", "ur_loader", "libpti")
# Libraries that only torch's XPU build loads: failing to load one is the XPU runtime's failure.
_XPU_ONLY = ("libze_loader", "libur_loader", "libsycl", "libpti_view")
_DLL = ("dll load failed", "winerror 126", "winerror 127", "winerror 193", "winerror 1114")
# torch's own words on Windows: 'Error loading "...\\shm.dll" or one of its dependencies.'
_DLL_LOADING = re.compile(r"error loading .*\.dll.*or one of its dependencies")
_CUDA_LIB = re.compile(
    r"\b(lib(?:cudnn|cublas(?:lt)?|nccl|cusparse(?:lt)?|cufft|curand|cusolver|nvrtc|nvjitlink"
    r"|cudart|cupti|cufile|nvshmem|cuda)[\w.\-]*)",
    re.IGNORECASE,
)
_LOADER_FAILURE = ("undefined symbol", "cannot open shared object file", "version `", "not found")
_TORCHVISION = ("torchvision::", "torchaudio::")
_COMPANION_MISMATCH = (
    "does not exist",
    "undefined symbol",
    "couldn't load custom c++ ops",
    "was compiled with",
    "incompatible",
    # the dispatcher's words when a companion has no kernels for torch's backend
    "could not run 'torchvision::",
    "could not run 'torchaudio::",
)
# CUDA initialisation texts that only mean "no NVIDIA GPU here": not a broken install.
BENIGN_CUDA_INIT = ("found no nvidia driver", "no cuda-capable device is detected")
SUSPEND_HINTS = ("cuda unknown error", "error 999", "unknown error")


@dataclass(frozen=True)
class Match:
    """What an error text says: a problem code and the detail worth quoting (a library name)."""

    code: str
    detail: str = ""


def error_text(message: str | None, chain: object = None) -> str:
    """The message and its chained causes as one string, for matching."""
    parts = [message or ""]
    if isinstance(chain, list):
        parts += [str(item) for item in chain]
    return " | ".join(p for p in parts if p)


def numpy_abi_text(text: str) -> bool:
    """True when the text is NumPy's ABI complaint (1.x-built extension under NumPy 2, or back)."""
    low = text.lower()
    return any(marker in low for marker in _NUMPY)


def match_import_error(
    text: str, error_type: str | None, env: Mapping[str, str], xpu_build: bool = False
) -> Match:
    """The problem code for an exception raised by `import torch`."""
    low = text.lower()
    if any(m in low for m in _TORCHVISION) and "does not exist" in low:
        return Match("torchvision-torch-mismatch")
    if numpy_abi_text(text):
        return Match("numpy-abi-incompatible")
    if any(m in low for m in _XPU) and (
            xpu_build or "xpu" in low or any(m in low for m in _XPU_ONLY)):
        return Match("xpu-runtime-load-failure")
    if any(m in low for m in _DLL) or (error_type == "OSError" and ".dll" in low) or (
            _DLL_LOADING.search(low)):
        dll = re.search(r"([\w\-.]+\.dll)", text, re.IGNORECASE)
        return Match("windows-dll-dependency-missing", dll.group(1) if dll else "")
    lib = _CUDA_LIB.search(text)
    if lib and any(m in low for m in _LOADER_FAILURE):
        if cuda_paths_in_ld_library_path(env):
            return Match("ld-library-path-shadows-cuda-libs", lib.group(1))
        return Match("torch-import-failed", lib.group(1))
    return Match("torch-import-failed")


def match_companion_error(text: str) -> str:
    """The problem code for a failed `import torchvision` / `import torchaudio`."""
    low = text.lower()
    if numpy_abi_text(text):
        return "numpy-abi-incompatible"
    if any(m in low for m in _COMPANION_MISMATCH):
        return "torchvision-torch-mismatch"
    return "companion-import-failed"


def cuda_paths_in_ld_library_path(env: Mapping[str, str]) -> list[str]:
    """LD_LIBRARY_PATH entries that look like a CUDA, cuDNN or NCCL installation."""
    entries = [e for e in env.get("LD_LIBRARY_PATH", "").split(":") if e]
    return [e for e in entries if re.search(r"cuda|cudnn|nccl|nvidia", e, re.IGNORECASE)]


def looks_like_suspend(text: str) -> bool:
    """CUDA's "unknown error" (999) is the classic state after a suspend/resume cycle."""
    low = text.lower()
    return any(hint in low for hint in SUSPEND_HINTS)
