"""Axis parsing and defaults (pure functions, no CLI)."""

from __future__ import annotations

import pytest

from torchdoctor.errors import UsageError
from torchdoctor.install import Axes, InstallError, MalformedAxisError, build_command, command_for
from torchdoctor.install import axes as ax
from torchdoctor.knowledge import load


@pytest.mark.parametrize("value", ["cu12.8", "cuda", "cu1", "rocm", "rocm6", "gpu", "cu12345"])
def test_bad_compute(value: str) -> None:
    with pytest.raises(MalformedAxisError):
        ax.parse_compute(value)


@pytest.mark.parametrize("value", ["cpu", "cu92", "cu128", "rocm6.2", "rocm6.2.4", "xpu", "auto"])
def test_good_compute(value: str) -> None:
    assert ax.parse_compute(value) == value


@pytest.mark.parametrize(("value", "expected"), [("stable", "stable"), ("Nightly", "nightly"),
                                                  ("preview", "nightly"), ("2.5.1", "2.5.1"),
                                                  ("2.5", "2.5")])
def test_torch(value: str, expected: str) -> None:
    assert ax.parse_torch(value) == expected


@pytest.mark.parametrize("value", ["banana", "2", "v2.5.1", "2.5.1.post1", ""])
def test_bad_torch(value: str) -> None:
    with pytest.raises(MalformedAxisError):
        ax.parse_torch(value)


def test_arch_spelling_follows_os() -> None:
    assert ax.parse_arch("arm64", "linux") == "aarch64"
    assert ax.parse_arch("aarch64", "macos") == "arm64"
    assert ax.parse_arch("AMD64", "windows") == "x86_64"


def test_python_versions() -> None:
    assert ax.parse_python("3.12") == "3.12"
    assert ax.parse_python("3.13t") == "3.13t"
    assert ax.parse_python("3.11.7") == "3.11"
    with pytest.raises(MalformedAxisError):
        ax.parse_python("2.7x")


def test_defaults_come_from_the_machine() -> None:
    here = ax.Machine("Linux", "aarch64", "3.12")
    axes = ax.resolve_axes(here)
    assert (axes.torch, axes.os, axes.arch, axes.compute, axes.package, axes.python) == (
        "stable", "linux", "aarch64", "cpu", "pip", "3.12")
    # Another OS than this machine's: that OS's usual architecture.
    assert ax.resolve_axes(here, os="macos").arch == "arm64"
    assert ax.resolve_axes(here, os="windows").arch == "x86_64"
    with pytest.raises(UsageError, match="no builds for FreeBSD"):
        ax.resolve_axes(ax.Machine("FreeBSD", "amd64", "3.12"))


def test_auto_compute_left_to_the_axes_is_the_cpu_build() -> None:
    here = ax.Machine("Linux", "x86_64", "3.12")
    assert ax.resolve_axes(here, compute="auto").compute == "cpu"
    assert ax.resolve_axes(here, compute="cu128").compute == "cu128"


def test_aarch64_special_text_is_split_per_arch() -> None:
    def run(arch: str) -> str:
        axes = Axes("2.10.0", "linux", arch, "cu128", "pip", "3.12", "selector")
        return build_command(axes).command

    assert run("x86_64") == "pip3 install torch torchvision"
    assert run("aarch64") == "pip3 install torch torchvision --index-url https://download.pytorch.org/whl/cu128"


def test_unpinned_fallback_needs_explicit_page() -> None:
    with pytest.raises(InstallError, match="unpinned"):
        build_command(Axes("1.10.2", "linux", "x86_64", "cu102", "pip", "3.9"))
    cmd = build_command(Axes("1.10.2", "linux", "x86_64", "cu102", "pip", "3.9", "selector"))
    assert cmd.command == "pip3 install torch torchvision torchaudio"
    assert any("installs the newest release" in line for line in cmd.rationale)


def test_rocm_and_old_cuda_not_on_aarch64() -> None:
    with pytest.raises(InstallError, match=r"no rocm7\.2 wheels for Linux aarch64"):
        build_command(Axes("stable", "linux", "aarch64", "rocm7.2", "pip", "3.12"))
    with pytest.raises(InstallError, match="no cu121 wheels for Linux aarch64"):
        build_command(Axes("2.3.1", "linux", "aarch64", "cu121", "pip", "3.11"))


def test_command_for_recommendation_api() -> None:
    k = load()
    cmd = command_for(k.stable, "cu126", os="linux", arch="x86_64", python="3.12")
    assert cmd.command == "pip3 install torch torchvision --index-url https://download.pytorch.org/whl/cu126"
    old = command_for(k.release("2.7.1"), "cu118", os="windows", arch="x86_64", python="3.12")  # type: ignore[arg-type]
    assert old.command.startswith("pip install torch==2.7.1 ")
    assert old.index_url == "https://download.pytorch.org/whl/cu118"


def test_multiline_and_uv_forms() -> None:
    rocm = build_command(Axes("1.8.0", "linux", "x86_64", "rocm4.0.1", "uv", "3.9"))
    assert rocm.command.split("\n")[1] == "uv pip install ninja"
    with pytest.raises(InstallError, match="no uv form"):
        build_command(Axes("1.0.0", "linux", "x86_64", "cu100", "uv", "3.7"))


def test_uv_project_nightly_and_macos() -> None:
    nightly = build_command(Axes("nightly", "linux", "x86_64", "cu130", "uv-project", "3.12"))
    assert 'url = "https://download.pytorch.org/whl/nightly/cu130"' in nightly.command
    assert 'prerelease = "allow"' in nightly.command
    mac = build_command(Axes("stable", "macos", "arm64", "cpu", "uv-project", "3.12"))
    assert "\n[[tool.uv.index]]" not in mac.command
