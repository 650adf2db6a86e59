"""`torchdoctor report`: the check as Markdown for a bug tracker, redacted by default."""

from __future__ import annotations

from typing import Annotated

import typer

from torchdoctor.cli.options import (
    DEFAULT_TIMEOUT,
    DEFAULT_VERIFY_TIMEOUT,
    FormatOption,
    JsonOption,
    NoBenchOption,
    NoVerifyOption,
    OutputOption,
    PythonOption,
    TimeoutOption,
    VerifyTimeoutOption,
)


def report_command(
    ctx: typer.Context,
    python: PythonOption = None,
    json_output: JsonOption = False,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    no_verify: NoVerifyOption = False,
    no_bench: NoBenchOption = False,
    verify_timeout: VerifyTimeoutOption = DEFAULT_VERIFY_TIMEOUT,
    no_redact: Annotated[
        bool, typer.Option("--no-redact", help="Keep home directories, user and host names.")
    ] = False,
    from_file: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="FILE",
            help="Render a captured check/detect --json document (- = stdin).",
        ),
    ] = None,
    output_format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Print a Markdown report (status, checks, problems with fixes, environment) to paste into
    an issue (`--json`: the check document instead). Exit codes as for `check`."""
    from torchdoctor.cli.options import environment, python_path_error
    from torchdoctor.cli.output import emit_report, fail, plan_outputs
    from torchdoctor.pipeline import Request, build_report, run

    env = environment(ctx)
    outputs = plan_outputs(env, "report", json_output, output_format, output, "markdown")
    json_output = outputs.stdout == "json"
    if from_file is not None:
        from torchdoctor.documents import DocumentError, read_document

        try:
            captured = read_document(env, from_file)
        except DocumentError as exc:
            raise fail(env, "report", str(exc), json_output) from None
        report = build_report("report", captured.facts, captured.verify)
    else:
        bad = python_path_error(env, python)
        if bad:
            raise fail(env, "report", bad, json_output)
        request = Request(command="report", python=python, timeout=timeout,
                          verify=not no_verify, bench=not no_bench,
                          verify_timeout=verify_timeout)
        report = run(env.host, request, None if json_output else env.progress)
    raise emit_report(env, report, outputs=outputs, redact=not no_redact)


def register(app: typer.Typer) -> None:
    """Add `report` to the app."""
    app.command("report")(report_command)
