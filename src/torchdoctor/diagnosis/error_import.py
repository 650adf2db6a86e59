"""Errors of `import torch` and of code that reaches for CUDA, read from the text: a CPU-only
build, a file or folder that shadows torch (or a module torch imports), a C extension that does
not load, a library torch requires that is not installed, an interpreter without torch.

Rules: cpu-build-on-gpu-host, wrong-interpreter, no-cuda-on-macos, verify-device-unavailable,
torch-shadowed-by-local-file, freethreaded-abi-mismatch, torch-install-broken,
torch-dependency-missing, torch-not-installed.
"""

from __future__ import annotations

import ntpath
import posixpath
import re

from torchdoctor.diagnosis.companions import index_of_installed
from torchdoctor.diagnosis.context import AMD_VENDOR, NVIDIA_VENDOR, Ctx, install_fix, problem
from torchdoctor.diagnosis.error_common import (
    ID,
    capital,
    frames,
    has,
    install_requirements,
    installed,
    shadowing_dirs,
    shell_of,
    torch_named,
    windows_path,
)
from torchdoctor.diagnosis.python import kernel_fix
from torchdoctor.recommend.shell import quote
from torchdoctor.report import Fix, Problem

# Modules torch imports that a file in the script's folder can stand in for: Python puts that
# folder first on sys.path, so `import onnx` inside torch finds the user's onnx.py. (Built-in
# modules such as math, and those loaded before the script runs, such as os, cannot be shadowed.)
SHADOWABLE = frozenset({
    "torch", "torchvision", "torchaudio", "onnx", "numpy", "sympy", "triton", "typing",
    "typing_extensions", "random", "copy", "inspect", "numbers", "dataclasses", "enum",
    "queue", "tokenize", "pickle", "platform", "threading", "logging", "string", "ctypes",
    "weakref", "warnings", "traceback", "signal", "tempfile", "uuid", "json", "multiprocessing",
})
_CUDA_PIP_LIB = re.compile(
    r"\b(lib(?:nccl|cudnn\w*|cublas(?:Lt)?|cusparse(?:Lt)?|cufft|curand|cusolver|nvJitLink|cudart"
    r"|nvrtc|cupti|cufile|nvshmem)\.so[\w.]*): cannot open shared object file", re.IGNORECASE)
_NOTEBOOK = (r"\bipykernel", r"Cell In\s*\[\d*\]", r"<ipython-input-", r"\bjupyter")


# --- code that asks for CUDA from a build without it ---------------------------------------------

def cuda_missing_from_build(ctx: Ctx, text: str) -> Problem | None:
    """"Torch not compiled with CUDA enabled", and torch._C without its `_cuda_*` functions: the
    torch that ran is a CPU-only build."""
    if not has(text, r"Torch not compiled with CUDA enabled",
               r"torch\._C'? has no attribute '_cuda_\w+'"):
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
                       f"{torch_named(ctx)}: the code ran with another interpreter or "
                       "environment (another venv, a Jupyter kernel of another environment, an "
                       "IDE's own Python).",
                       Fix(f"Run the code with {ctx.python_cmd} (in Jupyter: pick this "
                           "environment's kernel); to see which Python and torch a run uses, "
                           "print them at its start:",
                           ('python -c "import sys, torch; print(sys.executable, '
                            'torch.__version__)"',)))
    if _no_gpu_here(ctx):
        return problem("verify-device-unavailable", ID,
                       "The code asks for CUDA, and this machine has no NVIDIA or AMD GPU: no "
                       "torch build can run it there.",
                       Fix("Run the code on the CPU: give it device \"cpu\", or let it choose "
                           "(`device = 'cuda' if torch.cuda.is_available() else 'cpu'`)."))
    return problem("cpu-build-on-gpu-host", ID,
                   f"{capital(torch_named(ctx))} is a CPU-only build: it has no CUDA at all.",
                   install_fix(ctx, "Replace it with a CUDA build:", compute_prefix="cu"))


def _no_gpu_here(ctx: Ctx) -> bool:
    """Proven, not guessed: no NVIDIA driver, and the PCI bus (read) shows no NVIDIA or AMD GPU."""
    f = ctx.facts
    if f.nvidia.status != "absent" or f.pci.status != "found" or f.os.wsl:
        return False
    return not ctx.pci(NVIDIA_VENDOR) and f.amd.status != "found" and not ctx.pci(AMD_VENDOR)


# --- something else is imported as torch, or as a module torch imports -------------------------

def shadowed(ctx: Ctx, text: str) -> Problem | None:
    """A torch.py, a torch/ folder or a source checkout imported instead of the installed torch,
    or a script named like a module torch imports (onnx.py)."""
    if has(text, r"partially initialized module 'torch'"):
        return _circular(ctx, text)
    if has(text, r"Failed to load PyTorch C extensions", r"No module named '?torch\._C'?",
           r"No module named '?_C'?\s*$"):
        return _c_extensions(ctx, text)
    return _script_shadows(ctx, text)


