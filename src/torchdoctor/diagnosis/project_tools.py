"""The project rules of one installer each: uv (no PyTorch index, torch-backend that `uv sync`
ignores), conda and pixi (the ended pytorch channel, no CUDA declared), and the lock files
(uv.lock, poetry.lock, pixi.lock) that resolved a build which cannot use this machine's GPU.

Rules: uv-project-no-pytorch-index, uv-torch-backend-ignored, project-pytorch-channel,
pixi-no-cuda-requirement, lock-resolved-cpu-build, lock-resolved-wrong-cuda.
"""

from __future__ import annotations

import re

from torchdoctor.diagnosis.context import Ctx, problem
from torchdoctor.diagnosis.gpus import gpu_host
from torchdoctor.diagnosis.project_view import (
    Found,
    Project,
    add_lines,
    applies,
    apply_commands,
    cuda_mismatch,
    delete_line,
    directory_option,
    exact_pin,
    fitting_variant,
    index_variant,
    locked_variant,
    replace_line,
    short,
    torch_pin,
    variant_url,
)
from torchdoctor.facts import ProjectFile
from torchdoctor.knowledge import cuda_minor, version_key
from torchdoctor.knowledge.conda import PYTORCH_CHANNEL_LAST, PYTORCH_CHANNELS, subdir
from torchdoctor.report import FileEdit, Fix, Problem, Severity

_BACKEND = re.compile(r"cpu|cu\d+|rocm[\d.]+|xpu")
_COMPANIONS = ("torch", "torchvision", "torchaudio")
_LOCK_COMMANDS = {"uv": ("uv lock --upgrade-package torch{d}", "uv sync{d}"),
                  "poetry": ("poetry update torch{d}",),
                  "pixi": ("pixi update {name}{m}", "pixi install{m}")}


def rules(ctx: Ctx, project: Project, check: str, earlier: list[Problem]) -> list[Problem]:
    out = _torch_backend(ctx, project, check)
    if not out:
        out += _uv_no_index(ctx, project, check)
    out += _pytorch_channel(ctx, project, check) + _pixi_cuda(ctx, project, check)
    edited = {e.path for p in (*earlier, *out) if p.fix for e in p.fix.edits}
    tools = {project.tool(f) for f in project.files if f.path in edited}
    return out + _locks(ctx, project, check, tools)


# -- uv -------------------------------------------------------------------------------------------

def _uv_project(project: Project) -> ProjectFile | None:
    file = project.file("pyproject")
    return file if file is not None and project.tool(file) == "uv" else None


def _deps(ctx: Ctx, file: ProjectFile) -> list[str]:
    """torch and its companions among the dependencies `uv sync` installs by default."""
    return list(dict.fromkeys(
        e.name for e in file.entries if e.kind == "requirement" and e.name in _COMPANIONS
        and (e.section or "").startswith(("project.dependencies", "dependency-groups"))
        and applies(ctx, e.marker)))


def _has_pytorch_index(ctx: Ctx, project: Project) -> bool:
    """torch comes from a PyTorch index here: a source that names one (marker true here), a uv
    index that is not explicit, or uv's index-url / extra-index-url."""
    indexes = {f.entry.name: f.entry for f in project.all("index")
               if index_variant(f.entry.value) and (f.file.kind == "uv-toml" or (
                   f.entry.section or "").startswith("tool.uv"))}
    for source in project.all("source", names=("torch",)):
        if source.entry.value in indexes and applies(ctx, source.entry.marker):
            return True
    return any(e.detail != "explicit" for e in indexes.values())


def _pypi_build(ctx: Ctx, file: ProjectFile) -> tuple[str | None, str]:
    """(the variant PyPI's torch is here, the release it is of) for the project's torch."""
    k = ctx.knowledge
    pin = next((exact_pin(e.value) for e in file.entries if e.kind == "requirement"
                and e.name == "torch" and exact_pin(e.value)), None)
    release = (k.release(pin[0]) if pin else None) or k.stable
    return k.pypi_default(release, ctx.os or "", ctx.arch or ""), release.version


def _uv_no_index(ctx: Ctx, project: Project, check: str) -> list[Problem]:
    """uv-project-no-pytorch-index: `uv sync` takes torch from PyPI, whose build cannot use the
    GPU here (Linux: a CUDA build the driver or GPU cannot run; Windows: CPU only)."""
    file = _uv_project(project)
    host = gpu_host(ctx)
    if file is None or host is None or host.kind != "CUDA" or not _deps(ctx, file) or \
            _has_pytorch_index(ctx, project):
        return []
    variant, version = _pypi_build(ctx, file)
    if ctx.os == "windows":
        why, severity = (f"PyPI's torch {version}, which is CPU-only on Windows, although this "
                         f"machine has {host.name}"), Severity.WARNING
    elif ctx.os == "linux" and variant is not None and cuda_mismatch(ctx, variant):
        why, severity = (f"PyPI's torch {version}, the {variant} build: "
                         f"{cuda_mismatch(ctx, variant)}"), None
    else:
        return []
    return [problem("uv-project-no-pytorch-index", check,
                    f"{short(project, file.path)} configures no PyTorch index for torch, so "
                    f"`uv sync` installs {why}.",
                    _snippet_fix(ctx, project, file, "Add the PyTorch index and point torch "
                                 "at it, as uv's PyTorch guide does (the marker keeps macOS on "
                                 "PyPI), then sync:"),
                    severity=severity)]


