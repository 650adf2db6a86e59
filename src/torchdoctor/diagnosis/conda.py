"""The conda environment's torch (on the torch line): what conda-meta says of it.

Rules: conda-pytorch-channel-discontinued, conda-cpu-variant-selected, conda-pip-torch-mixed,
conda-cuda-too-new. Without conda-meta facts (a document older than the probe, or a record
unreadable), the first two fall back to what pip's INSTALLER record says ("conda").

Fixes speak conda's language: the ended pytorch channel is replaced with conda-forge, and a
conda-forge command forces the CUDA build where the solver would pick the CPU one
(install/conda_forge.py). An environment pixi manages is changed through its manifest instead.
"""

from __future__ import annotations

from torchdoctor.diagnosis.context import Ctx, install_fix, problem
from torchdoctor.diagnosis.gpus import GpuHost
from torchdoctor.facts import CondaFacts, CondaPackage
from torchdoctor.install.conda_forge import ForgeMachine, choose, conda_command
from torchdoctor.install.validate import InstallError
from torchdoctor.knowledge import version_key
from torchdoctor.knowledge.compat import driver_runs_variant
from torchdoctor.knowledge.conda import (
    PYTORCH_CHANNEL_LAST,
    build_variant,
    conda_forge_cuda,
    is_pytorch_channel,
)
from torchdoctor.recommend.shell import quote
from torchdoctor.report import Fix, Problem

_TORCH = ("pytorch", "libtorch")
_RUNTIMES = ("cuda-version", "cudatoolkit", "pytorch-cuda")
_COMPANIONS = ("torchvision", "torchaudio")


def found(ctx: Ctx) -> CondaFacts | None:
    conda = ctx.facts.conda
    return conda if conda is not None and conda.status == "found" else None


def _package(conda: CondaFacts, *names: str) -> CondaPackage | None:
    return next((p for p in conda.packages or () if p.name in names), None)


def unknown(ctx: Ctx, check: str) -> list[Problem]:
    """The conda-meta records could not be read: what conda installed was not judged."""
    conda = ctx.facts.conda
    if conda is None or conda.status != "unknown" or ctx.facts.python.status != "found":
        return []
    from torchdoctor.diagnosis.context import probe_failed

    return [probe_failed(check, f"The conda environment's records (conda-meta) could not be "
                                f"read ({conda.reason or 'no answer'}); what conda installed was "
                                "not judged.")]


def rules(ctx: Ctx, check: str) -> list[Problem]:
    """The rules that need conda-meta (the torch line calls `cpu_build` and `channel` itself,
    for they replace its installer-based ones)."""
    conda = found(ctx)
    if conda is None:
        return []
    return [*_mixed(ctx, check, conda), *_runtime(ctx, check, conda)]


# -- fixes ----------------------------------------------------------------------------------------

def _tool(conda: CondaFacts) -> str:
    return conda.manager if conda.manager in ("conda", "mamba", "micromamba") else "conda"


def _machine(ctx: Ctx) -> ForgeMachine:
    nvidia = ctx.facts.nvidia
    return ForgeMachine(
        os=ctx.os or "linux", arch=ctx.arch or "x86_64", driver=nvidia.driver_version,
        driver_os=ctx.driver_os, cuda_version=nvidia.cuda_version,
        capabilities=tuple(g.compute_capability for g in ctx.nvidia_gpus
                           if g.compute_capability),
        driver_visible=ctx.nvidia_driver_loaded)


def forge_fix(ctx: Ctx, conda: CondaFacts, text: str, *, gpu: bool,
              remove: tuple[str, ...] = ()) -> Fix:
    """`remove` (forced: nothing that depends on them goes), then conda-forge's build for this
    machine into the environment; pixi's environments are changed through their manifest."""
    if conda.manager == "pixi":
        return Fix(f"{text} This environment belongs to a pixi workspace: make the change in its "
                   "manifest (the Project line shows the edit), then install again:",
                   ("pixi install",))
    os_name = ctx.os or "linux"
    compute = forge_cuda(ctx) if gpu else "cpu"
    try:
        if compute is None:
            raise InstallError("no conda-forge CUDA build runs here")
        choice = choose(ctx.knowledge, _machine(ctx), compute)
    except InstallError:
        return install_fix(ctx, f"{text} conda-forge has no CUDA build that runs here;")
    tool, prefix = _tool(conda), conda.prefix
    companions = tuple(p.name for p in conda.packages or () if p.name in _COMPANIONS)
    where = f" -p {quote(prefix, os_name)}" if prefix else ""
    first = (f"{tool} remove{where} --force {' '.join(remove)}",) if remove else ()
    install = conda_command(choice, os=os_name, tool=tool, prefix=prefix,
                            companions=companions or ("torchvision",))
    why = " ".join(choice.reasons[1:])
    return Fix(f"{text} {why}".rstrip(), (*first, install))


