"""Errors are evidence: the error a user saw (a failed `import torch`, a CUDA error from their own
script, pip's resolver error, a DLL that does not load, NCCL, Triton), read from its content and
judged with this machine's facts. Pure: the text and the facts in, a check line with catalogued
problems out.

A library is recognised by its name wherever it was loaded from (a CUDA library in a folder whose
name says nothing of CUDA is still a CUDA library); pip's "No matching distribution" gets its
reason from the facts (the Python version, 32 bits, the platform) and from the index the text
names. Rules of `import torch` live in error_import, those of torch at work (NCCL, Triton,
torch.compile's toolchain) in error_runtime.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from torchdoctor.diagnosis import error_import, error_runtime
from torchdoctor.diagnosis.build import CONDA_CHANNEL_LAST
from torchdoctor.diagnosis.companions import pairing_fix
from torchdoctor.diagnosis.context import Ctx, install_fix, make_check, problem
from torchdoctor.diagnosis.error_common import (
    ID,
    capital,
    has,
    ld_library_path_problem,
    shadowing_dirs,
    torch_named,
)
from torchdoctor.knowledge import cuda_minor, version_key
from torchdoctor.knowledge.compat import parse_cc, sm_name
from torchdoctor.report import Check, Fix, Problem
from torchdoctor.verify import fixes
from torchdoctor.verify.errors import match_import_error

__all__ = ["ID", "RULES", "TITLE", "check"]

TITLE = "Error text"
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


# --- CUDA at run time ----------------------------------------------------------------------------

def _no_kernel_image(ctx: Ctx, text: str) -> Problem | None:
    found = has(text, r"(sm_\d+a?) is not compatible with the current PyTorch installation",
                r"no kernel image is available for execution on the device")
    if found is None:
        return None
    sm = found.group(1) if found.lastindex else _gpu_sm(ctx)
    named = sm or "this GPU's architecture"
    if _older_than_build(ctx, text, sm):
        return problem("gpu-arch-dropped-from-wheel", ID,
                       f"{capital(torch_named(ctx))} has no kernels for {named}: the "
                       "GPU is older than every architecture this build carries, so CUDA calls "
                       "fail with \"no kernel image is available\".",
                       install_fix(ctx, "Install a build that still carries this GPU's "
                                        "architecture:", compute_prefix="cu"))
    return problem("gpu-arch-not-in-wheel", ID,
                   f"{capital(torch_named(ctx))} has no kernels for {named}: CUDA calls "
                   "fail with \"no kernel image is available\".",
                   install_fix(ctx, "Install a build with kernels for this GPU:",
                               compute_prefix="cu"))


def _gpu_sm(ctx: Ctx) -> str | None:
    ccs = {g.compute_capability for g in ctx.nvidia_gpus if g.compute_capability}
    return sm_name(ccs.pop()) if len(ccs) == 1 else None


def _older_than_build(ctx: Ctx, text: str, sm: str | None) -> bool:
    """The GPU is older than the oldest architecture of the build: from torch's own words, from
    the list the text gives, else from the knowledge's list for the installed variant."""
    if has(text, r"no longer supports this GPU because it is too old"):
        return True
    listed = has(text, r"supports CUDA capabilities ((?:sm_\d+a?\s*)+)")
    gpu = _sm_key(sm) if sm else None
    if listed and gpu:
        return gpu < min(_sm_key(s) for s in listed.group(1).split())
    ccs = [parse_cc(g.compute_capability) for g in ctx.nvidia_gpus if g.compute_capability]
    gpus = [cc for cc in ccs if cc] or ([gpu] if gpu else [])
    oldest = _oldest_in_build(ctx)
    return bool(gpus) and oldest is not None and all(cc < oldest for cc in gpus)


def _sm_key(sm: str) -> tuple[int, int]:
    digits = re.sub(r"\D", "", sm)
    return (int(digits[:-1] or 0), int(digits[-1:] or 0))


