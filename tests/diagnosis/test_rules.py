"""One realistic machine per problem code: the code, its severity, and a message that names what
was found against what is required."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import pytest
from diag_facts import (
    CONDA_PREFIX,
    CONDA_PY,
    PROJECTS,
    SITE,
    GiB,
    amd_found,
    conda_env,
    conda_pkg,
    copy,
    dist,
    env,
    gpu,
    intel_found,
    linux_os,
    mac,
    make_facts,
    nvidia_found,
    only,
    pci_found,
    pci_gpu,
    plan,
    project,
    python_env,
    run,
    torch_env,
)

from torchdoctor.catalogue import CATALOG
from torchdoctor.facts.model import (
    AmdFacts,
    CpuFacts,
    DiskSpace,
    EnvFacts,
    IntelFacts,
    LibraryCopy,
    LoaderFacts,
    NvidiaFacts,
    OsFacts,
    PciFacts,
    ProjectFacts,
    ProjectFile,
    PythonFacts,
    ResourceFacts,
    SharedLibrary,
)
from torchdoctor.knowledge import Knowledge
from torchdoctor.recommend.shell import drop_from_path_variable
from torchdoctor.report import InstallPlan, Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
CU130 = {"python": torch_env("2.13.0+cu130", cuda="13.0")}
WINDOWS = OsFacts(status="found", system="windows", version="10.0.22631",
                  distribution="Windows 11", arch="x86_64")


@dataclass(frozen=True)
class Case:
    """A machine, the code it must produce, its severity, and words its message must name."""

    code: str
    severity: Severity
    facts: dict[str, Any]
    words: tuple[str, ...]
    plan: InstallPlan | None = None
    check: str = ""
    fix_command: str | None = None  # a command the fix must carry
    extra: dict[str, Any] = field(default_factory=dict)


def loader(*libraries: SharedLibrary) -> LoaderFacts:
    return LoaderFacts(status="found", libraries=libraries)


def _py(**kw: Any) -> PythonFacts:
    return dataclasses.replace(torch_env("2.13.0+cpu"), **kw)


def _in(folder: str, name: str = "") -> str:
    """A fixture project's folder (or a file in it) as fix commands name it."""
    import shlex

    return shlex.quote(str(PROJECTS / folder / name) if name else str(PROJECTS / folder))


DRIVER_550 = {"nvidia": nvidia_found(driver="550.54.15", cuda="12.4")}
BROKEN_TOML = ProjectFacts(status="found", directory="/home/ada/proj", chosen_by="cwd", files=(
    ProjectFile("/home/ada/proj/pyproject.toml", "pyproject", False,
                "TOML error: Unclosed array (at line 5, column 5)"),))


