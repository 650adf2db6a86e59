"""`torchdoctor check` (also bare `torchdoctor`): detect → diagnose → recommend → verify."""

from __future__ import annotations

from typing import Annotated

import typer

from torchdoctor.cli.options import (
    DEFAULT_TIMEOUT,
    DEFAULT_VERIFY_TIMEOUT,
    DeepOption,
    ExpectCudaOption,
    ExpectOption,
    ExpectTorchOption,
    FormatOption,
    JsonOption,
    NoBenchOption,
    NoVerifyOption,
    OutputOption,
    ProjectOption,
    PythonOption,
    StrictOption,
    TimeoutOption,
    VerboseOption,
    VerifyTimeoutOption,
)


def check_command(
    ctx: typer.Context,
    python: PythonOption = None,
    project: ProjectOption = None,
    json_output: JsonOption = False,
    verbose: VerboseOption = 0,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    expect: ExpectOption = None,
    strict: StrictOption = False,
    no_verify: NoVerifyOption = False,
    no_bench: NoBenchOption = False,
    deep: DeepOption = False,
    verify_timeout: VerifyTimeoutOption = DEFAULT_VERIFY_TIMEOUT,
    error_file: Annotated[
        str | None,
        typer.Option("--error", metavar="FILE", help="An error text you saw (- = stdin): "
                     "explained first, with this machine's facts."),
    ] = None,
    expect_torch: ExpectTorchOption = None,
    expect_cuda: ExpectCudaOption = None,
    output_format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Detect the machine, diagnose the torch install, print the fix, verify torch works.

    Under GitHub Actions it also writes the job summary and an annotation per problem.

    Exit codes: 0 nothing failed · 1 an error, --expect unmet, or a warning under --strict ·
    2 usage error · 3 incomplete (a needed check could not run) · 130 interrupted.
    """
    from torchdoctor.cli.options import (
        environment,
        expect_error,
        project_path_error,
        python_path_error,
        read_error_text,
    )
    from torchdoctor.cli.output import emit_report, fail, plan_outputs
    from torchdoctor.documents import DocumentError
    from torchdoctor.pipeline import Request, run

    env = environment(ctx)
    outputs = plan_outputs(env, "check", json_output, output_format, output)
    json_output = outputs.stdout == "json"
    bad = python_path_error(env, python) or project_path_error(env, project) or \
        expect_error(expect, expect_torch, expect_cuda) or (
            "--deep needs the verification: drop --no-verify" if deep and no_verify else None)
    if bad:
        raise fail(env, "check", bad, json_output)
    try:
        error_text = read_error_text(env, error_file) if error_file is not None else None
    except DocumentError as exc:
        raise fail(env, "check", str(exc), json_output) from None
    request = Request(
        command="check", python=python, timeout=timeout, verify=not no_verify,
        bench=not no_bench, deep=deep, verify_timeout=verify_timeout, expect=expect,
        strict=strict, error_text=error_text, expect_torch=expect_torch, expect_cuda=expect_cuda,
        project=project,
    )
    report = run(env.host, request, None if json_output else env.progress)
    done = emit_report(env, report, outputs=outputs, verbose=verbose)
    from torchdoctor.ci import github

    if github.active(env.host.env):  # the job summary and the annotations
        github.publish(env, report)
    raise done


def register(app: typer.Typer) -> None:
    """Add `check` to the app."""
    app.command("check")(check_command)