def _snippet_fix(ctx: Ctx, project: Project, file: ProjectFile, text: str,
                 variant: str | None = None, first: tuple[FileEdit, ...] = ()) -> Fix:
    """The [[tool.uv.index]] and [tool.uv.sources] lines of uv's PyTorch guide for `variant`
    (default: the recommended one), added to the pyproject.toml."""
    variant = variant or fitting_variant(ctx, torch_pin(file))
    table = next((e for e in file.entries if e.kind == "setting" and e.name == "table"
                  and e.value == "tool.uv.sources"), None)
    if variant is None or (table is not None and table.line is None):
        return Fix(f"{text.rstrip(':')}; this prints the lines for this machine:",
                   ("torchdoctor install-command --package uv-project",), first)
    name = f"pytorch-{variant}"
    # uv's guide: CUDA and XPU indexes for Linux and Windows, ROCm for Linux; the CPU index
    # everywhere (no marker).
    marker = "" if variant == "cpu" else ', marker = "sys_platform == \'linux\'"' if \
        variant.startswith("rocm") else \
        ', marker = "sys_platform == \'linux\' or sys_platform == \'win32\'"'
    sources: list[str] = []
    for package in _deps(ctx, file) or ["torch"]:
        sources += [f"{package} = [", f'  {{ index = "{name}"{marker} }},', "]"]
    index = ("", "[[tool.uv.index]]", f'name = "{name}"', f'url = "{variant_url(ctx, variant)}"',
             "explicit = true")
    edits: tuple[FileEdit, ...]
    if table is not None:
        edits = (add_lines(file, tuple(sources), after=table.line), add_lines(file, index))
    else:
        edits = (add_lines(file, ("", "[tool.uv.sources]", *sources, *index)),)
    return Fix(text, apply_commands(ctx, project, file), (*first, *edits))


def _torch_backend(ctx: Ctx, project: Project, check: str) -> list[Problem]:
    """uv-torch-backend-ignored: torch-backend in [tool.uv] / [tool.uv.pip] (or uv.toml) of a
    project that `uv sync` installs: only the `uv pip` interface reads it."""
    file = _uv_project(project)
    if file is None or not _deps(ctx, file) or _has_pytorch_index(ctx, project):
        return []
    out = []
    for found in project.all("setting", names=("torch-backend",)):
        backend = found.entry.value.lower()
        variant = backend if _BACKEND.fullmatch(backend) else fitting_variant(
            ctx, torch_pin(file))
        pypi, _ = _pypi_build(ctx, file)
        where = f"[{found.entry.section}]" if found.entry.section else "uv.toml"
        delete = delete_line(found)
        out.append(problem(
            "uv-torch-backend-ignored", check,
            f"{short(project, found.file.path)} sets torch-backend = \"{found.entry.value}\" in "
            f"{where}, which only the `uv pip` interface reads: `uv sync` and `uv lock` ignore "
            f"it, so this project takes torch from PyPI ({pypi or 'its default build'} here).",
            _snippet_fix(ctx, project, file, "Replace it with the index and sources that `uv "
                         "sync` follows (uv's PyTorch guide), then sync:", variant,
                         (delete,) if delete else ())))
    return out


# -- conda channels and pixi ----------------------------------------------------------------------

def _pytorch_channel(ctx: Ctx, project: Project, check: str) -> list[Problem]:
    """project-pytorch-channel: environment.yml or the pixi manifest names the pytorch channel,
    which ended with 2.5.1 (an error when it asks for a later release: that cannot solve)."""
    out = []
    for file in project.files:
        if file.kind not in ("environment-yml", "pixi-toml", "pyproject"):
            continue
        named = [e for e in file.entries if (e.kind == "channel" and e.name in PYTORCH_CHANNELS)
                 or (e.kind == "requirement" and e.source in PYTORCH_CHANNELS)]
        if not named:
            continue
        later = _later_pin(file)
        asks = f" and asks for {later}, which that channel never had" if later else ""
        edits = _channel_edits(file) if file.kind == "environment-yml" else _pixi_edits(file)
        out.append(problem(
            "project-pytorch-channel", check,
            f"{short(project, file.path)} takes torch from the pytorch conda channel, which "
            f"stopped at {PYTORCH_CHANNEL_LAST}{asks}.",
            Fix("Take it from conda-forge instead" + (
                " (pytorch-gpu and pytorch-cpu pick the build pytorch-cuda and cpuonly picked)"
                if any(e.kind == "requirement" and e.name in ("pytorch-cuda", "cpuonly")
                       for e in file.entries) else "") + ", then install again:",
                apply_commands(ctx, project, file), tuple(edits)),
            severity=Severity.ERROR if later else None))
    return out


