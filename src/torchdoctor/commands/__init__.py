"""One module per command. Each exposes `register(app)` and imports only typer at load time."""

from __future__ import annotations

from types import ModuleType


def _modules() -> list[ModuleType]:
    # Registration order is the order `--help` lists the commands in.
    from torchdoctor.commands import (
        check,
        detect,
        diagnose,
        install_command,
        report,
        verify,
    )

    return [check, detect, diagnose, install_command, verify, report]


COMMAND_MODULES: list[ModuleType] = _modules()
