"""Python ranges and Linux aarch64 availability per release, pinned to their sources, and the
build helpers that derive them (torchdoctor.knowledge.build.tables, no reference folder
needed)."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from torchdoctor import knowledge
from torchdoctor.knowledge.build import BuildError

ROOT = Path(__file__).resolve().parent.parent.parent

# RELEASE.md's matrix (compat-matrix.md section 1) for 1.12+, with "(3.12 experimental)" counted for
# 2.2/2.3 (torch and torchvision cp312 wheels on PyPI); the torchvision README table (section 2b)
# before that. 2.13.0 and the nightly: releases.json's build matrix.
EXPECTED = {
    "2.13": ("3.10", "3.14"), "2.12": ("3.10", "3.14"), "2.11": ("3.10", "3.14"),
    "2.10": ("3.10", "3.14"), "2.9": ("3.10", "3.14"), "2.8": ("3.9", "3.13"),
    "2.7": ("3.9", "3.13"), "2.6": ("3.9", "3.13"), "2.5": ("3.9", "3.12"),
    "2.4": ("3.8", "3.12"), "2.3": ("3.8", "3.12"), "2.2": ("3.8", "3.12"),
    "2.1": ("3.8", "3.11"), "2.0": ("3.8", "3.11"), "1.13": ("3.7", "3.10"),
    "1.12": ("3.7", "3.10"), "1.11": ("3.7", "3.10"), "1.10": ("3.6", "3.9"),
    "1.9": ("3.6", "3.9"), "1.8": ("3.6", "3.9"), "1.7": ("3.6", "3.9"), "1.6": ("3.6", "3.8"),
    "1.5": ("3.5", "3.8"), "1.4": ("3.5", "3.8"), "1.3": ("3.5", "3.7"), "1.2": ("3.5", "3.7"),
    "1.1": ("3.5", "3.7"), "1.0": ("3.5", "3.7"),
}
EXCEPTIONS = {"1.7.0": ("3.6", "3.8"), "1.8.2": ("3.6", "3.8")}  # no cp39 / LTS page note


@pytest.mark.parametrize("release", [r.version for r in knowledge.load().releases])
def test_python_range_matches_the_sources(release: str) -> None:
    found = knowledge.load().release(release)
    assert found is not None
    minor = ".".join(release.split(".")[:2])
    assert (found.python_min, found.python_max) == EXCEPTIONS.get(release, EXPECTED[minor])


def test_free_threaded_per_release() -> None:
    k = knowledge.load()
    free = {r.version: r.free_threaded for r in k.releases}
    assert free["2.13.0"] == free["2.9.0"] == ("3.14",)
    assert free["2.8.0"] == free["2.6.0"] == ("3.13",)
    assert free["2.5.1"] == ()


def test_python_38_gets_2_4_1() -> None:
    k = knowledge.load()
    release = k.release("2.5.1")
    assert release is not None
    assert not k.supports_python(release, "linux", "x86_64", "3.8")
    best = k.newest_supporting("3.8", "linux", "x86_64")
    assert best is not None
    assert best.version == "2.4.1"


def test_linux_aarch64_starts_at_1_8_0() -> None:
    k = knowledge.load()
    arches = {r.version: r.arches["linux"] for r in k.releases}
    assert "aarch64" not in arches["1.7.1"]
    assert "aarch64" not in arches["1.0.0"]
    assert "aarch64" in arches["1.8.0"]
    assert "aarch64" in arches["2.13.0"]
    assert "aarch64" not in arches["1.9.1"]  # not on PyPI (1.9.0 and 1.10.0 are)


def test_old_release_on_aarch64_is_refused(cli: Any) -> None:
    code, out, err = cli("install-command", "--torch", "1.0.0", "--os", "linux", "--arch",
                         "aarch64", "--compute", "cpu", "--python-version", "3.7")
    assert (code, out) == (2, "")
    assert "torch 1.0.0 has no Linux aarch64 builds (it has: x86_64)" in err


@pytest.fixture(scope="module")
def tables() -> ModuleType:
    from torchdoctor.knowledge.build import tables as module

    return module


def _row(version: str, python: str) -> str:
    return f'<tr>\n<th scope="row">{version}</th>\n<td>{python}</td>\n<td>C++17</td>\n</tr>'


MATRIX = ("## Release Compatibility Matrix\n<table><thead><tr><th>PyTorch</th><th>Python</th>"
          "</tr></thead><tbody>"
          + _row("2.9", ">=3.10, <=(3.14, 3.14t experimental)")
          + _row("2.5", ">=3.9, <=3.12, (3.13 experimental)")
          + _row("2.2", "&gt;=3.8, &lt;=3.11, (3.12 experimental)")
          + "</tbody></table>\n<table><tr><th>CUDA</th><td>other table</td></tr></table>")


def test_parse_release_matrix(tables: ModuleType) -> None:
    rows = tables.parse_release_matrix(MATRIX)
    assert rows["2.9"] == {"min": "3.10", "max": "3.14", "experimental": [],
                           "free_threaded": ["3.14"]}
    assert rows["2.5"] == {"min": "3.9", "max": "3.12", "experimental": ["3.13"],
                           "free_threaded": []}
    assert rows["2.2"]["experimental"] == ["3.12"]
    assert set(rows) == {"2.9", "2.5", "2.2"}


def test_python_range_rules(tables: ModuleType) -> None:
    rows = tables.parse_release_matrix(MATRIX)
    extra: dict[str, Any] = json.loads((ROOT / "scripts" / "knowledge_extra.json").read_text())

    def rng(version: str, current: set[str] | None = None) -> Any:
        return tables.python_range(version, matrix=rows, extra=extra, current=current)

    assert rng("2.5.1") == (["3.9", "3.12"], [])  # both ends from RELEASE.md
    assert rng("2.2.2") == (["3.8", "3.12"], [])  # experimental 3.12 shipped everywhere
    assert rng("2.9.0") == (["3.10", "3.14"], ["3.14"])
    assert rng("1.7.0") == (["3.6", "3.8"], [])  # before the matrix: the hand table
    assert rng("2.9.0", {"3.10", "3.14", "3.14t"}) == (["3.10", "3.14"], ["3.14"])
    with pytest.raises(BuildError, match="disagree"):
        rng("2.9.0", {"3.9", "3.14"})
    with pytest.raises(BuildError, match="no Python range"):
        rng("0.4.1")


def test_arches_rule(tables: ModuleType) -> None:
    extra: dict[str, Any] = json.loads((ROOT / "scripts" / "knowledge_extra.json").read_text())
    assert tables.arches("1.7.1", extra)["linux"] == ["x86_64"]
    assert tables.arches("1.8.0", extra)["linux"] == ["x86_64", "aarch64"]
    assert tables.arches("nightly", extra)["linux"] == ["x86_64", "aarch64"]
