"""The composite action (`action.yml`), its steps run in a shell with GitHub's variables set,
against a venv holding a fake torch: the job summary, the annotations, the outputs and the step's
exit code. The install step needs the network (pip installs torchdoctor's dependencies), so it is
run apart, against a stand-in `python3`; the check step then runs with this interpreter, where
torchdoctor is installed, as the install step's output."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from action_support import (
    FAKE_VERSION,
    ActionRun,
    fake_torch_venv,
    read_action,
    read_yaml,
    runner_env,
)
from cli_support import REPO

from torchdoctor.ci.action import InputError, Inputs, check_argv, step_outputs, target_python

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the action's steps run in bash")

Runner = Callable[..., ActionRun]


@pytest.fixture(scope="module")
def fake_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    return fake_torch_venv(tmp_path_factory.mktemp("action") / "venv")


@pytest.fixture
def action(tmp_path: Path, fake_python: str) -> Runner:
    """run(**inputs) -> the finished ActionRun; the fake venv's bin first on PATH."""

    def run(**inputs: str) -> ActionRun:
        path = os.pathsep.join([str(Path(fake_python).parent), os.environ.get("PATH", "")])
        env = runner_env(tmp_path, path)
        installed = {"install": {"python": sys.executable}}
        return ActionRun(tmp_path, inputs, env, replace=installed).run()

    return run


def _document(run: ActionRun) -> dict[str, object]:
    path = run.outputs["report-json"]
    assert path, run.stderr
    document: dict[str, object] = json.loads(Path(path).read_text(encoding="utf-8"))
    return document


def test_the_action_declares_its_interface() -> None:
    action = read_action()
    assert set(action["inputs"]) == {"expect", "python", "strict", "deep", "args"}
    assert {"status", "exit-code", "torch-version", "accelerator", "speedup"} <= set(
        action["outputs"])
    steps = action["runs"]["steps"]
    assert [s["id"] for s in steps] == ["install", "check"]
    install = 'pip install --quiet --disable-pip-version-check "$GITHUB_ACTION_PATH"'
    assert install in steps[0]["run"]
    # Inputs reach the script through the environment, never through its text.
    for step in steps:
        assert "inputs." not in step["run"]


def test_an_unmet_expectation_fails_the_step_with_summary_annotation_and_outputs(
        action: Runner, fake_python: str) -> None:
    run = action(expect="cuda", python=fake_python, args="--no-bench")
    assert run.exit_code == 1, run.stderr
    assert run.outputs["exit-code"] == "1"
    assert run.outputs["status"] == "fail"
    assert run.outputs["torch-version"] == FAKE_VERSION
    assert run.outputs["accelerator"] == "cpu"  # the CPU passed its kernel check, nothing else
    assert run.outputs["speedup"] == ""  # --no-bench
    # The job summary: the Markdown report.
    assert "# torchdoctor report" in run.summary
    assert "`expect-unmet`" in run.summary
    # The annotations: one per problem, with its title and code.
    document = _document(run)
    problems = document["problems"]
    assert isinstance(problems, list)
    assert len(run.annotations()) >= len(problems)
    assert any(line.startswith("::error title=The expected accelerator is not usable "
                               "(expect-unmet)::") for line in run.annotations())
    assert document["exit_code"] == 1
    # The JUnit file: the same verdict.
    suite = ET.parse(run.outputs["report-junit"]).getroot().find("testsuite")
    assert suite is not None
    assert int(suite.get("failures", "0")) >= 1
    # The log shows the human report.
    assert "torchdoctor action: torchdoctor check --python" in run.stderr
    assert "[✗] Expect cuda" in run.stdout


