"""The collectives on real torch, in one process with a group of one (gloo): each known answer
comes back right, what the backend lacks is "unsupported", and c10d's errors are shortened."""

from __future__ import annotations

import subprocess
import sys

import pytest

from torchdoctor.dist.ops import short_error

SCRIPT = """
import datetime, json
import torch, torch.distributed as dist
from torchdoctor.dist import ops
store = dist.HashStore()
dist.init_process_group("gloo", store=store, rank=0, world_size=1,
                        timeout=datetime.timedelta(seconds=10))
group = ops.Group(torch, dist, 0, 1, "cpu", "gloo", 10.0)
found = {name: ops.check(group, name).status
         for name in ("all_reduce", "broadcast", "all_gather", "reduce_scatter", "barrier")}
def missing(*names):
    raise NotImplementedError("this torch has none of " + ", ".join(names))
group.op = missing
found["lacking"] = ops.check(group, "all_gather").status
timings = ops.time_sizes(ops.Group(torch, dist, 0, 1, "cpu", "gloo", 10.0), (4096, 65536), 0.2,
                         lambda step: None, ("all_reduce", "all_gather"))
found["timed"] = [(t.collective, t.size_bytes, t.correct, t.iterations >= 3) for t in timings]
print(json.dumps(found))
"""


def test_known_answers_on_a_group_of_one() -> None:
    pytest.importorskip("torch.distributed", reason="needs torch with torch.distributed")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = __import__("json").loads(proc.stdout.strip().splitlines()[-1])
    assert {k: v for k, v in found.items() if k != "timed"} == {
        "all_reduce": "ok", "broadcast": "ok", "all_gather": "ok", "reduce_scatter": "ok",
        "barrier": "ok", "lacking": "unsupported"}
    assert found["timed"] == [["all_reduce", 4096, True, True], ["all_reduce", 65536, True, True],
                              ["all_gather", 4096, True, True], ["all_gather", 65536, True, True]]


@pytest.mark.parametrize(("raw", "short"), [
    ("[/__w/pytorch/pytorch/third_party/gloo/gloo/transport/tcp/pair.cc:537] Read error "
     "[127.0.0.1]:7307: Connection reset by peer. This is typically caused by a remote worker "
     "hanging or bugs in the application. GLHF!", "Read error [127.0.0.1]:7307: Connection reset "
                                                  "by peer."),
    ("[Rank 0]: Ranks 1 failed to pass monitoredBarrier in 3000 ms",
     "Ranks 1 failed to pass monitoredBarrier in 3000 ms"),
    ("NCCL error in: ProcessGroupNCCL.cpp:1970, unhandled system error\nException raised from "
     "x at y", "NCCL error in: ProcessGroupNCCL.cpp:1970, unhandled system error"),
    ("", "RuntimeError"),
])
def test_short_error(raw: str, short: str) -> None:
    assert short_error(RuntimeError(raw)) == short


def test_short_error_is_clipped() -> None:
    assert len(short_error(RuntimeError("x" * 1000))) == 300
