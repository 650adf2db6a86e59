"""Options shared by several commands, declared once so their spelling and help stay identical."""

from __future__ import annotations

from typing import Annotated

import typer

from torchdoctor.errors import UsageError

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


def fail_usage(message: str) -> typer.Exit:
    """Print one usage-error line on stderr; the caller raises the returned exit."""
    typer.echo(f"torchdoctor: error: {message}", err=True)
    return typer.Exit(UsageError.exit_code)


def python_path_error(python: str | None) -> str | None:
    """Why an explicit `--python PATH` cannot be a target at all (a usage error, exit 2), or None.

    Only a path that is not there (or is a folder) is refused here; an interpreter that exists
    but is broken (not executable, not Python, Python 2, hangs) is a finding of the report.
    """
    import os

    if python is None:
        return None
    if not os.path.exists(python):
        return f"--python: no such file: {python}"
    if os.path.isdir(python):
        return f"--python: {python} is a folder, not an interpreter"
    return None
