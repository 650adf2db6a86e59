"""Errors are evidence: the error a user saw (a failed `import torch`, a CUDA error from their own
script, pip's resolver error, a DLL that does not load), read from its content and judged with
this machine's facts. Pure: the text and the facts in, a check line with catalogued problems out.

A library is recognised by its name wherever it was loaded from (a CUDA library in a folder whose
name says nothing of CUDA is still a CUDA library); pip's "No matching distribution" gets its
reason from the facts (the Python version, 32 bits, the platform).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from torchdoctor.diagnosis.context import Ctx, install_fix, make_check, problem
from torchdoctor.knowledge import version_key
from torchdoctor.report import Check, Fix, Problem
from torchdoctor.verify import fixes
from torchdoctor.verify.errors import cuda_paths_in_ld_library_path, match_import_error

ID, TITLE = "error", "Error text"
MAX_CHARS = 1_000_000  # what is read of a pasted text: tracebacks are far shorter
Rule = Callable[[Ctx, str], Problem | None]


def check(ctx: Ctx, text: str) -> Check:
    """The line for the error text: what it means here, or that it was not recognised."""
    text = text[:MAX_CHARS]
    found: list[Problem] = []
    for rule in RULES:
        result = rule(ctx, text)
        if result is not None and result.code not in {p.code for p in found}:
            found.append(result)
    first = _first_line(text)
    if not found:
        return make_check(ID, TITLE, f"not recognised: {first}", details=(
            "torchdoctor knows no cause for this text; the lines below are this machine's "
            "check.",), not_applicable=True)
    return make_check(ID, TITLE, first, found)


def _first_line(text: str) -> str:
    """The line that names the error: the last exception line of a traceback, else the first
    non-empty line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    raised = [line for line in lines if re.match(r"^[\w.]*(Error|Exception|Warning)\b", line)]
    chosen = (raised or lines or ["(empty)"])[-1 if raised else 0]
    return chosen[:160]


def _has(text: str, *patterns: str) -> re.Match[str] | None:
    for pattern in patterns:
        found = re.search(pattern, text, re.IGNORECASE | re.MULTILINE)
        if found:
            return found
    return None


def _not_compiled_with_cuda(ctx: Ctx, text: str) -> Problem | None:
    if not _has(text, r"Torch not compiled with CUDA enabled"):
        return None
    if ctx.os == "macos":
        return problem("no-cuda-on-macos", ID,
                       "The code asks for CUDA, which macOS does not have: torch on a Mac runs on "
                       "the CPU or, on Apple silicon, on the GPU through MPS.",
                       Fix("Use device \"mps\" where torch.backends.mps.is_available() is true, "
                           "else \"cpu\" (e.g. `device = 'mps' if "
                           "torch.backends.mps.is_available() else 'cpu'`)."))
    if (ctx.variant or "").startswith(("cu", "rocm")):
        # The torch that raised it is a CPU build, the target's is not: another interpreter ran.
        return problem("wrong-interpreter", ID,
                       f"The torch that raised this is a CPU-only build, but {ctx.python_cmd} has "
                       f"torch {ctx.torch_label}: the code ran with another interpreter or "
                       "environment (another venv, a Jupyter kernel of another environment, an "
                       "IDE's own Python).",
                       Fix(f"Run the code with {ctx.python_cmd} (in Jupyter: pick this "
                           "environment's kernel); to see which Python and torch a run uses, "
                           "print them at its start:",
                           ('python -c "import sys, torch; print(sys.executable, '
                            'torch.__version__)"',)))
    return problem("cpu-build-on-gpu-host", ID,
                   f"The installed torch ({ctx.torch_label}) is a CPU-only build: it has no CUDA "
                   "at all.", install_fix(ctx, "Replace it with a CUDA build:",
                                          compute_prefix="cu"))


def _no_kernel_image(ctx: Ctx, text: str) -> Problem | None:
    found = _has(text, r"(sm_\d+a?) is not compatible with the current PyTorch installation",
                 r"no kernel image is available for execution on the device")
    if found is None:
        return None
    sm = found.group(1) if found.lastindex else "this GPU's architecture"
    return problem("gpu-arch-not-in-wheel", ID,
                   f"The installed torch ({ctx.torch_label}) has no kernels for {sm}: CUDA calls "
                   "fail with \"no kernel image is available\".",
                   install_fix(ctx, "Install a build with kernels for this GPU:",
                               compute_prefix="cu"))


def _driver_too_old(ctx: Ctx, text: str) -> Problem | None:
    if not _has(text, r"driver version is insufficient for CUDA runtime version",
                r"NVIDIA driver on your system is too old"):
        return None
    found = ctx.facts.nvidia.driver_version
    return problem("driver-too-old", ID,
                   f"The NVIDIA driver{f' ({found})' if found else ''} is older than the CUDA "
                   f"version torch {ctx.torch_label} was built with.",
                   install_fix(ctx, "Update the NVIDIA driver, or install a build for an older "
                                    "CUDA that this driver runs:", compute_prefix="cu"))


