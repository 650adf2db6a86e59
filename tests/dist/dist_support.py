"""Hand-made `dist` runs for the pure tests: ranks, their outcomes, and the run rank 0 judges."""

from __future__ import annotations

import dataclasses
from typing import Any

from torchdoctor.dist.answers import COLLECTIVES
from torchdoctor.dist.bandwidth import MiB, busbw
from torchdoctor.dist.model import (
    OK,
    Absent,
    CollectiveResult,
    DistRun,
    RankFacts,
    RankOutcome,
    RankVerify,
    Settings,
    Timing,
)

H100 = "NVIDIA H100 80GB HBM3"
SIZES = (4 * MiB, 16 * MiB, 64 * MiB, 256 * MiB)


def facts(rank: int, per_node: int = 8, **changes: Any) -> RankFacts:
    """Rank `rank` of an H100 cluster with `per_node` GPUs a node."""
    base = RankFacts(
        rank=rank, local_rank=rank % per_node, node=f"gpu-{rank // per_node:02d}",
        pid=1000 + rank, python="3.12.4", executable="/opt/venv/bin/python",
        torch="2.13.0+cu130", torch_git="cf30153c", cuda="13.0", hip=None, nccl="2.30.7",
        backend="nccl", device=f"cuda:{rank % per_node}", device_name=H100,
        driver="580.105.08", rocm=None, gpu_count=per_node, gpu_models=(H100,) * per_node,
        verify=RankVerify("ok", "2.13.0+cu130 · import 3.1 s · matmul ok on cuda:0"),
        torchdoctor="0.1.0", device_uuid=f"GPU-{rank // per_node:02d}-{rank % per_node}")
    return dataclasses.replace(base, **changes)


def timings(seconds_at_max: float = 0.0014) -> tuple[Timing, ...]:
    """The three timed collectives at four sizes; times scale with the size."""
    return tuple(Timing(collective, size, seconds_at_max * size / SIZES[-1], 10, True)
                 for collective in ("all_reduce", "all_gather", "reduce_scatter")
                 for size in SIZES)


def outcome(rank: int, per_node: int = 8, results: dict[str, CollectiveResult] | None = None,
            timed: tuple[Timing, ...] | None = None, **fact_changes: Any) -> RankOutcome:
    """A rank whose every collective passed, unless `results` says otherwise."""
    chosen = results or {}
    collectives = tuple(chosen.get(name, CollectiveResult(name, OK, 0.0003))
                        for name in COLLECTIVES)
    return RankOutcome(facts(rank, per_node, **fact_changes), collectives,
                       timings() if timed is None else timed)


def run(world: int = 8, per_node: int = 8, outcomes: dict[int, RankOutcome] | None = None,
        absent: tuple[Absent, ...] = (), **settings: Any) -> DistRun:
    """A run of `world` ranks; every rank healthy unless `outcomes` replaces it."""
    chosen = {r: outcome(r, per_node) for r in range(world)
              if r not in {a.rank for a in absent}}
    chosen.update(outcomes or {})
    base = Settings(backend="auto", timeout=60.0, verify=True, bench=True, max_size=256 * MiB,
                    min_busbw=1.0, rendezvous="gpu-00:29500", per_node=per_node)
    return DistRun(world, dataclasses.replace(base, **settings), chosen, absent)


def expected_busbw(world: int = 8) -> float:
    return busbw("all_reduce", SIZES[-1], 0.0014, world)
