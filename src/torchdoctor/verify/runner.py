"""Run the verification child in the target interpreter and turn whatever happened into data.

The child (`torchdoctor/_child/verify_torch.py`) appends one JSON line per finished stage to a
private channel file. Whatever the child does — segfault, hang, a kill, garbage on stdout, a
truncated last line — the runner returns a `VerifyResult`: the stages that finished keep their
results, the stage that was running when the child stopped is marked with why, later stages are
`not_run`. It never raises for anything the child or the target interpreter does.
"""

from __future__ import annotations

import json
import signal as signal_module
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from torchdoctor.host import Host, ProcResult
from torchdoctor.verify.classify import classify
from torchdoctor.verify.result import (
    Interruption,
    StageResult,
    StageStatus,
    VerifyResult,
    stage_names,
)

CHILD_SCRIPT = "verify_torch.py"
DEVICES = ("auto", "cpu", "cuda", "mps", "xpu")
# Signals that come from outside (OOM killer, an operator, a timeout) rather than from a crash.
_KILL_SIGNALS = frozenset({"SIGKILL", "SIGTERM", "SIGINT", "SIGHUP"})
# Windows reports a crash as an NTSTATUS exit code instead of a signal.
_WINDOWS_CRASHES = {
    0xC0000005: "access violation",
    0xC000001D: "illegal instruction",
    0xC00000FD: "stack overflow",
    0xC0000409: "stack buffer overrun",
}
_STAGE_TIMEOUT_EXIT = 124  # the child's own watchdog, after recording the stage


def default_stage_timeout(timeout: float) -> float:
    """Each stage's budget: half the whole (so one slow stage is named), at most 60 s."""
    return max(1.0, min(60.0, timeout / 2))


def run_verify(
    host: Host,
    python: str,
    device: str = "auto",
    bench: bool = True,
    timeout: float = 120.0,
    *,
    bench_seconds: float = 1.0,
    stage_timeout: float | None = None,
    deep: bool = False,
) -> VerifyResult:
    """Verify the torch of `python`: run the child with a whole `timeout`, classify the outcome.
    `deep` adds the deep stages (docs/verify.md, "--deep")."""
    if device not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)}, not {device!r}")
    budget = default_stage_timeout(timeout) if stage_timeout is None else stage_timeout
    args = ["--device", device, "--bench-seconds", f"{bench_seconds:g}"]
    # The user's `import torch` sees their PYTHONPATH; the child runs isolated, so it is handed
    # over explicitly (the verification must see what the user sees).
    if host.env.get("PYTHONPATH"):
        args.append(f"--pythonpath={host.env['PYTHONPATH']}")
    args += ["--stage-timeout", f"{budget:g}"]
    if not bench:
        args.append("--no-bench")
    if deep:
        args.append("--deep")
    proc = host.run_python(python, CHILD_SCRIPT, args, timeout)
    result = build_result(proc, python=python, device=device, timeout=timeout, deep=deep)
    return replace(result, problems=classify(result, host.env))


def parse_channel(text: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]], bool, list[str]]:
    """(hello, first record of each stage, done seen, notes) from the channel's JSON lines."""
    hello: dict[str, Any] = {}
    records: dict[str, dict[str, Any]] = {}
    done = False
    notes: list[str] = []
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            last = index == len(lines) - 1  # no newline after it: cut off mid-write
            notes.append("the last channel line was cut short" if last else "an unreadable line")
            continue
        if not isinstance(record, dict):
            continue
        event = record.get("event")
        if event == "hello" and not hello:
            hello = record
        elif event == "stage" and isinstance(record.get("stage"), str):
            # First record wins: the watchdog may race a stage that finished at its deadline.
            records.setdefault(record["stage"], record)
        elif event == "done":
            done = True
    return hello, records, done, notes


