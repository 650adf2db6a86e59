"""Errors of torch at work, read from the text: NCCL (torch.distributed's GPU backend), Triton
and the C toolchain that torch.compile needs.

Rules: nccl-unavailable, nccl-version-mismatch, nccl-system-error, nccl-cuda-error,
triton-missing, triton-gpu-too-old, compile-toolchain-missing (and
ld-library-path-shadows-cuda-libs for an NCCL found on LD_LIBRARY_PATH).
"""

from __future__ import annotations

import re

from torchdoctor.diagnosis.context import Ctx, install_fix, problem
from torchdoctor.diagnosis.error_common import (
    ID,
    capital,
    frames,
    has,
    install_requirements,
    ld_library_path_problem,
    set_variable,
    shadowing_dirs,
    shell_of,
    torch_named,
)
from torchdoctor.report import Fix, Problem

_TRITON_NAMES = ("triton", "pytorch-triton", "pytorch-triton-rocm", "pytorch-triton-xpu",
                 "triton-windows")
_DEBIAN = ("debian", "ubuntu", "linuxmint", "pop", "raspbian", "kali", "elementary", "zorin")
_FEDORA = ("fedora", "rhel", "centos", "rocky", "almalinux", "ol", "amzn")
# Python environments whose interpreter ships its own headers (Python.h).
_OWN_HEADERS = ("conda", "uv", "pyenv")


# --- NCCL -------------------------------------------------------------------------------------

def nccl(ctx: Ctx, text: str) -> Problem | None:
    """NCCL's errors, each with its own cause: missing from the build, a libnccl of another
    version, a failed system call, a failed CUDA call."""
    if has(text, r"Distributed package doesn't have NCCL built in"):
        return _nccl_unavailable(ctx, text)
    found = has(text, r"undefined symbol:?\s*(nccl\w+)", r"NCCL version mismatch")
    if found is not None:
        return _nccl_version(ctx, found.group(1) if found.lastindex else None)
    if has(text, r"unhandled system error", r"\bncclSystemError\b",
           r"NCCL WARN .*(shared memory segment|shm_open failed)"):
        return _nccl_system(ctx, text)
    if has(text, r"unhandled cuda error", r"\bncclUnhandledCudaError\b"):
        return _nccl_cuda(ctx, text)
    return None


def _nccl_unavailable(ctx: Ctx, text: str) -> Problem:
    where = shell_of(ctx, next(iter(frames(text)), None))
    check = (f'{ctx.python_cmd} -c "import torch.distributed as d; '
             'print(d.is_nccl_available(), d.is_gloo_available())"',)
    if where in ("windows", "macos"):
        system = "Windows" if where == "windows" else "macOS"
        return problem("nccl-unavailable", ID,
                       f"The code asks torch.distributed for the NCCL backend, which exists on "
                       f"Linux only: torch for {system} has no NCCL.",
                       Fix("Ask for the gloo backend instead (torch.distributed."
                           "init_process_group(backend=\"gloo\"); in Lightning "
                           "DDPStrategy(process_group_backend=\"gloo\")), or run on Linux"
                           + (" (WSL 2)" if where == "windows" else "") + ". No command adds "
                           "NCCL to this build; this shows which backends it has:", check))
    if ctx.variant == "cpu":
        return problem("nccl-unavailable", ID,
                       f"The code asks torch.distributed for the NCCL backend, but "
                       f"{torch_named(ctx)} is a CPU-only build: NCCL comes with the CUDA builds.",
                       install_fix(ctx, "Install a CUDA build (or use the gloo backend on the "
                                        "CPU):", compute_prefix="cu"))
    return problem("nccl-unavailable", ID,
                   "The code asks torch.distributed for the NCCL backend, and this torch was "
                   "built without it (a CPU-only or a source build).",
                   Fix("Install a CUDA build from pytorch.org, or use the gloo backend; this "
                       "shows which backends the installed torch has:", check))


