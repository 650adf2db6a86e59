"""What the project rules share: the project's files and entries, whether an entry applies to
this machine (its environment marker), which build an index or a lock entry means, and the
pieces of a fix — the edit of a file and the command that applies it with the project's own tool.

Pure: reads the facts (docs/facts.md, "project") and the knowledge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from torchdoctor.diagnosis.context import Ctx
from torchdoctor.facts import ProjectEntry, ProjectFacts, ProjectFile
from torchdoctor.knowledge import cuda_minor, version_key
from torchdoctor.knowledge.compat import (
    driver_runs_variant,
    local_tag_variant,
    sm_name,
    variant_runs_on_gpu,
)
from torchdoctor.knowledge.conda import build_variant
from torchdoctor.recommend.shell import quote
from torchdoctor.report import FileEdit

_INDEX = re.compile(r"download\.pytorch\.org/whl/(?:(?:nightly|test)/)?(cpu|cu\d+|rocm[\d.]+|xpu)"
                    r"(?=/|$|\s)")
_PIN = re.compile(r"^\s*(?:===?|=)?\s*v?(\d+\.\d+(?:\.\d+)?)(?:\+([\w.]+))?(?:\.\*)?\s*$")
_SYS_PLATFORM = {"linux": "linux", "windows": "win32", "macos": "darwin"}
_SYSTEM = {"linux": "Linux", "windows": "Windows", "macos": "Darwin"}
PIP_KINDS = ("pyproject", "requirements", "environment-yml", "pixi-toml")
LOCK_KINDS = ("uv-lock", "poetry-lock", "pixi-lock")


@dataclass(frozen=True)
class Found:
    """An entry and the file it stands in."""

    file: ProjectFile
    entry: ProjectEntry


@dataclass(frozen=True)
class Project:
    """The project facts, read for the rules."""

    facts: ProjectFacts

    @property
    def files(self) -> tuple[ProjectFile, ...]:
        return tuple(f for f in self.facts.files or () if f.read)

    def all(self, kind: str, *, names: tuple[str, ...] = (), files: tuple[str, ...] = ()
            ) -> list[Found]:
        """Every entry of `kind` (with one of `names`, in a file of one of `files` kinds)."""
        return [Found(f, e) for f in self.files if not files or f.kind in files
                for e in f.entries if e.kind == kind and (not names or e.name in names)]

    def file(self, kind: str) -> ProjectFile | None:
        return next((f for f in self.files if f.kind == kind), None)

    def tool(self, file: ProjectFile) -> str:
        """Which tool installs from `file`: uv | poetry | pixi | conda | pip."""
        if file.kind in ("uv-lock", "uv-toml"):
            return "uv"
        if file.kind == "poetry-lock":
            return "poetry"
        if file.kind in ("pixi-toml", "pixi-lock") or any(
                e.section and e.section.startswith("tool.pixi") for e in file.entries):
            return "pixi" if file.kind != "pyproject" or self._pixi_deps(file) else "pip"
        if file.kind == "environment-yml":
            return "conda"
        if file.kind == "pyproject":
            tools = {e.value for e in file.entries if e.kind == "setting" and e.name == "tool"}
            if "uv" in tools or self.file("uv-lock"):
                return "uv"
            if "poetry" in tools or self.file("poetry-lock"):
                return "poetry"
        return "pip"

    @staticmethod
    def _pixi_deps(file: ProjectFile) -> bool:
        return any(e.kind == "requirement" and (e.section or "").startswith("tool.pixi")
                   for e in file.entries)


def project_of(ctx: Ctx) -> Project | None:
    facts = ctx.facts.project
    return Project(facts) if facts is not None and facts.status == "found" else None


def marker_environment(ctx: Ctx) -> dict[str, str] | None:
    """PEP 508 marker values of the target (None when its OS or Python is not known)."""
    py = ctx.facts.python
    if ctx.os not in _SYS_PLATFORM or not py.version:
        return None
    implementation = py.implementation or "cpython"
    version = ".".join(py.version.split(".")[:2])
    return {
        "implementation_name": implementation,
        "implementation_version": py.version,
        "os_name": "nt" if ctx.os == "windows" else "posix",
        "platform_machine": py.machine or ctx.facts.os.arch or "",
        "platform_release": ctx.facts.os.kernel or "",
        "platform_system": _SYSTEM[ctx.os],
        "platform_version": "",
        "python_full_version": py.version,
        "platform_python_implementation": {"cpython": "CPython", "pypy": "PyPy"}.get(
            implementation, implementation),
        "python_version": version,
        "sys_platform": _SYS_PLATFORM[ctx.os],
        "extra": "",
    }


def applies(ctx: Ctx, marker: str | None) -> bool:
    """Whether an entry with this marker is for this machine. A marker that names an extra
    (`extra == 'cu128'`) is a choice the user makes, so it does not apply by itself; one that
    cannot be evaluated is taken to apply (unknown is not absent)."""
    if not marker:
        return True
    from packaging.markers import InvalidMarker, Marker, UndefinedComparison

    environment = marker_environment(ctx)
    if environment is None:
        return True
    try:
        return bool(Marker(marker).evaluate(environment))
    except (InvalidMarker, UndefinedComparison, ValueError):
        return True


def index_variant(url: str) -> str | None:
    """The build a PyTorch index serves: ".../whl/cu126" -> "cu126", ".../whl/cpu" -> "cpu"."""
    found = _INDEX.search(url)
    return found.group(1) if found else None


def exact_pin(value: str) -> tuple[str, str | None] | None:
    """(version, local tag) of an exact pin: "==2.5.1", "==2.5.1+cu124", "2.5.1" (Poetry),
    "=2.5.1" (conda); None for a range or anything looser."""
    found = _PIN.match(value)
    if not found or "," in value or value.strip().endswith(".*"):
        return None
    version = found.group(1)
    return (version if len(version_key(version)) == 3 else f"{version}.0"), found.group(2)


def locked_variant(ctx: Ctx, entry: ProjectEntry) -> str | None:
    """The build a lock entry resolved: its local tag, its conda build string, or for an
    untagged wheel from PyPI, the PyPI default of that release on this OS."""
    if entry.detail and entry.detail not in ("wheel", "registry", "legacy", "url"):
        return build_variant(entry.name, entry.detail)  # a conda build string
    version, _, tag = entry.value.partition("+")
    if tag:
        return local_tag_variant(tag)
    if entry.source and index_variant(entry.source):
        return index_variant(entry.source)
    release = ctx.knowledge.release(version)
    if release is None or ctx.os is None or ctx.arch is None:
        return None
    return ctx.knowledge.pypi_default(release, ctx.os, ctx.arch)


def variant_url(ctx: Ctx, variant: str) -> str:
    """The PyTorch index of a variant."""
    known = ctx.knowledge.stable.variants.get(ctx.os or "linux", {}).get(variant)
    return str(known) if known else f"https://download.pytorch.org/whl/{variant}"


def wanted_variant(ctx: Ctx, *, gpu: bool = False) -> str | None:
    """The variant the recommendation picked for this machine (a GPU one when `gpu`)."""
    plan = ctx.plan
    if plan is None or plan.compute in ("default", ""):
        return None
    if gpu and not plan.compute.startswith(("cu", "rocm", "xpu")):
        return None
    return plan.compute


def cuda_mismatch(ctx: Ctx, variant: str) -> str | None:
    """Why a CUDA variant cannot run on this machine's driver or GPUs; None when it can (or it
    cannot be told)."""
    if not cuda_minor(variant) or ctx.os is None or ctx.arch is None:
        return None
    nvidia, k = ctx.facts.nvidia, ctx.knowledge
    if nvidia.status == "found" and driver_runs_variant(
            k, variant, ctx.driver_os, nvidia.driver_version,
            cuda_version=nvidia.cuda_version) is False:
        minimum = k.min_driver(variant, ctx.driver_os)
        return (f"it needs NVIDIA driver {minimum or 'a newer driver'} or newer, and this driver "
                f"is {nvidia.driver_version or nvidia.cuda_version}")
    for gpu in ctx.nvidia_gpus:
        cc = gpu.compute_capability
        if cc and variant_runs_on_gpu(k, variant, ctx.os, ctx.arch, cc) is False:
            return (f"it carries no kernels for {gpu.name} ({sm_name(cc)}), so CUDA calls fail "
                    "with \"no kernel image is available\"")
    return None


def fitting_variant(ctx: Ctx, version: str | None) -> str | None:
    """The recommended GPU variant, or, when the project pins a release that lacks it, that
    release's newest variant of the same kind that runs here (None: none does)."""
    wanted = wanted_variant(ctx, gpu=True)
    k = ctx.knowledge
    release = k.release(version) if version else None
    if release is None or wanted is None or ctx.os is None or ctx.arch is None:
        return wanted
    have = k.variants(release, ctx.os, ctx.arch)
    if wanted in have:
        return wanted
    kind = "cu" if wanted.startswith("cu") else wanted.rstrip("0123456789.")
    fitting = [v for v in have if v.startswith(kind) and cuda_mismatch(ctx, v) is None]
    return max(fitting, key=lambda v: version_key(cuda_minor(v) or v[len(kind):]),
               default=None)


