"""The JUnit XML report: valid XML that CI test reporters read, one testcase per check line,
failures carrying the problem and its fix commands, and text XML cannot hold escaped."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import pytest
from cli_support import MACHINES

from torchdoctor.catalogue import problem
from torchdoctor.pipeline import build_report
from torchdoctor.probes import collect_facts
from torchdoctor.recorded import RecordedHost
from torchdoctor.render.junit import clean, render_junit
from torchdoctor.report import Check, CheckStatus, Fix, Report, Severity
from torchdoctor.verdict import decide

MACHINE_NAMES = sorted(p.name for p in MACHINES.iterdir() if (p / "machine.json").exists())


def _report(name: str, **options: str) -> Report:
    return build_report("check", collect_facts(RecordedHost(MACHINES / name), timeout=2.0), None,
                        **options)  # type: ignore[arg-type]


def _suite(text: str) -> ET.Element:
    root = ET.fromstring(text)  # raises on anything that is not well-formed XML
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    for name in ("tests", "failures", "errors", "skipped"):
        assert root.get(name) == suites[0].get(name)
    return suites[0]


def _properties(suite: ET.Element) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in suite.iterfind("properties/property")}


@pytest.mark.parametrize("name", MACHINE_NAMES)
def test_one_testcase_per_check_line_and_counts_that_add_up(name: str) -> None:
    report = _report(name)
    suite = _suite(render_junit(report))
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [c.title for c in report.checks]
    assert {c.get("classname") for c in cases} == {"torchdoctor.check"}
    assert suite.get("tests") == str(len(report.checks))
    outcomes = {"failure": 0, "error": 0, "skipped": 0}
    for case, check in zip(cases, report.checks, strict=True):
        found = [child.tag for child in case if child.tag in outcomes]
        expected = {CheckStatus.ERROR: ["failure"], CheckStatus.UNKNOWN: ["error"],
                    CheckStatus.NOT_APPLICABLE: ["skipped"]}.get(check.status, [])
        assert found == expected, (check.title, check.status)
        for tag in found:
            outcomes[tag] += 1
    assert suite.get("failures") == str(outcomes["failure"])
    assert suite.get("errors") == str(outcomes["error"])
    assert suite.get("skipped") == str(outcomes["skipped"])
    props = _properties(suite)
    verdict = decide(report)
    assert props["status"] == verdict.status.value
    assert props["exit_code"] == str(int(verdict.exit_code))
    assert (outcomes["failure"] > 0) == (verdict.exit_code == 1)


def test_a_failure_carries_the_problem_and_every_fix_command() -> None:
    report = _report("driver-library-mismatch")
    suite = _suite(render_junit(report))
    errors = [p for p in report.problems if p.severity is Severity.ERROR]
    assert errors
    texts = "\n".join(f.text or "" for f in suite.iter("failure"))
    for found in errors:
        failure = next(f for f in suite.iter("failure") if found.code in (f.text or ""))
        assert failure.get("message", "").startswith(found.title)
        assert found.message in texts
        assert found.fix is not None
        for command in found.fix.commands:
            assert f"\n    {command}" in texts  # one a line, as it is to be run
    assert suite.find("testcase/failure[@type='driver-library-mismatch']") is not None


def test_properties_name_the_torch_build() -> None:
    report = _report("h100-driver580", expect="cuda")
    props = _properties(_suite(render_junit(report)))
    assert props["torch.version"] == "2.13.0"
    assert props["torch.cuda"] == "13.0"
    assert props["expect"] == "cuda"
    assert props["command"] == "check"
    assert "accelerator" not in props  # nothing was verified: no value, rather than a guess


def test_warnings_pass_unless_strict() -> None:
    check = Check("env", "Environment", CheckStatus.WARNING, "CUDA_VISIBLE_DEVICES is empty",
                  problems=(problem("cuda-visible-devices-hides-gpus", "env", "hidden",
                                    Fix("unset it", ("unset CUDA_VISIBLE_DEVICES",))),))
    report = Report("check", "/usr/bin/python3", (check,), None, None)
    relaxed = _suite(render_junit(report))
    assert relaxed.find("testcase/failure") is None
    assert "unset CUDA_VISIBLE_DEVICES" in (relaxed.findtext("testcase/system-out") or "")
    strict = _suite(render_junit(dataclasses.replace(report, strict=True)))
    failure = strict.find("testcase/failure")
    assert failure is not None
    assert failure.get("type") == "cuda-visible-devices-hides-gpus"
    assert strict.get("failures") == "1"


def test_could_not_check_is_an_error_with_the_reason() -> None:
    check = Check("nvidia", "NVIDIA driver", CheckStatus.UNKNOWN, "could not check",
                  reason="nvidia-smi timed out after 5 s")
    suite = _suite(render_junit(Report("check", "py", (check,), None, None)))
    error = suite.find("testcase/error")
    assert error is not None
    assert error.get("message") == "nvidia-smi timed out after 5 s"


HOSTILE = "GPU \x1b[31mred\x1b[0m \x00nul\x07 <&> \"q\" 'a' \r\n line \ud800 \ufffe ö ✓"


def test_text_xml_cannot_hold_is_escaped_and_the_rest_kept() -> None:
    found = problem("kernel-failed", "verify", HOSTILE, Fix(HOSTILE, (HOSTILE,)))
    check = Check("verify", HOSTILE, CheckStatus.ERROR, HOSTILE, problems=(found,))
    report = Report("check", HOSTILE, (check,), None, None)
    for ascii in (False, True):
        text = render_junit(report, ascii=ascii)
        suite = _suite(text)  # well-formed despite NUL, ESC, a lone surrogate, U+FFFE
        case = suite.find("testcase")
        assert case is not None
        name = case.get("name", "")
        assert "\\x1b[31mred" in name
        assert "\\x00nul\\x07" in name
        assert "<&>" in name
        assert '"q"' in name
        assert "ö ✓" in name
        assert "\\ud800" in name
        assert "\\ufffe" in name
        failure = case.find("failure")
        assert failure is not None
        assert HOSTILE not in (failure.text or "")
        assert clean(HOSTILE) in (failure.text or "")
        if ascii:
            assert text.isascii()


def test_clean_keeps_tabs_and_newlines() -> None:
    assert clean("a\tb\nc") == "a\tb\nc"
    assert clean("a\rb") == "a\\x0db"
