"""The one path from a request to a report: gather → diagnose → recommend → verdict.

Every report command goes through here. `gather` reads the outside world through the Host (the
facts, the verification, or both); `diagnose` and `verify` instead hand in what they decoded from
a captured document. `build_report` is pure, so the same facts and verification give the same
report whichever way they came in; the verdict and the renderers take it from there.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from torchdoctor.catalogue import problem
from torchdoctor.report import Check, CheckStatus, InstallPlan, Report, Severity
from torchdoctor.verify.fixes import INSTALL_COMMAND

if TYPE_CHECKING:
    from torchdoctor.facts import Facts
    from torchdoctor.host import Host
    from torchdoctor.knowledge import Knowledge
    from torchdoctor.verify.result import VerifyResult

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Request:
    """What a report command was asked to do."""

    command: str = "check"
    python: str | None = None
    timeout: float = 5.0  # each probe
    detect: bool = True  # collect the facts (`verify` alone does not)
    verify: bool = True
    device: str = "auto"  # which devices the verification runs kernels on
    bench: bool = True
    bench_seconds: float = 1.0
    deep: bool = False  # the deep stages too (training, conv, compile, ...)
    verify_timeout: float = 120.0  # the whole verification
    expect: str | None = None
    strict: bool = False
    error_text: str | None = None  # the error the user saw (`explain`, `check --error`)
    expect_torch: str | None = None  # --expect-torch PATTERN
    expect_cuda: str | None = None  # --expect-cuda PATTERN
    project: str | None = None  # the project folder (default: the target's working directory)


@dataclass(frozen=True)
class Gathered:
    """What the outside world told: the facts and the verification, each when asked for."""

    facts: Facts | None
    verify: VerifyResult | None


def run(host: Host, request: Request, progress: Progress | None = None) -> Report:
    """Gather, then build the report."""
    found = gather(host, request, progress)
    return build_report(request.command, found.facts, found.verify, expect=request.expect,
                        strict=request.strict, error_text=request.error_text,
                        expect_torch=request.expect_torch, expect_cuda=request.expect_cuda)


def gather(host: Host, request: Request, progress: Progress | None = None) -> Gathered:
    """Detect and verify, as asked. Verification starts at once, beside detection: importing
    torch dominates the run, and the target interpreter is known before any probe answers. It is
    not waited for when detection finds torch absent (the torch line already says so)."""
    from torchdoctor.probes.python import choose_target
    from torchdoctor.verify.runner import run_verify  # imported before any thread starts

    say = progress or (lambda _msg: None)
    target, _ = choose_target(host, request.python)
    verifying = None
    if request.verify:
        say("verifying torch in the target interpreter (import, kernels, "
            + ("training, compile, benchmark)" if request.deep else "benchmark)"))
        verifying = _Background(lambda: run_verify(
            host, target, device=request.device, bench=request.bench,
            timeout=request.verify_timeout, bench_seconds=request.bench_seconds,
            deep=request.deep))
    if not request.detect:
        return Gathered(None, verifying.result() if verifying is not None else None)
    say("detecting the machine")
    # While the probes wait on their subprocesses, parse the knowledge on the other core. Only
    # data is loaded there: modules are imported by this thread alone, since concurrent imports
    # of one package can fail in CPython (a KeyError from the import machinery).
    from torchdoctor import knowledge
    from torchdoctor.probes import collect_facts

    threading.Thread(target=knowledge.load, daemon=True).start()
    facts = collect_facts(host, python=request.python, timeout=request.timeout,
                          project=request.project)
    # With torch absent (or no usable target) the result says nothing new: don't wait for it.
    # The abandoned child is killed at exit, so a hung target costs no more than its probe.
    wanted = verifying is not None and facts.python.torch_state != "absent"
    return Gathered(facts, verifying.result() if wanted and verifying is not None else None)


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
    facts: Facts | None,
    verify: VerifyResult | None,
    *,
    expect: str | None = None,
    strict: bool = False,
    knowledge: Knowledge | None = None,
    error_text: str | None = None,
    today: str | None = None,
    expect_torch: str | None = None,
    expect_cuda: str | None = None,
) -> Report:
    """The report for these facts and this verification: pure, so `diagnose` on a captured
    document equals `check`. Without facts (`verify` alone) the report is the verification's
    stage lines and its verdict line. The knowledge's age is measured at `today` (default: the
    date `knowledge.cache.today` gives)."""
    from torchdoctor import knowledge as knowledge_module
    from torchdoctor.diagnosis import diagnose
    from torchdoctor.diagnosis.context import UNUSABLE_PYTHON
    from torchdoctor.knowledge.cache import today as clock_today
    from torchdoctor.recommend import NoRecommendation, try_recommend
    from torchdoctor.verify.outcome import stage_checks, to_check

    known = knowledge or knowledge_module.load()
    checks: list[Check] = []
    plan = None
    if facts is not None and verify is not None:
        facts = with_arch_list(facts, verify)
    if facts is not None:
        # No plan (an OS or architecture without wheels) is a finding of the diagnosis.
        result = try_recommend(facts, known)
        plan = None if isinstance(result, NoRecommendation) else result
        if facts.python.failure in UNUSABLE_PYTHON:
            plan = None  # an interpreter that cannot run gets no command to run with it
        checks += diagnose(facts, known, plan, error_text, today or clock_today())
    elif verify is not None:
        checks += stage_checks(verify)
    if verify is not None:
        checks.append(_with_plan(to_check(verify), plan))
        if facts is not None and error_text is None:
            checks += _import_error(facts, known, plan, verify)
    expect_met = None
    if expect is not None:
        expect_met, why = expectation(expect, facts, verify, checks)
        checks.append(_expect_check(expect, expect_met, why))
    checks += _version_checks(facts, verify, expect_torch, expect_cuda)
    return Report(
        command=command,
        target_python=_target(facts, verify),
        checks=tuple(checks),
        install=plan,
        facts=facts,
        verify=verify,
        knowledge_date=known.knowledge_date,
        knowledge_source=known.source,
        knowledge_stable=known.stable_version,
        expect=expect,
        expect_met=expect_met,
        strict=strict,
    )


def _version_checks(facts: Facts | None, verify: VerifyResult | None, torch: str | None,
                    cuda: str | None) -> list[Check]:
    """The lines of `--expect-torch` and `--expect-cuda`, when given."""
    from torchdoctor import expect

    lines = [expect.torch_check(torch, facts, verify)] if torch is not None else []
    return lines + ([expect.cuda_check(cuda, facts, verify)] if cuda is not None else [])


def _import_error(facts: Facts, known: Knowledge, plan: InstallPlan | None,
                  verify: VerifyResult) -> list[Check]:
    """Errors are evidence, the verification's own included: what `import torch` raised goes
    through the error-text rules, for the cause behind a generic import failure."""
    from torchdoctor.diagnosis.engine import explain_import_error
    from torchdoctor.verify.errors import error_text
    from torchdoctor.verify.result import StageStatus

    stage = verify.stage("import")
    if stage is None or stage.status is not StageStatus.FAILED or not stage.error:
        return []
    text = error_text(stage.error, stage.data.get("error_chain"))
    line = explain_import_error(facts, known, plan, text)
    return [line] if line is not None else []


def with_project(host: Host, facts: Facts, directory: str, timeout: float = 5.0) -> Facts:
    """The facts with the project files of `directory` read on this machine (`diagnose
    --project`: a document captured elsewhere, judged with a project folder here)."""
    import dataclasses

    from torchdoctor.probes.project import probe

    return dataclasses.replace(facts, project=probe(host, timeout, facts.python, directory))


def with_arch_list(facts: Facts, verify: VerifyResult) -> Facts:
    """The facts with the imported build's GPU architecture list kept on its torch copy: the
    diagnosis then judges the GPUs by what the build really carries, not by the table."""
    import dataclasses

    copy = facts.python.torch
    found = verify.data("build").get("arch_list") or verify.data("compatibility").get("arch_list")
    if copy is None or copy.arch_list is not None or not isinstance(found, list) or not found:
        return facts
    if verify.torch_version and copy.version and verify.torch_version != copy.version:
        return facts  # the verification imported another torch than the facts' first copy
    kept = dataclasses.replace(copy, arch_list=tuple(str(a) for a in found))
    copies = (kept, *(facts.python.torch_copies or ())[1:])
    return dataclasses.replace(facts, python=dataclasses.replace(facts.python,
                                                                 torch_copies=copies))


def _with_plan(check: Check, plan: InstallPlan | None) -> Check:
    """The verification knows no plan; where its fix says "run torchdoctor install-command",
    the report has the replacing command itself: give that."""
    if plan is None or plan.installed_already:
        return check
    lines = tuple(line.strip() for line in plan.command.splitlines() if line.strip())
    problems = tuple(
        replace(p, fix=replace(p.fix, commands=lines,
                               text=re.sub(r"this prints (its command|the command|it)",
                                           "this is it", p.fix.text)))
        if p.fix is not None and p.fix.commands == (INSTALL_COMMAND,) else p
        for p in check.problems)
    return replace(check, problems=problems)


def _target(facts: Facts | None, verify: VerifyResult | None) -> str:
    if facts is not None:
        return facts.python.executable or facts.python.requested or ""
    return verify.python if verify is not None else ""


def expectation(
    expect: str, facts: Facts | None, verify: VerifyResult | None, checks: list[Check]
) -> tuple[bool, str]:
    """Is the named accelerator usable? With a verification, its kernel check decides."""
    if verify is not None:
        from torchdoctor.verify.outcome import expect_shortfall

        shortfall = expect_shortfall(verify, expect)
        if shortfall is None:
            return True, f"{expect} passed the kernel check in the target interpreter"
        return False, shortfall.rstrip(".")
    if facts is None:
        return False, "nothing was checked"
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
    title = f"Expect {expect}"
    if met:
        return Check("expect", title, CheckStatus.OK, why)
    unmet = problem("expect-unmet", "expect", f"--expect {expect}: {why}.")
    return Check("expect", title, CheckStatus.ERROR, why, problems=(unmet,))