def torch_pin(file: ProjectFile) -> str | None:
    """The release the file pins torch to exactly, if it does."""
    for entry in file.entries:
        pin = exact_pin(entry.value) if entry.kind == "requirement" and \
            entry.name in ("torch", "pytorch") else None
        if pin:
            return pin[0]
    return None


# -- fixes ----------------------------------------------------------------------------------------

def replace_line(found: Found, new: str) -> FileEdit | None:
    """The edit that puts `new` in place of the entry's line (None when its line is unknown)."""
    entry = found.entry
    if entry.line is None or entry.text is None or new == entry.text:
        return None
    return FileEdit(found.file.path, entry.line, (entry.text,), (new,))


def delete_line(found: Found) -> FileEdit | None:
    entry = found.entry
    if entry.line is None or entry.text is None:
        return None
    return FileEdit(found.file.path, entry.line, (entry.text,), ())


def add_lines(file: ProjectFile, lines: tuple[str, ...], after: int | None = None) -> FileEdit:
    return FileEdit(file.path, after, (), lines)


def directory_option(ctx: Ctx, project: Project, flag: str, path: str) -> str:
    """` --directory DIR` where the project is not the working directory, else nothing."""
    if project.facts.chosen_by == "cwd":
        return ""
    return f" {flag} {quote(path, ctx.os or 'linux')}"


