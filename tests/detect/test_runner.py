"""The probe runner: concurrency, the overall deadline, and probes that fail."""

from __future__ import annotations

import json
import time
from typing import Any

from detect_helpers import QUERY, MachineFactory, target_answer

from torchdoctor.host import Host
from torchdoctor.probes import GRACE_S, collect_facts, run_chains


def test_a_hung_probe_becomes_could_not_check(machine: MachineFactory) -> None:
    host = machine(
        files={"/sys/module/nvidia/version": "550.120\n"},
        which={"nvidia-smi": "/usr/bin/nvidia-smi"},
        commands=[{"argv": QUERY, "hang": True}],
        python={"probe_target.py": {"hang": True}, "nvml_query.py": {"hang": True}},
    )
    facts = collect_facts(host, timeout=0.6)
    assert facts.python.failure == "timed-out"
    assert "python" in facts.unknown_sections()
    record = {r.name: r for r in facts.probes}["python"]
    assert record.status == "unknown"


def test_runner_gives_up_on_a_probe_that_ignores_its_timeout() -> None:
    def stuck(host: Host, timeout: float, done: dict[str, Any]) -> Any:
        time.sleep(3)
        raise AssertionError("never reported")

    start = time.monotonic()
    sections, records = run_chains(None, [[("nvidia", stuck)]], 0.3)  # type: ignore[arg-type]
    # The runner returns at its deadline, long before the stuck probe would (3 s); the bound
    # leaves a loaded CI machine room.
    assert time.monotonic() - start < 0.3 + GRACE_S + 2.0
    assert sections["nvidia"].status == "unknown"
    assert sections["nvidia"].reason == "timed out after 0.3 s"
    assert records["nvidia"].status == "unknown"


def test_a_crashing_probe_becomes_unknown() -> None:
    def broken(host: Host, timeout: float, done: dict[str, Any]) -> Any:
        raise RuntimeError("boom")

    sections, records = run_chains(None, [[("amd", broken)]], 1.0)  # type: ignore[arg-type]
    assert (sections["amd"].status, records["amd"].status) == ("unknown", "unknown")
    assert sections["amd"].reason == "probe failed: RuntimeError: boom"


def test_every_probe_reports_in_catalog_order(machine: MachineFactory) -> None:
    host = machine(
        python={"probe_target.py": {"channel": target_answer()}},
        files={"/proc/cpuinfo": "model name\t: Test CPU\nflags\t\t: fpu avx avx2\n"},
        memory={"total": 16000000000, "free": 8000000000},
        disk={"/": {"total": 500000000000, "free": 100000000000}},
    )
    facts = collect_facts(host, timeout=5.0)
    assert [r.name for r in facts.probes] == [
        "os",
        "cpu",
        "resources",
        "python",
        "nvidia",
        "pci",
        "amd",
        "apple",
        "intel",
        "env",
        "loader",
        "conda",
        "project",
    ]
    assert facts.unknown_sections() == []
    assert json.dumps([r.status for r in facts.probes]).count("ok") == 13
