"""Turn a `VerifyResult` into problems: one stable code per distinct failure, with its fix.

Pure: the result and the environment in, problems out. Codes are those of the diagnosis
catalogue (docs/problems.md); each message names what was found against what was expected.
"""

from __future__ import annotations

from collections.abc import Mapping

from torchdoctor.catalogue import problem
from torchdoctor.report import Fix, Problem, Severity
from torchdoctor.verify import fixes
from torchdoctor.verify.classify_deep import deep_problems
from torchdoctor.verify.errors import (
    BENIGN_CUDA_INIT,
    error_text,
    match_companion_error,
    match_import_error,
    numpy_abi_text,
)
from torchdoctor.verify.result import (
    DEEP_STAGES,
    Interruption,
    StageResult,
    StageStatus,
    VerifyResult,
)

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def classify(result: VerifyResult, env: Mapping[str, str]) -> tuple[Problem, ...]:
    """Every problem the verification shows, most fundamental first, without duplicates."""
    found: list[Problem] = []
    py = fixes.quoted_python(result.python, result.child.get("platform") == "win32")
    if not result.child:
        found.append(_not_started(result, py))
        return tuple(found)
    for stage in result.stages:
        if stage.interruption is not None:
            found.append(_interrupted(result, stage, py))
        elif stage.name == "import":
            found += _import_problems(result, stage, env, py)
        elif stage.name == "devices":
            found += _device_problems(result, stage)
        elif stage.name == "compatibility":
            found += _compatibility_problems(result, stage)
        elif stage.name == "kernels":
            found += _kernel_problems(result, stage)
        elif stage.name == "companions":
            found += _companion_problems(result, stage, py)
        elif stage.name in DEEP_STAGES:
            found += deep_problems(result, stage, env, py)
    unique: dict[tuple[str, str], Problem] = {}
    for found_problem in found:
        unique.setdefault((found_problem.code, found_problem.message), found_problem)
    return tuple(unique.values())


def _problem(code: str, severity: Severity, message: str, fix: Fix | None) -> Problem:
    return problem(code, "verify", message, fix, severity)


def _not_started(result: VerifyResult, py: str) -> Problem:
    why = result.error or "it gave no answer"
    if result.timed_out:
        return _problem(
            "verify-timed-out",
            INFO,
            f"{result.python} did not start the verification: {why}.",
            fixes.retry_longer(py),
        )
    if why.endswith(("not found", "permission denied")) or "could not start" in why:
        return _problem(
            "target-python-unusable",
            E,
            f"Cannot run {result.python}: {why}.",
            fixes.target_python(),
        )
    detail = result.stderr_tail.strip().splitlines()[-1:] or [why]
    return _problem(
        "probe-failed",
        INFO,
        f"The verification script did not start in {result.python}: {detail[0]}.",
        fixes.report_bug(),
    )


def _interrupted(result: VerifyResult, stage: StageResult, py: str) -> Problem:
    where = f"the {stage.name} stage"
    why = stage.error or "it stopped"
    if stage.interruption is Interruption.TIMEOUT:
        return _problem(
            "verify-timed-out",
            INFO,
            f"torch did not get through {where}: {why}.",
            fixes.retry_longer(py),
        )
    if stage.interruption is Interruption.KILLED:
        return _problem(
            "probe-failed",
            INFO,
            f"The verification child was {why} during {where} "
            "(out of memory, or stopped by another process?).",
            fixes.report_bug(),
        )
    if stage.name == "import" and stage.interruption is Interruption.CRASH:
        sigill = "SIGILL" in why or "illegal instruction" in why
        hint = (
            " An illegal instruction usually means the CPU lacks an instruction set the "
            "wheel was built for (AVX/AVX2)."
            if sigill
            else ""
        )
        return _problem(
            "torch-import-crashed",
            E,
            f"import torch {why} in {result.python}.{hint}",
            fixes.reinstall_torch(py),
        )
    if stage.interruption is Interruption.CRASH:
        return _problem(
            "verify-crashed",
            E,
            f"torch {why} during {where}; the earlier stages passed.",
            fixes.report_bug(),
        )
    return _problem(
        "probe-failed", INFO, f"Verification stopped during {where}: {why}.", fixes.report_bug()
    )


