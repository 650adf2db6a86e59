"""The report: what every report command produces and every renderer reads.

Problems, fixes, check lines, the install plan, and the `Report` that carries them with the typed
facts and verification they came from. Problem codes are stable kebab-case strings documented in
docs/problems.md; `torchdoctor.catalogue` builds every problem. Everything here is a frozen value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torchdoctor.facts import Facts
    from torchdoctor.verify.result import VerifyResult

# The accelerators torchdoctor knows, and what `--expect` accepts: one of them, the CPU, or any
# GPU. (ROCm builds answer through torch.cuda; the verification keeps them apart.)
ACCELERATORS = ("cuda", "rocm", "mps", "xpu")
EXPECT_CHOICES = ("cpu", *ACCELERATORS, "gpu")


class Severity(str, Enum):
    """How bad a problem is: an error fails the run, a warning fails it only under --strict."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class CheckStatus(str, Enum):
    """The box in front of a check line."""

    OK = "ok"  # [✓]
    WARNING = "warning"  # [!]
    ERROR = "error"  # [✗]
    NOT_APPLICABLE = "not_applicable"  # [–]
    UNKNOWN = "unknown"  # [?] could not check (with the reason)


@dataclass(frozen=True)
class FileEdit:
    """A change to one of the user's project files: the lines to replace and the lines to put
    in their place, each ready to paste (docs/problems.md, "Fixes that edit a project file")."""

    path: str
    line: int | None  # 1-based line of the first of `old`; with no `old`: add after this line
    # (None: at the end of the file)
    old: tuple[str, ...]  # the lines as they stand (empty: an addition)
    new: tuple[str, ...]  # what replaces them (empty: they are deleted)


@dataclass(frozen=True)
class Fix:
    """What to do. `commands` holds only commands that are safe to copy and run as they are;
    `edits`, the changes to project files that come first (the commands then apply them)."""

    text: str
    commands: tuple[str, ...] = ()
    edits: tuple[FileEdit, ...] = ()


@dataclass(frozen=True)
class Problem:
    """One diagnosed problem: a stable code, a severity, what is wrong and how to fix it."""

    code: str
    severity: Severity
    title: str
    message: str  # plain language, naming found vs required values
    fix: Fix | None = None
    check: str = ""  # id of the check line it belongs under (e.g. "nvidia", "torch")


@dataclass(frozen=True)
class Check:
    """One line of the report, in display order."""

    id: str  # stable id: "platform", "python", "nvidia", "torch", "verify", ...
    title: str  # "NVIDIA driver"
    status: CheckStatus
    summary: str  # the one line after the title: facts first, judgement second
    details: tuple[str, ...] = ()  # extra lines shown with -v
    reason: str | None = None  # for UNKNOWN: why it could not be checked
    problems: tuple[Problem, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Alternative:
    """Another way to get a working install, with the reason it is not the first choice."""

    label: str  # "Update the driver to 580 or newer, then:" / "Or stay on driver 570 with 2.9.1:"
    command: str
    torch_version: str = ""
    compute: str = ""


@dataclass(frozen=True)
class InstallPlan:
    """The recommended install command for the target machine, and why."""

    command: str
    torch_version: str
    compute: str  # "cpu", "cu126", "rocm7.2", "xpu", "default" (macOS)
    rationale: tuple[str, ...]  # the sentences that led to it
    knowledge_date: str
    index_url: str | None = None
    alternatives: tuple[Alternative, ...] = ()
    replaces_installed: bool = False  # the command uninstalls / force-reinstalls another build
    installed_already: bool = False  # the installed torch is this build: the command is for a
    # new environment only (it would change nothing here)
    # A step that must come first, or a caveat the reader must see beside the command, e.g.
    # "Update the NVIDIA driver to 580 or newer first." Shown with the command, not only with -v.
    prerequisite: str | None = None


class Status(str, Enum):
    """The overall verdict of a report (JSON `status`)."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Report:
    """Everything a renderer needs: checks in display order, the install plan, and the facts and
    verification they were judged from."""

    command: str  # "check", "diagnose", "report", "verify"
    target_python: str
    checks: tuple[Check, ...]
    install: InstallPlan | None
    facts: Facts | None  # None when only the verification ran (`torchdoctor verify`)
    verify: VerifyResult | None = None  # the verification, when it ran
    knowledge_date: str = ""
    knowledge_source: str = ""  # bundled | cache (see torchdoctor.knowledge.loader)
    knowledge_stable: str = ""  # the knowledge's stable release
    expect: str | None = None  # --expect value
    expect_met: bool | None = None  # None when --expect was not given
    strict: bool = False

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every problem, flat, in display order."""
        return tuple(p for check in self.checks for p in check.problems)
