"""The release knowledge as frozen dataclasses (built by `torchdoctor.knowledge.loader`).

Vocabulary: a *variant* is a wheel flavour tag (`cpu`, `cu130`, `rocm7.2`, `xpu`); a *page* is the
pytorch.org page a command was copied from (`selector`, `previous-versions`,
`additional-platforms`); OS names are `linux`, `macos`, `windows`; architectures `x86_64`,
`aarch64` (Linux) and `arm64` (macOS).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PAGES = ("selector", "previous-versions", "additional-platforms")
PYPI_SIMPLE = "https://pypi.org/simple"


def version_key(version: str) -> tuple[int, ...]:
    """Numeric sort key of "X.Y.Z" (non-numeric parts end the key)."""
    out = []
    for part in version.split("."):
        digits = re.match(r"\d+", part)
        if not digits:
            break
        out.append(int(digits.group(0)))
    return tuple(out)


def cuda_minor(variant: str) -> str | None:
    """ "cu128" -> "12.8", "cu92" -> "9.2"; None for a non-CUDA variant."""
    match = re.fullmatch(r"cu(\d+)(\d)", variant)
    return f"{int(match.group(1))}.{match.group(2)}" if match else None


@dataclass(frozen=True)
class PageCommand:
    """One command as a pytorch.org page prints it (notes kept apart from the command)."""

    page: str
    package: str  # pip | conda | libtorch
    os: str
    variant: str
    text: str  # the page's text for this choice, HTML turned into lines
    note: str | None = None  # a note the page prints above the command
    by_arch: Mapping[str, str] = field(default_factory=dict)  # per-arch commands inside `text`

    def text_for(self, arch: str) -> str:
        """The command for `arch` (the 2.9.1/2.10.0 selector gives one per architecture)."""
        return self.by_arch.get(arch, self.text)


@dataclass(frozen=True)
class Release:
    """One stable release, the LTS (1.8.2) or the nightly channel (version "nightly")."""

    version: str
    kind: str  # release | lts | nightly
    date: str | None
    python_min: str
    python_max: str
    free_threaded: tuple[str, ...]  # "3.14" means wheels for 3.14t exist
    torchvision: str | None
    torchaudio: str | None
    arches: Mapping[str, tuple[str, ...]]  # os -> CPU architectures with wheels
    pypi_default: Mapping[str, str]  # "os-arch" -> variant of a bare `pip install torch`
    variants: Mapping[str, Mapping[str, str]]  # os -> variant -> index URL
    raw_commands: Mapping[str, Any] = field(repr=False, default_factory=dict)

    @property
    def is_nightly(self) -> bool:
        return self.kind == "nightly"

    def has_page(self, page: str, package: str) -> bool:
        """Whether `page` lists any `package` command for this release."""
        return bool(self.raw_commands.get(page, {}).get(package))

    def page_variants(self, page: str, package: str, os: str) -> tuple[str, ...]:
        """Variants for which `page` has a `package` command on `os`."""
        return tuple(self.raw_commands.get(page, {}).get(package, {}).get(os, {}))

    def command(self, page: str, package: str, os: str, variant: str) -> PageCommand | None:
        """The stored command, or None when the page has none for this choice."""
        value = self.raw_commands.get(page, {}).get(package, {}).get(os, {}).get(variant)
        if value is None:
            return None
        if isinstance(value, str):
            return PageCommand(page, package, os, variant, value)
        return PageCommand(page, package, os, variant, value["text"], value.get("note"),
                           dict(value.get("arch", {})))


@dataclass(frozen=True)
class KnownNewerRelease:
    """A release PyPI had that is newer than the knowledge: only what PyPI says is known."""

    version: str
    requires_python: str  # e.g. ">=3.11"
    pypi_default_linux_x86_64: str | None
    torchvision: str | None
    note: str


@dataclass(frozen=True)
class CudaArchs:
    """GPU architectures a CUDA variant's wheels carry: SASS for `sm`, PTX for `ptx`."""

    sm: tuple[str, ...]  # compute capabilities, "8.6"
    ptx: tuple[str, ...]