def _circular(ctx: Ctx, text: str) -> Problem:
    named = re.search(r"partially initialized module 'torch'.*?circular import\)\s*\(([^)]+)\)",
                      text, re.IGNORECASE)
    paths = [named.group(1).strip()] if named else []
    paths += [f for f in frames(text) if _torch_file(f)]
    local = next((p for p in paths if _torch_file(p) and not installed(p)), None)
    if local is not None:
        return _rename_problem(ctx, local, "torch")
    return problem("torch-shadowed-by-local-file", ID,
                   "`import torch` ran into itself (\"partially initialized module 'torch'\"): a "
                   "file or folder named torch (torch.py, or a torch/ folder) in the folder of "
                   "the script you ran, or the working directory, is imported instead of the "
                   "installed torch.",
                   Fix("Rename that torch.py (or torch/ folder), or run the code from somewhere "
                       "else. In the folder of the script you ran, this prints what "
                       "`import torch` finds:",
                       (f'{ctx.python_cmd} -c "import importlib.util as u; '
                        "print(u.find_spec('torch').origin)\"",)))


def _torch_file(path: str) -> bool:
    name = re.split(r"[\\/]", path)
    return name[-1] == "torch.py" or name[-2:] == ["torch", "__init__.py"]


def _c_extensions(ctx: Ctx, text: str) -> Problem | None:
    where = next((f for f in frames(text) if re.search(r"(^|[\\/])torch[\\/]__init__\.py$", f)),
                 None)
    if where is None:
        return None
    if not installed(where):
        return _source_tree(ctx, where)
    folder = where[: -len("__init__.py") - 1]
    free = ctx.facts.python.free_threaded or has(text, r"python3\.\d+t\b")
    if free:
        return problem("freethreaded-abi-mismatch", ID,
                       f"This free-threaded Python cannot load torch's C extension in {folder}: "
                       "that torch was built for the regular (GIL) ABI, so Python skips its _C "
                       "module and finds only the stub folder torch/_C.",
                       install_fix(ctx, "Install torch with this interpreter's own pip (a "
                                        "release with free-threaded wheels), or run the code "
                                        "with the regular Python:"))
    public = ctx.torch_public
    message = (f"torch's C extension in {folder} does not load in this interpreter: its files "
               "were installed for another Python (another version, or the free-threaded "
               "build), or are incomplete.")
    if not public:
        return problem("torch-install-broken", ID, message,
                       Fix("Reinstall torch with the pip of the interpreter that runs the code; "
                           "this shows what is installed:", ctx.pip("show torch")))
    index = index_of_installed(ctx)
    where_from = f" --index-url {index}" if index else ""
    return problem("torch-install-broken", ID, message,
                   Fix(f"Reinstall torch {public} with this interpreter's pip, which picks the "
                       "files built for it (--no-deps keeps everything else as it is):",
                       ctx.pip(f"install --force-reinstall --no-deps torch=={public}"
                               f"{where_from}")))


def _source_tree(ctx: Ctx, init: str) -> Problem:
    """torch imported from a folder that is not an installed package: a PyTorch source checkout
    (its C extension is not built there) or another project's torch folder."""
    path = ntpath if windows_path(init) else posixpath
    folder = path.dirname(init)
    outside = path.dirname(path.dirname(folder)) if path.isabs(folder) else ""
    go = f"cd {quote(outside, shell_of(ctx, init))}" if outside else "cd .."
    named = folder if path.isabs(folder) else f"the {folder} folder in the working directory"
    return problem("torch-shadowed-by-local-file", ID,
                   f"Python imported torch from {named}, which is not the installed package (a "
                   "PyTorch source checkout, whose C extension is not built there, or another "
                   "project's torch folder): Python finds it first because it is in the working "
                   "directory.",
                   Fix("Run Python from another directory (the installed torch is then the one "
                       "imported), or build the checkout in place (`pip install -e .` in it). "
                       "This leaves the folder that holds it:", (go,)))


def _script_shadows(ctx: Ctx, text: str) -> Problem | None:
    """The script's folder comes first on sys.path: a file there named like a module torch
    imports is what torch gets."""
    found = frames(text)
    if not found or installed(found[0]) or _stdlib(found[0]):
        return None  # `python -m ...` starts in the standard library: no script folder
    path = ntpath if windows_path(found[0]) else posixpath
    script_dir = path.dirname(found[0])
    reaches_torch = any(installed(f) and re.search(r"[\\/]torch[\\/]", f) for f in found)
    for file in found:
        stem, ext = path.splitext(path.basename(file))
        if path.dirname(file) != script_dir or ext != ".py" or stem not in SHADOWABLE:
            continue
        if stem == "torch" or reaches_torch:
            return _rename_problem(ctx, file, stem)
    return None


