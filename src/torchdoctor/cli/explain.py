"""`torchdoctor explain [FILE|-]`: the cause and fix of an error text, with this machine's facts
(or a captured document's, `--facts FILE`)."""

from __future__ import annotations

from typing import Annotated

import typer

from torchdoctor.cli.options import (
    DEFAULT_TIMEOUT,
    FormatOption,
    JsonOption,
    OutputOption,
    PythonOption,
    TimeoutOption,
    VerboseOption,
)


def explain_command(
    ctx: typer.Context,
    file: Annotated[
        str,
        typer.Argument(metavar="FILE", help="The error text or traceback; - (the default) reads "
                       "stdin."),
    ] = "-",
    facts_file: Annotated[
        str | None,
        typer.Option("--facts", metavar="FILE", help="Judge with a captured detect/check --json "
                     "document instead of this machine."),
    ] = None,
    python: PythonOption = None,
    json_output: JsonOption = False,
    verbose: VerboseOption = 0,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    output_format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Explain an error: what it means on this machine, its fix, and the install command.
    Text torchdoctor does not recognise is said to be so, and the report is this machine's
    check. Exit codes as for `check`; 2 when the text or the facts cannot be read."""
    from torchdoctor.cli.options import environment, python_path_error, read_error_text
    from torchdoctor.cli.output import emit_report, fail, plan_outputs
    from torchdoctor.documents import DocumentError, read_document
    from torchdoctor.pipeline import Request, build_report, gather

    env = environment(ctx)
    outputs = plan_outputs(env, "explain", json_output, output_format, output)
    json_output = outputs.stdout == "json"
    try:
        text = read_error_text(env, file)
    except DocumentError as exc:
        raise fail(env, "explain", str(exc), json_output) from None
    if facts_file is not None:
        try:
            captured = read_document(env, facts_file)
        except DocumentError as exc:
            raise fail(env, "explain", str(exc), json_output) from None
        facts = captured.facts
    else:
        bad = python_path_error(env, python)
        if bad:
            raise fail(env, "explain", bad, json_output)
        request = Request(command="explain", python=python, timeout=timeout, verify=False)
        gathered = gather(env.host, request, None if json_output else env.progress).facts
        assert gathered is not None  # detection was asked for
        facts = gathered
    report = build_report("explain", facts, None, error_text=text)
    raise emit_report(env, report, outputs=outputs, verbose=verbose)


def register(app: typer.Typer) -> None:
    """Add `explain` to the app."""
    app.command("explain")(explain_command)
