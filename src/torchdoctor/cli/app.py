"""The app, the entry points, and the one place where a usage error, an interrupt or an
unwritable stdout becomes an exit code: one line on stderr (and, under --json, the one error
document on stdout), never a usage box or a traceback."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import sys
from types import FrameType
from typing import Any, NoReturn

import click
import typer

from torchdoctor import __version__
from torchdoctor.environment import Environment, OutputError
from torchdoctor.exitcodes import EXIT_CODES_HELP, ExitCode

app = typer.Typer(
    name="torchdoctor",
    help=(
        "A doctor for PyTorch installations: detects the machine, diagnoses what is wrong, "
        "prints the install command that fits, and verifies that torch really works. "
        "Bare `torchdoctor [check options]` runs `torchdoctor check`.\n\n"
        + EXIT_CODES_HELP
    ),
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"torchdoctor {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version."
    ),
) -> None:
    """Bare `torchdoctor [options]` runs `torchdoctor check [options]` (see `run`)."""


def _register_commands() -> None:
    # Registration order is the order `--help` lists the commands in.
    from torchdoctor.cli import (
        check,
        detect,
        diagnose,
        dist,
        explain,
        fleet,
        install_command,
        report,
        update,
        verify,
    )

    for module in (check, detect, diagnose, explain, install_command, verify, report, update,
                   dist, fleet):
        module.register(app)


_register_commands()

_ROOT_OPTIONS = ("-h", "--help", "--version")


# SIGTERM (a CI job cancelled, `kill`, a container stopping) and SIGHUP (the terminal closed)
# end a run as Ctrl-C does: the children are killed, the exit code is 130.
_STOP_SIGNALS = ("SIGTERM", "SIGHUP")


def main(argv: list[str] | None = None) -> NoReturn:
    """Console-script entry point: this process's streams and signals around `run`."""
    from torchdoctor import children

    _hold_standard_fds()
    previous = _stop_on_signals()
    code = run(sys.argv[1:] if argv is None else argv)
    children.shutdown()  # no child outlives the run, none starts after it
    for sig, handler in previous.items():
        signal.signal(sig, handler)
    _settle_output()
    sys.exit(code)


def _hold_standard_fds() -> None:
    """A standard stream closed before the start (`>&-`) stays closed for torchdoctor (its
    stream is a `ClosedStream`), but its descriptor is held on the null device, so that no file
    or pipe opened later takes its number and gets written to by mistake."""
    for fd in (0, 1, 2):
        if not _is_open(fd):
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    if sys.stderr is None:  # click prints a blank line there on Ctrl-C: let it go nowhere
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115  (process-long)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _stop_on_signals() -> dict[signal.Signals, Any]:
    previous: dict[signal.Signals, Any] = {}
    for name in _STOP_SIGNALS:
        sig = getattr(signal, name, None)
        if sig is not None:
            with contextlib.suppress(ValueError, OSError):  # not the main thread, or no such
                previous[sig] = signal.signal(sig, _interrupt)
    return previous


def _settle_output() -> None:
    """Flush what is left; where stdout cannot take it (the reader left, the disk is full),
    point the descriptor at the null device, so the interpreter's own flush at exit does not
    print an "Exception ignored" traceback."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None:
            continue
        try:
            stream.flush()
        except (OSError, ValueError):
            with contextlib.suppress(OSError, ValueError):
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, stream.fileno())
                os.close(null)


def run(args: list[str], environment: Environment | None = None) -> int:
    """Run the CLI with `args` in `environment` (default: this process) and return the exit
    code. Tests call this with a recorded host and string streams."""
    env = environment or Environment.real()
    if not args or (args[0].startswith("-") and args[0] not in _ROOT_OPTIONS):
        args = ["check", *args]  # bare `torchdoctor [check options]` is `torchdoctor check`
    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="torchdoctor", standalone_mode=False, obj=env)
    except click.UsageError as exc:
        message = exc.format_message().replace("\n", " ")
        return _usage_error(env, args, f"{message} (see 'torchdoctor --help')")
    except click.ClickException as exc:
        return _usage_error(env, args, exc.format_message())
    except (click.exceptions.Abort, KeyboardInterrupt):
        code = ExitCode.INTERRUPTED
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except OutputError as exc:
        return _output_error(env, exc)
    except Exception as exc:  # a bug of torchdoctor's: one line, never a traceback
        if env.host.env.get("TORCHDOCTOR_DEBUG") == "1":
            raise
        message = (f"internal error: {type(exc).__name__}: {exc} (please report it; "
                   "TORCHDOCTOR_DEBUG=1 shows the traceback)")
        _error_document(env, args, message, ExitCode.PROBLEMS)
        env.error(message)
        return ExitCode.PROBLEMS
    if code == ExitCode.INTERRUPTED:  # typer turns Ctrl-C into exit code 130, silently
        from torchdoctor import children

        children.kill_all()  # at once: they have sessions of their own, the signal missed them
        _error_document(env, args, "interrupted", ExitCode.INTERRUPTED)
        env.say("torchdoctor: interrupted")
    return code if isinstance(code, int) else ExitCode.OK


def _output_error(env: Environment, exc: OutputError) -> int:
    if exc.broken_pipe:  # the reader left (`| head -1`): nothing to tell, as SIGPIPE would
        return ExitCode.BROKEN_PIPE
    env.error(f"cannot write to stdout: {exc}")
    return ExitCode.USAGE


def _usage_error(env: Environment, args: list[str], message: str) -> int:
    _error_document(env, args, message, ExitCode.USAGE)
    env.error(message)
    return ExitCode.USAGE


def _error_document(env: Environment, args: list[str], message: str, code: int) -> None:
    # In JSON mode stdout carries exactly one document in every path: parse errors, Ctrl-C.
    if _json_mode(args):
        from torchdoctor.cli.output import write_json
        from torchdoctor.render.json_doc import error_document

        name = next((a for a in args if not a.startswith("-")), "check")
        with contextlib.suppress(OutputError):  # stdout gone: the line on stderr is all
            write_json(env, error_document(name, message, code))


def _json_mode(args: list[str]) -> bool:
    # With --output, --format names the files' format: stdout keeps the human report.
    if "--json" in args:
        return True
    if any(a == "--output" or a.startswith("--output=") for a in args):
        return False
    return "--format=json" in args or any(
        a == "--format" and b == "json" for a, b in itertools.pairwise(args))
