"""The verdict of a report: its overall status, its exit code, and the counts the renderers show.

Pure functions of a `Report` (or, for `detect`, of the facts). The CLI decides the two codes that
do not depend on a report (2 for a usage error, 130 for an interrupt); everything else is decided
here, once, so the terminal footer, the JSON `status`/`exit_code` and the Markdown status line
can never disagree, whichever command printed them.
"""

from __future__ import annotations

from dataclasses import dataclass

from torchdoctor.exitcodes import ExitCode
from torchdoctor.facts import Facts
from torchdoctor.report import CheckStatus, Report, Severity, Status

EXPECT_UNMET = "expect-unmet"  # the problem code the report shows for an unmet --expect


@dataclass(frozen=True)
class Tally:
    """How many checks ended in each state (one check counts once, by its box)."""

    errors: int = 0
    warnings: int = 0
    passed: int = 0
    not_applicable: int = 0
    unknown: int = 0

    def phrases(self) -> list[str]:
        """The non-zero counts in footer order: "1 error", "2 warnings", "5 passed", ..."""
        parts: list[str] = []
        if self.errors:
            parts.append(f"{self.errors} error" + ("s" if self.errors != 1 else ""))
        if self.warnings:
            parts.append(f"{self.warnings} warning" + ("s" if self.warnings != 1 else ""))
        if self.passed or not parts:
            parts.append(f"{self.passed} passed")
        if self.not_applicable:
            parts.append(f"{self.not_applicable} not applicable")
        if self.unknown:
            parts.append(f"{self.unknown} could not check")
        return parts

    def as_dict(self) -> dict[str, int]:
        """The JSON `summary` member."""
        return {
            "errors": self.errors,
            "warnings": self.warnings,
            "passed": self.passed,
            "not_applicable": self.not_applicable,
            "unknown": self.unknown,
        }


@dataclass(frozen=True)
class Verdict:
    """The overall outcome: what the JSON calls `status`, the process exit code, and why."""

    status: Status
    exit_code: ExitCode
    # One plain sentence per reason that is not already a visible problem line (`--expect` unmet,
    # `--strict` turning warnings into a failure, checks that could not run).
    reasons: tuple[str, ...] = ()


def tally(report: Report) -> Tally:
    """Count the checks by their box."""
    counts = dict.fromkeys(CheckStatus, 0)
    for check in report.checks:
        counts[check.status] += 1
    return Tally(
        errors=counts[CheckStatus.ERROR],
        warnings=counts[CheckStatus.WARNING],
        passed=counts[CheckStatus.OK],
        not_applicable=counts[CheckStatus.NOT_APPLICABLE],
        unknown=counts[CheckStatus.UNKNOWN],
    )


def _has_error(report: Report) -> bool:
    # A check marked as failed counts even if its rule attached no problem object: the box the
    # user sees and the exit code must agree.
    return any(p.severity is Severity.ERROR for p in report.problems) or any(
        c.status is CheckStatus.ERROR for c in report.checks
    )


def _has_warning(report: Report) -> bool:
    return any(p.severity is Severity.WARNING for p in report.problems) or any(
        c.status is CheckStatus.WARNING for c in report.checks
    )


def decide(report: Report) -> Verdict:
    """The verdict: fail (1) beats incomplete (3) beats warn/ok (0)."""
    reasons: list[str] = []
    failed = _has_error(report)
    if report.expect_met is False:
        failed = True
        # Said once: when the report already shows the `expect-unmet` problem, no extra line.
        if not any(p.code == EXPECT_UNMET for p in report.problems):
            wanted = report.expect or "the expected accelerator"
            reasons.append(f"--expect {wanted}: torch cannot use {wanted} in this environment.")
    warned = _has_warning(report)
    if warned and report.strict:
        failed = True
        reasons.append("--strict: warnings fail this run.")
    unknown = [c for c in report.checks if c.status is CheckStatus.UNKNOWN]
    if failed:
        return Verdict(Status.FAIL, ExitCode.PROBLEMS, tuple(reasons))
    if unknown:
        names = ", ".join(c.title for c in unknown)
        reasons.append(f"Incomplete: could not check {names}.")
        return Verdict(Status.UNKNOWN, ExitCode.INCOMPLETE, tuple(reasons))
    if warned:
        return Verdict(Status.WARN, ExitCode.OK, tuple(reasons))
    return Verdict(Status.OK, ExitCode.OK, tuple(reasons))


def decide_facts(facts: Facts) -> Verdict:
    """The verdict of a facts document alone (`detect`): incomplete when a probe could not
    check, else ok. Facts alone judge nothing, so they never fail."""
    unknown = facts.unknown_sections()
    if unknown:
        return Verdict(Status.UNKNOWN, ExitCode.INCOMPLETE,
                       (f"could not check: {', '.join(unknown)}",))
    return Verdict(Status.OK, ExitCode.OK)
