"""The typer layer: parse options, call a command, map its result to an exit code.

Each command lives in `torchdoctor/commands/<name>.py` and registers itself on `app`; the modules
import only typer at load time, so `--help` stays fast. Usage errors become one line on stderr and
exit 2, never a usage box or a traceback.
"""

from __future__ import annotations

import sys

import click
import typer

from torchdoctor import __version__
from torchdoctor.exitcodes import EXIT_CODES_HELP, ExitCode

app = typer.Typer(
    name="torchdoctor",
    help=(
        "A doctor for PyTorch installations: detects the machine, diagnoses what is wrong, "
        "prints the install command that fits, and verifies that torch really works.\n\n"
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


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version."
    ),
) -> None:
    """Bare `torchdoctor` runs `torchdoctor check`."""
    if ctx.invoked_subcommand is None:
        from torchdoctor.commands import check

        ctx.invoke(check.check_command)


def _register_commands() -> None:
    from torchdoctor.commands import COMMAND_MODULES

    for module in COMMAND_MODULES:
        module.register(app)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    args = sys.argv[1:] if argv is None else argv
    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="torchdoctor", standalone_mode=False)
    except click.exceptions.NoArgsIsHelp as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else "")
        sys.exit(ExitCode.USAGE)
    except click.UsageError as exc:
        message = exc.format_message().replace("\n", " ")
        print(f"torchdoctor: error: {message} (see 'torchdoctor --help')", file=sys.stderr)
        sys.exit(ExitCode.USAGE)
    except click.ClickException as exc:
        print(f"torchdoctor: error: {exc.format_message()}", file=sys.stderr)
        sys.exit(ExitCode.USAGE)
    except click.exceptions.Abort:
        print("torchdoctor: interrupted", file=sys.stderr)
        sys.exit(ExitCode.INTERRUPTED)
    except KeyboardInterrupt:
        print("torchdoctor: interrupted", file=sys.stderr)
        sys.exit(ExitCode.INTERRUPTED)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else ExitCode.OK)
