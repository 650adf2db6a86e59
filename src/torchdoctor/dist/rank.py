"""What runs inside each launched process: `python -m torchdoctor dist` under torchrun.

torch is imported here, lazily, in the interpreter the launcher started (the target). One rank:

1. connects to the launch's rendezvous store (the control channel, see `control`) and says so;
2. learns its facts: torch build, backend and device, the node's driver and GPUs; and runs the
   same verification as `torchdoctor verify`, in a child process, on its device kind (a crash
   or a hang there is a finding of this rank, not the end of it);
3. when every rank has joined and told its facts, creates the process group and checks each
   collective against its known answer, then times the bandwidth;
4. publishes its outcome. Rank 0 gathers the outcomes, names the ranks that gave none, hands
   the run to `emit` (which prints the report) and publishes the exit code; the other ranks
   wait for that and end quietly.

Every wait has a deadline; a watchdog ends a rank whose native call outlives its timeout.
"""

from __future__ import annotations

import contextlib
import faulthandler
import inspect
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from torchdoctor import __version__
from torchdoctor.dist import ops
from torchdoctor.dist.answers import COLLECTIVES, name_ranks
from torchdoctor.dist.bandwidth import TIMED, MiB, message_sizes
from torchdoctor.dist.control import Control
from torchdoctor.dist.launch import Launch
from torchdoctor.dist.model import (
    BACKEND_PHASE,
    FAILED,
    GROUP_PHASE,
    OK,
    WRONG,
    DistRun,
    ProblemRecord,
    RankFacts,
    RankOutcome,
    RankVerify,
    Settings,
    outcome_from_dict,
    to_dict,
)
from torchdoctor.host import Host
from torchdoctor.probes import amd, nvidia
from torchdoctor.verify.outcome import to_check
from torchdoctor.verify.runner import run_verify

Say = Callable[[str], None]
Emit = Callable[[DistRun], int]
DEFAULT_MAX = {"gloo": 16 * MiB, "nccl": 256 * MiB, "xccl": 256 * MiB}
DEFAULT_FLOOR = {"nccl": 1.0, "xccl": 1.0}  # GB/s busbw at 256 MiB and above; gloo: not judged
GRACE_S = 10.0  # how long past its own timeout a native call may take before the watchdog acts
# Set for the run unless the user set them: a collective that times out raises in the caller
# (blocking wait) and aborts the communicator without tearing the process down (2), so the rank
# can still report.
NCCL_ENV = {"TORCH_NCCL_BLOCKING_WAIT": "1", "TORCH_NCCL_ASYNC_ERROR_HANDLING": "2"}


@dataclass(frozen=True)
class Options:
    """What the command line asked for."""

    backend: str = "auto"  # auto | gloo | nccl | xccl
    timeout: float = 60.0
    verify: bool = True
    verify_timeout: float = 120.0
    bench: bool = True
    bench_seconds: float = 3.0
    max_size: int | None = None  # None: the backend's default
    min_busbw: float | None = None  # None: the backend's default
    verbose: int = 0


class Watchdog:
    """Ends this rank when a step outlives its budget: the timeouts given to torch bound every
    call, so this only fires when native code ignores them. faulthandler is the backstop for
    code that holds the GIL."""

    def __init__(self, rank: int, say: Say) -> None:
        self._rank, self._say = rank, say
        self._lock = threading.Lock()
        self._step, self._deadline = "", 0.0
        threading.Thread(target=self._loop, daemon=True, name="torchdoctor-dist-watchdog").start()

    def arm(self, step: str, budget: float) -> None:
        with self._lock:
            self._step, self._deadline = step, time.monotonic() + budget
        faulthandler.dump_traceback_later(budget + GRACE_S, exit=True)

    def disarm(self) -> None:
        faulthandler.cancel_dump_traceback_later()
        with self._lock:
            self._step = ""

    def _loop(self) -> None:
        while True:
            time.sleep(0.1)
            with self._lock:
                if not self._step or time.monotonic() < self._deadline:
                    continue
                step = self._step
            self._say(f"torchdoctor: dist: rank {self._rank}: {step} did not return in time; "
                      "stopping this rank")
            _leave(1)


