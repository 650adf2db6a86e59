"""The terminal report: flutter-doctor layout, one line per check, fixes as copyable commands.

    torchdoctor 0.1.0 · target: /srv/app/.venv/bin/python (CPython 3.11.9, venv)

    [✓] Platform        Linux x86_64 · Ubuntu 22.04 · glibc 2.35
    [✗] PyTorch         2.13.0+cpu — CPU-only build, but an NVIDIA GPU is present
          ✗ This build of torch has no CUDA support, so it cannot use the GPU.
          → Replace it with the CUDA 12.6 build:
              pip3 install --force-reinstall torch --index-url https://download.pytorch.org/whl/cu126

The layout is computed here (wrapping prose with textwrap, never commands); rich only styles it, so
the text is the same with and without colour. Commands are printed with soft wrap: a long command
stays one physical line, and a triple-click copies all of it.
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING

from torchdoctor import __version__
from torchdoctor.render.environment import target_description
from torchdoctor.render.redact import RedactionContext, redact_report, sanitize_report
from torchdoctor.render.style import Glyphs, asciify, escape_controls, glyphs_for
from torchdoctor.report import CheckStatus, FileEdit, Report, Severity, Status
from torchdoctor.verdict import decide, tally

if TYPE_CHECKING:
    from rich.text import Text

TITLE_WIDTH = 16  # the title column; a longer title widens it for the whole report
_STATUS_STYLE = {
    CheckStatus.OK: "green",
    CheckStatus.WARNING: "yellow",
    CheckStatus.ERROR: "bold red",
    CheckStatus.NOT_APPLICABLE: "dim",
    CheckStatus.UNKNOWN: "magenta",
}
_SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


class _Lines:
    """Collects styled lines; `prose` wraps, `raw` never does."""

    def __init__(self, width: int, glyphs: Glyphs, ascii: bool) -> None:
        self.width = width
        self.glyphs = glyphs
        self.ascii = ascii
        self.items: list[Text] = []

    def raw(self, *parts: tuple[str, str]) -> None:
        """One physical line made of (text, style) parts, printed as it is."""
        from rich.text import Text

        # Part by part, so styles stay on their text: probed text may carry control sequences
        # (a GPU name with ESC in it), shown escaped; then the ASCII spelling where needed.
        parts = tuple((escape_controls(text), style) for text, style in parts)
        if self.ascii:
            parts = tuple((asciify(text), style) for text, style in parts)
        self.items.append(Text.assemble(*parts))

    def blank(self) -> None:
        self.raw(("", ""))

    def prose(self, indent: int, lead: tuple[str, str], text: str, style: str = "") -> None:
        """`lead` (a marker such as "→ ") then `text`, wrapped under itself."""
        text = escape_controls(text)  # before wrapping: lengths change
        text = asciify(text) if self.ascii else text
        room = max(self.width - indent - len(lead[0]), 20)
        # Paths and URLs must not be cut in the middle: wrap only at spaces.
        chunks = textwrap.wrap(text, room, break_long_words=False, break_on_hyphens=False)
        pad = " " * indent
        for i, chunk in enumerate(chunks or [""]):
            first = lead if i == 0 else (" " * len(lead[0]), "")
            self.raw((pad, ""), first, (chunk, style))


def _check_lines(out: _Lines, report: Report, verbose: int, title_width: int) -> None:
    g = out.glyphs
    box_width = len(g.box[CheckStatus.OK]) + 1
    for check in report.checks:
        summary = check.summary
        if check.status is CheckStatus.UNKNOWN:
            summary = summary or "could not check"
            if check.reason:
                summary = f"{summary} {g.dash} {check.reason}"
        box = (g.box[check.status], _STATUS_STYLE[check.status])
        head = (check.title.ljust(title_width - 1) + " ", "bold")
        style = "dim" if check.status is CheckStatus.NOT_APPLICABLE else ""
        lead_width = box_width + title_width
        room = max(out.width - lead_width, 30)
        summary = escape_controls(summary)
        summary = asciify(summary) if out.ascii else summary
        chunks = textwrap.wrap(summary, room, break_long_words=False, break_on_hyphens=False)
        for i, chunk in enumerate(chunks or [""]):
            if i == 0:
                out.raw(box, (" ", ""), head, (chunk, style))
            else:
                out.raw((" " * lead_width, ""), (chunk, style))
        if verbose:
            for detail in check.details:
                out.prose(6, (g.bullet + " ", "dim"), detail, "dim")
        for problem in check.problems:
            _problem_lines(out, problem.severity, problem.message, problem.code, verbose)
            if problem.fix is None:
                continue
            out.prose(6, (g.arrow + " ", "cyan"), problem.fix.text)
            for edit in problem.fix.edits:
                _edit_lines(out, edit)
            for command in problem.fix.commands:
                out.raw((" " * 10, ""), (command, "bold"))


def edit_steps(edit: FileEdit) -> list[tuple[str, tuple[str, ...]]]:
    """An edit as (what to do, the lines it is about): "in FILE, line 3, replace:" with the old
    lines, then "with:" and the new ones; an addition or a deletion is one step."""
    if not edit.old:
        where = f"in {edit.path}, after line {edit.line}" if edit.line else \
            f"at the end of {edit.path}"
        return [(f"{where}, add:", edit.new)]
    at = f"line {edit.line}" if len(edit.old) == 1 else \
        f"lines {edit.line}-{(edit.line or 0) + len(edit.old) - 1}"
    if not edit.new:
        return [(f"in {edit.path}, delete {at}:", edit.old)]
    return [(f"in {edit.path}, {at}, replace:", edit.old), ("with:", edit.new)]


def _edit_lines(out: _Lines, edit: FileEdit) -> None:
    """The edit of a project file, its lines as they are (never wrapped): ready to paste."""
    for label, lines in edit_steps(edit):
        out.raw((" " * 10, ""), (label, "cyan"))
        for line in lines:
            out.raw((" " * 12 if line else "", ""), (line, "bold"))


def _problem_lines(out: _Lines, severity: Severity, message: str, code: str, verbose: int) -> None:
    marker = (out.glyphs.severity[severity] + " ", _SEVERITY_STYLE[severity])
    text = f"{message} [{code}]" if verbose else message
    out.prose(6, marker, text)


def _install_lines(out: _Lines, report: Report, verbose: int) -> None:
    plan = report.install
    if plan is None:
        return
    g = out.glyphs
    out.blank()
    what = f"torch {plan.torch_version}" if plan.torch_version else "torch"
    if plan.compute:
        what += f" ({plan.compute})"
    date = plan.knowledge_date or report.knowledge_date
    when = f", release knowledge of {date}" if date else ""
    out.prose(0, ("", ""), f"Install command {g.dash} {what}{when}", "bold")
    if plan.installed_already:
        out.prose(2, ("", ""), "Installed here already: the command is for a new environment.",
                  "dim")
    if plan.prerequisite:  # right above the command: it fails or misleads without it
        out.prose(2, ("", ""), plan.prerequisite, "yellow")
    for line in plan.command.splitlines():  # an uninstall step stands on its own line
        out.raw((" " * 4, ""), (line, "bold"))
    if plan.replaces_installed:
        out.prose(2, ("", ""), "This replaces the torch build installed now.", "dim")
    if verbose:
        for sentence in plan.rationale:
            out.prose(2, (g.bullet + " ", "dim"), sentence, "dim")
    for alt in plan.alternatives:
        out.prose(2, ("", ""), alt.label)
        for line in alt.command.splitlines():
            out.raw((" " * 4, ""), (line, "bold"))


def _footer_lines(out: _Lines, report: Report, verbose: int) -> None:
    g = out.glyphs
    verdict = decide(report)
    out.blank()
    failed = verdict.status is Status.FAIL
    marker = (g.severity[Severity.ERROR] if failed else g.query) + " "
    for reason in verdict.reasons:
        out.prose(0, (marker, "red" if failed else "magenta"), reason)
    counts = f" {g.dot} ".join(tally(report).phrases()) + "."
    hints = ["Machine-readable: --json"] if verbose else ["More detail: -v", "JSON: --json"]
    out.prose(0, ("", ""), f"{counts}  " + f" {g.dot} ".join(hints))


def render_terminal(
    report: Report,
    width: int = 100,
    color: bool = False,
    ascii: bool = False,
    verbose: int = 0,
    redaction: RedactionContext | None = None,
    preamble: tuple[str, ...] = (),
) -> str:
    """The whole terminal report as a string (ANSI styles only when `color`). `preamble`:
    lines printed as they are between the header and the checks (`dist`'s rank table)."""
    from rich.console import Console

    report = sanitize_report(report)  # credentials and env filtering, always
    if redaction is not None:
        report = redact_report(report, redaction)
    glyphs = glyphs_for(ascii)
    out = _Lines(width, glyphs, ascii)
    described = target_description(report)
    target = f"{report.target_python} ({described})" if described else report.target_python
    out.raw((f"torchdoctor {__version__}", "bold"), (f" {glyphs.dot} target: {target}", ""))
    out.blank()
    for text in preamble:
        out.raw((text, ""))
    if preamble:
        out.blank()
    longest = max((len(c.title) for c in report.checks), default=0)
    _check_lines(out, report, verbose, max(TITLE_WIDTH, longest + 2))
    _install_lines(out, report, verbose)
    _footer_lines(out, report, verbose)

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    for line in out.items:
        # soft_wrap: rich neither wraps nor crops; our own layout already fits prose to `width`.
        console.print(line, soft_wrap=True, no_wrap=True, overflow="ignore", crop=False)
    return buffer.getvalue()
