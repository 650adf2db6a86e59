"""`--deep`: every deep stage against a fake torch that fails it, and the healthy case.

Each failure test also checks that the stages around the failing one kept their results: one
device's or one stage's failure never hides another's finding.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_support import invoke
from verify_support import document, exit_code

from torchdoctor.exitcodes import ExitCode
from torchdoctor.host import RealHost
from torchdoctor.report import CheckStatus, Severity
from torchdoctor.verify import Interruption, StageStatus, VerifyResult, run_verify, to_check
from torchdoctor.verify.outcome import stage_checks
from torchdoctor.verify.result import DEEP_ORDER, DEEP_STAGES

FakeTorch = Callable[..., str]  # the `fake_torch` fixture's factory (see conftest.py)
Validate = Callable[[dict[str, Any]], None]

RTX_3060: dict[str, Any] = {"name": "NVIDIA GeForce RTX 3060", "major": 8, "minor": 6}
CUDA_BUILD: dict[str, Any] = {
    "version": "2.5.1+cu124", "cuda": "12.4", "arch_flags": "sm_80 sm_86 sm_90",
    "devices": [RTX_3060],
}
TRITON = {"triton": ""}  # an importable `triton`: torch.compile's GPU toolchain is there


@pytest.fixture(autouse=True)
def _compiler(monkeypatch: pytest.MonkeyPatch) -> None:
    """A C++ compiler "on PATH" wherever the tests run (the fake compile never calls it)."""
    monkeypatch.setenv("CXX", sys.executable)


def _deep(python: str, **kwargs: Any) -> VerifyResult:
    options: dict[str, Any] = {"bench": False, "timeout": 60.0, "deep": True}
    options.update(kwargs)
    return run_verify(RealHost(), python, **options)


def _codes(result: VerifyResult) -> list[str]:
    return [p.code for p in result.problems]


def _entries(result: VerifyResult, stage: str, device: str) -> list[dict[str, Any]]:
    data = result.data(stage)
    items = [*(data.get("results") or []), *(data.get("matmul") or []),
             *(data.get("copy") or [])]
    return [e for e in items if e.get("device") == device]


def _status(result: VerifyResult, name: str) -> StageStatus:
    stage = result.stage(name)
    assert stage is not None, name
    return stage.status


def _others_pass(result: VerifyResult, failing: str) -> None:
    """Every stage but `failing` ended ok or skipped: the failure stayed where it happened."""
    for stage in result.stages:
        if stage.name != failing:
            assert stage.status in (StageStatus.OK, StageStatus.SKIPPED), stage


def test_healthy_fake_cuda_machine(fake_torch: FakeTorch, validate: Validate) -> None:
    result = _deep(fake_torch(packages=TRITON, **CUDA_BUILD))
    assert _codes(result) == []
    assert tuple(s.name for s in result.stages) == DEEP_ORDER
    assert result.child["stages"] == list(DEEP_ORDER)
    for name in DEEP_STAGES:
        expected = StageStatus.SKIPPED if name in ("companion_ops", "throughput") else (
            StageStatus.OK)
        assert _status(result, name) is expected, name
    training = _entries(result, "training", "cuda:0")[0]
    assert training["losses"][-1] < training["losses"][0]
    assert training["diff_vs_cpu"] == 0.0
    assert result.data("convolution")["cudnn"]["match"] is True
    assert _entries(result, "convolution", "cuda:0")[0]["via"] == "cuDNN"
    assert [e["dtype"] for e in _entries(result, "autocast", "cuda:0")] == ["float16", "bfloat16"]
    assert [e["dtype"] for e in _entries(result, "autocast", "cpu")] == ["bfloat16"]
    assert result.data("nccl")["version"] == "2.21.5"
    assert result.data("compile")["worker"] is True
    assert [e["status"] for e in result.data("compile")["results"]] == ["ok", "ok"]
    assert _entries(result, "device_errors", "cuda:0")[0]["raised"].startswith("RuntimeError")
    assert exit_code(result) is ExitCode.OK
    assert "deep: 7 checks passed" in to_check(result).summary
    doc = document(result)
    validate(doc)
    assert doc["verify"]["deep"] is True


def test_training_whose_loss_does_not_fall(fake_torch: FakeTorch) -> None:
    python = fake_torch(packages=TRITON, losses={"cuda:0": [2.3, 2.3, 2.4, 2.4, 2.5]},
                        **CUDA_BUILD)
    result = _deep(python)
    assert _codes(result) == ["kernel-wrong-result"]
    message = result.problems[0].message
    assert message.startswith("Training the mini CNN on cuda:0 is wrong: the loss did not fall")
    assert _entries(result, "training", "cpu")[0]["status"] == "ok"
    assert result.problems[0].fix is not None
    assert result.problems[0].fix.commands == ("torchdoctor verify --deep",)
    _others_pass(result, "training")


def test_training_that_disagrees_with_the_cpu(fake_torch: FakeTorch) -> None:
    python = fake_torch(packages=TRITON, losses={"cuda:0": [2.3, 2.0, 1.6, 1.3, 1.1]},
                        **CUDA_BUILD)
    result = _deep(python)
    assert _codes(result) == ["kernel-wrong-result"]
    assert "differ from the CPU's by 0.1 (at most 0.001)" in result.problems[0].message
    assert exit_code(result) is ExitCode.PROBLEMS


def test_training_whose_backward_raises(fake_torch: FakeTorch) -> None:
    error = "RuntimeError: CUDA error: an illegal memory access was encountered"
    result = _deep(fake_torch(packages=TRITON, fail={"backward": {"cuda:0": error}},
                              **CUDA_BUILD))
    assert _codes(result) == ["kernel-failed"]
    assert result.problems[0].message == (
        "Training the mini CNN on cuda:0 raises RuntimeError: CUDA error: an illegal memory "
        "access was encountered")
    _others_pass(result, "training")


def test_a_crash_in_a_deep_stage_keeps_the_earlier_stages(fake_torch: FakeTorch) -> None:
    result = _deep(fake_torch(packages=TRITON, fail={"backward": {"cuda:0": "segfault"}},
                              **CUDA_BUILD))
    assert _codes(result) == ["verify-crashed"]
    assert "training stage" in result.problems[0].message
    stage = result.stage("training")
    assert stage is not None
    assert stage.interruption is Interruption.CRASH
    assert _status(result, "kernels") is StageStatus.OK
    assert _status(result, "device_errors") is StageStatus.NOT_RUN
    assert exit_code(result) is ExitCode.PROBLEMS


def test_convolution_with_a_wrong_result(fake_torch: FakeTorch) -> None:
    result = _deep(fake_torch(packages=TRITON, wrong_op={"conv2d": {"cuda:0": 0.3}},
                              **CUDA_BUILD))
    assert "kernel-wrong-result" in _codes(result)
    conv = next(p for p in result.problems if p.message.startswith("A float32 conv2d"))
    assert "relative error of 0.3 (at most 0.0001 expected)" in conv.message
    # The autocast stage convolves too: its result is off as well, and says so on its own.
    assert _status(result, "convolution") is StageStatus.FAILED
    assert _status(result, "linalg") is StageStatus.OK


@pytest.mark.parametrize(
    ("runtime", "severity", "stage_status"),
    [([8, 9, 7], Severity.ERROR, StageStatus.FAILED),
     ([9, 3, 0], Severity.WARNING, StageStatus.OK)],
)
def test_cudnn_runtime_differs_from_the_build(
    fake_torch: FakeTorch, runtime: list[int], severity: Severity, stage_status: StageStatus,
) -> None:
    versions = {"compiled": [9, 1, 0], "runtime": runtime}
    result = _deep(fake_torch(packages=TRITON, cudnn_versions=versions, **CUDA_BUILD))
    assert _codes(result) == ["cudnn-version-mismatch"]
    found = result.problems[0]
    assert found.severity is severity
    assert "built with cuDNN 9.1.0 and loaded cuDNN " + ".".join(map(str, runtime)) in (
        found.message)
    assert _status(result, "convolution") is stage_status
    assert _entries(result, "convolution", "cuda:0")[0]["status"] == "ok"


def test_linalg_raises_on_one_op(fake_torch: FakeTorch) -> None:
    error = "RuntimeError: cusolver error: CUSOLVER_STATUS_INTERNAL_ERROR"
    result = _deep(fake_torch(packages=TRITON, fail={"svdvals": {"cuda:0": error}},
                              **CUDA_BUILD))
    assert _codes(result) == ["kernel-failed"]
    assert result.problems[0].message.startswith("torch.linalg.svdvals on cuda:0 raises")
    solve = next(e for e in _entries(result, "linalg", "cuda:0") if e["op"] == "solve")
    assert solve["status"] == "ok"
    _others_pass(result, "linalg")


def test_an_op_not_implemented_on_a_backend_is_skipped(fake_torch: FakeTorch) -> None:
    missing = "NotImplementedError: The operator 'aten::_linalg_svd' is not currently implemented"
    result = _deep(fake_torch(packages=TRITON, fail={"svdvals": {"cuda:0": missing}},
                              **CUDA_BUILD))
    assert _codes(result) == []
    entry = next(e for e in _entries(result, "linalg", "cuda:0") if e["op"] == "svdvals")
    assert entry["status"] == "skipped"
    assert "not currently implemented" in entry["reason"]


def test_autocast_that_keeps_float32(fake_torch: FakeTorch) -> None:
    result = _deep(fake_torch(packages=TRITON, autocast_ignored=["cuda:0"], **CUDA_BUILD))
    assert _codes(result) == ["kernel-wrong-result"]
    assert result.problems[0].message == (
        "Autocast to float16 on cuda:0 is wrong: autocast left the result in torch.float32.")
    assert [e["status"] for e in _entries(result, "autocast", "cpu")] == ["ok"]
    _others_pass(result, "autocast")


def test_autocast_that_raises(fake_torch: FakeTorch) -> None:
    error = "RuntimeError: Current CUDA Device does not support bfloat16"
    result = _deep(fake_torch(packages=TRITON, fail={"autocast": {"cuda": error}},
                              **CUDA_BUILD))
    assert _codes(result) == ["kernel-failed"]
    assert "Autocast to float16 on cuda:0 raises RuntimeError" in result.problems[0].message


FAKE_VISION = '''
import torch

__version__ = "0.20.1"


class _ResNet(torch._Module):
    def __call__(self, x):
        return torch.Tensor((2, 1000), 1.0, self.device)


class models:
    @staticmethod
    def resnet18(weights="required"):
        return _ResNet()


class ops:
    @staticmethod
    def nms(boxes, scores, threshold):
        if boxes.device != "cpu":
            raise NotImplementedError("Could not run 'torchvision::nms' with arguments from the "
                                      "'CUDA' backend.")
        return torch.tensor([0, 2])
'''
FAKE_AUDIO = '''
import torch

__version__ = "2.5.1"


class _Mel(torch._Module):
    def __call__(self, wave):
        off = 0.5 if self.device != "cpu" else 0.0
        return torch.Tensor((64, 81), 1.0 + off, self.device)


class transforms:
    MelSpectrogram = _Mel
'''


def test_companion_ops_on_each_device(fake_torch: FakeTorch) -> None:
    packages = {"torchvision": FAKE_VISION, "torchaudio": FAKE_AUDIO, **TRITON}
    result = _deep(fake_torch(packages=packages, **CUDA_BUILD))
    assert _codes(result) == ["torchvision-torch-mismatch", "kernel-wrong-result"]
    assert "torchvision's nms on cuda:0 raises NotImplementedError" in result.problems[0].message
    assert result.problems[1].message.startswith("torchaudio's MelSpectrogram on cuda:0 is wrong")
    cpu = _entries(result, "companion_ops", "cpu")
    assert [(e["op"], e["status"]) for e in cpu] == [
        ("nms", "ok"), ("resnet18", "ok"), ("MelSpectrogram", "ok")]
    assert cpu[1]["shape"] == [2, 1000]
    gpu = {e["op"]: e["status"] for e in _entries(result, "companion_ops", "cuda:0")}
    assert gpu == {"nms": "error", "resnet18": "ok", "MelSpectrogram": "wrong"}
    _others_pass(result, "companion_ops")


def test_a_cuda_build_without_nccl(fake_torch: FakeTorch) -> None:
    result = _deep(fake_torch(packages=TRITON, nccl=None, **CUDA_BUILD))
    assert _codes(result) == ["nccl-unavailable"]
    assert "without a working NCCL" in result.problems[0].message
    assert _status(result, "nccl") is StageStatus.FAILED
    _others_pass(result, "nccl")


def test_compile_without_a_cpp_compiler_is_unknown_not_a_failure(
    fake_torch: FakeTorch, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CXX", "no-such-compiler-anywhere")
    result = _deep(fake_torch(packages=TRITON, **CUDA_BUILD))
    assert _codes(result) == ["compile-toolchain-missing"]
    found = result.problems[0]
    assert found.severity is Severity.INFO
    assert "no-such-compiler-anywhere is not on PATH" in found.message
    assert _status(result, "compile") is StageStatus.UNKNOWN
    assert [e["status"] for e in result.data("compile")["results"]] == ["unknown", "ok"]
    check = to_check(result)
    assert check.status is CheckStatus.UNKNOWN
    assert check.reason is not None
    assert check.reason.startswith("compile: cpu: torch.compile's CPU backend needs a C++")
    line = next(c for c in stage_checks(result) if c.id == "verify.compile")
    assert line.status is CheckStatus.UNKNOWN
    assert exit_code(result) is ExitCode.INCOMPLETE


def test_compile_without_triton_on_the_gpu(fake_torch: FakeTorch) -> None:
    result = _deep(fake_torch(**CUDA_BUILD))
    assert _codes(result) == ["triton-missing"]
    assert result.problems[0].severity is Severity.INFO
    assert "cuda:0 could not be checked: torch.compile's GPU backend needs Triton" in (
        result.problems[0].message)
    assert _entries(result, "compile", "cpu")[0]["status"] == "ok"
    assert exit_code(result) is ExitCode.INCOMPLETE


def test_compile_failing_on_missing_python_headers(fake_torch: FakeTorch) -> None:
    error = ("CppCompileError: C++ compile error\n\nOutput:\nfatal error: Python.h: No such "
             "file or directory")
    result = _deep(fake_torch(packages=TRITON, fail={"compile": {"cpu": error}}, **CUDA_BUILD))
    assert _codes(result) == ["compile-toolchain-missing"]
    entry = _entries(result, "compile", "cpu")[0]
    assert entry["needs"] == "python headers"
    fix = result.problems[0].fix
    assert fix is not None
    assert "sysconfig" in fix.commands[0]


def test_compile_that_raises_inside_torch(fake_torch: FakeTorch) -> None:
    error = "RuntimeError: Failed running call_function <built-in function sin>"
    result = _deep(fake_torch(packages=TRITON, fail={"compile": {"cuda:0": error}},
                              **CUDA_BUILD))
    assert _codes(result) == ["kernel-failed"]
    assert result.problems[0].message.startswith(
        "torch.compile of a tiny function on cuda:0 raises RuntimeError")
    _others_pass(result, "compile")


def test_compile_with_a_wrong_result(fake_torch: FakeTorch) -> None:
    result = _deep(fake_torch(packages=TRITON, wrong_op={"compile": {"cpu": 0.2}}, **CUDA_BUILD))
    assert _codes(result) == ["kernel-wrong-result"]
    assert "torch.compile of a tiny function on cpu is wrong" in result.problems[0].message


def test_a_crash_of_the_compile_worker_stays_in_the_worker(fake_torch: FakeTorch) -> None:
    result = _deep(fake_torch(packages=TRITON, fail={"compile": {"cpu": "segfault"}},
                              **CUDA_BUILD))
    assert _codes(result) == ["kernel-failed"]
    assert "died by signal" in result.problems[0].message
    assert _entries(result, "compile", "cuda:0")[0]["status"] == "skipped"
    # The main child went on: the stages after compile ran.
    assert _status(result, "device_errors") is StageStatus.OK
    assert result.signal is None


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in cmdline:
                found.append(cmdline)
    return found


def test_a_hung_compile_is_stopped_and_left_unknown(fake_torch: FakeTorch) -> None:
    python = fake_torch(packages=TRITON, fail={"compile": {"cpu": "hang"}}, **CUDA_BUILD)
    result = _deep(python, stage_timeout=5.0)
    assert _codes(result) == ["verify-timed-out"]
    assert "did not finish within 5 s" in result.problems[0].message
    assert _status(result, "compile") is StageStatus.UNKNOWN
    assert _status(result, "device_errors") is StageStatus.OK
    assert exit_code(result) is ExitCode.INCOMPLETE
    if Path("/proc/self/cmdline").exists():
        assert _processes_mentioning(str(Path(python).parent.parent)) == []


def test_throughput_figures_and_a_dtype_that_raises(fake_torch: FakeTorch) -> None:
    error = "RuntimeError: CUBLAS_STATUS_NOT_SUPPORTED when calling cublasGemmEx"
    python = fake_torch(packages=TRITON, gflops={"cpu": 50, "cuda": 5000},
                        fail={"bfloat16": {"cuda:0": error}}, **CUDA_BUILD)
    result = _deep(python, bench=True, bench_seconds=0.1)
    assert _codes(result) == ["kernel-failed"]
    assert result.problems[0].message.startswith(
        "A bfloat16 matmul for the throughput figures on cuda:0 raises RuntimeError")
    gpu = {e["dtype"]: e for e in result.data("throughput")["matmul"] if e["device"] == "cuda:0"}
    assert list(gpu) == ["tf32", "bfloat16", "float16"]
    assert gpu["tf32"]["speedup"] > 10
    assert gpu["bfloat16"]["status"] == "error"
    copies = [(e["copy"], e["pinned"], e["gb_s"] > 0) for e in result.data("throughput")["copy"]]
    assert copies == [("h2d", True, True), ("d2h", True, True)]
    assert _status(result, "benchmark") is StageStatus.OK


def test_a_copy_that_raises(fake_torch: FakeTorch) -> None:
    python = fake_torch(packages=TRITON, gflops={"cpu": 50, "cuda": 5000},
                        fail={"copy": {"cuda:0": "RuntimeError: CUDA error: out of memory"}},
                        **CUDA_BUILD)
    result = _deep(python, bench=True, bench_seconds=0.1)
    assert _codes(result) == ["kernel-failed"]
    assert result.problems[0].message.startswith("A host-to-device copy on cuda:0 raises")


def test_an_out_of_bounds_index_that_is_not_reported(fake_torch: FakeTorch) -> None:
    result = _deep(fake_torch(packages=TRITON, oob_silent=True, **CUDA_BUILD))
    assert _codes(result) == ["cuda-error-not-raised"]
    assert "An out-of-bounds index on cuda:0 was not reported as an error" in (
        result.problems[0].message)
    _others_pass(result, "device_errors")


def test_a_device_without_kernels_is_skipped_by_every_deep_stage(fake_torch: FakeTorch) -> None:
    rtx_5090 = {"name": "NVIDIA GeForce RTX 5090", "major": 12, "minor": 0}
    result = _deep(fake_torch(packages=TRITON, **dict(CUDA_BUILD, devices=[rtx_5090])))
    assert _codes(result) == ["gpu-arch-not-in-wheel"]
    for name in ("training", "convolution", "linalg", "autocast", "compile"):
        entry = _entries(result, name, "cuda:0")[0]
        assert entry["status"] == "skipped", name
        assert "sm_120" in entry["reason"]
        assert _entries(result, name, "cpu")[0]["status"] == "ok", name
    assert _status(result, "device_errors") is StageStatus.SKIPPED


def test_cli_deep_json(fake_torch: FakeTorch, validate: Validate) -> None:
    python = fake_torch(packages=TRITON, **CUDA_BUILD)
    run = invoke("verify", "--python", python, "--deep", "--json", "--no-bench")
    doc = json.loads(run.stdout)
    validate(doc)
    assert run.exit_code == 0
    assert doc["verify"]["deep"] is True
    ids = [c["id"] for c in doc["checks"]]
    assert ids[:len(DEEP_ORDER)] == [f"verify.{name}" for name in DEEP_ORDER]
    titles = {c["id"]: c["title"] for c in doc["checks"]}
    assert titles["verify.linalg"] == "Linear algebra"
    assert titles["verify.nccl"] == "NCCL"


def test_check_deep_without_verification_is_a_usage_error() -> None:
    run = invoke("check", "--deep", "--no-verify")
    assert run.exit_code == 2
    assert "--deep needs the verification" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
