"""Options shared by several commands, declared once so their spelling and help stay identical."""

from __future__ import annotations

from typing import Annotated

import typer

PythonOption = Annotated[
    str | None,
    typer.Option(
        "--python",
        metavar="PATH",
        help="Target interpreter (default: the active venv/conda env, else this Python).",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print exactly one JSON document on stdout.")
]
VerboseOption = Annotated[
    int,
    typer.Option("-v", "--verbose", count=True, help="More detail (facts, durations, rationale)."),
]
TimeoutOption = Annotated[
    float,
    typer.Option("--timeout", metavar="SECONDS", help="Timeout for each probe.", min=0.1),
]


def python_path_error(python: str | None) -> str | None:
    """Why an explicit `--python` cannot be a target at all (a usage error, exit 2), or None.

    `--python` takes an interpreter path, a venv/conda folder or a bare name on PATH; only one
    that leads to no file is refused here. An interpreter that exists but is broken (not
    executable, not Python, Python 2, hangs) is a finding of the report, not a usage error.
    """
    import os

    if python is None:
        return None
    from torchdoctor.host import RealHost
    from torchdoctor.probes.python import choose_target

    path, _ = choose_target(RealHost(), python)
    if os.path.isfile(path):
        return None
    if os.path.isdir(python):
        return f"--python: {python} is a folder without an interpreter ({path} does not exist)"
    return f"--python: no such file: {python}"
