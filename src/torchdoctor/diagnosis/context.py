"""What every rule needs, computed once from the facts: the wheel platform, the installed build,
the GPUs, and helpers that build problems, fixes and check lines.

Rules stay pure: they read a `Ctx` and return problems; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from torchdoctor.catalogue import problem as problem  # the rules build problems through it
from torchdoctor.facts.model import Distribution, Facts, NvidiaGpu, PciGpu, TorchCopy
from torchdoctor.knowledge import Knowledge, version_key
from torchdoctor.knowledge.compat import installed_variant
from torchdoctor.recommend.shell import command_word, pip_mode
from torchdoctor.recommend.target import python_tag, wheel_arch
from torchdoctor.report import Check, CheckStatus, Fix, InstallPlan, Problem, Severity

NVIDIA_VENDOR, AMD_VENDOR = "10de", "1002"
# The target interpreter could not be used at all (as opposed to: inspecting it timed out).
UNUSABLE_PYTHON = ("missing", "not-executable", "not-python", "python2", "too-old")


@dataclass(frozen=True)
class Ctx:
    """The facts plus the values derived from them that several rules share."""

    facts: Facts
    knowledge: Knowledge
    plan: InstallPlan | None
    os: str | None  # linux | macos | windows | other
    arch: str | None  # the wheel architecture: the target interpreter's, as the knowledge spells it
    python_tag: str | None  # "3.12", "3.13t"
    python_cmd: str  # how to name the target interpreter in a command
    torch: TorchCopy | None  # the copy `import torch` loads
    torch_dist: Distribution | None
    torch_known: bool  # whether the environment could be inspected at all
    variant: str | None  # installed build: cpu | cu130 | rocm6.4 | xpu
    driver_os: str  # whose driver numbering applies: "windows" on Windows and under WSL 2
    today: str | None = None  # YYYY-MM-DD the knowledge's age is measured at (None: not judged)

    @property
    def installed(self) -> bool:
        """A torch package or pip's record of one is there (see `PythonFacts.torch_state`)."""
        return self.facts.python.torch_state in ("installed", "package-only", "metadata-only")

    @property
    def torch_version(self) -> str | None:
        """The installed version as pip shows it: "2.13.0+cu130"."""
        if self.torch_dist is not None:
            return self.torch_dist.version
        return self.torch.version if self.torch else None

    @property
    def torch_label(self) -> str:
        """The installed torch as messages name it: "2.13.0+cu130", or "2.13.0 (cu130)" for an
        untagged PyPI wheel whose build record says which variant it is."""
        version = self.torch_version or "(unknown version)"
        if "+" not in version and self.variant:
            return f"{version} ({self.variant})"
        return version

    @property
    def torch_public(self) -> str | None:
        """The release part of the installed version: "2.13.0"."""
        version = self.torch_version
        return version.split("+")[0] if version else None

    def pip(self, arguments: str) -> tuple[str, ...]:
        """`pip <arguments>` as the target runs it: bare pip3 only where pip3 is proven to be
        the target's own, else `<python> -m pip`; pip installed first where the target has
        none (a uv environment without pip uses `uv pip --python`)."""
        py = self.facts.python
        mode = pip_mode(py.pip3_belongs, py.pip_available, py.env_kind)
        if mode == "uv":
            verb, _, rest = arguments.partition(" ")
            return (f"uv pip {verb} --python {self.python_cmd} {rest}".rstrip(),)
        if mode == "pip3":
            return (f"pip3 {arguments}",)
        first = (f"{self.python_cmd} -m ensurepip --upgrade",) if mode == "ensurepip" else ()
        return (*first, f"{self.python_cmd} -m pip {arguments}")

    @property
    def nvidia_gpus(self) -> tuple[NvidiaGpu, ...]:
        nvidia = self.facts.nvidia
        return nvidia.gpus or () if nvidia.status == "found" else ()

    def pci(self, vendor: str) -> tuple[PciGpu, ...]:
        """GPUs of one vendor seen on the PCI bus (even without a driver)."""
        return tuple(g for g in self.facts.pci.gpus or () if g.vendor_id == vendor)

    @property
    def nvidia_driver_loaded(self) -> bool:
        nvidia = self.facts.nvidia
        return nvidia.status == "found" and (bool(nvidia.gpus) or bool(nvidia.driver_version))

    @property
    def jetson_needs_jetpack(self) -> bool:
        """An NVIDIA Jetson before Thor: its integrated GPU runs only NVIDIA's JetPack builds
        (Thor, Jetson Linux 38 / JetPack 7, is an SBSA machine that pytorch.org's aarch64 wheels
        support)."""
        o = self.facts.os
        if not (o.jetson_model or o.l4t_release):
            return False
        major = version_key(o.l4t_release or "0")
        return not major or major[0] < 38

    def release_supports(self, version: str, python_tag: str) -> bool | None:
        release = self.knowledge.release(version)
        if release is None or self.os is None or self.arch is None:
            return None
        return self.knowledge.supports_python(release, self.os, self.arch, python_tag)