def _stdlib(path: str) -> bool:
    """A file of Python's standard library (".../lib/python3.12/runpy.py",
    "C:\\Python312\\Lib\\threading.py"), which is never the user's."""
    return bool(re.search(r"[\\/]lib[\\/]python\d(\.\d+)?t?[\\/][^\\/]+$", path, re.IGNORECASE)
                or re.search(r"[\\/]Lib[\\/][^\\/]+\.py$", path))


def _rename_problem(ctx: Ctx, local: str, module: str) -> Problem:
    path = ntpath if windows_path(local) else posixpath
    if path.basename(local) == "__init__.py":
        local = path.dirname(local)  # a torch/ folder
    stem, ext = path.splitext(path.basename(local))
    renamed = f"{stem}_local{ext}"
    os_name = shell_of(ctx, local)
    if os_name == "windows":
        command = f"Rename-Item -LiteralPath {quote(local, 'windows')} -NewName {renamed}"
    else:
        target = path.join(path.dirname(local), renamed)
        command = f"mv -n -- {quote(local, 'linux')} {quote(target, 'linux')}"
    what = ("is imported instead of the installed torch" if module == "torch" else
            f"is what `import {module}` inside torch finds (Python puts the script's folder "
            f"first on sys.path), instead of the real {module}")
    return problem("torch-shadowed-by-local-file", ID, f"{local} {what}.",
                   Fix(f"Rename it (and change the imports of it, if your code has any); this "
                       f"renames it to {renamed}:", (command,)))


# --- a library torch requires is not installed ---------------------------------------------------

def dependency_missing(ctx: Ctx, text: str) -> Problem | None:
    """A CUDA library of torch's pip dependencies (nvidia-cudnn-cu12, nvidia-nccl-cu12, ...)
    cannot be found, and nothing on LD_LIBRARY_PATH is in play."""
    found = _CUDA_PIP_LIB.search(text)
    dist = ctx.torch_dist
    if found is None or shadowing_dirs(ctx) or ctx.os not in ("linux", None) or (
            dist is not None and dist.installer == "conda"):
        return None
    library = found.group(1)
    message = (f"{library} cannot be found: {torch_named(ctx)} gets its CUDA libraries "
               "from the nvidia-* pip packages it requires, and the one with this library is "
               "not installed (torch installed with --no-deps, or the package removed).")
    commands = install_requirements(ctx)
    if commands:
        return problem("torch-dependency-missing", ID, message,
                       Fix("Install what the installed torch requires: pip keeps torch and adds "
                           "the missing packages:", commands))
    return problem("torch-dependency-missing", ID, message,
                   Fix("Install the packages the installed torch requires; pip names the "
                       "missing ones:", ctx.pip("check")))


# --- the interpreter that ran has no torch -------------------------------------------------------

def no_torch_module(ctx: Ctx, text: str) -> Problem | None:
    if not has(text, r"No module named '?torch'?(?![\w.])"):
        return None
    notebook = has(text, *_NOTEBOOK)
    if ctx.installed:
        if notebook:
            return problem("wrong-interpreter", ID,
                           f"The notebook's kernel runs a Python without torch, but "
                           f"{ctx.python_cmd} has {torch_named(ctx)}: the kernel is "
                           "another environment's.", kernel_fix(ctx))
        return problem("wrong-interpreter", ID,
                       f"The code ran with a Python that has no torch, but {ctx.python_cmd} has "
                       f"{torch_named(ctx)}: another interpreter or environment ran it (a "
                       "venv that is not activated, an IDE's own Python).",
                       Fix(f"Run the code with {ctx.python_cmd}, or select it as the IDE's "
                           "interpreter. Run this the way the failing code runs: it prints the "
                           "Python that runs, to compare:",
                           ('python -c "import sys; print(sys.executable)"',)))
    if ctx.facts.python.torch_state == "absent":
        return problem("torch-not-installed", ID,
                       f"torch is not installed in {ctx.facts.python.executable or ctx.python_cmd}"
                       + (" (the Python the notebook's kernel runs may be another still)."
                          if notebook else "."),
                       install_fix(ctx, "Install it:"))
    if notebook:
        # Which environment has torch is not known here; the user's terminal, where
        # `import torch` works, names it: the commands run there register it as a kernel.
        return problem("wrong-interpreter", ID,
                       "The notebook's kernel runs a Python without torch: where `import torch` "
                       "works in a terminal, the notebook's kernel is another environment.",
                       Fix("In a terminal where `import torch` works (its environment "
                           "activated), register that environment as a kernel, then pick "
                           "\"torch-env\" in the notebook:",
                           ("python -m pip install ipykernel",
                            "python -m ipykernel install --user --name torch-env")))
    return None
