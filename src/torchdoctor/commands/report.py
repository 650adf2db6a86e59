"""`torchdoctor report`: the check as Markdown for a bug tracker, redacted by default."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Annotated

import typer

from torchdoctor.commands.check import NoBenchOption, NoVerifyOption, VerifyTimeoutOption
from torchdoctor.commands.common import PythonOption, TimeoutOption


def report_command(
    python: PythonOption = None,
    timeout: TimeoutOption = 5.0,
    no_verify: NoVerifyOption = False,
    no_bench: NoBenchOption = False,
    verify_timeout: VerifyTimeoutOption = 120.0,
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
    an issue. Exit codes as for `check`."""
    from torchdoctor.checkup import CheckOptions, build_report, run_check
    from torchdoctor.commands.output import fail, progress_printer
    from torchdoctor.render.markdown import render_markdown
    from torchdoctor.verdict import decide

    if from_file is not None:
        from torchdoctor.documents import DocumentError, read_document

        try:
            facts, verify = read_document(from_file)
        except DocumentError as exc:
            raise fail("report", str(exc), False) from None
        report = build_report("report", facts, verify)
    else:
        from torchdoctor.commands.common import python_path_error
        from torchdoctor.host import RealHost

        bad_python = python_path_error(python)
        if bad_python:
            raise fail("report", bad_python, False)
        options = CheckOptions(
            python=python,
            timeout=timeout,
            verify=not no_verify,
            bench=not no_bench,
            verify_timeout=verify_timeout,
        )
        report = replace(run_check(RealHost(), options, progress_printer(False)), command="report")
    sys.stdout.write(render_markdown(report, redact=not no_redact))
    sys.stdout.flush()
    raise typer.Exit(int(decide(report).exit_code))


def register(app: typer.Typer) -> None:
    """Add `report` to the app."""
    app.command("report")(report_command)