def _nccl_version(ctx: Ctx, symbol: str | None) -> Problem:
    shadowing = shadowing_dirs(ctx)
    if shadowing:
        return ld_library_path_problem(ctx, "libnccl", shadowing)
    what = f"calls {symbol}, which" if symbol else "needs an NCCL that"
    pip_nccl = [d for d in ctx.facts.python.distributions or ()
                if d.name.startswith("nvidia-nccl-")]
    have = (f" ({pip_nccl[0].name} {pip_nccl[0].version} is installed: another package may have "
            "pinned it)") if pip_nccl else ""
    message = (f"{capital(torch_named(ctx))} {what} the NCCL library it loaded does not have: that "
               f"libnccl is older than the one this torch was built with{have}.")
    commands = install_requirements(ctx)
    if commands:
        return problem("nccl-version-mismatch", ID, message,
                       Fix("Install the NCCL the installed torch requires: pip keeps torch and "
                           "corrects its nvidia-nccl package (a package that pinned another NCCL "
                           "is named in pip's warning):", commands))
    return problem("nccl-version-mismatch", ID, message,
                   Fix("Install the nvidia-nccl release the installed torch requires; pip names "
                       "what does not match:", ctx.pip("check")))


def _nccl_system(ctx: Ctx, text: str) -> Problem:
    shm = has(text, r"shared memory segment", r"/dev/shm", r"\bshm_open\b", r"posix_fallocate")
    container = f" in this {ctx.facts.os.container} container" if ctx.facts.os.container else ""
    if shm and has(text, r"shm_open failed\s*:\s*Permission denied"):
        return problem("nccl-system-error", ID,
                       "NCCL could not open its shared memory in /dev/shm: permission denied.",
                       Fix("Give /dev/shm its usual permissions (writable by everyone, sticky), "
                           "then run the program again; the first command shows them:",
                           ("ls -ld /dev/shm", "sudo chmod 1777 /dev/shm")))
    if shm:
        return problem("nccl-system-error", ID,
                       f"NCCL could not create its shared-memory segment in /dev/shm{container}: "
                       "/dev/shm is too small (Docker gives a container 64 MB unless told "
                       "otherwise).",
                       Fix("Start the container with --ipc=host or a larger --shm-size (for "
                           "example --shm-size=16g). Without a restart, NCCL's shared-memory "
                           "transport can be turned off for programs started from this shell "
                           "(slower, but it runs). The first command shows /dev/shm's size:",
                           ("df -h /dev/shm", set_variable(ctx, "NCCL_SHM_DISABLE", "1"))))
    return problem("nccl-system-error", ID,
                   f"NCCL's \"unhandled system error\"{container}: a system call NCCL needs "
                   "failed. Most often /dev/shm is too small (a container started without "
                   "--ipc=host or --shm-size), or NCCL found no network interface all ranks "
                   "share; the text does not say which.",
                   Fix("Run the program again with NCCL_DEBUG=INFO: the WARN lines name the call "
                       "that failed (shared memory: start the container with --ipc=host or a "
                       "larger --shm-size; a socket or interface: set NCCL_SOCKET_IFNAME to the "
                       "interface the ranks share). These show /dev/shm and turn the report on:",
                       ("df -h /dev/shm", set_variable(ctx, "NCCL_DEBUG", "INFO"))))