def _leave(code: int) -> None:
    """End the process now: a communicator that lost a peer can hang in its destructor."""
    from torchdoctor import children

    children.kill_all()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def execute(host: Host, launch: Launch, options: Options, say: Say, emit: Emit,
            progress: Say | None = None) -> int:
    """Run this rank; rank 0 calls `emit` with the finished run. The exit code of this rank.
    `progress` (rank 0, a person watching) hears what the run is waiting for."""
    try:
        import torch
        import torch.distributed as dist
    except Exception as exc:  # an unusable torch: nothing here can reach the others
        say(f"torchdoctor: dist: rank {launch.rank}: import torch failed: {ops.short_error(exc)}")
        return 1
    if not dist.is_available():
        say(f"torchdoctor: dist: rank {launch.rank}: this torch has no torch.distributed")
        return 1
    watchdog = Watchdog(launch.rank, say)
    watchdog.arm("the rendezvous", options.timeout)
    try:
        store = _connect(dist, launch, options.timeout)
    except Exception as exc:  # no store, no run: this rank says why on its own
        watchdog.disarm()
        say(f"torchdoctor: dist: rank {launch.rank}: cannot reach the rendezvous store at "
            f"{launch.rendezvous} within {options.timeout:g} s: {ops.short_error(exc)}")
        return 1
    watchdog.disarm()
    control = Control(store, launch.rank, launch.world_size,
                      prefix=f"torchdoctor/dist/{launch.restart}/")
    rank = _Rank(torch, dist, host, launch, options, control, watchdog, say)
    if progress is not None and launch.rank == 0:
        rank.progress = progress
    store_errors = tuple(getattr(dist, name) for name in ("DistStoreError", "DistNetworkError")
                         if hasattr(dist, name)) or (RuntimeError,)
    try:
        return rank.run(emit)
    except (*store_errors, ConnectionError) as exc:  # the store went away mid-run
        say(f"torchdoctor: dist: rank {launch.rank}: the rendezvous store at "
            f"{launch.rendezvous} stopped answering: {ops.short_error(exc)}")
        return 1


def _connect(dist: Any, launch: Launch, timeout: float) -> Any:
    store, _, _ = next(dist.rendezvous("env://", launch.rank, launch.world_size,
                                       timeout=timedelta(seconds=timeout)))
    return store


