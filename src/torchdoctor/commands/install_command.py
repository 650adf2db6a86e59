"""`torchdoctor install-command`: print the install command pytorch.org would print.

Only typer and the standard library are imported at module level, so `--help` stays fast; the
knowledge and the generator load inside the command.
"""

from __future__ import annotations

import json
import sys

import typer

HELP = (
    "Print the install command for this machine, or for the axes given, exactly as pytorch.org "
    "prints it: the Start Locally selector for stable and nightly, the Previous PyTorch Versions "
    "page for older releases. Missing axes default to this machine; `--compute auto` (the "
    "default) takes the variant torchdoctor recommends for the detected GPUs and driver. A "
    "combination pytorch.org does not offer exits 2 with one line saying what exists."
)


def register(app: typer.Typer) -> None:
    """Add the `install-command` command to `app`."""

    @app.command("install-command", help=HELP)
    def install_command(
        torch: str = typer.Option("stable", "--torch", metavar="stable|nightly|X.Y.Z",
                                  help="Which PyTorch: stable, nightly or a release number."),
        os_name: str | None = typer.Option(None, "--os", metavar="linux|macos|windows",
                                           help="Target OS (default: this machine's)."),
        arch: str | None = typer.Option(None, "--arch", metavar="x86_64|aarch64|arm64",
                                        help="Target CPU architecture (default: this machine's)."),
        compute: str = typer.Option("auto", "--compute", metavar="auto|cpu|cuXYZ|rocmX.Y[.Z]|xpu",
                                    help="Compute platform (auto: recommended for this machine)."),
        package: str = typer.Option("pip", "--package",
                                    metavar="pip|uv|uv-project|conda|libtorch|source",
                                    help="Installer or download kind."),
        python_version: str | None = typer.Option(
            None, "--python-version", metavar="X.Y",
            help="Target Python, e.g. 3.12 or 3.13t (default: this interpreter's)."),
        page: str = typer.Option(
            "auto", "--page", metavar="auto|selector|previous-versions|additional-platforms",
            help="Which pytorch.org page to copy (auto: the one pytorch.org would show)."),
        output_format: str = typer.Option("text", "--format", metavar="text|json",
                                          help="text: the command alone; json: one document."),
        verbose: int = typer.Option(0, "-v", "--verbose", count=True, show_default=False,
                                    help="Also print the rationale on stderr."),
    ) -> None:
        from torchdoctor.errors import TorchdoctorError
        from torchdoctor.install import build_command, resolve_axes

        if output_format not in ("text", "json"):
            _fail(f"--format {output_format!r} is not valid: use text or json", 2)
        notes: tuple[str, ...] = ()
        try:
            if compute == "auto" and os_name is None and arch is None:
                compute, notes = _detected_compute(torch)
            axes = resolve_axes(torch=torch, os=os_name, arch=arch, compute=compute,
                                package=package, python=python_version, page=page)
            result = build_command(axes)
        except TorchdoctorError as exc:
            _fail(str(exc), exc.exit_code)
        if output_format == "json":
            sys.stdout.write(json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(result.command + "\n")
        if verbose:
            for line in (*notes, *result.rationale):
                sys.stderr.write(f"  {line}\n")


def _detected_compute(torch: str) -> tuple[str, tuple[str, ...]]:
    """`--compute auto` on this machine: detect it and take the recommendation's variant, so the
    printed text stays pytorch.org's own (the full fix, with uninstall steps, is `check`'s job)."""
    from torchdoctor import knowledge
    from torchdoctor.host import RealHost
    from torchdoctor.install.axes import default_arch, machine_os, parse_torch
    from torchdoctor.probes import collect_facts
    from torchdoctor.recommend.auto import recommend_compute

    facts = collect_facts(RealHost())
    os_name = machine_os()
    choice = recommend_compute(facts, knowledge.load(), torch=parse_torch(torch), os=os_name,
                               arch=default_arch(os_name))
    first = (choice.prerequisite,) if choice.prerequisite else ()
    return choice.compute, (*first, *choice.rationale)


def _fail(message: str, code: int) -> None:
    """One line on stderr, then exit with `code` (never a traceback)."""
    sys.stderr.write(f"torchdoctor: error: {message}\n")
    raise typer.Exit(code)
