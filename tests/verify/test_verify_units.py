"""Pure pieces: channel parsing, outcome decoding, the arch rule, error matching, 3.8 syntax."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from verify_support import document

from torchdoctor._child import verify_torch as child
from torchdoctor.host import ProcResult
from torchdoctor.verify import (
    STAGES,
    Interruption,
    StageStatus,
    build_result,
    classify,
    expect_shortfall,
    to_check,
)
from torchdoctor.verify.errors import match_companion_error, match_import_error
from torchdoctor.verify.result import VerifyResult

HELLO = {"event": "hello", "python": "3.8.18", "platform": "linux", "implementation": "CPython"}


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record) + "\n"


def _stage(name: str, status: str = "ok", **data: Any) -> str:
    return _line({"event": "stage", "stage": name, "status": status, "duration_s": 0.1,
                  "data": data})


def _result(channel: str, **proc: Any) -> VerifyResult:
    options: dict[str, Any] = {"argv": ("python",), "returncode": 0}
    options.update(proc)
    result = build_result(ProcResult(channel=channel, **options), python="py", device="auto",
                          timeout=120.0)
    return VerifyResult(**{**result.__dict__, "problems": classify(result, {})})


def test_truncated_last_line_is_tolerated() -> None:
    channel = _line(HELLO) + _stage("import", version="2.4.1") + '{"event": "stage", "sta'
    result = _result(channel, returncode=-9)
    assert result.stage("import").status is StageStatus.OK  # type: ignore[union-attr]
    assert "the last channel line was cut short" in result.notes
    build = result.stage("build")
    assert build is not None
    assert build.interruption is Interruption.KILLED
    assert [p.code for p in result.problems] == ["probe-failed"]


def test_windows_access_violation_is_a_crash() -> None:
    result = _result(_line(HELLO), returncode=0xC0000005)
    assert result.signal == "access violation (0xC0000005)"
    assert [p.code for p in result.problems] == ["torch-import-crashed"]


def test_faulthandler_backstop_is_a_timeout() -> None:
    channel = _line(HELLO) + _stage("import", version="2.4.1")
    result = _result(channel, returncode=1, stderr="Timeout (0:01:05)!\nThread 0x1 ...")
    assert result.stage("build").interruption is Interruption.TIMEOUT  # type: ignore[union-attr]
    assert [p.code for p in result.problems] == ["verify-timed-out"]


def test_exit_mid_stage_and_crash_at_shutdown() -> None:
    channel = _line(HELLO) + _stage("import", version="2.4.1")
    mid = _result(channel, returncode=7)
    assert mid.stage("build").interruption is Interruption.EXIT  # type: ignore[union-attr]
    assert [p.code for p in mid.problems] == ["probe-failed"]
    every = _line(HELLO) + "".join(_stage(name) for name in STAGES)
    shutdown = _result(every, returncode=-11)
    assert shutdown.problems == ()
    assert not shutdown.incomplete
    assert any("SIGSEGV after its last stage" in note for note in shutdown.notes)


def test_script_that_cannot_start() -> None:
    result = _result("", returncode=1, stderr="SyntaxError: invalid syntax\n")
    assert [p.code for p in result.problems] == ["probe-failed"]
    assert "SyntaxError" in result.problems[0].message
    assert result.incomplete
    shortfall = expect_shortfall(result, "cuda")
    assert shortfall == "CUDA cannot be verified: torch could not be imported"


@pytest.mark.parametrize(
    ("major", "minor", "arch", "expected"),
    [
        (8, 6, "sm_80 sm_86 sm_90", (True, "sm_86")),
        (8, 9, "sm_80 sm_86 sm_90", (True, "sm_86")),  # same major, newer minor: binary compatible
        (8, 0, "sm_86 sm_90", (False, None)),  # sm_86 cubins do not run on 8.0
        (12, 0, "sm_50 sm_90 compute_90", (True, "compute_90")),  # PTX JIT
        (12, 0, "sm_50 sm_90", (False, None)),
        (9, 0, "sm_90a", (True, "sm_90a")),
        (10, 3, "sm_100a", (False, None)),  # arch-specific cubins need the exact capability
        (6, 1, "sm_75 sm_80 compute_80", (False, None)),
    ],
)
def test_capability_rule(major: int, minor: int, arch: str, expected: tuple[Any, Any]) -> None:
    assert child._cap_supported(major, minor, arch.split()) == expected


@pytest.mark.parametrize(
    ("text", "error_type", "env", "code"),
    [
        ("DLL load failed while importing _C: The specified module could not be found.",
         "ImportError", {}, "windows-dll-dependency-missing"),
        ("libcublasLt.so.12: undefined symbol: cublasLtGetVersion", "ImportError",
         {"LD_LIBRARY_PATH": "/opt/cuda/lib64"}, "ld-library-path-shadows-cuda-libs"),
        ("libnccl.so.2: cannot open shared object file", "OSError",
         {"LD_LIBRARY_PATH": "/home/x/lib"}, "torch-import-failed"),
        ("_ARRAY_API not found", "ImportError", {}, "numpy-abi-incompatible"),
        ("operator torchvision::nms does not exist", "RuntimeError", {},
         "torchvision-torch-mismatch"),
        ("No module named 'typing_extensions'", "ModuleNotFoundError", {}, "torch-import-failed"),
    ],
)
def test_import_error_matching(
    text: str, error_type: str, env: dict[str, str], code: str
) -> None:
    assert match_import_error(text, error_type, env).code == code


def test_companion_error_matching() -> None:
    assert match_companion_error("operator torchvision::nms does not exist") == (
        "torchvision-torch-mismatch"
    )
    assert match_companion_error("No module named 'PIL'") == "companion-import-failed"


def test_child_script_is_python38_syntax() -> None:
    source = Path(child.__file__).read_text(encoding="utf-8")
    ast.parse(source, feature_version=(3, 8))
    assert "removeprefix" not in source
    assert "removesuffix" not in source


def test_parallel_info_parse() -> None:
    text = (
        "ATen/Parallel:\n\tat::get_num_threads() : 4\n\tat::get_num_interop_threads() : 2\n"
        "OpenMP 201511 (a.k.a. OpenMP 4.5)\n\tomp_get_max_threads() : 4\n"
        "Environment variables:\n\tOMP_NUM_THREADS : 4\n\tMKL_NUM_THREADS : [not set]\n"
        "ATen parallel backend: OpenMP\n"
    )
    info = child._parse_parallel(text)
    assert info["backend"] == "OpenMP"
    assert info["intra_op_threads"] == 4
    assert info["libraries"] == ["OpenMP 201511 (a.k.a. OpenMP 4.5)"]
    assert info["env"] == {"OMP_NUM_THREADS": "4"}


def test_synthetic_documents_validate(validate: Callable[[dict[str, Any]], None]) -> None:
    bench = {"dtype": "float32", "budget_s": 1.0, "results": [
        {"device": "cpu", "kind": "cpu", "n": 1024, "gflops": 95.0, "seconds_median": 0.0226,
         "repeats": 40}]}
    kernels = {"results": [{"device": "cpu", "dtype": "float32", "status": "ok",
                            "rel_error": 2e-7}]}
    data: dict[str, dict[str, Any]] = {"benchmark": bench, "kernels": kernels}
    every = _line(HELLO) + "".join(_stage(n, **data.get(n, {})) for n in STAGES)
    every += _line({"event": "done"})
    for result in (
        _result(every),
        _result(_line(HELLO) + _stage("import"), returncode=-11),
        _result("", error="not found", returncode=None),
        _result(_line(HELLO), timed_out=True, returncode=None, error="timed out after 120 s"),
    ):
        validate(document(result))
        to_check(result)  # never raises, whatever the result
