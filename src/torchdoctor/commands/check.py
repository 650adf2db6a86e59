"""`torchdoctor check` (also bare `torchdoctor`): detect → diagnose → recommend → verify."""

from __future__ import annotations

from typing import Annotated

import typer

from torchdoctor.commands.common import JsonOption, PythonOption, TimeoutOption, VerboseOption

ExpectOption = Annotated[
    str | None,
    typer.Option(
        "--expect",
        metavar="cpu|cuda|rocm|mps|xpu|gpu",
        help="Fail (exit 1) unless this accelerator really works in the target environment.",
    ),
]
StrictOption = Annotated[bool, typer.Option("--strict", help="Warnings fail the run (exit 1).")]
NoVerifyOption = Annotated[
    bool, typer.Option("--no-verify", help="Skip importing torch and running kernels.")
]
NoBenchOption = Annotated[bool, typer.Option("--no-bench", help="Skip the matmul benchmark.")]
VerifyTimeoutOption = Annotated[
    float,
    typer.Option(
        "--verify-timeout", metavar="SECONDS", min=1.0, help="Timeout for the whole verification."
    ),
]


def check_command(
    python: PythonOption = None,
    json_output: JsonOption = False,
    verbose: VerboseOption = 0,
    timeout: TimeoutOption = 5.0,
    expect: ExpectOption = None,
    strict: StrictOption = False,
    no_verify: NoVerifyOption = False,
    no_bench: NoBenchOption = False,
    verify_timeout: VerifyTimeoutOption = 120.0,
) -> None:
    """Detect the machine, diagnose the torch install, print the fix, verify torch works.

    Exit codes: 0 nothing failed · 1 an error, --expect unmet, or a warning under --strict ·
    2 usage error · 3 incomplete (a needed check could not run) · 130 interrupted.
    """
    from torchdoctor.checkup import EXPECT_CHOICES, CheckOptions, run_check
    from torchdoctor.commands.common import python_path_error
    from torchdoctor.commands.output import emit_report, fail

    bad_python = python_path_error(python)
    if bad_python:
        raise fail("check", bad_python, json_output)
    if expect is not None and expect not in EXPECT_CHOICES:
        raise fail(
            "check",
            f"--expect must be one of {', '.join(EXPECT_CHOICES)}, not {expect!r}",
            json_output,
        )
    from torchdoctor.host import RealHost

    options = CheckOptions(
        python=python,
        timeout=timeout,
        verify=not no_verify,
        bench=not no_bench,
        verify_timeout=verify_timeout,
        expect=expect,
        strict=strict,
    )
    from torchdoctor.commands.output import progress_printer

    report = run_check(RealHost(), options, progress_printer(json_output))
    raise typer.Exit(emit_report(report, json_output=json_output, verbose=verbose))


def register(app: typer.Typer) -> None:
    """Add `check` to the app."""
    app.command("check")(check_command)