def _nccl_cuda(ctx: Ctx, text: str) -> Problem:
    failure = has(text, r"Cuda failure\s*\d*\s*'([^']+)'")
    said = f" (\"{failure.group(1)}\")" if failure else ""
    if has(text, r"peer access is not supported", r"peer mapping resources exhausted"):
        return problem("nccl-cuda-error", ID,
                       f"NCCL's CUDA call failed{said}: these GPUs cannot copy to each other "
                       "directly (peer-to-peer), which NCCL uses by default.",
                       Fix("Turn NCCL's peer-to-peer transport off for programs started from "
                           "this shell (a launcher that starts its own workers, such as Ray, "
                           "must pass the variable on to them):",
                           (set_variable(ctx, "NCCL_P2P_DISABLE", "1"),)))
    return problem("nccl-cuda-error", ID,
                   f"NCCL's CUDA call failed{said}: the GPU or its driver refused what NCCL "
                   "asked (peer-to-peer copies between GPUs that cannot do them, a GPU in a bad "
                   "state, a driver that does not match).",
                   Fix("Run the program again with NCCL_DEBUG=INFO to see the failing CUDA call; "
                       "if it names peer access, set NCCL_P2P_DISABLE=1 the same way. These show "
                       "how the GPUs are linked and turn the report on:",
                       ("nvidia-smi topo -m", set_variable(ctx, "NCCL_DEBUG", "INFO"))))


# --- Triton and torch.compile -----------------------------------------------------------------

def triton(ctx: Ctx, text: str) -> Problem | None:
    old = re.search(r"Found (.+?) which is too old to be supported by the triton GPU compiler"
                    r".*?capability (\d+\.\d+)", text, re.IGNORECASE | re.DOTALL)
    if old is not None:
        return problem("triton-gpu-too-old", ID,
                       f"{old.group(1)} (compute capability {old.group(2)}) is too old for "
                       "Triton, which torch.compile uses for GPU code: Triton needs capability "
                       "7.0 (Volta) or newer. torch itself still runs on this GPU.",
                       Fix("No install makes Triton support this GPU: run the code without "
                           "torch.compile (eager mode, slower), or compile with "
                           "backend=\"aot_eager\". This turns torch.compile off for programs "
                           "started from this shell:",
                           (set_variable(ctx, "TORCHDYNAMO_DISABLE", "1"),)))
    if not has(text, r"Cannot find a working triton installation"):
        return None
    where = shell_of(ctx, next(iter(frames(text)), None))
    off = (set_variable(ctx, "TORCHDYNAMO_DISABLE", "1"),)
    if where in ("windows", "macos"):
        system = "Windows" if where == "windows" else "macOS"
        also = (" install the community triton-windows build of the release that matches "
                f"{torch_named(ctx)} (its README lists the pairs), or run under WSL 2"
                if where == "windows" else " run on Linux")
        return problem("triton-missing", ID,
                       f"torch.compile needs Triton for GPU code, and Triton publishes no "
                       f"{system} packages: the torch wheels for {system} do not bring it.",
                       Fix(f"Run the code without torch.compile (this turns it off for programs "
                           f"started from this shell), or{also}:", off))
    installed = next((d for d in ctx.facts.python.distributions or ()
                      if d.name in _TRITON_NAMES), None)
    state = (f"{installed.name} {installed.version} is installed but does not work with "
             f"{torch_named(ctx)} (another release than the one torch pins, or broken)"
             if installed else "triton is not installed (torch was installed without its "
             "dependencies, or triton was removed)")
    commands = install_requirements(ctx)
    fix = (Fix("Install the triton this torch requires: pip keeps torch and installs the triton "
               "its release pins:", commands) if commands else
           Fix("Install the triton release the installed torch pins; pip names what is "
               "missing:", ctx.pip("check")))
    return problem("triton-missing", ID, f"torch.compile found no working Triton: {state}.", fix)


def toolchain(ctx: Ctx, text: str) -> Problem | None:
    """torch.compile (Inductor, Triton) builds C code at run time: a compiler and Python's
    headers must be there."""
    headers = has(text, r"Python\.h: No such file or directory", r"'Python\.h' (file )?not found")
    # torch's check_compiler_exist_windows raises "Compiler: cl is not found" (a traceback may
    # show only its source line).
    cl = has(text, r"Compiler: cl is not found", r"'cl' is not recognized",
             r"check_compiler_exist_windows[\s\S]*is not found")
    compiler = cl or has(text, r"Failed to find C compiler", r"No working C\+\+ compiler found",
                         r"\bInvalidCxxCompiler\b", r"\b(gcc|g\+\+|cc|c\+\+): (command )?not found",
                         r"No such file or directory: '(gcc|g\+\+|cc|c\+\+)'")
    if not headers and not compiler:
        return None
    where = "windows" if cl else shell_of(ctx, next(iter(frames(text)), None))
    if headers:
        return problem("compile-toolchain-missing", ID,
                       "torch.compile builds a small C module against this Python's headers, "
                       "and Python.h is missing.", _headers_fix(ctx, where))
    return problem("compile-toolchain-missing", ID,
                   "torch.compile builds C code at run time and found no C compiler"
                   + (" (cl.exe is not on PATH)." if where == "windows" else "."),
                   _compiler_fix(ctx, where))