def build_context(facts: Facts, knowledge: Knowledge, plan: InstallPlan | None,
                  today: str | None = None) -> Ctx:
    """Derive the shared values once."""
    os_name = facts.os.system if facts.os.status == "found" else None
    if os_name is None and facts.apple.status == "found":
        os_name = "macos"
    py = facts.python
    known = py.status == "found" and py.torch_copies is not None
    return Ctx(
        facts=facts, knowledge=knowledge, plan=plan, os=os_name,
        arch=_wheel_arch(facts, os_name), python_tag=python_tag(facts.python),
        python_cmd=command_word(py.executable or py.requested or "python", os_name or "linux"),
        torch=py.torch if known else None,
        torch_dist=py.distribution("torch") if py.status == "found" else None,
        torch_known=known,
        variant=installed_variant(facts, knowledge) if known else None,
        driver_os="windows" if os_name == "windows" or facts.os.wsl == 2 else "linux",
        today=today,
    )


def _wheel_arch(facts: Facts, os_name: str | None) -> str | None:
    # The interpreter decides which wheels pip picks (x86_64 Python under Rosetta gets x86_64).
    return wheel_arch(facts.python.machine or facts.os.arch, os_name)


# --- building problems, fixes and checks -------------------------------------------------------

def probe_failed(check: str, message: str) -> Problem:
    """probe-failed: what could not be checked and what was therefore not judged."""
    return problem("probe-failed", check, message,
                   Fix("Run torchdoctor again, with a longer --timeout if a probe timed out; "
                       "this shows each probe's time and error:",
                       ("torchdoctor detect -v --timeout 30",)))


def commands_of(command: str) -> tuple[str, ...]:
    """A plan's command as fix commands, one line each (an uninstall, then the install)."""
    return tuple(line.strip() for line in command.splitlines() if line.strip())


def install_fix(ctx: Ctx, text: str, *, compute_prefix: str | None = None) -> Fix:
    """"Install the right build": the recommended command when there is one that fits, else the
    command that prints it. `compute_prefix` ("cu", "rocm", "xpu") requires the plan to match."""
    plan = ctx.plan
    fits = plan is not None and (compute_prefix is None or plan.compute.startswith(compute_prefix))
    if plan is not None and ctx.installed and not plan.replaces_installed and (
            plan.compute == ctx.variant and plan.torch_version == ctx.torch_public):
        fits = False  # the plan is what is installed already: printing it would change nothing
    if plan is not None and fits:
        return Fix(with_prerequisite(plan, text), commands_of(plan.command))
    return Fix(f"{text} `torchdoctor install-command` prints the command for this machine.",
               ("torchdoctor install-command",))


def with_prerequisite(plan: InstallPlan, text: str) -> str:
    """A fix text that reuses the plan's command, with the plan's prerequisite said first: the
    command alone fails (or misleads) until that step is done."""
    first = plan.prerequisite
    if not first:
        return text
    if first.startswith("First:") and text:
        return f"{first} Then {text[:1].lower()}{text[1:]}"
    return f"{first} {text}"


_RANK = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1}


def make_check(check_id: str, title: str, summary: str, problems: Iterable[Problem] = (),
               details: Iterable[str] = (), *, unknown: str | None = None,
               not_applicable: bool = False) -> Check:
    """A check line whose box follows its problems: an error beats could-not-check, which beats
    a warning; info never changes the box. The judgement of the worst problem follows the facts
    in the summary ("2.4.1+cpu · CPU build — CPU-only torch on a GPU machine")."""
    found = tuple(problems)
    if unknown is None:
        # A probe that could not check makes the line "could not check": never a warning, and
        # never "ok" (unknown is not absent).
        unknown = next((p.message for p in found if p.code == "probe-failed"), None)
    worst = max((p for p in found), key=lambda p: _RANK[p.severity], default=None)
    if worst is not None and worst.severity is Severity.ERROR:
        status = CheckStatus.ERROR
    elif unknown is not None:
        status = CheckStatus.UNKNOWN
    elif worst is not None and worst.severity is Severity.WARNING:
        status = CheckStatus.WARNING
    else:
        status = CheckStatus.NOT_APPLICABLE if not_applicable else CheckStatus.OK
    if status in (CheckStatus.ERROR, CheckStatus.WARNING) and worst is not None:
        summary = f"{summary} — {_lower_first(worst.title)}" if summary else worst.title
    return Check(check_id, title, status, summary, tuple(details), unknown, found)


def _lower_first(text: str) -> str:
    # "CPU-only torch…" and "NVIDIA driver…" keep their capitals; "Low disk space" does not.
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def join(*parts: str | None) -> str:
    """The " · " separated summary of the parts that are known."""
    return " · ".join(p for p in parts if p)


def gib(value: int | None) -> str:
    return f"{value / 2**30:.1f} GiB" if value is not None else "?"