def _no_driver(ctx: Ctx, text: str) -> Problem | None:
    if not _has(text, r"Found no NVIDIA driver on your system"):
        return None
    return problem("nvidia-driver-missing", ID,
                   "torch found no NVIDIA driver: none is installed or its kernel module is not "
                   "loaded (a reboot after an install or update, Secure Boot).",
                   Fix("Install the NVIDIA driver (or reboot after installing it); this shows "
                       "whether it answers:", ("nvidia-smi",)))


def _suspend(ctx: Ctx, text: str) -> Problem | None:
    if not _has(text, r"CUDA unknown error", r"CUDA error: unknown error", r"cudaErrorUnknown",
                r"error 999"):
        return None
    return problem("cuda-broken-after-suspend", ID,
                   "CUDA answers \"unknown error\" (999): the state the nvidia_uvm module is left "
                   "in after a suspend and resume.", fixes.cuda_init(text))


def _loader(ctx: Ctx, text: str) -> Problem | None:
    """import-time failures the verification classifier knows (NumPy, DLLs, companions, XPU,
    CUDA libraries on LD_LIBRARY_PATH), from the text and the facts' variables."""
    env = ctx.facts.env.variables
    match = match_import_error(text, None, env)
    py = ctx.python_cmd
    if match.code == "numpy-abi-incompatible":
        return problem(match.code, ID, "An extension built for one NumPy ABI (1.x or 2.x) is "
                       "loaded with the other.", Fix(
                           "Install the NumPy torch was built for (torch before 2.3: NumPy 1.x), "
                           "or a torch built for NumPy 2:", (f'{py} -m pip install "numpy<2"',)))
    if match.code == "torchvision-torch-mismatch":
        return problem(match.code, ID, "torchvision or torchaudio was built for another torch "
                       f"release or variant than the installed {ctx.torch_label}.",
                       fixes.companions())
    if match.code == "windows-dll-dependency-missing":
        dll = f" ({match.detail})" if match.detail else ""
        return problem(match.code, ID, f"A DLL torch needs does not load{dll}.",
                       fixes.windows_dll())
    if match.code == "xpu-runtime-load-failure":
        return problem(match.code, ID, "The XPU build cannot load Intel's GPU runtime "
                       "(Level Zero).", fixes.xpu_runtime())
    if match.code == "ld-library-path-shadows-cuda-libs":
        return _ld_library_path(ctx, match.detail)
    return None


def _ld_library_path(ctx: Ctx, library: str) -> Problem:
    value = ctx.facts.env.variables.get("LD_LIBRARY_PATH", "")
    shadowing = cuda_paths_in_ld_library_path(ctx.facts.env.variables)
    kept = ":".join(e for e in value.split(":") if e and e not in shadowing)
    command = f"export LD_LIBRARY_PATH={kept}" if kept else "unset LD_LIBRARY_PATH"
    return problem("ld-library-path-shadows-cuda-libs", ID,
                   f"{library} is loaded from LD_LIBRARY_PATH ({', '.join(shadowing)}) instead "
                   "of the copy torch brought: the versions differ.",
                   Fix("In the shell that runs torch, drop those folders from LD_LIBRARY_PATH "
                       "(torch finds its own CUDA libraries):", (command,)),
                   severity=None)


def _long_path(ctx: Ctx, text: str) -> Problem | None:
    if not _has(text, r"WinError 206", r"filename or extension is too long"):
        return None
    return problem("windows-dll-dependency-missing", ID,
                   "pip could not write a file: its path is longer than Windows' 260-character "
                   "limit (torch's wheel nests files deeply) and long paths are not enabled.",
                   Fix("Enable long paths (as administrator, then open a new shell), or put the "
                       "environment in a shorter folder such as C:\\venvs\\torch:",
                       ('New-ItemProperty -Path "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\'
                        'FileSystem" -Name "LongPathsEnabled" -Value 1 -PropertyType DWORD '
                        "-Force",)))


def _no_distribution(ctx: Ctx, text: str) -> Problem | None:
    if not _has(text, r"No matching distribution found for torch\b",
                r"Could not find a version that satisfies the requirement torch\b"):
        return None
    p, k = ctx.facts.python, ctx.knowledge
    if p.pointer_bits == 32:
        return problem("python-32bit", ID, f"pip found no torch wheel: this Python ({p.version})"
                       " is a 32-bit build, and PyTorch publishes 64-bit wheels only.",
                       Fix("Install a 64-bit Python 3 and create the environment with it."))
    tag = ctx.python_tag
    stable = k.stable
    if tag and ctx.os and ctx.arch and not k.supports_python(stable, ctx.os, ctx.arch, tag):
        plain = tag.rstrip("t")
        newest = k.newest_supporting(tag, ctx.os, ctx.arch)
        too_new = version_key(plain) > version_key(stable.python_max)
        why = "newer than" if too_new else "older than"
        also = f" torch {newest.version} is the newest release that has." if newest else ""
        return problem("python-version-unsupported", ID,
                       f"pip found no torch wheel: Python {plain} is {why} what torch "
                       f"{stable.version} supports ({stable.python_min}–{stable.python_max})."
                       f"{also}",
                       install_fix(ctx, f"Use Python {stable.python_min}–{stable.python_max}, or "
                                        "install the release that supports this one:"))
    if ctx.os and ctx.arch and ctx.arch not in stable.arches.get(ctx.os, ()):
        return problem("platform-no-wheels", ID,
                       f"pip found no torch wheel: torch {stable.version} has no wheels for "
                       f"{ctx.os} {ctx.arch}.",
                       install_fix(ctx, "Install the last release with wheels for it:"))
    return None


