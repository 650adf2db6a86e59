"""The rendezvous store as the control channel of a run.

torch.distributed's own collectives are what `dist` tests, so they cannot also carry the run:
a rank that hangs in one would take the report with it. The TCP store every env:// launch
already has (torchrun's agent hosts it; otherwise rank 0 does) carries it instead, under one
key prefix per launch attempt:

    join/R      rank R reached the store: {"node", "pid"}
    phase/R     the step rank R is in ("verifying", "all_reduce", "bandwidth", ...)
    facts/R     rank R's facts, once its own verification is done
    outcome/R   rank R's outcome, at its end
    report/0    rank 0 printed the report (its value: the exit code)

Waiting polls with `check`, which never blocks, so every wait ends at its deadline and says
exactly which ranks were missing. Works with any object that has the store's set/get/check.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from torchdoctor.dist.model import Absent

POLL_S = 0.05


class Store(Protocol):
    """What the control channel needs of a c10d store (TCPStore, PrefixStore, a test's dict)."""

    def set(self, key: str, value: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def check(self, keys: list[str]) -> bool: ...


class Control:
    """One rank's view of the control channel."""

    def __init__(self, store: Store, rank: int, world: int, prefix: str = "torchdoctor/dist/",
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.store = store
        self.rank = rank
        self.world = world
        self.prefix = prefix
        self.clock = clock
        self.sleep = sleep

    def key(self, kind: str, rank: int) -> str:
        return f"{self.prefix}{kind}/{rank}"

    def put(self, kind: str, data: Any) -> None:
        """Publish this rank's `kind` (a JSON value)."""
        self.store.set(self.key(kind, self.rank), json.dumps(data))

    def announce(self, phase: str) -> None:
        """Say which step this rank is in, for whoever must explain a rank that stopped."""
        self.put("phase", phase)

    def has(self, kind: str, rank: int) -> bool:
        return bool(self.store.check([self.key(kind, rank)]))

    def read(self, kind: str, rank: int) -> Any:
        """Rank `rank`'s `kind`, or None when it has not published it (or it is not JSON)."""
        if not self.has(kind, rank):
            return None
        raw = self.store.get(self.key(kind, rank))
        try:
            return json.loads(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw)
        except ValueError:
            return None

    def wait_for(self, kind: str, seconds: float, ranks: Iterable[int] | None = None,
                 gone: Callable[[int], bool] | None = None) -> list[int]:
        """Wait until every rank (or `ranks`) published `kind`, at most `seconds`; the ranks
        still missing then (empty when all arrived). A rank `gone` says has ended is not
        waited for any longer."""
        pending = list(range(self.world) if ranks is None else ranks)
        deadline = self.clock() + seconds
        while True:
            pending = [r for r in pending if not self.has(kind, r)]
            if not pending or self.clock() >= deadline:
                return pending
            if gone is not None and all(gone(r) for r in pending):
                return pending
            self.sleep(min(POLL_S, max(0.0, deadline - self.clock())))

    def ended(self, node: str, alive: Callable[[int], bool | None]) -> Callable[[int], bool]:
        """A `gone` test for `wait_for`: the rank ran on `node` (this one) and its process has
        ended. Ranks elsewhere are never known to be gone."""

        def gone(rank: int) -> bool:
            joined = self.read("join", rank)
            if not isinstance(joined, dict) or joined.get("node") != node:
                return False
            pid = joined.get("pid")
            return isinstance(pid, int) and alive(pid) is False

        return gone

    def absent(self, ranks: Iterable[int], node: str,
               alive: Callable[[int], bool | None]) -> tuple[Absent, ...]:
        """What the store tells about ranks that gave no outcome. Whether a process still runs
        is known only for ranks on this node (`alive(pid)`)."""
        found = []
        for rank in sorted(ranks):
            joined = self.read("join", rank)
            if not isinstance(joined, dict):
                found.append(Absent(rank, joined=False))
                continue
            phase = self.read("phase", rank)
            pid = joined.get("pid") if isinstance(joined.get("pid"), int) else None
            where = str(joined.get("node") or "") or None
            living = alive(pid) if pid is not None and where == node else None
            found.append(Absent(rank, True, where, pid, phase if isinstance(phase, str) else None,
                                living))
        return tuple(found)
