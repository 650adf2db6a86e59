"""`torchdoctor update`: refresh the release knowledge from pytorch.org into the user's cache (the
only command that uses the network). Text output: what changed on stdout, notes on stderr."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from torchdoctor.cli.options import JsonOption, VerboseOption

if TYPE_CHECKING:
    from torchdoctor.environment import Environment
    from torchdoctor.update import Outcome, Request

HELP = (
    "Refresh the release knowledge from pytorch.org (the site branch of "
    "pytorch/pytorch.github.io and pytorch/pytorch's RELEASE.md) into the user's cache; every "
    "command then uses it when it is newer than the knowledge torchdoctor shipped with. Releases "
    "new to the knowledge are checked against PyPI and download.pytorch.org when they answer. "
    "Any failure leaves the previous knowledge in use. Exit codes: 0 done (or nothing newer), 1 "
    "the update failed (or, with --check, newer knowledge exists), 2 bad arguments."
)


def update_command(
    ctx: typer.Context,
    url: Annotated[str | None, typer.Option(
        "--url", metavar="BASE", help="A mirror with the site branch's layout "
        "(BASE/published_versions.json, BASE/assets/quick-start-module.js, …).")] = None,
    folder: Annotated[str | None, typer.Option(
        "--from", metavar="DIR", help="Import the same layout from a folder (offline).")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Change nothing; exit 1 when newer knowledge exists.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Show what would change; change nothing.")] = False,
    timeout: Annotated[float, typer.Option(
        "--timeout", metavar="SECONDS", help="Time limit for the whole update.")] = 60.0,
    max_bytes: Annotated[int, typer.Option(
        "--max-bytes", metavar="N", help="Size limit of each downloaded file.")] = 16 * 1024 * 1024,
    no_validate: Annotated[bool, typer.Option(
        "--no-validate", help="Do not ask PyPI and download.pytorch.org about new releases.")
    ] = False,
    pypi_url: Annotated[str | None, typer.Option(
        "--pypi-url", metavar="URL", help="The PyPI JSON API to ask (default: the index "
        "PIP_INDEX_URL names, else https://pypi.org).")] = None,
    download_url: Annotated[str | None, typer.Option(
        "--download-url", metavar="URL", help="The PyTorch wheel index to ask (default: "
        "https://download.pytorch.org).")] = None,
    json_output: JsonOption = False,
    verbose: VerboseOption = 0,
) -> None:
    from torchdoctor.cli.options import environment
    from torchdoctor.cli.output import fail
    from torchdoctor.update import UpdateError, run

    env = environment(ctx)
    try:
        request = _request(env, url, folder, check, dry_run, timeout, max_bytes, no_validate,
                           pypi_url, download_url)
    except ValueError as exc:
        raise fail(env, "update", str(exc), json_output) from None
    say = env.progress if verbose or not json_output else (lambda line: None)
    try:
        outcome = run(request, say)
    except UpdateError as exc:
        raise fail(env, "update", f"update failed: {exc}; the previous knowledge stays in use",
                   json_output, exc.exit_code) from None
    _emit(env, outcome, json_output, verbose)
    raise typer.Exit(outcome.exit_code)


def _request(env: Environment, url: str | None, folder: str | None, check: bool, dry_run: bool,
             timeout: float, max_bytes: int, no_validate: bool, pypi_url: str | None,
             download_url: str | None) -> Request:
    """The request, or ValueError with the one line a bad argument gets."""
    import os

    from torchdoctor.knowledge.cache import today
    from torchdoctor.update import Request
    from torchdoctor.update.fetch import url_refusal

    if url is not None and folder is not None:
        raise ValueError("--url and --from exclude each other: give one source")
    for name, value in (("--url", url), ("--pypi-url", pypi_url),
                        ("--download-url", download_url)):
        refusal = url_refusal(value) if value is not None else None
        if refusal:
            raise ValueError(f"{name}: {refusal}")
    if folder is not None and not os.path.isdir(folder):
        raise ValueError(f"--from {folder}: no such folder")
    if timeout <= 0 or max_bytes <= 0:
        raise ValueError("--timeout and --max-bytes must be positive")
    return Request(today=today(), url=url, folder=folder, check=check, dry_run=dry_run,
                   timeout=timeout, max_bytes=max_bytes, validate=not no_validate,
                   pypi_url=pypi_url, download_url=download_url)


def _headline(outcome: Outcome) -> str:
    before, after = outcome.before, outcome.after
    was = f"{before['source']} knowledge of {before['date']}, stable {before['stable']}"
    if outcome.status == "updated":
        return (f"Updated the release knowledge from {outcome.origin}: {after['date']}, stable "
                f"{after['stable']} (was the {was}).")
    if outcome.status == "newer-available":
        return f"Newer release knowledge at {outcome.origin} than the {was}:"
    if outcome.status == "would-update":
        return f"An update from {outcome.origin} would change the {was}:"
    if outcome.status == "older-source":
        return (f"{outcome.origin} holds older knowledge than the {was}: nothing changed.")
    if outcome.written:
        return (f"Nothing new at {outcome.origin}: the knowledge is current (stable "
                f"{after['stable']}, knowledge date now {after['date']}).")
    return f"Nothing new at {outcome.origin}: the {was} is current."


def _document(outcome: Outcome) -> dict[str, Any]:
    from torchdoctor.render.json_doc import SCHEMA_VERSION, TOOL

    return {"schema_version": SCHEMA_VERSION, "tool": dict(TOOL), "command": "update",
            "status": outcome.status, "exit_code": outcome.exit_code, "origin": outcome.origin,
            "cache_file": outcome.cache_file, "written": outcome.written,
            "knowledge": dict(outcome.after), "previous_knowledge": dict(outcome.before),
            "changes": list(outcome.changes), "notes": list(outcome.notes)}


def _emit(env: Environment, outcome: Outcome, json_output: bool, verbose: int) -> None:
    from torchdoctor.cli.output import write, write_json

    if json_output:
        write_json(env, _document(outcome))
        return
    lines = [_headline(outcome), *(f"  {line}" for line in outcome.changes)]
    write(env, "\n".join(lines) + "\n")
    for note in outcome.notes:
        env.say(f"  note: {note}")
    if verbose:
        env.say(f"  cache: {outcome.cache_file}")


def register(app: typer.Typer) -> None:
    """Add the `update` command to `app`."""
    app.command("update", help=HELP)(update_command)
