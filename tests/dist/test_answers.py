"""The known answers: each collective simulated in plain Python gives the expected values, and a
share that arrives wrong names its source rank."""

from __future__ import annotations

import pytest

from torchdoctor.dist import answers
from torchdoctor.dist.answers import name_ranks, wrong_sources

WORLDS = (1, 2, 3, 4, 8)


def _sum(vectors: list[list[float]]) -> list[float]:
    return [sum(values) for values in zip(*vectors, strict=True)]


@pytest.mark.parametrize("world", WORLDS)
def test_all_reduce_of_the_inputs_is_the_expected_sum(world: int) -> None:
    total = _sum([answers.all_reduce_input(r, world) for r in range(world)])
    assert total == answers.all_reduce_expected(world)
    assert wrong_sources("all_reduce", total, answers.all_reduce_expected(world), world) == ()


@pytest.mark.parametrize("world", [w for w in WORLDS if w > 1])
def test_a_missing_share_names_its_rank(world: int) -> None:
    missing = world - 1
    total = _sum([answers.all_reduce_input(r, world) for r in range(world) if r != missing])
    assert wrong_sources("all_reduce", total, answers.all_reduce_expected(world),
                         world) == (missing,)
    doubled = _sum([answers.all_reduce_input(r, world) for r in (*range(world), 0)])
    assert wrong_sources("all_reduce", doubled, answers.all_reduce_expected(world), world) == (0,)


@pytest.mark.parametrize("world", WORLDS)
def test_reduce_scatter_gives_each_rank_its_chunk(world: int) -> None:
    inputs = [answers.reduce_scatter_input(r, world) for r in range(world)]
    for rank in range(world):
        chunk = _sum([x[rank * world:(rank + 1) * world] for x in inputs])
        assert chunk == answers.reduce_scatter_expected(rank, world)
    if world > 2:
        # Rank 2's contribution lost: only position 2 of every chunk is off.
        chunk = _sum([x[:world] for i, x in enumerate(inputs) if i != 2])
        assert wrong_sources("reduce_scatter", chunk, answers.reduce_scatter_expected(0, world),
                             world) == (2,)


@pytest.mark.parametrize("world", WORLDS)
def test_all_gather_chunks_come_from_their_ranks(world: int) -> None:
    gathered = [v for r in range(world) for v in answers.all_gather_input(r)]
    assert gathered == answers.all_gather_expected(world)
    if world > 1:
        swapped = gathered[answers.CHUNK:2 * answers.CHUNK] + gathered[:answers.CHUNK] \
            + gathered[2 * answers.CHUNK:]
        assert wrong_sources("all_gather", swapped, answers.all_gather_expected(world),
                             world) == (0, 1)


def test_broadcast_names_the_root() -> None:
    assert answers.broadcast_input(3, 3) == answers.broadcast_expected(3)
    assert answers.broadcast_input(3, 0) == [0.0] * answers.CHUNK
    stale = answers.broadcast_input(3, 0)  # the data never arrived
    assert wrong_sources("broadcast", stale, answers.broadcast_expected(3), 4, root=3) == (3,)
    assert answers.broadcast_expected(0) != answers.broadcast_expected(3)


def test_a_result_of_the_wrong_length_names_every_rank() -> None:
    assert wrong_sources("all_reduce", [1.0], answers.all_reduce_expected(3), 3) == (0, 1, 2)


def test_the_timed_all_reduce_value() -> None:
    assert answers.expected_sum(4) == 1 + 2 + 3 + 4


@pytest.mark.parametrize(("ranks", "text"), [
    ([], "no rank"), ([3], "rank 3"), ([4, 1], "ranks 1 and 4"), ([0, 1, 2, 3], "ranks 0–3"),
    ([5, 1, 3], "ranks 1, 3 and 5"), ([2, 2], "rank 2"),
])
def test_name_ranks(ranks: list[int], text: str) -> None:
    assert name_ranks(ranks) == text
