"""The control channel over a store: who joined, who finished, what a missing rank was doing.
A dict stands in for the TCP store, and a fake clock for time: nothing here sleeps."""

from __future__ import annotations

from torchdoctor.dist.control import Control
from torchdoctor.dist.model import Absent


class FakeStore:
    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def set(self, key: str, value: str) -> None:
        self.data[key] = value.encode()

    def get(self, key: str) -> bytes:
        return self.data[key]

    def check(self, keys: list[str]) -> bool:
        return all(k in self.data for k in keys)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


def _controls(world: int) -> tuple[FakeStore, Clock, list[Control]]:
    store, clock = FakeStore(), Clock()
    return store, clock, [Control(store, r, world, clock=clock, sleep=clock.sleep)
                          for r in range(world)]


def test_wait_returns_at_once_when_everyone_is_there() -> None:
    _, clock, ranks = _controls(3)
    for control in ranks:
        control.put("facts", {"rank": control.rank})
    assert ranks[0].wait_for("facts", 30.0) == []
    assert clock.slept == 0.0
    assert ranks[2].read("facts", 1) == {"rank": 1}


def test_wait_names_the_missing_ranks_at_its_deadline() -> None:
    _, clock, ranks = _controls(4)
    ranks[0].put("join", {"node": "a", "pid": 1})
    ranks[2].put("join", {"node": "a", "pid": 3})
    assert ranks[0].wait_for("join", 5.0) == [1, 3]
    assert 5.0 <= clock.now < 5.1


def test_a_rank_that_ended_is_not_waited_for() -> None:
    _, clock, ranks = _controls(2)
    ranks[1].put("join", {"node": "here", "pid": 42})
    gone = ranks[0].ended("here", lambda pid: pid != 42)
    assert ranks[0].wait_for("outcome", 60.0, [1], gone) == [1]
    assert clock.now == 0.0
    elsewhere = ranks[0].ended("other-node", lambda pid: False)
    assert ranks[0].wait_for("outcome", 1.0, [1], elsewhere) == [1]
    assert clock.now >= 1.0  # on another node nothing tells that it ended: wait the deadline


def test_absent_ranks_say_how_far_they_got() -> None:
    store, _, ranks = _controls(3)
    ranks[1].put("join", {"node": "here", "pid": 11})
    ranks[1].announce("all_reduce")
    ranks[2].put("join", {"node": "there", "pid": 12})
    store.set(ranks[0].key("phase", 2), "not json {")
    found = ranks[0].absent([0, 1, 2], "here", lambda pid: True)
    assert found == (
        Absent(0, joined=False),
        Absent(1, True, "here", 11, "all_reduce", True),
        Absent(2, True, "there", 12, None, None),  # another node: alive is not known
    )


def test_keys_carry_the_prefix_of_the_attempt() -> None:
    store = FakeStore()
    Control(store, 1, 2, prefix="torchdoctor/dist/3/").announce("barrier")
    assert list(store.data) == ["torchdoctor/dist/3/phase/1"]
