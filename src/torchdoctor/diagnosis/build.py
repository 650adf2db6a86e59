"""The `torch` check: the installed build, and whether it fits this machine.

Rules: cpu-build-on-gpu-host, conda-cpu-variant-selected, index-resolution-cpu-wheel,
xpu-cpu-build, gpu-arch-not-in-wheel, gpu-arch-dropped-from-wheel, torch-shadowed-by-local-file,
multiple-torch-installs, user-site-shadowing, conda-pytorch-channel-discontinued,
torch-not-installed, torch-install-broken; companions.py adds the library rules, conda.py those of
a conda environment.
"""

from __future__ import annotations

import shlex

from torchdoctor.diagnosis import companions, conda, indexes
from torchdoctor.diagnosis.context import (
    UNUSABLE_PYTHON,
    Ctx,
    install_fix,
    join,
    make_check,
    probe_failed,
    problem,
)
from torchdoctor.diagnosis.gpus import gpu_host
from torchdoctor.knowledge import cuda_minor, version_key
from torchdoctor.knowledge.compat import archs_from_list, sm_name, variant_runs_on_gpu
from torchdoctor.knowledge.conda import PYTORCH_CHANNEL_LAST
from torchdoctor.report import Check, Fix, Problem, Severity

ID, TITLE = "torch", "PyTorch"
CONDA_CHANNEL_LAST = PYTORCH_CHANNEL_LAST  # the pytorch conda channel's last release


def check(ctx: Ctx) -> Check:
    p = ctx.facts.python
    if p.status != "found":
        if p.failure in UNUSABLE_PYTHON:
            return make_check(ID, TITLE, "not checked: the target interpreter cannot be used",
                              not_applicable=True)
        return make_check(ID, TITLE, "", unknown="the target interpreter could not be inspected")
    if not ctx.torch_known:
        why = p.reason or "the package list was not read"
        return make_check(ID, TITLE, "", [probe_failed(
            ID, f"The installed packages could not be read ({why}); the torch "
            "build was not judged.")], unknown=why)
    always = [*_shadow(ctx), *_pythonpath(ctx), *indexes.settings(ctx, ID), *conda.unknown(ctx, ID)]
    if not ctx.installed:
        missing = problem("torch-not-installed", ID,
                          f"torch is not installed in {p.executable or 'this environment'}.",
                          install_fix(ctx, "Install it:"), severity=Severity.INFO)
        return make_check(ID, TITLE, "not installed", [*always, missing], not_applicable=True)
    dist, copies = ctx.torch_dist, p.torch_copies or ()
    summary = join(ctx.torch_version or "unknown version", _build_name(ctx),
                   f"installed by {dist.installer}" if dist and dist.installer
                   and dist.installer != "pip" else None,
                   f"{len(copies)} copies on sys.path" if len(copies) > 1 else None)
    problems = [*always, *_broken(ctx), *_unreadable_records(ctx), *_leftovers(ctx),
                *_cpu_build(ctx), *_arch(ctx), *_copies(ctx), *conda.channel(ctx, ID),
                *conda.rules(ctx, ID), *companions.rules(ctx, ID)]
    details = [f"{c.version or '?'} at {c.path}" for c in copies]
    return make_check(ID, TITLE, summary, problems, details)


def _broken(ctx: Ctx) -> list[Problem]:
    """pip's record without the package, or the package without pip's record."""
    state = ctx.facts.python.torch_state
    if state not in ("metadata-only", "package-only"):
        return []
    version = ctx.torch_version or ""
    if state == "metadata-only":
        where = ctx.torch_dist.location if ctx.torch_dist else "site-packages"
        what = (f"pip's record says torch {version} is installed, but its package is missing "
                f"from {where} (no torch/__init__.py: deleted, or an upgrade was interrupted): "
                "`import torch` fails while pip reports torch as installed.")
    else:
        where = ctx.torch.path if ctx.torch else "site-packages"
        what = (f"torch {version or '(version unknown)'} is in {where}, but pip has no record of "
                "it (its .dist-info folder is gone): pip can neither upgrade nor uninstall it, "
                "and `pip install torch` would install a second copy over it.")
    public = version.split("+")[0]
    if not public:
        return [problem("torch-install-broken", ID, what,
                        Fix("Delete the torch folder named above, then install torch again."))]
    index = companions.index_of_installed(ctx)
    where_from = f" --index-url {index}" if index else ""
    return [problem("torch-install-broken", ID, what,
                    Fix(f"Reinstall torch {public} over what is there (--no-deps keeps "
                        "everything else as it is):",
                        ctx.pip(f"install --force-reinstall --no-deps torch=={public}"
                                f"{where_from}")))]