@dataclass(frozen=True)
class Knowledge:
    """Everything torchdoctor knows about PyTorch releases, as of `knowledge_date`."""

    schema_version: int
    knowledge_date: str  # YYYY-MM-DD of the newest source snapshot
    stable_version: str
    source_command: str  # what the selector shows for Package = Source
    releases: tuple[Release, ...]  # newest first; the nightly is not among them
    nightly: Release
    known_newer: tuple[KnownNewerRelease, ...]
    known_newer_observed: str
    driver_minimums: Mapping[str, Mapping[str, str]]  # "12.8" -> {"linux": .., "windows": ..}
    cuda_archs: Mapping[str, Mapping[str, CudaArchs]]  # variant -> "os-arch" -> archs
    rocm_gfx: Mapping[str, tuple[str, ...]]
    x86_64_only: tuple[str, ...]  # variant families with x86_64 wheels only
    aarch64_cuda_first: str
    sources: Mapping[str, str] = field(default_factory=dict)
    source: str = "bundled"  # bundled (shipped in the package) | cache (`torchdoctor update`)
    origin: str = ""  # for the cache: the URL or folder it was updated from
    note: str = ""  # why a cached copy was not used, when one exists but is invalid

    @property
    def stamp(self) -> dict[str, str]:
        """`{source, date, stable}`: which knowledge a document was judged with."""
        return {"source": self.source, "date": self.knowledge_date, "stable": self.stable_version}

    def describe(self) -> str:
        """One line for `-v`: "bundled knowledge of 2026-07-28 (stable 2.13.0)"."""
        where = f" from {self.origin}" if self.origin else ""
        line = (f"{self.source} knowledge of {self.knowledge_date} (stable "
                f"{self.stable_version}){where}")
        return f"{line}; {self.note}" if self.note else line

    def age_days(self, today: str) -> int | None:
        """Days from the knowledge date to `today` (YYYY-MM-DD); None for a malformed date."""
        from datetime import date

        try:
            return (date.fromisoformat(today) - date.fromisoformat(self.knowledge_date)).days
        except ValueError:
            return None

    @property
    def stable(self) -> Release:
        """The current stable release (what the selector's "Stable" button installs)."""
        found = self.release(self.stable_version)
        assert found is not None  # the loader checked it
        return found

    def release(self, version: str) -> Release | None:
        """Look a release up by "X.Y.Z", "stable" or "nightly"."""
        if version == "nightly":
            return self.nightly
        if version == "stable":
            version = self.stable_version
        return next((r for r in self.releases if r.version == version), None)

    def newer_release(self, version: str) -> KnownNewerRelease | None:
        """What PyPI said of a release newer than the knowledge, if it was seen."""
        return next((r for r in self.known_newer if r.version == version), None)

    def is_past_knowledge(self, version: str) -> bool:
        """True for a version newer than every release in the knowledge (e.g. 2.14.1)."""
        return version_key(version) > version_key(self.stable_version)

    def variants(self, release: Release, os: str, arch: str) -> tuple[str, ...]:
        """Variants with wheels for `os`/`arch`: ROCm and XPU are x86_64-only; Linux aarch64 CUDA
        wheels start at `aarch64_cuda_first`."""
        if arch not in release.arches.get(os, ()):
            return ()
        out = []
        for variant in release.variants.get(os, {}):
            if arch != "x86_64" and variant.startswith(self.x86_64_only):
                continue
            if arch == "aarch64" and variant.startswith("cu") and not release.is_nightly and (
                    version_key(release.version) < version_key(self.aarch64_cuda_first)):
                continue
            out.append(variant)
        return tuple(out)

    def pypi_default(self, release: Release, os: str, arch: str) -> str | None:
        """The variant `pip install torch` gets from PyPI on `os`/`arch` (None: unknown/none)."""
        return release.pypi_default.get(f"{os}-{arch}")

    def supports_python(self, release: Release, os: str, arch: str, python: str) -> bool:
        """Whether `release` ships wheels for Python `python` ("3.12", or "3.13t" for a
        free-threaded build) on `os`/`arch`."""
        if arch not in release.arches.get(os, ()) or os not in release.variants:
            return False
        free = python.endswith("t")
        plain = python.rstrip("t")
        key = version_key(plain)
        if not version_key(release.python_min) <= key <= version_key(release.python_max):
            return False
        return not free or plain in release.free_threaded

    def newest_supporting(self, python: str, os: str, arch: str) -> Release | None:
        """The newest stable release with wheels for `python` on `os`/`arch`."""
        return next((r for r in self.releases if self.supports_python(r, os, arch, python)), None)

    def min_driver(self, variant: str, os: str) -> str | None:
        """Minimum NVIDIA driver for a CUDA variant on linux/windows (minor-version compat)."""
        minor = cuda_minor(variant)
        return self.driver_minimums.get(minor, {}).get(os) if minor else None

    def compute_capabilities(self, variant: str, os: str, arch: str) -> CudaArchs | None:
        """GPU architectures of a CUDA variant's wheels for `os`/`arch`; None when unknown."""
        per = self.cuda_archs.get(variant, {})
        return per.get(f"{os}-{arch}") or (per.get(f"linux-{arch}") if os == "windows" else None)

    def gfx_targets(self, variant: str) -> tuple[str, ...] | None:
        """gfx targets of a ROCm variant's wheels ("rocm7.2"); None when unknown."""
        return self.rocm_gfx.get(variant)

    def nearby_versions(self, version: str, count: int = 4) -> list[str]:
        """Known releases around `version` (two below, two above), for "did you mean" lines."""
        ordered = sorted((r.version for r in self.releases), key=version_key)
        key = version_key(version)
        index = sum(1 for v in ordered if version_key(v) <= key)
        start = max(0, min(index - count // 2, len(ordered) - count))
        return ordered[start : start + count]