CASES = [
    Case("cpu-build-on-gpu-host", E,
         {"python": torch_env("2.4.1+cpu"), "nvidia": nvidia_found(driver="550.54.15",
                                                                    cuda="12.4")},
         ("2.4.1+cpu", "CPU-only", "RTX 4090"), plan("cu126", "2.13.0"), "torch",
         fix_command="pip3 install --force-reinstall torch torchvision --index-url "
                     "https://download.pytorch.org/whl/cu126"),
    Case("index-resolution-cpu-wheel", E,
         {"python": torch_env("2.13.0+cpu"), "nvidia": nvidia_found(),
          "env": env(PIP_EXTRA_INDEX_URL="https://download.pytorch.org/whl/cu130")},
         ("2.13.0+cpu", "PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cu130", "PyPI"),
         plan("cu130"), "torch"),
    Case("gpu-arch-not-in-wheel", E,
         {"python": torch_env("2.13.0+cu126", cuda="12.6"),
          "nvidia": nvidia_found(gpu("NVIDIA GeForce RTX 5090", "12.0"))},
         ("RTX 5090", "sm_120", "2.13.0+cu126", "sm_90"), plan("cu130"), "torch"),
    Case("gpu-arch-dropped-from-wheel", E,
         {"python": torch_env("2.13.0+cu130", cuda="13.0"),
          "nvidia": nvidia_found(gpu("NVIDIA GeForce GTX 1080", "6.1"), driver="580.65.06")},
         ("GTX 1080", "sm_61", "2.13.0+cu130", "sm_75"), plan("cu126"), "torch"),
    Case("gpu-too-old-for-any-wheel", W,
         {"python": python_env(), "nvidia": nvidia_found(gpu("Tesla K80", "3.7"),
                                                         driver="470.256.02", cuda="11.4")},
         ("Tesla K80", "sm_37", "2.13.0"), None, "nvidia"),
    Case("python-version-unsupported", W,
         {"python": python_env(version="3.9.18")},
         ("3.9.18", "3.10–3.14", "2.8.0"), None, "python"),
    Case("windows-long-paths-disabled", W,
         {"os": WINDOWS, "python": python_env(
             machine="AMD64", platform_tag="win-amd64", long_paths_enabled=False,
             purelib="C:\\Users\\ada\\AppData\\Local\\Packages\\PythonSoftwareFoundation."
                     "Python.3.12_qbz5n2kfra8p0\\LocalCache\\local-packages\\Python312\\"
                     "site-packages")},
         ("2.13.0", "past Windows' limit of 247",
          "long paths are not enabled", "PythonSoftwareFoundation"),
         plan("cpu", "2.13.0", replaces=False), "python",
         fix_command='New-ItemProperty -Path "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\'
                     'FileSystem" -Name "LongPathsEnabled" -Value 1 -PropertyType DWORD -Force'),
    Case("python-32bit", E,
         {"python": _py(pointer_bits=32, machine="x86")}, ("32-bit", "3.12.4"), None, "python"),
    Case("platform-no-wheels", W,
         {**mac("13.6", "Intel Core i9-9980HK", silicon=False), "python": python_env(
             machine="x86_64")},
         ("macOS x86_64", "2.13.0", "2.2.2"), None, "platform"),
    Case("freethreaded-abi-mismatch", W,
         {"python": python_env(version="3.13.5", free_threaded=True)},
         ("3.13t", "3.14t", "2.8.0"), None, "python"),
    Case("glibc-too-old", E,
         {"os": linux_os(distribution="CentOS Linux 7", libc_version="2.17"),
          "python": python_env()},
         ("glibc 2.17", "2.28"), None, "platform"),
    Case("jetson-requires-jetpack-wheel", E,
         {"os": linux_os(arch="aarch64", jetson_model="NVIDIA Jetson AGX Orin Developer Kit",
                         l4t_release="36.4.3"),
          "python": torch_env("2.13.0+cpu", machine="aarch64")},
         ("Jetson AGX Orin", "36.4.3", "CPU-only"), None, "platform"),
    Case("no-cuda-on-macos", E,
         {**mac(), "python": torch_env("2.13.0+cu130", cuda="13.0", machine="arm64")},
         ("2.13.0+cu130", "macOS", "MPS"), None, "apple"),
    Case("driver-too-old", E,
         {"python": torch_env("2.13.0+cu130", cuda="13.0"),
          "nvidia": nvidia_found(driver="535.104.05", cuda="12.2")},
         ("driver 535.104.05 supports CUDA up to 12.2", "torch 2.13.0+cu130 needs driver 580"),
         plan("cu126"), "nvidia",
         fix_command="pip3 install --force-reinstall torch torchvision --index-url "
                     "https://download.pytorch.org/whl/cu126"),
    Case("nvidia-driver-missing", W,
         {"python": python_env(), "pci": pci_found(pci_gpu(name="NVIDIA GeForce GTX 1080",
                                                           cc="6.1", device="1b80"))},
         ("GTX 1080", "no NVIDIA driver"), None, "nvidia"),
    Case("nvidia-gpu-not-visible", E,
         {**CU130, "nvidia": nvidia_found(gpus=(), smi_message="No devices were found"),
          "pci": pci_found(pci_gpu(name="NVIDIA GeForce RTX 3090", cc="8.6", device="2204"))},
         ("RTX 3090", "No devices were found", "cannot use it"), None, "nvidia"),
    Case("driver-library-mismatch", E,
         {**CU130, "nvidia": nvidia_found(kernel_module_version="580.65.06",
                                          userspace_version="580.82.07", version_mismatch=True)},
         ("580.65.06", "580.82.07", "reboot"), None, "nvidia"),
    Case("container-without-gpu-access", W,
         {**CU130, "os": linux_os(container="docker"), "pci": pci_found(pci_gpu())},
         ("RTX 4090", "docker"), None, "platform"),
    Case("wsl1-no-gpu", W,
         {**CU130, "os": linux_os(kernel="4.4.0-19041-Microsoft", wsl=1)},
         ("WSL 1", "2.13.0+cu130"), None, "platform"),
    Case("wsl-libcuda-not-found", E,
         {**CU130, "os": linux_os(kernel="6.6.87.2-microsoft-standard-WSL2", wsl=2),
          "nvidia": NvidiaFacts(status="unknown", reason="NVML: libnvidia-ml.so.1 not found")},
         ("2.13.0+cu130", "WSL 2", "libnvidia-ml.so.1"), None, "nvidia"),
    Case("wsl-libcuda-not-found", E,
         {**CU130, "os": linux_os(kernel="6.6.87.2-microsoft-standard-WSL2", wsl=2),
          "nvidia": nvidia_found(), "loader": loader(SharedLibrary("libcuda", "libcuda.so.1", ()))},
         ("nvidia-smi works", "/usr/lib/wsl/lib", "2.13.0+cu130"), None, "nvidia",
         fix_command="echo /usr/lib/wsl/lib | sudo tee /etc/ld.so.conf.d/ld.wsl.conf"),
    Case("numpy-abi-incompatible", E,
         {"python": torch_env("2.2.2+cpu", extra=(dist("numpy", "2.1.3"),))},
         ("2.2.2+cpu", "NumPy 1.x", "2.1.3"), None, "torch",
         fix_command='pip3 install "numpy<2"'),  # pip3 is proven to be the target's
    Case("ld-library-path-shadows-cuda-libs", INFO,
         {"python": torch_env("2.13.0+cu130", cuda="13.0",
                              extra=(dist("nvidia-cudnn-cu13", "9.20.0.48"),)),
          "nvidia": nvidia_found(),
          "env": EnvFacts(status="found", ld_library_path_cuda=("/usr/local/cuda-12.2/lib64",))},
         ("/usr/local/cuda-12.2/lib64", "2.13.0+cu130"), None, "torch"),
    Case("ld-library-path-shadows-cuda-libs", E,
         {"python": torch_env("2.13.0+cu130", cuda="13.0"), "nvidia": nvidia_found(),
          "env": env(LD_LIBRARY_PATH="/opt/libs:/usr/local/lib"),
          "loader": loader(SharedLibrary("libcudnn", "libcudnn.so.9", (
              LibraryCopy("/opt/libs/libcudnn.so.9", "LD_LIBRARY_PATH", "9.1.0"),
              LibraryCopy(f"{SITE}/nvidia/cudnn/lib/libcudnn.so.9", "pip", "9.20.0.48"))))},
         ("libcudnn.so.9 9.1.0 from /opt/libs/libcudnn.so.9", "9.20.0.48", "older"), None,
         "torch", fix_command=drop_from_path_variable("LD_LIBRARY_PATH", ["/opt/libs"])),
    Case("cuda-stub-library-loaded", E,
         {"python": torch_env("2.13.0+cu130", cuda="13.0"), "nvidia": nvidia_found(),
          "env": env(LD_LIBRARY_PATH="/usr/local/cuda/lib64/stubs"),
          "loader": loader(SharedLibrary("libcuda", "libcuda.so.1", (
              LibraryCopy("/usr/local/cuda/lib64/stubs/libcuda.so.1", "LD_LIBRARY_PATH", None),
              LibraryCopy("/usr/lib/x86_64-linux-gnu/libcuda.so.1", "system", "580.65.06"))))},
         ("/usr/local/cuda/lib64/stubs/libcuda.so.1", "stub", "2.13.0+cu130"), None, "torch",
         fix_command=drop_from_path_variable("LD_LIBRARY_PATH",
                                             ["/usr/local/cuda/lib64/stubs"])),
    Case("torchvision-torch-mismatch", E,
         {"python": torch_env("2.13.0+cpu", extra=(dist("torchvision", "0.21.0+cpu"),))},
         ("0.21.0+cpu", "2.13.0+cpu", "0.28.0"), None, "torch"),
    Case("multiple-torch-installs", W,
         {"python": python_env(dist("torch", "2.13.0+cpu"), copies=(
             copy("2.13.0+cpu"), copy("2.5.1", path="/opt/conda/lib/python3.12/torch")))},
         ("2 torch copies", "2.13.0+cpu", "2.5.1"), None, "torch"),
    Case("user-site-shadowing", W,
         {"python": python_env(dist("torch", "2.13.0+cpu"), env_kind="conda", env_name="ml",
                               user_site_enabled=True, user_site_has_torch=True, copies=(
             copy("2.1.0", path="/home/ada/.local/lib/python3.12/site-packages/torch", user=True),
             copy("2.13.0+cpu")))},
         ("2.1.0", ".local", "conda"), None, "torch"),
    Case("wrong-interpreter", W,
         {"python": _py(pip3_belongs=False, pip3_path="/usr/bin/pip3")},
         ("/usr/bin/pip3", "/home/ada/proj/.venv/bin/python"), None, "python"),
    Case("conda-pytorch-channel-discontinued", W,
         {"python": torch_env("2.5.1", cuda="12.4", installer="conda", env_kind="conda"),
          "nvidia": nvidia_found(driver="550.54.15", cuda="12.4")},
         ("2.5.1", "conda", "pytorch channel"), plan("cu126"), "torch"),
    Case("conda-cpu-variant-selected", E,
         {"python": torch_env("2.5.1", installer="conda", env_kind="conda"),
          "nvidia": nvidia_found(driver="550.54.15", cuda="12.4")},
         ("2.5.1", "CPU-only", "RTX 4090", "cpuonly"), plan("cu126"), "torch"),
    Case("conda-pytorch-channel-discontinued", W,
         {"python": torch_env("2.5.1", cuda="12.4", installer="conda", **CONDA_PY), **DRIVER_550,
          "conda": conda_env(conda_pkg("pytorch", "2.5.1", "py3.12_cuda12.4_cudnn9.1.0_0",
                                       "pytorch"),
                             conda_pkg("pytorch-cuda", "12.4", "hc786d27_7", "pytorch"),
                             conda_pkg("pytorch-mutex", "1.0", "cuda", "pytorch"))},
         ("pytorch 2.5.1", "py3.12_cuda12.4_cudnn9.1.0_0", "pytorch conda channel"),
         plan("cu126"), "torch",
         fix_command=f"conda install -p {CONDA_PREFIX} -c conda-forge pytorch-gpu torchvision"),
    Case("conda-cpu-variant-selected", E,
         {"python": torch_env("2.9.1", installer="conda", **CONDA_PY),
          "nvidia": nvidia_found(gpu("NVIDIA GeForce GTX 1080", "6.1"), driver="580.65.06"),
          "conda": conda_env(conda_pkg("pytorch", "2.9.1", "cpu_mkl_py312_h6d5ab2b_100"),
                             conda_pkg("torchvision", "0.24.1", "cpu_py312_h7b2b8e4_0"))},
         ("CPU-only", "cpu_mkl_py312_h6d5ab2b_100", "__cuda"), plan("cu126"), "torch",
         fix_command=f"conda install -p {CONDA_PREFIX} -c conda-forge pytorch-gpu torchvision "
                     "cuda-version=12.9"),
    Case("conda-pip-torch-mixed", W,
         {"python": torch_env("2.13.0+cpu", **CONDA_PY),
          "conda": conda_env(conda_pkg("pytorch", "2.8.0", "cpu_generic_py312_h8a1c7a2_0"))},
         ("pytorch 2.8.0", "pip installed torch 2.13.0+cpu"), None, "torch",
         fix_command=f"conda install -p {CONDA_PREFIX} --force-reinstall -c conda-forge "
                     "pytorch=2.8.0=cpu_generic_py312_h8a1c7a2_0"),
    Case("conda-cuda-too-new", E,
         {"python": torch_env("2.13.0+cpu", **CONDA_PY),
          "nvidia": nvidia_found(driver="470.256.02", cuda="11.4"),
          "conda": conda_env(conda_pkg("cuda-version", "12.9", "h4f385c5_3"))},
         ("cuda-version 12.9", "525.60.13", "470.256.02"), None, "torch", fix_command="nvidia-smi"),
    Case("project-file-unreadable", W, {"project": BROKEN_TOML},
         ("pyproject.toml", "Unclosed array", "not judged"), None, "project"),
    Case("project-pin-no-wheel", E,
         {"python": _py(version="3.13.1"), "project": project("pin-no-wheel")},
         ("requirements.txt", "torch 2.4.1", "Python 3.13", "3.8–3.12"), None, "project",
         fix_command=f"pip3 install -r {_in('pin-no-wheel', 'requirements.txt')}"),
    Case("project-pins-mismatch", E, {"project": project("pins-mismatch")},
         ("torchvision 0.21.0", "torch 2.5.1", "0.20.1"), None, "project"),
    Case("project-cpu-index", W,
         {"nvidia": nvidia_found(), "project": project("uv-cpu-index")},
         ("https://download.pytorch.org/whl/cpu", "RTX 4090"), plan("cu130"), "project",
         fix_command=f"uv sync --directory {_in('uv-cpu-index')}"),
    Case("project-index-mismatch", E, {**DRIVER_550, "project": project("index-mismatch")},
         ("whl/cu130", "580", "550.54.15"), plan("cu126"), "project",
         fix_command=f"pip3 install -r {_in('index-mismatch', 'requirements.txt')}"),
    Case("project-extra-index-url", W, {**DRIVER_550, "project": project("extra-index")},
         ("--extra-index-url", "cu126", "torch >=2.4", "PyPI"), plan("cu126"), "project"),
    Case("uv-project-no-pytorch-index", E, {**DRIVER_550, "project": project("uv-no-index")},
         ("`uv sync`", "PyPI", "cu130", "580"), plan("cu126"), "project"),
    Case("uv-torch-backend-ignored", W,
         {"nvidia": nvidia_found(), "project": project("uv-torch-backend")},
         ("torch-backend", "[tool.uv.pip]", "`uv pip`"), plan("cu130"), "project"),
    Case("lock-resolved-cpu-build", E,
         {"nvidia": nvidia_found(), "project": project("uv-lock-cpu")},
         ("uv.lock", "2.13.0+cpu", "RTX 4090"), plan("cu130"), "project",
         fix_command="uv lock --upgrade-package torch --directory "
                     f"{_in('uv-lock-cpu')}"),
    Case("lock-resolved-wrong-cuda", E,
         {**DRIVER_550, "project": project("poetry-lock-wrong-cuda")},
         ("poetry.lock", "2.13.0+cu130", "580"), plan("cu126"), "project"),
    Case("project-pytorch-channel", W,
         {"nvidia": nvidia_found(), "project": project("pixi-pytorch-channel")},
         ("pixi.toml", "pytorch conda channel", "2.5.1"), None, "project"),
    Case("pixi-no-cuda-requirement", E,
         {"nvidia": nvidia_found(), "project": project("pixi-no-cuda")},
         ("pixi.toml", "declares no CUDA", "pytorch-gpu"), None, "project"),
    Case("cuda-visible-devices-hides-gpus", W,
         {**CU130, "nvidia": nvidia_found(), "env": env(CUDA_VISIBLE_DEVICES="1")},
         ("CUDA_VISIBLE_DEVICES='1'", "1 NVIDIA GPU"), None, "nvidia"),
    Case("torch-shadowed-by-local-file", E,
         {"python": _py(cwd_shadow="torch.py")}, ("torch.py", "/home/ada/proj"), None, "torch"),
    Case("torch-install-broken", E,
         {"python": python_env(dist("torch", "2.13.0+cpu"), copies=())},
         ("2.13.0+cpu", "missing", "import torch"), None, "torch",
         fix_command="pip3 install --force-reinstall --no-deps torch==2.13.0 --index-url "
                     "https://download.pytorch.org/whl/cpu"),
    Case("mps-macos-too-old", W,
         {**mac("13.6"), "python": torch_env("2.13.0", machine="arm64")},
         ("13.6", "2.13.0", "14.0"), None, "apple"),
    Case("x86-python-on-apple-silicon", E,
         {**mac("14.5", "Apple M3", translated=True), "python": python_env(machine="x86_64")},
         ("x86_64", "Rosetta", "Apple M3"), None, "apple"),
    Case("rocm-gfx-unsupported", E,
         {"python": torch_env("2.13.0+rocm7.2", hip="7.2.26015"),
          "amd": amd_found("gfx1031")},
         ("gfx1031", "2.13.0+rocm7.2", "gfx1030"), None, "amd",
         fix_command="export HSA_OVERRIDE_GFX_VERSION=10.3.0"),
    Case("rocm-device-permissions", E,
         {"python": torch_env("2.13.0+rocm7.2", hip="7.2.26015"),
          "amd": amd_found(kfd_accessible=False, render_accessible=False)},
         ("/dev/kfd", "/dev/dri/renderD*", "2.13.0+rocm7.2"), None, "amd"),
    Case("rocm-windows-unsupported", INFO,
         {"os": WINDOWS, "python": torch_env("2.13.0+cpu", machine="AMD64"),
          "amd": AmdFacts(status="absent", reason="ROCm for PyTorch is available on Linux only"),
          "pci": pci_found(pci_gpu("1002", "AMD Radeon RX 7900 XTX", gfx="gfx1100"))},
         ("Windows", "Radeon RX 7900 XTX", "Linux only"), None, "amd"),
    Case("xpu-cpu-build", E,
         {"python": torch_env("2.13.0+cpu"), "intel": intel_found()},
         ("2.13.0+cpu", "Arc A770", "XPU"), plan("xpu"), "torch"),
    Case("xpu-runtime-load-failure", W,
         {"python": torch_env("2.13.0+xpu", xpu="20250101"),
          "intel": intel_found(level_zero_gpu_driver=None)},
         ("2.13.0+xpu", "Level Zero"), None, "intel"),
    Case("low-disk-space", W,
         {"python": python_env(), "nvidia": nvidia_found(),
          "resources": ResourceFacts(status="found", memory_total_bytes=32 * GiB,
                                     packages_disk=DiskSpace(SITE, 100 * GiB, 2 * GiB),
                                     temp_disk=DiskSpace("/tmp", 100 * GiB, 2 * GiB))},
         ("2.0 GiB free for packages", "5.0 GiB needed", "CUDA"), plan("cu130", replaces=False),
         "resources"),
    Case("low-memory-install", W,
         {"resources": ResourceFacts(status="found", memory_total_bytes=2 * GiB,
                                     memory_available_bytes=1 * GiB)},
         ("2.0 GiB", "4.0 GiB"), None, "resources"),
    Case("cpu-missing-avx", E,
         {"cpu": CpuFacts(status="found", model="QEMU Virtual CPU version 2.5+", avx=False,
                          avx2=False, avx512f=False)},
         ("QEMU Virtual CPU", "no AVX"), None, "resources"),
    Case("knowledge-stale", INFO,
         {"python": torch_env("2.14.1+cpu")}, ("2.14.1+cpu", "2026-07-28", "2.13.0"), None,
         "knowledge"),
    Case("probe-failed", Severity.INFO,
         {"nvidia": NvidiaFacts(status="unknown", reason="nvidia-smi timed out after 5 s")},
         ("timed out after 5 s", "not judged"), None, "nvidia"),
    Case("torch-not-installed", INFO, {"python": python_env()}, ("not installed",),
         plan("cpu", replaces=False), "torch",
         fix_command="pip3 install --force-reinstall torch torchvision --index-url "
                     "https://download.pytorch.org/whl/cpu"),
    Case("target-python-unusable", E,
         {"python": PythonFacts(status="unknown", failure="missing", requested="/opt/py/bin/python",
                                reason="no such file")},
         ("/opt/py/bin/python", "no such file"), None, "python"),
]

