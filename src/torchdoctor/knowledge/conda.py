"""conda, mamba, micromamba and pixi: which torch a conda package is, and what conda-forge builds.

Pure answers from names and build strings, shared by the probes' readers, the diagnosis and the
install commands:

- the pytorch conda channel ended with 2.5.1 (pytorch/pytorch#138506: "Starting with this
  release we are not going to publish on Conda", torch 2.6);
- conda-forge publishes `pytorch` in CPU and CUDA builds, told apart by the build string
  (`cuda129_mkl_py312_h1916812_302`, `cpu_generic_py312_…`); `pytorch-gpu` and `pytorch-cpu`
  are metapackages that pin the variant; CUDA builds depend on the `__cuda` virtual package, so
  a solver that sees no driver (a container without a visible GPU) picks the CPU build;
- the pytorch channel's own builds say `py3.12_cuda12.4_cudnn9.1.0_0` or `py3.12_cpu_0`, with the
  `pytorch-mutex` (build `cpu` or `cuda`), `cpuonly` and `pytorch-cuda` (version = CUDA) packages
  beside them; Anaconda's defaults channel says `gpu_cuda118py312h…` or `cpu_py312h…`.
"""

from __future__ import annotations

import re

from torchdoctor.knowledge.model import CudaArchs, Knowledge, version_key

PYTORCH_CHANNEL_LAST = "2.5.1"  # the pytorch conda channel's last release
PYTORCH_CHANNELS = ("pytorch", "pytorch-nightly", "pytorch-test")
# conda packages that decide which torch an environment has.
TORCH_PACKAGES = ("pytorch", "pytorch-gpu", "pytorch-cpu", "libtorch", "torchvision",
                  "torchaudio")
VARIANT_PACKAGES = ("pytorch-cuda", "cuda-version", "cudatoolkit", "cpuonly", "pytorch-mutex")
CONDA_NAMES = TORCH_PACKAGES + VARIANT_PACKAGES

# conda-forge's CUDA builds of pytorch and the GPU architectures each carries, per conda subdir
# (conda-forge/pytorch-cpu-feedstock recipe/build.sh and recipe/bld.bat: TORCH_CUDA_ARCH_LIST;
# .ci_support/ for which CUDA versions each platform builds). Newest first.
_CUDA_12 = CudaArchs(sm=("5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0", "10.0", "12.0"),
                     ptx=("12.0",))
_CUDA_13 = CudaArchs(sm=("7.5", "8.0", "8.6", "9.0", "10.0", "11.0", "12.0"), ptx=("12.0",))
_CUDA_13_ARM = CudaArchs(sm=("7.5", "8.0", "8.6", "8.7", "9.0", "10.0", "11.0", "12.0"),
                         ptx=("12.0",))
CONDA_FORGE_CUDA: dict[str, tuple[tuple[str, CudaArchs], ...]] = {
    "linux-64": (("13.0", _CUDA_13), ("12.9", _CUDA_12)),
    "linux-aarch64": (("13.0", _CUDA_13_ARM), ("12.9", _CUDA_12)),
    "win-64": (("13.0", _CUDA_13), ("12.8", _CUDA_12)),
}
_SUBDIRS = {("linux", "x86_64"): "linux-64", ("linux", "aarch64"): "linux-aarch64",
            ("windows", "x86_64"): "win-64", ("macos", "arm64"): "osx-arm64",
            ("macos", "x86_64"): "osx-64"}


def subdir(os: str | None, arch: str | None) -> str | None:
    """The conda platform of a wheel platform: ("linux", "x86_64") -> "linux-64"."""
    return _SUBDIRS.get((os or "", arch or ""))


def channel_name(channel: str | None) -> str | None:
    """The channel as people name it: "https://conda.anaconda.org/conda-forge/linux-64" ->
    "conda-forge", "https://repo.anaconda.com/pkgs/main" -> "pkgs/main", "pytorch" as is."""
    if not channel:
        return None
    text = channel.strip().rstrip("/")
    if "://" in text:
        path = text.split("://", 1)[1].split("/", 1)[1] if "/" in text.split("://", 1)[1] else ""
        parts = [p for p in path.split("/") if p]
        if parts and parts[-1] in (*_SUBDIRS.values(), "noarch", "win-32", "linux-32"):
            parts = parts[:-1]
        if len(parts) >= 2 and parts[-2] == "pkgs":
            return "/".join(parts[-2:])
        return parts[-1] if parts else text
    return text


def is_pytorch_channel(channel: str | None) -> bool:
    """The ended pytorch channel (and its nightly and test channels)."""
    return channel_name(channel) in PYTORCH_CHANNELS


def cuda_of_build(build: str | None) -> str | None:
    """The CUDA version a build string names: "cuda129_mkl_…" -> "12.9", "py3.12_cuda12.4_…"
    -> "12.4", "gpu_cuda118py312h…" -> "11.8"; None when it names none."""
    if not build:
        return None
    dotted = re.search(r"cuda(\d+)\.(\d+)", build)
    if dotted:
        return f"{int(dotted.group(1))}.{int(dotted.group(2))}"
    digits = re.search(r"cuda(\d{2,3})(?!\d)", build)
    if digits:
        run = digits.group(1)
        return f"{int(run[:-1])}.{run[-1]}"
    return None


def build_variant(name: str, build: str | None) -> str | None:
    """The torch variant a package's build says: "cpu", "cu129" (from `cuda129_…`), or None
    when it does not tell (a macOS build, an unknown form)."""
    if name == "cpuonly" or name == "pytorch-cpu":
        return "cpu"
    if name == "pytorch-mutex":
        return {"cpu": "cpu"}.get(build or "")
    cuda = cuda_of_build(build)
    if cuda:
        major, minor = cuda.split(".")
        return f"cu{major}{minor}"
    if build and re.search(r"(?:^|_)cpu(?:_|$)", build):
        return "cpu"
    return None


def variant_cuda(variant: str | None) -> str | None:
    """ "cu129" -> "12.9"."""
    match = re.fullmatch(r"cu(\d+)(\d)", variant or "")
    return f"{int(match.group(1))}.{match.group(2)}" if match else None


def newer_than_channel(version: str) -> bool:
    """A release the pytorch channel never had."""
    return version_key(version) > version_key(PYTORCH_CHANNEL_LAST)


def conda_forge_builds(os: str | None, arch: str | None) -> tuple[tuple[str, CudaArchs], ...]:
    """conda-forge's CUDA builds for a platform, newest first (none on macOS)."""
    return CONDA_FORGE_CUDA.get(subdir(os, arch) or "", ())


def conda_forge_cuda(knowledge: Knowledge, os: str | None, arch: str | None, *,
                     driver: str | None, driver_os: str, cuda_version: str | None,
                     capabilities: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(the conda-forge CUDA build for this machine, the one the solver picks unpinned).

    The first is the newest build the driver runs whose arch list carries every GPU (None when
    none does); the second, the newest the driver allows, whatever the GPUs: the solver only
    sees the driver (`__cuda`). When they differ, the command pins `cuda-version`."""
    from torchdoctor.knowledge.compat import driver_runs_variant, variant_runs_on_gpu

    chosen = solver = None
    for version, archs in conda_forge_builds(os, arch):
        variant = "cu" + version.replace(".", "")
        if driver_runs_variant(knowledge, variant, driver_os, driver,
                               cuda_version=cuda_version) is False:
            continue
        solver = solver or version
        if chosen is None and all(
                variant_runs_on_gpu(knowledge, variant, os or "", arch or "", cc, archs)
                is not False for cc in capabilities):
            chosen = version
    return chosen, solver
