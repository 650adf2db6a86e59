"""In a CI job the terminal report is the log's: no colour and no progress lines unless forced,
the same layout whatever COLUMNS says, even where the runner gives the job a pseudo-terminal
(Buildkite, GitLab's shell executor); `--json` stays one document on stdout, also under GitHub
Actions, whose annotations go to stderr."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX")

LIMIT_S = 60.0
ARGS = ("check", "--no-verify", "--python", sys.executable)


def _environ(add: Mapping[str, str]) -> dict[str, str]:
    drop = ("NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS", "TORCHDOCTOR_DEBUG")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return {**env, "TERM": "xterm-256color", **add}


def _on_tty(env: Mapping[str, str]) -> str:
    """stdout and stderr on one pseudo-terminal: what the job's log would get."""
    import pty
    import select

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "torchdoctor", *ARGS],
                            stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=dict(env))
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
    assert proc.wait(timeout=LIMIT_S) == 0
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


@pytest.fixture(scope="module")
def piped() -> str:
    done = subprocess.run([sys.executable, "-m", "torchdoctor", *ARGS], capture_output=True,
                          text=True, timeout=LIMIT_S, env=_environ({}), check=False)
    assert done.returncode == 0
    assert done.stderr == ""
    return done.stdout


def test_a_terminal_outside_ci_has_colour_and_progress() -> None:
    """The control case: the same terminal without CI shows what CI must not."""
    text = _on_tty(_environ({}))
    assert "\x1b[" in text
    assert "torchdoctor: detecting the machine" in text


def _figures_out(text: str) -> str:
    """The report with its measured figures (free disk, memory) made equal between two runs."""
    return re.sub(r"\d+(?:\.\d+)?", "0", text)


@pytest.mark.parametrize("variables", [{"CI": "true", "COLUMNS": "20"},
                                       {"BUILDKITE": "true", "COLUMNS": "1000"},
                                       {"GITLAB_CI": "true"}])
def test_in_ci_a_terminal_gets_exactly_the_log_report(piped: str,
                                                      variables: dict[str, str]) -> None:
    assert _figures_out(_on_tty(_environ(variables))) == _figures_out(piped)


def test_force_color_still_colours_in_ci(piped: str) -> None:
    text = _on_tty(_environ({"CI": "true", "FORCE_COLOR": "1"}))
    assert "\x1b[" in text
    assert "torchdoctor: detecting the machine" not in text


def test_json_is_one_document_under_github_actions(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    env = _environ({"GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    runs = []
    for args in ((*ARGS, "--expect", "cuda", "--json"), ("check", "--bogus", "--json")):
        done = subprocess.run([sys.executable, "-m", "torchdoctor", *args], capture_output=True,
                              text=True, timeout=LIMIT_S, env=env, check=False)
        document = json.loads(done.stdout)  # the whole of stdout is one document
        assert document["exit_code"] == done.returncode
        assert "Traceback" not in done.stderr
        runs.append(done)
    assert runs[0].returncode == 1
    assert "::error title=The expected accelerator is not usable (expect-unmet)::" in (
        runs[0].stderr)
    assert runs[1].returncode == 2
    assert summary.read_text(encoding="utf-8").count("# torchdoctor report") == 1
