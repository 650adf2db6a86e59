"""`install-command --package conda-forge|pixi`: conda-forge's build for the machine.

The variant comes from the detected machine (or the `--compute` given): a CUDA machine gets
`pytorch-gpu` with the conda-forge CUDA build the driver runs and whose arch list carries every
GPU (pinned with `cuda-version` where the solver, which sees only the driver, would take
another), and `CONDA_OVERRIDE_CUDA` where conda cannot see the driver; a CPU machine gets
`pytorch-cpu`; macOS gets `pytorch`. conda-forge has no ROCm, XPU or nightly builds.
"""

from __future__ import annotations

from torchdoctor.facts import Facts
from torchdoctor.install import Axes, InstallCommand
from torchdoctor.install.conda_forge import ForgeMachine, choose, conda_command, pixi_command
from torchdoctor.install.validate import InstallError, resolve_release
from torchdoctor.knowledge import Knowledge, cuda_minor, version_key
from torchdoctor.knowledge.compat import variant_runs_on_gpu
from torchdoctor.knowledge.conda import conda_forge_cuda
from torchdoctor.recommend.target import Target, target_of
from torchdoctor.report import Alternative


def _machine(facts: Facts | None, axes: Axes) -> ForgeMachine:
    if facts is None:
        return ForgeMachine(os=axes.os, arch=axes.arch)
    t = target_of(facts)
    if (t.os, t.arch) != (axes.os, axes.arch):
        return ForgeMachine(os=axes.os, arch=axes.arch)
    return ForgeMachine(
        os=axes.os, arch=axes.arch, driver=t.nvidia_driver, driver_os=t.driver_os,
        cuda_version=t.nvidia_cuda,
        capabilities=tuple(g.compute_capability for g in t.nvidia_gpus if g.compute_capability),
        driver_visible=t.nvidia_state == "loaded")


def _auto(k: Knowledge, machine: ForgeMachine, compute: str) -> tuple[str, tuple[str, ...]]:
    """The conda-forge CUDA build for a machine the recommendation gives a CUDA variant."""
    if not compute.startswith("cu") or machine.os == "macos":
        return compute, ()
    best, _ = conda_forge_cuda(k, machine.os, machine.arch, driver=machine.driver,
                               driver_os=machine.driver_os, cuda_version=machine.cuda_version,
                               capabilities=machine.capabilities)
    if best is None:
        raise InstallError("no conda-forge CUDA build of pytorch runs here (it builds CUDA 12.8 "
                           "and newer, which need NVIDIA driver 525.60.13 or newer, 528.33 on "
                           "Windows); update the driver, or use --package pip")
    return "cu" + best.replace(".", ""), (
        f"The recommendation for this machine is {compute}; conda-forge's nearest build that "
        f"runs here is CUDA {best}.",)


def forge_command(facts: Facts | None, knowledge: Knowledge, axes: Axes, *,
                  auto: bool) -> InstallCommand:
    """The conda-forge (`axes.package` "conda-forge") or pixi command; `auto`: the compute
    axis came from the recommendation and is mapped onto conda-forge's CUDA builds."""
    k = knowledge
    if axes.torch == "nightly":
        raise InstallError("conda-forge publishes no nightly builds of pytorch; use --package "
                           "pip for the nightly")
    version = None if axes.torch == "stable" else resolve_release(k, axes.torch).version
    machine = _machine(facts, axes)
    compute, notes = _auto(k, machine, axes.compute) if auto else (axes.compute, ())
    choice = choose(k, machine, compute)
    release = k.release(version) if version else None
    companions = (f"torchvision={release.torchvision}",) if release and release.torchvision \
        else ("torchvision",)
    if axes.package == "pixi":
        command = pixi_command(choice, os=axes.os, version=version,
                               companions=tuple(c.replace("=", "==") for c in companions))
        tail = ("pixi resolves for the workspace's declared platforms and CUDA, never for the "
                "machine it runs on: without the CUDA declaration it takes the CPU build.",)
    else:
        command = conda_command(choice, os=axes.os, version=version, companions=companions)
        tail = ("Run it in the conda environment to install into (or add -n NAME).",)
    which = f"torch {version}" if version else "The newest torch"
    why = (f"{which} from conda-forge (the pytorch conda channel ended with 2.5.1; conda-forge "
           "follows pytorch.org's releases by a few weeks).", *notes, *choice.reasons, *tail,
           f"Knowledge date: {k.knowledge_date}.")
    variant = "cu" + choice.cuda.replace(".", "") if choice.cuda else "cpu"
    return InstallCommand(command, version or "latest", axes.os, axes.arch, variant,
                          axes.package, None, "conda-forge", k.knowledge_date, None, why)


def forge_alternative(k: Knowledge, t: Target) -> Alternative | None:
    """conda-forge's command for a conda environment on an NVIDIA machine, offered first to
    conda users: where the newest pip wheels dropped the GPU (conda-forge's CUDA 12 builds carry
    Maxwell to Blackwell in one build), or where conda installed the torch there now."""
    if t.env_kind != "conda" or not t.nvidia_gpus or t.os is None or t.arch is None:
        return None
    newest = max((v for v in k.variants(k.stable, t.os, t.arch) if cuda_minor(v)),
                 key=lambda v: version_key(cuda_minor(v) or "0"), default=None)
    ccs = tuple(g.compute_capability for g in t.nvidia_gpus if g.compute_capability)
    dropped = newest is not None and any(
        variant_runs_on_gpu(k, newest, t.os, t.arch, cc) is False for cc in ccs)
    if not dropped and t.conda_torch is None:
        return None
    machine = ForgeMachine(os=t.os, arch=t.arch, driver=t.nvidia_driver, driver_os=t.driver_os,
                           cuda_version=t.nvidia_cuda, capabilities=ccs,
                           driver_visible=t.nvidia_state == "loaded")
    best, _ = conda_forge_cuda(k, t.os, t.arch, driver=t.nvidia_driver, driver_os=t.driver_os,
                               cuda_version=t.nvidia_cuda, capabilities=ccs)
    if best is None:
        return None
    try:
        choice = choose(k, machine, "cu" + best.replace(".", ""))
    except InstallError:
        return None
    why = (f"the newest pip wheels ({newest}) dropped this GPU: conda-forge's CUDA {best} build "
           "carries it (Maxwell to Blackwell in one build), the way for conda users" if dropped
           else f"conda installed its torch (from {t.conda_torch}); conda-forge's CUDA {best} "
           "build keeps it a conda package")
    return Alternative(f"This is a conda environment, and {why}:", conda_command(choice, os=t.os),
                       "latest", "cu" + best.replace(".", ""))
