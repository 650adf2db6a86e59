"""`torchdoctor verify`: prove that the target interpreter's torch really works on this machine.

Exit codes: 0 every stage passed (warnings allowed) · 1 an error-severity problem (torch missing,
import fails or crashes, CUDA cannot initialise, no kernels for the GPU, a wrong result, the asked
--device unusable) · 2 usage error · 3 incomplete: a stage timed out or the child was killed, and
nothing else failed. Only typer and the standard library are imported at load time.
"""

from __future__ import annotations

import os
import shutil
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
    from torchdoctor.host import RealHost
    from torchdoctor.verify import default_python, run_verify
    from torchdoctor.verify.render import document, error_document, exit_code, print_terminal

    target = python or default_python(os.environ)
    resolved = _resolve(target)
    if resolved is None:
        message = f"--python: no interpreter at {target}"
        if json_output:
            _print_json(error_document(message))
        typer.echo(f"torchdoctor: error: {message}", err=True)
        raise typer.Exit(2)
    progress = not json_output and _isatty(sys.stderr)
    if progress:
        sys.stderr.write(f"verifying torch in {resolved} (up to {timeout:g} s)…")
        sys.stderr.flush()
    result = run_verify(
        RealHost(), resolved, device=device.value, bench=not no_bench, timeout=timeout,
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


def _resolve(target: str) -> str | None:
    """An existing path as given, or a bare name found on PATH (`python3.11`)."""
    if os.path.exists(target):
        return target
    if os.sep not in target and (os.altsep is None or os.altsep not in target):
        return shutil.which(target)
    return None


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def _print_json(doc: dict[str, Any]) -> None:
    from torchdoctor.commands.output import write_json

    write_json(doc)
