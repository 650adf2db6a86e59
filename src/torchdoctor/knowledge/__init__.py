"""torchdoctor's release knowledge: PyTorch releases, their variants, commands and hardware tables.

Usage::

    from torchdoctor import knowledge

    k = knowledge.load()                    # cached, validated
    k.stable.version                        # "2.13.0"
    k.release("2.5.1").torchvision          # "0.20.1"
    k.variants(k.stable, "linux", "x86_64") # ("cpu", "cu126", "cu130", ...)
    k.pypi_default(k.stable, "linux", "x86_64")  # "cu130"
    k.supports_python(k.stable, "linux", "x86_64", "3.14t")
    k.min_driver("cu128", "linux")          # "525.60.13"
    k.compute_capabilities("cu130", "linux", "x86_64")
    k.gfx_targets("rocm7.2")
    k.knowledge_date                        # "2026-07-28"

The data comes from `scripts/build_knowledge.py`; docs/knowledge.md describes the format.
"""

from __future__ import annotations

from torchdoctor.knowledge.loader import DATA_DIR, KnowledgeError, load
from torchdoctor.knowledge.model import (
    PAGES,
    PYPI_SIMPLE,
    CudaArchs,
    Knowledge,
    KnownNewerRelease,
    PageCommand,
    Release,
    cuda_minor,
    version_key,
)

__all__ = [
    "DATA_DIR",
    "PAGES",
    "PYPI_SIMPLE",
    "CudaArchs",
    "Knowledge",
    "KnowledgeError",
    "KnownNewerRelease",
    "PageCommand",
    "Release",
    "cuda_minor",
    "load",
    "version_key",
]
