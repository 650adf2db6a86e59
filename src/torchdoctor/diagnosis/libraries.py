"""Rules on where the dynamic loader finds torch's CUDA libraries (the loader facts, Linux).

Rules: ld-library-path-shadows-cuda-libs (an error when the copy loaded from LD_LIBRARY_PATH is
older than the one torch brought: cuDNN refuses an older runtime, an older cuBLAS or nvJitLink
lacks symbols torch needs), cuda-stub-library-loaded (the toolkit's stub libcuda in front of the
driver's), wsl-libcuda-not-found (WSL 2: nvidia-smi works, libcuda.so.1 cannot be found or a
Linux driver's copy shadows WSL's).
"""

from __future__ import annotations

import posixpath

from torchdoctor.diagnosis.context import Ctx, problem
from torchdoctor.facts import SharedLibrary
from torchdoctor.knowledge import version_key
from torchdoctor.recommend.shell import drop_from_path_variable
from torchdoctor.report import Fix, Problem, Severity

WSL_LIB = "/usr/lib/wsl/lib"
WSL_CONF = "/etc/ld.so.conf.d/ld.wsl.conf"


def shadowed(ctx: Ctx, check: str) -> list[Problem] | None:
    """The shadowing finding from the loader facts; None when those facts were not recorded
    (an older document), so the caller falls back to the folder list of the env facts."""
    loader = ctx.facts.loader
    if loader is None or loader.status != "found":
        return None
    shadows = [lib for lib in loader.libraries or ()
               if lib.own is not None and lib.loaded is not None
               and lib.loaded.source == "LD_LIBRARY_PATH"]
    if not shadows:
        return []
    older = [lib for lib in shadows if _older(lib)]
    folders = sorted({posixpath.dirname(lib.loaded.path) for lib in shadows if lib.loaded})
    described = "; ".join(_describe(lib) for lib in (older or shadows))
    fix = Fix("In the shell that runs torch, drop those folders from LD_LIBRARY_PATH (torch "
              "finds the copies it brought by itself):",
              (drop_from_path_variable("LD_LIBRARY_PATH", folders),))
    if older:
        return [problem("ld-library-path-shadows-cuda-libs", check,
                        f"LD_LIBRARY_PATH makes the loader take older CUDA libraries than the "
                        f"ones torch {ctx.torch_label} brought: {described}. torch fails to "
                        "load or to run with them (\"undefined symbol\", \"cuDNN version "
                        "incompatibility\").", fix, severity=Severity.ERROR)]
    return [problem("ld-library-path-shadows-cuda-libs", check,
                    f"LD_LIBRARY_PATH makes the loader take other copies of torch's CUDA "
                    f"libraries than the ones it brought: {described}. Not older, so it "
                    "usually works; if import torch fails with \"undefined symbol\", this is why.",
                    fix, severity=Severity.INFO)]


def stub_libcuda(ctx: Ctx, check: str) -> list[Problem]:
    """The CUDA toolkit's stub libcuda (…/stubs/) is what the loader finds: every CUDA call
    fails as if there were no driver."""
    lib = _libcuda(ctx)
    loaded = lib.loaded if lib else None
    if loaded is None or "/stubs" not in loaded.path:
        return []
    folder = posixpath.dirname(loaded.path)
    cuda_build = (ctx.variant or "").startswith("cu")
    fix = (Fix("Drop the stubs folder from LD_LIBRARY_PATH (stubs are for linking, never for "
               "running):", (drop_from_path_variable("LD_LIBRARY_PATH", [folder]),))
           if loaded.source == "LD_LIBRARY_PATH" else
           Fix(f"Remove {folder} from the loader's configuration (/etc/ld.so.conf.d), then run "
               "`sudo ldconfig`. To see which libcuda the loader finds:",
               ("ldconfig -p | grep libcuda",)))
    return [problem("cuda-stub-library-loaded", check,
                    f"The loader finds the CUDA toolkit's stub {loaded.path} before the "
                    "driver's libcuda: CUDA reports no driver (\"CUDA driver version is "
                    "insufficient\" or error 34)"
                    + (f", so torch {ctx.torch_label} cannot use the GPU." if cuda_build
                       else "."),
                    fix, severity=Severity.ERROR if cuda_build else None)]


def wsl_libcuda(ctx: Ctx, check: str) -> list[Problem]:
    """WSL 2 with a working nvidia-smi: libcuda.so.1 must come from /usr/lib/wsl/lib."""
    lib = _libcuda(ctx)
    if ctx.facts.os.wsl != 2 or ctx.facts.nvidia.status != "found" or lib is None:
        return []
    loaded = lib.loaded
    cuda_build = (ctx.variant or "").startswith("cu")
    severity = Severity.ERROR if cuda_build else None
    if loaded is None:
        return [problem("wsl-libcuda-not-found", check,
                        "nvidia-smi works, but the loader cannot find libcuda.so.1: "
                        f"{WSL_LIB} is not in its configuration"
                        + (f", so torch {ctx.torch_label} cannot use the GPU." if cuda_build
                           else "."),
                        Fix(f"Put {WSL_LIB} back into the loader's configuration (WSL writes "
                            f"{WSL_CONF}), then check:",
                            (f"echo {WSL_LIB} | sudo tee {WSL_CONF}", "sudo ldconfig",
                             "ldconfig -p | grep libcuda")),
                        severity=severity)]
    if loaded.source == "wsl" or "/stubs" in loaded.path:
        return []
    fix = (Fix("Drop that folder from LD_LIBRARY_PATH:",
               (drop_from_path_variable("LD_LIBRARY_PATH", [posixpath.dirname(loaded.path)]),))
           if loaded.source == "LD_LIBRARY_PATH" else
           Fix("Remove the Linux NVIDIA driver installed inside WSL (WSL's driver comes from "
               "Windows); then check which libcuda the loader finds:",
               ("ldconfig -p | grep libcuda",)))
    return [problem("wsl-libcuda-not-found", check,
                    f"The loader finds {loaded.path} before WSL's {WSL_LIB}/libcuda.so.1: a "
                    "Linux driver's libcuda cannot reach the GPU under WSL 2"
                    + (f", so torch {ctx.torch_label} cannot use it." if cuda_build else "."),
                    fix, severity=severity)]


def _libcuda(ctx: Ctx) -> SharedLibrary | None:
    loader = ctx.facts.loader
    if loader is None or loader.status != "found":
        return None
    return loader.library("libcuda")


def _older(lib: SharedLibrary) -> bool:
    loaded, own = lib.loaded, lib.own
    if loaded is None or own is None or not loaded.version or not own.version:
        return False  # not told: not called older
    a, b = version_key(loaded.version), version_key(own.version)
    size = min(len(a), len(b))  # 9.1.0 (file name) against 9.1.0.70 (pip) is the same
    return a[:size] < b[:size]


def _describe(lib: SharedLibrary) -> str:
    loaded, own = lib.loaded, lib.own
    assert loaded is not None
    assert own is not None
    return (f"{lib.soname} {loaded.version or '(version not told)'} from {loaded.path} instead "
            f"of {own.version or '(version not told)'} from {own.path}")
