"""The facts document: what detection found about one machine and one target Python environment.

Every section carries `status` (found | absent | unknown) and `reason`:
- found: the probe saw the thing (an NVIDIA driver, an AMD GPU, a Python interpreter);
- absent: the probe looked and there is nothing (no NVIDIA driver loaded, not a Mac);
- unknown: the probe could not check; `reason` says why ("timed out after 5 s", "parse error: ...").
A found section may still carry a `reason` when part of it could not be checked.

Inside a section, `None` means "not known" and an empty tuple means "checked, there are none".
This is the interface the diagnosis codes against; docs/facts.md explains every field. Field names
are the JSON keys (see `torchdoctor.facts.codec`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


def added(default: Any = None) -> Any:
    """A field added after the first facts documents were written: documents that lack it still
    load (it takes `default`), and the schema does not require it."""
    return field(default=default, metadata={"added": True})


Status = Literal["found", "absent", "unknown"]
ProbeStatus = Literal["ok", "unknown"]
# Whether torch is installed in the target, the one answer every layer uses:
# - installed: its package folder and its pip metadata are both there;
# - package-only: `import torch` finds a package, but pip has no record of it (a copied folder, a
#   deleted dist-info): pip can neither upgrade nor uninstall it;
# - metadata-only: pip's record is there, the package is not (deleted, an interrupted upgrade
#   that left `~orch`, `torch/__init__.py` gone): pip says installed, `import torch` fails;
# - absent: neither; unknown: the environment could not be inspected.
TorchState = Literal["installed", "package-only", "metadata-only", "absent", "unknown"]


@dataclass(frozen=True)
class OsFacts:
    """Operating system, as torchdoctor's own process sees it."""

    status: Status
    reason: str | None = None
    system: str | None = None  # linux | macos | windows | other name in lower case
    version: str | None = None  # "24.04" (os-release VERSION_ID), "14.5", "10.0.22631"
    distribution: str | None = None  # "Ubuntu 24.04.1 LTS", "macOS 14.5", "Windows 11"
    distribution_id: str | None = None  # os-release ID: "ubuntu", "debian", "rhel"
    kernel: str | None = None  # kernel release: "6.8.0-45-generic"
    arch: str | None = None  # x86_64 | aarch64 (Linux) | arm64 (macOS, Windows) | other
    libc_name: str | None = None  # "glibc" | "musl"
    libc_version: str | None = None  # "2.39"
    wsl: int | None = None  # 1 or 2 under Windows Subsystem for Linux, else None
    container: str | None = None  # docker | podman | kubernetes | lxc | None
    jetson_model: str | None = None  # "NVIDIA Jetson AGX Orin Developer Kit"
    l4t_release: str | None = None  # Jetson Linux release: "36.4.3"


@dataclass(frozen=True)
class CpuFacts:
    """The CPU and the instruction-set features that prebuilt wheels need."""

    status: Status
    reason: str | None = None
    model: str | None = None
    logical_cores: int | None = None
    avx: bool | None = None  # None: not known, or not applicable (Arm)
    avx2: bool | None = None
    avx512f: bool | None = None


@dataclass(frozen=True)
class DiskSpace:
    """Free space on the file system that holds `path`."""

    path: str
    total_bytes: int
    free_bytes: int


@dataclass(frozen=True)
class ResourceFacts:
    """Memory and the disk space that an install needs."""

    status: Status
    reason: str | None = None
    memory_total_bytes: int | None = None
    memory_available_bytes: int | None = None
    packages_disk: DiskSpace | None = None  # where the target's packages install (purelib)
    temp_disk: DiskSpace | None = None  # the temporary directory pip unpacks wheels into


@dataclass(frozen=True)
class Distribution:
    """One installed distribution that matters to PyTorch (read from metadata, never imported)."""

    name: str  # normalised: lower case, "-" separators
    version: str  # "2.13.0+cu130"
    local_tag: str | None  # the part after "+": "cu130", "cpu", "rocm6.4"; None when absent
    location: str  # the site-packages directory that holds it
    installer: str | None  # the INSTALLER record: "pip", "uv", "conda"
    requires_torch: str | None = added()  # the torch requirement its metadata declares: "==2.5.1"
    # pip's record reads as metadata (Name and Version headers, no junk bytes); False: pip
    # stops or skips it in this environment.
    metadata_ok: bool | None = added()
    record: str | None = added()  # the record's folder in `location`: "torch-2.13.0.dist-info"