def _unreadable_records(ctx: Ctx) -> list[Problem]:
    """pip's record (METADATA) of torch or a package beside it is junk: pip stops on it (or
    skips it) in this environment, although `import` still works. The record is deleted and the
    package reinstalled over itself."""
    out = []
    for dist in ctx.facts.python.distributions or ():
        if dist.metadata_ok is not False or not dist.record:
            continue
        sep = "\\" if ctx.os == "windows" else "/"
        folder = f"{dist.location.rstrip(sep)}{sep}{dist.record}"
        remove = (f'Remove-Item -Recurse -Force -LiteralPath "{folder}"' if ctx.os == "windows"
                  else f"rm -rf -- {shlex.quote(folder)}")
        torch_like = dist.name in ("torch", "torchvision", "torchaudio")
        index = companions.index_of_installed(ctx) if torch_like else None
        version = dist.version.split("+")[0] if index else dist.version
        pin = f"{dist.name}=={version}" + (f" --index-url {index}" if index else "")
        out.append(problem("torch-install-broken", ID,
                           f"pip's record of {dist.name} {dist.version} ({folder}/METADATA) "
                           "is unreadable: pip stops or skips it in this environment, so it "
                           "can neither upgrade nor uninstall it.",
                           Fix(f"Delete the broken record, then reinstall {dist.name} "
                               f"{dist.version} over itself (--no-deps keeps everything else):",
                               (remove,
                                *ctx.pip(f"install --force-reinstall --no-deps {pin}"))),
                           severity=Severity.ERROR if dist.name == "torch" else
                           Severity.WARNING))
    return out


def _leftovers(ctx: Ctx) -> list[Problem]:
    """What an interrupted pip run left: harmless to import, but pip warns on every run and
    may count them as installed."""
    found = ctx.facts.python.pip_leftovers or ()
    if not found:
        return []
    if ctx.os == "windows":
        commands = tuple(f'Remove-Item -Recurse -Force -LiteralPath "{path}"' for path in found)
    else:
        commands = tuple(f"rm -rf -- {shlex.quote(path)}" for path in found)
    return [problem("torch-install-broken", ID,
                    f"An interrupted pip run left {', '.join(found)} behind: pip warns "
                    "\"Ignoring invalid distribution\" on every run, and a later install may "
                    "stop on them.",
                    Fix("Delete these leftovers (pip's own half-removed copies; nothing imports "
                        "them):", commands),
                    severity=Severity.WARNING)]


def _build_name(ctx: Ctx) -> str:
    variant, torch = ctx.variant or "", ctx.torch
    if cuda_minor(variant):
        return f"CUDA {torch.cuda if torch and torch.cuda else cuda_minor(variant)} build"
    if variant.startswith("rocm"):
        return f"ROCm {variant[4:]} build"
    if variant == "xpu":
        return "XPU build"
    if variant == "cpu":
        return "CPU + MPS build" if ctx.os == "macos" and ctx.arch == "arm64" else "CPU build"
    return "build not known"


def _cpu_build(ctx: Ctx) -> list[Problem]:
    if ctx.variant != "cpu":
        return []
    host = gpu_host(ctx)
    if host is None:
        return _xpu(ctx)
    found = f"torch {ctx.torch_label} is a CPU-only build, but this machine has {host.name}"
    kind, prefix, ready = host.kind, host.compute_prefix, host.ready
    dist = ctx.torch_dist
    if dist is not None and dist.installer == "conda":
        return [conda.cpu_build(ctx, ID, found, host)]
    cause = indexes.cpu_cause(ctx)
    if cause is not None:
        return [problem("index-resolution-cpu-wheel", ID, f"{found}: {cause}.",
                        install_fix(ctx, f"Fix the index settings, then replace it with the "
                                         f"{kind} build:", compute_prefix=prefix),
                        severity=Severity.ERROR)]
    if not ready:
        return [problem("cpu-build-on-gpu-host", ID, f"{found} (its driver is not loaded yet).",
                        install_fix(ctx, f"Install the {kind} build once the driver is in "
                                         "(see the NVIDIA line):", compute_prefix=prefix),
                        severity=Severity.WARNING)]
    return [problem("cpu-build-on-gpu-host", ID, f"{found}; this build cannot use it.",
                    install_fix(ctx, f"Replace it with the {kind} build:", compute_prefix=prefix))]


