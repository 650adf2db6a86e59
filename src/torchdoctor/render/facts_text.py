"""The terminal summary of `torchdoctor detect`: one line per section of the facts.

    [✓] Python       3.11.7 CPython · venv (.venv) · ~/proj/.venv/bin/python3
    [–] NVIDIA       no NVIDIA driver loaded
"""

from __future__ import annotations

import io

from torchdoctor.facts import Facts
from torchdoctor.render.style import asciify, escape_controls

_GLYPHS = {"found": "✓", "absent": "–", "unknown": "?"}
_ASCII = {"found": "+", "absent": "-", "unknown": "?"}
_STYLES = {"found": "green", "absent": "dim", "unknown": "yellow"}


def render_facts(facts: Facts, *, verbose: bool = False, color: bool = False,
                 ascii: bool = False) -> str:
    """The summary as text (ANSI styles only when `color`)."""
    from rich.console import Console
    from rich.text import Text

    from torchdoctor.facts.summary import summary

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, color_system="standard" if color else None,
                      no_color=not color, highlight=False, emoji=False, markup=False,
                      legacy_windows=False)
    glyphs = _ASCII if ascii else _GLYPHS
    def text(value: str) -> str:  # control characters escaped; "·" and friends spelled out
        return asciify(escape_controls(value)) if ascii else escape_controls(value)

    for line in summary(facts, verbose):
        head = Text.assemble((f"[{glyphs[line.status]}]", _STYLES[line.status]),
                             f" {line.label:<12} {text(line.text)}")
        console.print(head, soft_wrap=True)
        for detail in line.detail:
            console.print(Text(f"    {'':<12} {text(detail)}"), soft_wrap=True)
    return buffer.getvalue()
