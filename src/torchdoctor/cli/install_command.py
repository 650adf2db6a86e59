"""`torchdoctor install-command`: print the install command pytorch.org would print.

Only typer and the standard library are imported at module level, so `--help` stays fast; the
knowledge and the generator load inside the command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from torchdoctor.cli.options import DEFAULT_TIMEOUT, JsonOption, PythonOption, TimeoutOption

if TYPE_CHECKING:
    from torchdoctor.environment import Environment
    from torchdoctor.install import InstallCommand
    from torchdoctor.install.axes import Axes, Machine
    from torchdoctor.probes.target_python import TargetPython

HELP = (
    "Print the install command for this machine, or for the axes given, exactly as pytorch.org "
    "prints it: the Start Locally selector for stable and nightly, the Previous PyTorch Versions "
    "page for older releases. Missing axes default to this machine and the target interpreter "
    "(--python, else the active venv/conda env, else this Python): the Python axis is the "
    "target's version; `--compute auto` (the default) takes the variant torchdoctor recommends "
    "for the detected GPUs and driver. A combination pytorch.org does not offer exits 2 with one "
    "line saying what exists; `--json` (or `--format json`) prints one document, errors included."
)
_ASCII = {"–": "-", "—": "-", "…": "...", "→": "->", "≥": ">=", "≤": "<=", "‘": "'", "’": "'",
          "“": '"', "”": '"'}


def register(app: typer.Typer) -> None:
    """Add the `install-command` command to `app`."""

    @app.command("install-command", help=HELP)
    def install_command(
        ctx: typer.Context,
        torch: str | None = typer.Option(
            None, "--torch", metavar="stable|nightly|X.Y.Z",
            help="Which PyTorch: stable, nightly or a release number (default: stable, or the "
                 "newest release with wheels for the target Python)."),
        os_name: str | None = typer.Option(None, "--os", metavar="linux|macos|windows",
                                           help="Target OS (default: this machine's)."),
        arch: str | None = typer.Option(None, "--arch", metavar="x86_64|aarch64|arm64",
                                        help="Target CPU architecture (default: this "
                                             "machine's; for another --os, the one that "
                                             "release has there, arm64 first on macOS)."),
        compute: str = typer.Option("auto", "--compute", metavar="auto|cpu|cuXYZ|rocmX.Y[.Z]|xpu",
                                    help="Compute platform (auto: recommended for this machine)."),
        package: str = typer.Option(
            "pip", "--package", metavar="pip|uv|uv-project|conda|conda-forge|pixi|libtorch|source",
            help="Installer or download kind (conda: pytorch.org's own conda text, which ended "
                 "with 2.5.1; conda-forge and pixi: conda-forge's build for this machine)."),
        python_version: str | None = typer.Option(
            None, "--python-version", metavar="X.Y",
            help="Target Python, e.g. 3.12 or 3.13t (default: the target interpreter's; for "
                 "another --os or --arch, the nearest one the release supports)."),
        python: PythonOption = None,
        page: str = typer.Option(
            "auto", "--page", metavar="auto|selector|previous-versions|additional-platforms",
            help="Which pytorch.org page to copy (auto: the one pytorch.org would show)."),
        output_format: str = typer.Option("text", "--format", metavar="text|json",
                                          help="text: the command alone; json: one document."),
        json_flag: JsonOption = False,
        verbose: int = typer.Option(0, "-v", "--verbose", count=True, show_default=False,
                                    help="Also print the rationale on stderr."),
        timeout: TimeoutOption = DEFAULT_TIMEOUT,
    ) -> None:
        from torchdoctor.cli.options import environment, python_path_error
        from torchdoctor.cli.output import fail
        from torchdoctor.errors import TorchdoctorError
        from torchdoctor.install import build_command, resolve_axes

        env = environment(ctx)
        json_output = json_flag or output_format == "json"
        if output_format not in ("text", "json"):
            raise fail(env, "install-command",
                       f"--format {output_format!r} is not valid: use text or json", False)
        bad_python = python_path_error(env, python)
        if bad_python:
            raise fail(env, "install-command", bad_python, json_output)
        notes: tuple[str, ...] = ()
        target: TargetPython | None = None
        python_version_given, compute_given = python_version, compute
        try:
            if package.strip().lower() in ("conda-forge", "pixi"):
                result = _forge(env, torch, os_name, arch, compute, package, python, timeout)
                _emit(env, result, None, json_output, verbose, ())
                return
            if compute == "auto" and os_name is None and arch is None:
                compute, notes, target = _detected(env, torch or "stable", python, timeout,
                                                   python_version is None)
            elif python_version is None:
                from torchdoctor.probes.target_python import target_python

                target = target_python(env.host, python, timeout)
            if target is not None:
                python_version = target.tag
                notes = (*notes, target.sentence())
            axes = resolve_axes(_machine(env, target), torch=torch, os=os_name, arch=arch,
                                compute=compute, package=package, python=python_version,
                                page=page)
            from torchdoctor import knowledge
            from torchdoctor.install.other_machine import for_another_machine

            axes, other = for_another_machine(
                axes, _machine(env, target), knowledge.load(), arch_given=arch is not None,
                python_given=python_version_given is not None or python is not None)
            notes = (*notes, *other)
            no_axes = torch is None and python_version_given is None and os_name is None and \
                arch is None and compute_given == "auto"
            if no_axes:
                axes, fallback = _release_for_python(axes)
                notes = (*notes, *fallback)
            result = _for_target(env, build_command(axes), target)
        except TorchdoctorError as exc:
            raise fail(env, "install-command", _printable(env, str(exc)), json_output,
                       exc.exit_code) from None
        _emit(env, result, target, json_output, verbose, notes)


def _emit(env: Environment, result: InstallCommand, target: TargetPython | None,
          json_output: bool, verbose: int, notes: tuple[str, ...]) -> None:
    from torchdoctor import knowledge
    from torchdoctor.cli.output import write, write_json

    known = knowledge.load()
    if json_output:
        write_json(env, {**result.to_json(), "knowledge": known.stamp,
                         "target_python": target.to_json() if target is not None else None})
    else:
        write(env, result.command + "\n")
    if verbose:
        for line in (*notes, *result.rationale, f"Knowledge: {known.describe()}."):
            env.say(f"  {_printable(env, line)}")


def _forge(env: Environment, torch: str | None, os_name: str | None, arch: str | None,
           compute: str, package: str, python: str | None, timeout: float) -> InstallCommand:
    """conda-forge's (or pixi's) command: for this machine, detected, unless --os or --arch
    name another; `--compute auto` maps the recommendation onto conda-forge's builds."""
    from torchdoctor import knowledge
    from torchdoctor.install import resolve_axes
    from torchdoctor.install.axes import parse_torch
    from torchdoctor.pipeline import Request, gather
    from torchdoctor.recommend.auto import recommend_compute
    from torchdoctor.recommend.forge import forge_command

    k = knowledge.load()
    axes = resolve_axes(_machine(env, None), torch=torch, os=os_name, arch=arch,
                        compute=None if compute == "auto" else compute, package=package)
    facts = None
    if os_name is None and arch is None:
        facts = gather(env.host, Request(python=python, timeout=timeout, verify=False)).facts
    auto = compute == "auto"
    if auto and facts is not None:
        wanted = "stable" if axes.torch == "nightly" else axes.torch
        choice = recommend_compute(facts, k, torch=parse_torch(wanted), os=axes.os,
                                   arch=axes.arch)
        from dataclasses import replace

        axes = replace(axes, compute=choice.compute)
    return forge_command(facts, k, axes, auto=auto)


