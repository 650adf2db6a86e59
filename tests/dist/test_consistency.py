"""The majority and the odd ones out, for ranks and for nodes."""

from __future__ import annotations

from torchdoctor.dist.consistency import split


def test_all_equal_is_no_difference() -> None:
    result = split("torch", {0: "2.13.0+cu130", 1: "2.13.0+cu130"})
    assert (result.majority, result.majority_members, result.differs) == (
        "2.13.0+cu130", (0, 1), False)


def test_the_odd_rank_is_named_against_the_majority() -> None:
    result = split("torch", {0: "2.13.0+cu130", 1: "2.12.0+cu128", 2: "2.13.0+cu130",
                             3: "2.13.0+cu130"})
    assert result.majority == "2.13.0+cu130"
    assert result.odd == (("2.12.0+cu128", (1,)),)


def test_a_tie_blames_nobody_more_than_anybody() -> None:
    result = split("driver", {"gpu-00": "580.105.08", "gpu-01": "570.195.03"})
    assert result.majority is None
    assert {value for value, _ in result.odd} == {"580.105.08", "570.195.03"}


def test_unknown_is_not_a_difference() -> None:
    result = split("driver", {"a": "580.105.08", "b": None, "c": "580.105.08"})
    assert not result.differs
    assert result.majority_members == ("a", "c")
    assert split("driver", {"a": None}).majority is None


def test_several_odd_groups_largest_first() -> None:
    result = split("gpu_count", {f"n{i}": "8" for i in range(5)} | {"x": "7", "y": "6", "z": "6"})
    assert result.majority == "8"
    assert result.odd == (("6", ("y", "z")), ("7", ("x",)))
