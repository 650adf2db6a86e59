"""Turn resolved axes into the command pytorch.org prints: pure lookups in the knowledge.

Which page: `stable`/`nightly` (and the stable's own number) use the Start Locally selector, Intel
XPU the additional-platforms selector, an older release the Previous PyTorch Versions page (pip and
conda) or the selector's stored entry for that release (LibTorch). A choice pytorch.org does not
offer raises `InstallError`, whose message is one line: why, and what exists instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from torchdoctor.install import validate
from torchdoctor.install.axes import Axes
from torchdoctor.install.forms import index_url_of, to_uv, uv_project_snippet
from torchdoctor.install.validate import InstallError
from torchdoctor.knowledge import Knowledge, PageCommand, Release, load

__all__ = ["InstallCommand", "InstallError", "build_command", "command_for"]

PAGE_NAMES = {
    "selector": "pytorch.org's Start Locally selector",
    "previous-versions": "pytorch.org's Previous PyTorch Versions page",
    "additional-platforms": "pytorch.org's additional platforms (Intel XPU) selector",
}


@dataclass(frozen=True)
class InstallCommand:
    """An install command and where it came from."""

    command: str  # what to print; several lines for multi-step page entries and uv-project
    torch_version: str  # "2.13.0" or "nightly"
    os: str
    arch: str
    compute: str
    package: str
    index_url: str | None  # the index or find-links page used; PyPI for a bare pip command
    source: str  # selector | previous-versions | additional-platforms
    knowledge_date: str
    python_version: str | None  # None where Python does not matter (LibTorch, Source)
    rationale: tuple[str, ...] = ()
    page_text: str = ""  # the page's own text for this choice, notes included

    def to_json(self) -> dict[str, Any]:
        """The `--format json` document (the first nine keys are the documented contract)."""
        return {"command": self.command, "torch_version": self.torch_version, "os": self.os,
                "arch": self.arch, "compute": self.compute, "package": self.package,
                "index_url": self.index_url, "source": self.source,
                "knowledge_date": self.knowledge_date, "python_version": self.python_version,
                "rationale": list(self.rationale), "page_text": self.page_text}


def build_command(axes: Axes, knowledge: Knowledge | None = None) -> InstallCommand:
    """The command for `axes`, or `InstallError` with a one-line reason."""
    k = knowledge or load()
    release = validate.resolve_release(k, axes.torch)
    if axes.package == "source":
        return InstallCommand(k.source_command, release.version, axes.os, axes.arch, axes.compute,
                              "source", None, "selector", k.knowledge_date, None,
                              ("Package = Source: the selector points to the from-source "
                               "instructions for every release and platform.",))
    try:
        validate.check_platform(k, release, axes)
    except validate.UseDefault as default:
        raise InstallError(_with_default(k, axes, str(default))) from None
    if axes.package != "libtorch":
        validate.check_python(k, release, axes, lambda a: build_command(a, k).command)
    base = axes.package if axes.package in ("conda", "libtorch") else "pip"
    page = _page(k, release, axes, base)
    entry = release.command(page, base, axes.os, axes.compute)
    if entry is None:
        raise InstallError(validate.missing_message(k, release, axes, page, base,
                                                  lambda a: build_command(a, k).command))
    text = entry.text_for(axes.arch)
    if axes.page == "auto" and page == "selector" and not _is_current(k, release) and \
            base != "libtorch" and "==" not in text:
        raise InstallError(f"pytorch.org's only {base} command for torch {release.version} with "
                           f"{axes.compute} is unpinned ({text}) and would install the newest "
                           "release; add --page selector to print it anyway")
    return _finish(k, release, axes, page, entry, text)


def command_for(release: Release, variant: str, *, os: str, arch: str, python: str,
                package: str = "pip", knowledge: Knowledge | None = None) -> InstallCommand:
    """The command for `release` + `variant` on a target machine (for the recommendation code)."""
    k = knowledge or load()
    torch = "nightly" if release.is_nightly else (
        "stable" if release.version == k.stable_version else release.version)
    return build_command(Axes(torch, os, arch, variant, package, python), k)


def _is_current(k: Knowledge, release: Release) -> bool:
    return release.is_nightly or release.version == k.stable_version


def _page(k: Knowledge, release: Release, axes: Axes, base: str) -> str:
    """The page pytorch.org would show for this choice (or the one asked for)."""
    if axes.page != "auto":
        return axes.page
    if axes.compute == "xpu" and base == "pip":
        return "additional-platforms"
    if _is_current(k, release) or base == "libtorch":
        return "selector"
    return "previous-versions" if release.has_page("previous-versions", base) else "selector"


def _with_default(k: Knowledge, axes: Axes, reason: str) -> str:
    """`reason` plus what to use instead (macOS: CUDA/ROCm/XPU are not available)."""
    try:
        default = build_command(Axes(axes.torch, axes.os, axes.arch, "cpu", axes.package,
                                     axes.python, axes.page), k).command
    except InstallError:
        return reason
    if axes.package == "libtorch":
        # The page's text is "Download arm64 libtorch here (…):" above the link: keep the link.
        links = [line for line in default.split("\n") if line.startswith("https://")]
        links = [u for u in links if f"-{axes.arch}-" in u] or links
        return f"{reason}; use --compute cpu: {' '.join(links) or default}"
    return f"{reason}; use the default package: {default.replace(chr(10), ' / ')}"


def _finish(k: Knowledge, release: Release, axes: Axes, page: str, entry: PageCommand,
            text: str) -> InstallCommand:
    why = [validate.release_sentence(k, release), f"Copied from {PAGE_NAMES[page]}."]
    if entry.by_arch:
        why.append(f"The page shows one command per CPU architecture; this is the {axes.arch} one.")
    if entry.note:
        why.append(f"The page notes: {entry.note}")
    if page == "selector" and not _is_current(k, release) and "==" not in text:
        why.append(f"This is what the selector showed while {release.version} was the stable "
                   "release; it pins nothing, so today it installs the newest release.")
    command, index_url = text, index_url_of(text, entry.package)
    if axes.package == "uv":
        uv = to_uv(text)
        if uv is None:
            raise InstallError(f"pytorch.org gives no pip command for torch {release.version} "
                               f"with {axes.compute} ({text}), so there is no uv form")
        command = uv
        why.append("uv pip reads the same flags as pip (--pre, --index-url, -f).")
    elif axes.package == "uv-project":
        index_url = release.variants[axes.os][axes.compute]
        requirements = ["torch", "torchvision"]
        if not _is_current(k, release):
            requirements = [f"torch=={release.version}"] + (
                [f"torchvision=={release.torchvision}"] if release.torchvision else [])
        command = uv_project_snippet(os=axes.os, variant=axes.compute, index_url=index_url,
                                     requirements=requirements, prerelease=release.is_nightly)
        why.append("explicit = true: only torch and torchvision come from the PyTorch index.")
    if index_url and axes.package in ("pip", "uv"):
        default = k.pypi_default(release, axes.os, axes.arch)
        if index_url.startswith("https://pypi.org") and default == axes.compute:
            why.append(f"{axes.compute} is the PyPI default on {axes.os} {axes.arch}, so no "
                       "--index-url is needed.")
        elif not index_url.startswith("https://pypi.org"):
            why.append(f"{axes.compute} wheels come from {index_url}.")
    if axes.package != "libtorch":
        why.append(f"Python {axes.python} is supported by torch {release.version} "
                   f"({release.python_min}–{release.python_max}).")
    why.append(f"Knowledge date: {k.knowledge_date}.")
    return InstallCommand(command, release.version, axes.os, axes.arch, axes.compute,
                          axes.package, index_url, page, k.knowledge_date,
                          None if axes.package == "libtorch" else axes.python, tuple(why),
                          "\n".join(filter(None, [entry.note, entry.text])))
