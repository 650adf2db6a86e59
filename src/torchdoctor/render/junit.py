"""The JUnit XML report (`--format junit`): the form GitLab, Jenkins, Azure Pipelines, Buildkite
and CircleCI read as test results, so a failed check shows where a failed test would.

One `<testsuite>` per run, one `<testcase>` per check line, in display order:

- an error line is a `<failure>` (type: the first problem's code; text: every problem of the line
  with its fix and the fix's commands, one a line, as they are to be run);
- a warning line passes, its problems kept in `<system-out>`, unless `--strict` made warnings
  fail: then it is a `<failure>` too;
- a line that could not be checked is an `<error>` (the check itself did not run), with the
  reason;
- a line that does not apply is `<skipped>`.

`<properties>` carry what a dashboard keys on: the status, the exit code, torch's version and
CUDA, the verified accelerator, the speed-up. Text is sanitised as for the terminal report
(credentials, environment allow-list), and every character XML 1.0 cannot hold (control
characters, an ESC from a probed GPU name) is written as its escape (`\\x1b`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from torchdoctor import __version__
from torchdoctor.render.redact import sanitize_report
from torchdoctor.render.style import escape_controls
from torchdoctor.report import Check, CheckStatus, Problem, Report, Severity
from torchdoctor.verdict import Verdict, decide

# What escape_controls leaves that XML 1.0 still refuses: lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """Text that XML 1.0 can hold: control characters shown as their escapes."""
    text = escape_controls(text).replace("\r", "\\x0d")
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def problem_text(problem: Problem) -> str:
    """A problem as the failure's text: what, why, the fix and its commands (one a line)."""
    lines = [f"[{problem.severity.value}] {problem.title} ({problem.code})", problem.message]
    if problem.fix is not None:
        lines.append(f"Fix: {problem.fix.text}")
        lines += [f"    {command}" for command in problem.fix.commands]
    return "\n".join(lines)


def _properties(report: Report, verdict: Verdict) -> list[tuple[str, str]]:
    from torchdoctor import headline

    known, cuda = headline.cuda_version(report.facts, report.verify)
    speedup = headline.speedup(report.verify)
    values = [
        ("torchdoctor.version", __version__),
        ("command", report.command),
        ("status", verdict.status.value),
        ("exit_code", str(int(verdict.exit_code))),
        ("target.python", report.target_python),
        ("torch.version", headline.torch_version(report.facts, report.verify) or ""),
        ("torch.cuda", (cuda or "none") if known else ""),
        ("accelerator", headline.accelerator(report.verify) or ""),
        ("speedup", f"{speedup:.1f}" if speedup is not None else ""),
        ("expect", report.expect or ""),
        ("strict", "true" if report.strict else "false"),
    ]
    return [(name, value) for name, value in values if value]


def _outcome(case: ET.Element, check: Check, strict: bool) -> str | None:
    """Add the failure, error or skipped element of a check line; which one it was."""
    problems = check.problems
    fails = check.status is CheckStatus.ERROR or (strict and check.status is CheckStatus.WARNING)
    if fails:
        worst = sorted(problems, key=lambda p: p.severity is not Severity.ERROR)
        first = worst[0] if worst else None
        message = f"{first.title}: {first.message}" if first else check.summary
        failure = ET.SubElement(case, "failure", message=clean(message),
                                type=first.code if first else check.status.value)
        failure.text = clean("\n\n".join(problem_text(p) for p in problems) or check.summary)
        return "failure"
    if check.status is CheckStatus.UNKNOWN:
        error = ET.SubElement(case, "error", message=clean(check.reason or check.summary),
                              type="could-not-check")
        error.text = clean(check.summary)
        return "error"
    if check.status is CheckStatus.NOT_APPLICABLE:
        ET.SubElement(case, "skipped", message=clean(check.summary or "not applicable"))
        return "skipped"
    return None


def _system_out(check: Check, failed: bool) -> str:
    """The line's summary and details; its problems too, where no failure carries them."""
    lines = [check.summary, *check.details]
    lines += [] if failed else [problem_text(p) for p in check.problems]
    return "\n".join(line for line in lines if line)


def render_junit(report: Report, ascii: bool = False) -> str:
    """The JUnit XML document of a report (UTF-8; with `ascii`, every non-ASCII character as a
    character reference, for a stream that cannot print it)."""
    verdict = decide(report)
    report = sanitize_report(report)  # credentials and env filtering, always
    suite = ET.Element("testsuite", name=f"torchdoctor {report.command}")
    props = ET.SubElement(suite, "properties")
    for name, value in _properties(report, verdict):
        ET.SubElement(props, "property", name=name, value=clean(value))
    counts = {"failure": 0, "error": 0, "skipped": 0}
    for check in report.checks:
        case = ET.SubElement(suite, "testcase", classname=f"torchdoctor.{report.command}",
                             name=clean(check.title))
        outcome = _outcome(case, check, report.strict)
        if outcome is not None:
            counts[outcome] += 1
        out = _system_out(check, outcome == "failure")
        if out:
            ET.SubElement(case, "system-out").text = clean(out)
    suite.set("tests", str(len(report.checks)))
    suite.set("failures", str(counts["failure"]))
    suite.set("errors", str(counts["error"]))
    suite.set("skipped", str(counts["skipped"]))
    root = ET.Element("testsuites", name="torchdoctor", tests=suite.get("tests", "0"),
                      failures=suite.get("failures", "0"), errors=suite.get("errors", "0"),
                      skipped=suite.get("skipped", "0"))
    root.append(suite)
    ET.indent(root)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
    text += "\n"
    return text.encode("ascii", "xmlcharrefreplace").decode("ascii") if ascii else text
