"""The recommendation (product spec §5): the newest stable release that will actually work here,
printed as pytorch.org prints it, turned into a fix for this environment, with its rationale.

Pure: facts and knowledge in, an `InstallPlan` (or a `NoRecommendation` saying why none) out.
docs/recommendation.md walks through the policy with worked examples.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from torchdoctor.errors import TorchdoctorError, UsageError
from torchdoctor.facts import Facts
from torchdoctor.install import InstallCommand, command_for
from torchdoctor.install.validate import release_sentence, resolve_release
from torchdoctor.knowledge import Knowledge, Release, cuda_minor
from torchdoctor.recommend import long_paths, shell
from torchdoctor.recommend.accel import choose
from torchdoctor.recommend.choice import Choice
from torchdoctor.recommend.python_gate import PythonGate, gate
from torchdoctor.recommend.target import Target, target_of
from torchdoctor.report import Alternative, InstallPlan

CONDA_NOTE = ("This is a conda environment: the pytorch conda channel stopped at 2.5 (its last "
              "package is 2.5.1), so torch is installed with pip inside the environment.")


@dataclass(frozen=True)
class NoRecommendation:
    """Why no install command can be recommended for this machine (e.g. no wheels for it)."""

    reason: str  # one line
    rationale: tuple[str, ...]
    knowledge_date: str


class NoRecommendationError(TorchdoctorError):
    """`recommend` found nothing to recommend; `.result` says why."""

    def __init__(self, result: NoRecommendation) -> None:
        super().__init__(result.reason)
        self.result = result


def _unsupported(t: Target) -> str | None:
    if t.os is None or t.arch is None:
        return "the operating system or CPU architecture could not be detected"
    if t.os not in ("linux", "macos", "windows"):
        return f"pytorch.org publishes no builds for {t.os}"
    if t.os == "linux" and t.libc == "musl":
        return ("pytorch.org publishes no wheels for musl-based Linux (such as Alpine); use a "
                "glibc-based distribution or image")
    return None


def _command(k: Knowledge, release: Release, variant: str, t: Target,
             python: str) -> InstallCommand:
    assert t.os
    assert t.arch
    return command_for(release, variant, os=t.os, arch=t.arch, python=python, knowledge=k)


def _own(t: Target, g: PythonGate) -> bool:
    """Whether the command is for the target interpreter itself (not for one to install)."""
    return g.python_ok and not t.rosetta_python


def _fix(text: str, t: Target, g: PythonGate, installed: shell.Installed | None) -> str:
    """The page's command as the fix here: uninstall first, and the target's own pip. Bare
    `pip3` only where pip3 is proven to be the target's; a uv environment without pip gets the
    `uv pip` form; an environment without pip gets it first."""
    own = _own(t, g) and t.executable is not None and t.os is not None
    mode = shell.pip_mode(t.pip3_belongs, t.pip_available, t.env_kind) if own else "pip3"
    if mode == "uv":
        assert t.os
        uv = shell.uv_form(text, installed, t.executable, t.os)
        if uv is not None:
            return uv
    if installed is not None:
        text = "\n".join([*shell.uninstall_lines(installed), text])
    if mode in ("python", "ensurepip"):
        assert t.os
        assert t.executable
        text = shell.use_pip_of(text, t.executable, t.os)
        if mode == "ensurepip":
            text = f"{shell.ensurepip_line(t.executable, t.os)}\n{text}"
    return text


def _kept(t: Target, installed: shell.Installed | None, variant: str) -> str | None:
    """Why an installed GPU build stays although another variant is chosen, or None.

    - In a container that sees no GPU a CUDA build works (on the CPU): the GPU may simply not be
      passed in (`--gpus all`), and replacing the build would lose it the day it is.
    - When a GPU probe could not check, the GPU build may be exactly right: unknown is not
      absent, so nothing that may work is removed.
    """
    if installed is None or installed.variant in (None, "cpu", variant):
        return None
    if t.gpus_unknown and not t.any_gpu:
        return (f"whether this machine has a GPU could not be told ({' and '.join(t.gpus_unknown)}"
                " could not be checked), so it is kept. The command is for a new environment")
    if t.container and not t.has_nvidia and variant == "cpu" and cuda_minor(installed.variant):
        return (f"no GPU is visible in this {t.container} container, so it runs on the CPU and "
                "is kept. The command is the CPU build for a new environment, much smaller than "
                "the CUDA build")
    return None


def _replacing(k: Knowledge, installed: shell.Installed | None, release: Release,
               variant: str, why: list[str]) -> shell.Installed | None:
    """The installed build when the command must replace it (with the sentence saying so)."""
    if installed is None:
        return None
    if installed.same_build(release.version, variant) or (
            k.is_past_knowledge(installed.base) and installed.variant == variant):
        why.append(f"torch {installed.version} is already installed and is this build; the "
                   "command changes nothing.")
        return None
    names = " ".join((*installed.pip_names, *installed.conda_names))
    why.append(f"torch {installed.version} is installed ({installed.variant or 'variant unknown'}"
               f"); a plain install would report \"Requirement already satisfied\" and keep it, so "
               f"the fix uninstalls {names} first (rather than --force-reinstall, which would "
               "download every dependency again).")
    if "torchaudio" in installed.pip_names:
        why.append("torchaudio is removed too: each torchaudio release requires one torch release; "
                   "reinstall it afterwards only if you use it.")
    return installed


def _alternatives(k: Knowledge, t: Target, g: PythonGate, choice: Choice, main: InstallCommand,
                  installed: shell.Installed | None) -> list[Alternative]:
    assert t.os
    from torchdoctor.recommend.forge import forge_alternative

    forge = forge_alternative(k, t)
    alts = [*((forge,) if forge else ()), *(Alternative(e.label, e.command)
                                            for e in choice.extra)]
    for other in choice.others:
        try:
            cmd = _command(k, other.release, other.variant, t, t.python or other.release.python_max)
        except UsageError:
            continue
        alts.append(Alternative(other.label, _fix(cmd.command, t, g, installed),
                                other.release.version, other.variant))
    if g.suggested_python and g.python_ok and g.first is not g.release:
        try:
            first = choose(k, g.first, t)
            cmd = _command(k, g.first, first.variant, t, g.suggested_python)
            alts.append(Alternative(f"Or switch to Python {g.suggested_python} and install torch "
                                    f"{g.first.version} with it:", cmd.command, g.first.version,
                                    first.variant))
        except UsageError:
            pass
    if t.rosetta_python:
        alts.extend(_rosetta_alternative(k, t))
    if t.env_kind == "uv":
        python = t.executable if t.pip3_belongs is not True and _own(t, g) else None
        uv = shell.uv_form(main.command, installed, python, t.os)
        if uv:
            alts.append(Alternative("This is a uv environment; the same with uv:", uv,
                                    main.torch_version, main.compute))
    return alts


def _rosetta_alternative(k: Knowledge, t: Target) -> list[Alternative]:
    """For an x86_64 Python under Rosetta: the last x86_64 release, for that interpreter."""
    intel = replace(t, arch="x86_64", apple_silicon=False)
    last = gate(k, intel, list(k.releases))
    if isinstance(last, str) or not last.python_ok:
        return []
    cmd = _command(k, last.release, "cpu", intel, intel.python or last.release.python_max)
    return [Alternative(f"Or keep this x86_64 Python: torch {last.release.version} is the last "
                        "release for it (CPU only):", cmd.command, last.release.version, "cpu")]


def try_recommend(facts: Facts, knowledge: Knowledge, *,
                  torch: str = "stable") -> InstallPlan | NoRecommendation:
    """The install plan for the machine in `facts`, or why there is none.

    `torch` is "stable" (the newest release that works here, falling back to older releases when
    the stable cannot), "nightly" or "X.Y.Z" (that release only).
    """
    k, t = knowledge, target_of(facts)
    bad = _unsupported(t)
    if bad:
        return NoRecommendation(bad, (f"No recommendation: {bad}.",), k.knowledge_date)
    try:
        releases = list(k.releases) if torch == "stable" else [resolve_release(k, torch)]
    except UsageError as exc:
        return NoRecommendation(str(exc), (f"No recommendation: {exc}.",), k.knowledge_date)
    g = gate(k, t, releases)
    if isinstance(g, str):
        return NoRecommendation(g, (f"No recommendation: {g}.",), k.knowledge_date)
    choice = choose(k, g.release, t, g.older)
    release = choice.release or g.release
    python = t.python if (g.python_ok and t.python) else release.python_max
    try:
        main = _command(k, release, choice.variant, t, python)
    except UsageError as exc:
        return NoRecommendation(str(exc), (*g.notes, *choice.reasons), k.knowledge_date)
    why = [release_sentence(k, release), *g.notes, *choice.reasons]
    if choice.prerequisite:
        why.insert(0, f"First: {choice.prerequisite}.")
    if t.rosetta_python:
        why.insert(0, "First: the target Python is an x86_64 build running under Rosetta; "
                      "install an arm64 Python and run the command with it (x86_64 macOS wheels "
                      "stop at torch 2.2.2 and have no MPS).")
    installed = shell.installed_build(facts, k) if _own(t, g) else None
    keep_why = _kept(t, installed, choice.variant)
    kept = installed if keep_why else None
    if kept is not None:
        why.append(f"torch {kept.version} ({kept.variant}) is installed; {keep_why}.")
        installed = None
    already = installed is not None and installed.same_build(release.version, choice.variant)
    installed = _replacing(k, installed, release, choice.variant, why)
    fix = _fix(main.command, t, g, installed)
    managed = _own(t, g) and bool(t.externally_managed) and t.os not in (None, "windows")
    if managed:
        # PEP 668: pip refuses ("externally-managed-environment"). A venv is the route.
        assert t.os
        venv_python = ".venv/bin/python"
        fix = (f"{shell.command_word(t.executable or 'python3', t.os)} -m venv .venv\n"
               f"{shell.use_pip_of(main.command, venv_python, t.os)}")
        installed = None
        why.append("This Python is externally managed (PEP 668): pip refuses to install into it, "
                   "so the command creates a virtual environment, .venv in the current folder, "
                   "and installs torch there; run your code with .venv/bin/python.")
    if _own(t, g) and t.pip3_belongs is not True and t.executable:
        which = ("installs into another interpreter" if t.pip3_belongs is False else
                 "could not be shown to install into the target")
        why.append(f"pip3 on PATH {which}, so the fix runs the target's own pip "
                   f"({t.executable} -m pip).")
    if _own(t, g) and t.pip_available is False:
        why.append("The target has no pip (a venv made without it, or a uv venv): the fix "
                   + ("uses `uv pip`." if t.env_kind == "uv" else "installs pip first."))
    if t.env_kind == "conda":
        why.append(CONDA_NOTE)
    if t.env_kind == "uv":
        why.append("uv environments have no pip unless it was added; the uv form is below.")
    why.append(f"Knowledge date: {k.knowledge_date}.")
    return InstallPlan(
        command=fix, torch_version=release.version,
        compute="default" if t.os == "macos" else choice.variant, rationale=tuple(why),
        knowledge_date=k.knowledge_date, index_url=main.index_url,
        alternatives=tuple(_alternatives(k, t, g, choice, main, installed)),
        replaces_installed=installed is not None, installed_already=already,
        prerequisite=_prerequisite(t, g, choice, kept, managed,
                                   _long_paths(t, release.version, choice.variant)))


def _long_paths(t: Target, version: str, variant: str) -> str | None:
    length = long_paths.too_long(t.os, t.purelib, t.long_paths_enabled, version, variant)
    if length is None or t.purelib is None:
        return None
    return (f"enable Windows long paths, in PowerShell as administrator ({long_paths.ENABLE}): "
            + long_paths.sentence(length, t.purelib, t.long_paths_enabled))


def _prerequisite(t: Target, g: PythonGate, choice: Choice,
                  kept: shell.Installed | None, managed: bool = False,
                  long_path_step: str | None = None) -> str | None:
    """What must come first, or must be read beside the command: shown with it, not only in the
    rationale, because a command that fails until the driver is updated looks like a bug."""
    steps = []
    if t.rosetta_python:
        steps.append("install an arm64 Python and run the command with it (the target Python is "
                     "an x86_64 build running under Rosetta)")
    elif not g.python_ok and g.suggested_python:
        steps.append(f"install Python {g.suggested_python} (64-bit CPython) and run the command "
                     "with it")
    if choice.prerequisite:
        steps.append(choice.prerequisite[:1].lower() + choice.prerequisite[1:])
    if long_path_step:
        steps.append(long_path_step)
    parts = [f"First: {'; then '.join(steps)}."] if steps else []
    if choice.caveat:
        parts.append(choice.caveat)
    if kept is not None:
        parts.append(f"For a new environment: the torch {kept.version} ({kept.variant}) installed "
                     "here works too (on the CPU), so nothing needs replacing.")
    if managed:
        parts.append("This Python is externally managed (PEP 668): the command installs into a "
                     "new virtual environment, .venv; run your code with .venv/bin/python.")
    return " ".join(parts) or None


def recommend(facts: Facts, knowledge: Knowledge, *, torch: str = "stable") -> InstallPlan:
    """The install plan; raises `NoRecommendationError` when there is none (see try_recommend)."""
    result = try_recommend(facts, knowledge, torch=torch)
    if isinstance(result, NoRecommendation):
        raise NoRecommendationError(result)
    return result
