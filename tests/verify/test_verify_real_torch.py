"""End to end against the real CPU build of torch in the interpreter running the tests."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import pytest
from cli_support import invoke

from torchdoctor.host import RealHost
from torchdoctor.report import CheckStatus
from torchdoctor.verify import StageStatus, VerifyResult, expect_shortfall, run_verify, to_check

pytestmark = pytest.mark.e2e
Validate = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def result() -> VerifyResult:
    pytest.importorskip("torch")
    return run_verify(RealHost(), sys.executable, bench_seconds=0.2, timeout=120.0)


def test_every_stage_passes(result: VerifyResult) -> None:
    assert result.problems == ()
    assert result.error is None
    assert not result.incomplete
    for stage in result.stages:
        assert stage.status in (StageStatus.OK, StageStatus.SKIPPED), stage
    assert result.stage("compatibility").status is StageStatus.SKIPPED  # type: ignore[union-attr]


def test_import_and_build_facts(result: VerifyResult) -> None:
    import torch

    assert result.torch_version == torch.__version__
    imported = result.data("import")
    assert imported["seconds"] > 0
    assert imported["file"].endswith("__init__.py")
    build = result.data("build")
    assert build["cuda"] == torch.version.cuda
    assert build["debug"] is False
    assert build["threads"] == torch.get_num_threads()
    assert build["parallel"]["backend"]
    assert result.child["python"] == ".".join(map(str, sys.version_info[:3]))


def test_devices_kernels_and_benchmark(result: VerifyResult) -> None:
    devices = result.data("devices")["devices"]
    assert devices[0]["id"] == "cpu"
    assert devices[0]["threads"] >= 1
    kernel = result.data("kernels")["results"][0]
    assert kernel["device"] == "cpu"
    assert kernel["status"] == "ok"
    assert kernel["rel_error"] < 1e-5
    bench = result.data("benchmark")["results"][0]
    assert bench["device"] == "cpu"
    assert bench["n"] >= 256
    assert bench["gflops"] > 0
    assert bench["repeats"] >= 3
    assert expect_shortfall(result, "cpu") is None
    build = result.data("build")
    if not (build.get("cuda") or build.get("hip") or build.get("xpu") or build.get("mps_built")):
        assert expect_shortfall(result, "gpu") == f"torch {result.torch_version} is built " \
            "without GPU support"


def test_check_line(result: VerifyResult) -> None:
    check = to_check(result)
    assert check.status is CheckStatus.OK
    assert check.title == "PyTorch works"
    assert check.summary.startswith(result.torch_version or "?")
    assert " fp32: CPU " in check.summary
    assert "FLOP/s" in check.summary
    assert len(check.details) == 7


def test_cli_json(validate: Validate) -> None:
    pytest.importorskip("torch")
    run = invoke("verify", "--python", sys.executable, "--json", "--bench-seconds", "0.1")
    doc = json.loads(run.stdout)  # exactly one document, nothing else on stdout
    validate(doc)
    assert run.exit_code == 0
    assert doc["exit_code"] == 0
    assert doc["status"] == "ok"
    assert next(iter(doc)) == "schema_version"
    assert doc["verify"]["stages"][0]["name"] == "import"


def test_cli_device_cuda_on_a_cpu_build(result: VerifyResult, validate: Validate) -> None:
    build = result.data("build")
    if build.get("cuda") or build.get("hip") or build.get("xpu"):
        pytest.skip("needs the CPU build of torch: the installed one is a GPU build")
    run = invoke("verify", "--python", sys.executable, "--device", "cuda", "--json",
                 "--no-bench")
    doc = json.loads(run.stdout)
    validate(doc)
    assert run.exit_code == 1
    assert doc["status"] == "fail"
    assert [p["code"] for p in doc["problems"]] == ["verify-device-unavailable"]
    assert doc["verify"]["stages"][-1]["status"] == "skipped"


@pytest.fixture(scope="module")
def deep() -> VerifyResult:
    pytest.importorskip("torch")
    return run_verify(RealHost(), sys.executable, bench_seconds=0.2, timeout=300.0, deep=True)


def test_deep_stages_on_the_real_build(deep: VerifyResult) -> None:
    assert [p.severity.value for p in deep.problems if p.severity.value != "info"] == []
    assert deep.error is None
    for stage in deep.stages:
        allowed = {StageStatus.OK, StageStatus.SKIPPED}
        if stage.name == "compile":  # unknown when this machine lacks torch.compile's toolchain
            allowed.add(StageStatus.UNKNOWN)
        assert stage.status in allowed, stage
    losses = deep.data("training")["results"][0]["losses"]
    assert len(losses) == 5
    assert losses[-1] < losses[0]
    assert deep.data("convolution")["results"][0]["rel_error"] < 1e-4
    assert {e["op"] for e in deep.data("linalg")["results"]} == {"solve", "svdvals"}
    assert deep.data("autocast")["results"][0]["dtype"] == "bfloat16"
    throughput = deep.data("throughput")["matmul"][0]
    assert throughput["dtype"] == "bfloat16"
    assert throughput["gflops"] > 0


def test_deep_compile_is_judged_or_says_what_is_missing(deep: VerifyResult) -> None:
    entry = deep.data("compile")["results"][0]
    assert entry["device"] == "cpu"
    if entry["status"] == "unknown":
        codes = {p.code for p in deep.problems}
        assert codes <= {"compile-toolchain-missing", "probe-failed"}, codes
        assert to_check(deep).status is CheckStatus.UNKNOWN
    else:
        assert entry["status"] == "ok", entry
        assert entry["rel_error"] < 1e-4
        assert to_check(deep).status is CheckStatus.OK
