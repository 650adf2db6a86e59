"""Bandwidth as nccl-tests reports it (its doc/PERFORMANCE.md):

    algbw = S / t                 (bytes per second, GB = 1e9 bytes)
    busbw = algbw × factor        all_reduce 2(n−1)/n · all_gather, reduce_scatter (n−1)/n ·
                                  broadcast 1

S is the size of the whole array: for all_gather and reduce_scatter the gathered output or the
scattered input (every rank's share together), as in nccl-tests. busbw is comparable with the
unidirectional bandwidth of the slowest link; with in-switch reduction (NVLS, SHARP) it can exceed
the link's figure, so only a loose minimum at large sizes is ever judged.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GB = 1e9
MiB = 1 << 20
# The collectives timed, in the order they run and are shown.
TIMED = ("all_reduce", "all_gather", "reduce_scatter")
ELEMENT_BYTES = 4  # float32
# Sizes at or above this are "large": where a floor on busbw means something (below it, latency
# dominates and the figure says little about the links).
LARGE_BYTES = 256 * MiB
SIZE_RANGE = (4 << 10, 16 << 30)  # what --max-size accepts: 4 KiB to 16 GiB
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMG]?)(?:I?B)?", re.IGNORECASE)


def bus_factor(collective: str, ranks: int) -> float:
    """nccl-tests' factor from algorithm to bus bandwidth for `ranks` participants."""
    if ranks < 1:
        raise ValueError("a collective needs at least one rank")
    if collective == "all_reduce":
        return 2 * (ranks - 1) / ranks
    if collective in ("all_gather", "reduce_scatter"):
        return (ranks - 1) / ranks
    if collective == "broadcast":
        return 1.0
    raise ValueError(f"no bus bandwidth factor for {collective!r}")


def algbw(size_bytes: int, seconds: float) -> float:
    """Algorithm bandwidth in GB/s (1e9 bytes per second)."""
    return size_bytes / seconds / GB if seconds > 0 else 0.0


def busbw(collective: str, size_bytes: int, seconds: float, ranks: int) -> float:
    """Bus bandwidth in GB/s."""
    return algbw(size_bytes, seconds) * bus_factor(collective, ranks)


def parse_size(text: str) -> int:
    """Bytes of a size as nccl-tests' -e takes it: `256M`, `1G`, `64K`, `4096` (K/M/G are
    powers of 1024; a trailing B or iB is allowed). ValueError when it is not one."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a size: {text!r} (a number with K, M or G, e.g. 256M)")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def format_size(size_bytes: int) -> str:
    """`256 MiB`, `64 KiB`, `1 GiB`, `100 B`: the largest binary unit that divides evenly,
    else one decimal."""
    for unit, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if size_bytes >= unit:
            value = size_bytes / unit
            return f"{value:g} {name}" if value == int(value) else f"{value:.1f} {name}"
    return f"{size_bytes} B"


def message_sizes(max_bytes: int, ranks: int, count: int = 4, step: int = 4) -> tuple[int, ...]:
    """Up to `count` sizes ending at `max_bytes`, each `step` times the one before, every one a
    whole number of float32 elements per rank (so all_gather and reduce_scatter split it evenly);
    sizes that would round to nothing are left out."""
    unit = ELEMENT_BYTES * max(ranks, 1)
    sizes: list[int] = []
    size = max_bytes
    for _ in range(count):
        rounded = size // unit * unit
        if rounded < unit or (sizes and rounded >= sizes[-1]):
            break
        sizes.append(rounded)
        size //= step
    return tuple(reversed(sizes))


def median(values: Iterable[float]) -> float:
    """The median of the timed iterations (a busy machine slows some runs: the median keeps
    one slow run from moving the figure)."""
    return statistics.median(list(values))


def iterations_for(budget_s: float, seconds_per_op: float, low: int = 3, high: int = 20) -> int:
    """How many timed iterations fit `budget_s` at `seconds_per_op`, from `low` to `high`."""
    if seconds_per_op <= 0:
        return high
    return int(min(high, max(low, int(budget_s / seconds_per_op + 1e-9))))


@dataclass(frozen=True)
class Point:
    """One collective at one size, over all ranks: the mean of the ranks' median times (each
    rank times its own calls, as nccl-tests averages over ranks), and the bandwidths of it."""

    collective: str
    size_bytes: int
    seconds: float
    algbw: float  # GB/s
    busbw: float  # GB/s
    ranks: int  # how many ranks' times went into it
    slowest_rank: int | None = None  # the rank with the longest median, when several timed


def point(collective: str, size_bytes: int, times: Sequence[tuple[int, float]],
          world: int) -> Point | None:
    """The point of `collective` at `size_bytes` from (rank, median seconds) pairs; None
    without times."""
    valid = [(rank, t) for rank, t in times if t > 0]
    if not valid:
        return None
    mean = sum(t for _, t in valid) / len(valid)
    slowest = max(valid, key=lambda item: item[1])[0] if len(valid) > 1 else None
    return Point(collective, size_bytes, mean, algbw(size_bytes, mean),
                 busbw(collective, size_bytes, mean, world), len(valid), slowest)


def below_floor(points: Iterable[Point], floor_gbps: float | None,
                min_bytes: int = LARGE_BYTES) -> list[Point]:
    """The large-size points whose bus bandwidth is under `floor_gbps` (none without a floor).
    A figure above any link's specification is never a finding: in-switch reduction does that."""
    if floor_gbps is None:
        return []
    return [p for p in points if p.size_bytes >= min_bytes and p.busbw < floor_gbps]
