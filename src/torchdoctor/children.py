"""Running a child process so that nothing it does can hurt torchdoctor.

- Each child gets a session (and so a process group) of its own: a timeout, Ctrl-C or SIGTERM
  kills the whole group, and once the child itself has ended, whatever it left in its group (a
  daemon holding the pipes open, compile workers) is killed too, so nothing outlives the run and
  nothing stalls it.
- Output is read as it comes and only `OUTPUT_CAP` bytes of each stream are kept (the first and
  the last half); the rest is read and discarded, so a child printing forever costs no memory.
- After an interrupt (`shutdown`) no new child starts, and the running ones are killed.

`host.RealHost` runs every subprocess through `run`.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

OUTPUT_CAP = 1_000_000  # bytes kept of each output stream of a child (first and last half)
CHANNEL_CAP = 16_000_000  # bytes kept of a child script's result channel
_CHUNK = 65_536
# After the child ended (or was killed): how long its pipes may still deliver what it wrote.
_GRACE_S = 1.0

_RUNNING: set[subprocess.Popen[bytes]] = set()
_LOCK = threading.Lock()
_SHUTDOWN = threading.Event()


class Capture:
    """What is kept of one output stream: its first and last `cap // 2` bytes, and its size."""

    def __init__(self, cap: int = OUTPUT_CAP) -> None:
        self._half = max(cap // 2, 1)
        self._head = bytearray()
        self._tail = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        """Keep what fits of `chunk`; count all of it."""
        self.total += len(chunk)
        room = self._half - len(self._head)
        if room > 0:
            self._head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self._tail += chunk
            if len(self._tail) > self._half:
                del self._tail[: len(self._tail) - self._half]  # O(1): bytearray drops its front

    @property
    def dropped(self) -> int:
        """Bytes read and thrown away."""
        return self.total - len(self._head) - len(self._tail)

    def text(self) -> str:
        """The kept bytes as text, with a marker where the middle was left out."""
        head = self._head.decode("utf-8", errors="replace")
        tail = self._tail.decode("utf-8", errors="replace")
        if not self.dropped:
            return head + tail
        return f"{head}\n[… {self.dropped} bytes of output left out …]\n{tail}"


@dataclass(frozen=True)
class Ended:
    """How one child run ended."""

    returncode: int | None  # None: killed at the timeout and not reaped
    stdout: str
    stderr: str
    channel: str  # what came through the extra pipe, when one was asked for
    timed_out: bool
    duration_s: float


class ShuttingDown(RuntimeError):
    """torchdoctor is stopping (interrupted): no new child starts."""


def run(argv: Sequence[str], timeout: float, env: Mapping[str, str] | None,
        channel_pipe: tuple[int, int] | None = None) -> Ended:
    """Run `argv` (no shell) with stdin closed, for at most `timeout` seconds.

    `channel_pipe` (read end, write end) is an extra pipe the child writes its result to: the
    write end is passed to the child, the read end is read like stdout (up to CHANNEL_CAP).
    Raises OSError when the program cannot start, ShuttingDown after `shutdown`.
    """
    if _SHUTDOWN.is_set():
        raise ShuttingDown("torchdoctor is stopping")
    start = time.monotonic()
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env) if env is not None else None,
        pass_fds=(channel_pipe[1],) if channel_pipe else (),
        # A session of its own: the terminal's Ctrl-C does not reach it, its group can be killed.
        start_new_session=os.name == "posix",
    )
    with _LOCK:
        _RUNNING.add(proc)
    captures = [Capture(), Capture(), Capture(CHANNEL_CAP)]
    pumps = []
    for stream, capture in ((proc.stdout, captures[0]), (proc.stderr, captures[1])):
        assert stream is not None  # both are pipes
        pumps.append(_pump(os.dup(stream.fileno()), capture))  # the reader owns its copy
        stream.close()
    if channel_pipe:
        os.close(channel_pipe[1])  # the child holds it now; EOF comes when it (and its kin) end
        pumps.append(_pump(channel_pipe[0], captures[2]))
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    except BaseException:  # Ctrl-C, SIGTERM: the child has no terminal to hear it; kill it
        _kill_group(proc)
        raise
    finally:
        # Whatever is left of its group (daemons holding our pipes, workers) goes with it.
        _kill_group(proc)
        with _LOCK:
            _RUNNING.discard(proc)
    if timed_out:  # reap it; a process stuck in the kernel may not die at once
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=_GRACE_S)
    deadline = time.monotonic() + _GRACE_S
    for pump in pumps:  # a process outside the group may hold a pipe: never wait for it
        pump.join(max(0.0, deadline - time.monotonic()))
    texts = [c.text() for c in captures]
    return Ended(
        returncode=proc.returncode,
        stdout=texts[0],
        stderr=texts[1],
        channel=texts[2] if channel_pipe else "",
        timed_out=timed_out,
        duration_s=time.monotonic() - start,
    )


def _pump(fd: int, capture: Capture) -> threading.Thread:
    """Read `fd` to its end into `capture` in a daemon thread that owns (and closes) the fd."""

    def read() -> None:
        try:
            while chunk := os.read(fd, _CHUNK):
                capture.add(chunk)
        except OSError:
            pass
        finally:
            os.close(fd)

    thread = threading.Thread(target=read, daemon=True, name="torchdoctor-output")
    thread.start()
    return thread


def kill_all() -> None:
    """Kill every running child and its group (Ctrl-C, SIGTERM)."""
    with _LOCK:
        running = list(_RUNNING)
    for proc in running:
        _kill_group(proc)


@atexit.register
def shutdown() -> None:
    """torchdoctor is ending: no child may start any more, and none may outlive it."""
    _SHUTDOWN.set()
    kill_all()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        elif proc.returncode is None:
            proc.kill()
    except OSError:  # already gone
        pass
