"""`torchdoctor verify`: prove that the target interpreter's torch really works on this machine.

Exit codes: 0 every stage passed (warnings allowed) · 1 an error-severity problem (torch missing,
import fails or crashes, CUDA cannot initialise, no kernels for the GPU, a wrong result, the asked
--device unusable) · 2 usage error · 3 incomplete: a stage timed out or the child was killed, and
nothing else failed. Only typer and the standard library are imported at load time.
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated, Any

import typer

from torchdoctor.commands.common import JsonOption, PythonOption, VerboseOption

HELP = (
    "Verify torch in the target interpreter: import it, inspect the build and the devices, "
    "compare the build's GPU targets with the devices, run a matmul on each device against a "
    "float64 reference, and time CPU against accelerator.\n\n"
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
    python: PythonOption = None,
    device: Annotated[
        Device,
        typer.Option("--device", help="auto: CPU and every accelerator torch can use."),
    ] = Device.auto,
    json_output: JsonOption = False,
    no_bench: Annotated[bool, typer.Option("--no-bench", help="Skip the benchmark.")] = False,
    bench_seconds: Annotated[
        float,
        typer.Option("--bench-seconds", metavar="SECONDS", min=0.05, help="Benchmark budget "
                     "per device (default 1 s)."),
    ] = 1.0,
    timeout: Annotated[
        float,
        # Same spelling as the shared --timeout; for verify it bounds the whole child.
        typer.Option("--timeout", metavar="SECONDS", min=0.1, help="Timeout for the whole "
                     "verification; each stage gets half of it, at most 60 s."),
    ] = 120.0,
    verbose: VerboseOption = 0,
) -> None:
    """Run the verification and print it; the exit code says how it went."""
    from torchdoctor.commands.common import python_path_error
    from torchdoctor.commands.output import fail
    from torchdoctor.host import RealHost
    from torchdoctor.probes.python import choose_target
    from torchdoctor.verify import run_verify
    from torchdoctor.verify.render import document, exit_code, print_terminal

    bad_python = python_path_error(python)
    if bad_python:
        raise fail("verify", bad_python, json_output)
    host = RealHost()
    # The same target as check and detect: --python (a path, an env folder or a name on PATH),
    # else the active venv or conda env, else this interpreter.
    resolved, _ = choose_target(host, python)
    progress = not json_output and _isatty(sys.stderr)
    if progress:
        sys.stderr.write(f"verifying torch in {resolved} (up to {timeout:g} s)…")
        sys.stderr.flush()
    result = run_verify(
        host, resolved, device=device.value, bench=not no_bench, timeout=timeout,
        bench_seconds=bench_seconds,
    )
    if progress:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()
    if json_output:
        _print_json(document(result))
    else:
        print_terminal(result, sys.stdout, verbose)
    raise typer.Exit(int(exit_code(result)))


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def _print_json(doc: dict[str, Any]) -> None:
    from torchdoctor.commands.output import write_json

    write_json(doc)
