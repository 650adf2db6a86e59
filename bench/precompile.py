"""Compile torchdoctor's modules to bytecode before timing, as `pip install` does.

An editable install run with PYTHONDONTWRITEBYTECODE=1 (set on some machines) compiles every
module from source at each start, which is not what users of an installed torchdoctor pay.
`compileall` writes the .pyc files even when that variable is set.
"""

from __future__ import annotations

import compileall
import importlib.util
from pathlib import Path


def compile_torchdoctor() -> None:
    """Write .pyc files for the torchdoctor package that this interpreter imports."""
    spec = importlib.util.find_spec("torchdoctor")
    if spec is None or spec.origin is None:
        return
    compileall.compile_dir(str(Path(spec.origin).parent), quiet=1)
