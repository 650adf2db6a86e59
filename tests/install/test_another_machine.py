"""A request for another machine never fails on a default taken from this one: `--os macos`
from a Linux box takes the architecture that release has for macOS (Intel Macs before 1.8), and a
Python that release supports when this machine's is outside its range."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

import pytest
from cli_support import invoke

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "install_commands.json"
HERE = {"Linux": "linux", "Darwin": "macos", "Windows": "windows"}.get(platform.system())
# pytorch.org's Previous Versions commands for the OSes this machine is not, with no --arch and
# no --python-version: exactly what a user asking "what would I run on my Mac?" types.
ENTRIES: list[dict[str, Any]] = [
    e for e in json.loads(GOLDEN.read_text(encoding="utf-8"))["entries"]
    if "expected" in e and e["axes"]["os"] != HERE and e.get("source") == "previous-versions"
    and e["axes"]["package"] in ("pip", "conda")]


def test_there_are_such_commands() -> None:
    assert len(ENTRIES) > 100


@pytest.mark.parametrize("entry", ENTRIES, ids=[
    f"{e['axes']['torch']}-{e['axes']['os']}-{e['axes']['compute']}-{e['axes']['package']}"
    for e in ENTRIES])
def test_the_command_for_another_machine_is_printed(entry: dict[str, Any]) -> None:
    a = entry["axes"]
    result = invoke("install-command", "--torch", a["torch"], "--os", a["os"], "--compute",
                    a["compute"], "--package", a["package"], "--page", "previous-versions")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.rstrip("\n") == entry["expected"]


def test_the_rationale_says_which_defaults_were_taken() -> None:
    result = invoke("install-command", "--torch", "1.7.1", "--os", "macos", "-v")
    assert result.exit_code == 0, result.stderr
    assert "using x86_64" in result.stderr
    assert "--python-version to choose" in result.stderr or "Python 3.8" in result.stderr or \
        "Python 3.9" in result.stderr