def _xpu(ctx: Ctx) -> list[Problem]:
    intel = ctx.facts.intel
    capable = [g for g in intel.gpus or () if g.xpu]
    if not capable or ctx.os not in ("linux", "windows"):
        return []
    gpu = next((g for g in capable if g.kind == "discrete"), capable[0])
    return [problem("xpu-cpu-build", ID,
                    f"torch {ctx.torch_label} is a CPU-only build, but "
                    f"{gpu.name or 'an Intel GPU'} is supported by PyTorch's XPU build.",
                    install_fix(ctx, "To use it, install the XPU build:", compute_prefix="xpu"),
                    # An integrated GPU shares the CPU's memory and is rarely what a user means
                    # torch to run on: worth knowing, not a failure of the install.
                    severity=None if gpu.kind == "discrete" else Severity.INFO)]


def _arch(ctx: Ctx) -> list[Problem]:
    variant, k = ctx.variant or "", ctx.knowledge
    if not cuda_minor(variant) or ctx.os is None or ctx.arch is None:
        return []
    # What the imported build reported (a verification ran) beats the table.
    copy = ctx.facts.python.torch
    reported = archs_from_list(copy.arch_list) if copy and copy.arch_list else None
    archs = reported if reported and reported.sm else k.compute_capabilities(variant, ctx.os,
                                                                            ctx.arch)
    runs = {g.index: variant_runs_on_gpu(k, variant, ctx.os, ctx.arch, g.compute_capability,
                                         archs)
            for g in ctx.nvidia_gpus if g.compute_capability}
    out = []
    for gpu in ctx.nvidia_gpus:
        cc = gpu.compute_capability
        if not cc or runs.get(gpu.index) is not False:
            continue
        if any(runs.get(g.index) for g in ctx.nvidia_gpus) and _no_current_wheel(ctx, cc):
            continue  # beside GPUs it runs on: the NVIDIA line names the legacy card
        sms = archs.sm if archs else ()
        ptx = f" (+PTX {', '.join(archs.ptx)})" if archs and archs.ptx else ""
        span = ", ".join(sm_name(s) for s in sms) + ptx
        older = bool(sms) and version_key(cc) < min(version_key(s) for s in sms)
        code = "gpu-arch-dropped-from-wheel" if older else "gpu-arch-not-in-wheel"
        out.append(problem(code, ID,
                           f"{gpu.name} is {sm_name(cc)}; torch {ctx.torch_label} carries "
                           f"kernels for {span} only, so CUDA calls fail with \"no kernel image "
                           "is available\".",
                           install_fix(ctx, "Install a build with kernels for this GPU:",
                                       compute_prefix="cu")))
    return out


def _no_current_wheel(ctx: Ctx, cc: str) -> bool:
    """No CUDA build of the stable release has kernels for this capability."""
    k = ctx.knowledge
    assert ctx.os
    assert ctx.arch
    variants = [v for v in k.variants(k.stable, ctx.os, ctx.arch) if cuda_minor(v)]
    return bool(variants) and all(
        variant_runs_on_gpu(k, v, ctx.os, ctx.arch, cc) is False for v in variants)