@dataclass(frozen=True)
class TorchCopy:
    """A `torch` package found on the target's sys.path (the first one is the one imported)."""

    path: str  # the torch/ directory
    version: str | None  # torch/version.py `__version__`, read as text
    cuda: str | None  # torch/version.py `cuda`: "13.0" or None (no CUDA)
    hip: str | None  # torch/version.py `hip`: "6.4.43482" or None
    xpu: str | None  # torch/version.py `xpu` (newer releases)
    git_version: str | None
    in_user_site: bool  # found in the user site-packages (~/.local)
    # The build's GPU architectures as torch reports them ("sm_80", "sm_90", "compute_90",
    # "gfx1100"): only an import can tell, so it is filled from a verification that ran.
    arch_list: tuple[str, ...] | None = added()


@dataclass(frozen=True)
class JupyterKernel:
    """A Jupyter kernel spec and the interpreter it starts (its argv[0]; "python" for a kernel
    that starts whatever python is first on PATH)."""

    name: str
    python: str | None


PythonFailure = Literal[
    "missing", "not-executable", "not-python", "python2", "too-old", "timed-out", "crashed"
]


@dataclass(frozen=True)
class PythonFacts:
    """The target interpreter and its environment, as a stdlib-only child script saw them."""

    status: Status
    reason: str | None = None
    failure: PythonFailure | None = None  # why the interpreter could not be inspected
    requested: str | None = None  # the path torchdoctor ran
    chosen_by: str | None = None  # "--python" | "VIRTUAL_ENV" | "CONDA_PREFIX" | "torchdoctor"
    executable: str | None = None  # sys.executable inside the target
    version: str | None = None  # "3.12.4"
    implementation: str | None = None  # "cpython", "pypy"
    pointer_bits: int | None = None  # 64 or 32
    free_threaded: bool | None = None  # a 3.13t/3.14t build (Py_GIL_DISABLED)
    machine: str | None = None  # platform.machine() inside the target: x86_64 under Rosetta
    platform_tag: str | None = None  # sysconfig.get_platform(): "linux-x86_64", "win-amd64"
    prefix: str | None = None
    base_prefix: str | None = None
    env_kind: str | None = None  # venv | conda | uv | pyenv | system | embedded
    env_name: str | None = None  # conda environment name or the venv folder name
    purelib: str | None = None  # where packages install
    scripts_dir: str | None = None
    temp_dir: str | None = None
    cwd: str | None = None
    cwd_shadow: str | None = None  # "torch.py" | "torch/" in the working directory, else None
    pip3_path: str | None = None  # `pip3` first on PATH
    pip3_belongs: bool | None = None  # that pip3 installs into this interpreter
    user_site: str | None = None
    user_site_enabled: bool | None = None  # the interpreter adds the user site to sys.path
    user_site_has_torch: bool | None = None  # ... and a torch sits there (shadowing risk)
    externally_managed: bool | None = None  # PEP 668 EXTERNALLY-MANAGED marker applies
    distributions: tuple[Distribution, ...] | None = None
    torch_copies: tuple[TorchCopy, ...] | None = None
    pip_available: bool | None = added()  # `python -m pip` can run (pip is importable here)
    jupyter_kernels: tuple[JupyterKernel, ...] | None = added()  # what a notebook can pick
    # Folders pip left half-removed in site-packages ("~orch", "~orch-2.1.0.dist-info").
    pip_leftovers: tuple[str, ...] | None = added()
    # Windows: HKLM\SYSTEM\CurrentControlSet\Control\FileSystem LongPathsEnabled is 1 (None:
    # not Windows, or the registry could not be read).
    long_paths_enabled: bool | None = added()

    def distribution(self, name: str) -> Distribution | None:
        """The first installed distribution with this (normalised) name."""
        for dist in self.distributions or ():
            if dist.name == name:
                return dist
        return None

    @property
    def torch(self) -> TorchCopy | None:
        """The torch copy that `import torch` would load (first on sys.path)."""
        return self.torch_copies[0] if self.torch_copies else None

    @property
    def torch_state(self) -> TorchState:
        """Whether torch is installed here (see `TorchState`)."""
        if self.status != "found" or self.torch_copies is None or self.distributions is None:
            return "unknown"
        package, metadata = bool(self.torch_copies), self.distribution("torch") is not None
        if package and metadata:
            return "installed"
        if package:
            return "package-only"
        return "metadata-only" if metadata else "absent"


