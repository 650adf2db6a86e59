"""`torchdoctor verify`: prove that the target interpreter's torch really works on this machine.

Exit codes: 0 every stage passed (warnings allowed) · 1 an error-severity problem (torch missing,
import fails or crashes, CUDA cannot initialise, no kernels for the GPU, a wrong result, the asked
--device unusable) · 2 usage error · 3 incomplete: a stage timed out or the child was killed, and
nothing else failed. Only typer and the standard library are imported at load time.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from torchdoctor.cli.options import (
    BENCH_SECONDS_RANGE,
    DEFAULT_TIMEOUT,
    DEFAULT_VERIFY_TIMEOUT,
    DeepOption,
    ExpectCudaOption,
    ExpectTorchOption,
    FormatOption,
    JsonOption,
    NoBenchOption,
    OutputOption,
    PythonOption,
    TimeoutOption,
    VerboseOption,
    VerifyTimeoutOption,
    seconds,
)

HELP = (
    "Verify torch in the target interpreter: import it, inspect the build and the devices, "
    "compare the build's GPU targets with the devices, run a matmul on each device against a "
    "float64 reference, and time CPU against accelerator; --deep adds a small CNN trained a "
    "few steps, cuDNN conv, linear algebra, autocast, torch.compile and more.\n\n"
    "Exit codes: 0 all stages passed · 1 an error problem · 2 usage error · "
    "3 incomplete (a stage timed out or was killed, nothing else failed)."
)


class Device(str, Enum):
    """Which devices to verify."""

    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"
    mps = "mps"
    xpu = "xpu"


def register(app: typer.Typer) -> None:
    """Add `verify` to the CLI."""
    app.command("verify", help=HELP)(verify_command)


def verify_command(
    ctx: typer.Context,
    python: PythonOption = None,
    device: Annotated[
        Device,
        typer.Option("--device", help="auto: CPU and every accelerator torch can use."),
    ] = Device.auto,
    json_output: JsonOption = False,
    no_bench: NoBenchOption = False,
    bench_seconds: Annotated[
        float,
        typer.Option("--bench-seconds", metavar="SECONDS", callback=seconds(*BENCH_SECONDS_RANGE),
                     help="Benchmark budget per device (default 1 s; 0.05 to 60 s)."),
    ] = 1.0,
    deep: DeepOption = False,
    verify_timeout: VerifyTimeoutOption = DEFAULT_VERIFY_TIMEOUT,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    verbose: VerboseOption = 0,
    expect_torch: ExpectTorchOption = None,
    expect_cuda: ExpectCudaOption = None,
    output_format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Run the verification and print it; the exit code says how it went."""
    from torchdoctor.cli.options import environment, expect_error, python_path_error
    from torchdoctor.cli.output import emit_report, fail, plan_outputs
    from torchdoctor.pipeline import Request, run

    env = environment(ctx)
    outputs = plan_outputs(env, "verify", json_output, output_format, output)
    json_output = outputs.stdout == "json"
    bad = python_path_error(env, python) or expect_error(None, expect_torch, expect_cuda)
    if bad:
        raise fail(env, "verify", bad, json_output)
    # The same target as check and detect: --python (a path, an env folder or a name on PATH),
    # else the active venv or conda env, else this interpreter.
    request = Request(command="verify", python=python, timeout=timeout, detect=False,
                      device=device.value, bench=not no_bench, bench_seconds=bench_seconds,
                      deep=deep, verify_timeout=verify_timeout, expect_torch=expect_torch,
                      expect_cuda=expect_cuda)
    report = run(env.host, request, None if json_output else env.progress)
    raise emit_report(env, report, outputs=outputs, verbose=verbose)