def _import_problems(
    result: VerifyResult, stage: StageResult, env: Mapping[str, str], py: str
) -> list[Problem]:
    data = stage.data
    if stage.status is StageStatus.FAILED and data.get("found") is False:
        return [
            _problem(
                "torch-not-installed",
                E,
                f"{result.python} has no torch package to verify.",
                fixes.install(),
            )
        ]
    warned = " ".join(str(w.get("message", "")) for w in data.get("warnings", []))
    warned += " " + str(data.get("stderr", ""))
    if stage.status is not StageStatus.FAILED:
        if numpy_abi_text(warned):
            return [
                _problem(
                    "numpy-abi-incompatible",
                    W,
                    f"torch imports, but cannot use the installed NumPy: {_first_line(warned)}",
                    fixes.numpy(py),
                )
            ]
        return []
    text = error_text(stage.error, data.get("error_chain"))
    shown = f"{stage.error_type or 'Error'}: {_first_line(stage.error or '')}"
    match = match_import_error(text + " " + warned, stage.error_type, env)
    if match.code == "torchvision-torch-mismatch":
        return [
            _problem(
                match.code,
                E,
                f"import torch fails inside a companion package: {shown}",
                fixes.companions(),
            )
        ]
    if match.code == "numpy-abi-incompatible":
        return [_problem(match.code, E, f"import torch fails on NumPy: {shown}", fixes.numpy(py))]
    if match.code == "xpu-runtime-load-failure":
        return [
            _problem(
                match.code,
                E,
                f"import torch fails to load Intel's GPU runtime: {shown}",
                fixes.xpu_runtime(),
            )
        ]
    if match.code == "windows-dll-dependency-missing":
        dll = f" ({match.detail})" if match.detail else ""
        return [
            _problem(
                match.code,
                E,
                f"import torch fails to load a DLL{dll}: {shown}",
                fixes.windows_dll(),
            )
        ]
    if match.code == "ld-library-path-shadows-cuda-libs":
        return [
            _problem(
                match.code,
                E,
                f"import torch fails on {match.detail} while LD_LIBRARY_PATH points at "
                f"other CUDA libraries: {shown}",
                fixes.ld_library_path(),
            )
        ]
    lib = f" (it cannot load {match.detail})" if match.detail else ""
    return [
        _problem(
            "torch-import-failed",
            E,
            f"import torch raises in {result.python}{lib}: {shown}",
            fixes.reinstall_torch(py),
        )
    ]


def _device_problems(result: VerifyResult, stage: StageResult) -> list[Problem]:
    data, version = stage.data, result.torch_version or "torch"
    found: list[Problem] = []
    for kind in ("cuda", "rocm"):
        info = data.get(kind) or {}
        text = str(info.get("init_error") or info.get("init_warning") or "")
        if text and not any(b in text.lower() for b in BENIGN_CUDA_INIT):
            api = "CUDA" if kind == "cuda" else "ROCm/HIP"
            found.append(
                _problem(
                    "cuda-init-failed",
                    E,
                    f"torch {version} cannot initialise {api}: {_first_line(text)}",
                    fixes.cuda_init(text),
                )
            )
    xpu_error = (data.get("xpu") or {}).get("init_error")
    if xpu_error:
        found.append(
            _problem(
                "xpu-runtime-load-failure",
                E,
                f"torch {version} cannot use the Intel GPU runtime: {xpu_error}",
                fixes.xpu_runtime(),
            )
        )
    if stage.status is StageStatus.FAILED and stage.error:
        found.append(
            _problem(
                "cuda-init-failed",
                E,
                f"Querying the devices fails: {stage.error_type}: {_first_line(stage.error)}",
                fixes.cuda_init(stage.error),
            )
        )
    wanted = data.get("requested_unavailable")
    if wanted and not found:
        found.append(
            _problem(
                "verify-device-unavailable",
                E,
                f"--device {wanted} was asked for, but torch {version} "
                f"{_why_unavailable(result, str(wanted))}.",
                fixes.install(),
            )
        )
    return found