def forge_cuda(ctx: Ctx) -> str | None:
    """The conda-forge CUDA build for this machine ("cu129"): the newest the driver runs that
    carries every GPU; None when none does."""
    machine = _machine(ctx)
    best, _ = conda_forge_cuda(ctx.knowledge, machine.os, machine.arch, driver=machine.driver,
                               driver_os=machine.driver_os, cuda_version=machine.cuda_version,
                               capabilities=machine.capabilities)
    return "cu" + best.replace(".", "") if best else None


# -- rules ----------------------------------------------------------------------------------------

def channel(ctx: Ctx, check: str) -> list[Problem]:
    """conda-pytorch-channel-discontinued: torch from the pytorch channel (conda-meta says so),
    or, without conda-meta, a conda-installed torch no newer than the channel's last release."""
    conda = found(ctx)
    if conda is None:
        return _channel_by_installer(ctx, check)
    torch = _package(conda, *_TORCH)
    if torch is None or not is_pytorch_channel(torch.channel):
        return []
    if build_variant(torch.name, torch.build) == "cpu" and _cpu_matters(ctx):
        return []  # the CPU finding says it, with the same replacement
    old = tuple(p.name for p in conda.packages or () if is_pytorch_channel(p.channel)
                or p.name in ("pytorch-cuda", "pytorch-mutex", "cpuonly"))
    gpu = build_variant(torch.name, torch.build) not in ("cpu", None) or _cpu_matters(ctx)
    return [problem("conda-pytorch-channel-discontinued", check,
                    f"{torch.name} {torch.version} ({torch.build}) came from the pytorch conda "
                    f"channel, which stopped at {PYTORCH_CHANNEL_LAST}: no newer release or fix "
                    "will come from there.",
                    forge_fix(ctx, conda, "Replace it with conda-forge's build (the packages "
                              "of the pytorch channel go first):", gpu=gpu, remove=old))]


def _channel_by_installer(ctx: Ctx, check: str) -> list[Problem]:
    dist = ctx.torch_dist
    if dist is None or dist.installer != "conda":
        return []
    if version_key(dist.version.split("+")[0]) > version_key(PYTORCH_CHANNEL_LAST):
        return []  # newer than the pytorch channel ever had: conda-forge, which is maintained
    return [problem("conda-pytorch-channel-discontinued", check,
                    f"torch {dist.version} was installed by conda, most likely from the pytorch "
                    f"channel, which stopped at {PYTORCH_CHANNEL_LAST}: no newer release or fix "
                    "will come from there.",
                    install_fix(ctx, "Install torch with pip inside this conda environment "
                                     "(after conda remove pytorch):"))]


def _cpu_matters(ctx: Ctx) -> bool:
    from torchdoctor.diagnosis.gpus import gpu_host

    host = gpu_host(ctx)
    return host is not None and host.kind == "CUDA"


def cpu_build(ctx: Ctx, check: str, found_text: str, host: GpuHost) -> Problem:
    """conda-cpu-variant-selected: conda resolved the CPU build on a GPU machine."""
    conda = found(ctx)
    if conda is None or host.kind != "CUDA":
        return problem("conda-cpu-variant-selected", check,
                       f"{found_text}: conda resolved the CPU variant (cpuonly, or a CPU build "
                       "chosen by the solver).",
                       install_fix(ctx, f"Remove the conda package (conda remove pytorch "
                                        f"cpuonly), then install the {host.kind} build with pip "
                                        "in this environment:", compute_prefix=host.compute_prefix))
    torch = _package(conda, *_TORCH)
    pins = [p for p in conda.packages or ()
            if p.name in ("cpuonly", "pytorch-cpu") or (p.name == "pytorch-mutex"
                                                         and p.build == "cpu")]
    dead = torch is not None and is_pytorch_channel(torch.channel)
    build = f" ({torch.build})" if torch is not None and torch.build else ""
    if pins:
        names = ", ".join(p.name for p in pins)
        cause = f"{names} in the environment pin{'s' if len(pins) == 1 else ''} it"
    elif dead:
        cause = "it came from the pytorch channel, which stopped at 2.5.1"
    else:
        cause = ("the solver took it: CUDA builds need the __cuda virtual package, which conda "
                 "sets only where it sees the NVIDIA driver")
    remove = tuple(p.name for p in pins) + (tuple(
        p.name for p in conda.packages or () if is_pytorch_channel(p.channel)
        and p.name not in (q.name for q in pins)) if dead else ())
    return problem("conda-cpu-variant-selected", check,
                   f"{found_text}: conda installed the CPU build{build}; {cause}.",
                   forge_fix(ctx, conda, "Install conda-forge's CUDA build (pytorch-gpu pins "
                             "it):", gpu=True, remove=remove))


