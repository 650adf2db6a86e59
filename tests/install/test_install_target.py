"""install-command's Python axis comes from the target interpreter (`--python`, the active venv),
never from torchdoctor's own, and a target that cannot be asked fails in one line."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from torchdoctor.facts import PythonFacts
from torchdoctor.probes.target_python import TargetPythonError, from_facts

Cli = Callable[..., tuple[int, str, str]]
LINUX_CPU = ("--os", "linux", "--compute", "cpu")
posix_only = pytest.mark.skipif(os.name == "nt", reason="fake interpreters are shell scripts")


def fake_python(folder: Path, body: str) -> Path:
    """An executable that answers like an interpreter would (a shell script)."""
    path = folder / "bin" / "python"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture(autouse=True)
def _no_active_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.delenv("CONDA_PREFIX", raising=False)


@posix_only
def test_active_venv_python_is_the_axis(cli: Cli, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    fake_python(tmp_path, 'echo "3.8 0"')
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path))
    code, out, err = cli("install-command", *LINUX_CPU)
    assert (code, out) == (2, "")
    assert "no wheels for Python 3.8" in err
    assert "newest release that does is 2.4.1" in err
    assert "torch==2.4.1" in err
    assert err.count("\n") == 1


@posix_only
def test_python_option_sets_the_axis_and_is_shown(cli: Cli, tmp_path: Path) -> None:
    python = fake_python(tmp_path, 'echo "3.11 0"')
    code, out, err = cli("install-command", "--python", str(python), *LINUX_CPU, "--format",
                         "json", "-v")
    doc = json.loads(out)
    assert code == 0
    assert doc["python_version"] == "3.11"
    assert doc["target_python"] == {"path": str(python), "chosen_by": "--python",
                                    "version": "3.11"}
    assert f"Python 3.11 is the target interpreter's: {python} (--python)." in err
    # The command is for that interpreter: its own pip, as check prints it (bare pip3 could be
    # any interpreter's).
    assert doc["command"] == (f"{python} -m pip install torch torchvision --index-url "
                              "https://download.pytorch.org/whl/cpu")


@posix_only
def test_free_threaded_target(cli: Cli, tmp_path: Path) -> None:
    python = fake_python(tmp_path, 'echo "3.13 1"')
    code, _, err = cli("install-command", "--python", str(python), "--os", "linux",
                       "--compute", "rocm7.2")
    assert code == 2
    assert "torch 2.13.0 has free-threaded wheels for 3.14t only" in err
    assert "whl/rocm6.4" in err
    assert "2.8.0" in err


@posix_only
def test_python_version_wins_over_the_target(cli: Cli, tmp_path: Path) -> None:
    python = fake_python(tmp_path, "exit 1")  # never asked
    code, out, _ = cli("install-command", "--python", str(python), "--python-version", "3.12",
                       *LINUX_CPU, "--format", "json")
    assert code == 0
    assert json.loads(out)["target_python"] is None


def test_missing_python_path(cli: Cli, tmp_path: Path) -> None:
    missing = str(tmp_path / "nope" / "python")
    code, out, err = cli("install-command", "--python", missing, *LINUX_CPU)
    assert (code, out) == (2, "")
    assert err == f"torchdoctor: error: --python: no such file: {missing}\n"
    code, out, _ = cli("install-command", "--python", missing, *LINUX_CPU, "--format", "json")
    assert code == 2
    assert json.loads(out)["error"]["message"].startswith("--python: no such file")


@posix_only
def test_not_a_python(cli: Cli, tmp_path: Path) -> None:
    python = fake_python(tmp_path, "echo hello")
    code, out, err = cli("install-command", "--python", str(python), *LINUX_CPU)
    assert (code, out) == (2, "")
    assert "cannot tell which Python" in err
    assert "--python-version" in err


@posix_only
def test_python2_target(cli: Cli, tmp_path: Path) -> None:
    python = fake_python(tmp_path, 'echo "2.7 0"')
    code, _, err = cli("install-command", "--python", str(python), *LINUX_CPU)
    assert code == 2
    assert "is Python 2.7" in err
    assert "Python 3 only" in err


@posix_only
def test_hung_target_is_incomplete(cli: Cli, tmp_path: Path) -> None:
    python = fake_python(tmp_path, "sleep 5")
    code, _, err = cli("install-command", "--python", str(python), *LINUX_CPU, "--timeout", "0.3")
    assert code == 3
    assert "cannot tell which Python" in err


def test_detection_probes_the_target(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """No --os/--arch: the detection that picks --compute also reads the target's Python."""
    import torchdoctor.probes as probes
    from torchdoctor.recorded import RecordedHost

    machines = Path(__file__).resolve().parent.parent / "fixtures" / "machines"
    real = probes.collect_facts
    seen: dict[str, Any] = {}

    def fake(host: Any, python: str | None = None, timeout: float = 5.0,
             project: str | None = None) -> Any:
        seen["python"] = python
        facts = real(RecordedHost(machines / "cpu-linux-laptop"), timeout=timeout)
        target = dataclasses.replace(facts.python, version="3.8.10", free_threaded=False,
                                     requested="/envs/old/bin/python", chosen_by="--python")
        return dataclasses.replace(facts, python=target)

    monkeypatch.setattr(probes, "collect_facts", fake)
    code, out, err = cli("install-command", "--python", sys.executable, "-v")
    assert seen["python"] == sys.executable
    # No axes: the recommendation for this target, the newest release with 3.8 wheels.
    assert code == 0, err
    # --python names the interpreter: the command runs its own pip, as check prints it.
    assert out.startswith("/envs/old/bin/python -m pip install torch==2.4.1 ")
    assert "torch 2.13.0 has no wheels for Python 3.8" in err


def test_from_facts() -> None:
    def facts(**fields: Any) -> PythonFacts:
        base: dict[str, Any] = {"status": "found", "requested": "/p/python",
                                "chosen_by": "VIRTUAL_ENV", "version": "3.13.1",
                                "free_threaded": True}
        return PythonFacts(**{**base, **fields})

    assert from_facts(facts()).tag == "3.13t"
    assert from_facts(facts(free_threaded=False, version="3.12.4")).tag == "3.12"
    with pytest.raises(TargetPythonError, match="Python 3 only"):
        from_facts(facts(status="unknown", failure="python2", version="2.7.18"))
    with pytest.raises(TargetPythonError) as hung:
        from_facts(facts(status="unknown", failure="timed-out", version=None,
                         reason="timed out after 5 s"))
    assert hung.value.exit_code == 3


def test_no_axes_in_an_old_python_venv_prints_the_newest_release_that_supports_it(
    tmp_path: Path,
) -> None:
    """Issue 4: with no axes, install-command prints the recommendation for this machine."""
    old = shutil.which("python3.8")
    if old is None or subprocess.run([old, "-c", "pass"], capture_output=True).returncode:
        pytest.skip("no Python 3.8 on this machine")
    venv = tmp_path / "v38"
    subprocess.run([old, "-m", "venv", "--without-pip", str(venv)], check=True)
    env = {**os.environ, "VIRTUAL_ENV": str(venv)}
    proc = subprocess.run([sys.executable, "-m", "torchdoctor", "install-command", "-v"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("pip install torch==2.4.1 ")
    assert "torch 2.4.1 is the newest release that has" in proc.stderr
