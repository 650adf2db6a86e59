"""Glyph sets of the terminal report: Unicode, and the ASCII fallback for narrow encodings.

The glyph carries the meaning and colour only decorates it, so a report piped into a log, read
with NO_COLOR, or printed on a legacy console says the same thing.
"""

from __future__ import annotations

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
        "•": "*", "µ": "u", "\u00a0": " ",
    }
)  # fmt: skip


def glyphs_for(ascii: bool) -> Glyphs:
    """The glyph set to draw with."""
    return ASCII_GLYPHS if ascii else GLYPHS


def asciify(text: str) -> str:
    """Text that any encoding can print: known symbols spelled out, anything else as `?`."""
    return text.translate(_ASCII_MAP).encode("ascii", "replace").decode("ascii")