def _mixed(ctx: Ctx, check: str, conda: CondaFacts) -> list[Problem]:
    """conda-pip-torch-mixed: conda's record says one torch, pip installed another over it."""
    torch = _package(conda, "pytorch")
    dist = ctx.torch_dist
    if torch is None or dist is None or (dist.installer or "").lower() in ("conda", ""):
        return []
    pip_names = tuple(n for n in ("torch", *_COMPANIONS) if (d := ctx.facts.python.distribution(
        n)) is not None and (d.installer or "").lower() not in ("conda", ""))
    # pip's GPU build stays whatever the GPUs say (unknown is not absent): only conda's record
    # of pytorch goes, and with it conda's claim on the files pip wrote.
    keep_pip = ctx.variant not in (None, "cpu")
    message = (f"conda installed pytorch {torch.version} ({torch.build}, {torch.channel}) and "
               f"{dist.installer} installed torch {dist.version} over it in the same "
               "environment: conda's record no longer matches the files, so the next conda "
               "install, update or remove can break torch.")
    os_name = ctx.os or "linux"
    where = f" -p {quote(conda.prefix, os_name)}" if conda.prefix else ""
    tool = _tool(conda)
    if keep_pip and conda.prefix:
        sep = "\\" if os_name == "windows" else "/"
        record = (f"{conda.prefix.rstrip(sep)}{sep}conda-meta{sep}{torch.name}-{torch.version}-"
                  f"{torch.build}.json")
        drop = (f'Remove-Item -LiteralPath "{record}"' if os_name == "windows"
                else f"rm -- {quote(record, os_name)}")
        fix = Fix(f"Keep {dist.installer}'s torch {dist.version} (a {ctx.variant} build): delete "
                  "conda's record of pytorch, so that conda no longer claims (or removes) the "
                  "files pip wrote; conda's other packages stay. This shows what conda still "
                  "lists afterwards:",
                  (drop, f"{tool} list{where} torch"))
    else:
        spec = f"pytorch={torch.version}={torch.build}" if torch.build else \
            f"pytorch={torch.version}"
        channel = f" -c {torch.channel}" if torch.channel and "/" not in torch.channel else ""
        fix = Fix(f"Keep conda's pytorch {torch.version}: uninstall what {dist.installer} put "
                  "over it, then let conda restore its own files:",
                  (*ctx.pip(f"uninstall -y {' '.join(pip_names or ('torch',))}"),
                   f"{tool} install{where} --force-reinstall{channel} {spec}"))
    return [problem("conda-pip-torch-mixed", check, message, fix)]


def _runtime(ctx: Ctx, check: str, conda: CondaFacts) -> list[Problem]:
    """conda-cuda-too-new: a conda CUDA package needs a newer NVIDIA driver than this one."""
    nvidia = ctx.facts.nvidia
    if nvidia.status != "found" or not (nvidia.driver_version or nvidia.cuda_version):
        return []
    out = []
    for package in conda.packages or ():
        if package.name not in _RUNTIMES:
            continue  # torch's own build: the NVIDIA line's driver-too-old judges it
        cuda = ".".join(package.version.split(".")[:2])
        if "." not in cuda:
            continue
        variant = "cu" + cuda.replace(".", "")
        if driver_runs_variant(ctx.knowledge, variant, ctx.driver_os, nvidia.driver_version,
                               cuda_version=nvidia.cuda_version) is not False:
            continue
        minimum = ctx.knowledge.min_driver(variant, ctx.driver_os)
        driver = nvidia.driver_version or f"for CUDA {nvidia.cuda_version}"
        out.append(problem(
            "conda-cuda-too-new", check,
            f"{package.name} {package.version} ({package.build}) brings CUDA {cuda}, which needs "
            f"NVIDIA driver {minimum or 'a newer driver'} or newer; this driver is {driver} "
            f"(CUDA up to {nvidia.cuda_version or 'unknown'}).",
            _runtime_fix(ctx, conda, minimum)))
        break  # one CUDA runtime decides; the others follow it
    return out


def _runtime_fix(ctx: Ctx, conda: CondaFacts, minimum: str | None) -> Fix:
    best = forge_cuda(ctx)
    if best is not None:
        torch = _package(conda, *_TORCH)
        remove = tuple(p.name for p in conda.packages or () if p.name in _RUNTIMES
                       or (torch is not None and is_pytorch_channel(p.channel)))
        return forge_fix(ctx, conda, f"Install conda-forge's CUDA {best[2:-1]}.{best[-1]} build, "
                         "which this driver runs (the packages that need the newer driver go "
                         "first):", gpu=True, remove=remove)
    return Fix(f"Update the NVIDIA driver to {minimum or 'a newer release'} or newer (your "
               "distribution's driver package, or nvidia.com/drivers); this shows the driver "
               "version afterwards:", ("nvidia-smi",))
