"""Small pure compatibility questions, shared by the recommendation and the diagnosis rules.

Every answer is `True`, `False` or `None`, where `None` means "the knowledge cannot say" (an arch
list or a driver minimum that is not known), so that callers can lower their confidence instead of
guessing. Nothing here reads files or the environment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from torchdoctor.facts import Facts
from torchdoctor.knowledge import Knowledge, cuda_minor, version_key
from torchdoctor.knowledge.model import CudaArchs

# Consumer AMD GPUs whose ISA matches an officially built target closely enough that the ROCm
# runtime can be told to load that target's code objects (HSA_OVERRIDE_GFX_VERSION). Candidates are
# tried in order; the first whose target a ROCm build carries wins. Not supported by AMD or
# PyTorch: it works for most of PyTorch but is a workaround, and the docs say so.
_OVERRIDES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    # RDNA 2 (Navi 22/23/24, Rembrandt, Raphael, Van Gogh): the same ISA as gfx1030.
    (re.compile(r"gfx103[1-6]"), ("10.3.0",)),
    # RDNA 3 (Navi 32/33, Phoenix / Hawk Point APUs such as the 780M): run gfx1100 code.
    (re.compile(r"gfx110[1-3]"), ("11.0.0",)),
    # RDNA 3.5 (Strix Point / Halo / Krackan): gfx1151 or gfx1150 code; gfx1100 code is not
    # compatible (HSA_STATUS_ERROR_INVALID_ISA reports).
    (re.compile(r"gfx115[0-3]"), ("11.5.1", "11.5.0")),
    # Vega-based APUs (Raven, Picasso, Renoir/Cezanne): gfx900 code.
    (re.compile(r"gfx90[29c]"), ("9.0.0",)),
)


def _tuple(version: str) -> tuple[int, ...]:
    return version_key(version.strip())


def local_tag_variant(tag: str | None) -> str | None:
    """The variant a local version tag names ("cu130", "cpu", "rocm6.4", "xpu"), else None."""
    if not tag:
        return None
    tag = tag.lower()
    if tag in ("cpu", "xpu") or re.fullmatch(r"cu\d{2,3}|rocm\d+(\.\d+){1,2}", tag):
        return tag
    return None


def _variant_from_build(cuda: str | None, hip: str | None, xpu: str | None) -> str:
    """The variant torch/version.py describes (`cuda = "13.0"`, `hip = "6.4.43482-..."`)."""
    if cuda:
        parts = _tuple(cuda)
        if len(parts) >= 2:
            return f"cu{parts[0]}{parts[1]}"
    if hip:
        parts = _tuple(hip)
        if len(parts) >= 2:
            return f"rocm{parts[0]}.{parts[1]}"
    if xpu:
        return "xpu"
    return "cpu"


def installed_variant(facts: Facts, knowledge: Knowledge | None = None) -> str | None:
    """The installed torch's variant: its local tag (`+cu130`), else what torch/version.py says,
    else the PyPI default for that release on this OS/arch (needs `knowledge`).

    None when torch is not installed or nothing tells the variant.
    """
    py = facts.python
    dist = py.distribution("torch")
    tagged = local_tag_variant(dist.local_tag if dist else None)
    if tagged:
        return tagged
    copy = py.torch
    if copy is not None and (copy.version is not None or copy.cuda or copy.hip or copy.xpu):
        # version.py was read: a None `cuda`/`hip` there really means a build without them; one
        # that names CUDA, ROCm or XPU counts even where its version string could not be read.
        return _variant_from_build(copy.cuda, copy.hip, copy.xpu)
    version = dist.version if dist else (copy.version if copy else None)
    if version is None or knowledge is None:
        return None
    release = knowledge.release(version.split("+")[0])
    os_name, arch = facts.os.system, facts.os.arch
    if release is None or os_name is None or arch is None:
        return None
    return knowledge.pypi_default(release, os_name, arch)


def parse_cc(compute_capability: str) -> tuple[int, int] | None:
    """ "8.9" -> (8, 9); "12.0" -> (12, 0); None when malformed."""
    match = re.fullmatch(r"\s*(\d+)\.(\d+)\s*", compute_capability)
    return (int(match.group(1)), int(match.group(2))) if match else None


def sm_name(compute_capability: str) -> str:
    """ "8.9" -> "sm_89", "12.0" -> "sm_120" (how CUDA and torch name architectures)."""
    parsed = parse_cc(compute_capability)
    return f"sm_{parsed[0]}{parsed[1]}" if parsed else f"sm_{compute_capability}"


def variant_runs_on_gpu(knowledge: Knowledge, variant: str, os: str, arch: str,
                        compute_capability: str,
                        archs: CudaArchs | None = None) -> bool | None:
    """Whether a CUDA variant's wheels carry kernels that run on a GPU of this capability.

    CUDA's rules: SASS built for X.y runs on X.z with z >= y (same major: sm_86 code runs on an
    sm_89 RTX 4090, sm_60 code on an sm_61 GTX 1080); PTX built for any equal-or-lower capability
    is JIT-compiled by the driver for newer GPUs. None when the variant's arch list is unknown or
    the capability is malformed; False for a non-CUDA variant.
    """
    if cuda_minor(variant) is None:
        return False
    gpu = parse_cc(compute_capability)
    archs = archs or knowledge.compute_capabilities(variant, os, arch)
    if archs is None or gpu is None:
        return None
    for sm in filter(None, map(parse_cc, archs.sm)):
        if sm[0] == gpu[0] and sm[1] <= gpu[1]:
            return True
    return any(ptx <= gpu for ptx in filter(None, map(parse_cc, archs.ptx)))


def archs_from_list(arch_list: tuple[str, ...]) -> CudaArchs:
    """torch.cuda.get_arch_list()'s names as capabilities: "sm_86" -> SASS 8.6, "compute_90" ->
    PTX 9.0 ("sm_90a"-style arch-specific targets run on that capability only, like SASS)."""
    sm: list[str] = []
    ptx: list[str] = []
    for name in arch_list:
        match = re.fullmatch(r"(sm|compute)_(\d+?)(\d)[af]?", name)
        if match:
            (sm if match.group(1) == "sm" else ptx).append(f"{match.group(2)}.{match.group(3)}")
    return CudaArchs(sm=tuple(sm), ptx=tuple(ptx))


def driver_runs_variant(knowledge: Knowledge, variant: str, os: str, driver_version: str | None,
                        *, cuda_version: str | None = None) -> bool | None:
    """Whether an NVIDIA driver can run a CUDA variant (minor-version-compatibility minimums).

    `os` names the driver's OS: "windows" for a Windows driver (WSL 2 included), else "linux".
    Without a driver version, the highest CUDA version the driver reports (`cuda_version`) decides
    when it can: a driver that reports CUDA 12.2 runs every 12.x wheel (minor-version
    compatibility), never a 13.x one. None for a non-CUDA variant or when nothing is known.
    """
    minor = cuda_minor(variant)
    if minor is None:
        return None
    if driver_version:
        minimum = knowledge.min_driver(variant, os)
        if minimum is None or not _tuple(driver_version):
            return None
        return _tuple(driver_version) >= _tuple(minimum)
    if cuda_version and _tuple(cuda_version):
        wanted, have = _tuple(minor), _tuple(cuda_version)
        if wanted[0] != have[0]:
            return wanted[0] < have[0]  # a driver runs every older CUDA major
        # Same major: minor-version compatibility covers it from CUDA 11 on.
        return wanted <= have or wanted[0] >= 11
    return None


def gfx_supported(knowledge: Knowledge, variant: str, gfx: str) -> bool | None:
    """Whether a ROCm variant's wheels carry code for `gfx`; None when its list is unknown."""
    targets = knowledge.gfx_targets(variant)
    if targets is None:
        return None
    return gfx.lower() in targets


def gfx_of_override(value: str) -> str:
    """ "10.3.0" -> "gfx1030", "9.0.10" -> "gfx90a": the target an override makes a GPU report."""
    parts = [int(p) for p in value.split(".")]
    return f"gfx{parts[0]}{parts[1]}{parts[2]:x}"


def hsa_override_for(gfx: str, targets: Iterable[str] | None = None) -> str | None:
    """The known HSA_OVERRIDE_GFX_VERSION for a near-miss consumer GPU (gfx1031 -> "10.3.0").

    With `targets` (a ROCm build's gfx list) only an override whose target the build carries is
    returned. None for GPUs with no known override (or that need none).
    """
    wanted = set(targets) if targets is not None else None
    for pattern, candidates in _OVERRIDES:
        if pattern.fullmatch(gfx.lower()):
            for value in candidates:
                if wanted is None or gfx_of_override(value) in wanted:
                    return value
            return None
    return None
