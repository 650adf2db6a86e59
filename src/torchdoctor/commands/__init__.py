"""One module per command. Each exposes `register(app)` and imports only typer at load time."""

from __future__ import annotations

from types import ModuleType


def _modules() -> list[ModuleType]:
    from torchdoctor.commands import install_command

    return [install_command]


COMMAND_MODULES: list[ModuleType] = _modules()
