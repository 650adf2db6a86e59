"""Errors are evidence: `torchdoctor explain` and `check --error` read the text a user saw and
judge it with the machine's facts (here a recorded machine's, through --facts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_support import MACHINES, invoke

from torchdoctor.catalogue import CATALOG
from torchdoctor.facts import facts_document
from torchdoctor.probes import collect_facts
from torchdoctor.recommend.shell import drop_from_path_variable
from torchdoctor.recorded import RecordedHost


def _facts_file(tmp_path: Path, machine: str) -> str:
    path = tmp_path / f"{machine}.json"
    facts = collect_facts(RecordedHost(MACHINES / machine), timeout=2.0)
    path.write_text(json.dumps(facts_document(facts)), encoding="utf-8")
    return str(path)


def _explain(tmp_path: Path, machine: str, text: str) -> dict[str, Any]:
    result = invoke("explain", "-", "--facts", _facts_file(tmp_path, machine), "--json",
                    stdin=text)
    assert result.exit_code in (0, 1), result.stderr
    document: dict[str, Any] = result.json()
    assert document["command"] == "explain"
    assert document["checks"][0]["id"] == "error"
    return document


CASES = [
    ("wsl2-rtx3060", "AssertionError: Torch not compiled with CUDA enabled",
     "cpu-build-on-gpu-host"),
    # No NVIDIA or AMD GPU at all (the bus was read): no build gives it CUDA, run on the CPU.
    ("cpu-linux-laptop", "AssertionError: Torch not compiled with CUDA enabled",
     "verify-device-unavailable"),
    ("rtx4090-driver550", "AssertionError: Torch not compiled with CUDA enabled",
     "wrong-interpreter"),
    ("apple-m2-macos14", "AssertionError: Torch not compiled with CUDA enabled",
     "no-cuda-on-macos"),
    ("rtx5090-driver570", "RuntimeError: CUDA error: no kernel image is available for execution "
     "on the device", "gpu-arch-not-in-wheel"),
    ("rtx5090-driver570", "UserWarning: NVIDIA GeForce RTX 5090 with CUDA capability sm_120 is "
     "not compatible with the current PyTorch installation.", "gpu-arch-not-in-wheel"),
    ("gtx1080-driver535", "RuntimeError: The NVIDIA driver on your system is too old (found "
     "version 12020).", "driver-too-old"),
    ("rtx4090-driver550", "RuntimeError: CUDA error: unknown error\nCUDA kernel errors might be "
     "asynchronously reported", "cuda-broken-after-suspend"),
    ("windows11-rtx3080", "OSError: [WinError 126] The specified module could not be found. "
     "Error loading \"C:\\env\\Lib\\site-packages\\torch\\lib\\fbgemm.dll\" or one of its "
     "dependencies.", "windows-dll-dependency-missing"),
    ("windows11-rtx3080", "ERROR: Could not install packages due to an OSError: [WinError 206] "
     "The filename or extension is too long", "windows-dll-dependency-missing"),
    ("cpu-linux-laptop", "A module that was compiled using NumPy 1.x cannot be run in NumPy 2.0.0 "
     "as it may crash.", "numpy-abi-incompatible"),
    ("cpu-linux-laptop", "RuntimeError: operator torchvision::nms does not exist",
     "torchvision-torch-mismatch"),
    ("cpu-linux-laptop", "ERROR: Could not install packages due to an OSError: [Errno 28] No "
     "space left on device", "low-disk-space"),
    ("cpu-linux-laptop", "Collecting torch\n  Downloading torch-2.13.0-cp312-...whl (900 MB)\n"
     "Killed\n", "low-memory-install"),
    ("cpu-linux-laptop", "Illegal instruction (core dumped)", "cpu-missing-avx"),
    ("rx6700xt-gfx1031", "RuntimeError: HIP error: invalid device function",
     "rocm-gfx-unsupported"),
    ("docker-no-gpu", "RuntimeError: Found no NVIDIA driver on your system.",
     "nvidia-driver-missing"),
]


@pytest.mark.parametrize(("machine", "text", "code"), CASES,
                         ids=[f"{m}-{c}" for m, _, c in CASES])
def test_a_known_error_is_explained(tmp_path: Path, machine: str, text: str, code: str) -> None:
    document = _explain(tmp_path, machine, text)
    line = document["checks"][0]
    assert code in line["problem_codes"], line
    for found in document["problems"]:
        assert found["title"] == CATALOG[found["code"]].title


def test_pip_finds_no_wheel_for_this_python(tmp_path: Path) -> None:
    """The reason comes from the facts: cpu-linux-laptop runs Python 3.13 (supported), so the
    Python is edited to 3.8, which torch 2.13.0 no longer supports."""
    path = Path(_facts_file(tmp_path, "cpu-linux-laptop"))
    document = json.loads(path.read_text(encoding="utf-8"))
    document["facts"]["python"]["version"] = "3.8.18"
    path.write_text(json.dumps(document), encoding="utf-8")
    text = ("ERROR: Could not find a version that satisfies the requirement torch (from "
            "versions: none)\nERROR: No matching distribution found for torch")
    result = invoke("explain", "-", "--facts", str(path), "--json", stdin=text)
    found = [p for p in result.json()["problems"] if p["code"] == "python-version-unsupported"]
    assert found
    assert "Python 3.8 is older than" in found[0]["message"]
    assert "2.4.1" in found[0]["message"]


def test_an_unknown_text_says_so_and_falls_back_to_the_check(tmp_path: Path) -> None:
    document = _explain(tmp_path, "cpu-linux-laptop", "ValueError: my own bug in line 3")
    line = document["checks"][0]
    assert line["status"] == "not_applicable"
    assert line["summary"] == "not recognised: ValueError: my own bug in line 3"
    assert [c["id"] for c in document["checks"]][1] == "platform"  # the check follows


def test_check_takes_the_error_too(tmp_path: Path) -> None:
    error = tmp_path / "error.txt"
    error.write_bytes("\ufeffIllegal instruction (core dumped)\n".encode("utf-8-sig"))
    result = invoke("check", "--no-verify", "--json", "--error", str(error))
    document = result.json()
    assert document["checks"][0]["id"] == "error"
    assert "cpu-missing-avx" in document["checks"][0]["problem_codes"]


def test_an_unreadable_error_file_is_one_line(tmp_path: Path) -> None:
    result = invoke("explain", str(tmp_path / "missing.txt"), "--facts",
                    _facts_file(tmp_path, "cpu-linux-laptop"))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "cannot read it" in result.stderr


def test_the_error_text_fixes_are_exact_commands(tmp_path: Path) -> None:
    """Where an error text's fix cannot be built here (a system CUDA library, a full disk, a
    CPU without AVX2), its commands are asserted exactly."""
    path = Path(_facts_file(tmp_path, "rtx4090-driver550"))
    document = json.loads(path.read_text(encoding="utf-8"))
    document["facts"]["env"]["variables"]["LD_LIBRARY_PATH"] = (
        "/usr/local/cuda-11.8/lib64:/opt/tools/lib")
    path.write_text(json.dumps(document), encoding="utf-8")

    def commands(text: str, code: str) -> list[str]:
        result = invoke("explain", "-", "--facts", str(path), "--json", stdin=text)
        found = [p for p in result.json()["problems"] if p["code"] == code]
        assert found, result.stdout
        return list(found[0]["fix"]["commands"])

    loader = ("ImportError: /env/lib/python3.12/site-packages/torch/lib/libtorch_cuda.so: "
              "undefined symbol: cudnnGetLibConfig, version libcudnn.so.9")
    assert commands(loader, "ld-library-path-shadows-cuda-libs") == [
        # the CUDA folder dropped from the live variable, the rest kept
        drop_from_path_variable("LD_LIBRARY_PATH", ["/usr/local/cuda-11.8/lib64"])]
    assert commands("OSError: [Errno 28] No space left on device", "low-disk-space") == ["df -h"]
    assert commands("Illegal instruction (core dumped)", "cpu-missing-avx") == [
        "grep -o -w -E 'avx|avx2' /proc/cpuinfo | sort -u"]