class _Rank:
    def __init__(self, torch: Any, dist: Any, host: Host, launch: Launch, options: Options,
                 control: Control, watchdog: Watchdog, say: Say) -> None:
        self.torch, self.dist, self.host = torch, dist, host
        self.launch, self.options, self.control = launch, options, control
        self.watchdog, self.say = watchdog, say
        self.node = socket.gethostname()
        self.broken = False  # a collective failed: the group may not tear down cleanly
        self.progress: Say = lambda _message: None
        self.device_error: str | None = None  # the rank's device could not be set up

    def run(self, emit: Emit) -> int:
        launch, options, control = self.launch, self.options, self.control
        control.put("join", {"node": self.node, "pid": os.getpid()})
        control.announce("its verification" if options.verify else "its start")
        gathering = _Background(self.facts)
        self.progress(f"dist: waiting for {launch.world_size} ranks to join"
                      + (", each verifying its torch" if options.verify else ""))
        missing = control.wait_for("join", options.timeout)
        facts = gathering.result()
        control.put("facts", to_dict(facts))
        control.announce("the wait for the other ranks")
        skipped = None
        if missing:
            skipped = f"{name_ranks(missing)} never joined"
        else:
            budget = options.timeout + (options.verify_timeout if options.verify else 0.0)
            late = control.wait_for("facts", budget)
            if late:
                skipped = f"{name_ranks(late)} did not finish starting"
        if not skipped:
            self.progress("dist: collectives with known answers, then bandwidth")
        outcome = RankOutcome(facts) if skipped else self.test(facts)
        control.put("outcome", to_dict(outcome))
        control.announce("finished")
        code = (self.report(emit, skipped, missing) if launch.rank == 0
                else self.wait_report(outcome))
        if self.broken and facts.backend != "gloo":
            _leave(code)
        with contextlib.suppress(Exception):
            if self.dist.is_initialized():
                self.dist.destroy_process_group()
        return code

    # -- facts ------------------------------------------------------------------------------

    def facts(self) -> RankFacts:
        """This rank's facts, then its verification (in a child process). One thread does all
        of it, in the background of the rendezvous: lazy imports never race."""
        torch, launch = self.torch, self.launch
        try:
            backend, device, name, uuid = self.choose_device()
        except Exception as exc:  # CUDA that cannot initialise: the verification says why
            self.device_error = ops.short_error(exc)
            forced = self.options.backend
            backend, device, name, uuid = (forced if forced != "auto" else "nccl"), "cpu", None, None
        driver, rocm, count, models = self.node_facts()
        version = getattr(torch, "version", None)
        verify = self.verify(device.split(":")[0]) if self.options.verify else None
        return RankFacts(
            rank=launch.rank, local_rank=launch.local_rank, node=self.node, pid=os.getpid(),
            python=".".join(str(v) for v in sys.version_info[:3]), executable=sys.executable,
            torch=str(torch.__version__), torch_git=_text(getattr(version, "git_version", None)),
            cuda=_text(getattr(version, "cuda", None)), hip=_text(getattr(version, "hip", None)),
            nccl=self.nccl_version(), backend=backend, device=device, device_name=name,
            driver=driver, rocm=rocm, gpu_count=count, gpu_models=models, verify=verify,
            torchdoctor=__version__, device_uuid=uuid)

    def choose_device(self) -> tuple[str, str, str | None, str | None]:
        """(backend, device, device name, device UUID): the backend follows the device unless
        forced."""
        torch, dist, local = self.torch, self.dist, self.launch.local_rank
        cuda = torch.cuda.is_available() and torch.cuda.device_count() > 0
        xpu_module: Any = getattr(torch, "xpu", None)
        xpu = xpu_module is not None and xpu_module.is_available()
        backend = self.options.backend
        if backend == "auto":
            xccl = getattr(dist, "is_xccl_available", lambda: False)()
            backend = ("nccl" if cuda and dist.is_nccl_available()
                       else "xccl" if xpu and xccl else "gloo")
        if backend == "nccl" and cuda:
            index = local % torch.cuda.device_count()
            uuid = getattr(torch.cuda.get_device_properties(index), "uuid", None)
            return (backend, f"cuda:{index}", str(torch.cuda.get_device_name(index)),
                    str(uuid) if uuid is not None else None)
        if backend == "xccl" and xpu:
            index = local % xpu_module.device_count()
            return backend, f"xpu:{index}", str(xpu_module.get_device_name(index)), None
        return backend, "cpu", None, None

    def nccl_version(self) -> str | None:
        with contextlib.suppress(Exception):
            if self.torch.cuda.is_available() and self.dist.is_nccl_available():
                found = self.torch.cuda.nccl.version()
                if isinstance(found, tuple):
                    return ".".join(str(v) for v in found)
                code = int(found)  # before 2.0: one number, 2708 or 21903
                major = code // 10000 if code >= 10000 else code // 1000
                minor = (code % 10000) // 100 if code >= 10000 else (code % 1000) // 100
                return f"{major}.{minor}.{code % 100}"
        return None

    def node_facts(self) -> tuple[str | None, str | None, int | None, tuple[str, ...]]:
        """(NVIDIA driver, ROCm version, GPU count, GPU names) of this node, as the driver sees
        them (not only the GPUs this rank is allowed to see)."""
        budget = min(10.0, self.options.timeout)
        try:
            gpus = nvidia.probe(self.host, budget)
            rocm = amd.probe(self.host, budget)
        except Exception:  # a probe's bug must not stop the run: the facts stay unknown
            return None, None, None, ()
        names = tuple(g.name for g in gpus.gpus or ())
        names += tuple(g.name or g.gfx for g in rocm.gpus or ())
        count: int | None = len(names)
        if gpus.status == "unknown" or (rocm.status == "unknown" and not names):
            count = None
        return gpus.driver_version, rocm.rocm_version, count, names

    def verify(self, kind: str) -> RankVerify:
        """`torchdoctor verify` on this rank's kind of device, in its own child process."""
        device = {"cuda": "cuda", "xpu": "xpu"}.get(kind, "cpu")
        result = run_verify(self.host, sys.executable, device=device, bench=False,
                            timeout=self.options.verify_timeout)
        line = to_check(result)
        problems = tuple(ProblemRecord(p.code, p.severity.value, p.message,
                                       p.fix.text if p.fix else None,
                                       p.fix.commands if p.fix else ())
                         for p in result.problems)
        return RankVerify(line.status.value, line.summary, problems)

    # -- the collectives -------------------------------------------------------------------------

    def test(self, facts: RankFacts) -> RankOutcome:
        """Create the group, check each collective, time the bandwidth."""
        options, launch = self.options, self.launch
        if self.device_error:
            return RankOutcome(facts, error=f"its device: {self.device_error}",
                               error_phase=BACKEND_PHASE)
        error, phase = self.init_group(facts)
        if error:
            return RankOutcome(facts, error=error, error_phase=phase)
        group = ops.Group(self.torch, self.dist, launch.rank, launch.world_size, facts.device,
                          facts.backend, options.timeout)
        results = []
        for name in COLLECTIVES:
            if self.broken:
                results.append(ops.not_run(name, "an earlier collective failed"))
                continue
            self.control.announce(name)
            self.watchdog.arm(name, options.timeout * (2 if name == "broadcast" else 1) + GRACE_S)
            result = ops.check(group, name)
            self.watchdog.disarm()
            self.broken = result.status == "failed"
            results.append(result)
        timings, note = self.bandwidth(group, facts, results)
        return RankOutcome(facts, tuple(results), tuple(timings), bandwidth_note=note)

    def init_group(self, facts: RankFacts) -> tuple[str | None, str | None]:
        """(error, phase) of creating the process group; (None, None) when it worked."""
        torch, dist, backend = self.torch, self.dist, facts.backend
        available = {"gloo": dist.is_gloo_available, "nccl": dist.is_nccl_available,
                     "xccl": getattr(dist, "is_xccl_available", lambda: False)}
        if not available[backend]():
            return (f"the {backend} backend is not available in torch {facts.torch}",
                    BACKEND_PHASE)
        if backend != "gloo" and facts.device == "cpu":
            return f"{backend} needs a GPU, and torch sees none on this rank", BACKEND_PHASE
        kwargs: dict[str, Any] = {}
        if backend == "nccl":
            for name, value in NCCL_ENV.items():
                os.environ.setdefault(name, value)
            torch.cuda.set_device(facts.device)
            if "device_id" in inspect.signature(dist.init_process_group).parameters:
                kwargs["device_id"] = torch.device(facts.device)  # the communicator starts now
        self.control.announce(GROUP_PHASE)
        self.watchdog.arm("creating the process group", self.options.timeout + GRACE_S)
        try:
            prefix = f"torchdoctor/pg/{self.launch.restart}"
            dist.init_process_group(backend, store=dist.PrefixStore(prefix, self.control.store),
                                    rank=self.launch.rank, world_size=self.launch.world_size,
                                    timeout=timedelta(seconds=self.options.timeout), **kwargs)
        except Exception as exc:  # NCCL init errors, unreachable peers
            self.broken = True
            return ops.short_error(exc), GROUP_PHASE
        finally:
            self.watchdog.disarm()
        return None, None

    def bandwidth(self, group: ops.Group, facts: RankFacts,
                  results: list[Any]) -> tuple[list[Any], str | None]:
        options, world = self.options, self.launch.world_size
        if not options.bench:
            return [], "not measured (--no-bench)"
        if world < 2:
            return [], "one rank"
        if any(r.status in (FAILED, WRONG) for r in results):
            return [], "not measured: a collective did not pass"
        # What the backend does not support is not timed either.
        timed = tuple(c for c in TIMED if any(r.name == c and r.status == OK for r in results))
        max_size = options.max_size or DEFAULT_MAX.get(facts.backend, 16 * MiB)
        sizes = message_sizes(max_size, world)
        # A backstop only: every call is bounded by --timeout, and at most 7 calls are made per
        # collective and size (2 warm-up, at least 3 timed, 1 to agree, 1 to check).
        budget = options.bench_seconds + options.timeout * 7 * len(sizes) * 3
        self.watchdog.arm("the bandwidth measurement", budget + GRACE_S)
        try:
            return ops.time_sizes(group, sizes, options.bench_seconds, self.control.announce,
                                  timed), None
        except Exception as exc:  # a timeout, a lost peer, out of memory at the largest size
            self.broken = True
            return [], f"the bandwidth measurement failed: {ops.short_error(exc)}"
        finally:
            self.watchdog.disarm()

    # -- the end ----------------------------------------------------------------------------------

    def settings(self, backend: str) -> Settings:
        o = self.options
        floor = o.min_busbw if o.min_busbw is not None else DEFAULT_FLOOR.get(backend)
        return Settings(backend=o.backend, timeout=o.timeout, verify=o.verify, bench=o.bench,
                        max_size=o.max_size or DEFAULT_MAX.get(backend, 16 * MiB),
                        min_busbw=floor, launcher=self.launch.launcher,
                        rendezvous=self.launch.rendezvous,
                        per_node=self.launch.local_world_size)

    def report(self, emit: Emit, skipped: str | None, never: list[int]) -> int:
        control, world = self.control, self.launch.world_size
        waiting = [r for r in range(world) if r not in never]  # a rank that never joined
        missing = control.wait_for("outcome", self.options.timeout, waiting,
                                   control.ended(self.node, _alive)) + never
        outcomes = {}
        for rank in range(world):
            if rank in missing:
                continue
            with contextlib.suppress(KeyError, TypeError, ValueError):
                outcomes[rank] = outcome_from_dict(control.read("outcome", rank))
        unreadable = [r for r in range(world) if r not in missing and r not in outcomes]
        absent = control.absent([*missing, *unreadable], self.node, _alive)
        backend = outcomes[0].facts.backend if 0 in outcomes else self.options.backend
        code = emit(DistRun(world, self.settings(backend), outcomes, absent, skipped=skipped))
        control.put("report", code)
        return code

    def wait_report(self, outcome: RankOutcome) -> int:
        if self.options.verbose:
            self.say(f"torchdoctor: dist: rank {self.launch.rank} ({self.node}, "
                     f"{outcome.facts.device}): " + _own_line(outcome))
        budget = 2 * self.options.timeout + GRACE_S
        if not self.control.wait_for("report", budget, ranks=[0]):
            return 0
        phase = self.control.read("phase", 0)
        self.say(f"torchdoctor: dist: rank {self.launch.rank}: rank 0 printed no report within "
                 f"{budget:g} s (its last step: {phase or 'unknown'}); this rank: "
                 + _own_line(outcome))
        return 1


def _own_line(outcome: RankOutcome) -> str:
    if outcome.error:
        return f"{outcome.error_phase}: {outcome.error}"
    bad = [f"{c.name} {c.status}" for c in outcome.collectives if c.status != OK]
    return "; ".join(bad) if bad else "ok"


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _alive(pid: int) -> bool | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or no permission to ask
        return None
    return True


class _Background:
    """A function run in a daemon thread; `result()` waits for it and re-raises its error."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._fn = fn
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._fn()
        except BaseException as exc:  # handed to the caller of result()
            self._error = exc

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value
