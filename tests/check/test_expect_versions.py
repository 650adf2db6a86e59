"""`--expect-torch PATTERN` and `--expect-cuda PATTERN`: a build other than the pinned one fails
the run (exit 1) with a problem that names what was expected and what was found."""

from __future__ import annotations

import pytest
from cli_support import REPO, invoke

from torchdoctor.catalogue import CATALOG
from torchdoctor.expect import matches, pattern_error
from torchdoctor.pipeline import build_report
from torchdoctor.verify.result import StageResult, StageStatus, VerifyResult

H100 = str(REPO / "tests" / "golden" / "machines" / "h100-driver580.json")  # torch 2.13.0, cu130
NO_TORCH = str(REPO / "tests" / "golden" / "machines" / "nvidia-no-driver.json")
ROCM = str(REPO / "tests" / "golden" / "machines" / "rx6700xt-gfx1031.json")


@pytest.mark.parametrize(
    ("pattern", "version", "met"),
    [
        ("2.15.*", "2.15.0+cu130", True),
        ("2.15.*", "2.15.1", True),
        ("2.15.*", "2.16.0+cu130", False),
        ("2.15", "2.15.0+cpu", True),  # no wildcard: a component prefix
        ("2.15", "2.150.0", False),
        ("2.15.0", "2.15.0+cu130", True),  # the local tag counts only when asked for
        ("2.15.*+cu130", "2.15.0+cu130", True),
        ("2.15.*+cu130", "2.15.0+cu128", False),
        ("2.15.0+cpu", "2.15.0", False),
        ("2.1[45].*", "2.14.2", True),
        ("13.0", "13.0", True),
        ("13", "13.0", True),
        ("12.*", "13.0", False),
        ("2.13.*", "2.13.0.dev20260101+cpu", True),
    ],
)
def test_matches(pattern: str, version: str, met: bool) -> None:
    assert matches(pattern, version) is met


def test_a_pattern_with_spaces_or_shell_characters_is_refused() -> None:
    assert pattern_error("--expect-torch", "2.15.*") is None
    assert pattern_error("--expect-torch", None) is None
    for bad in ("", "2.15 ", "2.15;rm", "$(x)"):
        assert "--expect-torch takes a version" in (pattern_error("--expect-torch", bad) or "")


def test_the_pinned_build_passes() -> None:
    result = invoke("diagnose", H100, "--expect-torch", "2.13.*", "--expect-cuda", "13.0",
                    "--json")
    assert result.exit_code == 0, result.stdout
    lines = {c["id"]: c for c in result.json()["checks"]}
    assert lines["expect-torch"]["status"] == "ok"
    assert lines["expect-torch"]["summary"] == "torch 2.13.0 matches 2.13.*"
    assert lines["expect-cuda"]["summary"] == "CUDA 13.0 matches 13.0"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--expect-torch", "2.15.*"), "--expect-torch 2.15.*: the installed torch is 2.13.0."),
        (("--expect-cuda", "12.8"),
         "--expect-cuda 12.8: the installed torch is built for CUDA 13.0."),
    ],
)
def test_another_build_fails_naming_expected_and_found(args: tuple[str, ...],
                                                       message: str) -> None:
    result = invoke("diagnose", H100, *args, "--json")
    assert result.exit_code == 1
    document = result.json()
    assert document["status"] == "fail"
    found = [p for p in document["problems"] if p["code"] == "expect-version-unmet"]
    assert [p["message"] for p in found] == [message]
    assert found[0]["title"] == CATALOG["expect-version-unmet"].title
    text = invoke("diagnose", H100, *args)
    assert message in text.stdout


def test_an_exact_expectation_gets_the_command_of_that_build() -> None:
    document = invoke("diagnose", H100, "--expect-cuda", "12.8", "--expect-torch", "2.12.0",
                      "--json").json()
    commands = [p["fix"]["commands"] for p in document["problems"]
                if p["code"] == "expect-version-unmet"]
    assert commands == [["torchdoctor install-command --torch 2.12.0"],
                        ["torchdoctor install-command --compute cu128"]]


def _unmet(*args: str) -> list[str]:
    result = invoke("diagnose", *args, "--json")
    assert result.exit_code == 1
    return [p["message"] for p in result.json()["problems"] if p["code"] == "expect-version-unmet"]


def test_no_torch_and_no_cuda_are_unmet() -> None:
    assert _unmet(NO_TORCH, "--expect-torch", "2.*") == [
        "--expect-torch 2.*: torch is not installed in the target environment, or could not be "
        "read."]
    assert _unmet(ROCM, "--expect-cuda", "*") == [
        "--expect-cuda *: the installed torch is built without CUDA."]
    cpu = VerifyResult("py", "auto", (
        StageResult("import", StageStatus.OK, data={"version": "2.13.0+cpu"}),
        StageResult("build", StageStatus.OK, data={"version": "2.13.0+cpu", "cuda": None})))
    report = build_report("verify", None, cpu, expect_cuda="13.0")
    assert [p.message for p in report.problems] == [
        "--expect-cuda 13.0: the installed torch is built without CUDA."]


def test_the_imported_torch_wins_over_the_one_on_disk() -> None:
    """What the verification imported is what the job's code gets."""
    from cli_support import invoke_environment

    from torchdoctor.documents import read_document

    facts = read_document(invoke_environment(), H100).facts  # 2.13.0 on disk
    imported = VerifyResult("py", "auto", (
        StageResult("import", StageStatus.OK, data={"version": "2.14.0+cu130"}),
        StageResult("build", StageStatus.OK, data={"version": "2.14.0+cu130", "cuda": "13.0"})))
    report = build_report("check", facts, imported, expect_torch="2.13.*")
    assert [c.summary for c in report.checks if c.id == "expect-torch"] == [
        "the installed torch is 2.14.0+cu130"]


@pytest.mark.parametrize("command", ["check", "verify", "diagnose"])
def test_a_bad_pattern_is_a_usage_error(command: str) -> None:
    args = [H100] if command == "diagnose" else ["--python", "python3"]
    result = invoke(command, *args, "--expect-cuda", "13 0", "--json")
    assert result.exit_code == 2
    assert "--expect-cuda takes a version" in result.json()["error"]["message"]
