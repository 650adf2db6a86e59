"""`torchdoctor detect`: facts only — fast, never imports torch, never installs anything.

Exit codes: 0 when every probe answered (found or absent); 3 (incomplete) when a probe could not
check — it timed out, crashed, or the target interpreter could not be inspected (not executable,
not Python, Python 2). A `--python` path that leads to no file at all is a usage error (2).
"""

from __future__ import annotations

import typer

from torchdoctor.cli.options import (
    DEFAULT_TIMEOUT,
    JsonOption,
    ProjectOption,
    PythonOption,
    TimeoutOption,
    VerboseOption,
)

HELP = (
    "Detect the machine and the target Python environment (facts only; never imports torch). "
    "Exit 0 when every probe answered, 3 when one could not check."
)


def register(app: typer.Typer) -> None:
    """Add the `detect` command to the app."""
    app.command("detect", help=HELP)(detect_command)


def detect_command(
    ctx: typer.Context,
    python: PythonOption = None,
    project: ProjectOption = None,
    json_output: JsonOption = False,
    verbose: VerboseOption = 0,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
) -> None:
    """Run the probes and print the facts document (`--json`) or a summary."""
    from torchdoctor.cli.options import environment, project_path_error, python_path_error
    from torchdoctor.cli.output import fail, write, write_json
    from torchdoctor.pipeline import Request, gather
    from torchdoctor.verdict import decide_facts

    env = environment(ctx)
    bad = python_path_error(env, python) or project_path_error(env, project)
    if bad:
        raise fail(env, "detect", bad, json_output)
    request = Request(command="detect", python=python, timeout=timeout, verify=False,
                      project=project)
    facts = gather(env.host, request, env.progress if verbose else None).facts
    assert facts is not None  # detection was asked for
    if json_output:
        from torchdoctor.facts import facts_document

        write_json(env, facts_document(facts))
    else:
        from torchdoctor.render.facts_text import render_facts

        terminal = env.terminal
        write(env, render_facts(facts, verbose=verbose > 0, color=terminal.color,
                                ascii=not terminal.unicode))
    verdict = decide_facts(facts)
    if verdict.reasons and (not json_output or verbose):
        for reason in verdict.reasons:
            env.say(f"torchdoctor: {reason}")
    raise typer.Exit(int(verdict.exit_code))
