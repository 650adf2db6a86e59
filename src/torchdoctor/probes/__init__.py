"""The probes, and the runner that starts them concurrently under one deadline.

`collect_facts(host, python=None, timeout=5.0)` is the public entry point (`detect`, `check`): every
probe runs in its own thread with `timeout` seconds; at `timeout + GRACE_S` the runner stops waiting
and reports any probe still running as "timed out" instead of letting it hold up the run. A probe
never raises: any exception becomes an unknown section with the reason.

Probes are the edge of the one path: they read the machine only through the `Host`
(`torchdoctor.host`), never judge and never print. A new probe is a module here returning a facts
section (`torchdoctor.facts.model`), registered in `collect_facts`, with its fields documented in
docs/facts.md and a recorded machine under tests/fixtures/machines.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from torchdoctor.facts import (
    AmdFacts,
    AppleFacts,
    CondaFacts,
    CpuFacts,
    EnvFacts,
    Facts,
    IntelFacts,
    LoaderFacts,
    NvidiaFacts,
    OsFacts,
    PciFacts,
    ProbeRecord,
    ProjectFacts,
    PythonFacts,
    ResourceFacts,
)
from torchdoctor.facts.model import ProbeStatus
from torchdoctor.host import Host

DEFAULT_TIMEOUT_S = 5.0
# How long past the probe timeout the runner still waits: a probe's own subprocess timeouts end
# it at `timeout`; this covers killing and bookkeeping, and keeps detect within timeout + 0.5 s.
GRACE_S = 0.25

SECTION_TYPES: dict[str, type[Any]] = {
    "os": OsFacts,
    "cpu": CpuFacts,
    "resources": ResourceFacts,
    "python": PythonFacts,
    "nvidia": NvidiaFacts,
    "pci": PciFacts,
    "amd": AmdFacts,
    "apple": AppleFacts,
    "intel": IntelFacts,
    "env": EnvFacts,
    "loader": LoaderFacts,
    "conda": CondaFacts,
    "project": ProjectFacts,
}
ProbeFn = Callable[[Host, float, dict[str, Any]], Any]


def _catalog(python: str | None, project: str | None = None) -> list[list[tuple[str, ProbeFn]]]:
    """Chains of probes: the chains run concurrently, the probes of one chain in order."""
    from torchdoctor.probes import amd, apple, conda, env, intel, loader, nvidia, pci, system
    from torchdoctor.probes import project as project_files
    from torchdoctor.probes import python as target

    def resources(host: Host, timeout: float, done: dict[str, Any]) -> Any:
        # Needs the target's package and temp directories, hence after the python probe.
        return system.probe_resources(host, timeout, done.get("python"))

    def libraries(host: Host, timeout: float, done: dict[str, Any]) -> Any:
        # Needs the target's torch and its packages, hence after the python probe too.
        return loader.probe(host, timeout, done.get("python"))

    def environment(host: Host, timeout: float, done: dict[str, Any]) -> Any:
        # The target's prefix holds conda-meta/; its working directory, the project files.
        return conda.probe(host, timeout, done.get("python"))

    def files(host: Host, timeout: float, done: dict[str, Any]) -> Any:
        return project_files.probe(host, timeout, done.get("python"), project)

    def single(fn: Callable[[Host, float], Any]) -> ProbeFn:
        return lambda host, timeout, done: fn(host, timeout)

    return [
        [("python", single(lambda h, t: target.probe(h, t, python))), ("resources", resources),
         ("loader", libraries), ("conda", environment), ("project", files)],
        [("nvidia", single(nvidia.probe))],
        [("pci", single(pci.probe))],
        [("apple", single(apple.probe))],
        [("os", single(system.probe_os)), ("cpu", single(system.probe_cpu))],
        [("amd", single(amd.probe)), ("intel", single(intel.probe)), ("env", single(env.probe))],
    ]


def collect_facts(
    host: Host, python: str | None = None, timeout: float = DEFAULT_TIMEOUT_S,
    project: str | None = None,
) -> Facts:
    """Run every probe against `host` and return the facts; never raises, never outlasts
    `timeout + GRACE_S` seconds. `project` is the folder of the project files (default: the
    target's working directory)."""
    from torchdoctor.probes.derive import derive

    sections, records = run_chains(host, _catalog(python, project), timeout)
    facts = Facts(**sections, probes=tuple(records[name] for name in SECTION_TYPES))
    return derive(facts)


def run_chains(
    host: Host, chains: Sequence[Sequence[tuple[str, ProbeFn]]], timeout: float
) -> tuple[dict[str, Any], dict[str, ProbeRecord]]:
    """Run the chains in daemon threads; what is not done by the deadline is "timed out"."""
    deadline = time.monotonic() + timeout + GRACE_S
    done: dict[str, Any] = {}
    records: dict[str, ProbeRecord] = {}
    lock = threading.Condition()
    remaining = [len(chains)]

    def run_chain(chain: Sequence[tuple[str, ProbeFn]]) -> None:
        for name, fn in chain:
            with lock:
                earlier = dict(done)
            section, record = _run_one(host, name, fn, timeout, earlier)
            with lock:
                if name not in done:  # the runner may already have given up on it
                    done[name], records[name] = section, record
        with lock:
            remaining[0] -= 1
            lock.notify_all()

    # Daemon threads, not a ThreadPoolExecutor: the executor joins its workers at interpreter
    # exit, so one hung probe would hold the process past the deadline we promise.
    for chain in chains:
        threading.Thread(target=run_chain, args=(chain,), daemon=True).start()
    with lock:
        while remaining[0] and (left := deadline - time.monotonic()) > 0:
            lock.wait(left)
        for chain in chains:
            for name, _ in chain:
                if name not in done:
                    reason = f"timed out after {timeout:g} s"
                    done[name] = SECTION_TYPES[name](status="unknown", reason=reason)
                    records[name] = ProbeRecord(name, "unknown", round(timeout, 3), reason)
        return dict(done), dict(records)


def _run_one(
    host: Host, name: str, fn: ProbeFn, timeout: float, done: dict[str, Any]
) -> tuple[Any, ProbeRecord]:
    start = time.monotonic()
    try:
        section = fn(host, timeout, done)
    except Exception as exc:  # a probe bug or a surprise from the machine: "could not check"
        section = SECTION_TYPES[name](
            status="unknown", reason=f"probe failed: {type(exc).__name__}: {exc}"
        )
    duration = round(time.monotonic() - start, 3)
    status: ProbeStatus = "unknown" if section.status == "unknown" else "ok"
    reason = section.reason if status == "unknown" else None
    return section, ProbeRecord(name=name, status=status, duration_s=duration, reason=reason)


__all__ = ["DEFAULT_TIMEOUT_S", "GRACE_S", "SECTION_TYPES", "collect_facts", "run_chains"]