def _oldest_in_build(ctx: Ctx) -> tuple[int, int] | None:
    """The oldest architecture the installed CUDA variant carries; where the CPU architecture is
    not known, the oldest of every architecture's wheels (a GPU older than it is older than each
    of them)."""
    variant = ctx.variant or ""
    if not cuda_minor(variant) or ctx.os is None:
        return None
    k = ctx.knowledge
    arches = [ctx.arch] if ctx.arch else list(k.stable.arches.get(ctx.os, ()))
    oldest: list[tuple[int, int]] = []
    for arch in arches:
        archs = k.compute_capabilities(variant, ctx.os, arch)
        keys = [cc for cc in map(parse_cc, archs.sm) if cc] if archs else []
        if not keys:
            return None
        oldest.append(min(keys))
    return min(oldest) if oldest else None


def _driver_too_old(ctx: Ctx, text: str) -> Problem | None:
    if not has(text, r"driver version is insufficient for CUDA runtime version",
               r"NVIDIA driver on your system is too old"):
        return None
    found = ctx.facts.nvidia.driver_version
    return problem("driver-too-old", ID,
                   f"The NVIDIA driver{f' ({found})' if found else ''} is older than the CUDA "
                   f"version {torch_named(ctx)} was built with.",
                   install_fix(ctx, "Update the NVIDIA driver, or install a build for an older "
                                    "CUDA that this driver runs:", compute_prefix="cu"))


def _no_driver(ctx: Ctx, text: str) -> Problem | None:
    if not has(text, r"Found no NVIDIA driver on your system"):
        return None
    return problem("nvidia-driver-missing", ID,
                   "torch found no NVIDIA driver: none is installed or its kernel module is not "
                   "loaded (a reboot after an install or update, Secure Boot).",
                   Fix("Install the NVIDIA driver (or reboot after installing it); this shows "
                       "whether it answers:", ("nvidia-smi",)))


def _suspend(ctx: Ctx, text: str) -> Problem | None:
    # "error 999", "error=999", "cuda runtime error (999)", "Cuda failure 999": one error.
    if not has(text, r"CUDA unknown error", r"CUDA error: unknown error", r"cudaErrorUnknown",
               r"error\s*[=(]?\s*999\b", r"Cuda failure 999\b"):
        return None
    return problem("cuda-broken-after-suspend", ID,
                   "CUDA answers \"unknown error\" (999): the state the nvidia_uvm module is left "
                   "in after a suspend and resume.", fixes.cuda_init("cuda unknown error"))


def _no_gpu_visible(ctx: Ctx, text: str) -> Problem | None:
    """torch sees no GPU: with this user's device files closed to it (ROCm), or in a container
    whose NVIDIA driver does not answer."""
    said = has(text, r"No (CUDA|HIP) GPUs are available", r"amdgpu_get_auth.*failed",
               r"cuda\.is_available\(\)\s*(=|->|:)?\s*False",
               r"no CUDA-capable device is detected")
    if said is None:
        return None
    amd = ctx.facts.amd
    if has(text, r"amdgpu_get_auth.*failed") or amd.kfd_accessible is False or (
            amd.render_accessible is False):
        return _rocm_permissions(ctx)
    container = ctx.facts.os.container
    if container and ctx.facts.nvidia.status == "absent" and ctx.variant != "cpu":
        return problem("container-without-gpu-access", ID,
                       f"torch sees no GPU in this {container} container, and the NVIDIA driver "
                       "does not answer in it: the container was started without GPU access.",
                       Fix("Start the container with GPU access: the NVIDIA Container Toolkit on "
                           "the host, and --gpus all (docker), --device nvidia.com/gpu=all "
                           "(podman) or a nvidia.com/gpu request (Kubernetes). Inside the "
                           "container this then shows the GPU:", ("nvidia-smi",)))
    return None


# --- libraries, DLLs and companions ------------------------------------------------------------

