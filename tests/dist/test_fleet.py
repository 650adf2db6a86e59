"""`torchdoctor fleet` over the recorded documents of a mixed H100 cluster
(tests/fixtures/fleet/h100-cluster, written by scripts/make_fleet_fixtures.py from the recorded
machine h100-driver580): the odd nodes first with their fixes, the majority last; bad files are
one line each."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import jsonschema
from cli_support import MACHINES, REPO, CliResult, invoke
from dist_support import outcome, run

from torchdoctor.dist.judge import build_dist_report
from torchdoctor.facts import facts_document
from torchdoctor.fleet.group import group_nodes
from torchdoctor.fleet.read import load
from torchdoctor.probes import collect_facts
from torchdoctor.recorded import RecordedHost
from torchdoctor.render.dist import dist_document
from torchdoctor.render.schema import load_schema
from torchdoctor.verdict import decide

CLUSTER = REPO / "tests" / "fixtures" / "fleet" / "h100-cluster"
HEALTHY = [str(CLUSTER / f"gpu-node-0{i}.json") for i in range(1, 5)]


def _json(result: CliResult) -> dict[str, Any]:
    document: dict[str, Any] = result.json()
    jsonschema.Draft202012Validator(load_schema("fleet")).validate(document)
    return document


def test_the_odd_nodes_come_first_with_their_fixes() -> None:
    result = invoke("fleet", str(CLUSTER))
    assert result.exit_code == 1
    heads = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert heads == [
        "[✗] gpu-node-05 (1 node) differs from the majority",
        "[✗] gpu-node-06 (1 node) differs from the majority",
        "[✗] gpu-node-07 (1 node) differs from the majority",
        "[✓] gpu-node-01, gpu-node-02, gpu-node-03, gpu-node-04 (4 nodes): the majority"]
    text = result.stdout
    assert "NVIDIA driver 570.195.03 (majority: 580.105.08)" in text
    assert "GPU count 7 (majority: 8)" in text
    assert "torch 2.12.0+cu128 (majority: 2.13.0)" in text
    assert ("          /home/ada/train/.venv/bin/python -m pip install --force-reinstall "
            "torch==2.13.0 --index-url https://download.pytorch.org/whl/cu130") in text
    assert "          nvidia-smi -L" in text
    # The cut-short document is one line on stderr, and the run goes on.
    (skipped,) = result.stderr.splitlines()
    assert skipped.startswith(f"torchdoctor: fleet: skipped {CLUSTER / 'gpu-node-08.json'}: "
                              "not valid JSON (line ")


def test_json_groups_differences_and_failing_checks() -> None:
    document = _json(invoke("fleet", str(CLUSTER), "--json"))
    assert document["exit_code"] == 1
    assert document["summary"] == {"documents": 7, "nodes": 7, "groups": 4, "majority": True,
                                   "odd_nodes": 3}
    odd = {g["nodes"][0]: g for g in document["groups"] if g["odd"]}
    assert [(d["field"], d["value"], d["majority"]) for d in odd["gpu-node-05"]["differences"]] \
        == [("driver", "570.195.03", "580.105.08")]
    assert odd["gpu-node-05"]["failing"] == ["driver-too-old"]
    assert [d["field"] for d in odd["gpu-node-07"]["differences"]] == ["torch", "torch_build"]
    majority = document["groups"][-1]
    assert (majority["majority"], majority["odd"], majority["fixes"]) == (True, False, [])
    assert majority["profile"]["gpu_model"] == "8 × NVIDIA H100 80GB HBM3"
    assert document["skipped"][0]["source"].endswith("gpu-node-08.json")


def test_markdown_for_an_issue() -> None:
    for args in (("--markdown",), ("--format", "markdown")):
        result = invoke("fleet", str(CLUSTER), *args)
        assert result.exit_code == 1
        lines = result.stdout.splitlines()
        assert lines[0].startswith("# torchdoctor fleet: 7 nodes from 7 documents")
        assert "| 1 (differs) | gpu-node-05 | **570.195.03** |" in result.stdout
        assert "## Group 3: gpu-node-07 (1 node) differs from the majority" in lines
        assert "nvidia-smi -L" in lines


def test_a_uniform_fleet_passes() -> None:
    result = invoke("fleet", *HEALTHY)
    assert result.exit_code == 0
    assert "the nodes agree and no check fails" in result.stdout
    assert _json(invoke("fleet", *HEALTHY, "--json"))["status"] == "ok"


def test_two_nodes_two_drivers_blames_neither() -> None:
    fleet = group_nodes(load([HEALTHY[0], str(CLUSTER / "gpu-node-05.json")]).nodes)
    assert not fleet.has_majority
    assert all(g.odd and not g.differences for g in fleet.groups)
    assert fleet.failed


def test_a_dist_document_is_its_nodes(tmp_path: Path) -> None:
    odd = {r: outcome(r, 4, driver="570.195.03") for r in range(4, 8)}
    dist_run = run(8, 4, odd)
    report = build_dist_report(dist_run, "/opt/venv/bin/python")
    path = tmp_path / "dist.json"
    path.write_text(json.dumps(dist_document(report, decide(report), dist_run)), "utf-8")
    loaded = load([str(path)])
    assert [(n.name, n.kind, n.driver, n.gpu_model) for n in loaded.nodes] == [
        ("gpu-00", "dist", "580.105.08", "4 × NVIDIA H100 80GB HBM3"),
        ("gpu-01", "dist", "570.195.03", "4 × NVIDIA H100 80GB HBM3")]
    assert not group_nodes(loaded.nodes).has_majority  # one node each way


def test_a_detect_document_is_diagnosed(tmp_path: Path) -> None:
    facts = collect_facts(RecordedHost(MACHINES / "wsl2-rtx3060"), timeout=2.0)
    path = tmp_path / "wsl.json"
    path.write_text(json.dumps(facts_document(facts)), "utf-8")
    (node,) = load([str(path)]).nodes
    assert (node.name, node.kind) == ("wsl", "detect")
    assert "cpu-build-on-gpu-host" in node.failing


def test_bad_inputs_are_one_line_each(tmp_path: Path) -> None:
    (tmp_path / "list.json").write_text("[1, 2]", "utf-8")
    (tmp_path / "error.json").write_text(json.dumps(
        {"schema_version": 1, "command": "check", "status": "error", "exit_code": 2,
         "error": {"message": "--python: no such file: /nope"}}), "utf-8")
    (tmp_path / "big.json").write_bytes(b" " * 10_000_001)
    empty = tmp_path / "empty"
    empty.mkdir()
    sources = [str(tmp_path), str(empty), str(tmp_path / "missing.json")]
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe")
        sources.append(str(tmp_path / "pipe"))
    result = invoke("fleet", *sources)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[-1] == (f"torchdoctor: error: no usable document among {len(sources)} sources "
                         "(check --json, detect --json or dist --json documents)")
    said = "\n".join(lines[:-1])
    for words in ("big.json: larger than 10 MB", "empty: a folder without .json files",
                  "error.json: the document of a failed run (--python: no such file: /nope)",
                  "list.json: not a torchdoctor document", "missing.json: cannot read it",
                  *(["pipe: not a regular file"] if hasattr(os, "mkfifo") else [])):
        assert words in said, words
    # One line for each of the folder's three documents and each other source, then the error.
    assert len(lines) == 3 + (len(sources) - 1) + 1


def test_one_bad_file_among_good_ones_is_not_fatal(tmp_path: Path) -> None:
    for name in ("a", "b"):
        shutil.copy(HEALTHY[0], tmp_path / f"{name}.json")
    (tmp_path / "c.json").write_text("{", "utf-8")
    result = invoke("fleet", str(tmp_path), "--json")
    assert result.exit_code == 0
    document = _json(result)
    assert [n["name"] for n in document["nodes"]] == ["a", "b"]
    assert len(result.stderr.splitlines()) == 1


def test_node_names_stay_unique(tmp_path: Path) -> None:
    for folder in ("rack1", "rack2"):
        (tmp_path / folder).mkdir()
        shutil.copy(HEALTHY[0], tmp_path / folder / "node.json")
    names = [n.name for n in load([str(tmp_path / "rack1"), str(tmp_path / "rack2")]).nodes]
    assert names == ["node", "node (2)"]


def test_conflicting_formats_are_a_usage_error() -> None:
    result = invoke("fleet", str(CLUSTER), "--json", "--markdown")
    assert result.exit_code == 2
    assert "give one of --json, --markdown and --format" in result.stderr
    assert invoke("fleet").exit_code == 2  # no source at all
