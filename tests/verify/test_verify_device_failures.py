"""Failures after a good import: CUDA init, missing kernels, wrong results, crashes and kills.

Each test also asserts that the stages before the failure kept their results.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from verify_support import exit_code

from torchdoctor.exitcodes import ExitCode
from torchdoctor.host import RealHost
from torchdoctor.report import CheckStatus
from torchdoctor.verify import (
    Interruption,
    StageStatus,
    VerifyResult,
    expect_shortfall,
    run_verify,
    to_check,
)

FakeTorch = Callable[..., str]  # the `fake_torch` fixture's factory (see conftest.py)

RTX_3060: dict[str, Any] = {"name": "NVIDIA GeForce RTX 3060", "major": 8, "minor": 6}
CU124_ARCH = "sm_50 sm_60 sm_70 sm_75 sm_80 sm_86 sm_90"
CUDA_BUILD: dict[str, Any] = {
    "version": "2.5.1+cu124", "cuda": "12.4", "arch_flags": CU124_ARCH, "devices": [RTX_3060]
}


def _verify(python: str, **kwargs: Any) -> VerifyResult:
    options: dict[str, Any] = {"bench": False, "timeout": 30.0}
    options.update(kwargs)
    return run_verify(RealHost(), python, **options)


def _codes(result: VerifyResult) -> list[str]:
    return [p.code for p in result.problems]


def _ok_through(result: VerifyResult, last: str) -> None:
    for stage in result.stages:
        assert stage.status in (StageStatus.OK, StageStatus.SKIPPED), stage
        if stage.name == last:
            return


def _kernel(result: VerifyResult, device: str, dtype: str = "float32") -> dict[str, Any]:
    stage = result.stage("kernels")
    assert stage is not None
    return next(
        r for r in stage.data["results"] if r["device"] == device and r.get("dtype", dtype) == dtype
    )


def test_healthy_fake_cuda_machine(fake_torch: FakeTorch) -> None:
    result = _verify(fake_torch(**CUDA_BUILD))
    assert _codes(result) == []
    build = result.data("build")
    assert build["cuda"] == "12.4"
    assert build["arch_list"] == CU124_ARCH.split()
    assert build["cudnn"] == 90100
    devices = result.data("devices")["devices"]
    assert [d["id"] for d in devices] == ["cpu", "cuda:0"]
    assert devices[1]["capability"] == "8.6"
    checks = result.data("compatibility")["checks"]
    assert checks == [{"device": "cuda:0", "kind": "cuda", "supported": True, "needs": "sm_86",
                       "via": "sm_86"}]
    assert _kernel(result, "cuda:0", "float16")["status"] == "ok"
    assert expect_shortfall(result, "cuda") is None
    assert expect_shortfall(result, "gpu") is None
    assert expect_shortfall(result, "cpu") is None
    assert expect_shortfall(result, "rocm") is not None
    assert expect_shortfall(result, "mps") == "torch 2.5.1+cu124 is built without MPS support"
    assert exit_code(result) is ExitCode.OK


def test_cuda_initialisation_fails(fake_torch: FakeTorch) -> None:
    python = fake_torch(
        cuda_init_warning="CUDA unknown error - this may be due to an incorrectly set up "
        "environment, e.g. changing env variable CUDA_VISIBLE_DEVICES after program start. "
        "Setting the available devices to be zero.",
        **CUDA_BUILD,
    )
    result = _verify(python)
    assert _codes(result) == ["cuda-init-failed"]
    problem = result.problems[0]
    assert "CUDA unknown error" in problem.message
    assert problem.fix is not None
    assert "nvidia_uvm" in problem.fix.text
    assert problem.fix.commands == ("nvidia-smi",)
    _ok_through(result, "build")
    assert result.stage("devices").status is StageStatus.FAILED  # type: ignore[union-attr]
    assert expect_shortfall(result, "cuda") is not None
    assert expect_shortfall(result, "cuda") == "torch 2.5.1+cu124 sees no CUDA device"


def test_no_driver_on_a_cuda_build_is_not_an_init_failure(fake_torch: FakeTorch) -> None:
    python = fake_torch(
        cuda_init_warning="Found no NVIDIA driver on your system. Please check that you have an "
        "NVIDIA GPU and installed a driver",
        **CUDA_BUILD,
    )
    result = _verify(python)
    assert _codes(result) == []
    result_cuda = _verify(python, device="cuda")
    assert _codes(result_cuda) == ["verify-device-unavailable"]


def test_kernel_raises_no_kernel_image(fake_torch: FakeTorch) -> None:
    python = fake_torch(
        misbehave={"cuda:0": "CUDA error: no kernel image is available for execution on the "
                              "device"},
        **CUDA_BUILD,
    )
    result = _verify(python)
    assert _codes(result) == ["gpu-arch-not-in-wheel"]
    assert "no kernel image" in result.problems[0].message
    _ok_through(result, "compatibility")
    assert _kernel(result, "cpu")["status"] == "ok"
    assert _kernel(result, "cuda:0")["status"] == "error"
    assert expect_shortfall(result, "cpu") is None
    assert expect_shortfall(result, "cuda") is not None
    assert expect_shortfall(result, "cuda") == "no CUDA device passed the kernel check"


def test_compatibility_catches_a_gpu_newer_than_the_build(fake_torch: FakeTorch) -> None:
    rtx_5090 = {"name": "NVIDIA GeForce RTX 5090", "major": 12, "minor": 0}
    result = _verify(fake_torch(**dict(CUDA_BUILD, devices=[rtx_5090])))
    assert _codes(result) == ["gpu-arch-not-in-wheel"]
    assert "sm_120" in result.problems[0].message
    assert "sm_90" in result.problems[0].message
    kernel = _kernel(result, "cuda:0")
    assert kernel["status"] == "skipped"
    assert "sm_120" in kernel["reason"]
    assert _kernel(result, "cpu")["status"] == "ok"


def test_compatibility_catches_a_gpu_dropped_from_the_build(fake_torch: FakeTorch) -> None:
    gtx_1080 = {"name": "NVIDIA GeForce GTX 1080", "major": 6, "minor": 1}
    config = dict(CUDA_BUILD, version="2.13.0+cu130", arch_flags="sm_75 sm_80 sm_90 sm_120",
                  devices=[gtx_1080])
    result = _verify(fake_torch(**config))
    assert _codes(result) == ["gpu-arch-dropped-from-wheel"]


def test_ptx_covers_a_newer_gpu(fake_torch: FakeTorch) -> None:
    h100 = {"name": "NVIDIA H100", "major": 9, "minor": 0}
    result = _verify(fake_torch(**dict(CUDA_BUILD, arch_flags="sm_80 compute_80", devices=[h100])))
    assert _codes(result) == []
    assert result.data("compatibility")["checks"][0]["via"] == "compute_80"


def test_rocm_gfx_not_in_build(fake_torch: FakeTorch) -> None:
    rx = {"name": "AMD Radeon RX 7900 XTX", "gcn": "gfx1100:sramecc-:xnack-"}
    config = {"version": "2.5.1+rocm6.2", "hip": "6.2", "arch_flags": "gfx90a gfx942",
              "devices": [rx]}
    result = _verify(fake_torch(**config))
    assert _codes(result) == ["rocm-gfx-unsupported"]
    assert result.data("devices")["devices"][1]["kind"] == "rocm"


def test_matmul_result_wrong(fake_torch: FakeTorch) -> None:
    result = _verify(fake_torch(wrong={"cuda:0": 0.5}, **CUDA_BUILD))
    assert _codes(result) == ["kernel-wrong-result"]
    assert "cuda:0" in result.problems[0].message
    assert _kernel(result, "cuda:0")["rel_error"] > 0.4
    assert to_check(result).status is CheckStatus.ERROR
    assert exit_code(result) is ExitCode.PROBLEMS


def test_child_killed_during_kernels(fake_torch: FakeTorch) -> None:
    result = _verify(fake_torch(misbehave={"cuda:0": "kill"}, **CUDA_BUILD))
    assert _codes(result) == ["probe-failed"]
    assert "SIGKILL" in result.problems[0].message
    assert "kernels" in result.problems[0].message
    _ok_through(result, "compatibility")
    stage = result.stage("kernels")
    assert stage is not None
    assert stage.interruption is Interruption.KILLED
    assert result.stage("benchmark").status is StageStatus.NOT_RUN  # type: ignore[union-attr]
    assert exit_code(result) is ExitCode.INCOMPLETE
    assert to_check(result).status is CheckStatus.UNKNOWN


def test_segfault_during_kernels(fake_torch: FakeTorch) -> None:
    result = _verify(fake_torch(misbehave={"cuda:0": "segfault"}, **CUDA_BUILD))
    assert _codes(result) == ["verify-crashed"]
    _ok_through(result, "compatibility")
    assert result.data("devices")["devices"][1]["name"] == "NVIDIA GeForce RTX 3060"


def test_hang_in_device_query_hits_the_stage_budget(fake_torch: FakeTorch) -> None:
    result = _verify(fake_torch(hang_in="device_count", **CUDA_BUILD), stage_timeout=1.0)
    assert _codes(result) == ["verify-timed-out"]
    assert "devices" in result.problems[0].message
    _ok_through(result, "build")
    assert exit_code(result) is ExitCode.INCOMPLETE


def test_companion_torchvision_mismatch(fake_torch: FakeTorch) -> None:
    torchvision = "raise RuntimeError('operator torchvision::nms does not exist')\n"
    result = _verify(fake_torch(packages={"torchvision": torchvision}))
    assert _codes(result) == ["torchvision-torch-mismatch"]
    _ok_through(result, "kernels")
    companions = result.data("companions")
    assert companions["torchvision"]["ok"] is False


def test_companion_that_imports(fake_torch: FakeTorch) -> None:
    result = _verify(fake_torch(packages={"torchvision": "__version__ = '0.20.1+cpu'\n"}))
    assert _codes(result) == []
    assert result.data("companions")["torchvision"]["version"] == "0.20.1+cpu"


def test_requested_device_missing_on_cpu_build(fake_torch: FakeTorch) -> None:
    result = _verify(fake_torch(), device="cuda")
    assert _codes(result) == ["verify-device-unavailable"]
    assert "has no CUDA or ROCm support" in result.problems[0].message


def test_benchmark_reports_speedup(fake_torch: FakeTorch) -> None:
    python = fake_torch(gflops={"cpu": 50, "cuda": 5000}, **CUDA_BUILD)
    result = _verify(python, bench=True, bench_seconds=0.3)
    assert _codes(result) == []
    results = result.data("benchmark")["results"]
    assert [r["device"] for r in results] == ["cpu", "cuda:0"]
    assert results[1]["speedup"] > 10
    check = to_check(result)
    assert check.status is CheckStatus.OK
    assert "CPU" in check.summary
    assert "cuda:0" in check.summary
    assert "×" in check.summary
