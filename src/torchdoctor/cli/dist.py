"""`torchdoctor dist`: run under torchrun, one process per rank.

    torchrun --standalone --nproc-per-node 2 -m torchdoctor dist

Only typer and the standard library are imported at load time; torch is imported by the rank,
in the interpreter the launcher started.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from torchdoctor.cli.options import (
    BENCH_SECONDS_RANGE,
    DEFAULT_VERIFY_TIMEOUT,
    FormatOption,
    JsonOption,
    OutputOption,
    VerboseOption,
    VerifyTimeoutOption,
    seconds,
)

if TYPE_CHECKING:
    from torchdoctor.cli.options import Outputs
    from torchdoctor.dist.model import DistRun
    from torchdoctor.environment import Environment, Terminal
    from torchdoctor.report import Report

DIST_TIMEOUT_RANGE = (1.0, 3600.0)
DEFAULT_DIST_TIMEOUT = 60.0
HELP = (
    "Check many ranks at once; run it under torchrun (or any launcher that sets RANK, "
    "WORLD_SIZE, MASTER_ADDR and MASTER_PORT): `torchrun --standalone --nproc-per-node 2 -m "
    "torchdoctor dist`. Each rank verifies its own device; then all_reduce, broadcast, "
    "all_gather, reduce_scatter and barrier are checked against known answers, bus bandwidth "
    "is measured as nccl-tests computes it, and the ranks' torch, CUDA, NCCL, driver and GPUs "
    "are compared. Rank 0 prints the report; the other ranks stay quiet unless -v.\n\n"
    "Exit codes: 0 all passed (warnings allowed) · 1 a problem (a rank missing, a wrong or "
    "failed collective, ranks that differ) · 2 usage error or not under a launcher · "
    "3 incomplete."
)


class Backend(str, Enum):
    """The torch.distributed backend."""

    auto = "auto"
    gloo = "gloo"
    nccl = "nccl"
    xccl = "xccl"


def _size(value: str | None) -> str | None:
    if value is None:
        return None
    from torchdoctor.dist.bandwidth import SIZE_RANGE, format_size, parse_size

    try:
        size = parse_size(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    low, high = SIZE_RANGE
    if not low <= size <= high:
        raise typer.BadParameter(f"must be from {format_size(low)} to {format_size(high)}, "
                                 f"not {value}")
    return value


def _floor(value: float | None) -> float | None:
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise typer.BadParameter(f"must be a bandwidth in GB/s (0 or more), not {value:g}")
    return value


def register(app: typer.Typer) -> None:
    """Add `dist` to the app."""
    app.command("dist", help=HELP)(dist_command)


def dist_command(
    ctx: typer.Context,
    backend: Annotated[
        Backend,
        typer.Option("--backend", help="auto: nccl for CUDA and ROCm GPUs, xccl for Intel "
                     "GPUs where the build has it, else gloo."),
    ] = Backend.auto,
    timeout: Annotated[
        float,
        typer.Option("--timeout", metavar="SECONDS", callback=seconds(*DIST_TIMEOUT_RANGE),
                     help="Bounds the rendezvous and every collective (1 to 3600 s; default "
                     "60): a rank that stops or never joins is named within it."),
    ] = DEFAULT_DIST_TIMEOUT,
    verify_timeout: VerifyTimeoutOption = DEFAULT_VERIFY_TIMEOUT,
    no_verify: Annotated[
        bool, typer.Option("--no-verify", help="Skip each rank's own verification.")
    ] = False,
    no_bench: Annotated[
        bool, typer.Option("--no-bench", help="Skip the bandwidth measurement.")
    ] = False,
    bench_seconds: Annotated[
        float,
        typer.Option("--bench-seconds", metavar="SECONDS", callback=seconds(*BENCH_SECONDS_RANGE),
                     help="Time budget of the bandwidth measurement (default 3 s)."),
    ] = 3.0,
    max_size: Annotated[
        str | None,
        typer.Option("--max-size", metavar="SIZE", callback=_size,
                     help="Largest message timed, as nccl-tests' -e: 64M, 1G (default 256M on "
                     "GPUs, 16M with gloo)."),
    ] = None,
    min_busbw: Annotated[
        float | None,
        typer.Option("--min-busbw", metavar="GB/S", callback=_floor,
                     help="Warn when bus bandwidth at 256 MiB or more is below this (default "
                     "1 GB/s on GPUs; gloo: not judged)."),
    ] = None,
    json_output: JsonOption = False,
    verbose: VerboseOption = 0,
    output_format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Run this rank; rank 0 prints the report."""
    from torchdoctor.cli.options import environment
    from torchdoctor.cli.output import fail, plan_outputs
    from torchdoctor.dist.bandwidth import parse_size
    from torchdoctor.dist.launch import LaunchError, launch_from_env
    from torchdoctor.dist.rank import Options, execute

    env = environment(ctx)
    outputs = plan_outputs(env, "dist", json_output, output_format, output)
    json_output = outputs.stdout == "json"
    try:
        launch = launch_from_env(env.host.env)
    except LaunchError as exc:
        raise fail(env, "dist", str(exc), json_output) from None
    options = Options(backend=backend.value, timeout=timeout, verify=not no_verify,
                      verify_timeout=verify_timeout, bench=not no_bench,
                      bench_seconds=bench_seconds,
                      max_size=parse_size(max_size) if max_size else None,
                      min_busbw=min_busbw, verbose=verbose)

    def emit(run: DistRun) -> int:
        return _emit(env, run, outputs, verbose=verbose)

    progress = None if json_output else env.progress
    raise typer.Exit(execute(env.host, launch, options, env.say, emit, progress))


