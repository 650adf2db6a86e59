"""How the report commands end: render the report, pick the exit code, or fail in one line.

Imported only inside command bodies, so rich and the renderers stay off the `--help` path.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer

from torchdoctor.exitcodes import ExitCode
from torchdoctor.model import Report


def emit_report(report: Report, *, json_output: bool, verbose: int = 0) -> int:
    """Print the report (JSON or terminal text) on stdout and return the exit code."""
    from torchdoctor.verdict import decide

    verdict = decide(report)
    if json_output:
        from torchdoctor.render.json_doc import build_document

        write_json(build_document(report, verdict.status, verdict.exit_code))
    else:
        from torchdoctor.render.terminal import print_terminal

        print_terminal(report, verbose=verbose)
    sys.stdout.flush()
    return int(verdict.exit_code)


def fail(command: str, message: str, json_output: bool, code: int = ExitCode.USAGE) -> typer.Exit:
    """One clear line on stderr (and, in JSON mode, the one error document on stdout)."""
    if json_output:
        from torchdoctor.render.json_doc import error_document

        write_json(error_document(command, message, code))
    print(f"torchdoctor: error: {message}", file=sys.stderr)
    return typer.Exit(code)


def write_json(document: dict[str, Any]) -> None:
    """One JSON document on stdout. Where stdout cannot encode all of Unicode (LANG=C, a Windows
    code page) non-ASCII characters are escaped, so the document stays valid and complete."""
    from torchdoctor.render.json_doc import dumps

    encoding = (getattr(sys.stdout, "encoding", None) or "ascii").lower().replace("_", "-")
    ascii_only = encoding not in ("utf-8", "utf8", "utf-16", "utf-32")
    sys.stdout.write(dumps(document, ascii_only=ascii_only) + "\n")
    sys.stdout.flush()


def progress_printer(quiet: bool) -> Callable[[str], None]:
    """Progress lines on stderr, only for a person watching a terminal (never in CI logs or
    JSON runs, where stdout must hold the result alone)."""
    if quiet or not sys.stderr.isatty():
        return lambda _message: None

    def say(message: str) -> None:
        print(f"torchdoctor: {message}…", file=sys.stderr, flush=True)

    return say
