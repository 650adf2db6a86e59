"""How every command ends: render its result in the asked format, or fail in one line.

Imported only inside command bodies, so rich and the renderers stay off the `--help` path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from torchdoctor.environment import DEFAULT_WIDTH, Environment, OutputError, Terminal
from torchdoctor.exitcodes import ExitCode
from torchdoctor.report import Report

if TYPE_CHECKING:
    from torchdoctor.cli.options import Outputs


def emit_report(env: Environment, report: Report, *, json_output: bool = False,
                markdown: bool = False, redact: bool = True, verbose: int = 0,
                outputs: Outputs | None = None) -> typer.Exit:
    """Write the report to the `--output` files, print it on stdout (terminal text, JSON,
    JUnit XML or Markdown), and return the exit that the one verdict decides. `outputs` (from
    `--format`/`--output`) wins over `json_output` and `markdown`. A file that cannot be
    written is a usage error (exit 2), said before anything reaches stdout."""
    from torchdoctor.verdict import decide

    verdict = decide(report)
    stdout = outputs.stdout if outputs else "json" if json_output else (
        "markdown" if markdown else "text")
    for path, fmt in outputs.files if outputs else ():
        text = render(report, fmt, FILE_TERMINAL, redact=redact, verbose=verbose)
        try:
            with open(path, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except OSError as exc:
            return fail(env, report.command, f"--output {path}: cannot write it "
                        f"({exc.strerror or exc})", stdout == "json")
    write(env, render(report, stdout, env.terminal, redact=redact, verbose=verbose))
    return typer.Exit(int(verdict.exit_code))


# How a report is written to a file: no colour, the log width, every glyph (files are UTF-8).
FILE_TERMINAL = Terminal(is_tty=False, color=False, unicode=True, width=DEFAULT_WIDTH)


def render(report: Report, fmt: str, terminal: Terminal, *, redact: bool = True,
           verbose: int = 0) -> str:
    """The report in one format, for a stream or file that can show what `terminal` says.
    Markdown is redacted unless `redact` is False (`report --no-redact`); the others never
    are, as the terminal report is not."""
    ascii_only = not terminal.unicode
    if fmt == "json":
        from torchdoctor.render.json_doc import build_document, dumps
        from torchdoctor.verdict import decide

        return dumps(build_document(report, decide(report)), ascii_only=ascii_only) + "\n"
    if fmt == "markdown":
        from torchdoctor.render.markdown import render_markdown

        return render_markdown(report, redact=redact, ascii=ascii_only)
    if fmt == "junit":
        from torchdoctor.render.junit import render_junit

        return render_junit(report, ascii=ascii_only)
    from torchdoctor.render.terminal import render_terminal

    return render_terminal(report, width=terminal.width, color=terminal.color,
                           ascii=ascii_only, verbose=verbose)


def plan_outputs(env: Environment, command: str, json_flag: bool, fmt: str | None,
                 files: list[str] | None, default: str = "text") -> Outputs:
    """Where the result of `command` goes (`--json`, `--format`, `--output`); a usage error
    (raised as the exit, with its one line) when that cannot be done."""
    from torchdoctor.cli.options import output_path_error, resolve_outputs

    try:
        outputs = resolve_outputs(json_flag, fmt, files, default)
    except ValueError as exc:
        raise fail(env, command, str(exc), json_flag or fmt == "json") from None
    bad = output_path_error(outputs)
    if bad:
        raise fail(env, command, bad, outputs.stdout == "json")
    return outputs


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