VERIFY_ONLY = {
    "cuda-broken-after-suspend", "windows-dll-dependency-missing", "torch-import-failed",
    "torch-import-crashed", "verify-timed-out", "cuda-init-failed", "kernel-wrong-result",
    "kernel-failed", "verify-crashed", "verify-device-unavailable", "companion-import-failed",
    "expect-unmet", "expect-version-unmet", "cudnn-version-mismatch", "cuda-error-not-raised",
}
# Found only in an error text (explain, check --error): tests/trust/test_explain_rules.py.
ERROR_TEXT_ONLY = {
    "torch-dependency-missing", "nccl-unavailable", "nccl-version-mismatch", "nccl-system-error",
    "nccl-cuda-error", "triton-missing", "triton-gpu-too-old", "compile-toolchain-missing",
}


# Found by `torchdoctor dist` over many ranks: tests/dist/test_judge.py.
DIST_ONLY = {
    "dist-rank-missing", "dist-init-failed", "dist-ranks-share-gpu", "dist-collective-failed",
    "dist-collective-wrong", "dist-ranks-differ", "dist-nodes-differ", "dist-bandwidth-low",
}


def test_every_code_has_a_case_or_is_verification_only() -> None:
    covered = {case.code for case in CASES}
    elsewhere = VERIFY_ONLY | ERROR_TEXT_ONLY | DIST_ONLY
    assert covered | elsewhere == set(CATALOG), set(CATALOG) ^ (covered | elsewhere)
    assert not covered & elsewhere


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.code)
def test_rule(case: Case, knowledge: Knowledge) -> None:
    checks = run(make_facts(**case.facts), knowledge, case.plan)
    found = only(checks, case.code)
    assert found.severity is case.severity, (found.severity, found.message)
    assert found.title == CATALOG[case.code].title
    for word in case.words:
        assert word in found.message, (word, found.message)
    assert found.check == case.check
    assert found in next(c for c in checks if c.id == case.check).problems
    assert found.fix is not None
    assert found.fix.text
    if case.fix_command is not None:
        assert case.fix_command in found.fix.commands, found.fix


def test_windows_intel_gpu_is_not_rocm(knowledge: Knowledge) -> None:
    facts = make_facts(os=WINDOWS, python=torch_env("2.13.0+cpu", machine="AMD64"),
                       amd=AmdFacts(status="absent"), pci=PciFacts(status="found", gpus=()),
                       intel=IntelFacts(status="absent", gpus=()))
    assert not [p for c in run(facts, knowledge) for p in c.problems]


def test_missing_driver_fix_names_the_minimum_the_plan_needs(knowledge: Knowledge) -> None:
    facts = make_facts(python=python_env(), pci=pci_found(pci_gpu(name="NVIDIA GeForce RTX 4090")))
    needs_580 = only(run(facts, knowledge, plan("cu130")), "nvidia-driver-missing")
    assert needs_580.fix is not None
    assert "driver 580 or newer" in needs_580.fix.text
    needs_525 = only(run(facts, knowledge, plan("cu126")), "nvidia-driver-missing")
    assert needs_525.fix is not None
    assert "driver 525.60.13 or newer" in needs_525.fix.text
