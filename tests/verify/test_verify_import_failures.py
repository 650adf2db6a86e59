"""Every way `import torch` can fail becomes a problem code, never a traceback of torchdoctor's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from verify_support import exit_code

from torchdoctor.exitcodes import ExitCode
from torchdoctor.host import RealHost
from torchdoctor.report import Severity
from torchdoctor.verify import Interruption, StageStatus, VerifyResult, run_verify

FakeTorch = Callable[..., str]  # the `fake_torch` fixture's factory (see conftest.py)


def _verify(python: str, **kwargs: object) -> VerifyResult:
    options: dict[str, object] = {"bench": False, "timeout": 30.0}
    options.update(kwargs)
    return run_verify(RealHost(), python, **options)  # type: ignore[arg-type]


def _codes(result: VerifyResult) -> list[str]:
    return [p.code for p in result.problems]


def _later_stages_not_reached(result: VerifyResult) -> None:
    for stage in result.stages[1:]:
        assert stage.status in (StageStatus.NOT_RUN, StageStatus.SKIPPED), stage


def test_torch_not_installed(fake_torch: FakeTorch) -> None:
    result = _verify(fake_torch(absent=True))
    assert _codes(result) == ["torch-not-installed"]
    assert result.stage("import").data["found"] is False  # type: ignore[union-attr]
    assert result.child["python"]  # the hello line survived
    _later_stages_not_reached(result)
    assert exit_code(result) is ExitCode.PROBLEMS


def test_import_segfault(fake_torch: FakeTorch) -> None:
    python = fake_torch("os.kill(os.getpid(), signal.SIGSEGV)\n")
    result = _verify(python)
    assert _codes(result) == ["torch-import-crashed"]
    stage = result.stage("import")
    assert stage is not None
    assert stage.interruption is Interruption.CRASH
    assert result.signal == "SIGSEGV"
    assert "Segmentation fault" in result.stderr_tail  # faulthandler's stack, for -v
    assert result.child["python"]
    _later_stages_not_reached(result)


def test_import_illegal_instruction_mentions_avx(fake_torch: FakeTorch) -> None:
    result = _verify(fake_torch("os.kill(os.getpid(), signal.SIGILL)\n"))
    assert _codes(result) == ["torch-import-crashed"]
    assert "AVX" in result.problems[0].message


def test_import_hang_hits_the_whole_timeout(fake_torch: FakeTorch) -> None:
    result = _verify(fake_torch("time.sleep(3600)\n"), timeout=2.0, stage_timeout=30.0)
    assert result.timed_out
    assert _codes(result) == ["verify-timed-out"]
    assert "import" in result.problems[0].message
    assert result.stage("import").interruption is Interruption.TIMEOUT  # type: ignore[union-attr]
    assert result.problems[0].severity is Severity.INFO
    assert exit_code(result) is ExitCode.INCOMPLETE


def test_import_hang_hits_the_stage_budget(fake_torch: FakeTorch) -> None:
    result = _verify(fake_torch("time.sleep(3600)\n"), timeout=30.0, stage_timeout=1.0)
    assert not result.timed_out  # the child's own watchdog stopped it, after recording why
    assert result.returncode == 124
    stage = result.stage("import")
    assert stage is not None
    assert stage.interruption is Interruption.TIMEOUT
    assert stage.error == "timed out after 1 s"
    assert result.duration_s < 15
    assert _codes(result) == ["verify-timed-out"]


def test_import_raises_windows_dll_error(fake_torch: FakeTorch) -> None:
    python = fake_torch(
        "raise OSError('[WinError 126] The specified module could not be found. Error loading "
        '"C:\\\\env\\\\Lib\\\\site-packages\\\\torch\\\\lib\\\\c10.dll" or one of its '
        "dependencies.')\n"
    )
    result = _verify(python)
    assert _codes(result) == ["windows-dll-dependency-missing"]
    problem = result.problems[0]
    assert "c10.dll" in problem.message
    assert "WinError 126" in problem.message
    assert problem.fix is not None
    assert "Visual C++" in problem.fix.text
    stage = result.stage("import")
    assert stage is not None
    assert stage.error_type == "OSError"


def test_import_raises_libcudnn_error_with_ld_library_path(
    fake_torch: FakeTorch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LD_LIBRARY_PATH", "/usr/local/cuda-11.8/lib64")
    python = fake_torch(
        "raise ImportError('/env/lib/python3.11/site-packages/torch/lib/libtorch_cuda.so: "
        "undefined symbol: cudnnGetLibConfig, version libcudnn.so.9')\n"
    )
    result = _verify(python)
    assert _codes(result) == ["ld-library-path-shadows-cuda-libs"]
    assert "libcudnn.so.9" in result.problems[0].message


def test_import_raises_libcudnn_missing_without_ld_library_path(
    fake_torch: FakeTorch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LD_LIBRARY_PATH", raising=False)
    python = fake_torch(
        "raise ImportError('libcudnn.so.9: cannot open shared object file: No such file or "
        "directory')\n"
    )
    result = _verify(python)
    assert _codes(result) == ["torch-import-failed"]
    assert "libcudnn.so.9" in result.problems[0].message


def test_import_raises_numpy2_abi_error(fake_torch: FakeTorch) -> None:
    python = fake_torch(
        "import sys\n"
        "sys.stderr.write('A module that was compiled using NumPy 1.x cannot be run in\\n"
        "NumPy 2.1.0 as it may crash. To support both 1.x and 2.x versions of NumPy, modules "
        "must be compiled with NumPy 2.0.\\n')\n"
        "raise ImportError('numpy.core.multiarray failed to import')\n"
    )
    result = _verify(python)
    assert _codes(result) == ["numpy-abi-incompatible"]
    assert result.problems[0].severity is Severity.ERROR
    stage = result.stage("import")
    assert stage is not None
    assert "NumPy 2.1.0" in stage.data["stderr"]


def test_numpy_abi_warning_when_import_still_works(fake_torch: FakeTorch) -> None:
    python = fake_torch("warnings.warn('Failed to initialize NumPy: _ARRAY_API not found')\n")
    result = _verify(python)
    assert _codes(result) == ["numpy-abi-incompatible"]
    assert result.problems[0].severity is Severity.WARNING
    assert all(s.status is not StageStatus.FAILED for s in result.stages)
    assert exit_code(result) is ExitCode.OK


def test_missing_numpy_is_not_a_problem(fake_torch: FakeTorch) -> None:
    python = fake_torch("warnings.warn(\"Failed to initialize NumPy: No module named 'numpy'\")\n")
    assert _codes(_verify(python)) == []


def test_import_raises_torchvision_operator_error(fake_torch: FakeTorch) -> None:
    python = fake_torch("raise RuntimeError('operator torchvision::nms does not exist')\n")
    result = _verify(python)
    assert _codes(result) == ["torchvision-torch-mismatch"]
    assert "torchvision::nms" in result.problems[0].message


def test_import_raises_xpu_runtime_error(fake_torch: FakeTorch) -> None:
    python = fake_torch(
        "raise OSError('libze_loader.so.1: cannot open shared object file: No such file or "
        "directory')\n"
    )
    assert _codes(_verify(python)) == ["xpu-runtime-load-failure"]


def test_import_raises_something_else(fake_torch: FakeTorch) -> None:
    result = _verify(fake_torch("raise ValueError('something odd')\n"))
    assert _codes(result) == ["torch-import-failed"]
    assert "ValueError: something odd" in result.problems[0].message
    stage = result.stage("import")
    assert stage is not None
    assert "traceback" in stage.data


def test_garbage_on_stdout_is_ignored_and_noted(fake_torch: FakeTorch) -> None:
    python = fake_torch("print('{not json} Hello from a noisy plugin')\nprint('x' * 5000)\n")
    result = _verify(python)
    assert _codes(result) == []
    assert all(s.status is not StageStatus.FAILED for s in result.stages)
    assert any("stdout" in note and "noisy plugin" in note for note in result.notes)


def test_interpreter_that_does_not_exist(tmp_path: object) -> None:
    result = _verify("/nonexistent/bin/python")
    assert _codes(result) == ["target-python-unusable"]
    assert all(s.status is StageStatus.NOT_RUN for s in result.stages)
    assert exit_code(result) is ExitCode.PROBLEMS


@pytest.mark.e2e  # about 6 s: the backstop fires 5 s after the stage budget
def test_native_hang_holding_the_gil_hits_the_faulthandler_backstop(
    fake_torch: FakeTorch,
) -> None:
    # A ctypes call through PyDLL keeps the GIL, so the watchdog thread cannot run.
    python = fake_torch("import ctypes\nctypes.PyDLL(None).sleep(100)\n")
    result = _verify(python, timeout=30.0, stage_timeout=1.0)
    assert not result.timed_out
    assert result.duration_s < 20
    stage = result.stage("import")
    assert stage is not None
    assert stage.interruption is Interruption.TIMEOUT
    assert "native code" in (stage.error or "")
    assert _codes(result) == ["verify-timed-out"]


def test_a_thread_left_running_by_torch_does_not_hold_the_child(fake_torch: FakeTorch) -> None:
    python = fake_torch(
        "import threading\nthreading.Thread(target=time.sleep, args=(3600,)).start()\n"
    )
    result = _verify(python, timeout=20.0)
    assert not result.timed_out
    assert result.returncode == 0
    assert _codes(result) == []
    assert not result.incomplete


def test_the_verification_sees_the_users_pythonpath(
    fake_torch: FakeTorch, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`import torch` in the user's shell finds a torch on PYTHONPATH first; so must the
    verification, although its child runs isolated."""
    python = fake_torch()
    stray = tmp_path / "stray"
    (stray / "torch").mkdir(parents=True)
    (stray / "torch" / "__init__.py").write_text(
        "raise ImportError('the torch on PYTHONPATH is broken')\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(stray))
    result = _verify(python)
    assert _codes(result) == ["torch-import-failed"]
    assert "the torch on PYTHONPATH is broken" in result.problems[0].message
    assert result.child.get("pythonpath") == [str(stray)]
    monkeypatch.delenv("PYTHONPATH")
    assert _codes(_verify(python)) == []
