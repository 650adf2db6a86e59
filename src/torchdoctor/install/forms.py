"""Other forms of a page's pip command: `uv pip install …` and the uv project snippet.

Also reads the index URL a command uses. Pure functions of strings; no knowledge lookups.
"""

from __future__ import annotations

import re

from torchdoctor.knowledge import PYPI_SIMPLE

_PIP = re.compile(r"^pip3? install ")
_INDEX = re.compile(r"--(?:extra-)?index-url\s+(\S+)")
_FIND_LINKS = re.compile(r"(?:^|\s)-f\s+(\S+)")
_WHEEL_FROM = re.compile(r"^Download and install wheel from (\S+)")


def index_url_of(text: str, package: str) -> str | None:
    """The package index (or find-links page) a command installs from; PyPI for a bare pip.

    None for conda, LibTorch and Source, which do not use a Python package index.
    """
    if package in ("conda", "libtorch", "source"):
        return None
    for pattern in (_INDEX, _FIND_LINKS, _WHEEL_FROM):
        found = pattern.search(text)
        if found:
            return found.group(1)
    return PYPI_SIMPLE if text.startswith(("pip", "uv")) else None


def to_uv(text: str) -> str | None:
    """`pip3 install …` lines as `uv pip install …`; None when a line is not a pip command
    (the 1.0–1.1 "Download and install wheel from …" instructions)."""
    lines = text.split("\n")
    if not all(_PIP.match(line) for line in lines):
        return None
    # uv reads the same flags: --pre, --index-url, --extra-index-url and -f/--find-links.
    return "\n".join(_PIP.sub("uv pip install ", line) for line in lines)


def uv_project_snippet(*, os: str, variant: str, index_url: str, requirements: list[str],
                       prerelease: bool) -> str:
    """The pyproject.toml lines that make `uv sync` take torch and torchvision from `index_url`.

    `explicit = true` keeps every other dependency on PyPI; the index is named after the variant
    so that several snippets (one per platform) can live side by side.
    """
    deps = ", ".join(f'"{r}"' for r in requirements)
    lines = [f"# add to [project] dependencies: {deps}"]
    if prerelease:
        lines.append('# nightly wheels are pre-releases (X.Y.Z.devYYYYMMDD): uv needs '
                     '`uv sync --prerelease allow`, or prerelease = "allow" under [tool.uv]')
    if os == "macos" and not prerelease:
        # macOS release wheels (MPS included) are on PyPI itself; an index would only add a
        # detour. Nightly wheels exist only on download.pytorch.org, so they get the index.
        lines.append("# macOS wheels come from PyPI: no [[tool.uv.index]] or [tool.uv.sources] "
                     "is needed")
        return "\n".join(lines)
    name = f"pytorch-{'nightly-' if prerelease else ''}{variant}"
    lines += [
        "",
        "[[tool.uv.index]]",
        f'name = "{name}"',
        f'url = "{index_url}"',
        "explicit = true",
        "",
        "[tool.uv.sources]",
        f'torch = {{ index = "{name}" }}',
        f'torchvision = {{ index = "{name}" }}',
    ]
    return "\n".join(lines)
