"""Hostile children: a tool or a target interpreter that floods its output, leaves a daemon
holding the pipes, prints at start-up, raises in sitecustomize, deletes itself; signals during
each verification stage; two runs at once. No hang past the timeouts, no process left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from cli_support import CliResult
from hostile_support import (
    LIMIT_S,
    POSIX_ONLY,
    assert_clean,
    command,
    environ,
    kill_leftovers,
    make_venv,
    path_with,
    run,
    wait_for_file,
    wait_gone,
)

from torchdoctor.verify.result import STAGES

pytestmark = POSIX_ONLY

# torchdoctor's own resident memory stays far below this whatever its children print.
RSS_LIMIT_KB = 150_000


def _run_with_peak(*args: str, env: dict[str, str]) -> tuple[CliResult, int]:
    """Run torchdoctor to its end; (its result, its peak resident memory in KB, children
    included), read from wait4 before anything else reaps it."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(command(*args), stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, env=env)
        deadline = time.monotonic() + LIMIT_S
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                raise AssertionError("torchdoctor did not end in time")
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        result = CliResult(proc.returncode, out.read().decode(errors="replace"),
                           err.read().decode(errors="replace"))
    assert_clean(result)
    return result, int(usage.ru_maxrss)


def test_nvidia_smi_writing_100_mb(fake_bin: Any) -> None:
    tool = fake_bin("nvidia-smi", "yes 'garbage line of a broken nvidia-smi' | head -c 100000000")
    env = environ({"PATH": path_with(tool.parent)})
    result, peak = _run_with_peak("detect", "--json", "--timeout", "4", env=env)
    assert result.exit_code in (0, 3)
    nvidia = result.json()["facts"]["nvidia"]
    assert nvidia["status"] == "unknown"
    assert "nvidia-smi" in (nvidia["reason"] or "")
    assert peak < RSS_LIMIT_KB


def test_target_that_prints_forever(tmp_path: Path) -> None:
    # `--python` at a script that runs `yes`: what is kept of its output is capped.
    target = tmp_path / "python"
    target.write_text("#!/bin/sh\nexec yes\n", encoding="utf-8")
    target.chmod(0o755)
    result, peak = _run_with_peak("check", "--python", str(target), "--timeout", "0.5",
                                  "--verify-timeout", "1", "--json", env=environ())
    assert result.exit_code in (1, 3)
    doc = result.json()
    assert doc["facts"]["python"]["status"] == "unknown"
    assert peak < RSS_LIMIT_KB


def test_daemon_holding_stdout_does_not_stall_the_check(fake_python: str, tmp_path: Path) -> None:
    pidfile = tmp_path / "pids"
    env = environ({"HOSTILE_DAEMON": "1", "HOSTILE_PIDFILE": str(pidfile)})
    try:
        # The daemon sleeps 300 s; a stall would run into the whole --verify-timeout (40 s)
        # and past this run's own limit.
        result = run("verify", "--python", fake_python, "--no-bench", "--json",
                     "--verify-timeout", "40", env=env, timeout=30)
        assert result.exit_code == 0, result.stdout[-3000:]
        assert result.json()["verify"]["timed_out"] is False
        pids = [int(p) for p in pidfile.read_text().split()]
        assert wait_gone(pids) == []
    finally:
        if pidfile.exists():
            kill_leftovers([int(p) for p in pidfile.read_text().split()])


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("stage", STAGES)
def test_signal_during_each_verify_stage(
    fake_python: str, tmp_path: Path, stage: str, sig: signal.Signals
) -> None:
    pidfile = tmp_path / "pids"
    temp = tmp_path / "temp"
    temp.mkdir()
    env = environ({"HOSTILE_HANG_STAGE": stage, "HOSTILE_PIDFILE": str(pidfile),
                   "TMPDIR": str(temp)})
    args = ["verify", "--python", fake_python, "--verify-timeout", "60", "--bench-seconds", "0.05"]
    # A session of its own, as a shell gives a job: the signal goes to its process group.
    proc = subprocess.Popen(command(*args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, start_new_session=True)
    pids: list[int] = []
    try:
        pids = [int(p) for p in wait_for_file(pidfile, proc).split()]
        os.killpg(proc.pid, sig)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 130, err.decode(errors="replace")
        assert b"Traceback" not in err
        assert b"interrupted" in err
        assert out == b""  # no half report
        assert wait_gone(pids) == [], f"left behind: {pids}"
        assert list(temp.iterdir()) == []  # the result channel is gone too
    finally:
        proc.kill()
        kill_leftovers(pids)


def test_two_runs_at_once(fake_python: str) -> None:
    args = command("verify", "--python", fake_python, "--json", "--no-bench")
    procs = [subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=environ()) for _ in range(2)]
    outputs = [p.communicate(timeout=LIMIT_S) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        doc = json.loads(out)
        assert doc["status"] == "ok"
        assert all(s["status"] in ("ok", "skipped") for s in doc["verify"]["stages"])


@pytest.mark.parametrize(
    "sitecustomize",
    [
        "import sys\nsys.stderr.write('hello from sitecustomize\\n' * 1000)\n",
        "raise RuntimeError('broken sitecustomize')\n",
    ],
    ids=["prints-to-stderr", "raises"],
)
def test_target_with_a_noisy_start_up(tmp_path: Path, sitecustomize: str) -> None:
    python = make_venv(tmp_path / "venv", site={"sitecustomize.py": sitecustomize})
    result = run("check", "--python", python, "--json", "--no-bench")
    assert result.exit_code == 0, result.stdout[-3000:]
    doc = result.json()
    assert doc["facts"]["python"]["version"]
    assert doc["verify"]["stages"][0]["status"] == "ok"


def test_target_deleted_while_running(tmp_path: Path) -> None:
    # `import torch` deletes the whole environment, interpreter included.
    venv = tmp_path / "venv"
    python = make_venv(venv)
    result = run("check", "--python", python, "--json", "--no-bench",
                 env=environ({"HOSTILE_DELETE_SELF": "1"}))
    assert not venv.exists()
    assert result.exit_code in (0, 1, 3)
    doc = result.json()
    assert doc["exit_code"] == result.exit_code
    assert python in result.stdout
