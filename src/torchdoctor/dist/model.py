"""The values ranks exchange through the rendezvous store, and the run rank 0 judges.

Everything is a frozen value with a JSON round trip (`to_dict` / `*_from_dict`): a rank writes
its facts and outcome as one JSON text; rank 0 reads them back, tolerating what another
torchdoctor version may have added or left out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# What a collective check ended as.
OK, WRONG, FAILED, NOT_RUN, UNSUPPORTED = "ok", "wrong", "failed", "not_run", "unsupported"
BACKENDS = ("gloo", "nccl", "xccl")
# Where a rank can stop before the collectives (RankOutcome.error_phase).
BACKEND_PHASE, GROUP_PHASE = "choosing the backend", "creating the process group"


@dataclass(frozen=True)
class ProblemRecord:
    """A problem one rank found (its verification's), as it travels to rank 0."""

    code: str
    severity: str
    message: str
    fix_text: str | None = None
    fix_commands: tuple[str, ...] = ()


@dataclass(frozen=True)
class RankVerify:
    """How the rank's own verification (the `verify` child) went."""

    status: str  # a CheckStatus value: ok, warning, error, unknown
    summary: str
    problems: tuple[ProblemRecord, ...] = ()


@dataclass(frozen=True)
class RankFacts:
    """What one rank is: where it runs, which torch, which device."""

    rank: int
    local_rank: int
    node: str  # the host name
    pid: int
    python: str | None  # "3.11.7"
    executable: str
    torch: str | None  # "2.13.0+cu130"
    torch_git: str | None
    cuda: str | None  # the build's CUDA version
    hip: str | None
    nccl: str | None  # "2.27.7", when the build has NCCL and a GPU is usable
    backend: str
    device: str  # "cpu", "cuda:1", "xpu:0"
    device_name: str | None
    driver: str | None  # the NVIDIA driver this node runs
    rocm: str | None
    gpu_count: int | None  # GPUs the node's driver sees (not only the visible ones)
    gpu_models: tuple[str, ...] = ()
    verify: RankVerify | None = None
    torchdoctor: str = ""
    device_uuid: str | None = None  # tells two ranks on one GPU apart from two GPUs both
    # called cuda:0 (each rank bound to its own GPU by CUDA_VISIBLE_DEVICES)

    @property
    def gpu_model(self) -> str | None:
        """`8 × NVIDIA H100 80GB HBM3`, or a list where the node mixes models."""
        if not self.gpu_models:
            return None
        counts: dict[str, int] = {}
        for name in self.gpu_models:
            counts[name] = counts.get(name, 0) + 1
        return ", ".join(f"{n} × {name}" for name, n in sorted(counts.items()))


@dataclass(frozen=True)
class CollectiveResult:
    """One collective's known-answer check on one rank."""

    name: str
    status: str  # ok | wrong | failed | not_run | unsupported
    seconds: float | None = None
    wrong_from: tuple[int, ...] = ()  # source ranks whose data arrived wrong on this rank
    error: str | None = None


@dataclass(frozen=True)
class Timing:
    """This rank's median time of one collective at one size."""

    collective: str
    size_bytes: int
    seconds: float
    iterations: int
    correct: bool | None = None  # the last result checked against its known value


@dataclass(frozen=True)
class RankOutcome:
    """Everything one rank reports at its end."""

    facts: RankFacts
    collectives: tuple[CollectiveResult, ...] = ()
    timings: tuple[Timing, ...] = ()
    error: str | None = None  # what stopped this rank before the collectives
    error_phase: str | None = None  # where: BACKEND_PHASE or GROUP_PHASE
    bandwidth_note: str | None = None  # why bandwidth was not measured


@dataclass(frozen=True)
class Absent:
    """A rank that gave no outcome: what the store still tells about it."""

    rank: int
    joined: bool  # it reached the rendezvous store
    node: str | None = None
    pid: int | None = None
    phase: str | None = None  # the last step it announced
    alive: bool | None = None  # its process still exists (known on the reporter's node only)


@dataclass(frozen=True)
class Settings:
    """How the run was asked for."""

    backend: str  # as asked: auto, gloo, nccl, xccl
    timeout: float
    verify: bool
    bench: bool
    max_size: int
    min_busbw: float | None
    launcher: str = "torchrun"
    rendezvous: str = ""  # MASTER_ADDR:MASTER_PORT
    per_node: int | None = None  # ranks per node (LOCAL_WORLD_SIZE), when the launcher says


@dataclass(frozen=True)
class DistRun:
    """A finished run as rank 0 saw it."""

    world_size: int
    settings: Settings
    outcomes: Mapping[int, RankOutcome]
    absent: tuple[Absent, ...] = ()
    reporter: int = 0
    skipped: str | None = None  # why the collectives did not run at all

    @property
    def facts(self) -> dict[int, RankFacts]:
        return {rank: o.facts for rank, o in sorted(self.outcomes.items())}

    @property
    def backend(self) -> str:
        """The backend the ranks used (the most common; the asked one when none reported)."""
        used = [o.facts.backend for o in self.outcomes.values()]
        return max(set(used), key=used.count) if used else self.settings.backend


def to_dict(value: Any) -> Any:
    """A dataclass as JSON-ready data (tuples become lists)."""
    return dataclasses.asdict(value)


def _tuple(value: object) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, list | tuple) else ()


def _get(cls: type[Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of `cls` found in `data` (unknown keys are dropped)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def problem_from_dict(data: Mapping[str, Any]) -> ProblemRecord:
    fields = _get(ProblemRecord, data)
    fields["fix_commands"] = tuple(str(c) for c in _tuple(fields.get("fix_commands")))
    return ProblemRecord(**fields)


def facts_from_dict(data: Mapping[str, Any]) -> RankFacts:
    fields = _get(RankFacts, data)
    fields["gpu_models"] = tuple(str(m) for m in _tuple(fields.get("gpu_models")))
    verify = fields.get("verify")
    if isinstance(verify, Mapping):
        problems = tuple(problem_from_dict(p) for p in _tuple(verify.get("problems"))
                         if isinstance(p, Mapping))
        fields["verify"] = RankVerify(str(verify.get("status", "unknown")),
                                      str(verify.get("summary", "")), problems)
    else:
        fields["verify"] = None
    return RankFacts(**fields)


def outcome_from_dict(data: Mapping[str, Any]) -> RankOutcome:
    """A rank's outcome from its JSON data; KeyError/TypeError/ValueError when it is not one."""
    fields = _get(RankOutcome, data)
    fields["facts"] = facts_from_dict(data["facts"])
    fields["collectives"] = tuple(
        CollectiveResult(**{**_get(CollectiveResult, c),
                            "wrong_from": tuple(int(r) for r in _tuple(c.get("wrong_from")))})
        for c in _tuple(data.get("collectives")) if isinstance(c, Mapping))
    fields["timings"] = tuple(Timing(**_get(Timing, t)) for t in _tuple(data.get("timings"))
                              if isinstance(t, Mapping))
    return RankOutcome(**fields)


def timings_of(outcomes: Sequence[RankOutcome], collective: str,
               size: int) -> list[tuple[int, float]]:
    """(rank, median seconds) of every rank that timed `collective` at `size`."""
    return [(o.facts.rank, t.seconds) for o in outcomes for t in o.timings
            if t.collective == collective and t.size_bytes == size]
