"""The collectives themselves, on torch: known-answer checks and the bandwidth timing.

Runs inside a launched rank, with torch already imported (passed in: this module imports no
torch of its own). Every call is asynchronous and waited for with the run's timeout, so a peer
that stops turns into an exception here, never into a hang.
"""

from __future__ import annotations

import contextlib
import re
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from torchdoctor.dist import answers
from torchdoctor.dist.bandwidth import ELEMENT_BYTES, TIMED, iterations_for, median
from torchdoctor.dist.model import FAILED, NOT_RUN, OK, UNSUPPORTED, WRONG, CollectiveResult, Timing

_PATH_PREFIX = re.compile(r"\[(?:[^\]]*[/\\][^\]]*\.(?:cc|cpp|h|hpp|py):\d+|Rank \d+)\]:?\s*")
_NOISE = re.compile(r"\s*(This is typically caused by|Exception raised from|GLHF).*", re.DOTALL)
_UNSUPPORTED = ("not supported", "does not support", "unsupported")
WARM_UP = 2


def short_error(exc: BaseException, limit: int = 300) -> str:
    """The useful part of a c10d error: no source paths, no advice boilerplate, one line."""
    text = _NOISE.sub("", _PATH_PREFIX.sub("", str(exc))).strip()
    text = " ".join(text.split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """torch's deprecation notes (`all_gather_into_tensor` → `all_gather_single`) are not the
    user's business here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@dataclass
class Group:
    """The process group under test and how to reach its device."""

    torch: Any
    dist: Any
    rank: int
    world: int
    device: str  # "cpu", "cuda:1"
    backend: str
    timeout: float

    def sync(self) -> None:
        kind = self.device.split(":")[0]
        module = getattr(self.torch, kind, None) if kind != "cpu" else None
        if module is not None and hasattr(module, "synchronize"):
            module.synchronize()

    def wait(self, work: Any) -> None:
        if work is not None:
            work.wait(timeout=timedelta(seconds=self.timeout))
        self.sync()

    def tensor(self, values: list[float]) -> Any:
        return self.torch.tensor(values, dtype=self.torch.float32, device=self.device)

    def empty(self, count: int) -> Any:
        return self.torch.zeros(count, dtype=self.torch.float32, device=self.device)

    def op(self, *names: str) -> Callable[..., Any]:
        """The first of `names` this torch has (newer names first)."""
        for name in names:
            found = getattr(self.dist, name, None)
            if found is not None:
                return found  # type: ignore[no-any-return]
        raise NotImplementedError(f"this torch has none of {', '.join(names)}")

    # -- one call of each collective, waited for ------------------------------------------------

    def all_reduce(self, x: Any) -> None:
        self.wait(self.dist.all_reduce(x, async_op=True))

    def broadcast(self, x: Any, root: int) -> None:
        self.wait(self.dist.broadcast(x, src=root, async_op=True))

    def all_gather(self, out: Any, x: Any) -> None:
        with quiet():
            gather = self.op("all_gather_single", "all_gather_into_tensor")
            self.wait(gather(out, x, async_op=True))

    def reduce_scatter(self, out: Any, x: Any) -> None:
        with quiet():
            scatter = self.op("reduce_scatter_single", "reduce_scatter_tensor")
            self.wait(scatter(out, x, async_op=True))

    def barrier(self) -> None:
        if self.backend == "gloo":  # names the ranks that did not arrive
            self.dist.monitored_barrier(timeout=timedelta(seconds=self.timeout),
                                        wait_all_ranks=True)
            return
        index = int(self.device.split(":")[1]) if ":" in self.device else None
        kwargs = {"device_ids": [index]} if index is not None else {}
        self.wait(self.dist.barrier(async_op=True, **kwargs))


def check(group: Group, name: str) -> CollectiveResult:
    """One collective with its known answer; any exception becomes the result."""
    started = time.perf_counter()
    try:
        sources = _known_answer(group, name)
    except Exception as exc:  # whatever the collective raised is the finding
        text = short_error(exc)
        unsupported = isinstance(exc, NotImplementedError) or any(
            u in text.lower() for u in _UNSUPPORTED)
        return CollectiveResult(name, UNSUPPORTED if unsupported else FAILED,
                                time.perf_counter() - started, error=text)
    seconds = time.perf_counter() - started
    if sources:
        return CollectiveResult(name, WRONG, seconds, wrong_from=sources)
    return CollectiveResult(name, OK, seconds)


def not_run(name: str, why: str) -> CollectiveResult:
    return CollectiveResult(name, NOT_RUN, error=why)


def _known_answer(g: Group, name: str) -> tuple[int, ...]:
    """Run `name` on its known-answer input; the source ranks whose data came back wrong."""
    rank, world = g.rank, g.world
    if name == "all_reduce":
        x = g.tensor(answers.all_reduce_input(rank, world))
        g.all_reduce(x)
        return answers.wrong_sources(name, x.cpu().tolist(), answers.all_reduce_expected(world),
                                     world)
    if name == "broadcast":
        wrong: set[int] = set()
        for root in sorted({0, world - 1}):
            x = g.tensor(answers.broadcast_input(root, rank))
            g.broadcast(x, root)
            wrong.update(answers.wrong_sources(name, x.cpu().tolist(),
                                               answers.broadcast_expected(root), world, root))
        return tuple(sorted(wrong))
    if name == "all_gather":
        out = g.empty(answers.CHUNK * world)
        g.all_gather(out, g.tensor(answers.all_gather_input(rank)))
        return answers.wrong_sources(name, out.cpu().tolist(), answers.all_gather_expected(world),
                                     world)
    if name == "reduce_scatter":
        out = g.empty(world)
        g.reduce_scatter(out, g.tensor(answers.reduce_scatter_input(rank, world)))
        return answers.wrong_sources(name, out.cpu().tolist(),
                                     answers.reduce_scatter_expected(rank, world), world)
    g.barrier()
    return ()


# -- bandwidth ------------------------------------------------------------------------------

def _buffers(g: Group, collective: str, size: int) -> tuple[Any, Any]:
    """(input, output) of `collective` at `size` bytes (nccl-tests' S: the whole array)."""
    count = size // ELEMENT_BYTES
    share = count // g.world
    if collective == "all_reduce":
        x = g.empty(count)
        return x, x
    if collective == "all_gather":
        return g.empty(share), g.empty(count)
    return g.empty(count), g.empty(share)


def _call(g: Group, collective: str, x: Any, out: Any) -> float:
    g.sync()
    started = time.perf_counter()
    if collective == "all_reduce":
        g.all_reduce(x)
    elif collective == "all_gather":
        g.all_gather(out, x)
    else:
        g.reduce_scatter(out, x)
    return time.perf_counter() - started


def _agree(g: Group, seconds: float) -> float:
    """The slowest rank's figure, so every rank runs the same number of iterations."""
    value = g.tensor([seconds])
    g.wait(g.dist.all_reduce(value, op=g.dist.ReduceOp.MAX, async_op=True))
    return float(value.cpu().item())


def _correct(g: Group, collective: str, x: Any, out: Any) -> bool:
    """Fill the input with rank + 1, run once more, and compare with the known value."""
    x.fill_(float(g.rank + 1))
    _call(g, collective, x, out)
    values = out.cpu()
    if collective == "all_gather":
        share = values.numel() // g.world
        expected = g.torch.arange(1, g.world + 1, dtype=values.dtype).repeat_interleave(share)
        return bool(g.torch.equal(values, expected))
    return bool((values == answers.expected_sum(g.world)).all().item())


def time_sizes(g: Group, sizes: tuple[int, ...], budget_s: float,
               announce: Callable[[str], None],
               collectives: tuple[str, ...] = TIMED) -> list[Timing]:
    """Each timed collective at each size: warm-up, an agreed number of iterations, the
    median, and the result of one more call checked against its known value."""
    share = budget_s / max(1, len(collectives) * len(sizes))
    timings = []
    for collective in collectives:
        announce(f"bandwidth: {collective}")
        for size in sizes:
            x, out = _buffers(g, collective, size)
            first = [_call(g, collective, x, out) for _ in range(WARM_UP)]
            iterations = iterations_for(share, _agree(g, first[-1]))
            times = [_call(g, collective, x, out) for _ in range(iterations)]
            correct = _correct(g, collective, x, out)
            timings.append(Timing(collective, size, median(times), iterations, correct))
            del x, out
    return timings
