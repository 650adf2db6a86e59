"""`torchdoctor report`: the check as Markdown for a bug tracker, redacted by default."""

from __future__ import annotations

from typing import Annotated

import typer

from torchdoctor.cli.options import (
    DEFAULT_TIMEOUT,
    DEFAULT_VERIFY_TIMEOUT,
    JsonOption,
    NoBenchOption,
    NoVerifyOption,
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
) -> None:
    """Print a Markdown report (status, checks, problems with fixes, environment) to paste into
    an issue (`--json`: the check document instead). Exit codes as for `check`."""
    from torchdoctor.cli.options import environment, python_path_error
    from torchdoctor.cli.output import emit_report, fail
    from torchdoctor.pipeline import Request, build_report, run

    env = environment(ctx)
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
        report = run(env.host, request, env.progress)
    raise emit_report(env, report, json_output=json_output, markdown=True,
                      redact=not no_redact)


def register(app: typer.Typer) -> None:
    """Add `report` to the app."""
    app.command("report")(report_command)
