"""Parity with pytorch.org, checked against pytorch.org's own files (tests/data/pytorch-org).

The golden test (tests/install/test_install_golden.py) compares `install-command` with a file
that scripts/build_knowledge.py writes; a mistake in that script would be copied into both the
knowledge and the golden file. These tests read the upstream files with their own small parser
(upstream_text.py, no code shared with scripts/) and compare the generator's text with them:

* the Previous PyTorch Versions page (previous-versions.md): every pip and conda command of every
  release from 1.0.0, on each OS the block is for, byte for byte; every build the page does not
  list for a release/OS/package must be refused with a one-line message;
* the Start Locally selector (published_versions.json, compute buttons from quick-start-module.js):
  every cell of the current stable and of the nightly, pip and LibTorch, and a refusal for every
  combination that the selector does not have;
* the build matrix (releases.json): the pip command of every wheel variant of stable and nightly,
  including the ones the selector has no button for (the second ROCm);
* the additional platforms selector: the Intel XPU commands.

A page entry is compared like with like: the page's command lines, joined by newlines, against the
generator's command, which leaves the page's notes ("# NOTE: …") out of stdout. The few places
where torchdoctor deliberately prints something else are listed below, each with the reason from
docs/knowledge.md, and a test fails when one of them no longer differs (a stale allow-list).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from upstream_text import (
    DATA,
    OSES,
    PREVIOUS_VERSIONS,
    MatrixWheel,
    PageEntry,
    SelectorEntry,
    additional_platforms,
    build_matrix_wheels,
    html_to_lines,
    module_commands,
    module_rendering,
    module_source,
    previous_versions_entries,
    published_versions,
    selector_entries,
    stable_label,
    version_map,
)

from torchdoctor.install import Axes, InstallError, build_command

# ---------------------------------------------------------------------------------------------
# Axes the pages leave implicit
# ---------------------------------------------------------------------------------------------


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _python_for(torch: str) -> str:
    """A CPython minor that `torch` has wheels for; the page text does not depend on it, but the
    generator refuses a Python the release does not support. 3.7 for 1.0–1.3, 3.8 for 1.4–1.10
    (the 1.8.2 LTS stops at 3.8), 3.10 for 1.11–2.0, 3.11 from 2.1 (the first with 3.11 wheels);
    stable and nightly: 3.12."""
    if torch in ("stable", "nightly"):
        return "3.12"
    key = _key(torch)
    if key < (1, 4):
        return "3.7"
    if key < (1, 11):
        return "3.8"
    if key < (2, 1):
        return "3.10"
    return "3.11"


def _arches(torch: str, os: str) -> tuple[str, ...]:
    """CPU architectures a page entry for `os` is checked on. Linux and Windows: x86_64, the one
    architecture every build of a "Linux and Windows" block exists for (ROCm and old CUDA builds
    have no aarch64 wheels). macOS: Intel up to 2.2.x (the last release with Intel Mac wheels)
    and Apple silicon from 1.12 (the first with the MPS backend); 1.12–2.2.x are checked on
    both."""
    if os != "macos":
        return ("x86_64",)
    key = _key(torch)
    return tuple(arch for arch, ok in (("x86_64", key < (2, 3)), ("arm64", key >= (1, 12))) if ok)


def _build(torch: str, os: str, arch: str, compute: str, package: str, page: str) -> str:
    return build_command(Axes(torch, os, arch, compute, package, _python_for(torch),
                              page)).command


def _refusal(torch: str, os: str, arch: str, compute: str, package: str, page: str) -> str:
    """The one-line message for a choice that must not exist; fails if a command comes out."""
    with pytest.raises(InstallError) as exc:
        _build(torch, os, arch, compute, package, page)
    message = str(exc.value)
    assert "\n" not in message, message
    return message


def _command_or_refusal(torch: str, os: str, arch: str, compute: str, package: str,
                        page: str) -> str | None:
    """The command, or None when the choice is refused (and the refusal is one line)."""
    try:
        return _build(torch, os, arch, compute, package, page)
    except InstallError as exc:
        refusal = str(exc)
    assert "\n" not in refusal, refusal
    return None


# ---------------------------------------------------------------------------------------------
# Documented deviations (docs/knowledge.md, "Deliberate deviations from the pages")
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deviation:
    """A page entry torchdoctor prints differently on purpose: `dropped` page lines are left out."""

    reason: str
    dropped: tuple[str, ...]


_STRAY_ROCM_LINE = Deviation(
    "the 1.13.x ROCm 5.2 block starts with a stray `pip3 install torch torchvision torchaudio "
    "--extra-index-url` with no URL, which fails in pip; torchdoctor prints the pinned line only",
    ("pip3 install torch torchvision torchaudio --extra-index-url",))

# (torch, os, compute, package) -> deviation
PREVIOUS_VERSIONS_DEVIATIONS: dict[tuple[str, str, str, str], Deviation] = {
    ("1.13.0", "linux", "rocm5.2", "pip"): _STRAY_ROCM_LINE,
    ("1.13.1", "linux", "rocm5.2", "pip"): _STRAY_ROCM_LINE,
}

# The selector's macOS cells for CUDA/ROCm buttons show "# CUDA is not available on MacOS, please
# use default package" above the CPU command ("default": true in published_versions.json).
# torchdoctor refuses the choice (exit 2) and names that default command or LibTorch link, so that
# `$(torchdoctor install-command …)` never installs something other than what was asked for.
MACOS_DEFAULT_CELL_REASON = ("macOS + CUDA/ROCm: a combination that does not exist is an error "
                             "that names what exists (the default package)")


def _expected(entry: PageEntry, os: str) -> str:
    """The page's text for `entry` on `os`, less any allow-listed dropped lines."""
    assert entry.compute is not None
    deviation = PREVIOUS_VERSIONS_DEVIATIONS.get((entry.torch, os, entry.compute, entry.package))
    if deviation is None:
        return entry.text
    return "\n".join(line for line in entry.lines if line not in deviation.dropped)