@dataclass(frozen=True)
class NvidiaGpu:
    """One GPU as the NVIDIA driver reports it."""

    index: int
    name: str
    compute_capability: str | None  # "8.9"
    memory_mib: int | None
    pci_bus_id: str | None  # sysfs form: "0000:01:00.0"
    pci_id: str | None  # "10de:2684"
    compute_capability_source: str | None  # "nvml" | "nvidia-smi" | "pci-table"


@dataclass(frozen=True)
class NvidiaFacts:
    """The NVIDIA driver: kernel module, user-space library (NVML), nvidia-smi."""

    status: Status
    reason: str | None = None
    driver_version: str | None = None  # "550.144.03"
    driver_version_source: str | None = None  # "sysfs" | "procfs" | "nvml" | "nvidia-smi"
    cuda_version: str | None = None  # highest CUDA the driver supports: "12.4"
    cuda_version_source: str | None = None  # "nvml" | "nvidia-smi"
    kernel_module_version: str | None = None  # from /sys/module or /proc/driver/nvidia
    kernel_module_flavor: str | None = None  # "open" | "proprietary" (from the NVRM line)
    userspace_version: str | None = None  # from NVML or nvidia-smi
    version_mismatch: bool | None = None  # kernel module and user space differ (reboot needed)
    nvidia_smi: str | None = None  # path of the nvidia-smi used, if any
    gpus: tuple[NvidiaGpu, ...] | None = None
    gpus_source: str | None = None  # "nvml" | "nvidia-smi"
    # What nvidia-smi said instead of listing GPUs, when it answered: "No devices were found"
    # (the driver runs and sees no GPU) or "couldn't communicate with the NVIDIA driver" (the
    # kernel module is not loaded). Facts, not a failure to check.
    smi_message: str | None = added()


@dataclass(frozen=True)
class PciGpu:
    """A display or accelerator device on the PCI bus, named from the bundled PCI id table."""

    address: str | None  # "0000:01:00.0" (Linux), None where the platform has no bus address
    vendor_id: str  # "10de"
    device_id: str | None  # "2684"
    vendor: str | None  # "NVIDIA", "AMD", "Intel", "Apple"
    name: str | None  # table name, else the platform's own name
    kind: str | None  # discrete | integrated
    arch: str | None  # "Ada Lovelace"
    compute_capability: str | None  # NVIDIA, from the table
    gfx: str | None  # AMD LLVM target: "gfx1100"
    xpu: bool | None  # Intel: supported by PyTorch's XPU build
    driver: str | None  # bound kernel driver ("nvidia", "amdgpu", "i915", "xe") or None
    driver_version: str | None  # Windows driver version string
    pci_class: str | None = None  # "030000" VGA, "030200" 3D, "120000" accelerator (Linux)


@dataclass(frozen=True)
class PciFacts:
    """GPUs on the bus, found even when no driver is loaded."""

    status: Status
    reason: str | None = None
    source: str | None = None  # "sysfs" | "wmi" | "system_profiler"
    table_date: str | None = None  # date of the bundled PCI id table
    gpus: tuple[PciGpu, ...] | None = None


@dataclass(frozen=True)
class AmdGpu:
    """A GPU agent of the kernel's KFD topology."""

    node: int
    gfx: str  # "gfx1100"
    device_id: str | None  # "744c"
    name: str | None  # from the PCI table


