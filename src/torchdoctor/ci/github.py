"""GitHub Actions' side of a report: the job summary, one annotation per problem, step outputs.

Under GitHub Actions (`GITHUB_ACTIONS=true`) `torchdoctor check` calls `publish`: the Markdown
report (redacted, as `report` prints it) is appended to `$GITHUB_STEP_SUMMARY`, and each problem
becomes a workflow command on stderr, which the runner reads as it reads stdout, so `--json`
keeps stdout to its one document:

    ::error title=CPU-only torch on a GPU machine (cpu-build-on-gpu-host)::This build ...%0A→ ...

Errors are `::error`, warnings `::warning` (`::error` under `--strict`, where they fail the run),
information `::notice`; a reason of the verdict that no problem carries ("Incomplete: could not
check …") is one more. Values are escaped as GitHub's toolkit does (`%`, CR and LF in the
message; also `:` and `,` in a property), after control characters are shown as escapes, so a
probed string can neither end the command nor start another.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from torchdoctor.report import Problem, Report, Severity, Status

if TYPE_CHECKING:
    from torchdoctor.environment import Environment

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def active(env: Mapping[str, str]) -> bool:
    """Whether this runs as a GitHub Actions step."""
    return env.get("GITHUB_ACTIONS") == "true"


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's toolkit does (`escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (`title=`), escaped (`escapeProperty`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, title: str, message: str) -> str:
    """One workflow command line: `::LEVEL title=TITLE::MESSAGE`."""
    from torchdoctor.render.style import escape_controls

    return (f"::{level} title={escape_property(escape_controls(title))}::"
            f"{escape_data(escape_controls(message))}")


def problem_message(problem: Problem) -> str:
    """What an annotation says: the message, then `→` and the fix, then its commands."""
    lines = [problem.message]
    if problem.fix is not None:
        lines.append(f"→ {problem.fix.text}")
        lines += [f"    {command}" for command in problem.fix.commands]
    return "\n".join(lines)


def annotation_lines(report: Report) -> list[str]:
    """The workflow commands of a report: one per problem, in display order, then one per
    reason of the verdict that no problem line says."""
    from torchdoctor.render.redact import sanitize_report
    from torchdoctor.verdict import decide

    verdict = decide(report)
    report = sanitize_report(report)  # credentials and env filtering, as in every output
    lines = []
    for problem in report.problems:
        level = _LEVEL[problem.severity]
        if report.strict and problem.severity is Severity.WARNING:
            level = "error"
        lines.append(command(level, f"{problem.title} ({problem.code})",
                             problem_message(problem)))
    level = "error" if verdict.status in (Status.FAIL, Status.UNKNOWN) else "notice"
    lines += [command(level, "torchdoctor", reason) for reason in verdict.reasons]
    return lines


def publish(env: Environment, report: Report) -> None:
    """The job summary and the annotations of a report, under GitHub Actions. Neither can fail
    the run: a summary file that cannot be written is one line on stderr."""
    from torchdoctor.environment import can_encode
    from torchdoctor.render.markdown import render_markdown

    summary = env.host.env.get("GITHUB_STEP_SUMMARY")
    if summary:
        try:
            append(summary, [render_markdown(report)])
        except OSError as exc:
            env.say(f"torchdoctor: cannot write the job summary {summary}: "
                    f"{exc.strerror or exc}")
    lines = annotation_lines(report)
    if not can_encode(env.stderr, "→"):
        from torchdoctor.render.style import asciify

        lines = [asciify(line) for line in lines]
    for line in lines:
        env.say(line)


def append(path: str, texts: Iterable[str]) -> None:
    """Append to one of the runner's files (the summary, the outputs), in UTF-8. OSError."""
    with open(path, "a", encoding="utf-8", newline="\n") as handle:
        for text in texts:
            handle.write(text if text.endswith("\n") else text + "\n")


def output_lines(values: Mapping[str, str]) -> list[str]:
    """Step outputs in `$GITHUB_OUTPUT`'s `name=value` form (each value kept to one line)."""
    return [f"{name}={' '.join(value.splitlines())}" for name, value in values.items()]
