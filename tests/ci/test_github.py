"""GitHub Actions' side of a report: workflow commands escaped as GitHub's toolkit does, one
annotation per problem with its fix, the job summary, and `check` doing both under Actions while
`--json` keeps stdout to its one document."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path

import pytest
from cli_support import MACHINES, invoke

from torchdoctor.catalogue import CATALOG, problem
from torchdoctor.ci.github import (
    active,
    annotation_lines,
    command,
    escape_data,
    escape_property,
    output_lines,
)
from torchdoctor.recorded import RecordedHost
from torchdoctor.report import Check, CheckStatus, Fix, Report


class ActionsHost(RecordedHost):
    """A recorded machine seen from a GitHub Actions step: the runner's variables added."""

    def __init__(self, name: str, variables: Mapping[str, str]) -> None:
        super().__init__(MACHINES / name)
        self._variables = dict(variables)

    @property
    def env(self) -> Mapping[str, str]:
        return {**super().env, **self._variables}


def _parse(line: str) -> tuple[str, str, str]:
    """(level, title, message) of a workflow command, unescaped as the runner does."""
    assert line.startswith("::")
    head, message = line[2:].split("::", 1)
    level, _, props = head.partition(" ")
    assert props.startswith("title=")
    title = props[len("title="):]
    assert "," not in title  # one property: a comma would start another

    def unescape(text: str) -> str:
        for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","),
                              ("%25", "%")):
            text = text.replace(escaped, char)
        return text

    return level, unescape(title), unescape(message)


def test_escaping_follows_the_toolkit() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a: b, c%\n") == "a%3A b%2C c%25%0A"
    # `%` first: an escape already in the text is not read back as the character.
    assert escape_data("%0A") == "%250A"


def test_a_hostile_message_stays_one_command() -> None:
    line = command("error", "GPU \x1b[2J, name: x", "line 1\n::warning::forged\r\n%0A \x07")
    assert "\n" not in line
    assert "\r" not in line
    assert "\x1b" not in line
    assert "\x07" not in line
    level, title, message = _parse(line)
    assert level == "error"
    assert title == "GPU \\x1b[2J, name: x"
    assert message == "line 1\n::warning::forged\\x0d\n%0A \\x07"  # CR shown, never obeyed


def _report(*checks: Check, strict: bool = False) -> Report:
    return Report("check", "/usr/bin/python3", checks, None, None, strict=strict)


def test_one_annotation_per_problem_with_its_fix() -> None:
    error = problem("cpu-build-on-gpu-host", "torch", "This torch has no CUDA.",
                    Fix("Replace it with the CUDA 13.0 build:",
                        ("pip3 install --force-reinstall torch --index-url "
                         "https://download.pytorch.org/whl/cu130",)))
    warning = problem("low-disk-space", "resources", "2 GB free.", Fix("Free some space."))
    info = problem("knowledge-stale", "knowledge", "torch 2.99 is newer.")
    report = _report(Check("torch", "PyTorch", CheckStatus.ERROR, "", problems=(error,)),
                     Check("resources", "Resources", CheckStatus.WARNING, "",
                           problems=(warning,)),
                     Check("knowledge", "Knowledge", CheckStatus.OK, "", problems=(info,)))
    parsed = [_parse(line) for line in annotation_lines(report)]
    assert parsed == [
        ("error", "CPU-only torch on a GPU machine (cpu-build-on-gpu-host)",
         "This torch has no CUDA.\n→ Replace it with the CUDA 13.0 build:\n"
         "    pip3 install --force-reinstall torch --index-url "
         "https://download.pytorch.org/whl/cu130"),
        ("warning", "Low disk space for the wheels (low-disk-space)",
         "2 GB free.\n→ Free some space."),
        ("notice", f"{CATALOG['knowledge-stale'].title} (knowledge-stale)",
         "torch 2.99 is newer."),
    ]
    strict = [_parse(line) for line in annotation_lines(dataclasses.replace(report,
                                                                            strict=True))]
    assert [level for level, _, _ in strict] == ["error", "error", "notice", "error"]
    assert strict[-1][1:] == ("torchdoctor", "--strict: warnings fail this run.")


def test_an_incomplete_run_says_why_it_failed() -> None:
    report = _report(Check("nvidia", "NVIDIA driver", CheckStatus.UNKNOWN, "could not check",
                           reason="nvidia-smi timed out after 5 s"))
    assert [_parse(line) for line in annotation_lines(report)] == [
        ("error", "torchdoctor", "Incomplete: could not check NVIDIA driver.")]


def test_credentials_never_reach_an_annotation() -> None:
    found = problem("index-resolution-cpu-wheel", "env",
                    "PIP_INDEX_URL=https://user:s3cr3t@pypi.example.org/simple picks CPU wheels")
    report = _report(Check("env", "Environment", CheckStatus.WARNING, "", problems=(found,)))
    text = "\n".join(annotation_lines(report))
    assert "s3cr3t" not in text
    assert "pypi.example.org" in text


def test_outputs_are_one_line_each() -> None:
    assert output_lines({"status": "ok", "torch-version": "2.13.0\n+cpu"}) == [
        "status=ok", "torch-version=2.13.0 +cpu"]


def test_active_only_under_github_actions() -> None:
    assert active({"GITHUB_ACTIONS": "true"})
    assert not active({"CI": "true"})
    assert not active({})


@pytest.mark.parametrize("as_json", [False, True])
def test_check_under_actions_writes_the_summary_and_the_annotations(
        tmp_path: Path, as_json: bool) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    host = ActionsHost("cpu-linux-laptop", {"GITHUB_ACTIONS": "true", "CI": "true",
                                            "GITHUB_STEP_SUMMARY": str(summary)})
    args = ["check", "--no-verify", "--expect", "cuda", *(["--json"] if as_json else [])]
    result = invoke(*args, host=host)
    assert result.exit_code == 1
    if as_json:
        assert json.loads(result.stdout)["status"] == "fail"  # stdout: the one document
    else:
        assert result.stdout.startswith("torchdoctor ")
        assert "::" not in result.stdout
        assert "\x1b[" not in result.stdout
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n")  # appended: other steps' summaries stay
    assert "# torchdoctor report" in text
    assert "/home/ada" not in text  # the summary is redacted as `report` is
    annotations = [_parse(line) for line in result.stderr.splitlines() if line.startswith("::")]
    assert ("error", "The expected accelerator is not usable (expect-unmet)") in [
        (level, title) for level, title, _ in annotations]


def test_outside_actions_nothing_is_published(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    host = ActionsHost("cpu-linux-laptop", {"CI": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    result = invoke("check", "--no-verify", "--expect", "cuda", host=host)
    assert result.exit_code == 1
    assert not summary.exists()
    assert "::error" not in result.stderr


def test_an_unwritable_summary_is_one_line_not_a_failure(tmp_path: Path) -> None:
    host = ActionsHost("cpu-linux-laptop", {"GITHUB_ACTIONS": "true",
                                            "GITHUB_STEP_SUMMARY": str(tmp_path)})  # a folder
    result = invoke("check", "--no-verify", "--json", host=host)
    assert result.exit_code == json.loads(result.stdout)["exit_code"]
    assert "torchdoctor: cannot write the job summary" in result.stderr
    assert "Traceback" not in result.stderr
