"""The problems of the deep stages (`--deep`): one per device and stage, most telling first.

Pure, like `classify`: a stage result in, catalogued problems out. An entry that computed
something wrong is `kernel-wrong-result`, one that raised is `kernel-failed` unless its text
names a known cause; torch.compile without its toolchain could not be judged, so its problem is
info (the run is incomplete, exit 3, never a failure of torch).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torchdoctor.catalogue import problem
from torchdoctor.report import Fix, Problem, Severity
from torchdoctor.verify import fixes
from torchdoctor.verify.errors import error_text, match_companion_error
from torchdoctor.verify.result import StageResult, StageStatus, VerifyResult

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
Entry = Mapping[str, Any]

# What each per-device stage ran, for the messages ("Training the mini CNN on cuda:0 ...").
_WHAT = {
    "training": "Training the mini CNN",
    "convolution": "A float32 conv2d",
    "linalg": "torch.linalg.{op}",
    "autocast": "Autocast to {dtype}",
    "companion_ops": "{package}'s {op}",
    "compile": "torch.compile of a tiny function",
    "throughput": "A {dtype} matmul for the throughput figures",
    "device_errors": "An out-of-bounds index",
}
# What torch.compile lacked (the worker's `needs`) -> the code that says so.
_NEEDS = {
    "c++ compiler": "compile-toolchain-missing",
    "python headers": "compile-toolchain-missing",
    "triton": "triton-missing",
    "newer gpu": "triton-gpu-too-old",
}


def deep_problems(result: VerifyResult, stage: StageResult, env: Mapping[str, str],
                  py: str) -> list[Problem]:
    """The problems one deep stage shows."""
    if stage.name == "nccl":
        return _nccl(result, stage)
    found: list[Problem] = []
    if stage.name == "convolution":
        found += _cudnn(result, stage, env, py)
    entries = _entries(stage)
    if stage.status is StageStatus.FAILED and stage.error and not entries:
        found.append(_problem("kernel-failed", E, f"The {stage.name} stage raises "
                              f"{stage.error_type}: {_first_line(stage.error)}",
                              fixes.report_bug()))
    reported: set[object] = set()  # one problem per device and stage (and companion package)
    for entry in entries:
        key = (entry.get("device"), entry.get("package"))
        status = entry.get("status")
        if key in reported or status not in ("wrong", "error", "unknown"):
            continue
        reported.add(key)
        what = _what(stage.name, entry)
        if status == "unknown":
            found.append(_unknown(result, what, entry, py))
        elif status == "wrong":
            found.append(_wrong(stage.name, what, entry))
        else:
            found.append(_error(result, stage.name, what, entry, py))
    return found


def _entries(stage: StageResult) -> list[Entry]:
    data = stage.data
    items = [*(data.get("results") or ()), *(data.get("matmul") or ()), *(data.get("copy") or ())]
    return [item for item in items if isinstance(item, Mapping)]


def _what(stage: str, entry: Entry) -> str:
    text = _WHAT.get(stage, f"The {stage} check")
    if stage == "throughput" and entry.get("copy"):
        return f"A {'host-to-device' if entry['copy'] == 'h2d' else 'device-to-host'} copy"
    try:
        return text.format(**{k: entry.get(k, "?") for k in ("op", "dtype", "package")})
    except (KeyError, IndexError, ValueError):
        return text


def _wrong(stage: str, what: str, entry: Entry) -> Problem:
    device = entry.get("device")
    if stage == "device_errors":
        return _problem("cuda-error-not-raised", E,
                        f"{what} on {device} was not reported as an error: "
                        f"{entry.get('reason') or 'it returned a value'}.",
                        fixes.cuda_error_not_raised())
    why = entry.get("reason")
    if not why:
        err = entry.get("rel_error")
        shown = "not a finite number" if not isinstance(err, int | float) else f"{err:.2g}"
        why = f"a relative error of {shown} (at most {entry.get('tolerance')} expected)"
    return _problem("kernel-wrong-result", E, f"{what} on {device} is wrong: {why}.",
                    fixes.wrong_result(fixes.DEEP_COMMAND))


def _error(result: VerifyResult, stage: str, what: str, entry: Entry, py: str) -> Problem:
    device = entry.get("device")
    text = str(entry.get("error") or "")
    shown = f"{entry.get('error_type') or 'Error'}: {_first_line(text)}"
    message = f"{what} on {device} raises {shown}"
    full = error_text(text, entry.get("error_chain"))
    if "no kernel image is available" in full.lower():
        return _problem("gpu-arch-not-in-wheel", E, message, fixes.new_build(str(device)))
    if stage == "companion_ops":
        code = match_companion_error(full)
        if code == "torchvision-torch-mismatch":
            return _problem(code, E, message, fixes.companions())
        if code == "numpy-abi-incompatible":
            return _problem(code, E, message, fixes.numpy(py))
    if "cudnn version incompatibility" in full.lower():
        return _problem("cudnn-version-mismatch", E, message, fixes.cudnn(py))
    return _problem("kernel-failed", E, message, fixes.report_bug())


def _unknown(result: VerifyResult, what: str, entry: Entry, py: str) -> Problem:
    device, needs = entry.get("device"), str(entry.get("needs") or "")
    reason = str(entry.get("reason") or "it could not be judged")
    message = f"{what} on {device} could not be checked: {reason}."
    code = _NEEDS.get(needs)
    windows = result.child.get("platform") == "win32"
    if code == "compile-toolchain-missing":
        fix = fixes.compile_toolchain(str(result.child.get("platform") or ""),
                                      needs == "python headers", py)
    elif code == "triton-missing":
        fix = fixes.triton(py, windows)
    elif code == "triton-gpu-too-old":
        fix = fixes.triton_gpu_too_old(windows)
    elif needs:  # torch.compile does not support this Python
        return _problem("probe-failed", INFO, message, fixes.compile_python(py))
    else:  # it ran out of time
        return _problem("verify-timed-out", INFO, message, fixes.retry_longer(py))
    return _problem(code, INFO, message, fix)


def _cudnn(result: VerifyResult, stage: StageResult, env: Mapping[str, str],
           py: str) -> list[Problem]:
    info = stage.data.get("cudnn")
    if not isinstance(info, Mapping) or info.get("match") is not False:
        return []
    name = info.get("library", "cuDNN")
    severity = W if info.get("compatible") else E
    verdict = ("torch accepts this newer minor release, but it is not the pair torch was tested "
               "with" if info.get("compatible") else "torch refuses this pair")
    message = (f"torch {result.torch_version} was built with {name} {info.get('compiled')} and "
               f"loaded {name} {info.get('runtime')}: {verdict}.")
    fix = fixes.ld_library_path() if _cuda_on_ld_path(env) else fixes.cudnn(py)
    return [_problem("cudnn-version-mismatch", severity, message, fix)]


def _cuda_on_ld_path(env: Mapping[str, str]) -> bool:
    from torchdoctor.verify.errors import cuda_paths_in_ld_library_path

    return bool(cuda_paths_in_ld_library_path(env))


def _nccl(result: VerifyResult, stage: StageResult) -> list[Problem]:
    data = stage.data
    if stage.status is not StageStatus.FAILED:
        return []
    library = data.get("library", "NCCL")
    why = data.get("error") or stage.error or (
        "torch.distributed is not available" if data.get("distributed") is False
        else f"torch.distributed has no {library} backend")
    return [_problem("nccl-unavailable", E,
                     f"torch {result.torch_version} is a GPU build without a working {library} "
                     f"(multi-GPU training needs it): {_first_line(str(why))}.",
                     fixes.nccl())]


def _problem(code: str, severity: Severity, message: str, fix: Fix | None) -> Problem:
    return problem(code, "verify", message, fix, severity)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    line = lines[0] if lines else ""
    return line if len(line) <= 300 else line[:299] + "…"
