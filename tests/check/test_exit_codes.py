"""Exit codes 0 / 1 / 2 / 3 / 130 through the real CLI, and one JSON document in every path."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cli_support import MACHINES, invoke

from torchdoctor.facts import facts_document
from torchdoctor.probes import collect_facts
from torchdoctor.recorded import RecordedHost
from torchdoctor.render.schema import load_schema


def _captured(name: str, tmp_path: Path, edit: Any = None) -> str:
    """A `detect --json` document of a recorded machine, written to a file, optionally edited."""
    document = json.loads(json.dumps(facts_document(collect_facts(RecordedHost(MACHINES / name)))))
    if edit is not None:
        edit(document["facts"])
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def _valid(result: Any) -> dict[str, Any]:
    document: dict[str, Any] = result.json()
    jsonschema.validate(document, load_schema("report"))
    assert next(iter(document)) == "schema_version"
    assert document["exit_code"] == result.exit_code
    return document


def test_healthy_cpu_machine_exits_0() -> None:
    result = invoke("check", "--no-verify", "--json", "--python", sys.executable)
    document = _valid(result)
    assert result.exit_code == 0, result.stdout
    assert document["status"] in ("ok", "warn")
    assert not [p for p in document["problems"] if p["severity"] == "error"]


def test_expect_cuda_unmet_exits_1() -> None:
    result = invoke(
        "check", "--no-verify", "--expect", "cuda", "--json", "--python", sys.executable
    )
    document = _valid(result)
    assert result.exit_code == 1
    assert "expect-unmet" in [p["code"] for p in document["problems"]]
    assert document["expect"] == {"accelerator": "cuda", "met": False}


def test_diagnose_error_machine_exits_1(tmp_path: Path) -> None:
    result = invoke("diagnose", _captured("driver-library-mismatch", tmp_path), "--json")
    document = _valid(result)
    assert result.exit_code == 1
    assert "driver-library-mismatch" in [p["code"] for p in document["problems"]]


def test_warning_passes_but_fails_under_strict(tmp_path: Path) -> None:
    def hide_gpus(facts: dict[str, Any]) -> None:
        facts["env"]["variables"]["CUDA_VISIBLE_DEVICES"] = ""

    path = _captured("rtx4090-driver550", tmp_path, hide_gpus)
    relaxed = invoke("diagnose", path, "--json")
    document = _valid(relaxed)
    assert relaxed.exit_code == 0
    assert document["status"] == "warn"
    strict = invoke("diagnose", path, "--json", "--strict")
    assert _valid(strict)["status"] == "fail"
    assert strict.exit_code == 1


def test_probe_that_timed_out_exits_3(tmp_path: Path) -> None:
    def nvidia_timed_out(facts: dict[str, Any]) -> None:
        facts["nvidia"].update(status="unknown", reason="timed out after 5 s")

    path = _captured("cpu-linux-laptop", tmp_path, nvidia_timed_out)
    result = invoke("diagnose", path, "--json")
    document = _valid(result)
    assert result.exit_code == 3
    assert document["status"] == "unknown"
    nvidia = next(c for c in document["checks"] if c["id"] == "nvidia")
    assert nvidia["status"] == "unknown"
    assert "timed out after 5 s" in (nvidia["reason"] or "")


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{not json", "not valid JSON"),
        ('{"schema_version": 99, "facts": {}}', "schema_version"),
        ('{"schema_version": 1}', "facts"),
        ("[1, 2]", "JSON object"),
    ],
)
def test_unreadable_input_exits_2_with_one_line(tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    result = invoke("diagnose", str(path))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert needle in lines[0]
    assert "Traceback" not in result.stderr
    as_json = invoke("diagnose", str(path), "--json")
    assert as_json.exit_code == 2
    assert as_json.json()["status"] == "error"
    jsonschema.validate(as_json.json(), load_schema("report"))


def test_missing_file_exits_2() -> None:
    result = invoke("diagnose", "/nonexistent/facts.json")
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


def test_bad_expect_value_in_json_mode_prints_one_error_document() -> None:
    result = invoke("check", "--expect", "tpu", "--json")
    assert result.exit_code == 2
    assert result.json()["status"] == "error"
    assert "--expect" in result.json()["error"]["message"]


def test_interrupt_exits_130(tmp_path: Path) -> None:
    # A "python" that never answers keeps the target probe busy; Ctrl-C must end the run at once.
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\nsleep 30\n", encoding="utf-8")
    fake.chmod(0o755)
    proc = subprocess.Popen(
        [sys.executable, "-m", "torchdoctor", "check", "--python", str(fake), "--timeout", "20"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2.0)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=15)
    assert proc.returncode == 130
    assert "interrupted" in stderr
    assert "Traceback" not in stderr


def test_internal_error_is_one_line_and_one_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug of torchdoctor's (here: the pipeline raising) is never a traceback."""
    import torchdoctor.pipeline as pipeline

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "run", broken)
    monkeypatch.delenv("TORCHDOCTOR_DEBUG", raising=False)
    result = invoke("check", "--json")
    assert result.exit_code == 1
    assert result.json()["error"]["message"].startswith("internal error: RuntimeError: boom")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
