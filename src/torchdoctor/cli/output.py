"""How every command ends: render its result in the asked format, or fail in one line.

Imported only inside command bodies, so rich and the renderers stay off the `--help` path.
"""

from __future__ import annotations

from typing import Any

import typer

from torchdoctor.environment import Environment, OutputError
from torchdoctor.exitcodes import ExitCode
from torchdoctor.report import Report


def emit_report(env: Environment, report: Report, *, json_output: bool = False,
                markdown: bool = False, redact: bool = True, verbose: int = 0) -> typer.Exit:
    """Print the report on stdout (terminal text, JSON or Markdown) and return the exit that the
    one verdict decides."""
    from torchdoctor.verdict import decide

    verdict = decide(report)
    if json_output:
        from torchdoctor.render.json_doc import build_document

        write_json(env, build_document(report, verdict))
    elif markdown:
        from torchdoctor.render.markdown import render_markdown

        write(env, render_markdown(report, redact=redact, ascii=not env.terminal.unicode))
    else:
        from torchdoctor.render.terminal import render_terminal

        terminal = env.terminal
        write(env, render_terminal(report, width=terminal.width, color=terminal.color,
                                   ascii=not terminal.unicode, verbose=verbose))
    return typer.Exit(int(verdict.exit_code))


def fail(env: Environment, command: str, message: str, json_output: bool,
         code: int = ExitCode.USAGE) -> typer.Exit:
    """One clear line on stderr (and, in JSON mode, the one error document on stdout)."""
    if json_output:
        from torchdoctor.render.json_doc import error_document

        write_json(env, error_document(command, message, code))
    env.error(message)
    return typer.Exit(code)


def write(env: Environment, text: str) -> None:
    """The result on stdout; OutputError when stdout cannot take it (closed, full, no reader)."""
    try:
        env.stdout.write(text)
        env.stdout.flush()
    except BrokenPipeError as exc:
        raise OutputError(exc.strerror or str(exc), broken_pipe=True) from None
    except (OSError, ValueError) as exc:  # ValueError: a file object already closed
        raise OutputError(getattr(exc, "strerror", None) or str(exc)) from None


def write_json(env: Environment, document: dict[str, Any]) -> None:
    """One JSON document on stdout. Where stdout cannot encode all of Unicode (LANG=C, a Windows
    code page) non-ASCII characters are escaped, so the document stays valid and complete."""
    from torchdoctor.render.json_doc import dumps

    write(env, dumps(document, ascii_only=not env.terminal.unicode) + "\n")