def _why_unavailable(result: VerifyResult, wanted: str) -> str:
    build = result.data("build")
    if wanted == "cuda" and not (build.get("cuda") or build.get("hip")):
        return "has no CUDA or ROCm support"
    if wanted == "xpu" and not build.get("xpu"):
        return "has no XPU support"
    if wanted == "mps" and not build.get("mps_built"):
        return "has no MPS support"
    return f"sees no {wanted} device"


def _compatibility_problems(result: VerifyResult, stage: StageResult) -> list[Problem]:
    found = []
    arch_list = [str(a) for a in stage.data.get("arch_list") or []]
    names = {d.get("id"): d.get("name") for d in result.data("devices").get("devices", [])}
    for check in stage.data.get("checks", []):
        if check.get("supported") is not False:
            continue
        device, needs = check.get("device"), str(check.get("needs"))
        message = (
            f"{names.get(device) or device} ({device}) needs {needs}; torch "
            f"{result.torch_version} has kernels for {_arch_span(arch_list)} only."
        )
        if check.get("kind") == "rocm":
            found.append(_problem("rocm-gfx-unsupported", E, message, fixes.new_build(needs)))
            continue
        sms = [_sm_number(a) for a in arch_list if a.startswith("sm_")]
        older = bool(sms) and _sm_number(needs) < min(sms)
        code = "gpu-arch-dropped-from-wheel" if older else "gpu-arch-not-in-wheel"
        found.append(_problem(code, E, message, fixes.new_build(needs)))
    return found


def _kernel_problems(result: VerifyResult, stage: StageResult) -> list[Problem]:
    found = []
    reported: set[object] = set()  # one problem per device: fp16 fails when fp32 did
    for entry in stage.data.get("results", []):
        device, dtype = entry.get("device"), entry.get("dtype")
        if device in reported or entry.get("status") not in ("wrong", "error"):
            continue
        reported.add(device)
        if entry.get("status") == "wrong":
            err = entry.get("rel_error")
            shown = "not a finite number" if err is None else f"{err:.2g}"
            found.append(
                _problem(
                    "kernel-wrong-result",
                    E,
                    f"A {dtype} matmul on {device} is off by a relative error of "
                    f"{shown} (at most {entry.get('tolerance'):g} expected).",
                    fixes.wrong_result(),
                )
            )
        elif entry.get("status") == "error":
            text = str(entry.get("error") or "")
            if "no kernel image is available" in text.lower():
                found.append(
                    _problem(
                        "gpu-arch-not-in-wheel",
                        E,
                        f"{device} has no kernels in torch {result.torch_version}: "
                        f"{_first_line(text)}",
                        fixes.new_build(str(device)),
                    )
                )
            else:
                found.append(
                    _problem(
                        "kernel-failed",
                        E,
                        f"A {dtype} matmul on {device} raises "
                        f"{entry.get('error_type')}: {_first_line(text)}",
                        fixes.report_bug(),
                    )
                )
    return found


def _companion_problems(result: VerifyResult, stage: StageResult, py: str) -> list[Problem]:
    found = []
    for name in ("torchvision", "torchaudio"):
        info = stage.data.get(name) or {}
        if info.get("ok") is not False:
            continue
        text = error_text(str(info.get("error", "")), info.get("error_chain"))
        code = match_companion_error(text)
        shown = f"{info.get('error_type')}: {_first_line(str(info.get('error', '')))}"
        message = f"import {name} fails with torch {result.torch_version}: {shown}"
        if code == "numpy-abi-incompatible":
            found.append(_problem(code, E, message, fixes.numpy(py)))
        elif code == "torchvision-torch-mismatch":
            found.append(_problem(code, E, message, fixes.companions()))
        else:
            found.append(_problem(code, W, message, fixes.companions()))
    return found


def _arch_span(arch_list: list[str]) -> str:
    sms = [a for a in arch_list if a.startswith(("sm_", "gfx"))]
    if not sms:
        return "no GPU architecture"
    return ", ".join(sms) if len(sms) <= 6 else f"{sms[0]} … {sms[-1]} ({len(sms)} targets)"


def _sm_number(arch: str) -> int:
    digits = "".join(ch for ch in arch.partition("_")[2] if ch.isdigit())
    return int(digits or 0)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    line = lines[0] if lines else ""
    return line if len(line) <= 300 else line[:299] + "…"
