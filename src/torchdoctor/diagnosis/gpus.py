"""Which GPU a CPU-only build would leave unused (shared by the torch and index rules)."""

from __future__ import annotations

from dataclasses import dataclass

from torchdoctor.diagnosis.context import NVIDIA_VENDOR, Ctx
from torchdoctor.knowledge.compat import gfx_supported


@dataclass(frozen=True)
class GpuHost:
    """A GPU that a GPU build of torch could use here."""

    name: str
    ready: bool  # its driver is loaded (else: on the PCI bus only)
    kind: str  # "CUDA" | "ROCm"

    @property
    def compute_prefix(self) -> str:
        return "cu" if self.kind == "CUDA" else "rocm"


def gpu_host(ctx: Ctx) -> GpuHost | None:
    """The GPU a CPU build leaves unused; None when there is none (or it cannot be said).
    An AMD GPU counts only where a current ROCm build carries its target, and a Jetson before
    Thor or a Mac never counts (other rules speak for them)."""
    if ctx.jetson_needs_jetpack or ctx.os == "macos":
        return None
    gpus = ctx.nvidia_gpus
    if gpus:
        return GpuHost(gpus[0].name, True, "CUDA")
    if ctx.nvidia_driver_loaded:
        return GpuHost("an NVIDIA GPU", True, "CUDA")
    on_bus = ctx.pci(NVIDIA_VENDOR)
    if on_bus and not ctx.facts.os.container:
        return GpuHost(on_bus[0].name or "an NVIDIA GPU", False, "CUDA")
    k, amd = ctx.knowledge, ctx.facts.amd
    if ctx.os == "linux" and amd.status == "found":
        rocm = [v for v in k.variants(k.stable, "linux", ctx.arch or "") if v.startswith("rocm")]
        for gpu in amd.gpus or ():
            if any(gfx_supported(k, v, gpu.gfx) for v in rocm):
                return GpuHost(f"{gpu.name or 'an AMD GPU'} ({gpu.gfx})", True, "ROCm")
    return None
