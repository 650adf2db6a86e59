"""Which interpreter to verify when `--python` is not given."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping


def default_python(env: Mapping[str, str], windows: bool | None = None) -> str:
    """The active virtual environment's python, else the active conda env's, else our own."""
    windows = os.name == "nt" if windows is None else windows
    for variable, posix_tail, windows_tail in (
        ("VIRTUAL_ENV", ("bin", "python"), ("Scripts", "python.exe")),
        ("CONDA_PREFIX", ("bin", "python"), ("python.exe",)),
    ):
        prefix = env.get(variable, "")
        if prefix:
            candidate = os.path.join(prefix, *(windows_tail if windows else posix_tail))
            if os.path.exists(candidate):
                return candidate
    return sys.executable
