"""Known answers: what each rank puts into a collective, what it must get back, and which
ranks a wrong value names.

Every input is built so that each source rank's share can be told apart in the result: rank s
contributes `s + 1` at position s and nothing elsewhere, so a wrong value at position s says that
rank s's data arrived wrong (missing, doubled, corrupted). All values are small whole numbers,
exact in float32 whatever the order of the reduction.
"""

from __future__ import annotations

from collections.abc import Sequence

# Checked in this order; `barrier` has no data.
COLLECTIVES = ("all_reduce", "broadcast", "all_gather", "reduce_scatter", "barrier")
# Elements each rank sends in broadcast and all_gather.
CHUNK = 8


def all_reduce_input(rank: int, world: int) -> list[float]:
    """Rank r: r + 1 at position r, zeros elsewhere."""
    return [float(rank + 1) if i == rank else 0.0 for i in range(world)]


def all_reduce_expected(world: int) -> list[float]:
    """The sum over all ranks: position s holds s + 1."""
    return [float(i + 1) for i in range(world)]


def broadcast_input(root: int, rank: int) -> list[float]:
    """The root's values (root·100 + i + 1); the other ranks start from zeros."""
    if rank != root:
        return [0.0] * CHUNK
    return broadcast_expected(root)


def broadcast_expected(root: int) -> list[float]:
    """What every rank must hold after the broadcast from `root`."""
    return [float(root * 100 + i + 1) for i in range(CHUNK)]


def all_gather_input(rank: int) -> list[float]:
    """Rank r sends CHUNK copies of r + 1."""
    return [float(rank + 1)] * CHUNK


def all_gather_expected(world: int) -> list[float]:
    """Chunk s of the result holds s + 1."""
    return [float(s + 1) for s in range(world) for _ in range(CHUNK)]


def reduce_scatter_input(rank: int, world: int) -> list[float]:
    """`world` chunks of `world` values: chunk j holds (r + 1)·(j + 1) at position r (this
    rank's) and zeros elsewhere, so position k of every chunk carries rank k's share alone."""
    return [float((k + 1) * (j + 1)) if k == rank else 0.0 for j in range(world)
            for k in range(world)]


def reduce_scatter_expected(rank: int, world: int) -> list[float]:
    """This rank's chunk of the sum: (k + 1)·(rank + 1) at position k."""
    return [float((k + 1) * (rank + 1)) for k in range(world)]


def wrong_sources(collective: str, got: Sequence[float], expected: Sequence[float],
                  world: int, root: int = 0) -> tuple[int, ...]:
    """The source ranks whose share arrived wrong in `got` (empty when it is right). A result
    of the wrong length names every rank: nothing in it can be trusted."""
    if len(got) != len(expected):
        return tuple(range(world)) if collective != "broadcast" else (root,)
    bad = [i for i, (a, b) in enumerate(zip(got, expected, strict=True)) if a != b]
    if not bad:
        return ()
    if collective in ("all_reduce", "reduce_scatter"):
        # Position k carries rank k's share alone.
        return tuple(sorted({i % world for i in bad}))
    if collective == "all_gather":
        return tuple(sorted({i // CHUNK for i in bad}))
    return (root,)  # broadcast: the data came from the root


def expected_sum(world: int) -> float:
    """The value of every element of the timed all_reduce, where rank r fills its buffer with
    r + 1 (checked after the last timed call, as nccl-tests checks its results)."""
    return world * (world + 1) / 2


def name_ranks(ranks: Sequence[int]) -> str:
    """`rank 3`, `ranks 1 and 4`, `ranks 0–7`, `ranks 1, 3 and 5`."""
    ordered = sorted(set(ranks))
    if not ordered:
        return "no rank"
    if len(ordered) == 1:
        return f"rank {ordered[0]}"
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"ranks {ordered[0]}–{ordered[-1]}"
    return "ranks " + ", ".join(str(r) for r in ordered[:-1]) + f" and {ordered[-1]}"
