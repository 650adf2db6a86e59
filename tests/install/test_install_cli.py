"""`torchdoctor install-command` through the real CLI: output contract and error cases."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

Cli = Callable[..., tuple[int, str, str]]
PY = ("--python-version", "3.12")


def test_example_previous_versions(cli: Cli) -> None:
    code, out, err = cli("install-command", "--torch", "2.5.1", "--os", "linux", "--compute",
                         "cu121", *PY)
    assert (code, err) == (0, "")
    assert out == ("pip install torch==2.5.1 torchvision==0.20.1 torchaudio==2.5.1 "
                   "--index-url https://download.pytorch.org/whl/cu121\n")


def test_example_selector_windows(cli: Cli) -> None:
    code, out, err = cli("install-command", "--torch", "stable", "--os", "windows", "--compute",
                         "cu130", *PY)
    assert (code, err) == (0, "")
    assert out == "pip3 install torch torchvision --index-url https://download.pytorch.org/whl/cu130\n"


def test_stable_number_equals_stable(cli: Cli) -> None:
    a = cli("install-command", "--torch", "stable", "--os", "linux", "--compute", "cu130", *PY)
    b = cli("install-command", "--torch", "2.13.0", "--os", "linux", "--compute", "cu130", *PY)
    assert a == b == (0, "pip3 install torch torchvision\n", "")


def test_nightly(cli: Cli) -> None:
    code, out, _ = cli("install-command", "--torch", "nightly", "--os", "linux", "--compute",
                       "cu126", *PY)
    assert code == 0
    assert out == ("pip3 install --pre torch torchvision --index-url "
                   "https://download.pytorch.org/whl/nightly/cu126\n")


def test_json_document(cli: Cli) -> None:
    code, out, _ = cli("install-command", "--torch", "2.5.1", "--os", "linux", "--arch", "x86_64",
                       "--compute", "cu121", "--format", "json", *PY)
    doc = json.loads(out)
    assert code == 0
    assert {"command", "torch_version", "os", "arch", "compute", "package", "index_url", "source",
            "knowledge_date"} <= set(doc)
    assert doc["torch_version"] == "2.5.1"
    assert doc["source"] == "previous-versions"
    assert doc["index_url"] == "https://download.pytorch.org/whl/cu121"
    assert doc["knowledge_date"] == "2026-07-28"


def test_verbose_rationale_goes_to_stderr(cli: Cli) -> None:
    code, out, err = cli("install-command", "-v", "--torch", "stable", "--os", "linux",
                         "--compute", "cu130", *PY)
    assert code == 0
    assert out == "pip3 install torch torchvision\n"
    assert "PyPI default" in err
    assert "Knowledge date: 2026-07-28" in err


def test_xpu_from_additional_platforms(cli: Cli) -> None:
    code, out, _ = cli("install-command", "--os", "windows", "--compute", "xpu", "--format",
                       "json", *PY)
    doc = json.loads(out)
    assert code == 0
    assert doc["source"] == "additional-platforms"
    assert doc["command"] == ("pip3 install torch torchvision --index-url "
                              "https://download.pytorch.org/whl/xpu")


def test_uv(cli: Cli) -> None:
    code, out, _ = cli("install-command", "--os", "linux", "--compute", "cu126", "--package", "uv",
                       *PY)
    assert (code, out) == (0, "uv pip install torch torchvision --index-url "
                              "https://download.pytorch.org/whl/cu126\n")


def test_uv_project_snippet(cli: Cli) -> None:
    code, out, _ = cli("install-command", "--torch", "2.5.1", "--os", "linux", "--compute",
                       "cu124", "--package", "uv-project", *PY)
    assert code == 0
    assert '"torch==2.5.1", "torchvision==0.20.1"' in out
    assert ('[[tool.uv.index]]\nname = "pytorch-cu124"\n'
            'url = "https://download.pytorch.org/whl/cu124"\nexplicit = true\n') in out
    assert ('[tool.uv.sources]\ntorch = { index = "pytorch-cu124" }\n'
            'torchvision = { index = "pytorch-cu124" }\n') in out


def test_source_and_libtorch(cli: Cli) -> None:
    code, out, _ = cli("install-command", "--os", "linux", "--package", "source", *PY)
    assert (code, out) == (0, "# Follow instructions at this URL: "
                              "https://github.com/pytorch/pytorch#from-source\n")
    code, out, _ = cli("install-command", "--os", "windows", "--compute", "cu126", "--package",
                       "libtorch")
    assert code == 0
    assert out == ("Download here (Release version):\nhttps://download.pytorch.org/libtorch/cu126/"
                   "libtorch-win-shared-with-deps-2.13.0%2Bcu126.zip\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--torch", "stable", "--os", "macos", "--compute", "cu130"),
         "CUDA is not available on macOS; use the default package: pip3 install torch torchvision"),
        (("--torch", "stable", "--os", "macos", "--compute", "rocm7.2"),
         "ROCm is not available on macOS; use the default package: pip3 install torch torchvision"),
        (("--torch", "stable", "--os", "windows", "--compute", "rocm7.2"),
         "ROCm is not available on Windows; torch 2.13.0 for Windows has: cpu, cu126, cu130, "
         "cu132, xpu"),
        (("--torch", "2.5.1", "--os", "linux", "--compute", "cu130"),
         "torch 2.5.1 has no cu130 build for Linux; it has: cpu, cu118, cu121, cu124, rocm6.1, "
         "rocm6.2"),
        (("--torch", "2.5.3", "--os", "linux"),
         "torch 2.5.3 is not a known release; nearby: 2.5.0, 2.5.1, 2.6.0, 2.7.0"),
        (("--torch", "1.0.0", "--os", "linux", "--python-version", "3.11"),
         "torch 1.0.0 has no wheels for Python 3.11 (it supports 3.5–3.7); the newest release "
         "that does is 2.13.0: pip3 install torch torchvision --index-url "
         "https://download.pytorch.org/whl/cpu"),
        (("--torch", "stable", "--os", "linux", "--compute", "cu126", "--python-version", "3.9"),
         "torch 2.13.0 has no wheels for Python 3.9 (it supports 3.10–3.14); the newest release "
         "that does is 2.8.0: pip install torch==2.8.0 torchvision==0.23.0 torchaudio==2.8.0 "
         "--index-url https://download.pytorch.org/whl/cu126"),
        (("--torch", "2.14.1", "--os", "linux"), "is newer than the knowledge (2026-07-28)"),
        (("--torch", "stable", "--os", "linux", "--package", "conda"),
         "pytorch conda channel stopped at 2.5.1"),
        (("--torch", "stable", "--os", "macos", "--arch", "x86_64"),
         "the last release for Intel Macs is 2.2.2"),
        (("--compute", "cu12.8"), "--compute 'cu12.8' is not valid"),
        (("--torch", "banana"), "--torch 'banana' is not valid"),
        (("--os", "beos"), "--os 'beos' is not valid"),
        (("--package", "brew"), "--package 'brew' is not valid"),
        (("--python-version", "three"), "--python-version 'three' is not valid"),
        (("--format", "yaml"), "--format 'yaml' is not valid"),
    ],
)
def test_errors_exit_2_with_one_line(cli: Cli, args: tuple[str, ...], message: str) -> None:
    full = args if "--python-version" in args else (*args, *PY)
    code, out, err = cli("install-command", *full)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("torchdoctor: error: ")
    assert message in err
    assert "Traceback" not in err


def test_unknown_flag_exits_2(cli: Cli) -> None:
    code, out, err = cli("install-command", "--bogus")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_corrupt_knowledge_is_one_line(cli: Cli, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from torchdoctor.knowledge import loader

    (tmp_path / "releases.json").write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(loader, "DATA_DIR", str(tmp_path))
    code, out, err = cli("install-command", "--os", "linux", *PY)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "is not valid JSON" in err
