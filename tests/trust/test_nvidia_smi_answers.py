"""nvidia-smi's own answers are facts, not failures to check: "No devices were found" and
"couldn't communicate with the NVIDIA driver" give the diagnosis those words mean."""

from __future__ import annotations

from typing import Any

import pytest
from cli_support import MACHINES

from torchdoctor.facts import Facts, facts_from_document
from torchdoctor.pipeline import build_report
from torchdoctor.recorded import RecordedHost
from torchdoctor.report import CheckStatus, Report

SMI = "/usr/bin/nvidia-smi"
NO_DRIVER = ("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make "
             "sure that the latest NVIDIA driver is installed and running.\n")


def _machine(tmp_path: Any, smi_out: str, code: int, module: bool) -> Facts:
    """rtx4090-driver550 with nvidia-smi answering `smi_out` (and the kernel module loaded or
    not), replayed through the real probes."""
    import json
    import shutil

    from torchdoctor.probes import collect_facts

    folder = tmp_path / "machine"
    shutil.copytree(MACHINES / "rtx4090-driver550", folder)
    if not module:
        for name in ("sys/module/nvidia", "proc/driver/nvidia"):
            shutil.rmtree(folder / "files" / name, ignore_errors=True)
    commands = json.loads((folder / "commands.json").read_text(encoding="utf-8"))
    for entry in commands:
        if entry["argv"][0].endswith("nvidia-smi"):
            entry.update({"stdout": smi_out, "stderr": "", "returncode": code})
            entry.pop("stdout_file", None)
    (folder / "commands.json").write_text(json.dumps(commands), encoding="utf-8")
    python = json.loads((folder / "python.json").read_text(encoding="utf-8"))
    python.pop("nvml_query.py", None)  # NVML gives no answer: nvidia-smi decides
    (folder / "python.json").write_text(json.dumps(python), encoding="utf-8")
    facts = collect_facts(RecordedHost(folder), timeout=2.0)
    # Through a document and back: the new field survives the round trip.
    from torchdoctor.facts import facts_document

    return facts_from_document(json.loads(json.dumps(facts_document(facts))))


def _nvidia_line(report: Report) -> Any:
    return next(c for c in report.checks if c.id == "nvidia")


def test_no_driver_is_a_finding_not_a_timeout(tmp_path: Any) -> None:
    facts = _machine(tmp_path, NO_DRIVER, 9, module=False)
    assert facts.nvidia.status == "absent"
    assert facts.nvidia.smi_message == "couldn't communicate with the NVIDIA driver"
    line = _nvidia_line(build_report("check", facts, None))
    assert line.status is CheckStatus.ERROR  # a CUDA build is installed
    assert [p.code for p in line.problems] == ["nvidia-driver-missing"]
    fix = line.problems[0].fix
    assert fix is not None
    assert fix.commands == ("nvidia-smi", "mokutil --sb-state")
    assert "timeout" not in line.problems[0].message


def test_no_devices_is_a_finding_not_a_timeout(tmp_path: Any) -> None:
    facts = _machine(tmp_path, "No devices were found\n", 6, module=True)
    assert facts.nvidia.status == "found"
    assert facts.nvidia.gpus == ()
    line = _nvidia_line(build_report("check", facts, None))
    assert line.status is CheckStatus.ERROR
    assert "nvidia-gpu-not-visible" in [p.code for p in line.problems]
    assert "probe-failed" not in [p.code for p in line.problems]


@pytest.mark.parametrize("field", ["smi_message"])
def test_an_older_document_without_the_new_field_still_loads(field: str) -> None:
    from torchdoctor.facts import facts_document

    facts = build_report("check", _recorded(), None).facts
    assert facts is not None
    document = facts_document(facts)
    del document["facts"]["nvidia"][field]
    assert getattr(facts_from_document(document).nvidia, field) is None


def _recorded() -> Facts:
    from torchdoctor.probes import collect_facts

    return collect_facts(RecordedHost(MACHINES / "rtx4090-driver550"), timeout=2.0)