def test_the_target_is_the_python_on_path_and_outputs_agree_with_the_report(
        action: Runner, fake_python: str) -> None:
    run = action(expect="cpu", args=f"--no-bench --expect-torch {FAKE_VERSION.split('+')[0]}")
    document = _document(run)
    assert document["target"]["python"] == fake_python  # type: ignore[index]
    assert run.exit_code == document["exit_code"]
    assert run.outputs["exit-code"] == str(run.exit_code)
    assert run.outputs["status"] == document["status"]
    lines = {c["id"]: c["status"] for c in document["checks"]}  # type: ignore[attr-defined]
    assert lines["expect"] == "ok"
    assert lines["expect-torch"] == "ok"
    assert run.outputs["accelerator"] == "cpu"
    problems = document["problems"]
    assert isinstance(problems, list)
    wanted = {"error": "error", "warning": "warning", "info": "notice"}
    levels = [line.split(" ", 1)[0][2:] for line in run.annotations()]
    assert levels[:len(problems)] == [wanted[p["severity"]] for p in problems]


def test_a_usage_error_in_args_fails_with_exit_2_and_says_so(action: Runner,
                                                             fake_python: str) -> None:
    run = action(python=fake_python, args="--no-such-option")
    assert run.exit_code == 2
    assert run.outputs["status"] == "error"
    assert run.outputs["exit-code"] == "2"
    assert run.outputs["report-json"] == ""
    assert "torchdoctor: error: No such option '--no-such-option'" in run.stderr
    assert any("torchdoctor check exited with 2 before writing a report" in line
               for line in run.annotations())
    assert "Traceback" not in run.stderr


def test_a_bad_input_fails_before_the_check(action: Runner) -> None:
    run = action(strict="maybe")
    assert run.exit_code == 2
    assert run.annotations() == [
        "::error title=torchdoctor action::input strict: expected true or false, not 'maybe'"]


def test_deep_runs_where_check_has_it(action: Runner, fake_python: str) -> None:
    helped = subprocess.run([sys.executable, "-m", "torchdoctor", "check", "--help"],
                            capture_output=True, text=True, timeout=60, check=False)
    if "--deep" not in helped.stdout:
        pytest.skip("check --deep is not in this build of torchdoctor")
    run = action(expect="cpu", deep="true", python=fake_python, args="--no-bench")
    assert run.exit_code == _document(run)["exit_code"]
    assert "--deep" in run.stderr.splitlines()[0]


