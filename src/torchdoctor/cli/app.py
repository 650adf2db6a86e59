"""The app, the entry points, and the one place where a usage error or an interrupt becomes an
exit code: one line on stderr (and, under --json, the one error document on stdout), never a
usage box or a traceback."""

from __future__ import annotations

import itertools
import sys
from typing import NoReturn

import click
import typer

from torchdoctor import __version__
from torchdoctor.environment import Environment
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
        explain,
        install_command,
        report,
        verify,
    )

    for module in (check, detect, diagnose, explain, install_command, verify, report):
        module.register(app)


_register_commands()

_ROOT_OPTIONS = ("-h", "--help", "--version")


def main(argv: list[str] | None = None) -> NoReturn:
    """Console-script entry point."""
    sys.exit(run(sys.argv[1:] if argv is None else argv))


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
    except Exception as exc:  # a bug of torchdoctor's: one line, never a traceback
        if env.host.env.get("TORCHDOCTOR_DEBUG") == "1":
            raise
        message = (f"internal error: {type(exc).__name__}: {exc} (please report it; "
                   "TORCHDOCTOR_DEBUG=1 shows the traceback)")
        _error_document(env, args, message, ExitCode.PROBLEMS)
        env.error(message)
        return ExitCode.PROBLEMS
    if code == ExitCode.INTERRUPTED:  # typer turns Ctrl-C into exit code 130, silently
        _error_document(env, args, "interrupted", ExitCode.INTERRUPTED)
        env.say("torchdoctor: interrupted")
    return code if isinstance(code, int) else ExitCode.OK


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
        write_json(env, error_document(name, message, code))


def _json_mode(args: list[str]) -> bool:
    return "--json" in args or "--format=json" in args or any(
        a == "--format" and b == "json" for a, b in itertools.pairwise(args))