def apply_commands(ctx: Ctx, project: Project, file: ProjectFile, *,
                   replace: bool = False) -> tuple[str, ...]:
    """The commands that install what the edited file now says, with the file's own tool.
    `replace`: the installed torch must go first (a pip requirement of the same version with
    another build would count as satisfied)."""
    tool = project.tool(file)
    folder = project.facts.directory or "."
    os_name = ctx.os or "linux"
    if tool == "uv":
        return (f"uv sync{directory_option(ctx, project, '--directory', folder)}",)
    if tool == "poetry":
        option = directory_option(ctx, project, "--directory", folder)
        return (f"poetry lock{option}", f"poetry install{option}")
    if tool == "pixi":
        manifest = file.path if file.kind != "pixi-lock" else folder
        return (f"pixi install{directory_option(ctx, project, '--manifest-path', manifest)}",)
    if tool == "conda":
        return (f"conda env update --file {quote(file.path, os_name)} --prune",)
    first = ctx.pip("uninstall -y torch torchvision torchaudio") if replace and ctx.installed \
        else ()
    if file.kind == "pyproject":
        return (*first, *ctx.pip(f"install -e {quote(folder, os_name)}"))
    return (*first, *ctx.pip(f"install -r {quote(file.path, os_name)}"))


def short(project: Project, path: str) -> str:
    """A file as messages name it: relative to the project folder."""
    folder = (project.facts.directory or "").rstrip("/\\")
    if folder and path.startswith(folder) and len(path) > len(folder):
        return path[len(folder) + 1:]
    return path