def _later_pin(file: ProjectFile) -> str | None:
    for entry in file.entries:
        if entry.kind != "requirement" or entry.name not in ("pytorch", "pytorch-gpu"):
            continue
        found = re.search(r"(\d+\.\d+(?:\.\d+)?)", entry.value)
        if found and version_key(found.group(1)) > version_key(PYTORCH_CHANNEL_LAST)[:len(
                version_key(found.group(1)))]:
            return f"{entry.name} {entry.value}"
    return None


def _channel_edits(file: ProjectFile) -> list[FileEdit]:
    """environment.yml: the pytorch (and, with pytorch-cuda, nvidia) channel lines go, with
    conda-forge in their place when it is not listed; pytorch-cuda becomes pytorch-gpu, cpuonly
    pytorch-cpu, and `pytorch::` prefixes go."""
    entries = file.entries
    channels = [e.name for e in entries if e.kind == "channel"]
    cuda = any(e.name == "pytorch-cuda" for e in entries if e.kind == "requirement")
    edits: list[FileEdit | None] = []
    forge_added = "conda-forge" in channels
    for entry in entries:
        found = Found(file, entry)
        text = entry.text or ""
        if entry.kind == "channel" and (entry.name in PYTORCH_CHANNELS or
                                        (entry.name == "nvidia" and cuda)):
            if not forge_added and entry.name in PYTORCH_CHANNELS:
                edits.append(replace_line(found, text.replace(entry.name, "conda-forge", 1)))
                forge_added = True
            else:
                edits.append(delete_line(found))
        elif entry.kind == "requirement":
            edits.append(_conda_requirement_edit(found))
    return [e for e in edits if e is not None]


def _conda_requirement_edit(found: Found) -> FileEdit | None:
    entry, text = found.entry, found.entry.text or ""
    if entry.name == "pytorch-mutex":
        return delete_line(found)
    replacement = {"pytorch-cuda": "pytorch-gpu", "cpuonly": "pytorch-cpu"}.get(entry.name)
    if replacement:
        token = re.compile(rf"(?:[\w.-]+::)?{re.escape(entry.name)}[^\s#'\"]*")
        return replace_line(found, token.sub(replacement, text, count=1))
    if entry.source in PYTORCH_CHANNELS:
        return replace_line(found, text.replace(f"{entry.source}::", "", 1))
    return None


def _pixi_edits(file: ProjectFile) -> list[FileEdit]:
    """pixi: the channels list without pytorch and nvidia (conda-forge first), pytorch-cuda as
    pytorch-gpu, and `channel = "pytorch"` taken out of dependency tables."""
    edits: list[FileEdit | None] = []
    channel_lines = {e.line: e for e in file.entries if e.kind == "channel"}
    cuda = any(e.name == "pytorch-cuda" for e in file.entries if e.kind == "requirement")
    for entry in channel_lines.values():
        names = [e.name for e in file.entries if e.kind == "channel" and e.line == entry.line]
        text = entry.text or ""
        if not all(f'"{n}"' in text or f"'{n}'" in text for n in names) or "[" not in text:
            continue  # a list over several lines: the message says what to change
        kept = [n for n in names if n not in PYTORCH_CHANNELS and not (n == "nvidia" and cuda)]
        kept = ["conda-forge", *[n for n in kept if n != "conda-forge"]]
        literal = "[" + ", ".join(f'"{n}"' for n in kept) + "]"
        edits.append(replace_line(Found(file, entry), re.sub(r"\[.*\]", literal, text, count=1)))
    for entry in file.entries:
        if entry.kind != "requirement" or not entry.text:
            continue
        if entry.name == "pytorch-cuda":
            indent = entry.text[:len(entry.text) - len(entry.text.lstrip())]
            edits.append(replace_line(Found(file, entry), f'{indent}pytorch-gpu = "*"'))
        elif entry.source in PYTORCH_CHANNELS:
            new = re.sub(r",\s*channel\s*=\s*[\"'][\w-]+[\"']", "", entry.text, count=1)
            if new == entry.text:
                new = re.sub(r"channel\s*=\s*[\"'][\w-]+[\"']\s*,?\s*", "", entry.text, count=1)
            edits.append(replace_line(Found(file, entry), re.sub(r"\{\s*\}", '"*"', new)))
    return [e for e in edits if e is not None]