def _disk(ctx: Ctx, text: str) -> Problem | None:
    if not _has(text, r"No space left on device", r"\[Errno 28\]"):
        return None
    temp = ctx.facts.python.temp_dir or "the temporary folder"
    return problem("low-disk-space", ID,
                   f"The disk filled up while installing: pip unpacks wheels (torch's are "
                   f"gigabytes) in {temp} and keeps a copy in its cache.",
                   Fix("Free space, or point the unpacking at a larger disk and skip the cache "
                       "(TMPDIR=/path/on/a/larger/disk, then pip install --no-cache-dir ...). "
                       "To see the space:", ("df -h",) if ctx.os != "windows" else ()))


def _memory(ctx: Ctx, text: str) -> Problem | None:
    if not _has(text, r"^\s*Killed\s*$", r"\bMemoryError\b"):
        return None
    return problem("low-memory-install", ID,
                   "The process was killed for memory (the kernel's out-of-memory killer, or "
                   "MemoryError): pip reads torch's multi-gigabyte wheel into memory.",
                   Fix("Install without pip's cache (`pip install --no-cache-dir ...`), close "
                       "other programs or add swap; this shows the memory:",
                       ("free -h",) if ctx.os == "linux" else ()))


def _illegal_instruction(ctx: Ctx, text: str) -> Problem | None:
    if not _has(text, r"Illegal instruction", r"SIGILL"):
        return None
    return problem("cpu-missing-avx", ID,
                   "The CPU stopped at an instruction it does not have: the torch wheels need "
                   "AVX2 on x86_64 (a VM may hide it).",
                   Fix("Run on a CPU (or a VM CPU model) with AVX2, or build torch from source; "
                       "this lists the CPU's flags:",
                       ("grep -o -w -E 'avx|avx2' /proc/cpuinfo | sort -u",)
                       if ctx.os == "linux" else ()))


def _rocm(ctx: Ctx, text: str) -> Problem | None:
    if _has(text, r"hipErrorNoBinaryForGpu", r"HIP error: invalid device function"):
        return problem("rocm-gfx-unsupported", ID,
                       f"The ROCm build ({ctx.torch_label}) has no code for this GPU's gfx "
                       "target.", Fix("Install a ROCm build whose targets include the GPU "
                                      "(`torchdoctor check` names it), or set "
                                      "HSA_OVERRIDE_GFX_VERSION to a close supported target."))
    if _has(text, r"/dev/kfd.*(permission denied|not accessible)",
            r"(permission denied|cannot open).*?/dev/kfd"):
        return problem("rocm-device-permissions", ID,
                       "This user cannot open /dev/kfd, so ROCm sees no GPU.",
                       Fix("Add yourself to the render and video groups, then log in again:",
                           ('sudo usermod -aG render,video "$USER"',)))
    return None


def _mps(ctx: Ctx, text: str) -> Problem | None:
    if not _has(text, r"MPS backend.*(requires|supported on) macOS"):
        return None
    return problem("mps-macos-too-old", ID, "This macOS is too old for torch's MPS backend.",
                   Fix("Update macOS (MPS needs 12.3 or newer, recent releases 14), or run "
                       "on the CPU."))


def _wsl_libcuda(ctx: Ctx, text: str) -> Problem | None:
    if ctx.facts.os.wsl != 2 or not _has(text, r"libcuda\.so[.\d]*: cannot open shared object"):
        return None
    return problem("wsl-libcuda-not-found", ID,
                   "Under WSL 2 the driver's libcuda comes from Windows (/usr/lib/wsl/lib), and "
                   "it cannot be loaded.",
                   Fix("Install or update the NVIDIA driver in Windows (not in WSL), run "
                       "`wsl --shutdown` in Windows; this shows whether the library is there:",
                       ("ls -l /usr/lib/wsl/lib/libcuda.so*",)))


RULES: tuple[Rule, ...] = (
    _not_compiled_with_cuda, _no_kernel_image, _driver_too_old, _no_driver, _suspend,
    _wsl_libcuda, _loader, _long_path, _no_distribution, _disk, _memory, _illegal_instruction,
    _rocm, _mps,
)