def _stand_in(folder: Path, name: str, log: Path) -> None:
    """A `python3` (or `python`) that logs its arguments and makes a venv's layout."""
    folder.mkdir(exist_ok=True)
    inner = ("#!/bin/sh\n"
             f'echo "venv-python $*" >> "{log}"\n')
    script = ("#!/bin/sh\n"
              f'echo "{name} $*" >> "{log}"\n'
              'if [ "$1 $2" = "-m venv" ]; then\n'
              '  dir="$3/$BINDIR"; mkdir -p "$dir"\n'
              f"  cat > \"$dir/python\" <<'EOF'\n{inner}EOF\n"
              '  chmod +x "$dir/python"\n'
              "fi\n")
    path = folder / name
    path.write_text(script, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.mark.parametrize(("runner_os", "base", "bindir"),
                         [("Linux", "python3", "bin"), ("Windows", "python", "Scripts")])
def test_the_install_step_makes_a_venv_of_its_own(tmp_path: Path, runner_os: str, base: str,
                                                  bindir: str) -> None:
    log = tmp_path / "calls.log"
    _stand_in(tmp_path / "bin", base, log)
    env = runner_env(tmp_path, f"{tmp_path / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
                     {"RUNNER_OS": runner_os, "BINDIR": bindir})
    run = ActionRun(tmp_path, {}, env, replace={"check": {}}).run()
    assert run.exit_code == 0, run.stderr
    venv = tmp_path / "runner-temp" / "torchdoctor-venv"
    assert log.read_text(encoding="utf-8").splitlines() == [
        f"{base} -m venv {venv}",
        f"venv-python -m pip install --quiet --disable-pip-version-check {REPO}",
    ]
    assert run.steps["install"] == {"python": f"{venv}/{bindir}/python"}


def test_the_selftest_workflow_runs_the_action_on_cpu_with_deep() -> None:
    workflow = read_yaml(REPO / ".github" / "workflows" / "action-selftest.yml")
    steps = workflow["jobs"]["cpu"]["steps"]
    assert workflow["jobs"]["cpu"]["runs-on"] == "ubuntu-latest"
    uses = next(s for s in steps if s.get("uses") == "./")
    assert uses["with"]["expect"] == "cpu"
    assert uses["with"]["deep"] == "true"
    installs = [s["run"] for s in steps if "pip install torch" in s.get("run", "")]
    assert installs == ["python -m pip install torch==2.13.0 --index-url "
                        "https://download.pytorch.org/whl/cpu"]


# The module behind the check step, unit by unit.

def test_inputs_from_the_environment() -> None:
    inputs = Inputs.from_env({"INPUT_EXPECT": " cuda ", "INPUT_STRICT": "True",
                              "INPUT_DEEP": "false", "INPUT_ARGS": "--no-bench --error 'a b'"})
    assert inputs == Inputs(expect="cuda", strict=True, args=("--no-bench", "--error", "a b"))
    with pytest.raises(InputError, match="input args: No closing quotation"):
        Inputs.from_env({"INPUT_ARGS": "'open"})


def test_check_argv() -> None:
    argv = check_argv(Inputs(expect="gpu", strict=True, deep=True, args=("--no-bench",)),
                      "/py", "/t/r.json", "/t/r.xml")
    assert argv == [sys.executable, "-m", "torchdoctor", "check", "--python", "/py",
                    "--output", "json:/t/r.json", "--output", "junit:/t/r.xml",
                    "--expect", "gpu", "--strict", "--deep", "--no-bench"]
    plain = check_argv(Inputs(), None, "/t/r.json", "/t/r.xml")
    assert "--deep" not in plain
    assert "--strict" not in plain
    assert "--python" not in plain


def test_target_python(tmp_path: Path) -> None:
    assert target_python(Inputs(python="/opt/py"), {}) == "/opt/py"
    assert target_python(Inputs(), {"VIRTUAL_ENV": "/srv/venv", "PATH": ""}) is None
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python3 = bin_dir / "python3"
    python3.write_text("#!/bin/sh\n", encoding="utf-8")
    python3.chmod(0o755)
    assert target_python(Inputs(), {"PATH": str(bin_dir)}) == str(python3)
    with pytest.raises(InputError, match="no python or python3 on PATH"):
        target_python(Inputs(), {"PATH": str(tmp_path / "empty")})


def test_step_outputs_of_a_gpu_run() -> None:
    document = {
        "status": "ok", "exit_code": 0, "facts": None,
        "verify": {"python": "/py", "device": "auto", "stages": [
            {"name": "import", "status": "ok", "data": {"version": "2.13.0+cu130"}},
            {"name": "devices", "status": "ok", "data": {"devices": [
                {"id": "cpu", "kind": "cpu"}, {"id": "cuda:0", "kind": "cuda"}]}},
            {"name": "kernels", "status": "ok", "data": {"results": [
                {"device": "cpu", "status": "ok"}, {"device": "cuda:0", "status": "ok"}]}},
            {"name": "benchmark", "status": "ok", "data": {"dtype": "float32", "results": [
                {"device": "cpu", "gflops": 100.0},
                {"device": "cuda:0", "gflops": 4234.0, "speedup": 42.34}]}},
        ]},
    }
    assert step_outputs(document, 0, "/t/r.json", "/no/such.xml") == {
        "status": "ok", "exit-code": "0", "torch-version": "2.13.0+cu130",
        "accelerator": "cuda", "speedup": "42.3", "report-json": "/t/r.json",
        "report-junit": ""}
    assert step_outputs(None, 2, "/t/r.json", "/t/r.xml")["status"] == "error"
