"""The typer layer: parse options, call a command, map its result to an exit code.

Each command lives in `torchdoctor/commands/<name>.py` and registers itself on `app`; the modules
import only typer at load time, so `--help` stays fast. Usage errors become one line on stderr and
exit 2, never a usage box or a traceback.
"""

from __future__ import annotations

import itertools
import sys
from typing import NoReturn

import click
import typer

from torchdoctor import __version__
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
    """Bare `torchdoctor [options]` runs `torchdoctor check [options]` (see `main`)."""


def _register_commands() -> None:
    from torchdoctor.commands import COMMAND_MODULES

    for module in COMMAND_MODULES:
        module.register(app)


_register_commands()


_ROOT_OPTIONS = ("-h", "--help", "--version")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    args = sys.argv[1:] if argv is None else argv
    if not args or (args[0].startswith("-") and args[0] not in _ROOT_OPTIONS):
        args = ["check", *args]  # bare `torchdoctor [check options]` is `torchdoctor check`
    _never_fail_on_encoding()
    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="torchdoctor", standalone_mode=False)
    except click.UsageError as exc:
        message = exc.format_message().replace("\n", " ")
        _usage_error(args, f"{message} (see 'torchdoctor --help')")
    except click.ClickException as exc:
        _usage_error(args, exc.format_message())
    except (click.exceptions.Abort, KeyboardInterrupt):
        _interrupted(args)
        sys.exit(ExitCode.INTERRUPTED)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    if code == ExitCode.INTERRUPTED:  # typer turns Ctrl-C into exit code 130, silently
        _interrupted(args)
    sys.exit(code if isinstance(code, int) else ExitCode.OK)


def _never_fail_on_encoding() -> None:
    # A console that cannot print a glyph (LANG=C, a Windows code page) gets "?" instead of a
    # UnicodeEncodeError; the renderers already pick ASCII glyphs where they can tell.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def _json_mode(args: list[str]) -> bool:
    return "--json" in args or "--format=json" in args or _follows(args, "--format", "json")


def _usage_error(args: list[str], message: str) -> NoReturn:
    _error_document(args, message, ExitCode.USAGE)
    print(f"torchdoctor: error: {message}", file=sys.stderr)
    sys.exit(ExitCode.USAGE)


def _interrupted(args: list[str]) -> None:
    _error_document(args, "interrupted", ExitCode.INTERRUPTED)
    print("torchdoctor: interrupted", file=sys.stderr)


def _error_document(args: list[str], message: str, code: int) -> None:
    # In JSON mode stdout carries exactly one document in every path: parse errors, Ctrl-C.
    if _json_mode(args):
        from torchdoctor.commands.output import write_json
        from torchdoctor.render.json_doc import error_document

        name = next((a for a in args if not a.startswith("-")), "check")
        write_json(error_document(name, message, code))


def _follows(args: list[str], flag: str, value: str) -> bool:
    return any(a == flag and b == value for a, b in itertools.pairwise(args))