# ---------------------------------------------------------------------------------------------
# Previous PyTorch Versions page
# ---------------------------------------------------------------------------------------------

PAGE_ENTRIES = previous_versions_entries()
PageCase = tuple[PageEntry, str, str]  # entry, os, arch
PAGE_CASES: list[PageCase] = [(entry, os, arch) for entry in PAGE_ENTRIES if entry.compute
                              for os in entry.oses for arch in _arches(entry.torch, os)]


def _page_id(case: PageCase) -> str:
    entry, os, arch = case
    return f"{entry.torch}-{os}-{arch}-{entry.compute}-{entry.package}"


def test_page_parser_reads_every_release_section() -> None:
    text = PREVIOUS_VERSIONS.read_text(encoding="utf-8")
    headings = {m.group(1) for m in re.finditer(r"^### v(\d+\.\d+\.\d+)", text, re.MULTILINE)}
    assert {e.torch for e in PAGE_ENTRIES} == headings
    assert len(headings) >= 45
    wheel_releases = {e.torch for e in PAGE_ENTRIES if e.package == "pip"}
    conda_releases = {e.torch for e in PAGE_ENTRIES if e.package == "conda"}
    assert wheel_releases == headings
    assert conda_releases == {v for v in headings if _key(v) <= (2, 5, 1)}


def test_page_labels_map_to_builds() -> None:
    """Only the LTS "# ROCM5.x / Not supported in LTS." rows name no single build."""
    unmapped = sorted((e.torch, e.package, e.label, e.text) for e in PAGE_ENTRIES
                      if e.compute is None)
    assert unmapped == [("1.8.2", "conda", "# ROCM5.x", "Not supported in LTS."),
                        ("1.8.2", "pip", "# ROCM5.x", "Not supported in LTS.")]


def test_page_cases_are_many_and_unique() -> None:
    keys = [_page_id(case) for case in PAGE_CASES]
    assert len(keys) == len(set(keys))
    assert sum(case[0].package == "pip" for case in PAGE_CASES) >= 400
    assert sum(case[0].package == "conda" for case in PAGE_CASES) >= 250
    assert len(PAGE_CASES) >= 700


