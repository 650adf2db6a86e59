"""The Markdown report: comment, status, checks table, fix commands in code blocks, environment."""

from __future__ import annotations

from dataclasses import replace

from render_facts import make_facts

from torchdoctor.render.markdown import cell, code_block, render_markdown
from torchdoctor.render.redact import RedactionContext
from torchdoctor.report import Fix, Report
from torchdoctor.verify.result import from_dict

NOTHING = RedactionContext()


def test_layout(gpu_cpu_build: Report) -> None:
    text = render_markdown(gpu_cpu_build, context=NOTHING)
    lines = text.splitlines()
    assert lines[0].startswith("<!-- torchdoctor report: valid Markdown")
    assert lines[1] == "# torchdoctor report"
    assert "**Status:** ❌ problems found · 1 error · 3 passed · 1 not applicable" in text
    assert "| Check | Status | Detail |" in text
    assert (
        "| PyTorch | ❌ error | 2.13.0+cpu — CPU-only build, but an NVIDIA GPU is present |" in text
    )
    assert "## Problems" in text
    assert "(`cpu-build-on-gpu-host`, error)" in text
    command = gpu_cpu_build.problems[0].fix.commands[0]  # type: ignore[union-attr]
    assert f"```sh\n{command}\n```" in text
    assert "## Install command" in text
    assert text.endswith("\n")
    assert not text.endswith("\n\n")


def test_environment_uses_collect_env_names(gpu_cpu_build: Report) -> None:
    text = render_markdown(gpu_cpu_build, context=NOTHING)
    for row in (
        "| PyTorch version | 2.13.0+cpu |",
        "| CUDA used to build PyTorch | None |",
        "| OS | Ubuntu 22.04.4 LTS (x86_64) |",
        "| Libc version | glibc-2.35 |",
        "| Python version | 3.11.9 (64-bit runtime) |",
        "| GPU models and configuration | GPU 0: NVIDIA GeForce RTX 4090 |",
        "| Nvidia driver version | 550.144.03 |",
        "| Is CUDA available | Could not collect |",
        "| CPU | AMD Ryzen 9 7950X 16-Core Processor |",
    ):
        assert row in text
    assert "<details><summary>Versions of relevant libraries</summary>" in text
    assert "| torch | 2.13.0+cpu |" in text
    assert "requests" not in text  # not a relevant library


def test_missing_facts_say_could_not_collect(healthy_cpu: Report) -> None:
    unknown = make_facts(python={"status": "unknown", "reason": "timed out", "executable": None,
                                 "distributions": None, "torch_copies": None},
                         os={"status": "unknown", "system": None, "distribution": None,
                             "arch": None})
    text = render_markdown(replace(healthy_cpu, facts=unknown), context=NOTHING)
    assert "| PyTorch version | Could not collect |" in text
    assert "| OS | Could not collect |" in text


def test_verify_fills_runtime_fields(healthy_cpu: Report) -> None:
    build = {"version": "2.13.0+cu126", "cuda": "12.6", "hip": None, "debug": False, "cudnn": 91002}
    devices = {"cuda": {"built": True, "count": 1, "available": True}}
    stages = [
        {"name": "import", "status": "ok", "data": {}},
        {"name": "build", "status": "ok", "data": build},
        {"name": "devices", "status": "ok", "data": devices},
    ]
    text = render_markdown(replace(healthy_cpu, verify=from_dict({"stages": stages})),
                           context=NOTHING)
    assert "| Is CUDA available | Yes |" in text
    assert "| Is debug build | No |" in text
    assert "| cuDNN version | 91002 |" in text
    assert "| HIP runtime version | N/A |" in text
    assert "| Is XPU available | No |" in text


def test_cpu_build_is_not_cuda_available(healthy_cpu: Report) -> None:
    build = {"version": "2.13.0+cpu", "cuda": None, "hip": None, "xpu": None, "debug": False}
    verify = {"stages": [{"name": "build", "status": "ok", "data": build}]}
    text = render_markdown(replace(healthy_cpu, verify=from_dict(verify)), context=NOTHING)
    assert "| Is CUDA available | No |" in text


def test_healthy_report_has_no_problems_section(healthy_cpu: Report) -> None:
    text = render_markdown(healthy_cpu, context=NOTHING)
    assert "**Status:** ✅ ok" in text
    assert "## Problems" not in text


def test_timed_out_and_expect(timed_out: Report) -> None:
    text = render_markdown(replace(timed_out, expect="cuda", expect_met=False), context=NOTHING)
    assert "| NVIDIA driver | ❔ unknown | nvidia-smi timed out after 5 s |" in text
    assert "> --expect cuda" in text


def test_table_cells_and_fences_are_escaped(gpu_cpu_build: Report) -> None:
    assert cell("a|b\nc") == "a\\|b<br>c"
    assert code_block("echo ```")[0] == "````sh"
    problem = replace(gpu_cpu_build.problems[0], fix=Fix("Run:", ("echo `x` | tee y",)))
    torch = replace(gpu_cpu_build.checks[3], problems=(problem,))
    checks = (*gpu_cpu_build.checks[:3], torch, *gpu_cpu_build.checks[4:])
    text = render_markdown(replace(gpu_cpu_build, checks=checks), context=NOTHING)
    assert "```sh\necho `x` | tee y\n```" in text


def test_no_redact_keeps_paths(healthy_cpu: Report) -> None:
    assert healthy_cpu.facts is not None
    python = replace(healthy_cpu.facts.python, executable="/home/alice/.venv/bin/python")
    report = replace(healthy_cpu, facts=replace(healthy_cpu.facts, python=python))
    ctx = RedactionContext(homes=("/home/alice",), users=("alice",))
    assert "/home/alice/.venv/bin/python" in render_markdown(report, redact=False, context=ctx)
    redacted = render_markdown(report, context=ctx)
    assert "alice" not in redacted
    assert "| Python executable | ~/.venv/bin/python |" in redacted


def test_prerequisite_precedes_the_install_code_block(gpu_cpu_build: Report) -> None:
    assert gpu_cpu_build.install is not None
    first = "First: update the NVIDIA driver to 580 or newer."
    report = replace(gpu_cpu_build, install=replace(gpu_cpu_build.install, prerequisite=first))
    lines = render_markdown(report).splitlines()
    start = lines.index("## Install command")
    i = lines.index(f"**{first}**", start)
    assert lines[i + 1] == ""
    assert lines[i + 2] == "```sh"
    assert lines[i + 3] == gpu_cpu_build.install.command.splitlines()[0]
