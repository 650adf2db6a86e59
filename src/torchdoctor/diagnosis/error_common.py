"""What the error-text rules share: the line's id, searching the text, reading a traceback's
frames, and the few commands several rules give (an environment variable set in the user's
shell, pip installing what the installed torch requires).

Pure: text and facts in, strings out.
"""

from __future__ import annotations

import re

from torchdoctor.diagnosis.companions import index_of_installed
from torchdoctor.diagnosis.context import Ctx, problem
from torchdoctor.recommend.shell import drop_from_path_variable, quote
from torchdoctor.report import Fix, Problem
from torchdoctor.verify.errors import cuda_paths_in_ld_library_path

ID = "error"
_FRAME = re.compile(r'^\s*File "([^"<>]+)", line \d+', re.MULTILINE)
_INSTALLED = re.compile(r"[\\/](site|dist)-packages[\\/]", re.IGNORECASE)
_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]|\\")


def has(text: str, *patterns: str) -> re.Match[str] | None:
    """The first of the patterns found in the text (case-insensitive, multi-line)."""
    for pattern in patterns:
        found = re.search(pattern, text, re.IGNORECASE | re.MULTILINE)
        if found:
            return found
    return None


def frames(text: str) -> list[str]:
    """The files of a Python traceback's frames, outermost first ("<frozen ...>" left out)."""
    return _FRAME.findall(text)


def installed(path: str) -> bool:
    """A path inside site-packages or dist-packages: an installed package, not the user's own
    file."""
    return bool(_INSTALLED.search(path))


def windows_path(path: str) -> bool:
    return bool(_WINDOWS_PATH.search(path))


def shell_of(ctx: Ctx, path: str | None = None) -> str:
    """Whose shell a command is written for: the machine's OS, else what the path looks like."""
    if ctx.os:
        return ctx.os
    return "windows" if path and windows_path(path) else "linux"


def set_variable(ctx: Ctx, name: str, value: str) -> str:
    """The line that sets an environment variable for the programs this shell starts."""
    if shell_of(ctx) == "windows":
        return f'$env:{name}="{value}"'
    return f"export {name}={quote(value, 'linux')}"


def install_requirements(ctx: Ctx) -> tuple[str, ...]:
    """`pip install torch==<installed release>` from its own index: pip keeps the installed
    torch and installs or corrects what that torch requires (triton, the nvidia-* libraries),
    which a plain `pip install <library>` would not pin to torch's versions. Empty when the
    installed release is not known, or conda installed it."""
    public = ctx.torch_public
    dist = ctx.torch_dist
    if not public or (dist is not None and dist.installer == "conda"):
        return ()
    index = index_of_installed(ctx)
    return ctx.pip(f"install torch=={public}" + (f" --index-url {index}" if index else ""))


def shadowing_dirs(ctx: Ctx) -> list[str]:
    """LD_LIBRARY_PATH entries that hold CUDA libraries: the folders the loader probe found a
    loaded copy in, those the environment probe's listing found holding them (whatever their
    names), and those whose names say CUDA, cuDNN, NCCL or NVIDIA."""
    env, loader = ctx.facts.env, ctx.facts.loader
    loaded = [lib.loaded.path.rsplit("/", 1)[0] for lib in (loader.libraries or ()
                                                             if loader else ())
              if lib.loaded is not None and lib.loaded.source == "LD_LIBRARY_PATH"]
    found = [*loaded, *env.ld_library_path_cuda, *cuda_paths_in_ld_library_path(env.variables)]
    return list(dict.fromkeys(found))


def ld_library_path_problem(ctx: Ctx, library: str, shadowing: list[str]) -> Problem:
    """A CUDA library loaded from LD_LIBRARY_PATH instead of the copy torch brought: the fix is
    the exact line that keeps every other entry (of the live variable: the facts hold only the
    entries that matter to torch)."""
    command = drop_from_path_variable("LD_LIBRARY_PATH", shadowing)
    return problem("ld-library-path-shadows-cuda-libs", ID,
                   f"{library} is loaded from LD_LIBRARY_PATH ({', '.join(shadowing)}) instead "
                   "of the copy torch brought: the versions differ.",
                   Fix("In the shell that runs torch, drop those folders from LD_LIBRARY_PATH "
                       "(torch finds its own CUDA libraries):", (command,)))


def torch_named(ctx: Ctx) -> str:
    """The installed torch as a message names it: "torch 2.13.0+cu130", or "the installed
    torch" when its version is not known."""
    return f"torch {ctx.torch_label}" if ctx.torch_version else "the installed torch"


def capital(text: str) -> str:
    """A sentence's first word capitalised ("The installed torch"); "torch" stays as it is."""
    return text if text.startswith("torch") else text[:1].upper() + text[1:]
