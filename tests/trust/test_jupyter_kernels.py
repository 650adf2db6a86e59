"""Works in the terminal, not in the notebook: the Jupyter kernels a notebook can pick, and
whether any of them starts the target interpreter. (Registering a kernel needs ipykernel from
PyPI, so the fix's commands are asserted exactly rather than followed.)"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from fix_support import check, install_fake_torch, make_env

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX venvs")


def _kernel(data: Path, name: str, python: str) -> None:
    folder = data / "kernels" / name
    folder.mkdir(parents=True)
    spec = {"argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": name, "language": "python"}
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")


def _kernel_finding(document: dict[str, Any]) -> dict[str, Any] | None:
    """The wrong-interpreter finding about kernels (pip3 on PATH may give one of its own)."""
    return next((p for p in document["problems"] if p["code"] == "wrong-interpreter"
                 and p["message"].startswith("No Jupyter kernel starts")), None)


def _check(tmp_path: Path, kernels: dict[str, str]) -> tuple[str, dict[str, Any]]:
    env = make_env(tmp_path)
    install_fake_torch(env.site)
    data = tmp_path / "jupyter"
    for name, python in kernels.items():
        _kernel(data, name, python.replace("TARGET", env.python))
    project = tmp_path / "project"
    project.mkdir()
    return env.python, check(env.python, project, env={"JUPYTER_DATA_DIR": str(data),
                                                       "HOME": str(tmp_path)})


def test_no_kernel_starts_this_environment(tmp_path: Path) -> None:
    python, document = _check(tmp_path, {"base": "/opt/conda/bin/python"})
    kernels = document["facts"]["python"]["jupyter_kernels"]
    assert {"name": "base", "python": "/opt/conda/bin/python"} in kernels
    found = _kernel_finding(document)
    assert found is not None
    assert found["severity"] == "info"
    assert "/opt/conda/bin/python" in found["message"]
    assert found["fix"]["commands"] == [
        f"{python} -m ensurepip --upgrade",  # this venv has no pip
        f"{python} -m pip install ipykernel",
        f"{python} -m ipykernel install --user --name venv",
    ]


@pytest.mark.parametrize("kernels", [{"mine": "TARGET"}, {"any": "python3"}],
                         ids=["this-environment", "whatever-is-on-PATH"])
def test_nothing_to_say(tmp_path: Path, kernels: dict[str, str]) -> None:
    _, document = _check(tmp_path, kernels)
    assert _kernel_finding(document) is None
