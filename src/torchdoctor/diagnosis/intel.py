"""The `intel` check: Intel GPUs that PyTorch's XPU build supports, and its Level Zero runtime.

Rules: xpu-runtime-load-failure (runtime missing for an installed XPU build), probe-failed.
xpu-cpu-build lives with the torch check, next to cpu-build-on-gpu-host.
"""

from __future__ import annotations

from torchdoctor.diagnosis.context import Ctx, join, make_check, probe_failed, problem
from torchdoctor.report import Check, Fix, Problem, Severity

ID, TITLE = "intel", "Intel XPU"


def check(ctx: Ctx) -> Check:
    i = ctx.facts.intel
    if i.status == "unknown":
        why = i.reason or "the Intel GPU probe gave no answer"
        return make_check(ID, TITLE, "", [probe_failed(
            ID, f"Intel GPUs could not be listed ({why}); XPU support was not "
            "judged.")], unknown=why)
    gpus = i.gpus or ()
    capable = [g for g in gpus if g.xpu]
    if i.status != "found" or not capable:
        names = ", ".join(g.name or "Intel GPU" for g in gpus)
        summary = join(names or None, "not supported by the XPU build" if names else "no Intel GPU")
        return make_check(ID, TITLE, summary, not_applicable=True)
    runtime = "Level Zero runtime found" if i.level_zero_gpu_driver else "no Level Zero GPU driver"
    summary = join(", ".join(g.name or "Intel GPU" for g in capable), runtime)
    return make_check(ID, TITLE, summary, _runtime(ctx))


def _runtime(ctx: Ctx) -> list[Problem]:
    i = ctx.facts.intel
    if ctx.variant != "xpu" or i.level_zero_gpu_driver:
        return []
    return [problem("xpu-runtime-load-failure", ID,
                    f"torch {ctx.torch_label} is the XPU build, but this machine has no Level "
                    "Zero GPU driver (the Intel GPU driver's compute part), so torch cannot load "
                    "its GPU runtime and runs on the CPU.",
                    Fix("Install Intel's GPU driver with its Level Zero / compute runtime "
                        "(Linux: the intel-level-zero-gpu or libze-intel-gpu1 and "
                        "intel-opencl-icd packages; Windows: the current Arc/Iris Xe driver), "
                        "then check that the loader finds it:",
                        ("where.exe ze_loader.dll" if ctx.os == "windows"
                         else "ldconfig -p | grep -E 'libze_(loader|intel_gpu)'",)),
                    severity=Severity.WARNING)]