@pytest.mark.parametrize("case", PAGE_CASES, ids=[_page_id(c) for c in PAGE_CASES])
def test_previous_versions_command(case: PageCase) -> None:
    entry, os, arch = case
    assert entry.compute is not None
    got = _build(entry.torch, os, arch, entry.compute, entry.package, "previous-versions")
    assert got == _expected(entry, os)


def _page_builds() -> dict[tuple[str, str, str], set[str]]:
    """(torch, package, os) -> the builds the page lists."""
    out: dict[tuple[str, str, str], set[str]] = {}
    for entry in PAGE_ENTRIES:
        if entry.compute:
            for os in entry.oses:
                out.setdefault((entry.torch, entry.package, os), set()).add(entry.compute)
    return out


PAGE_BUILDS = _page_builds()
# Every build the page names for any release: each release is asked for all of them.
PAGE_VOCABULARY = sorted({e.compute for e in PAGE_ENTRIES if e.compute})
PAGE_RELEASES = sorted({e.torch for e in PAGE_ENTRIES}, key=_key)
AbsentCase = tuple[str, str, str]  # torch, package, os
ABSENT_CASES: list[AbsentCase] = [(torch, package, os) for torch in PAGE_RELEASES
                                  for package in ("pip", "conda") for os in OSES]


@pytest.mark.parametrize("case", ABSENT_CASES, ids=["-".join(c) for c in ABSENT_CASES])
def test_previous_versions_refuses_what_the_page_lacks(case: AbsentCase) -> None:
    """E.g. ROCm on Windows ("(Linux only)"), CUDA on macOS, conda after 2.5.1, macOS for the
    1.8.2 LTS ("macOS is currently not supported for LTS"), cu118 for 2.12.1."""
    torch, package, os = case
    listed = PAGE_BUILDS.get(case, set())
    absent = [c for c in PAGE_VOCABULARY if c not in listed]
    assert absent, case
    produced = {f"{compute}/{arch}": command for compute in absent
                for arch in _arches(torch, os)
                if (command := _command_or_refusal(torch, os, arch, compute, package,
                                                   "previous-versions")) is not None}
    assert produced == {}


def test_previous_versions_allow_list_is_not_stale() -> None:
    for (torch, os, compute, package), deviation in PREVIOUS_VERSIONS_DEVIATIONS.items():
        entry = next(e for e in PAGE_ENTRIES if (e.torch, e.compute, e.package) ==
                     (torch, compute, package) and os in e.oses)
        assert set(deviation.dropped) <= set(entry.lines), deviation.reason
        got = _build(torch, os, "x86_64", compute, package, "previous-versions")
        assert got != entry.text, f"no longer a deviation: {deviation.reason}"


# ---------------------------------------------------------------------------------------------
# Start Locally selector: stable and nightly
# ---------------------------------------------------------------------------------------------

SELECTOR = selector_entries()
SELECTOR_ARCH = {"linux": "x86_64", "windows": "x86_64", "macos": "arm64"}
SELECTOR_PAGES = ("auto", "selector")


def _torch_spellings(entry: SelectorEntry) -> tuple[str, ...]:
    return ("nightly",) if entry.build == "nightly" else ("stable", entry.torch_version)


def _cell_id(entry: SelectorEntry) -> str:
    return f"{entry.build}-{entry.os}-{entry.package}-{entry.slot}-{entry.compute}"


COMMAND_CELLS = [e for e in SELECTOR if e.text is not None and not e.default]
DEFAULT_CELLS = [e for e in SELECTOR if e.default]
EMPTY_CELLS = [e for e in SELECTOR if e.text is None]
SelectorCase = tuple[SelectorEntry, str, str]  # cell, torch spelling, page
SELECTOR_CASES: list[SelectorCase] = [(e, torch, page) for e in COMMAND_CELLS
                                      for torch in _torch_spellings(e) for page in SELECTOR_PAGES]