def _headers_fix(ctx: Ctx, where: str) -> Fix:
    p = ctx.facts.python
    where_headers = (f'{ctx.python_cmd} -c "import sysconfig; '
                     "print(sysconfig.get_paths()['include'])\"",)
    if where == "windows":
        return Fix("This Python has no include folder: an embeddable Python (a portable app's "
                   "python_embeded) comes without Python.h and the libs folder. Copy the "
                   "include and libs folders of a python.org installation of the same version "
                   "into it; this prints where Python.h must be:", where_headers)
    if p.env_kind in _OWN_HEADERS:
        return Fix(f"A {p.env_kind} Python brings its own headers, so this one is incomplete: "
                   "reinstall the interpreter (or recreate the environment); this prints where "
                   "Python.h must be:", where_headers)
    version = (ctx.python_tag or "").rstrip("t")
    if ctx.facts.os.distribution_id in _DEBIAN and version and _distribution_python(ctx):
        return Fix(f"Install the headers of this Python, the distribution's {version} "
                   f"(python{version}-dev):", _apt(ctx, f"python{version}-dev"))
    return Fix("Install the development package of this Python (python3.X-dev on Debian and "
               "Ubuntu, python3-devel on Fedora and RHEL, for the distribution's own Python; a "
               "Python built elsewhere brings its headers or must be reinstalled); this prints "
               "where Python.h must be:", where_headers)


def _distribution_python(ctx: Ctx) -> bool:
    """The interpreter (or the one a venv was made from) is the distribution's own, in /usr:
    its headers come from the distribution's -dev package."""
    p = ctx.facts.python
    base = p.base_prefix or p.prefix
    if base:
        return base.rstrip("/") == "/usr"
    return (p.executable or "").startswith("/usr/bin/")


def _apt(ctx: Ctx, package: str) -> tuple[str, ...]:
    """apt-get lines: as root in a container (which usually has no sudo, and whose package lists
    are often removed), with sudo elsewhere."""
    sudo = "" if ctx.facts.os.container else "sudo "
    return (f"{sudo}apt-get update", f"{sudo}apt-get install -y {package}")


def _compiler_fix(ctx: Ctx, where: str) -> Fix:
    distribution = ctx.facts.os.distribution_id
    if where == "windows":
        return Fix("Install Visual Studio's Build Tools with the C++ workload, then start "
                   "Python from the \"x64 Native Tools Command Prompt for VS 2022\", which puts "
                   "cl.exe on PATH; the second command shows whether it is found:",
                   ('winget install --id Microsoft.VisualStudio.2022.BuildTools -e --override '
                    '"--quiet --wait --add Microsoft.VisualStudio.Workload.VCTools '
                    '--includeRecommended"', "where.exe cl"))
    if where == "macos":
        return Fix("Install Apple's command line tools (they bring clang):",
                   ("xcode-select --install",))
    if distribution in _DEBIAN:
        return Fix("Install a C compiler:", _apt(ctx, "build-essential"))
    if distribution in _FEDORA:
        sudo = "" if ctx.facts.os.container else "sudo "
        return Fix("Install a C compiler:", (f"{sudo}dnf install -y gcc gcc-c++",))
    return Fix("Install gcc with the system's package manager (or set CC to a compiler that "
               "is there); this shows whether one is found:", ("gcc --version",))
