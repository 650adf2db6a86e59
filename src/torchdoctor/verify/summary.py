"""Words for a `VerifyResult`: one line per stage, the report's check line, the `--expect` answer.

    [✓] PyTorch works   2.13.0+cpu · import 2.1 s · matmul 1024² fp32: CPU 95 GFLOP/s
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torchdoctor.model import Check, CheckStatus, Severity
from torchdoctor.verify.result import StageResult, StageStatus, VerifyResult

CHECK_ID = "verify"
CHECK_TITLE = "PyTorch works"
# Which device kinds each `--expect` value accepts (ROCm builds answer through torch.cuda).
EXPECT_KINDS: Mapping[str, frozenset[str]] = {
    "cpu": frozenset({"cpu"}),
    "cuda": frozenset({"cuda"}),
    "rocm": frozenset({"rocm"}),
    "mps": frozenset({"mps"}),
    "xpu": frozenset({"xpu"}),
    "gpu": frozenset({"cuda", "rocm", "mps", "xpu"}),
}
_LABEL = {"cpu": "CPU", "cuda": "CUDA", "rocm": "ROCm", "mps": "MPS", "xpu": "XPU", "gpu": "GPU"}


def rate(gflops: float) -> str:
    """95 GFLOP/s, 8.4 GFLOP/s, 41.2 TFLOP/s."""
    if gflops >= 1000:
        return f"{gflops / 1000:.1f} TFLOP/s"
    return f"{gflops:.1f} GFLOP/s" if gflops < 10 else f"{gflops:.0f} GFLOP/s"


def seconds(value: float | None) -> str:
    """1.2 s, 35 ms."""
    if value is None:
        return "?"
    return f"{value * 1000:.0f} ms" if value < 0.1 else f"{value:.1f} s"


def device_kinds(result: VerifyResult) -> dict[str, str]:
    """Device id -> kind (cpu, cuda, rocm, mps, xpu) as the devices stage listed them."""
    kinds = {"cpu": "cpu"}
    for device in result.data("devices").get("devices", []):
        kinds[str(device.get("id"))] = str(device.get("kind"))
    return kinds


def passing_devices(result: VerifyResult) -> list[str]:
    """Devices whose every kernel check passed."""
    by_device: dict[str, bool] = {}
    for entry in result.data("kernels").get("results", []):
        device = str(entry.get("device"))
        by_device[device] = by_device.get(device, True) and entry.get("status") == "ok"
    return [device for device, ok in by_device.items() if ok]


def accelerator_passed(result: VerifyResult, expect: str) -> bool:
    """Does this result show the `--expect` accelerator passing the kernel check?"""
    return expect_shortfall(result, expect) is None


def expect_shortfall(result: VerifyResult, expect: str) -> str | None:
    """None when `--expect` is met, else one sentence saying why not."""
    kinds = EXPECT_KINDS[expect]
    label = _LABEL[expect]
    by_kind = device_kinds(result)
    if any(by_kind.get(d) in kinds for d in passing_devices(result)):
        return None
    version = result.torch_version
    if version is None:
        return f"{label} cannot be verified: torch could not be imported"
    build = result.data("build")
    built = {
        "cpu": True,
        "cuda": bool(build.get("cuda")),
        "rocm": bool(build.get("hip")),
        "mps": bool(build.get("mps_built")),
        "xpu": bool(build.get("xpu")),
        "gpu": bool(build.get("cuda") or build.get("hip") or build.get("mps_built")
                    or build.get("xpu")),
    }
    if build and not built[expect]:
        return f"torch {version} is built without {label} support"
    if not any(kind in kinds for kind in by_kind.values()):
        stage = result.stage("devices")
        if stage is None or (stage.status is not StageStatus.OK and not stage.data):
            return f"{label} could not be checked: the devices stage did not finish"
        return f"torch {version} sees no {label} device"
    return f"no {label} device passed the kernel check"


def to_check(result: VerifyResult) -> Check:
    """The report's line for the verification (id "verify")."""
    errors = [p for p in result.problems if p.severity is Severity.ERROR]
    warnings = [p for p in result.problems if p.severity is Severity.WARNING]
    version = result.torch_version or "torch"
    details = tuple(f"{s.name}: {describe_stage(s)}" for s in result.stages)
    reason = None
    if errors:
        status, summary = CheckStatus.ERROR, f"{version} — {errors[0].title}"
    elif result.incomplete:
        status = CheckStatus.UNKNOWN
        reason = _incomplete_reason(result)
        summary = f"{version} — could not check: {reason}"
    else:
        status = CheckStatus.WARNING if warnings else CheckStatus.OK
        summary = _healthy_summary(result, version)
    return Check(CHECK_ID, CHECK_TITLE, status, summary, details, reason, result.problems)


def _incomplete_reason(result: VerifyResult) -> str:
    stage = result.interrupted_stage
    if stage is not None:
        return f"{stage.error} in the {stage.name} stage"
    return result.error or "the verification did not finish"


def _healthy_summary(result: VerifyResult, version: str) -> str:
    parts = [version]
    seconds_import = result.data("import").get("seconds")
    if isinstance(seconds_import, int | float):
        parts.append(f"import {seconds(float(seconds_import))}")
    bench = result.stage("benchmark")
    if bench is not None and bench.status is StageStatus.OK:
        parts.append(benchmark_text(bench.data))
    else:
        devices = passing_devices(result)
        parts.append("matmul ok on " + ", ".join(_device_label(d) for d in devices))
    return " · ".join(parts)


def benchmark_text(data: Mapping[str, Any]) -> str:
    """matmul 1024² fp32: CPU 95 GFLOP/s · cuda:0 41.2 TFLOP/s (8192², 434×)"""
    results = [r for r in data.get("results", []) if r.get("gflops")]
    if not results:
        return "benchmark gave no figure"
    sizes = {r.get("n") for r in results}
    same = len(sizes) == 1
    head = f"matmul {results[0]['n']}² fp32: " if same else "matmul fp32: "
    items = []
    for r in results:
        extra = [] if same else [f"{r['n']}²"]
        if r.get("speedup"):
            extra.append(f"{r['speedup']:.0f}×" if r["speedup"] >= 10 else f"{r['speedup']:.1f}×")
        tail = f" ({', '.join(extra)})" if extra else ""
        items.append(f"{_device_label(str(r['device']))} {rate(float(r['gflops']))}{tail}")
    return head + " · ".join(items)


def describe_stage(stage: StageResult) -> str:
    """One line for a stage: facts when it passed, the reason when it did not."""
    if stage.status is StageStatus.SKIPPED or stage.status is StageStatus.NOT_RUN:
        return stage.reason or stage.status.value.replace("_", " ")
    if stage.interruption is not None or (stage.status is StageStatus.FAILED and stage.error):
        kind = f"{stage.error_type}: " if stage.error_type else ""
        lines = (stage.error or "").strip().splitlines() or ["failed"]
        return f"{kind}{lines[0][:200]}"
    from torchdoctor.verify.stage_text import STAGE_TEXT

    return STAGE_TEXT[stage.name](stage.data) if stage.name in STAGE_TEXT else stage.status.value


def _device_label(device: str) -> str:
    return "CPU" if device == "cpu" else device
