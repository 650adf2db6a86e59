"""Glyph sets of the terminal report: Unicode, and the ASCII fallback for narrow encodings.

The glyph carries the meaning and colour only decorates it, so a report piped into a log, read
with NO_COLOR, or printed on a legacy console says the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from torchdoctor.report import CheckStatus, Severity


@dataclass(frozen=True)
class Glyphs:
    """The marks one report is drawn with."""

    box: dict[CheckStatus, str]  # the box in front of a check line
    severity: dict[Severity, str]  # the mark in front of a problem line
    arrow: str  # in front of a fix
    bullet: str  # in front of a detail line (-v)
    query: str  # in front of an "incomplete" line
    dot: str  # separator in running text
    dash: str  # separator between a summary and its reason

    def sample(self) -> str:
        """Every glyph in one string, to test whether an encoding can print them."""
        marks = (self.arrow, self.bullet, self.dot, self.dash)
        return "".join((*self.box.values(), *self.severity.values(), *marks))


GLYPHS = Glyphs(
    box={
        CheckStatus.OK: "[✓]",
        CheckStatus.WARNING: "[!]",
        CheckStatus.ERROR: "[✗]",
        CheckStatus.NOT_APPLICABLE: "[–]",
        CheckStatus.UNKNOWN: "[?]",
    },
    severity={Severity.ERROR: "✗", Severity.WARNING: "!", Severity.INFO: "•"},
    arrow="→",
    bullet="•",
    query="?",
    dot="·",
    dash="—",
)

ASCII_GLYPHS = Glyphs(
    box={
        CheckStatus.OK: "[ok]",
        CheckStatus.WARNING: "[!!]",
        CheckStatus.ERROR: "[xx]",
        CheckStatus.NOT_APPLICABLE: "[--]",
        CheckStatus.UNKNOWN: "[??]",
    },
    severity={Severity.ERROR: "x", Severity.WARNING: "!", Severity.INFO: "i"},
    arrow="->",
    bullet="*",
    query="?",
    dot="-",
    dash="-",
)

# What the report's own prose uses beyond ASCII, and its closest ASCII spelling.
_ASCII_MAP = str.maketrans(
    {
        "·": "-", "—": "-", "–": "-", "→": "->", "≤": "<=", "≥": ">=", "×": "x", "²": "^2",
        "³": "^3", "…": "...", "‘": "'", "’": "'", "“": '"', "”": '"', "✓": "ok", "✗": "x",
        "•": "*", "µ": "u", "\u00a0": " ", "™": "(TM)", "®": "(R)", "©": "(C)", "°": " deg",
        "✅": "[ok]", "⚠": "[!!]", "❌": "[xx]", "➖": "[--]", "❔": "[??]", "ℹ": "[i]",
    }
)  # fmt: skip
# What a terminal would obey rather than show: C0 controls (tab and newline aside), DEL, C1
# controls, and the bidirectional overrides that reorder what is shown.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def glyphs_for(ascii: bool) -> Glyphs:
    """The glyph set to draw with."""
    return ASCII_GLYPHS if ascii else GLYPHS


def asciify(text: str) -> str:
    """Text that any encoding can print: known symbols spelled out, any other non-ASCII
    character as its escape (`ö` → `\\xf6`), never as a bare `?`."""
    text = text.replace("\ufe0f", "").translate(_ASCII_MAP)  # minus emoji presentation marks
    return text.encode("ascii", "backslashreplace").decode("ascii")


def escape_controls(text: str) -> str:
    """Probed text (a GPU name, a path, an error message) made safe for a terminal: each
    control character is shown as its escape (`\\x1b`), never sent to the terminal."""
    return _CONTROL.sub(lambda m: _escape(m.group()), text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
