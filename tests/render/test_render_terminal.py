"""The terminal renderer: glyphs, unwrapped fix commands, ASCII fallback, colour rules."""

from __future__ import annotations

import re
from dataclasses import replace

from cli_support import MACHINES, Stream

from torchdoctor.cli.output import emit_report
from torchdoctor.environment import Environment
from torchdoctor.render.terminal import render_terminal
from torchdoctor.report import Fix, Report

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_healthy_layout(healthy_cpu: Report) -> None:
    text = render_terminal(healthy_cpu, width=100)
    lines = text.splitlines()
    assert lines[0] == (
        "torchdoctor 0.1.0 · target: /srv/app/.venv/bin/python (CPython 3.11.9, venv)"
    )
    assert "[✓] Platform          Linux x86_64" in text
    assert "[–] NVIDIA driver     no NVIDIA GPU" in text
    assert "4 passed" not in text  # 3 passed, 2 not applicable
    assert lines[-1].startswith("3 passed · 2 not applicable.")
    assert "-v" in lines[-1]
    assert "--json" in lines[-1]
    assert not ANSI.search(text)


def test_title_column_is_aligned(all_reports: dict[str, Report]) -> None:
    for report in all_reports.values():
        starts = {
            line.index(check.summary[:10])
            for check in report.checks
            for line in render_terminal(report).splitlines()
            if check.summary and line.startswith("[") and f" {check.title} " in line
        }
        assert len(starts) == 1, starts


def test_error_shows_cause_fix_and_command(gpu_cpu_build: Report) -> None:
    text = render_terminal(gpu_cpu_build, width=100)
    assert "[✗] PyTorch" in text
    assert "      ✗ torch 2.13.0+cpu is a CPU-only build" in text
    assert "      → Replace it with the CUDA 12.6 build:" in text
    command = gpu_cpu_build.problems[0].fix.commands[0]  # type: ignore[union-attr]
    assert f"\n          {command}\n" in text
    assert "1 error · 3 passed · 1 not applicable." in text


def test_long_command_stays_on_one_line_at_width_80(gpu_cpu_build: Report) -> None:
    command = "pip3 install --force-reinstall " + " ".join(f"pkg{i}==1.0" for i in range(15))
    command += " --index-url https://download.pytorch.org/whl/cu126"
    assert len(command) > 150
    problem = replace(gpu_cpu_build.problems[0], fix=Fix("Run:", (command,)))
    torch = replace(gpu_cpu_build.checks[3], problems=(problem,))
    checks = (*gpu_cpu_build.checks[:3], torch, *gpu_cpu_build.checks[4:])
    for color in (False, True):
        text = ANSI.sub("", render_terminal(replace(gpu_cpu_build, checks=checks), 80, color))
        assert (" " * 10 + command) in text.splitlines()
        # No box-drawing characters anywhere: a triple-click copies only the command.
        assert not re.search("[─│┌┐└┘╭╮╰╯]", text)
    # The install plan's command too.
    plan_line = "    " + gpu_cpu_build.install.command  # type: ignore[union-attr]
    assert plan_line in render_terminal(gpu_cpu_build, width=40).splitlines()


def test_prose_wraps_to_the_width(gpu_cpu_build: Report) -> None:
    text = render_terminal(gpu_cpu_build, width=60)
    commands = {c for p in gpu_cpu_build.problems for c in p.fix.commands}  # type: ignore[union-attr]
    commands.add(gpu_cpu_build.install.command)  # type: ignore[union-attr]
    # The header is exempt: it holds the target path, which is never cut either.
    for line in text.splitlines()[1:]:
        if line.strip() not in commands:
            assert len(line) <= 60, line


def test_timed_out_check_shows_reason(timed_out: Report) -> None:
    text = render_terminal(timed_out)
    assert "[?] NVIDIA driver     could not check — nvidia-smi timed out after 5 s" in text
    assert "1 could not check" in text
    assert "Incomplete: could not check NVIDIA driver." in text


def test_warning_box(warning_only: Report) -> None:
    text = render_terminal(warning_only)
    assert "[!] PyTorch" in text
    assert "      ! Two copies of torch" in text
    assert "\n          python -m pip uninstall -y torch\n" in text


def test_ascii_fallback(gpu_cpu_build: Report, timed_out: Report) -> None:
    text = render_terminal(gpu_cpu_build, ascii=True) + render_terminal(timed_out, ascii=True)
    text.encode("ascii")  # nothing outside ASCII
    for box in ("[ok]", "[xx]", "[--]", "[??]"):
        assert box in text
    assert "      -> Replace it with the CUDA 12.6 build:" in text
    assert "supports CUDA <= 12.4" in text


def test_ascii_warning_box(warning_only: Report) -> None:
    assert "[!!] PyTorch" in render_terminal(warning_only, ascii=True)


def test_colour_only_when_asked(gpu_cpu_build: Report) -> None:
    coloured = render_terminal(gpu_cpu_build, color=True)
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == render_terminal(gpu_cpu_build, color=False)


def test_verbose_adds_details_rationale_and_codes(gpu_cpu_build: Report) -> None:
    plain = render_terminal(gpu_cpu_build)
    verbose = render_terminal(gpu_cpu_build, verbose=1)
    assert "executable: /srv/app/.venv/bin/python" in verbose
    assert "executable:" not in plain
    assert "Driver 550.144.03 supports CUDA up to 12.4." in verbose
    assert "[cpu-build-on-gpu-host]" in verbose
    assert "More detail: -v" in plain
    assert "More detail: -v" not in verbose


def test_alternatives_are_listed(gpu_cpu_build: Report) -> None:
    lines = render_terminal(gpu_cpu_build).splitlines()
    i = lines.index("  Or update the driver to 580 or newer, then:")
    assert lines[i + 1] == "    pip3 install torch torchvision"


def test_a_pipe_gets_plain_ascii_when_it_cannot_take_unicode(gpu_cpu_build: Report) -> None:
    code = emit_report(_environment("ascii"), gpu_cpu_build)
    text = _OUT.getvalue()
    text.encode("ascii")
    assert not ANSI.search(text)
    assert "[xx] PyTorch" in text
    assert code.exit_code == 1


_OUT = Stream(encoding="ascii")


def _environment(encoding: str) -> Environment:
    from torchdoctor.recorded import RecordedHost

    _OUT.seek(0)
    _OUT.truncate()
    host = RecordedHost(MACHINES / "cpu-linux-laptop")
    return Environment.create(host, Stream(), _OUT, Stream(encoding=encoding))


def test_prerequisite_stands_right_above_the_command(gpu_cpu_build: Report) -> None:
    assert gpu_cpu_build.install is not None
    first = "First: update the NVIDIA driver to 580 or newer."
    report = replace(gpu_cpu_build, install=replace(gpu_cpu_build.install, prerequisite=first))
    lines = render_terminal(report).splitlines()
    i = lines.index("  " + first)
    assert lines[i - 1].startswith("Install command")
    assert lines[i + 1] == "    " + gpu_cpu_build.install.command.splitlines()[0]
    assert first not in render_terminal(gpu_cpu_build)  # none: no line
