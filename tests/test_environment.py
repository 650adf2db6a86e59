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


def test_ci_is_told_by_the_variables_every_service_sets() -> None:
    from torchdoctor.environment import CI_VARIABLES, in_ci

    assert not in_ci({})
    for name in CI_VARIABLES:
        assert in_ci({name: "true"}), name
    assert in_ci({"JENKINS_URL": "https://ci.example.org/"})
    assert in_ci({"TF_BUILD": "True"})
    # `CI=false` (or empty, or 0) is how a job says it is not one.
    assert not in_ci({"CI": "false", "GITHUB_ACTIONS": ""})
    assert not in_ci({"CI": "0"})


def test_in_ci_a_terminal_gets_no_colour_and_the_log_width() -> None:
    """Buildkite and GitLab's shell executor give the job a pseudo-terminal: the report stays
    the log's (no colour, the fixed width, whatever COLUMNS says) unless FORCE_COLOR."""
    tty = Stream(tty=True)
    for env in ({"CI": "true"}, {"BUILDKITE": "true", "COLUMNS": "20"},
                {"GITLAB_CI": "true", "COLUMNS": "1000"}):
        terminal = Terminal.detect(tty, env)
        assert terminal.ci
        assert terminal.color is False
        assert terminal.width == DEFAULT_WIDTH
    assert Terminal.detect(tty, {"CI": "true", "FORCE_COLOR": "1"}).color is True
    assert Terminal.detect(Stream(), {"CI": "true", "FORCE_COLOR": "1"}).color is True
    assert Terminal.detect(tty, {"CI": "true", "FORCE_COLOR": "1", "NO_COLOR": "1"}).color is False


def test_in_ci_no_progress_even_on_a_terminal() -> None:
    from cli_support import MACHINES

    from torchdoctor.environment import Environment
    from torchdoctor.recorded import RecordedHost

    host = RecordedHost(MACHINES / "cpu-linux-laptop")
    for ci, shown in ((False, True), (True, False)):
        stdout = Stream(tty=True)
        terminal = Terminal.detect(stdout, {"CI": "true"} if ci else {})
        env = Environment(host, Stream(), stdout, Stream(tty=True), terminal)
        assert env.shows_progress is shown
