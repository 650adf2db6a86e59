"""How the report commands end: render the report, pick the exit code, or fail in one line.

Imported only inside command bodies, so rich and the renderers stay off the `--help` path.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import typer

from torchdoctor.exitcodes import ExitCode
from torchdoctor.model import Report


def emit_report(report: Report, *, json_output: bool, verbose: int = 0) -> int:
    """Print the report (JSON or terminal text) on stdout and return the exit code."""
    from torchdoctor.verdict import decide

    verdict = decide(report)
    if json_output:
        from torchdoctor.render.json_doc import build_document, dumps

        document = build_document(report, verdict.status, verdict.exit_code)
        sys.stdout.write(dumps(document) + "\n")
    else:
        from torchdoctor.render.terminal import print_terminal

        print_terminal(report, verbose=verbose)
    sys.stdout.flush()
    return int(verdict.exit_code)


def fail(command: str, message: str, json_output: bool, code: int = ExitCode.USAGE) -> typer.Exit:
    """One clear line on stderr (and, in JSON mode, the one error document on stdout)."""
    if json_output:
        from torchdoctor.render.json_doc import dumps, error_document

        sys.stdout.write(dumps(error_document(command, message, code)) + "\n")
    print(f"torchdoctor: error: {message}", file=sys.stderr)
    return typer.Exit(code)


def progress_printer(quiet: bool) -> Callable[[str], None]:
    """Progress lines on stderr, only for a person watching a terminal (never in CI logs or
    JSON runs, where stdout must hold the result alone)."""
    if quiet or not sys.stderr.isatty():
        return lambda _message: None

    def say(message: str) -> None:
        print(f"torchdoctor: {message}…", file=sys.stderr, flush=True)

    return say
