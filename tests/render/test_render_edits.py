"""Fixes that edit a project file, in every renderer: the lines as they stand and the lines to put
there, never wrapped, before the commands that apply them; the JSON `fix.edits` validates."""

from __future__ import annotations

from dataclasses import replace

import jsonschema

from torchdoctor.render.json_doc import build_document
from torchdoctor.render.markdown import render_markdown
from torchdoctor.render.redact import RedactionContext
from torchdoctor.render.schema import load_schema
from torchdoctor.render.terminal import render_terminal
from torchdoctor.report import Check, CheckStatus, FileEdit, Fix, Problem, Report, Severity
from torchdoctor.verdict import decide

LONG = '  { index = "pytorch-cu126", marker = "sys_platform == \'linux\' or sys_platform == ' \
       '\'win32\'" },'
FIX = Fix("Use the cu126 build, then sync:", ("uv sync",), (
    FileEdit("/home/ada/proj/pyproject.toml", 23, ('url = "https://download.pytorch.org/whl/cpu"',),
             ('url = "https://download.pytorch.org/whl/cu126"',)),
    FileEdit("/home/ada/proj/pyproject.toml", None, (), ("", "[tool.uv.sources]", "torch = [",
                                                         LONG, "]")),
    FileEdit("/home/ada/proj/pyproject.toml", 12, ('torch-backend = "auto"',), ()),
))


def report_with(base: Report) -> Report:
    problem = Problem("project-cpu-index", Severity.WARNING, "The project installs torch from the "
                      "CPU index", "pyproject.toml installs torch from the CPU-only index.", FIX,
                      "project")
    line = Check("project", "Project", CheckStatus.WARNING, "pyproject.toml",
                 problems=(problem,))
    return replace(base, checks=(*base.checks, line))


def test_terminal_shows_each_edit_unwrapped_before_the_command(healthy_cpu: Report) -> None:
    text = render_terminal(report_with(healthy_cpu), width=80)
    block = text[text.index("→ Use the cu126 build"):].splitlines()
    assert block[1:13] == [
        "          in /home/ada/proj/pyproject.toml, line 23, replace:",
        '            url = "https://download.pytorch.org/whl/cpu"',
        "          with:",
        '            url = "https://download.pytorch.org/whl/cu126"',
        "          at the end of /home/ada/proj/pyproject.toml, add:",
        "",
        "            [tool.uv.sources]",
        "            torch = [",
        "            " + LONG,
        "            ]",
        "          in /home/ada/proj/pyproject.toml, delete line 12:",
        '            torch-backend = "auto"',
    ]
    assert block[13] == "          uv sync"


def test_markdown_shows_the_lines_in_code_blocks(healthy_cpu: Report) -> None:
    text = render_markdown(report_with(healthy_cpu), redact=True,
                           context=RedactionContext(homes=("/home/ada",), users=("ada",)))
    assert ("In ~/proj/pyproject.toml, line 23, replace:\n\n```toml\n"
            'url = "https://download.pytorch.org/whl/cpu"\n```\n\nWith:\n\n```toml\n'
            'url = "https://download.pytorch.org/whl/cu126"\n```') in text
    assert "```toml\n\n[tool.uv.sources]\ntorch = [\n" + LONG + "\n]\n```" in text
    assert text.index("With:") < text.index("```sh\nuv sync\n```")


def test_json_carries_the_edits_and_validates(healthy_cpu: Report) -> None:
    report = report_with(healthy_cpu)
    document = build_document(report, decide(report))
    jsonschema.validate(document, load_schema("report"))
    [problem] = [p for p in document["problems"] if p["code"] == "project-cpu-index"]
    assert problem["fix"]["edits"][0] == {
        "path": "/home/ada/proj/pyproject.toml", "line": 23,
        "old": ['url = "https://download.pytorch.org/whl/cpu"'],
        "new": ['url = "https://download.pytorch.org/whl/cu126"']}
    assert problem["fix"]["edits"][1]["line"] is None
    assert problem["fix"]["edits"][2]["new"] == []
