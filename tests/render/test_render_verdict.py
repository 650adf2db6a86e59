"""The verdict: status and exit code of each kind of report, --strict and --expect included."""

from __future__ import annotations

from dataclasses import replace

import pytest

from torchdoctor.exitcodes import ExitCode
from torchdoctor.report import Check, CheckStatus, Report, Status
from torchdoctor.verdict import decide, tally


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("healthy_cpu", Status.OK, ExitCode.OK),
        ("gpu_cpu_build", Status.FAIL, ExitCode.PROBLEMS),
        ("timed_out", Status.UNKNOWN, ExitCode.INCOMPLETE),
        ("warning_only", Status.WARN, ExitCode.OK),
    ],
)
def test_each_fixture(all_reports: dict[str, Report], name: str, status: Status, code: int) -> None:
    report = all_reports[name]
    verdict = decide(report)
    assert (verdict.status, verdict.exit_code) == (status, code)


def test_strict_turns_a_warning_into_a_failure(warning_only: Report) -> None:
    verdict = decide(replace(warning_only, strict=True))
    assert verdict.status is Status.FAIL
    assert verdict.exit_code == ExitCode.PROBLEMS
    assert any("--strict" in reason for reason in verdict.reasons)


def test_strict_without_warnings_changes_nothing(healthy_cpu: Report) -> None:
    assert decide(replace(healthy_cpu, strict=True)).exit_code == ExitCode.OK


def test_expect_unmet_fails_a_healthy_report(healthy_cpu: Report) -> None:
    verdict = decide(replace(healthy_cpu, expect="cuda", expect_met=False))
    assert (verdict.status, verdict.exit_code) == (Status.FAIL, ExitCode.PROBLEMS)
    assert any("--expect cuda" in reason for reason in verdict.reasons)


def test_expect_met_passes(healthy_cpu: Report) -> None:
    assert decide(replace(healthy_cpu, expect="cpu", expect_met=True)).exit_code == ExitCode.OK


def test_a_failure_beats_an_incomplete_check(timed_out: Report, gpu_cpu_build: Report) -> None:
    both = replace(gpu_cpu_build, checks=(*gpu_cpu_build.checks, *timed_out.checks[2:3]))
    assert decide(both).exit_code == ExitCode.PROBLEMS


def test_expect_unmet_beats_incomplete(timed_out: Report) -> None:
    assert decide(replace(timed_out, expect="gpu", expect_met=False)).exit_code == ExitCode.PROBLEMS


def test_an_error_box_without_problem_objects_still_fails(healthy_cpu: Report) -> None:
    broken = Check("torch", "PyTorch", CheckStatus.ERROR, "import failed")
    report = replace(healthy_cpu, checks=(*healthy_cpu.checks, broken))
    assert decide(report).exit_code == ExitCode.PROBLEMS


def test_empty_report_is_ok(healthy_cpu: Report) -> None:
    report = replace(healthy_cpu, checks=())
    assert decide(report).status is Status.OK
    assert tally(report).phrases() == ["0 passed"]


def test_tally_phrases(gpu_cpu_build: Report, timed_out: Report) -> None:
    assert tally(gpu_cpu_build).phrases() == ["1 error", "3 passed", "1 not applicable"]
    assert tally(timed_out).phrases() == ["3 passed", "1 not applicable", "1 could not check"]
    assert tally(gpu_cpu_build).as_dict()["errors"] == 1


def test_expect_reason_is_not_repeated_when_the_problem_is_shown(healthy_cpu: Report) -> None:
    from torchdoctor.report import Problem, Severity

    problem = Problem("expect-unmet", Severity.ERROR, "Expected cuda", "--expect cuda: no GPU.")
    line = Check("expect", "Expect cuda", CheckStatus.ERROR, "no GPU", problems=(problem,))
    report = replace(
        healthy_cpu, checks=(*healthy_cpu.checks, line), expect="cuda", expect_met=False
    )
    verdict = decide(report)
    assert verdict.exit_code == ExitCode.PROBLEMS
    assert verdict.reasons == ()
