"""`--format text|json|junit|markdown` and `--output [FORMAT:]FILE` on the report commands: one
run writes every file asked for while stdout keeps the human report (or the one JSON document
under --json), and a request that cannot be met is one line and exit 2."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from cli_support import REPO, invoke

from torchdoctor.cli.options import Outputs, resolve_outputs
from torchdoctor.render.schema import load_schema

H100 = str(REPO / "tests" / "golden" / "machines" / "h100-driver580.json")
MISMATCH = str(REPO / "tests" / "golden" / "machines" / "driver-library-mismatch.json")


def test_resolve_outputs() -> None:
    assert resolve_outputs(False, None, None) == Outputs("text")
    assert resolve_outputs(True, None, None) == Outputs("json")
    assert resolve_outputs(False, "junit", None) == Outputs("junit")
    assert resolve_outputs(False, None, None, "markdown") == Outputs("markdown")
    # With --output the terminal keeps the human report; the files' format comes from their
    # FORMAT: prefix, else --format, else their name.
    assert resolve_outputs(False, None, ["a.json", "b.XML", "c.md", "d.txt"]) == Outputs(
        "text", (("a.json", "json"), ("b.XML", "junit"), ("c.md", "markdown"),
                 ("d.txt", "text")))
    assert resolve_outputs(False, "junit", ["a.json", "json:b.out"]) == Outputs(
        "text", (("a.json", "junit"), ("b.out", "json")))
    assert resolve_outputs(True, None, ["r.xml"], "markdown") == Outputs(
        "json", (("r.xml", "junit"),))
    # A Windows drive is not a format.
    assert resolve_outputs(False, None, ["C:\\ci\\r.json"]) == Outputs(
        "text", (("C:\\ci\\r.json", "json"),))


@pytest.mark.parametrize(
    ("json_flag", "fmt", "files", "words"),
    [
        (False, "yaml", None, "--format must be one of text, json, junit, markdown"),
        (True, "junit", None, "two outputs on stdout"),
        (False, None, ["report.dat"], "does not say the format"),
    ],
)
def test_resolve_outputs_refuses(json_flag: bool, fmt: str | None, files: list[str] | None,
                                 words: str) -> None:
    with pytest.raises(ValueError, match=words):
        resolve_outputs(json_flag, fmt, files)


def test_one_run_writes_every_format_and_the_terminal_keeps_the_report(tmp_path: Path) -> None:
    paths = {fmt: tmp_path / f"report.{ext}" for fmt, ext in
             (("json", "json"), ("junit", "xml"), ("markdown", "md"), ("text", "txt"))}
    result = invoke("diagnose", MISMATCH, *(a for p in paths.values()
                                          for a in ("--output", str(p))))
    assert result.exit_code == 1
    assert result.stdout.startswith("torchdoctor ")  # the terminal report, as without --output
    document = json.loads(paths["json"].read_text(encoding="utf-8"))
    jsonschema.validate(document, load_schema("report"))
    assert document["exit_code"] == 1
    suite = ET.parse(paths["junit"]).getroot().find("testsuite")
    assert suite is not None
    assert suite.get("failures") != "0"
    assert paths["markdown"].read_text(encoding="utf-8").startswith("<!-- torchdoctor report")
    assert paths["text"].read_text(encoding="utf-8") == result.stdout  # no colour either way
    assert "\x1b[" not in paths["text"].read_text(encoding="utf-8")


def test_json_on_stdout_and_junit_in_a_file(tmp_path: Path) -> None:
    path = tmp_path / "results"
    result = invoke("diagnose", H100, "--json", "--output", f"junit:{path}")
    assert result.exit_code == 0
    assert result.json()["status"] == "ok"  # stdout is the one JSON document, nothing else
    ET.parse(path)


@pytest.mark.parametrize("fmt", ["junit", "markdown", "json", "text"])
def test_format_alone_goes_to_stdout(fmt: str) -> None:
    result = invoke("diagnose", H100, "--format", fmt)
    assert result.exit_code == 0
    if fmt == "junit":
        assert ET.fromstring(result.stdout).tag == "testsuites"
    elif fmt == "json":
        assert result.json()["command"] == "diagnose"
    elif fmt == "markdown":
        assert "# torchdoctor report" in result.stdout
    else:
        assert result.stdout.startswith("torchdoctor ")


def test_every_report_command_takes_them(tmp_path: Path) -> None:
    out = tmp_path / "verify.xml"
    verify = invoke("verify", "--python", str(tmp_path / "missing" / "python"))
    assert verify.exit_code == 2  # (the target must exist; the options themselves parse)
    report = invoke("report", "--from", H100, "--format", "junit", "--output", str(out))
    assert report.exit_code == 0
    assert "# torchdoctor report" in report.stdout  # report's own human form is Markdown
    assert ET.parse(out).getroot().find("testsuite[@name='torchdoctor report']") is not None
    explain = invoke("explain", "-", "--facts", H100, "--format", "junit")
    assert ET.fromstring(explain.stdout).tag == "testsuites"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--output", "{tmp}/no/such/folder/r.json"), "no such folder"),
        (("--output", "json:{tmp}"), "is a folder"),
        (("--output", "{tmp}/r.dat"), "does not say the format"),
        (("--format", "yaml"), "--format must be one of"),
    ],
)
def test_an_output_that_cannot_be_written_is_a_usage_error(
        tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    filled = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = invoke("diagnose", H100, *filled)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    as_json = invoke("diagnose", H100, "--json", *filled)
    assert as_json.exit_code == 2
    assert as_json.json()["status"] == "error"  # --json: still the one document


def test_a_usage_error_under_output_keeps_stdout_human(tmp_path: Path) -> None:
    """`--format json` names the files' format when --output is given: a usage error then
    prints no JSON document on stdout (stdout was to carry the human report)."""
    result = invoke("check", "--bogus", "--format", "json", "--output", str(tmp_path / "r"))
    assert result.exit_code == 2
    assert result.stdout == ""
    plain = invoke("check", "--bogus", "--format", "json")
    assert plain.json()["status"] == "error"


def test_check_writes_its_files(tmp_path: Path) -> None:
    path = tmp_path / "check.json"
    result = invoke("check", "--no-verify", "--python", sys.executable, "--output", str(path))
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["command"] == "check"
    assert document["exit_code"] == result.exit_code