@dataclass(frozen=True)
class AmdFacts:
    """AMD ROCm: GPUs from KFD (no ROCm tools needed), the ROCm install, device access."""

    status: Status
    reason: str | None = None
    rocm_version: str | None = None  # "6.4.0" from /opt/rocm/.info/version
    gpus: tuple[AmdGpu, ...] | None = None
    kfd_present: bool | None = None
    kfd_accessible: bool | None = None  # read and write on /dev/kfd for this user
    render_nodes: tuple[str, ...] | None = None  # "renderD128", ...
    render_accessible: bool | None = None  # read and write on every /dev/dri/renderD*
    # The render and video groups: those this process runs with (/proc/self/status), and those
    # /etc/group lists the user in (a membership added since login is there, not in the session).
    session_groups: tuple[str, ...] | None = added()
    member_of: tuple[str, ...] | None = added()


@dataclass(frozen=True)
class AppleFacts:
    """macOS and Apple silicon."""

    status: Status
    reason: str | None = None
    macos_version: str | None = None  # "14.5"
    chip: str | None = None  # "Apple M2"; None on an Intel Mac
    cpu_brand: str | None = None  # machdep.cpu.brand_string: "Apple M2", "Intel(R) Core(TM) i9-..."
    apple_silicon: bool | None = None
    gpu_cores: int | None = None  # Apple GPU cores (system_profiler)
    metal_family: str | None = None  # "metal3" (system_profiler)
    mps_capable: bool | None = None  # Apple silicon on macOS 12.3 or newer: torch's MPS backend
    rosetta: bool | None = None  # torchdoctor's own process runs translated
    python_translated: bool | None = None  # the target interpreter is x86_64 on Apple silicon


@dataclass(frozen=True)
class IntelGpu:
    """An Intel GPU from the PCI facts, with its XPU support."""

    name: str | None
    device_id: str | None
    kind: str | None
    xpu: bool | None


@dataclass(frozen=True)
class IntelFacts:
    """Intel GPUs and the oneAPI Level Zero runtime that PyTorch's XPU build loads."""

    status: Status
    reason: str | None = None
    gpus: tuple[IntelGpu, ...] | None = None
    xpu_capable: bool | None = None  # at least one GPU is supported by the XPU build
    level_zero_loader: str | None = None  # path of libze_loader / ze_loader.dll
    level_zero_gpu_driver: str | None = None  # path of the Intel GPU level-zero driver


@dataclass(frozen=True)
class EnvFacts:
    """Allow-listed environment variables that change how torch installs or runs."""

    status: Status
    reason: str | None = None
    variables: dict[str, str] = field(default_factory=dict)  # credentials in URLs masked
    ld_library_path_cuda: tuple[str, ...] = ()  # LD_LIBRARY_PATH entries holding CUDA libraries
    # PYTHONPATH entries that hold a torch package: a shell's `import torch` finds it first.
    pythonpath_torch: tuple[str, ...] | None = added()


@dataclass(frozen=True)
class LibraryCopy:
    """One copy of a shared library under the name the loader looks for."""

    path: str
    # LD_LIBRARY_PATH | pip (an nvidia-* package next to torch) | torch (torch/lib) |
    # system (an ld.so.conf or trusted folder) | wsl (/usr/lib/wsl/lib)
    source: str
    version: str | None  # "9.1.0" from the real file's name or the pip package; None: not told


@dataclass(frozen=True)
class SharedLibrary:
    """Where the dynamic loader would find one CUDA library torch loads."""

    name: str  # "libcudnn"
    soname: str | None  # what is asked for: "libcudnn.so.9"; None: torch brings no copy
    copies: tuple[LibraryCopy, ...]  # in the loader's search order: the first is loaded

    @property
    def loaded(self) -> LibraryCopy | None:
        return self.copies[0] if self.copies else None

    @property
    def own(self) -> LibraryCopy | None:
        """The copy torch brought (pip package or torch/lib), if any."""
        return next((c for c in self.copies if c.source in ("pip", "torch")), None)


@dataclass(frozen=True)
class LoaderFacts:
    """Linux: the copies of libcuda, libcudart, libcublas(Lt), libcudnn, libnvJitLink,
    libcusparse and libnccl the loader would find for the target's torch."""

    status: Status
    reason: str | None = None
    libraries: tuple[SharedLibrary, ...] | None = None

    def library(self, name: str) -> SharedLibrary | None:
        return next((lib for lib in self.libraries or () if lib.name == name), None)