def _loader(ctx: Ctx, text: str) -> Problem | None:
    """import-time failures the verification classifier knows (NumPy, DLLs, companions, XPU,
    CUDA libraries on LD_LIBRARY_PATH), from the text and the facts."""
    env = ctx.facts.env.variables
    match = match_import_error(text, None, env)
    if match.code == "numpy-abi-incompatible":
        return problem(match.code, ID, "An extension built for one NumPy ABI (1.x or 2.x) is "
                       "loaded with the other.", Fix(
                           "Install the NumPy torch was built for (torch before 2.3: NumPy 1.x), "
                           "or a torch built for NumPy 2:", ctx.pip('install "numpy<2"')))
    if match.code == "torchvision-torch-mismatch":
        return _companion(ctx, text)
    if match.code == "windows-dll-dependency-missing":
        return _windows_dll(ctx, match.detail)
    if match.code == "xpu-runtime-load-failure":
        return problem(match.code, ID, "The XPU build cannot load Intel's GPU runtime "
                       "(Level Zero, SYCL).", fixes.xpu_runtime())
    shadowing = shadowing_dirs(ctx)
    if match.code in ("ld-library-path-shadows-cuda-libs", "torch-import-failed") and (
            match.detail and shadowing):
        return ld_library_path_problem(ctx, match.detail, shadowing)
    return None


def _companion(ctx: Ctx, text: str) -> Problem:
    name = "torchaudio" if has(text, r"torchaudio") and not has(text, r"torchvision") else (
        "torchvision")
    return problem("torchvision-torch-mismatch", ID, f"{name} was built for another torch "
                   f"release or variant than {torch_named(ctx)}.",
                   pairing_fix(ctx, name))


def _companion_backend(ctx: Ctx, text: str) -> Problem | None:
    """"Could not run 'torchvision::nms' with arguments from the 'CUDA' backend": the
    companion's operators were built without that backend (a CPU torchvision beside a CUDA
    torch)."""
    found = has(text, r"Could not run '(torchvision|torchaudio)::\w+' with arguments from the "
                r"'(CUDA|HIP|XPU|MPS)' backend")
    if found is None:
        return None
    name, backend = found.group(1), found.group(2)
    return problem("torchvision-torch-mismatch", ID,
                   f"{name}'s operators have no {backend} kernels: {name} is a CPU build (or "
                   f"one built for another torch) beside {torch_named(ctx)}.",
                   pairing_fix(ctx, name))


def _windows_dll(ctx: Ctx, dll: str) -> Problem:
    major = _windows_major(ctx)
    if major is not None and major < 10:
        return problem("platform-no-wheels", ID,
                       f"A DLL of torch does not load{f' ({dll})' if dll else ''}, and this is "
                       f"Windows {major}: torch's Windows wheels are built for Windows 10 and "
                       "newer and call functions older Windows versions lack.",
                       Fix("Upgrade to Windows 10 or 11 (no torch install runs here); this "
                           "shows the Windows version:",
                           ("[System.Environment]::OSVersion.Version",)))
    return problem("windows-dll-dependency-missing", ID,
                   f"A DLL torch needs does not load{f' ({dll})' if dll else ''}.",
                   fixes.windows_dll())


def _windows_major(ctx: Ctx) -> int | None:
    """The Windows version: "10.0.22631" counts as 10 (Windows 11 too), "6.1.7601" as 7."""
    o = ctx.facts.os
    if ctx.os != "windows":
        return None
    named = re.search(r"Windows (\d+|XP|Vista)\b", o.distribution or "", re.IGNORECASE)
    if named:
        return int(named.group(1)) if named.group(1).isdigit() else 6
    key = version_key(o.version or "")
    if key[:2] == (6, 1):
        return 7
    if key[:1] == (6,):
        return 8
    return key[0] if key else None


