"""The Markdown report of `torchdoctor report`: paste it into a bug tracker as it is.

Redacted by default (home directories, user and host names, GPU UUIDs); only allow-listed
environment variables appear, with credentials stripped. The environment table reuses the field
names of `python -m torch.utils.collect_env`, which PyTorch triagers already know.
"""

from __future__ import annotations

from torchdoctor import __version__
from torchdoctor.render.environment import (
    collect_env_rows,
    environment_variables,
    project_rows,
    relevant_packages,
)
from torchdoctor.render.redact import RedactionContext, redact_report, sanitize_report
from torchdoctor.render.style import asciify, escape_controls
from torchdoctor.render.terminal import edit_steps
from torchdoctor.report import CheckStatus, Problem, Report, Severity, Status
from torchdoctor.verdict import decide, tally

_STATUS_MARK = {
    Status.OK: "✅ ok",
    Status.WARN: "⚠️ warnings",
    Status.FAIL: "❌ problems found",
    Status.UNKNOWN: "❔ incomplete",
}
_CHECK_MARK = {
    CheckStatus.OK: "✅",
    CheckStatus.WARNING: "⚠️",
    CheckStatus.ERROR: "❌",
    CheckStatus.NOT_APPLICABLE: "➖",
    CheckStatus.UNKNOWN: "❔",
}
_SEVERITY_MARK = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}


def cell(text: str) -> str:
    """Text safe inside a table cell: pipes escaped, line breaks as <br>."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>") or " "


def code_block(text: str, lang: str = "sh") -> list[str]:
    """A fenced block whose fence is longer than any backtick run inside (commands stay intact)."""
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{lang}", text, fence]


def _problem(problem: Problem) -> list[str]:
    mark = _SEVERITY_MARK[problem.severity]
    lines = [
        f"### {mark} {problem.title} (`{problem.code}`, {problem.severity.value})",
        "",
        problem.message,
    ]
    if problem.fix is not None:
        lines += ["", f"**Fix:** {problem.fix.text}"]
        for edit in problem.fix.edits:
            lang = {"toml": "toml", "yml": "yaml", "yaml": "yaml", "lock": "toml"}.get(
                edit.path.rsplit(".", 1)[-1], "text")
            for label, text in edit_steps(edit):
                lines += ["", label[:1].upper() + label[1:], "",
                          *code_block("\n".join(text), lang)]
        for command in problem.fix.commands:
            lines += ["", *code_block(command)]
    return [*lines, ""]


def _install(report: Report) -> list[str]:
    plan = report.install
    if plan is None:
        return []
    what = f"torch {plan.torch_version}" if plan.torch_version else "torch"
    if plan.compute:
        what += f" (`{plan.compute}`)"
    date = plan.knowledge_date or report.knowledge_date
    if date:
        what += f", release knowledge of {date}"
    if plan.installed_already:
        what += " — installed here already; the command is for a new environment"
    lines = ["## Install command", "", what, ""]
    if plan.prerequisite:
        lines += [f"**{plan.prerequisite}**", ""]
    lines += code_block(plan.command)
    if plan.rationale:
        lines += ["", "Why:", "", *(f"- {sentence}" for sentence in plan.rationale)]
    for alt in plan.alternatives:
        lines += ["", alt.label, "", *code_block(alt.command)]
    return [*lines, ""]


def _environment(report: Report) -> list[str]:
    lines = ["## Environment", "", "| Field | Value |", "|---|---|"]
    for name, value in collect_env_rows(report.facts, report.verify):
        # Values may hold <br> joins of several GPUs; only the pipes need escaping.
        lines.append(f"| {name} | {value.replace('|', chr(92) + '|') or ' '} |")
    packages = relevant_packages(report.facts)
    lines += ["", "<details><summary>Versions of relevant libraries</summary>", ""]
    if packages:
        lines += ["| Package | Version |", "|---|---|"]
        lines += [f"| {cell(name)} | {cell(version)} |" for name, version in packages]
    else:
        lines.append("Could not collect")
    lines += ["", "</details>", ""]
    folder, files = project_rows(report.facts)
    if files:
        lines += [f"<details><summary>Project files ({cell(folder or '')})</summary>", ""]
        lines += ["| File | What it says about torch |", "|---|---|"]
        lines += [f"| {cell(name)} | {cell(said)} |" for name, said in files]
        lines += ["", "</details>", ""]
    variables = environment_variables(report.facts)
    if variables:
        lines += ["<details><summary>Environment variables (allow-listed)</summary>", ""]
        lines += ["| Variable | Value |", "|---|---|"]
        lines += [f"| {cell(k)} | `{cell(v)}` |" for k, v in variables.items()]
        lines += ["", "</details>", ""]
    return lines


def render_markdown(
    report: Report, redact: bool = True, context: RedactionContext | None = None,
    ascii: bool = False,
) -> str:
    """The whole report. `context` names what to redact (default: this process's home/user/host).
    Control characters of probed text are shown escaped; `ascii` spells the marks out (`[ok]`)
    for a stream that cannot print them."""
    verdict = decide(report)
    report = sanitize_report(report)  # credentials and env filtering, even with --no-redact
    if redact:
        report = redact_report(report, context or RedactionContext.from_environment())
    note = (
        "Home directories, user and host names are redacted; run with --no-redact for full detail."
        if redact
        else "Not redacted: it may contain paths, user and host names."
    )
    counts = " · ".join(tally(report).phrases())
    lines = [
        f"<!-- torchdoctor report: valid Markdown, paste it into a bug tracker as is. {note} -->",
        "# torchdoctor report",
        "",
        f"**Status:** {_STATUS_MARK[verdict.status]} · {counts} · exit code "
        f"{int(verdict.exit_code)} · torchdoctor {__version__}",
        "",
        f"**Target:** `{report.target_python}`",
        "",
    ]
    lines += [f"> {reason}" for reason in verdict.reasons]
    lines += [""] if verdict.reasons else []
    lines += ["| Check | Status | Detail |", "|---|---|---|"]
    for check in report.checks:
        detail = check.summary
        if check.reason:
            detail = f"{detail} — {check.reason}" if detail else check.reason
        mark = f"{_CHECK_MARK[check.status]} {check.status.value.replace('_', ' ')}"
        lines.append(f"| {cell(check.title)} | {mark} | {cell(detail)} |")
    lines.append("")
    problems = report.problems
    if problems:
        lines += ["## Problems", ""]
        for problem in problems:
            lines += _problem(problem)
    lines += _install(report)
    lines += _environment(report)
    text = escape_controls("\n".join(lines).rstrip("\n") + "\n")
    return asciify(text) if ascii else text


__all__ = ["cell", "code_block", "render_markdown"]
