"""`torchdoctor verify` through the CLI with fake torches: exit codes, JSON, terminal fallbacks."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from cli_support import invoke

from torchdoctor.catalogue import CATALOG

FakeTorch = Callable[..., str]  # the `fake_torch` fixture's factory (see conftest.py)

Validate = Callable[[dict[str, Any]], None]


def _invoke(*args: str, encoding: str = "utf-8") -> tuple[int, str, str]:
    run = invoke("verify", *args, encoding=encoding)
    return run.exit_code, run.stdout, run.stderr


@pytest.mark.parametrize(
    ("at_import", "code", "exit_code", "status"),
    [
        ("", None, 0, "ok"),
        ("print('garbage before the document')\n", None, 0, "ok"),
        ("raise OSError('DLL load failed while importing _C')\n",
         "windows-dll-dependency-missing", 1, "fail"),
        ("os.kill(os.getpid(), signal.SIGSEGV)\n", "torch-import-crashed", 1, "fail"),
        ("os.kill(os.getpid(), signal.SIGKILL)\n", "probe-failed", 3, "unknown"),
        ("time.sleep(3600)\n", "verify-timed-out", 3, "unknown"),
    ],
)
def test_json_document_and_exit_code(
    fake_torch: FakeTorch, validate: Validate,
    at_import: str, code: str | None, exit_code: int, status: str,
) -> None:
    python = fake_torch(at_import)
    got, stdout, _ = _invoke("--python", python, "--json", "--no-bench", "--verify-timeout", "2")
    doc = json.loads(stdout)
    validate(doc)
    assert (got, doc["exit_code"], doc["status"]) == (exit_code, exit_code, status)
    assert [p["code"] for p in doc["problems"]] == ([code] if code else [])
    # The same kind of document as check --json, titles from the one catalogue.
    assert (doc["command"], doc["facts"], doc["install"]) == ("verify", None, None)
    assert doc["checks"][-1]["id"] == "verify"
    assert all(p["title"] == CATALOG[p["code"]].title for p in doc["problems"])


def test_missing_interpreter_is_a_usage_error(validate: Validate) -> None:
    got, stdout, stderr = _invoke("--python", "/nonexistent/python", "--json")
    assert got == 2
    doc = json.loads(stdout)
    validate(doc)
    assert doc["exit_code"] == 2
    assert "/nonexistent/python" in doc["error"]["message"]
    assert "no such file" in stderr


def test_terminal_lines_and_fix_command(fake_torch: FakeTorch) -> None:
    python = fake_torch(
        cuda_init_warning="CUDA unknown error - this may be due to an incorrectly set up env",
        version="2.5.1+cu124", cuda="12.4", arch_flags="sm_86",
        devices=[{"name": "RTX 3060", "major": 8, "minor": 6}],
    )
    got, stdout, _ = _invoke("--python", python, "--no-bench", "-v")
    assert got == 1
    lines = stdout.splitlines()
    assert lines[0].startswith("torchdoctor ")
    assert python in lines[0]
    assert any(line.startswith("[✓] Import ") for line in lines)
    assert any(line.startswith("[✗] Devices ") for line in lines)
    assert any(line.startswith("[–] Benchmark ") and "--no-bench" in line for line in lines)
    assert any(line.startswith("[✗] PyTorch works ") for line in lines)
    assert "          nvidia-smi" in lines  # the command alone on its own line
    assert "\x1b[" not in stdout  # no colour into a pipe


def test_ascii_fallback_and_no_color(fake_torch: FakeTorch) -> None:
    got, text, _ = _invoke("--python", fake_torch("time.sleep(3600)\n"), "--no-bench",
                           "--verify-timeout", "1.5", "-v", encoding="ascii")
    assert got == 3
    text.encode("ascii")
    assert "[??] Import" in text
    assert "[??] PyTorch works" in text
    assert "timed out after 1 s" in text  # the stage budget: half the whole, at least 1 s
    assert "\x1b[" not in text


def test_python_may_be_an_environment_folder(tmp_path: Any) -> None:
    """`--python` takes a venv folder for verify as for check and detect."""
    import subprocess
    import sys

    venv = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    result = subprocess.run(
        [sys.executable, "-m", "torchdoctor", "verify", "--python", str(venv), "--json"],
        capture_output=True, text=True, timeout=120,
    )
    document = json.loads(result.stdout)
    assert document["target"]["python"] == str(venv / "bin" / "python")
    assert "torch-not-installed" in [p["code"] for p in document["problems"]]