def _cudnn_version(ctx: Ctx, text: str) -> Problem | None:
    found = has(text, r"cuDNN version incompatibility: PyTorch was compiled\s+against "
                r"\(([\d, ]+)\) but (?:found runtime version|linked against) \(([\d, ]+)\)")
    shadowing = shadowing_dirs(ctx)
    if found is None or not shadowing:
        return None
    linked = ".".join(part.strip() for part in found.group(2).split(","))
    return ld_library_path_problem(ctx, f"cuDNN {linked}", shadowing)


def _long_path(ctx: Ctx, text: str) -> Problem | None:
    if not has(text, r"WinError 206", r"filename or extension is too long"):
        return None
    return problem("windows-dll-dependency-missing", ID,
                   "pip could not write a file: its path is longer than Windows' 260-character "
                   "limit (torch's wheel nests files deeply) and long paths are not enabled.",
                   Fix("Enable long paths (as administrator, then open a new shell), or put the "
                       "environment in a shorter folder such as C:\\venvs\\torch:",
                       ('New-ItemProperty -Path "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\'
                        'FileSystem" -Name "LongPathsEnabled" -Value 1 -PropertyType DWORD '
                        "-Force",)))


# --- installing ----------------------------------------------------------------------------------

def _no_distribution(ctx: Ctx, text: str) -> Problem | None:
    if not has(text, r"No matching distribution found for torch\b",
               r"Could not find a version that satisfies the requirement torch\b"):
        return None
    p, k = ctx.facts.python, ctx.knowledge
    if p.pointer_bits == 32 or has(text, r"\\Python3\d+-32\\"):
        # python.org's installer names a 32-bit Python's folder "Python3X-32".
        return problem("python-32bit", ID, "pip found no torch wheel: this Python "
                       f"{f'({p.version}) ' if p.version else ''}is a 32-bit build, and PyTorch "
                       "publishes 64-bit wheels only.",
                       Fix("Install a 64-bit Python 3 and create the environment with it."))
    tag = ctx.python_tag
    index = has(text, r"download\.pytorch\.org/whl/(?:nightly/)?(cu\d+|rocm[\d.]+|cpu|xpu)\b")
    if tag and index:
        found = _index_without_python(ctx, index.group(1), tag)
        if found is not None:
            return found
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


def _uv_no_wheel(ctx: Ctx, text: str) -> Problem | None:
    """uv's hint: "You're using CPython 3.14 (`cp314`), but `torch` (v2.8.0) only has wheels with
    the following Python ABI tags: `cp312`, `cp313`, `cp313t`" (a release pinned, or locked,
    that has no wheel for this Python or for its free-threaded ABI)."""
    found = re.search(r"You're using CPython (\d+\.\d+)(t?) \(`cp\d+t?`\), but `torch` "
                      r"\(v([\w.+]+)\) only has wheels with the following Python ABI tags: "
                      r"([^\n]+)", text)
    if found is None:
        return None
    plain, free, release = found.group(1), found.group(2), found.group(3)
    tags = re.findall(r"cp\d+t?", found.group(4))
    python = f"{plain}{free}"
    has = f"torch {release} has wheels for {', '.join(tags)} only"
    if free and f"cp{plain.replace('.', '')}" in tags:
        return problem("freethreaded-abi-mismatch", ID,
                       f"uv found no wheel for free-threaded CPython {python}: {has}, built for "
                       "the regular (GIL) ABI.",
                       install_fix(ctx, f"Use the regular Python {plain}, or a torch release with "
                                        f"{python} wheels:"))
    first = next((r.version for r in reversed(ctx.knowledge.releases)
                  if version_key(r.python_min) <= version_key(plain)
                  <= version_key(r.python_max)), None)
    since = f"; the first release with Python {plain} wheels is {first}" if first else ""
    return problem("python-version-unsupported", ID,
                   f"uv found no wheel for CPython {python}: {has}{since}.",
                   install_fix(ctx, f"Allow a torch release with Python {plain} wheels (or use "
                                    "a Python this release supports):"))