def test_selector_data_is_one_snapshot() -> None:
    """published_versions.json and quick-start-module.js name the same stable, and the module's
    rendered cells are exactly what published_versions.json stores for stable and nightly."""
    data = published_versions()
    source = module_source()
    assert stable_label(source) == data["latest_stable"]
    rendered = module_commands(source)
    ours = {f"{'preview' if e.build == 'nightly' else 'stable'},{e.package},{e.os},{e.slot},"
            f"{'cplusplus' if e.package == 'libtorch' else 'python'}": module_rendering(e)
            for e in SELECTOR}
    assert {key: html_to_lines(html) for key, html in rendered.items()} == ours


def test_selector_slots_name_builds() -> None:
    slots = version_map()
    assert set(slots) == {"release", "nightly"}
    for per in slots.values():
        assert per["accnone"] == "cpu"
        assert all(re.fullmatch(r"cu\d{3}|rocm\d+\.\d+(\.\d+)?", v) for s, v in per.items()
                   if s != "accnone"), per


def test_selector_cases_are_many() -> None:
    assert {(e.build, e.package) for e in COMMAND_CELLS} == {
        ("stable", "pip"), ("stable", "libtorch"), ("nightly", "pip"), ("nightly", "libtorch")}
    assert len(COMMAND_CELLS) >= 36
    assert len(SELECTOR_CASES) >= 100


@pytest.mark.parametrize("case", SELECTOR_CASES,
                         ids=[f"{_cell_id(c[0])}-{c[1]}-{c[2]}" for c in SELECTOR_CASES])
def test_selector_command(case: SelectorCase) -> None:
    entry, torch, page = case
    got = _build(torch, entry.os, SELECTOR_ARCH[entry.os], entry.compute, entry.package, page)
    assert got == entry.text


@pytest.mark.parametrize("entry", DEFAULT_CELLS, ids=[_cell_id(e) for e in DEFAULT_CELLS])
def test_selector_macos_accelerator_is_refused_naming_the_default(entry: SelectorEntry) -> None:
    """Allow-listed deviation: see MACOS_DEFAULT_CELL_REASON. The message names the cell's
    command (pip) or its download link (LibTorch)."""
    assert entry.os == "macos"
    assert entry.text is not None
    named = entry.text if entry.package != "libtorch" else entry.text.split("\n")[-1]
    for torch in _torch_spellings(entry):
        for page in SELECTOR_PAGES:
            message = _refusal(torch, "macos", "arm64", entry.compute, entry.package, page)
            assert named in message, MACOS_DEFAULT_CELL_REASON


def test_selector_allow_list_is_not_stale() -> None:
    """The deviation exists only while the selector shows a command for these cells."""
    assert {(e.build, e.package, e.slot) for e in DEFAULT_CELLS} == {
        (b, p, s) for b in ("stable", "nightly") for p in ("pip", "libtorch")
        for s in ("cuda.x", "cuda.y", "cuda.z", "rocm5.x")}
    assert all(e.text for e in DEFAULT_CELLS)


@pytest.mark.parametrize("entry", EMPTY_CELLS, ids=[_cell_id(e) for e in EMPTY_CELLS])
def test_selector_cell_without_command_is_refused(entry: SelectorEntry) -> None:
    """E.g. "NOTE: ROCm is not available on Windows"."""
    for torch in _torch_spellings(entry):
        for page in SELECTOR_PAGES:
            _refusal(torch, entry.os, SELECTOR_ARCH[entry.os], entry.compute, entry.package, page)


# ---------------------------------------------------------------------------------------------
# Build matrix (releases.json): the pip command of every built wheel variant
# ---------------------------------------------------------------------------------------------

BUILD_MATRIX = build_matrix_wheels()


def _wheel_id(wheel: MatrixWheel) -> str:
    return f"{wheel.build}-{wheel.os}-{wheel.compute}"


def test_build_matrix_has_one_command_per_variant() -> None:
    keys = [_wheel_id(w) for w in BUILD_MATRIX]
    assert len(keys) == len(set(keys))
    assert len(keys) >= 20


