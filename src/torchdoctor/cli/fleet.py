"""`torchdoctor fleet FILE…|DIR`: many nodes' documents in one view, the odd nodes first.

    srun torchdoctor check --json > "$(hostname).json"   # on every node
    torchdoctor fleet .                                   # anywhere

Only typer and the standard library are imported at load time.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from torchdoctor.cli.options import JsonOption, VerboseOption

HELP = (
    "Merge `check --json` (or `dist --json`) documents from many nodes into one view: nodes are "
    "grouped by NVIDIA driver, torch version and build, GPU count and model, and failing "
    "checks; the groups that differ from the majority come first, each with its fix. A folder "
    "stands for its *.json files; a file that cannot be used is one line on stderr, not the "
    "end of the run.\n\n"
    "Exit codes: 0 one group and no failing check · 1 nodes differ or fail checks · "
    "2 no usable document, or a usage error."
)


class Format(str, Enum):
    """What `fleet` prints."""

    text = "text"
    json = "json"
    markdown = "markdown"


def register(app: typer.Typer) -> None:
    """Add `fleet` to the app."""
    app.command("fleet", help=HELP)(fleet_command)


def fleet_command(
    ctx: typer.Context,
    sources: Annotated[
        list[str],
        typer.Argument(metavar="FILE…|DIR", help="Documents, or folders of *.json documents."),
    ],
    json_output: JsonOption = False,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Markdown, for an issue or a runbook.")
    ] = False,
    output_format: Annotated[
        Format | None, typer.Option("--format", help="text, json or markdown.")
    ] = None,
    verbose: VerboseOption = 0,
) -> None:
    """Read the documents, group the nodes, print the view."""
    from torchdoctor.cli.options import environment
    from torchdoctor.cli.output import fail, write, write_json
    from torchdoctor.exitcodes import ExitCode
    from torchdoctor.fleet.group import group_nodes
    from torchdoctor.fleet.read import load
    from torchdoctor.render import fleet as render

    env = environment(ctx)
    chosen = output_format or (Format.json if json_output else Format.markdown if markdown
                               else Format.text)
    as_json = chosen is Format.json
    if sum((json_output, markdown, output_format is not None)) > 1 and not (
            output_format is Format.json and json_output and not markdown):
        raise fail(env, "fleet", "give one of --json, --markdown and --format", as_json)
    loaded = load(sources)
    for path, why in loaded.skipped:
        env.say(f"torchdoctor: fleet: skipped {path}: {why}")
    if not loaded.nodes:
        raise fail(env, "fleet", f"no usable document among {len(sources)} source"
                   f"{'s' if len(sources) != 1 else ''} (check --json, detect --json or "
                   "dist --json documents)", as_json)
    fleet = group_nodes(loaded.nodes)
    code = ExitCode.PROBLEMS if fleet.failed else ExitCode.OK
    if as_json:
        write_json(env, render.fleet_document(fleet, loaded.documents, list(loaded.skipped),
                                              int(code)))
    elif chosen is Format.markdown:
        write(env, render.render_fleet_markdown(fleet, loaded.documents))
    else:
        write(env, render.render_fleet_text(fleet, loaded.documents, width=env.terminal.width,
                                            ascii=not env.terminal.unicode, verbose=verbose))
    raise typer.Exit(int(code))