def _index_without_python(ctx: Ctx, variant: str, tag: str) -> Problem | None:
    """The text names the index pip searched (`--index-url .../whl/cu121`): no release on it has
    wheels for this Python (on this platform, or on any where the platform is not known)."""
    k = ctx.knowledge
    systems = [ctx.os] if ctx.os else ["linux", "windows", "macos"]
    on_index = [r for r in k.releases if any(variant in r.variants.get(s, {}) for s in systems)]
    if not on_index:
        return None
    for release in on_index:
        for system in systems:
            arches = [ctx.arch] if ctx.arch else list(release.arches.get(system, ()))
            if variant in release.variants.get(system, {}) and any(
                    k.supports_python(release, system, arch, tag) for arch in arches):
                return None
    newest = on_index[0]
    return problem("python-version-unsupported", ID,
                   f"pip found no torch wheel: the {variant} index pip searched has torch up to "
                   f"{newest.version}, and no release there has wheels for Python {tag} ("
                   f"{newest.version} supports {newest.python_min}–{newest.python_max}).",
                   install_fix(ctx, "Install from the index of a current build (the command for "
                                    f"this machine), or use Python {newest.python_max} for "
                                    f"{variant}:"))


def _conda_channel(ctx: Ctx, text: str) -> Problem | None:
    """conda cannot find pytorch past 2.5 (the pytorch channel's last release)."""
    found = has(text, r"PackagesNotFoundError[\s\S]*?-\s*pytorch\s*[=<>~!]*\s*(\d+\.\d+)")
    if found is None or version_key(found.group(1)) <= version_key(CONDA_CHANNEL_LAST)[:2]:
        return None
    return problem("conda-pytorch-channel-discontinued", ID,
                   f"conda found no pytorch {found.group(1)}: the pytorch channel stopped at "
                   f"{CONDA_CHANNEL_LAST}, and newer releases are published for pip (and built "
                   "by conda-forge).",
                   install_fix(ctx, "Install torch with pip inside this conda environment (or "
                                    "pin pytorch to 2.5 or older):"))


def _disk(ctx: Ctx, text: str) -> Problem | None:
    if not has(text, r"No space left on device", r"\[Errno 28\]") or has(
            text, r"shared memory segment", r"/dev/shm"):
        return None  # a full /dev/shm is NCCL's (nccl-system-error), not the disk's
    temp = ctx.facts.python.temp_dir or "the temporary folder"
    return problem("low-disk-space", ID,
                   f"The disk filled up while installing: pip unpacks wheels (torch's are "
                   f"gigabytes) in {temp} and keeps a copy in its cache.",
                   Fix("Free space, or point the unpacking at a larger disk and skip the cache "
                       "(TMPDIR=/path/on/a/larger/disk, then pip install --no-cache-dir ...). "
                       "To see the space:", ("df -h",) if ctx.os != "windows" else ()))


def _memory(ctx: Ctx, text: str) -> Problem | None:
    if not has(text, r"^\s*Killed\s*$", r"\bMemoryError\b"):
        return None
    return problem("low-memory-install", ID,
                   "The process was killed for memory (the kernel's out-of-memory killer, or "
                   "MemoryError): pip reads torch's multi-gigabyte wheel into memory.",
                   Fix("Install without pip's cache (`pip install --no-cache-dir ...`), close "
                       "other programs or add swap; this shows the memory:",
                       ("free -h",) if ctx.os == "linux" else ()))


def _illegal_instruction(ctx: Ctx, text: str) -> Problem | None:
    if not has(text, r"Illegal instruction", r"SIGILL"):
        return None
    return problem("cpu-missing-avx", ID,
                   "The CPU stopped at an instruction it does not have: the torch wheels need "
                   "AVX2 on x86_64 (a VM may hide it).",
                   Fix("Run on a CPU (or a VM CPU model) with AVX2, or build torch from source; "
                       "this lists the CPU's flags:",
                       ("grep -o -w -E 'avx|avx2' /proc/cpuinfo | sort -u",)
                       if ctx.os == "linux" else ()))