@pytest.mark.parametrize("wheel", BUILD_MATRIX, ids=[_wheel_id(w) for w in BUILD_MATRIX])
def test_build_matrix_command(wheel: MatrixWheel) -> None:
    """Includes the variants the selector has no button for (the second ROCm)."""
    got = _build(wheel.build, wheel.os, SELECTOR_ARCH[wheel.os], wheel.compute, "pip", "auto")
    assert got == wheel.installation


# ---------------------------------------------------------------------------------------------
# What neither the selector nor the build matrix has must be refused
# ---------------------------------------------------------------------------------------------


def _selector_offers() -> set[tuple[str, str, str, str]]:
    """(build, os, package, compute) with a selector cell or a build-matrix wheel."""
    return {(e.build, e.os, e.package, e.compute) for e in SELECTOR} | {
        (w.build, w.os, "pip", w.compute) for w in BUILD_MATRIX}


# Every build named anywhere in the upstream data: the Previous Versions page and both maps.
SELECTOR_VOCABULARY = sorted(set(PAGE_VOCABULARY) | {e.compute for e in SELECTOR} |
                             {w.compute for w in BUILD_MATRIX})
SelectorAbsentCase = tuple[str, str, str]  # build, os, package
SELECTOR_ABSENT_CASES: list[SelectorAbsentCase] = [
    (build, os, package) for build in ("stable", "nightly") for os in OSES
    for package in ("pip", "conda", "libtorch")]


@pytest.mark.parametrize("page", SELECTOR_PAGES)
@pytest.mark.parametrize("case", SELECTOR_ABSENT_CASES,
                         ids=["-".join(c) for c in SELECTOR_ABSENT_CASES])
def test_selector_refuses_what_it_lacks(case: SelectorAbsentCase, page: str) -> None:
    """E.g. cu118 for the stable, any conda command (the selector dropped conda in 2.6)."""
    build, os, package = case
    offers = _selector_offers()
    absent = [c for c in SELECTOR_VOCABULARY if (build, os, package, c) not in offers]
    assert absent, case
    produced = {compute: command for compute in absent
                if (command := _command_or_refusal(build, os, SELECTOR_ARCH[os], compute,
                                                   package, page)) is not None}
    assert produced == {}


# ---------------------------------------------------------------------------------------------
# Additional platforms: Intel XPU
# ---------------------------------------------------------------------------------------------


def _xpu_cases() -> list[tuple[str, str, str | None]]:
    platform: dict[str, Any] = additional_platforms()["platforms"]["xpu"]
    return [(build, os, platform.get(key, {}).get(os))
            for build, key in (("stable", "stable"), ("nightly", "preview")) for os in OSES]


XPU_CASES = _xpu_cases()


def test_xpu_cases_are_there() -> None:
    assert sum(text is not None for _, _, text in XPU_CASES) == 4


@pytest.mark.parametrize("page", ["auto", "additional-platforms"])
@pytest.mark.parametrize("case", XPU_CASES, ids=[f"{b}-{o}" for b, o, _ in XPU_CASES])
def test_xpu_command(case: tuple[str, str, str | None], page: str) -> None:
    build, os, text = case
    if text is None:
        _refusal(build, os, SELECTOR_ARCH[os], "xpu", "pip", page)
    else:
        assert _build(build, os, SELECTOR_ARCH[os], "xpu", "pip", page) == text


# ---------------------------------------------------------------------------------------------
# Provenance
# ---------------------------------------------------------------------------------------------


def test_sources_md_names_every_file() -> None:
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in DATA.iterdir() if p.name != "SOURCES.md")
    assert files == sorted(["published_versions.json", "quick-start-module.js",
                            "previous-versions.md", "releases.json",
                            "additional-platforms.platforms-only.json"])
    for name in files:
        row = next((line for line in sources.splitlines() if line.startswith(f"| `{name}` |")),
                   "")
        assert re.search(r"\b20\d\d-\d\d-\d\d\b", row), f"SOURCES.md gives no dated row for {name}"