@dataclass(frozen=True)
class CondaPackage:
    """A torch-related package of the target's conda environment, from its conda-meta record."""

    name: str  # "pytorch", "pytorch-cuda", "cuda-version", "cudatoolkit", "cpuonly", ...
    version: str  # "2.5.1", "12.9"
    build: str | None  # "cuda129_mkl_py312_h1916812_302", "py3.12_cuda12.4_cudnn9.1.0_0"
    channel: str | None  # "conda-forge", "pytorch", "pkgs/main", or the URL as recorded


@dataclass(frozen=True)
class CondaFacts:
    """The target's conda environment (conda, mamba, micromamba or pixi): its conda-meta records
    of the packages that decide which torch it has. Absent: the target is no conda environment."""

    status: Status
    reason: str | None = None
    prefix: str | None = None  # the environment folder (it holds conda-meta/)
    manager: str | None = None  # conda | mamba | micromamba | pixi (conda-meta/history, .pixi/)
    records: int | None = None  # package records in conda-meta
    packages: tuple[CondaPackage, ...] | None = None  # the torch-related ones only


@dataclass(frozen=True)
class ProjectEntry:
    """One statement of a project file that says which torch the user asked for or got."""

    # requirement | index | channel | source | setting | locked (docs/facts.md, "project")
    kind: str
    name: str  # the package, the index's name or role, the setting's name
    value: str  # the specifier, the URL, the channel, the setting's value, the locked version
    line: int | None = None  # 1-based line of the file where it stands
    text: str | None = None  # that line as written
    section: str | None = None  # where in the file: "project.dependencies", "tool.uv.sources"
    marker: str | None = None  # its environment marker: "sys_platform == 'linux'"
    source: str | None = None  # requirement: its uv/poetry source; locked: where it came from
    detail: str | None = None  # index: explicit/default/priority; locked: conda build string


@dataclass(frozen=True)
class ProjectFile:
    """A project file that was found, and what it says about torch."""

    path: str
    # pyproject | requirements | environment-yml | pixi-toml | uv-toml | uv-lock | pixi-lock |
    # poetry-lock
    kind: str
    read: bool  # False: it could not be read; `reason` says why
    reason: str | None = None  # "larger than 1 MB", "TOML error: ...", "not UTF-8 text"
    entries: tuple[ProjectEntry, ...] = ()


@dataclass(frozen=True)
class ProjectFacts:
    """The project files of the target's working directory (or `--project DIR`): what the user
    asked for (requirements, indexes, channels) and what their lock files resolved."""

    status: Status
    reason: str | None = None
    directory: str | None = None
    chosen_by: str | None = None  # "--project" | "cwd" | "parent" (a folder above the cwd)
    files: tuple[ProjectFile, ...] | None = None


@dataclass(frozen=True)
class ProbeRecord:
    """How one probe went."""

    name: str
    status: ProbeStatus
    duration_s: float
    reason: str | None = None


@dataclass(frozen=True)
class Facts:
    """Everything detection found; the input of diagnosis and recommendation."""

    os: OsFacts
    cpu: CpuFacts
    resources: ResourceFacts
    python: PythonFacts
    nvidia: NvidiaFacts
    pci: PciFacts
    amd: AmdFacts
    apple: AppleFacts
    intel: IntelFacts
    env: EnvFacts
    probes: tuple[ProbeRecord, ...] = ()
    # None: a document written before the loader probe existed (not "could not check").
    loader: LoaderFacts | None = added()  # noqa: RUF009 (a dataclasses.field: default None)
    conda: CondaFacts | None = added()  # noqa: RUF009 (None: a document older than the probe)
    project: ProjectFacts | None = added()  # noqa: RUF009

    def unknown_sections(self) -> list[str]:
        """Names of the sections that could not be checked."""
        return [name for name in SECTION_NAMES
                if getattr(getattr(self, name), "status", None) == "unknown"]


SECTION_NAMES = (
    "os",
    "cpu",
    "resources",
    "python",
    "nvidia",
    "pci",
    "amd",
    "apple",
    "intel",
    "env",
    "loader",
    "conda",
    "project",
)
