"""The one catalogue of problem codes: stable kebab-case ids, their class, severity and title.

Every producer of problems (the diagnosis rules, the verification's classifier, the pipeline's
`--expect`) builds them with `problem()`, so a code has one title everywhere. docs/problems.md
documents every code with an example and its fix; tests keep the two in step and run every
producer against this catalogue. `problem_class` names the failure class of the product's
problem-classes list that a code covers (None for codes of torchdoctor's own, such as the
verification outcomes).
"""

# ruff: noqa: E501  (the catalogue reads best as one entry a line)
from __future__ import annotations

from dataclasses import dataclass

from torchdoctor.report import Fix, Problem, Severity


@dataclass(frozen=True)
class ProblemKind:
    """A catalogue entry."""

    code: str
    problem_class: str | None
    severity: Severity
    title: str


E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

_KINDS = (
    # Build and install mismatches
    ProblemKind("cpu-build-on-gpu-host", "cpu_build_on_gpu_host", E, "CPU-only torch on a GPU machine"),
    ProblemKind("index-resolution-cpu-wheel", "index_resolution_cpu_wheel", W, "Index settings pick CPU wheels"),
    ProblemKind("gpu-arch-not-in-wheel", "gpu_arch_not_in_wheel", E, "GPU newer than the torch build"),
    ProblemKind("gpu-arch-dropped-from-wheel", "gpu_arch_dropped_from_wheel", E, "GPU older than the torch build supports"),
    ProblemKind("gpu-too-old-for-any-wheel", "gpu_too_old_for_any_wheel", W, "No current release supports this GPU"),
    ProblemKind("python-version-unsupported", "python_version_unsupported", E, "No torch wheels for this Python"),
    ProblemKind("python-32bit", "python_32bit", E, "32-bit Python"),
    ProblemKind("platform-no-wheels", "platform_no_wheels", E, "No torch wheels for this platform"),
    ProblemKind("windows-long-paths-disabled", "windows_dll_dependency_missing", W, "Windows' path limit blocks the torch install"),
    ProblemKind("freethreaded-abi-mismatch", "freethreaded_abi_mismatch", E, "Free-threaded Python ABI mismatch"),
    ProblemKind("glibc-too-old", "glibc_too_old", E, "glibc too old for the wheels"),
    ProblemKind("jetson-requires-jetpack-wheel", "jetson_requires_jetpack_wheel", E, "Jetson needs NVIDIA's JetPack wheels"),
    ProblemKind("no-cuda-on-macos", "no_cuda_on_macos", E, "CUDA is not available on macOS"),
    # Drivers and OS state
    ProblemKind("driver-too-old", "driver_too_old", E, "NVIDIA driver too old for the CUDA build"),
    ProblemKind("nvidia-driver-missing", "driver_too_old", W, "NVIDIA GPU without a loaded driver"),
    ProblemKind("nvidia-gpu-not-visible", None, W, "The NVIDIA driver sees no GPU"),
    ProblemKind("driver-library-mismatch", "driver_library_mismatch", E, "NVIDIA driver/library version mismatch"),
    ProblemKind("cuda-broken-after-suspend", "cuda_broken_after_suspend", E, "CUDA broken after suspend/resume"),
    ProblemKind("container-without-gpu-access", "container_without_gpu_access", W, "Container without GPU access"),
    ProblemKind("wsl1-no-gpu", "wsl1_no_gpu", W, "WSL 1 has no GPU access"),
    ProblemKind("wsl-libcuda-not-found", "wsl_libcuda_not_found", E, "WSL 2 cannot find the driver's libcuda"),
    ProblemKind("cuda-stub-library-loaded", "ld_library_path_shadows_cuda_libs", W, "The CUDA toolkit's stub libcuda is loaded"),
    # Libraries and environments
    ProblemKind("windows-dll-dependency-missing", "windows_dll_dependency_missing", E, "A torch DLL fails to load"),
    ProblemKind("numpy-abi-incompatible", "numpy_abi_incompatible", E, "NumPy ABI incompatible with torch"),
    ProblemKind("ld-library-path-shadows-cuda-libs", "ld_library_path_shadows_cuda_libs", W, "LD_LIBRARY_PATH shadows torch's CUDA libraries"),
    ProblemKind("torchvision-torch-mismatch", "torchvision_torch_mismatch", E, "torchvision/torchaudio built for another torch"),
    ProblemKind("multiple-torch-installs", "multiple_torch_installs", W, "Several torch copies visible"),
    ProblemKind("user-site-shadowing", "user_site_shadowing", W, "torch in the user site shadows the environment"),
    ProblemKind("wrong-interpreter", "wrong_interpreter", W, "Another interpreter installs or runs the code"),
    ProblemKind("conda-pytorch-channel-discontinued", "conda_pytorch_channel_discontinued", W, "The pytorch conda channel is discontinued"),
    ProblemKind("conda-cpu-variant-selected", "conda_cpu_variant_selected", E, "conda chose the CPU variant"),
    ProblemKind("cuda-visible-devices-hides-gpus", "cuda_visible_devices_hides_gpus", W, "CUDA_VISIBLE_DEVICES hides the GPUs"),
    ProblemKind("torch-shadowed-by-local-file", "torch_shadowed_by_local_file", E, "A local torch.py shadows torch"),
    # The conda environment (conda-meta) and the project files: what the user asked for
    ProblemKind("conda-pip-torch-mixed", "multiple_torch_installs", W, "conda's and pip's torch in one environment"),
    ProblemKind("conda-cuda-too-new", "driver_too_old", E, "A conda CUDA package needs a newer driver"),
    ProblemKind("project-file-unreadable", "probe_failed", INFO, "Unreadable project file"),
    ProblemKind("project-pin-no-wheel", "python_version_unsupported", E, "The pinned torch has no wheels here"),
    ProblemKind("project-pins-mismatch", "torchvision_torch_mismatch", E, "The torch and torchvision pins do not pair"),
    ProblemKind("project-cpu-index", "index_resolution_cpu_wheel", W, "The project installs torch from the CPU index"),
    ProblemKind("project-index-mismatch", None, E, "The project's PyTorch index does not fit this GPU or driver"),
    ProblemKind("project-extra-index-url", "index_resolution_cpu_wheel", W, "pip may take PyPI's torch over the extra index"),
    ProblemKind("uv-project-no-pytorch-index", "index_resolution_cpu_wheel", E, "The uv project takes torch from PyPI"),
    ProblemKind("uv-torch-backend-ignored", "index_resolution_cpu_wheel", W, "uv sync ignores torch-backend"),
    ProblemKind("lock-resolved-cpu-build", "cpu_build_on_gpu_host", E, "The lock file resolved the CPU build"),
    ProblemKind("lock-resolved-wrong-cuda", None, E, "The lock file resolved a CUDA build that cannot run here"),
    ProblemKind("project-pytorch-channel", "conda_pytorch_channel_discontinued", W, "The project asks for the ended pytorch conda channel"),
    ProblemKind("pixi-no-cuda-requirement", "conda_cpu_variant_selected", E, "The pixi workspace declares no CUDA"),
    # Apple
    ProblemKind("mps-macos-too-old", "mps_macos_too_old", W, "macOS too old for MPS"),
    ProblemKind("x86-python-on-apple-silicon", "x86_python_on_apple_silicon", E, "x86_64 Python under Rosetta"),
    # AMD ROCm
    ProblemKind("rocm-gfx-unsupported", "rocm_gfx_unsupported", E, "GPU target not in the ROCm build"),
    ProblemKind("rocm-device-permissions", "rocm_device_permissions", E, "No access to /dev/kfd or /dev/dri"),
    ProblemKind("rocm-windows-unsupported", "rocm_windows_unsupported", W, "ROCm torch is not available on Windows"),
    # Intel XPU
    ProblemKind("xpu-cpu-build", "xpu_cpu_build", E, "CPU-only torch on a machine with a supported Intel GPU"),
    ProblemKind("xpu-runtime-load-failure", "xpu_runtime_load_failure", E, "The XPU build cannot load its runtime"),
    # Machine resources
    ProblemKind("low-disk-space", "low_disk_space", W, "Low disk space for the wheels"),
    ProblemKind("low-memory-install", "low_memory_install", W, "Little memory for installing or importing torch"),
    ProblemKind("cpu-missing-avx", "cpu_missing_avx", E, "The CPU lacks instructions the wheels need"),
    # Found in an error text (explain, check --error): torch at work, no class of their own
    ProblemKind("torch-dependency-missing", None, E, "A library torch requires is not installed"),
    ProblemKind("nccl-unavailable", None, E, "This torch has no NCCL backend"),
    ProblemKind("nccl-version-mismatch", None, E, "The NCCL library is older than torch needs"),
    ProblemKind("nccl-system-error", None, E, "NCCL failed on a system call"),
    ProblemKind("nccl-cuda-error", None, E, "NCCL failed on a CUDA call"),
    ProblemKind("triton-missing", None, E, "No working Triton for torch.compile"),
    ProblemKind("triton-gpu-too-old", None, W, "The GPU is too old for Triton"),
    ProblemKind("compile-toolchain-missing", None, E, "torch.compile lacks a C compiler or Python's headers"),
    # Many ranks (`torchdoctor dist`)
    ProblemKind("dist-rank-missing", None, E, "A rank did not take part"),
    ProblemKind("dist-init-failed", None, E, "The process group could not be created"),
    ProblemKind("dist-ranks-share-gpu", None, E, "Several ranks share one GPU"),
    ProblemKind("dist-collective-failed", None, E, "A collective fails or hangs"),
    ProblemKind("dist-collective-wrong", None, E, "A collective gives wrong values"),
    ProblemKind("dist-ranks-differ", None, E, "Ranks run different software"),
    ProblemKind("dist-nodes-differ", None, W, "Nodes differ in driver or GPUs"),
    ProblemKind("dist-bandwidth-low", None, W, "Bus bandwidth below the floor"),
    # The tool's own honesty
    ProblemKind("knowledge-stale", "knowledge_stale", INFO, "torchdoctor's release knowledge is out of date"),
    ProblemKind("probe-failed", "probe_failed", INFO, "A check could not run"),
    # Outcomes of torchdoctor's own checks (no class of their own)
    ProblemKind("torch-not-installed", None, INFO, "torch is not installed"),
    ProblemKind("torch-install-broken", None, E, "torch is installed only in part"),
    ProblemKind("torch-import-failed", None, E, "import torch fails"),
    ProblemKind("torch-import-crashed", None, E, "import torch crashes the interpreter"),
    ProblemKind("verify-timed-out", None, INFO, "Verification did not finish in time"),
    ProblemKind("cuda-init-failed", None, E, "CUDA initialisation fails"),
    ProblemKind("kernel-wrong-result", None, E, "A kernel computes a wrong result"),
    ProblemKind("kernel-failed", None, E, "A kernel fails to run"),
    ProblemKind("cudnn-version-mismatch", None, E, "torch loaded another cuDNN than it was built with"),
    ProblemKind("cuda-error-not-raised", None, E, "A CUDA error goes unreported"),
    ProblemKind("verify-crashed", None, E, "torch crashed during verification"),
    ProblemKind("verify-device-unavailable", None, E, "The requested device is not usable"),
    ProblemKind("companion-import-failed", None, W, "torchvision/torchaudio fails to import"),
    ProblemKind("expect-unmet", None, E, "The expected accelerator is not usable"),
    ProblemKind("expect-version-unmet", None, E, "torch is not the expected build"),
    ProblemKind("target-python-unusable", None, E, "The target interpreter cannot be used"),
)

CATALOG: dict[str, ProblemKind] = {kind.code: kind for kind in _KINDS}


def problem(code: str, check: str, message: str, fix: Fix | None = None,
            severity: Severity | None = None) -> Problem:
    """A problem of a catalogued code, with the catalogue's title; its severity is the
    catalogue's unless the rule says otherwise (docs/problems.md, "Severity")."""
    entry = CATALOG[code]
    return Problem(code, severity or entry.severity, entry.title, message, fix, check)
