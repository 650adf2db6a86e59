"""Pure install-command generation: axes in, pytorch.org's command (or a one-line reason) out.

    from torchdoctor.install import resolve_axes, build_command

    cmd = build_command(resolve_axes(here, torch="2.5.1", os="linux", compute="cu121"))
    cmd.command   # 'pip install torch==2.5.1 torchvision==0.20.1 torchaudio==2.5.1 --index-url …'

`command_for(release, variant, os=…, arch=…, python=…)` is the entry point for the
recommendation code: the command for a given release and variant on a target machine.
"""

from __future__ import annotations

from torchdoctor.install.axes import Axes, Machine, MalformedAxisError, resolve_axes
from torchdoctor.install.generate import InstallCommand, InstallError, build_command, command_for

__all__ = [
    "Axes",
    "InstallCommand",
    "InstallError",
    "Machine",
    "MalformedAxisError",
    "build_command",
    "command_for",
    "resolve_axes",
    ]
