"""Hostile streams: a stdout that cannot take Unicode, odd terminal sizes and colour settings, a
reader that goes away, closed or full stdout, closed stderr and stdin."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time

import pytest
from cli_support import CliResult
from hostile_support import (
    LIMIT_S,
    POSIX_ONLY,
    assert_clean,
    command,
    environ,
    one_line_error,
    run,
    shell,
)

pytestmark = POSIX_ONLY

NO_UTF8 = {
    # LANG=C without Python's UTF-8 coercion: the stream really is ASCII.
    "lang-c": {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
    "ascii": {"PYTHONIOENCODING": "ascii"},
    "latin-1": {"PYTHONIOENCODING": "latin-1"},
}
_BASELINE: dict[str, CliResult] = {}


def _baseline(name: str) -> CliResult:
    if name not in _BASELINE:
        _BASELINE[name] = run(name, "--no-verify", env=environ({"PYTHONIOENCODING": "utf-8"}))
    return _BASELINE[name]


@pytest.mark.parametrize(("setting", "name"),
                         [("lang-c", "check"), ("ascii", "report"), ("latin-1", "report")])
def test_a_stdout_without_unicode_gets_readable_ascii(setting: str, name: str) -> None:
    encoding = NO_UTF8[setting].get("PYTHONIOENCODING", "ascii")
    result = run(name, "--no-verify", env=environ(NO_UTF8[setting]), encoding=encoding)
    baseline = _baseline(name)
    assert result.exit_code == baseline.exit_code == 0
    result.stdout.encode(encoding)  # printable as it is
    # Every glyph has a spelled-out fallback: no "?" that the UTF-8 report does not have too.
    assert result.stdout.count("?") == baseline.stdout.count("?"), result.stdout
    assert "\ufffd" not in result.stdout
    if name == "check":
        assert "[ok] Platform" in result.stdout


def _on_tty(*args: str, env: dict[str, str]) -> tuple[int, str]:
    """Run with stdout on a pseudo-terminal; (exit code, what the terminal got)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(command(*args), stdin=subprocess.DEVNULL, stdout=slave,
                            stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + LIMIT_S
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the process closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    code = proc.wait(timeout=LIMIT_S)
    return code, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def _commands(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("pip3 ")]


@pytest.mark.parametrize("columns", ["20", "1000"])
def test_terminal_width_never_cuts_a_command(columns: str) -> None:
    code, text = _on_tty("check", "--no-verify",
                         env=environ({"COLUMNS": columns, "NO_COLOR": "1"}))
    baseline = _baseline("check")
    assert code == 0
    assert text.startswith("torchdoctor ")
    assert _commands(text) == _commands(baseline.stdout) != []
    widths = [len(line) for line in text.splitlines()[1:]  # the header names the target
              if " " in line.strip() and not line.strip().startswith("pip3 ")]
    if columns == "20":  # prose wraps to the narrowest layout (40), commands never
        assert max(widths) <= 60, text
    else:
        assert len(text.splitlines()) <= len(baseline.stdout.splitlines())


@pytest.mark.parametrize(
    ("tty", "variables", "coloured"),
    [
        (True, {"TERM": "dumb"}, False),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"TERM": "xterm-256color"}, True),  # the terminal harness does see colour
        (False, {"FORCE_COLOR": "1"}, True),
    ],
)
def test_colour_settings(tty: bool, variables: dict[str, str], coloured: bool) -> None:
    env = environ(variables, drop=("NO_COLOR", "FORCE_COLOR", "TERM"))
    if tty:
        code, text = _on_tty("check", "--no-verify", env=env)
    else:
        result = run("check", "--no-verify", env=env)
        code, text = result.exit_code, result.stdout
    assert code == 0
    assert ("\x1b[" in text) is coloured


def test_reader_gone_before_the_report(fake_python: str) -> None:
    # `torchdoctor check | head -1` where head has already left: the exit of a Unix filter
    # killed by SIGPIPE (141), nothing on stderr.
    proc = subprocess.Popen(command("check", "--no-verify", "--python", fake_python),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=environ())
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=LIMIT_S) == 141
    assert err == b""


@pytest.mark.parametrize(("redirect", "why"), [(">&-", "closed"),
                                                (">/dev/full", "No space left")])
def test_unwritable_stdout_is_one_line_and_exit_2(
    fake_python: str, redirect: str, why: str
) -> None:
    if not os.path.exists("/dev/full") and redirect == ">/dev/full":
        pytest.skip("no /dev/full on this system")
    result = shell(f'exec "$@" {redirect}', "check", "--no-verify", "--python", fake_python)
    line = one_line_error(result)
    assert "stdout" in line
    assert why in line


@pytest.mark.parametrize(
    ("args", "code"), [(("check", "--no-verify"), 0), (("check", "--timeout", "nan"), 2)]
)
def test_closed_stderr_keeps_the_exit_code(args: tuple[str, ...], code: int) -> None:
    result = shell('exec "$@" 2>&-', *args)
    assert result.exit_code == code, result.stdout[-2000:]
    if code == 0:
        assert result.stdout.startswith("torchdoctor ")
    assert_clean(result)


def test_closed_stdin_is_unreadable_input() -> None:
    line = one_line_error(shell('exec "$@" <&-', "diagnose", "-"))
    assert "stdin" in line