def _emit(env: Environment, run: DistRun, outputs: Outputs, *, verbose: int) -> int:
    """Write the report of the finished run to the --output files and stdout; its exit code."""
    import sys

    from torchdoctor.cli.output import FILE_TERMINAL, write
    from torchdoctor.dist.judge import build_dist_report
    from torchdoctor.exitcodes import ExitCode
    from torchdoctor.verdict import decide

    reporter = run.outcomes.get(run.reporter)
    target = reporter.facts.executable if reporter is not None else sys.executable
    report = build_dist_report(run, target)
    for path, fmt in outputs.files:
        failed = _save(path, _render(report, run, fmt, FILE_TERMINAL, verbose))
        if failed:
            env.error(f"--output {path}: cannot write it ({failed})")
            return ExitCode.USAGE
    write(env, _render(report, run, outputs.stdout, env.terminal, verbose))
    return int(decide(report).exit_code)


def _save(path: str, text: str) -> str | None:
    """Write `text` to `path`; why it could not be, or None."""
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        return str(exc.strerror or exc)
    return None


def _render(report: Report, run: DistRun, fmt: str, terminal: Terminal, verbose: int) -> str:
    """The run in one format: the rank table goes with the text and Markdown, the `dist`
    member with the JSON; JUnit has the check lines as test cases."""
    from torchdoctor.cli.output import render
    from torchdoctor.render.dist import dist_document, rank_table, render_dist_terminal
    from torchdoctor.render.json_doc import dumps
    from torchdoctor.verdict import decide

    ascii_only = not terminal.unicode
    if fmt == "json":
        return dumps(dist_document(report, decide(report), run), ascii_only=ascii_only) + "\n"
    if fmt == "text":
        return render_dist_terminal(report, run, width=terminal.width, color=terminal.color,
                                    ascii=ascii_only, verbose=verbose)
    # The hosts are what a dist report is about: its Markdown names them, as the table does.
    text = render(report, fmt, terminal, redact=False, verbose=verbose)
    if fmt == "markdown":
        table = "\n".join(("```text", *rank_table(run), "```"))
        return f"{table}\n\n{text}"
    return text
