"""install-command's error paths and special forms: one JSON document in every path, readable
one-line messages, uv-project for the nightly on macOS, same-family fallbacks for free-threaded
Python."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable

import pytest

Cli = Callable[..., tuple[int, str, str]]


@pytest.mark.parametrize("args", [
    ("--os", "macos", "--compute", "cu128"),
    ("--torch", "banana"),
    ("--torch", "2.5.1", "--os", "linux", "--compute", "cu130", "--python-version", "3.12"),
    ("--python-version", "3.8", "--os", "linux", "--compute", "cpu"),
])
def test_json_errors_print_one_document(cli: Cli, args: tuple[str, ...]) -> None:
    code, out, err = cli("install-command", "--format", "json", *args)
    doc = json.loads(out)
    assert code == 2 == doc["exit_code"]
    assert doc["command"] == "install-command"
    assert doc["status"] == "error"
    assert err == f"torchdoctor: error: {doc['error']['message']}\n"


def test_en_dash_is_a_real_character(cli: Cli) -> None:
    _, _, err = cli("install-command", "--python-version", "3.9", "--os", "linux", "--compute",
                    "cpu")
    assert "(it supports 3.10–3.14)" in err
    assert "\\u2013" not in err


def _ascii_run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": "ascii"}
    return subprocess.run([sys.executable, "-m", "torchdoctor", "install-command", *args],
                          capture_output=True, text=True, env=env, timeout=60, check=False)


def test_ascii_stdout_json_and_stderr() -> None:
    ok = _ascii_run("--format", "json", "--os", "linux", "--compute", "cpu",
                    "--python-version", "3.12")
    assert ok.returncode == 0, ok.stderr
    assert "3.10–3.14" in " ".join(json.loads(ok.stdout)["rationale"])
    bad = _ascii_run("--python-version", "3.9", "--os", "linux", "--compute", "cpu")
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert "(it supports 3.10-3.14)" in bad.stderr
    assert "\\u2013" not in bad.stderr


def test_uv_project_nightly_macos_uses_the_nightly_index(cli: Cli) -> None:
    code, out, _ = cli("install-command", "--torch", "nightly", "--os", "macos", "--arch",
                       "arm64", "--package", "uv-project", "--python-version", "3.12")
    assert code == 0
    assert 'url = "https://download.pytorch.org/whl/nightly/cpu"' in out
    assert "explicit = true" in out
    assert 'torch = { index = "pytorch-nightly-cpu" }' in out
    assert "come from PyPI" not in out
    assert "--prerelease allow" in out
    assert 'prerelease = "allow"' in out


def test_uv_project_stable_macos_stays_on_pypi(cli: Cli) -> None:
    code, out, _ = cli("install-command", "--os", "macos", "--arch", "arm64", "--package",
                       "uv-project", "--python-version", "3.12")
    assert code == 0
    assert "macOS wheels come from PyPI" in out
    assert "\nurl = " not in out


@pytest.mark.parametrize(("compute", "kind"), [("cu130", "CUDA"), ("rocm7.2", "ROCm")])
def test_macos_libtorch_points_at_the_cpu_download(cli: Cli, compute: str, kind: str) -> None:
    code, out, err = cli("install-command", "--os", "macos", "--arch", "arm64", "--compute",
                         compute, "--package", "libtorch")
    assert (code, out) == (2, "")
    assert err == (f"torchdoctor: error: {kind} is not available on macOS; use --compute cpu: "
                   "https://download.pytorch.org/libtorch/cpu/libtorch-macos-arm64-2.13.0.zip\n")


def test_macos_libtorch_old_release_picks_the_arch(cli: Cli) -> None:
    _, _, err = cli("install-command", "--torch", "2.2.2", "--os", "macos", "--arch", "x86_64",
                    "--compute", "cu121", "--package", "libtorch")
    assert err.rstrip().endswith("libtorch-macos-x86_64-2.2.2.zip")
    assert "arm64" not in err


def test_free_threaded_fallback_keeps_rocm(cli: Cli) -> None:
    code, _, err = cli("install-command", "--compute", "rocm7.2", "--python-version", "3.13t",
                       "--os", "linux")
    assert code == 2
    assert err.startswith("torchdoctor: error: torch 2.13.0 has free-threaded wheels for 3.14t "
                          "only; the newest release that does is 2.8.0 (it has no rocm7.2 build;"
                          " rocm6.4 is its newest ROCm build): ")
    assert "torch==2.8.0" in err
    assert "whl/rocm6.4" in err


def test_free_threaded_fallback_keeps_cuda_default(cli: Cli) -> None:
    _, _, err = cli("install-command", "--compute", "cu130", "--python-version", "3.13t", "--os",
                    "linux")
    assert "(it has no cu130 build; cu128 is its default CUDA build)" in err
    assert "whl/cu128" in err


def test_fallback_without_the_family_says_so(cli: Cli) -> None:
    _, _, err = cli("install-command", "--compute", "xpu", "--python-version", "3.13t", "--os",
                    "linux")
    assert "2.8.0, which has no XPU build for Linux x86_64; its CPU command: " in err
    _, _, err = cli("install-command", "--compute", "cu130", "--python-version", "3.8", "--os",
                    "linux", "--arch", "aarch64")
    assert "2.4.1, which has no CUDA build for Linux aarch64; its CPU command: " in err


def test_same_variant_when_the_older_release_has_it(cli: Cli) -> None:
    _, _, err = cli("install-command", "--compute", "cu126", "--python-version", "3.13t", "--os",
                    "linux")
    assert "2.8.0: pip install torch==2.8.0" in err
    assert "whl/cu126" in err
    assert "it has no" not in err