def _pixi_cuda(ctx: Ctx, project: Project, check: str) -> list[Problem]:
    """pixi-no-cuda-requirement: a pixi workspace that asks for pytorch(-gpu) and declares no
    CUDA: pixi resolves without looking at the machine, so it takes the CPU build (pytorch) or
    cannot solve (pytorch-gpu)."""
    host = gpu_host(ctx)
    if host is None or host.kind != "CUDA":
        return []
    here = subdir(ctx.os, ctx.arch)
    out = []
    for file in project.files:
        pixi = file.kind == "pixi-toml" or (file.kind == "pyproject" and project.tool(file) ==
                                            "pixi")
        if not pixi or any(e.kind == "setting" and e.name == "cuda" for e in file.entries):
            continue
        wants = [e for e in file.entries if e.kind == "requirement"
                 and e.name in ("pytorch", "pytorch-gpu")]
        platforms = next((e.value.split(",") for e in file.entries
                          if e.kind == "setting" and e.name == "platforms"), None)
        if not wants or (platforms is not None and here not in platforms):
            continue
        gpu = any(e.name == "pytorch-gpu" for e in wants)
        result = "cannot solve pytorch-gpu (it needs __cuda)" if gpu else \
            "resolves pytorch's CPU build"
        table = "[tool.pixi.system-requirements]" if file.kind == "pyproject" else \
            "[system-requirements]"
        major = _cuda_major(ctx)
        out.append(problem(
            "pixi-no-cuda-requirement", check,
            f"{short(project, file.path)} declares no CUDA, so pixi {result}, although this "
            f"machine has {host.name}.",
            Fix("Declare the CUDA the machine has (pixi reads it as the __cuda virtual "
                "package), then install again:", apply_commands(ctx, project, file),
                (add_lines(file, ("", table, f'cuda = "{major}"')),))))
    return out


def _cuda_major(ctx: Ctx) -> str:
    """The CUDA major release to declare: that of conda-forge's build for this driver and these
    GPUs (a Pascal GPU needs the CUDA 12 build, whatever the driver allows), else what the driver
    reports, else 12."""
    from torchdoctor.diagnosis.conda import forge_cuda

    best = forge_cuda(ctx)
    if best is not None:
        return best[2:-1]
    reported = ctx.facts.nvidia.cuda_version or ""
    return reported.split(".")[0] if reported[:1].isdigit() else "12"


# -- locks ----------------------------------------------------------------------------------------

def _locks(ctx: Ctx, project: Project, check: str, tools: set[str]) -> list[Problem]:
    """lock-resolved-cpu-build / lock-resolved-wrong-cuda: what a lock file resolved for this
    platform cannot use the GPU, while the manifests look right (else their finding says it)."""
    host = gpu_host(ctx)
    if host is None or host.kind != "CUDA":
        return []
    here = subdir(ctx.os, ctx.arch) or ""
    out = []
    for file in project.files:
        tool = project.tool(file)
        if not file.kind.endswith("-lock") or tool in tools:
            continue
        locked = [e for e in file.entries if e.kind == "locked" and e.name in
                  ("torch", "pytorch", "libtorch") and applies(ctx, e.marker)
                  and (file.kind != "pixi-lock" or (e.section or "").endswith(here))]
        variants = {e.value: locked_variant(ctx, e) for e in locked}
        known = {v for v in variants.values() if v}
        if not known:
            continue
        cuda = [v for v in known if cuda_minor(v)]
        if known == {"cpu"}:
            code, why = "lock-resolved-cpu-build", \
                f"a CPU-only build, although this machine has {host.name}"
        elif cuda and all(cuda_mismatch(ctx, v) for v in cuda) and "cpu" not in known:
            code, why = "lock-resolved-wrong-cuda", \
                f"which cannot run here: {cuda_mismatch(ctx, cuda[0])}"
        else:
            continue
        resolved = ", ".join(f"{v} ({variant})" for v, variant in variants.items() if variant)
        name = locked[0].name
        folder = project.facts.directory or "."
        d = directory_option(ctx, project, "--directory", folder)
        m = directory_option(ctx, project, "--manifest-path", folder)
        commands = tuple(c.format(d=d, m=m, name=name) for c in _LOCK_COMMANDS.get(tool, ()))
        out.append(problem(
            code, check,
            f"{short(project, file.path)} resolved {name} {resolved} for this platform, "
            f"{why}.",
            Fix("Nothing in the project files asks for that build (the lock predates them, or was "
                "made for another machine): resolve torch again:", commands)))
    return out


__all__ = ["rules"]
