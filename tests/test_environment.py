"""The environment decides once what the terminal can show: colour, Unicode, width."""

from __future__ import annotations

from cli_support import Stream

from torchdoctor.environment import DEFAULT_WIDTH, Terminal


def test_no_colour_when_not_a_terminal() -> None:
    assert Terminal.detect(Stream(), {}).color is False


def test_colour_on_a_terminal_unless_no_color() -> None:
    assert Terminal.detect(Stream(tty=True), {}).color is True
    assert Terminal.detect(Stream(tty=True), {"NO_COLOR": "1"}).color is False
    assert Terminal.detect(Stream(tty=True), {"TERM": "dumb"}).color is False
    # An empty NO_COLOR does not count (no-color.org).
    assert Terminal.detect(Stream(tty=True), {"NO_COLOR": ""}).color is True


def test_force_color_colours_a_pipe_and_no_color_wins() -> None:
    assert Terminal.detect(Stream(), {"FORCE_COLOR": "1"}).color is True
    assert Terminal.detect(Stream(), {"FORCE_COLOR": "1", "NO_COLOR": "1"}).color is False


def test_unicode_only_where_the_encoding_takes_the_glyphs() -> None:
    assert Terminal.detect(Stream(encoding="utf-8"), {}).unicode is True
    assert Terminal.detect(Stream(encoding="ascii"), {}).unicode is False
    assert Terminal.detect(Stream(encoding="cp1252"), {}).unicode is False


def test_a_pipe_has_a_fixed_width() -> None:
    assert Terminal.detect(Stream(), {"COLUMNS": "20"}).width == DEFAULT_WIDTH