def _for_target(env: Environment, result: InstallCommand,
                target: TargetPython | None) -> InstallCommand:
    """With `--python X`, the command is for X: its own pip (`X -m pip`), as `check` prints
    it; pip3 on PATH may belong to any interpreter. Otherwise pytorch.org's text as it is."""
    from dataclasses import replace

    from torchdoctor.errors import TorchdoctorError
    from torchdoctor.install.axes import machine_os
    from torchdoctor.recommend.shell import use_pip_of

    if target is None or target.chosen_by != "--python" or result.package != "pip":
        return result
    try:
        here = machine_os(_machine(env, target))
    except TorchdoctorError:
        return result
    if result.os != here:
        return result  # a command for another machine: nothing to say about its pip
    changed = use_pip_of(result.command, target.path, result.os)
    return replace(result, command=changed, rationale=(*result.rationale, (
        f"The command runs {target.path}'s own pip (--python), not whatever pip3 is first on "
        "PATH.")))


def _machine(env: Environment, target: TargetPython | None) -> Machine:
    from torchdoctor.install import Machine
    from torchdoctor.install.axes import running_python

    info = env.host.platform
    return Machine(info.system, info.machine, target.tag if target else running_python())


def _detected(env: Environment, torch: str, python: str | None, timeout: float,
              want_python: bool) -> tuple[str, tuple[str, ...], TargetPython | None]:
    """`--compute auto` on this machine: detect it (with the target interpreter) and take the
    recommendation's variant, so the printed text stays pytorch.org's own (the full fix, with
    uninstall steps, is `check`'s job). Also returns the target, when the Python axis needs it."""
    from torchdoctor import knowledge
    from torchdoctor.install.axes import default_arch, machine_os, parse_torch
    from torchdoctor.pipeline import Request, gather
    from torchdoctor.probes.target_python import from_facts
    from torchdoctor.recommend.auto import recommend_compute

    facts = gather(env.host, Request(python=python, timeout=timeout, verify=False)).facts
    assert facts is not None  # detection was asked for
    target = from_facts(facts.python) if want_python else None
    here = _machine(env, target)
    os_name = machine_os(here)
    choice = recommend_compute(facts, knowledge.load(), torch=parse_torch(torch), os=os_name,
                               arch=default_arch(here, os_name))
    first = (choice.prerequisite,) if choice.prerequisite else ()
    return choice.compute, (*first, *choice.rationale), target


def _release_for_python(axes: Axes) -> tuple[Axes, tuple[str, ...]]:
    """With no axes at all: the stable release, or, when it has no wheels for the target Python,
    the newest release that has (what the recommendation prints for this machine). With axes
    given, an unsupported Python stays an error that names that release."""
    from dataclasses import replace

    from torchdoctor import knowledge

    k = knowledge.load()
    if k.supports_python(k.stable, axes.os, axes.arch, axes.python):
        return axes, ()
    best = k.newest_supporting(axes.python, axes.os, axes.arch)
    if best is None:
        return axes, ()  # the build says why, with what exists instead
    note = (f"torch {k.stable_version} has no wheels for Python {axes.python}; torch "
            f"{best.version} is the newest release that has.")
    return replace(axes, torch=best.version), (note,)


def _printable(env: Environment, text: str) -> str:
    """`text` as is where stderr can encode it, else with ASCII stand-ins ("3.10-3.14", not
    "3.10?3.14" or a literal "\\u2013")."""
    from torchdoctor.environment import can_encode

    if can_encode(env.stderr, text):
        return text
    return "".join(_ASCII.get(c, c) for c in text)