def build_result(proc: ProcResult, *, python: str, device: str, timeout: float,
                 deep: bool = False) -> VerifyResult:
    """The unclassified result of one child run (pure: tests feed it hand-made ProcResults)."""
    hello, records, done, notes = parse_channel(proc.channel)
    sig = _signal_of(proc)
    stages: list[StageResult] = []
    names = stage_names(deep)
    # The child's watchdog records the stage it stopped; otherwise the first missing one is it.
    stopped_in = next((n for n in names if records.get(n, {}).get("timed_out")), None)
    for name in names:
        if name in records:
            stages.append(_from_record(name, records[name]))
        elif hello and not done and stopped_in is None:
            stopped_in = name
            interruption, how = _how_it_ended(proc, sig, timeout)
            stages.append(
                StageResult(name, StageStatus.FAILED, error=how, interruption=interruption)
            )
        else:
            why = f"the child stopped during {stopped_in}" if stopped_in else "never reached"
            stages.append(StageResult(name, StageStatus.NOT_RUN, reason=why))
    if hello and done and proc.returncode not in (0, None):
        notes.append(f"the child exited with code {proc.returncode} after its last stage")
    elif hello and sig and stopped_in is None and not done:
        notes.append(f"the child died by {sig} after its last stage (while shutting down)")
    if proc.stdout.strip():
        first = proc.stdout.strip().splitlines()[0][:80]
        notes.append(
            f"the target printed {len(proc.stdout)} characters on stdout (ignored): {first!r}"
        )
    error = None if (done and proc.ok) else proc.error or _exit_text(proc, done)
    return VerifyResult(
        python=python,
        device=device,
        stages=tuple(stages),
        duration_s=proc.duration_s,
        returncode=proc.returncode,
        error=error,
        timed_out=proc.timed_out,
        signal=sig,
        child={k: v for k, v in hello.items() if k != "event"},
        notes=tuple(notes),
        stderr_tail=proc.stderr[-4000:],
        deep=deep,
    )


def _from_record(name: str, record: Mapping[str, Any]) -> StageResult:
    data = dict(record.get("data") or {})
    for key in ("error_chain", "traceback"):  # diagnostic detail lives with the data
        if record.get(key):
            data[key] = record[key]
    try:
        status = StageStatus(record.get("status", "failed"))
    except ValueError:
        status = StageStatus.FAILED
    duration = record.get("duration_s")
    reason = record.get("reason") or data.get("reason")
    return StageResult(
        name=name,
        status=status,
        duration_s=float(duration) if isinstance(duration, int | float) else None,
        data=data,
        error=_str_or_none(record.get("error")),
        error_type=_str_or_none(record.get("error_type")),
        reason=_str_or_none(reason),
        interruption=Interruption.TIMEOUT if record.get("timed_out") else None,
    )


def _signal_of(proc: ProcResult) -> str | None:
    code = proc.returncode
    if code is None or proc.timed_out:
        return None
    if code < 0:
        try:
            return signal_module.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    if code & 0xFFFFFFFF in _WINDOWS_CRASHES:
        return f"{_WINDOWS_CRASHES[code & 0xFFFFFFFF]} (0x{code & 0xFFFFFFFF:08X})"
    return None


def _how_it_ended(
    proc: ProcResult, sig: str | None, timeout: float
) -> tuple[Interruption, str]:
    if proc.timed_out:
        return Interruption.TIMEOUT, f"timed out after {timeout:g} s (the whole verification)"
    if sig:
        kind = Interruption.KILLED if sig in _KILL_SIGNALS else Interruption.CRASH
        return kind, f"killed by {sig}" if kind is Interruption.KILLED else f"crashed ({sig})"
    if proc.returncode is None:
        return Interruption.EXIT, proc.error or "the child did not run to its end"
    if "Timeout (" in proc.stderr:  # faulthandler's backstop: native code held the GIL
        return Interruption.TIMEOUT, "timed out (native code did not return within its budget)"
    if "Fatal Python error" in proc.stderr:
        return Interruption.CRASH, f"crashed (Fatal Python error, exit code {proc.returncode})"
    if proc.returncode == _STAGE_TIMEOUT_EXIT:
        return Interruption.TIMEOUT, "timed out (stage budget exceeded)"
    return Interruption.EXIT, f"the child exited with code {proc.returncode} during this stage"


def _exit_text(proc: ProcResult, done: bool) -> str | None:
    if proc.returncode in (0, None) or done:
        return None
    return proc.describe_failure()


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)
