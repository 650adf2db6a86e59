"""The values a verification produces: one `StageResult` per stage, gathered in a `VerifyResult`.

Everything here is frozen. `data` holds what the child reported for the stage, as parsed from its
JSON line (documented in docs/verify.md); the runner never invents data the child did not send.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from torchdoctor.report import Problem

# The child's stages, in the order it runs them (the child sends the same list in its hello line).
STAGES = ("import", "build", "devices", "compatibility", "kernels", "companions", "benchmark")
# `--deep` adds these: the correctness stages, torch.compile (its worker ran beside them), then
# the timed stages once the machine is quiet again, and last the one that may poison CUDA.
DEEP_STAGES = ("training", "convolution", "linalg", "autocast", "companion_ops", "nccl",
               "compile", "throughput", "device_errors")
DEEP_ORDER = STAGES[:-1] + DEEP_STAGES[:7] + ("benchmark",) + DEEP_STAGES[7:]


def stage_names(deep: bool) -> tuple[str, ...]:
    """The stages a verification runs, in order."""
    return DEEP_ORDER if deep else STAGES


class StageStatus(str, Enum):
    """How one stage ended."""

    OK = "ok"
    FAILED = "failed"  # it ran and found a problem, raised, crashed or timed out
    SKIPPED = "skipped"  # deliberately not run (--no-bench, nothing to check, torch missing)
    UNKNOWN = "unknown"  # it ran but could not judge (torch.compile without its toolchain)
    NOT_RUN = "not_run"  # the child never reached it (it died or was stopped before)


class Interruption(str, Enum):
    """Why a stage did not finish on its own."""

    TIMEOUT = "timeout"
    CRASH = "crash"  # the process died by a signal (segfault, abort, illegal instruction)
    KILLED = "killed"  # SIGKILL/SIGTERM from outside: out-of-memory killer, an operator
    EXIT = "exit"  # the child exited mid-stage (os._exit or sys.exit from library code)


@dataclass(frozen=True)
class StageResult:
    """One stage: its outcome, how long it took, what it found and, on failure, the exact error."""

    name: str
    status: StageStatus
    duration_s: float | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None  # exception text, or what stopped the stage
    error_type: str | None = None  # exception class name ("OSError")
    reason: str | None = None  # for SKIPPED / NOT_RUN: why
    interruption: Interruption | None = None

    @property
    def ok(self) -> bool:
        """True when the stage ran and found nothing wrong."""
        return self.status is StageStatus.OK

    def to_dict(self) -> dict[str, Any]:
        """The stage in the JSON `verify.stages` list."""
        return {
            "name": self.name,
            "status": self.status.value,
            "duration_s": _round(self.duration_s),
            "error": self.error,
            "error_type": self.error_type,
            "reason": self.reason,
            "interruption": self.interruption.value if self.interruption else None,
            "data": dict(self.data),
        }


@dataclass(frozen=True)
class VerifyResult:
    """A whole verification: the stages in order, how the child ended, and the problems found."""

    python: str  # the target interpreter as given
    device: str  # auto|cpu|cuda|mps|xpu
    stages: tuple[StageResult, ...]
    duration_s: float = 0.0
    returncode: int | None = None
    error: str | None = None  # how the child ended when not normally ("timed out after 120 s")
    timed_out: bool = False  # the runner's whole timeout stopped the child
    signal: str | None = None  # "SIGSEGV" when the child died by a signal
    child: Mapping[str, Any] = field(default_factory=dict)  # the child's hello line
    notes: tuple[str, ...] = ()  # things worth knowing that are not problems
    stderr_tail: str = ""
    problems: tuple[Problem, ...] = ()
    deep: bool = False  # the deep stages were asked for (`--deep`)

    def stage(self, name: str) -> StageResult | None:
        """The result of the stage called `name`, if the runner knows that stage."""
        return next((s for s in self.stages if s.name == name), None)

    def data(self, name: str) -> Mapping[str, Any]:
        """The data of a stage, empty when it has none."""
        found = self.stage(name)
        return found.data if found else {}

    @property
    def torch_version(self) -> str | None:
        """torch.__version__ as the import stage saw it."""
        version = self.data("import").get("version") or self.data("build").get("version")
        return str(version) if version else None

    @property
    def incomplete(self) -> bool:
        """True when a stage was cut short (timeout, crash, kill), never reached, or could not
        judge what it checks."""
        return any(
            s.interruption is not None or s.status in (StageStatus.NOT_RUN, StageStatus.UNKNOWN)
            for s in self.stages
        ) or (self.error is not None and not self.stages)

    @property
    def interrupted_stage(self) -> StageResult | None:
        """The stage that was running when the child stopped, if one was."""
        return next((s for s in self.stages if s.interruption is not None), None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON `verify` member (problems go to the document's flat `problems` list)."""
        return {
            "python": self.python,
            "device": self.device,
            "deep": self.deep,
            "torch_version": self.torch_version,
            "complete": not self.incomplete,
            "duration_s": _round(self.duration_s),
            "returncode": self.returncode,
            "error": self.error,
            "timed_out": self.timed_out,
            "signal": self.signal,
            "child": dict(self.child),
            "notes": list(self.notes),
            "stages": [s.to_dict() for s in self.stages],
            "problem_codes": [p.code for p in self.problems],
            "stderr_tail": self.stderr_tail,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def from_dict(data: Mapping[str, Any]) -> VerifyResult:
    """A `verify` member captured by `check --json` or `verify --json`, read back (the problems
    are not stored there: classify the result again). Unreadable parts become empty values: a
    document from another version must not stop `diagnose`."""
    stages = []
    for item in data.get("stages") or ():
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            continue
        stages.append(StageResult(
            name=item["name"],
            status=_enum(StageStatus, item.get("status"), StageStatus.NOT_RUN),
            duration_s=_number(item.get("duration_s")),
            data=dict(item.get("data") or {}) if isinstance(item.get("data"), Mapping) else {},
            error=_text(item.get("error")),
            error_type=_text(item.get("error_type")),
            reason=_text(item.get("reason")),
            interruption=_enum(Interruption, item.get("interruption"), None),
        ))
    child = data.get("child")
    return VerifyResult(
        python=str(data.get("python") or ""),
        device=str(data.get("device") or "auto"),
        stages=tuple(stages),
        duration_s=_number(data.get("duration_s")) or 0.0,
        returncode=data.get("returncode") if isinstance(data.get("returncode"), int) else None,
        error=_text(data.get("error")),
        timed_out=data.get("timed_out") is True,
        signal=_text(data.get("signal")),
        child=dict(child) if isinstance(child, Mapping) else {},
        notes=tuple(str(n) for n in data.get("notes") or () if isinstance(n, str)),
        stderr_tail=str(data.get("stderr_tail") or ""),
        deep=data.get("deep") is True,
    )


def _enum(kind: Any, value: object, default: Any) -> Any:
    try:
        return kind(value)
    except ValueError:
        return default


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _text(value: object) -> str | None:
    return None if value is None else str(value)
