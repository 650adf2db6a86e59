"""The check/diagnose JSON document and the error document: keys, order, schema validity."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import jsonschema
import pytest

from torchdoctor.exitcodes import ExitCode
from torchdoctor.render.json_doc import build_document, dumps, error_document
from torchdoctor.render.schema import load_schema
from torchdoctor.report import Report
from torchdoctor.verdict import decide
from torchdoctor.verify.result import StageResult, StageStatus, VerifyResult

TOP_LEVEL = [
    "schema_version", "tool", "command", "status", "exit_code", "target", "knowledge_date",
    "knowledge", "expect", "strict", "summary", "checks", "problems", "install", "verify", "facts",
]  # fmt: skip


def document(report: Report) -> dict[str, Any]:
    verdict = decide(report)
    return build_document(report, verdict)


def validate(doc: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(load_schema("report")).validate(doc)


def test_every_fixture_validates(all_reports: dict[str, Report]) -> None:
    for report in all_reports.values():
        doc = document(report)
        validate(doc)
        # The printed text parses back to the same document.
        assert json.loads(dumps(doc)) == doc


def test_top_level_keys_in_order(gpu_cpu_build: Report) -> None:
    doc = document(gpu_cpu_build)
    assert list(doc) == TOP_LEVEL
    assert doc["tool"] == {"name": "torchdoctor", "version": "0.1.0"}
    assert (doc["status"], doc["exit_code"]) == ("fail", 1)
    assert doc["target"]["python"] == "/srv/app/.venv/bin/python"


def test_checks_and_problems(gpu_cpu_build: Report) -> None:
    doc = document(gpu_cpu_build)
    assert [c["id"] for c in doc["checks"]] == [c.id for c in gpu_cpu_build.checks]
    torch = doc["checks"][3]
    assert torch["status"] == "error"
    assert torch["problem_codes"] == ["cpu-build-on-gpu-host"]
    [problem] = doc["problems"]
    assert problem["severity"] == "error"
    assert problem["check"] == "torch"
    assert problem["fix"]["commands"] == list(gpu_cpu_build.problems[0].fix.commands)  # type: ignore[union-attr]


def test_install_member(gpu_cpu_build: Report, healthy_cpu: Report) -> None:
    install = document(gpu_cpu_build)["install"]
    assert install["compute"] == "cu126"
    assert install["rationale"][0].startswith("Driver 550")
    assert install["alternatives"][0]["compute"] == "cu130"
    assert install["index_url"] == "https://download.pytorch.org/whl/cu126"
    doc = document(replace(healthy_cpu, install=None))
    assert doc["install"] is None
    validate(doc)


def test_timed_out_check(timed_out: Report) -> None:
    doc = document(timed_out)
    assert (doc["status"], doc["exit_code"]) == ("unknown", 3)
    nvidia = doc["checks"][2]
    assert nvidia["status"] == "unknown"
    assert nvidia["reason"] == "nvidia-smi timed out after 5 s"
    assert doc["summary"]["unknown"] == 1


def test_expect_and_verify_members(healthy_cpu: Report) -> None:
    stage = StageResult("import", StageStatus.OK, 2.0, {"version": "2.13.0+cpu"})
    verify = VerifyResult("/srv/app/.venv/bin/python", "auto", (stage,))
    report = replace(healthy_cpu, expect="cuda", expect_met=False, verify=verify)
    doc = document(report)
    assert doc["expect"] == {"accelerator": "cuda", "met": False}
    assert doc["verify"]["stages"][0]["data"] == {"version": "2.13.0+cpu"}
    assert doc["verify"]["torch_version"] == "2.13.0+cpu"
    assert doc["exit_code"] == 1
    validate(doc)


def test_unicode_kept_readable(gpu_cpu_build: Report) -> None:
    assert "CUDA ≤ 12.4" in dumps(document(gpu_cpu_build))


@pytest.mark.parametrize("code", [ExitCode.USAGE, ExitCode.INTERRUPTED])
def test_error_document_validates(code: ExitCode) -> None:
    doc = error_document("diagnose", "report.json: not a facts document", code)
    validate(doc)
    assert next(iter(doc)) == "schema_version"
    assert doc["status"] == "error"
    assert doc["exit_code"] == int(code)
    assert json.loads(dumps(doc)) == doc


def test_error_document_strips_credentials() -> None:
    doc = error_document("check", "cannot reach https://bob:hunter2@pypi.example/simple")
    assert "hunter2" not in dumps(doc)


def test_schema_rejects_a_wrong_document(healthy_cpu: Report) -> None:
    doc = document(healthy_cpu)
    doc["status"] = "great"
    with pytest.raises(jsonschema.ValidationError):
        validate(doc)


def test_load_schema() -> None:
    schema = load_schema("report")
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("2020-12/schema")
    with pytest.raises(ValueError, match="unknown schema"):
        load_schema("nope")


def test_install_prerequisite(gpu_cpu_build: Report) -> None:
    assert document(gpu_cpu_build)["install"]["prerequisite"] is None
    assert gpu_cpu_build.install is not None
    first = "First: update the NVIDIA driver to 580 or newer."
    report = replace(gpu_cpu_build, install=replace(gpu_cpu_build.install, prerequisite=first))
    doc = document(report)
    assert doc["install"]["prerequisite"] == first
    validate(doc)
    del doc["install"]["prerequisite"]  # optional: documents written before it validate too
    validate(doc)
