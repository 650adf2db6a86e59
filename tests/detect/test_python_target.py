"""The target-interpreter probe: a real child run, and every way a target path can be wrong."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from detect_helpers import MachineFactory, target_answer

from torchdoctor.host import RealHost
from torchdoctor.probes import python as target


def _script(path: Path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_real_interpreter_reports_itself() -> None:
    facts = target.probe(RealHost(), 10.0, sys.executable)
    assert facts.status == "found", facts.reason
    assert facts.version == ".".join(map(str, sys.version_info[:3]))
    assert facts.pointer_bits == 64
    assert facts.chosen_by == "--python"
    assert facts.implementation == "cpython"


def test_torch_py_in_the_working_directory_is_a_fact_not_a_hijack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "torch.py").write_text("raise SystemExit('hijacked')\n", encoding="utf-8")
    (tmp_path / "json.py").write_text("raise SystemExit('hijacked')\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    facts = target.probe(RealHost(), 10.0, sys.executable)
    assert facts.status == "found", facts.reason
    assert facts.cwd_shadow == "torch.py"


def test_missing_path(tmp_path: Path) -> None:
    facts = target.probe(RealHost(), 5.0, str(tmp_path / "nope" / "python"))
    assert (facts.status, facts.failure) == ("unknown", "missing")
    assert facts.reason == f"no such file: {tmp_path / 'nope' / 'python'}"


def test_not_executable_file_without_permission(tmp_path: Path) -> None:
    path = tmp_path / "python"
    path.write_text("plain text\n", encoding="utf-8")
    path.chmod(0o644)
    facts = target.probe(RealHost(), 5.0, str(path))
    # root can open it but the kernel still refuses to execute a file without an x bit
    assert facts.failure == "not-executable"
    assert "is not executable" in (facts.reason or "")


def test_not_python(tmp_path: Path) -> None:
    path = _script(tmp_path / "python", "echo 'usage: frobnicate [-x]' >&2; exit 64\n")
    facts = target.probe(RealHost(), 5.0, path)
    assert facts.failure == "not-python"
    assert "does not look like a Python interpreter (exit code 64: usage: frobnicate" in (
        facts.reason or ""
    )


def test_python2(tmp_path: Path) -> None:
    body = (
        'if [ "$1" = "-V" ]; then echo "Python 2.7.18" >&2; exit 0; fi\n'
        'echo "Unknown option: -I" >&2\n'
        'echo "usage: $0 [option] ... [-c cmd | -m mod | file | -] [arg] ..." >&2\n'
        "exit 2\n"
    )
    facts = target.probe(RealHost(), 5.0, _script(tmp_path / "python2", body))
    assert (facts.status, facts.failure, facts.version) == ("unknown", "python2", "2.7.18")
    assert "Python 2 is not supported" in (facts.reason or "")


def test_hanging_interpreter_is_cut_at_the_timeout(tmp_path: Path) -> None:
    path = _script(tmp_path / "python", "sleep 30\n")
    start = time.monotonic()
    facts = target.probe(RealHost(), 0.5, path)
    assert time.monotonic() - start < 10  # cut at 0.5 s; the script would sleep 30 s
    assert facts.failure == "timed-out"
    assert facts.reason == f"{path}: timed out after 0.5 s"


def test_oldest_supported_python_runs_the_script() -> None:
    old = shutil.which("python3.8")
    if old is None or subprocess.run([old, "-c", "pass"], capture_output=True).returncode:
        pytest.skip("no Python 3.8 on this machine")
    facts = target.probe(RealHost(), 10.0, old)
    assert facts.status == "found", facts.reason
    assert facts.version is not None
    assert facts.version.startswith("3.8")


def test_recorded_answer_and_target_choice(machine: MachineFactory) -> None:
    host = machine(
        env={"VIRTUAL_ENV": "/home/ada/proj/.venv"},
        python={"probe_target.py": {"channel": target_answer()}},
    )
    facts = target.probe(host, 5.0)
    assert (facts.chosen_by, facts.requested) == ("VIRTUAL_ENV", "/home/ada/proj/.venv/bin/python")
    assert facts.torch is not None
    assert facts.torch.version == "2.13.0+cpu"
    dist = facts.distribution("torch")
    assert dist is not None
    assert dist.local_tag == "cpu"


def test_malformed_answer_is_a_parse_error(machine: MachineFactory) -> None:
    host = machine(python={"probe_target.py": {"channel": target_answer(pointer_bits="64")}})
    facts = target.probe(host, 5.0)
    assert facts.failure == "crashed"
    assert facts.reason == (
        "parse error: probe_target.py answer: python.pointer_bits: expected an integer, "
        "got a string ('64')"
    )


def _pip3(folder: Path, interpreter: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pip3 = folder / "pip3"
    pip3.write_text(f"#!{interpreter}\nimport sys\n", encoding="utf-8")
    pip3.chmod(0o755)


def test_pip3_of_the_base_python_does_not_belong_to_a_venv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A venv's python links to its base binary; the base's pip3 still installs elsewhere."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    base_bin = tmp_path / "base-bin"
    _pip3(base_bin, str(Path(sys.executable).resolve()))
    monkeypatch.setenv("PATH", f"{base_bin}:/usr/bin:/bin")
    facts = target.probe(RealHost(), 10.0, str(venv / "bin" / "python"))
    assert facts.pip3_path == str(base_bin / "pip3")
    assert facts.pip3_belongs is False

    _pip3(venv / "bin", str(venv / "bin" / "python"))
    monkeypatch.setenv("PATH", f"{venv / 'bin'}:{base_bin}:/usr/bin:/bin")
    facts = target.probe(RealHost(), 10.0, str(venv / "bin" / "python"))
    assert facts.pip3_belongs is True
