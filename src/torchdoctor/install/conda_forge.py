"""conda-forge and pixi: the commands that install torch from conda-forge for a machine.

conda-forge builds `pytorch` for CPU and for CUDA (knowledge/conda.py has which CUDA versions and
GPU architectures); the metapackages `pytorch-gpu` and `pytorch-cpu` pin the variant. Two things
make a command right for a machine rather than merely valid:

- the conda solver sees only the driver (the `__cuda` virtual package), not the GPUs: where the
  newest build the driver allows lacks the GPU's architecture (conda-forge's CUDA 13 builds start
  at sm_75), the command pins `cuda-version` to the build that carries it;
- where the solver sees no driver at all (a container without a visible GPU, a driver not
  loaded yet), `pytorch-gpu` cannot be solved: `CONDA_OVERRIDE_CUDA` tells conda which CUDA the
  machine will have. pixi never looks at the machine: a workspace declares its CUDA
  (`system-requirements`), or pixi resolves the CPU build.

Pure: facts and knowledge in, a command out. A choice conda-forge does not offer (ROCm, XPU, a
nightly) raises InstallError with what exists instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from torchdoctor.install.validate import InstallError
from torchdoctor.knowledge import Knowledge, cuda_minor
from torchdoctor.knowledge.conda import conda_forge_builds, conda_forge_cuda
from torchdoctor.recommend.shell import quote

PACKAGES = ("conda-forge", "pixi")


@dataclass(frozen=True)
class ForgeMachine:
    """What the choice needs to know of the machine."""

    os: str
    arch: str
    driver: str | None = None  # the NVIDIA driver version, when one is loaded
    driver_os: str = "linux"  # "windows" on Windows and WSL 2
    cuda_version: str | None = None  # the highest CUDA the driver reports
    capabilities: tuple[str, ...] = ()  # the NVIDIA GPUs' compute capabilities
    driver_visible: bool = True  # conda can see the driver (`__cuda`)


@dataclass(frozen=True)
class ForgeChoice:
    """The conda-forge build for a machine and how the command must force it."""

    gpu: bool
    cuda: str | None  # "12.9": the conda-forge CUDA build
    pin: bool  # pin `cuda-version` (the solver alone would pick a build without the GPU)
    override: bool  # set CONDA_OVERRIDE_CUDA (the solver sees no driver)
    reasons: tuple[str, ...]


def choose(knowledge: Knowledge, machine: ForgeMachine, compute: str) -> ForgeChoice:
    """The conda-forge build for `compute` ("cpu" or "cuXYZ", as the recommendation picked it,
    or as asked for) on `machine`."""
    if compute.startswith(("rocm", "xpu")):
        kind = "ROCm" if compute.startswith("rocm") else "XPU"
        raise InstallError(f"conda-forge has no {kind} builds of pytorch; use --package pip "
                           f"(--compute {compute})")
    if compute == "cpu" or machine.os == "macos":
        why = ("conda-forge's macOS builds are the CPU build (with MPS on Apple silicon)."
               if machine.os == "macos" else "pytorch-cpu pins conda-forge's CPU build.")
        return ForgeChoice(False, None, False, False, (why,))
    builds = conda_forge_builds(machine.os, machine.arch)
    if not builds:
        raise InstallError(f"conda-forge has no CUDA builds of pytorch for {machine.os} "
                           f"{machine.arch}; use --compute cpu")
    versions = [v for v, _ in builds]
    wanted = cuda_minor(compute) or versions[0]
    major = wanted.split(".")[0]
    cuda = wanted if wanted in versions else next(
        (v for v in versions if v.split(".")[0] == major), None)
    if cuda is None:
        raise InstallError(f"conda-forge has no CUDA {wanted} build of pytorch for "
                           f"{machine.os} {machine.arch}; it has CUDA " + ", ".join(versions))
    _, solver = conda_forge_cuda(knowledge, machine.os, machine.arch, driver=machine.driver,
                                 driver_os=machine.driver_os, cuda_version=machine.cuda_version,
                                 capabilities=())
    archs = dict(builds)[cuda]
    span = ", ".join(f"sm_{v.replace('.', '')}" for v in archs.sm)
    reasons = [f"conda-forge builds pytorch for CUDA {' and '.join(versions)} here; its CUDA "
               f"{cuda} build carries {span} (+PTX {', '.join(archs.ptx)}); pytorch-gpu pins a "
               "CUDA build."]
    pin = solver is not None and solver != cuda
    if pin:
        reasons.append(f"cuda-version={cuda} pins that build: the solver sees only the driver "
                       f"and would take CUDA {solver}.")
    override = not machine.driver_visible
    if override:
        reasons.append(f"conda sees no NVIDIA driver here (a container without a visible GPU, or "
                       f"a driver not loaded): CONDA_OVERRIDE_CUDA={cuda} lets it solve for the "
                       "GPU build anyway.")
    return ForgeChoice(True, cuda, pin, override, tuple(reasons))


def conda_command(choice: ForgeChoice, *, os: str, tool: str = "conda",
                  prefix: str | None = None, version: str | None = None,
                  companions: tuple[str, ...] = ("torchvision",)) -> str:
    """`conda install -c conda-forge pytorch-gpu torchvision` for the choice (`-p PREFIX` for
    an environment that is not the active one)."""
    meta = "pytorch-gpu" if choice.gpu else "pytorch-cpu"
    if os == "macos":
        meta = "pytorch"
    packages = [f"{meta}={version}" if version else meta, *companions]
    if choice.pin and choice.cuda:
        packages.append(f"cuda-version={choice.cuda}")
    where = f" -p {quote(prefix, os)}" if prefix else ""
    line = f"{tool} install{where} -c conda-forge {' '.join(packages)}"
    if choice.override and choice.cuda:
        if os == "windows":
            return f'$env:CONDA_OVERRIDE_CUDA="{choice.cuda}"; {line}'
        return f"CONDA_OVERRIDE_CUDA={choice.cuda} {line}"
    return line


def pixi_command(choice: ForgeChoice, *, os: str, version: str | None = None,
                 companions: tuple[str, ...] = ("torchvision",)) -> str:
    """The pixi commands: the workspace's CUDA declaration (without it pixi resolves the CPU
    build), then `pixi add`."""
    meta = "pytorch" if os == "macos" else ("pytorch-gpu" if choice.gpu else "pytorch-cpu")
    packages = [f"{meta}=={version}" if version else meta, *companions]
    lines = []
    if choice.gpu and choice.cuda:
        lines.append(f"pixi workspace system-requirements add cuda {choice.cuda.split('.')[0]}")
        if choice.pin:
            packages.append(f"cuda-version=={choice.cuda}")
    lines.append(f"pixi add {' '.join(packages)}")
    return "\n".join(lines)
