"""index-resolution-cpu-wheel: package-index settings that make pip or uv pick CPU wheels.

pip takes the highest version across the main and every extra index, so a GPU index given as
PIP_EXTRA_INDEX_URL loses to PyPI wherever PyPI has the same version (Windows: a CPU wheel), and a
main index at /whl/cpu gives CPU wheels to every install on this machine.
"""

from __future__ import annotations

import re

from torchdoctor.diagnosis.context import Ctx, install_fix, problem
from torchdoctor.diagnosis.gpus import gpu_host
from torchdoctor.report import Problem

MAIN = ("PIP_INDEX_URL", "UV_INDEX_URL", "UV_DEFAULT_INDEX")
EXTRA = ("PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_INDEX")
_CPU = re.compile(r"download\.pytorch\.org/whl/(?:nightly/|test/)?cpu\b")
_GPU = re.compile(r"download\.pytorch\.org/whl/(?:nightly/|test/)?(cu\d+|rocm[\d.]+|xpu)\b")


def cpu_settings(ctx: Ctx) -> list[str]:
    """The settings that point installs at CPU wheels: "PIP_INDEX_URL=…/whl/cpu"."""
    env = ctx.facts.env.variables
    found = [f"{n}={env[n]}" for n in (*MAIN, *EXTRA) if _CPU.search(env.get(n, ""))]
    if env.get("UV_TORCH_BACKEND", "").lower() == "cpu":
        found.append("UV_TORCH_BACKEND=cpu")
    return found


def cpu_cause(ctx: Ctx) -> str | None:
    """Why an installed CPU wheel is most likely there, from the index settings; None if they
    do not explain it."""
    cpu = cpu_settings(ctx)
    if cpu:
        return f"{', '.join(cpu)} sends installs to CPU wheels"
    env = ctx.facts.env.variables
    extra = [f"{n}={env[n]}" for n in EXTRA if _GPU.search(env.get(n, ""))]
    main_gpu = any(_GPU.search(env.get(n, "")) for n in MAIN)
    if extra and not main_gpu:
        return (f"the GPU index is only an extra index ({', '.join(extra)}), and pip took the "
                "same or a higher version from PyPI, which is a CPU wheel here")
    return None


def settings(ctx: Ctx, check: str) -> list[Problem]:
    """CPU index settings on a GPU machine, before they bite (any install state). When the
    installed build is already a CPU wheel, the torch rules report the cause instead."""
    if ctx.variant == "cpu" or ctx.os == "macos":
        return []
    cpu = cpu_settings(ctx)
    host = gpu_host(ctx)
    if not cpu or host is None:
        return []
    return [problem("index-resolution-cpu-wheel", check,
                    f"{', '.join(cpu)} points torch installs at CPU wheels, but this machine has "
                    f"{host.name}: the next install or upgrade will replace the GPU build with a "
                    "CPU one.",
                    install_fix(ctx, f"Unset {cpu[0].split('=')[0]} (or point it at the GPU "
                                     "index) before installing; the command for this machine "
                                     "is:"))]
