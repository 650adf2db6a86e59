"""Turn a pytorch.org command into the fix for this environment: the right pip, and a real replace.

Replacing a build uninstalls first (`pip3 uninstall -y torch torchvision` on its own line, then
the page's command) rather than adding `--force-reinstall`: a plain install of the same version
with another local tag reports "Requirement already satisfied" and changes nothing, and
`--force-reinstall` would also download and reinstall every dependency (numpy, sympy, the
nvidia-* wheels: gigabytes) from the torch index. Uninstalling touches only the torch packages.
Both lines are complete commands, so they work pasted into any shell, PowerShell included.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from torchdoctor.facts import Facts
from torchdoctor.install.forms import to_uv
from torchdoctor.knowledge import Knowledge
from torchdoctor.knowledge.compat import installed_variant

_PIP_LINE = re.compile(r"^pip3? ")
TORCH_PACKAGES = ("torch", "torchvision", "torchaudio")
_CONDA_NAMES = {"torch": "pytorch"}


@dataclass(frozen=True)
class Installed:
    """The torch build in the target environment."""

    version: str  # "2.13.0+cpu" as installed
    base: str  # "2.13.0"
    variant: str | None
    pip_names: tuple[str, ...]  # torch packages pip (or uv) installed
    conda_names: tuple[str, ...]  # conda package names of those conda installed

    def same_build(self, version: str, variant: str) -> bool:
        return self.base == version and self.variant == variant


def installed_build(facts: Facts, knowledge: Knowledge) -> Installed | None:
    """What torch the target has, or None when it has none (or it could not be read)."""
    py = facts.python
    dist = py.distribution("torch")
    version = dist.version if dist else (py.torch.version if py.torch else None)
    if version is None:
        return None
    pip_names, conda_names = [], []
    for name in TORCH_PACKAGES:
        found = py.distribution(name)
        if found is not None and (found.installer or "").lower() == "conda":
            conda_names.append(_CONDA_NAMES.get(name, name))
        elif found is not None:
            pip_names.append(name)
    if not pip_names and not conda_names:
        pip_names = ["torch"]  # a torch copy without metadata: pip can still try
    return Installed(version, version.split("+")[0], installed_variant(facts, knowledge),
                     tuple(pip_names), tuple(conda_names))


PipMode = Literal["uv", "pip3", "python", "ensurepip"]


def pip_mode(pip3_belongs: bool | None, pip_available: bool | None,
             env_kind: str | None) -> PipMode:
    """Which pip a fix runs, the one rule for plans and problems alike: a uv environment without
    pip gets `uv pip --python`; bare `pip3` only where it is proven to be the target's (and pip
    is there); else `<python> -m pip`, with pip installed first where the target has none."""
    if pip_available is False and env_kind == "uv":
        return "uv"
    if pip3_belongs is True and pip_available is not False:
        return "pip3"
    return "ensurepip" if pip_available is False else "python"


def ensurepip_line(python: str, os: str) -> str:
    """The line that installs pip into an environment made without it."""
    return f"{command_word(python, os)} -m ensurepip --upgrade"


def hide_gpus(indices: Sequence[int], os: str) -> str:
    """The shell line that shows torch only these GPUs, numbered as nvidia-smi numbers them
    (PCI bus order; CUDA's own default order is fastest first)."""
    visible = ",".join(str(i) for i in indices)
    if os == "windows":
        return f'$env:CUDA_DEVICE_ORDER="PCI_BUS_ID"; $env:CUDA_VISIBLE_DEVICES="{visible}"'
    return f"export CUDA_DEVICE_ORDER=PCI_BUS_ID CUDA_VISIBLE_DEVICES={visible}"


def quote(path: str, os: str) -> str:
    """A path as one shell word (an argument): POSIX quoting, or double quotes on Windows."""
    if os == "windows":
        return f'"{path}"' if re.search(r"[\s&()^%!]", path) else path
    return shlex.quote(path)


def command_word(path: str, os: str) -> str:
    """A path as the command that starts a line. A quoted path on Windows needs PowerShell's
    call operator (`& "C:\\Program Files\\...\\python.exe" -m pip`), the default shell there."""
    word = quote(path, os)
    return f"& {word}" if os == "windows" and word.startswith('"') else word


def use_pip_of(text: str, python: str | None, os: str) -> str:
    """`pip3 …` / `pip …` lines as `<python> -m pip …` (the target's own pip)."""
    if python is None:
        return text
    prefix = f"{command_word(python, os)} -m pip "
    return "\n".join(_PIP_LINE.sub(lambda _: prefix, line) for line in text.split("\n"))


def uninstall_lines(installed: Installed) -> list[str]:
    """The lines that remove the installed torch packages."""
    lines = []
    if installed.conda_names:
        lines.append("conda remove -y " + " ".join(installed.conda_names))
    if installed.pip_names:
        lines.append("pip3 uninstall -y " + " ".join(installed.pip_names))
    return lines


def uv_form(text: str, installed: Installed | None, python: str | None, os: str) -> str | None:
    """The `uv pip` form of a page's pip command (with the uninstall when replacing); None when
    the page gives no pip command."""
    uv = to_uv(text)
    if uv is None:
        return None
    target = f" --python {quote(python, os)}" if python else ""
    if target:
        uv = "\n".join(line.replace("uv pip install ", f"uv pip install{target} ", 1)
                       for line in uv.split("\n"))
    if installed is not None:
        names = installed.pip_names or ("torch",)
        uv = f"uv pip uninstall{target} {' '.join(names)}\n{uv}"
    return uv


def drop_from_path_variable(name: str, folders: Sequence[str]) -> str:
    """The POSIX shell command that removes these folders from a PATH-like variable and keeps
    every other entry as it is. The facts hold only the entries that matter to torch (the others
    are private and never recorded), so the command edits the live value instead of rewriting
    it from the facts."""
    patterns = " ".join(f"-e {shlex.quote(f.rstrip('/') or '/')}" for f in dict.fromkeys(folders))
    return (f'export {name}="$(printf \'%s\' "${name}" | tr \':\' \'\\n\' | '
            f'grep -v -x -F {patterns} | paste -s -d: -)"')
