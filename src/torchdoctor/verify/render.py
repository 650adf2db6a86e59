"""Output of `torchdoctor verify`: the terminal lines, the JSON document, the exit code.

    [✓] Import          torch 2.13.0+cpu in 2.0 s
    [–] Compatibility   no accelerator to check
    ...
    [✓] PyTorch works   2.13.0+cpu · import 2.0 s · matmul 1024² fp32: CPU 104 GFLOP/s

The text is composed here and rich only colours it, so it reads the same with NO_COLOR or in a
pipe; commands are printed alone on their own line with soft wrap, so a triple-click copies them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, TextIO

from torchdoctor import __version__
from torchdoctor.exitcodes import ExitCode
from torchdoctor.model import CheckStatus, Severity
from torchdoctor.render import json_doc
from torchdoctor.render.style import asciify, glyphs_for
from torchdoctor.verify.result import StageStatus, VerifyResult
from torchdoctor.verify.summary import describe_stage, seconds, to_check

SCHEMA_VERSION = json_doc.SCHEMA_VERSION
TITLE_WIDTH = 16
_STYLE = {
    CheckStatus.OK: "green",
    CheckStatus.WARNING: "yellow",
    CheckStatus.ERROR: "bold red",
    CheckStatus.NOT_APPLICABLE: "dim",
    CheckStatus.UNKNOWN: "magenta",
}


def exit_code(result: VerifyResult) -> ExitCode:
    """1 for an error problem; 3 when a stage was cut short and nothing else failed; else 0."""
    if any(p.severity is Severity.ERROR for p in result.problems):
        return ExitCode.PROBLEMS
    if result.incomplete:
        return ExitCode.INCOMPLETE
    return ExitCode.OK


def status(result: VerifyResult) -> str:
    """The JSON `status`: ok, warn, fail or unknown (could not finish)."""
    code = exit_code(result)
    if code is ExitCode.PROBLEMS:
        return "fail"
    if code is ExitCode.INCOMPLETE:
        return "unknown"
    return "warn" if result.problems else "ok"


def document(result: VerifyResult) -> dict[str, Any]:
    """The one JSON document of `verify --json`, `schema_version` first."""
    code = exit_code(result)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": dict(json_doc.TOOL),
        "command": "verify",
        "status": status(result),
        "exit_code": int(code),
        "target": {"python": result.python, "version": result.child.get("python")},
        "verify": result.to_dict(),
        "problems": [json_doc.problem_dict(p) for p in result.problems],
    }


def error_document(message: str, code: int = ExitCode.USAGE) -> dict[str, Any]:
    """The document printed when verify cannot start at all (a usage error)."""
    return json_doc.error_document("verify", message, code)


def stage_box(result: VerifyResult, name: str) -> CheckStatus:
    """The box in front of a stage line."""
    stage = result.stage(name)
    if stage is None or stage.status is StageStatus.NOT_RUN or stage.interruption is not None:
        return CheckStatus.UNKNOWN
    if stage.status is StageStatus.SKIPPED:
        return CheckStatus.NOT_APPLICABLE
    return CheckStatus.OK if stage.status is StageStatus.OK else CheckStatus.ERROR


def terminal_lines(result: VerifyResult, verbose: int, ascii: bool) -> list[tuple[str, str]]:
    """(text, style) lines of the terminal output, before any colouring."""
    glyphs = glyphs_for(ascii)
    lines: list[tuple[str, str]] = []
    child = result.child
    runtime = f" ({child.get('implementation', '')} {child.get('python', '')})" if child else ""
    lines += [(f"torchdoctor {__version__} · verify · target: {result.python}{runtime}", "bold")]
    lines.append(("", ""))
    for stage in result.stages:
        box = stage_box(result, stage.name)
        took = f" ({seconds(stage.duration_s)})" if verbose and stage.duration_s else ""
        text = f"{stage.name.capitalize():<{TITLE_WIDTH}}{describe_stage(stage)}{took}"
        lines.append((f"{glyphs.box[box]} {text}", _STYLE[box]))
    check = to_check(result)
    lines.append(("", ""))
    summary = check.summary
    lines.append((f"{glyphs.box[check.status]} {check.title:<{TITLE_WIDTH}}{summary}",
                  _STYLE[check.status]))
    for problem in result.problems:
        mark = glyphs.severity[problem.severity]
        lines.append((f"      {mark} [{problem.code}] {problem.message}", ""))
        if problem.fix is not None:
            lines.append((f"      {glyphs.arrow} {problem.fix.text}", ""))
            lines += [(f"          {command}", "bold") for command in problem.fix.commands]
    if verbose:
        lines += [(f"      {glyphs.bullet} note: {note}", "dim") for note in result.notes]
        if result.stderr_tail.strip() and (result.problems or verbose > 1):
            lines.append(("      child stderr:", "dim"))
            lines += [(f"        {line}", "dim") for line in _stderr_excerpt(result.stderr_tail)]
    if ascii:
        lines = [(asciify(text), style) for text, style in lines]
    return lines


def _stderr_excerpt(text: str) -> list[str]:
    """The innermost frames of a faulthandler dump (printed first), else the last lines."""
    lines = text.strip().splitlines()
    marker = next((i for i, line in enumerate(lines) if "most recent call first" in line), None)
    if marker is not None:
        return lines[max(0, marker - 2) : marker + 8]
    return lines[-12:]


def print_terminal(
    result: VerifyResult, stream: TextIO, verbose: int, env: Mapping[str, str] | None = None
) -> None:
    """Print the report; colour only on a terminal without NO_COLOR, ASCII when needed."""
    from rich.console import Console
    from rich.text import Text

    env = os.environ if env is None else env
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        tty = False
    color = tty and not env.get("NO_COLOR") and env.get("TERM") != "dumb"
    ascii = not _can_encode(stream)
    console = Console(
        file=stream, no_color=not color, color_system="auto" if color else None,
        highlight=False, markup=False, emoji=False, soft_wrap=True,
    )
    for text, style in terminal_lines(result, verbose, ascii):
        console.print(Text(text, style=style if color else ""))


def _can_encode(stream: TextIO) -> bool:
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        glyphs_for(False).sample().encode(encoding)
        "²×…".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
