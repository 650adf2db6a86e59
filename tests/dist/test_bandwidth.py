"""nccl-tests' arithmetic: algorithm and bus bandwidth, sizes, the loose floor."""

from __future__ import annotations

import pytest

from torchdoctor.dist.bandwidth import (
    LARGE_BYTES,
    MiB,
    Point,
    algbw,
    below_floor,
    bus_factor,
    busbw,
    format_size,
    iterations_for,
    median,
    message_sizes,
    parse_size,
    point,
)


@pytest.mark.parametrize(("collective", "ranks", "factor"), [
    ("all_reduce", 2, 1.0), ("all_reduce", 4, 1.5), ("all_reduce", 8, 1.75),
    ("all_gather", 8, 0.875), ("reduce_scatter", 4, 0.75), ("broadcast", 8, 1.0),
    ("all_reduce", 1, 0.0),
])
def test_bus_factor_is_nccl_tests(collective: str, ranks: int, factor: float) -> None:
    assert bus_factor(collective, ranks) == pytest.approx(factor)


def test_bus_factor_refuses_what_it_does_not_know() -> None:
    with pytest.raises(ValueError, match="no bus bandwidth factor"):
        bus_factor("all_to_all_v", 4)
    with pytest.raises(ValueError, match="at least one rank"):
        bus_factor("all_reduce", 0)


def test_algbw_and_busbw_of_a_known_figure() -> None:
    # 8×H200 all_reduce of 16 GiB in about 62.6 ms is 274 GB/s algbw, 480 GB/s busbw.
    size = 16 << 30
    assert algbw(size, 0.0626) == pytest.approx(274.44, rel=1e-3)
    assert busbw("all_reduce", size, 0.0626, 8) == pytest.approx(274.44 * 1.75, rel=1e-3)
    assert algbw(size, 0) == 0.0


@pytest.mark.parametrize(("text", "size"), [
    ("256M", 256 * MiB), ("1G", 1 << 30), ("64k", 64 << 10), ("4096", 4096), ("16MiB", 16 * MiB),
    ("0.5G", 512 * MiB), (" 8 MB ", 8 * MiB),
])
def test_parse_size_as_nccl_tests_takes_it(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "M", "3Q", "-1M", "1e9"])
def test_parse_size_refuses_what_is_not_a_size(text: str) -> None:
    with pytest.raises(ValueError, match="not a size"):
        parse_size(text)


def test_format_size() -> None:
    assert [format_size(s) for s in (100, 64 << 10, 256 * MiB, 1 << 30, 1536 * 1024)] == [
        "100 B", "64 KiB", "256 MiB", "1 GiB", "1.5 MiB"]


def test_message_sizes_end_at_the_maximum_and_split_evenly() -> None:
    sizes = message_sizes(256 * MiB, 8)
    assert sizes == (4 * MiB, 16 * MiB, 64 * MiB, 256 * MiB)
    odd = message_sizes(1_000_003, 3)
    assert odd == tuple(sorted(odd))
    assert odd[-1] <= 1_000_003
    assert all(size % (4 * 3) == 0 for size in odd)
    assert message_sizes(16, 8) == ()  # less than one float per rank
    assert message_sizes(64, 8) == (64,)  # a quarter of it would be under a float a rank


def test_median_and_iterations() -> None:
    assert median([3.0, 1.0, 100.0]) == 3.0
    assert iterations_for(1.0, 0.1) == 10
    assert iterations_for(1.0, 10.0) == 3  # never fewer than three
    assert iterations_for(10.0, 0.001) == 20  # nor more than twenty
    assert iterations_for(1.0, 0.0) == 20


def test_point_is_the_mean_over_ranks_with_the_slowest_named() -> None:
    found = point("all_reduce", 256 * MiB, [(0, 0.002), (1, 0.004), (2, 0.0)], 2)
    assert found is not None
    assert found.seconds == pytest.approx(0.003)  # the rank without a time is left out
    assert found.busbw == pytest.approx(256 * MiB / 0.003 / 1e9)
    assert (found.ranks, found.slowest_rank) == (2, 1)
    assert point("all_reduce", 4096, [], 2) is None


def test_only_large_sizes_below_the_floor_are_findings() -> None:
    slow_small = Point("all_reduce", 4 * MiB, 0.1, 0.04, 0.04, 8)
    slow_large = Point("all_reduce", LARGE_BYTES, 1.0, 0.27, 0.47, 8)
    above_spec = Point("all_reduce", 16 << 30, 0.03, 570.0, 998.0, 8)  # NVLS: over the link
    assert below_floor([slow_small, slow_large, above_spec], 1.0) == [slow_large]
    assert below_floor([slow_small, slow_large], None) == []
