"""Everything a command reads from or writes to its surroundings, in one object.

`Environment` carries the `Host` (the machine the probes read), the three standard streams, what
the output terminal can show (decided once, here: colour, Unicode, width) and the clock. The typer
layer builds the real one with `Environment.real()`; tests build one around a recorded machine
and string buffers and run the real CLI in process (`torchdoctor.cli.run(args, environment)`).
"""

from __future__ import annotations

import errno
import io
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO, cast

if TYPE_CHECKING:
    from torchdoctor.host import Host

# Every non-ASCII character the reports print: a stream that cannot encode all of them gets the
# ASCII spelling instead (LANG=C, a Windows code page, PYTHONIOENCODING=ascii).
UNICODE_SAMPLE = "✓✗–—→•·≤≥×²…"
DEFAULT_WIDTH = 100  # the width of a report that does not go to a terminal: stable in logs
MIN_WIDTH = 40
# The variables a CI service sets in every job: GitHub Actions, GitLab CI, Buildkite, Jenkins,
# Azure Pipelines (TF_BUILD), CircleCI, and the generic `CI` most services (and tools) honour.
CI_VARIABLES = ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "JENKINS_URL", "TF_BUILD",
                "CIRCLECI")


def in_ci(env: Mapping[str, str]) -> bool:
    """Whether this runs as a CI job: one of CI_VARIABLES is set to something other than "",
    "0" or "false" (`CI=false` is how a job says it is not one)."""
    return any(env.get(name, "").strip().lower() not in ("", "0", "false")
               for name in CI_VARIABLES)


def isatty(stream: object) -> bool:
    """Whether `stream` is a terminal; False for closed or unusual streams."""
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False


def can_encode(stream: object, text: str = UNICODE_SAMPLE) -> bool:
    """Whether `stream`'s encoding can print `text`."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


class OutputError(Exception):
    """stdout cannot take the result: closed, full, or its reader went away (`broken_pipe`)."""

    def __init__(self, reason: str, broken_pipe: bool = False) -> None:
        super().__init__(reason)
        self.broken_pipe = broken_pipe


class ClosedStream(io.TextIOBase):
    """A standard stream that was closed before torchdoctor started (`>&-`, `<&-`): reading or
    writing it fails as a closed file would, with a message that says which one."""

    encoding = "utf-8"

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def isatty(self) -> bool:
        return False

    def read(self, size: int | None = -1) -> str:
        raise OSError(errno.EBADF, f"{self.name} is closed")

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, f"{self.name} is closed")

    def flush(self) -> None:
        return None


@dataclass(frozen=True)
class Terminal:
    """What one output stream can show."""

    is_tty: bool
    color: bool
    unicode: bool
    width: int
    ci: bool = False  # a CI job: its log is read later, by a person or a parser

    @classmethod
    def detect(cls, stream: object, env: Mapping[str, str]) -> Terminal:
        """NO_COLOR or TERM=dumb switch colour off; FORCE_COLOR switches it on anywhere;
        otherwise colour only on a terminal, and never in a CI job (whose runner may give it a
        pseudo-terminal: Buildkite, GitLab's shell executor). Width: the terminal's (COLUMNS
        honoured), else (a pipe, a file, a CI job) a fixed width, so a report in a log reads the
        same on every machine."""
        tty = isatty(stream)
        ci = in_ci(env)
        no_color = env.get("NO_COLOR", "") != "" or env.get("TERM") == "dumb"
        color = not no_color and ((tty and not ci) or env.get("FORCE_COLOR", "") != "")
        sized = tty and not ci
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns if sized else DEFAULT_WIDTH
        return cls(is_tty=tty, color=color, unicode=can_encode(stream),
                   width=max(width, MIN_WIDTH), ci=ci)


@dataclass(frozen=True)
class Environment:
    """The host, the streams, the terminal and the clock one command runs with."""

    host: Host
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    terminal: Terminal  # what stdout can show
    clock: Callable[[], float] = field(default=time.monotonic)

    @classmethod
    def create(cls, host: Host, stdin: TextIO, stdout: TextIO, stderr: TextIO,
               clock: Callable[[], float] = time.monotonic) -> Environment:
        """An environment whose terminal abilities are read from `stdout` and the host's
        variables."""
        return cls(host, stdin, stdout, stderr, Terminal.detect(stdout, host.env), clock)

    @classmethod
    def real(cls) -> Environment:
        """This process: the real machine and the real streams (a stream closed before the
        start is a `ClosedStream`)."""
        from torchdoctor.host import RealHost

        stdin, stdout, stderr = (
            stream if stream is not None else cast(TextIO, ClosedStream(name))
            for stream, name in ((sys.stdin, "stdin"), (sys.stdout, "stdout"),
                                 (sys.stderr, "stderr")))
        for stream in (stdout, stderr):
            # The renderers choose ASCII where `Terminal.unicode` says so; a character the
            # stream still cannot encode (a name in a path) is printed as its escape, `\xf6`,
            # rather than as "?" or a UnicodeEncodeError.
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(errors="backslashreplace")
        return cls.create(RealHost(), stdin, stdout, stderr)

    @property
    def shows_progress(self) -> bool:
        """Progress lines go to stderr only when a person watches it (never in a log, never in
        a CI job, even one given a pseudo-terminal)."""
        return isatty(self.stderr) and not self.terminal.ci

    def progress(self, message: str) -> None:
        """One progress line on stderr, for a person at a terminal."""
        if self.shows_progress:
            self.say(f"torchdoctor: {message}…")

    def error(self, message: str) -> None:
        """The one line a failed run prints on stderr."""
        self.say(f"torchdoctor: error: {message}")

    def say(self, line: str) -> None:
        """A line on stderr (logs, notes), never on stdout, which carries the result. Control
        characters of what it quotes (a path, a name) are shown escaped, never obeyed."""
        from torchdoctor.render.style import escape_controls

        try:
            self.stderr.write(escape_controls(line) + "\n")
            self.stderr.flush()
        except (OSError, ValueError):  # stderr closed or full: nothing else can be told
            pass
