"""The main job as a pipeline: facts → recommendation → diagnosis → verification → report.

`check` runs every stage against a host; `diagnose` starts from a facts document captured
elsewhere (and the verification it carried, if any). Both end in `build_report`, so the same facts
give the same report whichever way they came in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from torchdoctor.model import Check, CheckStatus, Problem, Report, Severity

if TYPE_CHECKING:
    from torchdoctor.facts import Facts
    from torchdoctor.host import Host
    from torchdoctor.knowledge import Knowledge
    from torchdoctor.verify.result import VerifyResult

EXPECT_CHOICES = ("cpu", "cuda", "rocm", "mps", "xpu", "gpu")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class CheckOptions:
    """What `torchdoctor check` was asked to do."""

    python: str | None = None
    timeout: float = 5.0  # per probe
    verify: bool = True
    bench: bool = True
    verify_timeout: float = 120.0
    expect: str | None = None
    strict: bool = False


def run_check(host: Host, options: CheckOptions, progress: Progress | None = None) -> Report:
    """Detect, diagnose, recommend and (unless switched off) verify the target environment.

    Verification starts at once, beside detection: importing torch dominates the run, and the
    target interpreter is known before any probe answers. It is not waited for when detection
    finds no torch to verify (the torch line already says so).
    """
    from torchdoctor.probes import collect_facts
    from torchdoctor.probes.python import choose_target

    say = progress or (lambda _msg: None)
    target, _ = choose_target(host, options.python)
    verifying = None
    if options.verify:
        say("verifying torch in the target interpreter (import, kernels, benchmark)")
        verifying = _Background(lambda: _verify(host, target, options))
    say("detecting the machine")
    # While the probes wait on their subprocesses, load what the report needs on the other core.
    threading.Thread(target=_prepare_report, daemon=True).start()
    facts = collect_facts(host, python=options.python, timeout=options.timeout)
    # Without a torch to verify (or a usable target) the result says nothing new: don't wait for
    # it. The abandoned child is killed at exit, so a hung target costs no more than its probe.
    verify = verifying.result() if verifying is not None and _torch_installed(facts) else None
    return build_report("check", facts, verify, expect=options.expect, strict=options.strict)


def _prepare_report() -> None:
    from torchdoctor import diagnosis, knowledge, recommend, verdict
    from torchdoctor.render import json_doc

    del diagnosis, recommend, verdict, json_doc  # imported for their side effect: loaded now
    knowledge.load()


def _verify(host: Host, target: str, options: CheckOptions) -> VerifyResult:
    from torchdoctor.verify.runner import run_verify

    # Every device is verified and `--expect` reads the outcome: asking the child for one device
    # would add a "device unavailable" problem beside expect-unmet.
    return run_verify(
        host, target, device="auto", bench=options.bench, timeout=options.verify_timeout
    )


class _Background:
    """Run a function in a daemon thread: Ctrl-C in the main thread must not wait for it (the
    host kills its child process at exit)."""

    def __init__(self, fn: Callable[[], VerifyResult]) -> None:
        self._fn = fn
        self._value: VerifyResult | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._fn()
        except BaseException as exc:  # handed to the caller of result()
            self._error = exc

    def result(self) -> VerifyResult:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


def build_report(
    command: str,
    facts: Facts,
    verify: VerifyResult | Mapping[str, Any] | None,
    *,
    expect: str | None = None,
    strict: bool = False,
    knowledge: Knowledge | None = None,
) -> Report:
    """The report for these facts: pure, so `diagnose` on a captured document equals `check`."""
    from torchdoctor import knowledge as knowledge_module
    from torchdoctor.diagnosis import diagnose
    from torchdoctor.facts import to_dict
    from torchdoctor.recommend import NoRecommendation, try_recommend

    known = knowledge or knowledge_module.load()
    # No plan (an OS or architecture without wheels) is a finding of the diagnosis, not a crash.
    result = try_recommend(facts, known)
    plan = None if isinstance(result, NoRecommendation) else result
    checks = list(diagnose(facts, known, plan))
    verify_dict: dict[str, Any] | None = None
    if verify is not None and not isinstance(verify, Mapping):
        from torchdoctor.verify.report import verify_check

        checks.append(verify_check(verify))
        verify_dict = verify.to_dict()
    elif isinstance(verify, Mapping):
        checks.append(_carried_verify_check(verify))
        verify_dict = dict(verify)
    expect_met = None
    if expect is not None:
        expect_met, why = expectation(expect, facts, verify, checks)
        checks.append(_expect_check(expect, expect_met, why))
    target = facts.python.executable or facts.python.requested or ""
    return Report(
        command=command,
        target_python=target,
        checks=tuple(checks),
        install=plan,
        facts=to_dict(facts),
        verify=verify_dict,
        knowledge_date=known.knowledge_date,
        expect=expect,
        expect_met=expect_met,
        strict=strict,
    )


def expectation(
    expect: str,
    facts: Facts,
    verify: VerifyResult | Mapping[str, Any] | None,
    checks: list[Check],
) -> tuple[bool, str]:
    """Is the named accelerator usable? With a verification, its kernel check decides."""
    if verify is not None and not isinstance(verify, Mapping):
        from torchdoctor.verify.report import expect_shortfall

        shortfall = expect_shortfall(verify, expect)
        if shortfall is None:
            return True, f"{expect} passed the kernel check in the target interpreter"
        return False, shortfall.rstrip(".")
    return _expect_from_facts(expect, facts, checks)


def _expect_from_facts(expect: str, facts: Facts, checks: list[Check]) -> tuple[bool, str]:
    # Without a verification (--no-verify, or diagnose on a facts-only document) the build and
    # the hardware decide; an error on the torch or GPU lines means it cannot work.
    copy = facts.python.torch
    if copy is None:
        return False, "torch is not installed in the target environment"
    blocking = {"torch", "nvidia", "amd", "apple", "intel"}
    errors = [p for c in checks if c.id in blocking for p in c.problems
              if p.severity is Severity.ERROR]
    if errors:
        return False, errors[0].message
    if expect == "cpu":
        return True, "torch is installed (not verified: --no-verify)"
    has = {
        "cuda": bool(copy.cuda) and bool(facts.nvidia.gpus),
        "rocm": bool(copy.hip) and bool(facts.amd.gpus),
        "mps": bool(facts.apple.apple_silicon) and not facts.apple.python_translated,
        "xpu": bool(copy.xpu) and bool(facts.intel.xpu_capable),
    }
    ok = any(has.values()) if expect == "gpu" else has.get(expect, False)
    if ok:
        return True, f"the {expect} build matches the hardware (not verified: --no-verify)"
    return False, f"the installed torch or this machine cannot use {expect}"


def _expect_check(expect: str, met: bool, why: str) -> Check:
    if met:
        return Check("expect", f"Expect {expect}", CheckStatus.OK, why)
    problem = Problem(
        code="expect-unmet",
        severity=Severity.ERROR,
        title="The expected accelerator is not usable",
        message=f"--expect {expect}: {why}.",
        check="expect",
    )
    return Check("expect", f"Expect {expect}", CheckStatus.ERROR, why, problems=(problem,))


def _carried_verify_check(verify: Mapping[str, Any]) -> Check:
    # A captured check --json document carries the verification as data; show its outcome.
    complete = bool(verify.get("complete"))
    codes = verify.get("problem_codes") or []
    summary = f"{verify.get('torch_version') or 'torch'} · verified on the captured machine"
    if codes:
        return Check("verify", "PyTorch works", CheckStatus.ERROR,
                     f"{summary}: {', '.join(str(c) for c in codes)}")
    status = CheckStatus.OK if complete else CheckStatus.UNKNOWN
    return Check("verify", "PyTorch works", status, summary,
                 reason=None if complete else "the captured verification did not finish")


def _torch_installed(facts: Facts) -> bool:
    return facts.python.status == "found" and facts.python.torch is not None

