"""What a `VerifyResult` means for the report: its check lines and the `--expect` answer.

    [✓] PyTorch works   2.13.0+cpu · import 2.1 s · matmul 1024² fp32: CPU 95 GFLOP/s
"""

from __future__ import annotations

from collections.abc import Mapping

from torchdoctor.report import ACCELERATORS, Check, CheckStatus, Severity
from torchdoctor.verify.describe import benchmark_text, describe_stage, device_label, seconds
from torchdoctor.verify.result import DEEP_STAGES, StageResult, StageStatus, VerifyResult

CHECK_ID = "verify"
CHECK_TITLE = "PyTorch works"
# Which device kinds each `--expect` value accepts (ROCm builds answer through torch.cuda).
EXPECT_KINDS: Mapping[str, frozenset[str]] = {
    "cpu": frozenset({"cpu"}),
    **{kind: frozenset({kind}) for kind in ACCELERATORS},
    "gpu": frozenset(ACCELERATORS),
}
_LABEL = {"cpu": "CPU", "cuda": "CUDA", "rocm": "ROCm", "mps": "MPS", "xpu": "XPU", "gpu": "GPU"}
# Stage titles where the name does not read well capitalised.
TITLES = {"linalg": "Linear algebra", "companion_ops": "Companion ops", "nccl": "NCCL",
          "device_errors": "Device errors"}


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
        summary = f"{version}, could not check"  # the renderers add the reason
    else:
        status = CheckStatus.WARNING if warnings else CheckStatus.OK
        summary = _healthy_summary(result, version)
    return Check(CHECK_ID, CHECK_TITLE, status, summary, details, reason, result.problems)


def _incomplete_reason(result: VerifyResult) -> str:
    stage = result.interrupted_stage
    if stage is not None:
        return f"{stage.error} in the {stage.name} stage"
    unknown = next((s for s in result.stages if s.status is StageStatus.UNKNOWN), None)
    if unknown is not None:
        return f"{unknown.name}: {unknown.reason or 'could not be judged'}"
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
        parts.append("matmul ok on " + ", ".join(device_label(d) for d in devices))
    if result.deep:
        passed = [s for s in result.stages if s.name in DEEP_STAGES and s.ok]
        parts.append(f"deep: {len(passed)} checks passed")
    return " · ".join(parts)


def stage_checks(result: VerifyResult) -> tuple[Check, ...]:
    """One check line per stage, for `torchdoctor verify` (`check` shows them with -v only).

    Their problems stay on the "PyTorch works" line, so each problem is shown once."""
    checks = []
    for stage in result.stages:
        status = _stage_status(stage)
        reason = describe_stage(stage) if status is CheckStatus.UNKNOWN else None
        unfinished = "could not check" if stage.status is StageStatus.UNKNOWN else (
            "could not finish")
        summary = unfinished if reason else describe_stage(stage)
        details = (f"took {seconds(stage.duration_s)}",) if stage.duration_s else ()
        title = TITLES.get(stage.name, stage.name.capitalize())
        checks.append(Check(f"{CHECK_ID}.{stage.name}", title, status, summary, details, reason))
    return tuple(checks)


def _stage_status(stage: StageResult) -> CheckStatus:
    unknown = (StageStatus.NOT_RUN, StageStatus.UNKNOWN)
    if stage.status in unknown or stage.interruption is not None:
        return CheckStatus.UNKNOWN
    if stage.status is StageStatus.SKIPPED:
        return CheckStatus.NOT_APPLICABLE
    return CheckStatus.OK if stage.status is StageStatus.OK else CheckStatus.ERROR