def _shadow(ctx: Ctx) -> list[Problem]:
    p = ctx.facts.python
    if not p.cwd_shadow or _safe_path(ctx):
        return []
    if p.cwd_shadow.endswith("(namespace)"):
        if ctx.installed or ctx.facts.python.torch_state == "unknown":
            return []  # an installed regular package wins over a namespace folder
        return [problem("torch-shadowed-by-local-file", ID,
                        f"torch is not installed, and the torch/ folder without __init__.py in the "
                        f"working directory ({p.cwd}) makes `import torch` succeed as an empty "
                        "namespace: errors come later (\"module 'torch' has no attribute ...\").",
                        Fix("Rename the torch/ folder (this prints nothing when it worked), then "
                            "install torch:", (_rename(ctx, "torch", "torch_local"),)))]
    name = p.cwd_shadow.rstrip("/")
    stem, dot, ext = name.partition(".")
    renamed = f"{stem}_local{dot}{ext}"
    return [problem("torch-shadowed-by-local-file", ID,
                    f"{p.cwd_shadow} in the working directory ({p.cwd}) is imported instead of "
                    "the installed torch when Python starts there.",
                    Fix(f"Rename {p.cwd_shadow} (and delete a __pycache__ folder next to it), or "
                        "run your code from another directory. In the working directory:",
                        (_rename(ctx, name, renamed),)))]


def _rename(ctx: Ctx, old: str, new: str) -> str:
    """The command that renames `old` to `new` in the working directory, in the target's shell
    (POSIX sh, else PowerShell on Windows); it refuses to overwrite."""
    if ctx.os == "windows":
        return f"Rename-Item -LiteralPath {old} -NewName {new}"
    return f"mv -n -- {old} {new}"


def _safe_path(ctx: Ctx) -> bool:
    """PYTHONSAFEPATH (Python 3.11+) keeps the working directory off sys.path: nothing there
    shadows torch."""
    safe = ctx.facts.env.variables.get("PYTHONSAFEPATH", "")
    version = tuple(int(x) for x in (ctx.facts.python.version or "0.0").split(".")[:2]
                    if x.isdigit())
    return safe != "" and version >= (3, 11)


def _pythonpath(ctx: Ctx) -> list[Problem]:
    """A torch on PYTHONPATH wins over the environment's in every shell that sets it; the check's
    own interpreter runs isolated and would not see it."""
    found = ctx.facts.env.pythonpath_torch or ()
    if not found:
        return []
    value = ctx.facts.env.variables.get("PYTHONPATH", "")
    separator = ";" if ctx.os == "windows" else ":"
    kept = separator.join(e for e in value.split(separator) if e and e not in found)
    if ctx.os == "windows":
        command = f'$env:PYTHONPATH="{kept}"' if kept else "Remove-Item Env:PYTHONPATH"
    else:
        command = f"export PYTHONPATH={kept}" if kept else "unset PYTHONPATH"
    own = f" instead of {ctx.torch_label}" if ctx.installed else ""
    return [problem("multiple-torch-installs", ID,
                    f"PYTHONPATH puts a torch package in front of this environment's: "
                    f"`import torch` loads the one in {', '.join(found)}{own}.",
                    Fix("In the shell that runs your code, drop those folders from PYTHONPATH "
                        "(and from the profile that sets it):", (command,)))]


def _copies(ctx: Ctx) -> list[Problem]:
    p = ctx.facts.python
    copies = p.torch_copies or ()
    if not copies:
        return []
    first = copies[0]
    listed = "; ".join(f"{c.version or '?'} at {c.path}" for c in copies)
    if first.in_user_site and len(copies) > 1:
        return [problem("user-site-shadowing", ID,
                        f"import torch loads {first.version or 'torch'} from the user site "
                        f"({first.path}), not from this {p.env_kind or 'environment'}: {listed}.",
                        Fix("Uninstall the user-site copy: pip removes the first torch on "
                            "sys.path, which is this one, and the environment's torch "
                            f"{copies[1].version or ''} loads again. (Or keep it and set "
                            "PYTHONNOUSERSITE=1 where this environment runs.)",
                            ctx.pip("uninstall -y torch")))]
    if len(copies) > 1:
        return [problem("multiple-torch-installs", ID,
                        f"{len(copies)} torch copies are on sys.path and the first wins: {listed}.",
                        Fix("Keep one: uninstall the others (pip uninstall torch in the "
                            "environment that owns each, or conda remove pytorch), then "
                            "reinstall the one you want. This shows which copy `import torch` "
                            "loads:", (f"{ctx.python_cmd} -c "
                                       "\"import torch; print(torch.__file__)\"",)))]
    return []
