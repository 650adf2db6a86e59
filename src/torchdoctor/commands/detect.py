"""`torchdoctor detect`: facts only — fast, never imports torch, never installs anything.

Exit codes: 0 when every probe answered (found or absent); 3 (incomplete) when a probe could not
check — it timed out, crashed, or the target interpreter could not be inspected (a `--python` path
that does not exist, is not executable, is not Python or is Python 2). A bad `--python` is a fact
about the machine, not a usage error, so the facts document is still printed in full.
"""

from __future__ import annotations

import sys

import typer

from torchdoctor.commands.common import JsonOption, PythonOption, TimeoutOption, VerboseOption

HELP = (
    "Detect the machine and the target Python environment (facts only; never imports torch). "
    "Exit 0 when every probe answered, 3 when one could not check."
)
_GLYPHS = {"found": "✓", "absent": "–", "unknown": "?"}
_ASCII = {"found": "+", "absent": "-", "unknown": "?"}
_STYLES = {"found": "green", "absent": "dim", "unknown": "yellow"}


def register(app: typer.Typer) -> None:
    """Add the `detect` command to the app."""
    app.command("detect", help=HELP)(detect_command)


def detect_command(
    python: PythonOption = None,
    json_output: JsonOption = False,
    verbose: VerboseOption = 0,
    timeout: TimeoutOption = 5.0,
) -> None:
    """Run the probes and print the facts document (`--json`) or a summary."""
    from torchdoctor.commands.common import python_path_error
    from torchdoctor.commands.output import fail
    from torchdoctor.exitcodes import ExitCode
    from torchdoctor.host import RealHost
    from torchdoctor.probes import collect_facts

    bad_python = python_path_error(python)
    if bad_python:
        raise fail("detect", bad_python, json_output)
    if verbose and sys.stderr.isatty():
        print("torchdoctor: detecting…", file=sys.stderr)
    facts = collect_facts(RealHost(), python=python, timeout=timeout)
    if json_output:
        from torchdoctor.commands.output import write_json
        from torchdoctor.facts import facts_document

        write_json(facts_document(facts))
    else:
        _print_summary(facts, verbose > 0)
    unknown = facts.unknown_sections()
    if unknown:
        if not json_output or verbose:
            print(f"torchdoctor: could not check: {', '.join(unknown)}", file=sys.stderr)
        code = ExitCode.INCOMPLETE
    else:
        code = ExitCode.OK
    raise typer.Exit(int(code))


def _print_summary(facts: object, verbose: bool) -> None:
    from rich.console import Console
    from rich.markup import escape

    from torchdoctor.facts import Facts
    from torchdoctor.facts.summary import summary
    from torchdoctor.render.style import asciify

    assert isinstance(facts, Facts)
    console = Console(highlight=False, soft_wrap=True)
    unicode = _can_encode("✓–·≤")
    glyphs = _GLYPHS if unicode else _ASCII
    text = (lambda t: t) if unicode else asciify  # "·" and friends spelled out, not "?"
    for line in summary(facts, verbose):
        mark = glyphs[line.status]
        style = _STYLES[line.status]
        console.print(f"[{style}]\\[{mark}][/{style}] {line.label:<12} {escape(text(line.text))}")
        for detail in line.detail:
            console.print(f"    {'':<12} {escape(text(detail))}")


def _can_encode(text: str) -> bool:
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