# --- other vendors ------------------------------------------------------------------------------

def _rocm(ctx: Ctx, text: str) -> Problem | None:
    if _has_gfx_error(text):
        return problem("rocm-gfx-unsupported", ID,
                       f"The ROCm build ({ctx.torch_label}) has no code for this GPU's gfx "
                       "target.", Fix("Install a ROCm build whose targets include the GPU "
                                      "(`torchdoctor check` names it), or set "
                                      "HSA_OVERRIDE_GFX_VERSION to a close supported target."))
    if has(text, r"/dev/kfd.*(permission denied|not accessible)",
           r"(permission denied|cannot open).*?/dev/kfd"):
        return _rocm_permissions(ctx)
    return None


def _has_gfx_error(text: str) -> bool:
    return bool(has(text, r"hipErrorNoBinaryForGpu", r"HIP error: invalid device function"))


def _rocm_permissions(ctx: Ctx) -> Problem:
    container = ctx.facts.os.container
    if container:
        return problem("rocm-device-permissions", ID,
                       f"ROCm cannot open the GPU's device files (/dev/kfd, /dev/dri/renderD*) "
                       f"in this {container} container.",
                       Fix("Start the container with --device /dev/kfd --device /dev/dri "
                           "--group-add video --group-add render (Kubernetes: a device plugin "
                           "that grants them). Inside the container these show the files' "
                           "groups and this user's:", ("ls -l /dev/kfd /dev/dri", "id")))
    return problem("rocm-device-permissions", ID,
                   "This user cannot open /dev/kfd or /dev/dri/renderD*, so ROCm sees no GPU.",
                   Fix("Add yourself to the render and video groups, then log in again:",
                       ('sudo usermod -aG render,video "$USER"',)))


def _xpu_init(ctx: Ctx, text: str) -> Problem | None:
    if not has(text, r"Failed to initialize XPU devices"):
        return None
    return problem("xpu-runtime-load-failure", ID,
                   "torch's XPU build found no usable Intel GPU: the driver (Level Zero) is "
                   "missing, broken, or older than this torch needs.", fixes.xpu_runtime())


def _mps(ctx: Ctx, text: str) -> Problem | None:
    if not has(text, r"MPS backend.*(requires|supported on) macOS"):
        return None
    return problem("mps-macos-too-old", ID, "This macOS is too old for torch's MPS backend.",
                   Fix("Update macOS (MPS needs 12.3 or newer, recent releases 14), or run "
                       "on the CPU."))


def _wsl_libcuda(ctx: Ctx, text: str) -> Problem | None:
    if ctx.facts.os.wsl != 2 or not has(text, r"libcuda\.so[.\d]*: cannot open shared object"):
        return None
    return problem("wsl-libcuda-not-found", ID,
                   "Under WSL 2 the driver's libcuda comes from Windows (/usr/lib/wsl/lib), and "
                   "it cannot be loaded.",
                   Fix("Install or update the NVIDIA driver in Windows (not in WSL), run "
                       "`wsl --shutdown` in Windows; this shows whether the library is there:",
                       ("ls -l /usr/lib/wsl/lib/libcuda.so*",)))


RULES: tuple[Rule, ...] = (
    error_import.cuda_missing_from_build, error_import.shadowed, _no_kernel_image,
    _driver_too_old, _no_driver, _suspend, _no_gpu_visible, _wsl_libcuda, _loader,
    _companion_backend, _cudnn_version, error_import.dependency_missing,
    error_import.no_torch_module, error_runtime.nccl, error_runtime.triton,
    error_runtime.toolchain, _long_path, _no_distribution, _uv_no_wheel, _conda_channel, _disk,
    _memory, _illegal_instruction, _rocm, _xpu_init, _mps,
)
