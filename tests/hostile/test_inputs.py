"""Hostile input: endless or huge files, pathological strings, deep nesting, Windows encodings,
absurd numbers. Each gives one clear line and exit 2, or the normal report, quickly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from cli_support import CliResult, invoke
from hostile_support import POSIX_ONLY, command, environ, one_line_error, run

from torchdoctor.documents import MAX_DOCUMENT_BYTES

pytestmark = POSIX_ONLY


@pytest.fixture(scope="module")
def facts_doc(fake_python: str) -> dict[str, Any]:
    """A real facts document of the fake venv."""
    result = run("detect", "--json", "--python", fake_python)
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = result.json()
    return document


def _save(path: Path, document: Any, encoding: str = "utf-8") -> Path:
    path.write_text(json.dumps(document), encoding=encoding)
    return path


@pytest.mark.parametrize("how", ["file", "stdin"])
def test_dev_zero_stops_at_the_input_cap(how: str) -> None:
    # An endless input: read at most the documented cap, then one line and exit 2.
    if how == "file":
        result = run("diagnose", "/dev/zero")
    else:
        result = run("diagnose", "-", stdin_path="/dev/zero")
    line = one_line_error(result)
    assert "larger than" in line
    assert f"{MAX_DOCUMENT_BYTES // 1_000_000} MB" in line


def test_endless_stdin_stays_interruptible() -> None:
    # stdin that keeps delivering and never ends: Ctrl-C stops the read at once (exit 130).
    proc = subprocess.Popen(command("diagnose", "-"), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environ(),
                            start_new_session=True)
    assert proc.stdin is not None
    written = threading.Event()

    def feed() -> None:
        try:
            assert proc.stdin is not None
            # More than a pipe holds: once this returns, torchdoctor is reading.
            proc.stdin.write(b" " * 1_000_000)
            proc.stdin.flush()
            written.set()
        except OSError:
            pass

    threading.Thread(target=feed, daemon=True).start()
    assert written.wait(30), "torchdoctor never read its stdin"
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert b"Traceback" not in err
    assert out == b""


def test_a_20_mb_document_is_refused_quickly(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b'{"padding": "' + b"x" * 20_000_000 + b'"}')
    line = one_line_error(run("diagnose", str(big)))
    assert "big.json" in line
    assert "larger than" in line


def test_pathological_strings_are_handled_in_linear_time(
    tmp_path: Path, facts_doc: dict[str, Any]
) -> None:
    # Strings that made the credential and redaction patterns backtrack quadratically: a long
    # run of scheme characters, of `?`, of `?key`, of blanks before a GPU-UUID-like note.
    doc = json.loads(json.dumps(facts_doc))
    # 100 000 characters each: quadratic work on them took 20 s a pass, linear takes milliseconds.
    doc["facts"]["env"]["variables"].update({
        "PYTORCH_HOSTILE_A": "a" * 100_000,
        "PYTORCH_HOSTILE_B": "?" * 100_000,
        "PYTORCH_HOSTILE_C": "?key" * 25_000,
        "PYTORCH_HOSTILE_D": " " * 100_000 + "(UUID",
    })
    path = _save(tmp_path / "long.json", doc)
    plain = run("diagnose", str(path), "--json")
    assert plain.exit_code in (0, 1)
    kept = plain.json()["facts"]["env"]["variables"]
    assert kept["PYTORCH_HOSTILE_A"] == "a" * 100_000
    report = run("report", "--from", str(path))
    assert report.exit_code == plain.exit_code
    assert "PYTORCH_HOSTILE_C" in report.stdout


def test_a_100_kb_torch_variable_does_not_stall_the_probes(fake_python: str) -> None:
    env = environ({"TORCH_HOSTILE": "a" * 60_000 + "?key" * 10_000})
    result = run("check", "--no-verify", "--json", "--python", fake_python, "--timeout", "3",
                 env=env)
    assert result.exit_code == 0, result.stderr
    doc = result.json()
    assert doc["facts"]["env"]["status"] == "found"
    assert doc["facts"]["python"]["status"] == "found"


@pytest.mark.parametrize("json_output", [False, True])
def test_deeply_nested_json_is_one_clear_line(tmp_path: Path, json_output: bool) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="ascii")
    args = ("diagnose", str(path), *(("--json",) if json_output else ()))
    result = run(*args)
    line = one_line_error(result)
    assert "nested" in line
    if json_output:
        doc = result.json()  # exactly one document
        assert doc["exit_code"] == 2
        assert "nested" in doc["error"]["message"]
    else:
        assert result.stdout == ""


def test_nesting_that_json_parses_is_refused_before_rendering(
    tmp_path: Path, facts_doc: dict[str, Any]
) -> None:
    deep: Any = "bottom"
    for _ in range(900):  # parses; walking it in the renderers would not
        deep = [deep]
    doc = {**facts_doc, "verify": {"stages": [{"name": "import", "data": {"x": deep}}]}}
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert "nested" in one_line_error(run("diagnose", str(path)))


@pytest.fixture(scope="module")
def plain_diagnosis(tmp_path_factory: pytest.TempPathFactory,
                    facts_doc: dict[str, Any]) -> CliResult:
    return run("diagnose", str(_save(tmp_path_factory.mktemp("plain") / "plain.json", facts_doc)))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be"])
def test_documents_saved_by_windows_tools_are_read(
    tmp_path: Path, facts_doc: dict[str, Any], plain_diagnosis: CliResult, encoding: str
) -> None:
    plain = plain_diagnosis
    path = tmp_path / "windows.json"
    text = json.dumps(facts_doc)
    # PowerShell writes UTF-16 with a byte-order mark; utf-16-be here is spelled out with its own.
    raw = ("\ufeff" + text).encode(encoding) if encoding == "utf-16-be" else text.encode(encoding)
    path.write_bytes(raw)
    diagnosis = run("diagnose", str(path))
    assert (diagnosis.exit_code, diagnosis.stdout) == (plain.exit_code, plain.stdout)
    if encoding == "utf-16":  # every command reads documents through the same reader
        assert run("report", "--from", str(path)).exit_code == plain.exit_code


@pytest.mark.parametrize(
    ("option", "value"),
    [("--timeout", "inf"), ("--timeout", "nan"), ("--timeout", "1e9"), ("--timeout", "-1"),
     ("--timeout", "0"), ("--verify-timeout", "inf"), ("--verify-timeout", "nan"),
     ("--verify-timeout", "1e9"), ("--verify-timeout", "0.5")],
)
def test_absurd_timeouts_are_usage_errors(option: str, value: str) -> None:
    # Parsing needs no process of its own: in process, through the real entry point.
    result = invoke("check", "--no-verify", f"{option}={value}", "--json")
    line = one_line_error(result)
    assert option in line
    assert "must be a number of seconds" in line
    assert result.json()["exit_code"] == 2


def test_an_infinite_timeout_as_a_user_types_it() -> None:
    result = run("check", "--no-verify", "--timeout", "inf")
    assert "--timeout" in one_line_error(result)
    assert result.stdout == ""


@pytest.mark.parametrize(("value", "ok"), [("600", True), ("600.5", False), ("0.1", True)])
def test_the_ends_of_the_timeout_range(value: str, ok: bool) -> None:
    result = invoke("explain", "--timeout", value, "--facts", "/nonexistent.json")
    assert result.exit_code == 2
    assert ("--timeout" in result.stderr) is not ok
