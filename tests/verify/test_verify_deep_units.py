"""Pure pieces of `--deep`: the stage order, the child's judges, the problems and the lines."""

from __future__ import annotations

import ast
import json
import types
from pathlib import Path
from typing import Any

import pytest

from torchdoctor._child import verify_torch as child
from torchdoctor.host import ProcResult
from torchdoctor.report import CheckStatus, Severity
from torchdoctor.verify import build_result, classify, to_check
from torchdoctor.verify.describe import describe_stage
from torchdoctor.verify.result import (
    DEEP_ORDER,
    DEEP_STAGES,
    STAGES,
    StageResult,
    StageStatus,
    VerifyResult,
    from_dict,
)

DEEP = child._load_deep()
HELLO = {"event": "hello", "python": "3.11.7", "platform": "linux", "implementation": "CPython"}


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record) + "\n"


def _stage(name: str, status: str = "ok", **data: Any) -> str:
    return _line({"event": "stage", "stage": name, "status": status, "duration_s": 0.1,
                  "data": data})


def _result(channel: str, env: dict[str, str] | None = None, **proc: Any) -> VerifyResult:
    options: dict[str, Any] = {"argv": ("python",), "returncode": 0}
    options.update(proc)
    result = build_result(ProcResult(channel=channel, **options), python="py", device="auto",
                          timeout=120.0, deep=True)
    return VerifyResult(**{**result.__dict__, "problems": classify(result, env or {})})


def test_the_child_and_the_runner_agree_on_the_stages() -> None:
    assert child.STAGES == STAGES
    assert child.DEEP_STAGES == DEEP_STAGES
    assert child.DEEP_ORDER == DEEP_ORDER
    assert set(DEEP_ORDER) == set(STAGES) | set(DEEP_STAGES)
    # The timed stages come after compile (its worker is done by then); the one that may
    # poison CUDA comes last.
    assert DEEP_ORDER.index("benchmark") > DEEP_ORDER.index("compile")
    assert DEEP_ORDER[-1] == "device_errors"


def test_the_deep_child_is_python38_syntax() -> None:
    source = Path(DEEP.__file__).read_text(encoding="utf-8")
    ast.parse(source, feature_version=(3, 8))
    assert "removeprefix" not in source


@pytest.mark.parametrize(
    ("losses", "reference", "status", "words"),
    [
        ([2.3, 2.0, 1.5], [], "ok", ""),
        ([2.3, 2.4, 2.5], [], "wrong", "did not fall (2.3 to 2.5 in 3 steps)"),
        ([2.3, float("nan"), 1.0], [], "wrong", "not a finite number"),
        ([2.3, 2.0, 1.5], [2.3, 2.0, 1.5001], "ok", ""),
        ([2.3, 2.0, 1.6], [2.3, 2.0, 1.5], "wrong", "differ from the CPU's by 0.067"),
    ],
)
def test_training_judge(losses: list[float], reference: list[float], status: str,
                        words: str) -> None:
    entry = DEEP.judge_training(losses, reference)
    assert entry["status"] == status
    assert words in entry.get("reason", "")


@pytest.mark.parametrize(
    ("error", "needs"),
    [
        ("C++ compile error ... fatal error: Python.h: No such file or directory",
         "python headers"),
        ("InvalidCxxCompiler: No working C++ compiler found in torch._inductor.config.cpp.cxx",
         "c++ compiler"),
        ("Cannot find a working triton installation. Either the package is not installed",
         "triton"),
        ("Found Tesla P100 which is too old to be supported by the triton GPU compiler",
         "newer gpu"),
        ("Compiler: cl is not found.", "c++ compiler"),
        ("Failed running call_function <built-in function sin>", None),
    ],
)
def test_toolchain_errors_are_recognised(error: str, needs: str | None) -> None:
    found = DEEP.toolchain_error(RuntimeError(error))
    assert (found or {}).get("needs") == needs


def test_a_toolchain_error_is_found_behind_torchs_wrapper() -> None:
    class CppCompileError(RuntimeError):
        pass

    try:
        try:
            raise CppCompileError("C++ compile error: exit status 1")
        except CppCompileError as inner:
            raise RuntimeError("backend='inductor' raised: see above") from inner
    except RuntimeError as outer:
        found = DEEP.toolchain_error(outer)
    assert found is not None
    assert found["needs"] == "c++ compiler"


def test_autocast_availability_before_and_after_torch_24() -> None:
    old = types.SimpleNamespace(autocast=object())
    assert DEEP.autocast_available(old, "cuda") is True
    assert DEEP.autocast_available(old, "mps") is False
    new = types.SimpleNamespace(autocast=object(), amp=types.SimpleNamespace(
        is_autocast_available=lambda kind: kind == "mps"))
    assert DEEP.autocast_available(new, "mps") is True
    assert DEEP.autocast_available(types.SimpleNamespace(), "cpu") is False


def test_dtypes_per_device_kind() -> None:
    ampere, pascal = {"capability": "8.6"}, {"capability": "6.1"}
    assert DEEP.autocast_dtypes("cuda", ampere) == ["float16", "bfloat16"]
    assert DEEP.autocast_dtypes("cuda", pascal) == ["float16"]
    assert DEEP.autocast_dtypes("cpu", {}) == ["bfloat16"]
    assert [label for label, _ in DEEP.bench_dtypes("cuda", ampere)] == [
        "tf32", "bfloat16", "float16"]
    assert DEEP.bench_dtypes("cuda", pascal) == [("float16", "float16")]
    assert DEEP.bench_dtypes("mps", {}) == [("float16", "float16")]


