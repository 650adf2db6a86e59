"""Hostile places: no HOME or a read-only one, unwritable caches, an empty or enormous PATH,
paths with spaces and non-ASCII characters, a symlinked venv, no usable temporary folder, a
deleted working directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_support import CliResult
from hostile_support import (
    LIMIT_S,
    POSIX_ONLY,
    assert_clean,
    environ,
    make_venv,
    run,
    shell,
)

pytestmark = POSIX_ONLY

FAST = ("--json", "--no-bench")


def _healthy(result: CliResult, python: str, verified: bool = True) -> dict[str, Any]:
    """The run went as on a normal machine: exit 0, the target inspected (and verified)."""
    assert result.exit_code == 0, result.stdout[-3000:] + result.stderr[-2000:]
    doc: dict[str, Any] = result.json()
    assert doc["target"]["python"] == python
    assert doc["facts"]["python"]["status"] == "found"
    assert doc["facts"]["python"]["version"]
    if verified:
        assert doc["verify"]["error"] is None
        assert doc["verify"]["stages"][0]["status"] == "ok"
    return doc


def test_no_home(fake_python: str) -> None:
    _healthy(run("check", "--python", fake_python, *FAST, env=environ(drop=("HOME",))),
             fake_python)


def test_read_only_home_and_unwritable_caches(tmp_path: Path, fake_python: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o555)
    blocker = tmp_path / "file"  # a file where a folder should be: unwritable even for root
    blocker.write_text("not a folder", encoding="utf-8")
    caches = {name: str(blocker / "cache") for name in (
        "XDG_CACHE_HOME", "PIP_CACHE_DIR", "TORCH_HOME", "PYTHONPYCACHEPREFIX",
        "TORCHINDUCTOR_CACHE_DIR")}
    env = environ({"HOME": str(home), **caches})
    _healthy(run("check", "--python", fake_python, *FAST, env=env), fake_python)


@pytest.mark.parametrize("kind", ["empty", "2000 entries"])
def test_path(fake_python: str, kind: str) -> None:
    if kind == "empty":
        value = ""
    else:
        # Short entries: one variable may hold at most 128 KiB on Linux.
        value = os.pathsep.join([f"/nonexistent/{i}" for i in range(2000)]
                                + [os.environ.get("PATH", "")])
    # PATH matters to detection (nvidia-smi, pip3), not to the verification: not run here.
    _healthy(run("check", "--python", fake_python, "--json", "--no-verify",
                 env=environ({"PATH": value})), fake_python, verified=False)


def test_spaces_and_non_ascii_in_paths(tmp_path: Path) -> None:
    python = make_venv(tmp_path / "my envs" / "pythön é 環境")
    doc = _healthy(run("check", "--python", python, *FAST), python)
    assert doc["facts"]["python"]["executable"] == python


def test_symlinked_venv(tmp_path: Path, fake_python: str) -> None:
    link = tmp_path / "link"
    link.symlink_to(Path(fake_python).parent.parent, target_is_directory=True)
    python = str(link / "bin" / "python")
    _healthy(run("check", "--python", python, *FAST), python)


def test_no_usable_temporary_folder(fake_python: str) -> None:
    # No folder takes a temporary file (a read-only file system): torchdoctor still talks to
    # the target interpreter, and never reports "Python ?" or asks for a longer timeout.
    starter = ("import runpy, sys, tempfile; tempfile.tempdir = '/proc'; "
               "sys.argv[0] = 'torchdoctor'; runpy.run_module('torchdoctor', run_name='__main__')")
    proc = subprocess.run(
        [sys.executable, "-c", starter, "check", "--python", fake_python, *FAST],
        capture_output=True, timeout=LIMIT_S, env=environ({"TMPDIR": "/proc"}),
        stdin=subprocess.DEVNULL,
    )
    result = CliResult(proc.returncode, proc.stdout.decode(), proc.stderr.decode())
    assert_clean(result)
    assert "--timeout" not in result.stdout
    _healthy(result, fake_python)


def test_deleted_working_directory(tmp_path: Path, fake_python: str) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    script = 'cd "$GONE" && rmdir "$GONE" && exec "$@"'
    result = shell(script, "check", "--python", fake_python, *FAST,
                   env=environ({"GONE": str(gone)}))
    assert "--timeout" not in result.stdout
    doc = _healthy(result, fake_python)  # the Python line had no version: "[✓] Python ?"
    assert doc["facts"]["python"]["cwd"] is None
