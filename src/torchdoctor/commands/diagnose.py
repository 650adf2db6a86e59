"""`torchdoctor diagnose FILE|-`: the report for a facts document captured on another machine."""

from __future__ import annotations

from typing import Annotated

import typer

from torchdoctor.commands.check import ExpectOption, StrictOption
from torchdoctor.commands.common import JsonOption, VerboseOption


def diagnose_command(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE", help="A `detect --json` or `check --json` document; - reads stdin."
        ),
    ],
    json_output: JsonOption = False,
    verbose: VerboseOption = 0,
    expect: ExpectOption = None,
    strict: StrictOption = False,
) -> None:
    """Diagnose and recommend from a captured facts document; no probe of this machine runs.

    Exit codes as for `check`; 2 when the document cannot be read or is not a facts document.
    """
    from torchdoctor.checkup import EXPECT_CHOICES, build_report
    from torchdoctor.commands.output import emit_report, fail
    from torchdoctor.documents import DocumentError, read_document

    if expect is not None and expect not in EXPECT_CHOICES:
        message = f"--expect must be one of {', '.join(EXPECT_CHOICES)}, not {expect!r}"
        raise fail("diagnose", message, json_output)
    try:
        facts, verify = read_document(file)
    except DocumentError as exc:
        raise fail("diagnose", str(exc), json_output) from None
    report = build_report("diagnose", facts, verify, expect=expect, strict=strict)
    raise typer.Exit(emit_report(report, json_output=json_output, verbose=verbose))


def register(app: typer.Typer) -> None:
    """Add `diagnose` to the app."""
    app.command("diagnose")(diagnose_command)