def test_stage_status_rules() -> None:
    data: dict[str, Any] = {}
    assert DEEP.stage_status(data, [{"status": "ok"}, {"status": "unknown", "device": "cpu",
                                                       "reason": "no g++"}]) == "unknown"
    assert data["reason"] == "cpu: no g++"
    assert DEEP.stage_status({}, [{"status": "unknown"}, {"status": "error"}]) == "failed"
    skipped: dict[str, Any] = {}
    assert DEEP.stage_status(skipped, [{"status": "skipped", "reason": "no kernels"}]) == (
        "skipped")
    assert skipped["reason"] == "no kernels"


def test_a_child_killed_in_a_deep_stage_leaves_the_later_ones_not_run() -> None:
    channel = _line(HELLO) + "".join(_stage(name) for name in DEEP_ORDER[:7])
    result = _result(channel, returncode=-9)
    assert [s.name for s in result.stages] == list(DEEP_ORDER)
    stopped = result.stage("convolution")
    assert stopped is not None
    assert stopped.interruption is not None
    assert all(s.status is StageStatus.NOT_RUN for s in result.stages[8:])
    assert [p.code for p in result.problems] == ["probe-failed"]


def test_cudnn_mismatch_with_cuda_folders_on_the_library_path() -> None:
    cudnn = {"library": "cuDNN", "compiled": "9.1.0", "runtime": "8.9.7", "match": False,
             "compatible": False}
    channel = _line(HELLO) + _stage("convolution", "failed", cudnn=cudnn, results=[
        {"device": "cpu", "status": "ok", "rel_error": 1e-7}])
    result = _result(channel, env={"LD_LIBRARY_PATH": "/usr/local/cuda-12.1/lib64"})
    found = next(p for p in result.problems if p.code == "cudnn-version-mismatch")
    assert found.severity is Severity.ERROR
    assert found.fix is not None
    assert "LD_LIBRARY_PATH" in found.fix.text


def test_an_unknown_stage_makes_the_verification_incomplete() -> None:
    stage = StageResult("compile", StageStatus.UNKNOWN, reason="cpu: no g++", data={
        "results": [{"device": "cpu", "status": "unknown", "needs": "c++ compiler",
                     "reason": "no g++"}]})
    result = VerifyResult(python="py", device="auto", stages=(stage,), child=HELLO, deep=True)
    assert result.incomplete
    assert describe_stage(stage) == "cpu: no g++"
    assert to_check(result).status is CheckStatus.UNKNOWN
    doc = result.to_dict()
    assert doc["complete"] is False
    assert doc["deep"] is True
    again = from_dict(doc)
    assert again.deep is True
    assert again.stages[0].status is StageStatus.UNKNOWN


def test_deep_lines() -> None:
    throughput = StageResult("throughput", StageStatus.OK, data={
        "matmul": [{"device": "cpu", "dtype": "bfloat16", "status": "ok", "gflops": 20.0,
                    "speedup": 0.4},
                   {"device": "cuda:0", "dtype": "tf32", "status": "ok", "gflops": 150000.0,
                    "speedup": 1500.0}],
        "copy": [{"device": "cuda:0", "copy": "h2d", "status": "ok", "gb_s": 24.04},
                 {"device": "cuda:0", "copy": "d2h", "status": "error",
                  "error_type": "RuntimeError"}]})
    assert describe_stage(throughput) == (
        "CPU bf16 20 GFLOP/s (0.4×) · cuda:0 tf32 150.0 TFLOP/s (1500×), H2D 24.0 GB/s, "
        "D2H fails (RuntimeError)")
    conv = StageResult("convolution", StageStatus.OK, data={
        "results": [{"device": "cuda:0", "status": "ok", "rel_error": 2e-7, "via": "cuDNN"}],
        "cudnn": {"library": "cuDNN", "runtime": "9.3.0", "compiled": "9.1.0"}})
    assert describe_stage(conv) == "cuda:0 rel. error 2e-07 via cuDNN · cuDNN 9.3.0 (built " \
        "with 9.1.0)"
    nccl = StageResult("nccl", StageStatus.OK, data={"library": "NCCL", "version": "2.21.5"})
    assert describe_stage(nccl) == "NCCL 2.21.5"


@pytest.mark.parametrize(
    ("version", "kind", "why"),
    [("2.13.0+cpu", "cpu", ""), ("2.5.1", "mps", "torch.compile for mps is new in torch 2.6"),
     ("2.6.0", "mps", ""), ("2.4.1+xpu", "xpu", "torch.compile for xpu is new in torch 2.5"),
     ("2.7.0.dev20250101", "cuda", "")],
)
def test_compile_support_by_release(version: str, kind: str, why: str) -> None:
    torch = types.SimpleNamespace(__version__=version, compile=object())
    assert DEEP.compile_unsupported(torch, kind) == why
    assert DEEP.compile_unsupported(types.SimpleNamespace(__version__=version), kind) == (
        "torch.compile is new in torch 2.0")
