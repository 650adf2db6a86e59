"""`torchdoctor diagnose FILE|-`: the report for a document captured on another machine."""

from __future__ import annotations

from typing import Annotated

import typer

from torchdoctor.cli.options import (
    ExpectCudaOption,
    ExpectOption,
    ExpectTorchOption,
    FormatOption,
    JsonOption,
    OutputOption,
    ProjectOption,
    StrictOption,
    VerboseOption,
)


def diagnose_command(
    ctx: typer.Context,
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
    expect_torch: ExpectTorchOption = None,
    expect_cuda: ExpectCudaOption = None,
    output_format: FormatOption = None,
    output: OutputOption = None,
    project: ProjectOption = None,
) -> None:
    """Diagnose and recommend from a captured facts document; no probe of this machine runs
    (with `--project DIR`, only that folder's project files are read here). A `check --json`
    document's verification is judged again, with the same problems and fixes.

    Exit codes as for `check`; 2 when the document cannot be read or is not a facts document.
    """
    from torchdoctor.cli.options import environment, expect_error, project_path_error
    from torchdoctor.cli.output import emit_report, fail, plan_outputs
    from torchdoctor.documents import DocumentError, read_document
    from torchdoctor.pipeline import build_report, with_project

    env = environment(ctx)
    outputs = plan_outputs(env, "diagnose", json_output, output_format, output)
    json_output = outputs.stdout == "json"
    bad = expect_error(expect, expect_torch, expect_cuda) or project_path_error(env, project)
    if bad:
        raise fail(env, "diagnose", bad, json_output)
    try:
        captured = read_document(env, file)
    except DocumentError as exc:
        raise fail(env, "diagnose", str(exc), json_output) from None
    facts = captured.facts
    if project is not None:
        facts = with_project(env.host, facts, project)
    report = build_report("diagnose", facts, captured.verify, expect=expect,
                          strict=strict, expect_torch=expect_torch, expect_cuda=expect_cuda)
    raise emit_report(env, report, outputs=outputs, verbose=verbose)


def register(app: typer.Typer) -> None:
    """Add `diagnose` to the app."""
    app.command("diagnose")(diagnose_command)
