"""Follow the fix for the loader facts: an older cuDNN on LD_LIBRARY_PATH in front of the one a
CUDA torch brought with pip, and the toolkit's stub libcuda. The broken state is a fake CUDA torch
in a throwaway venv (files named as the real ones; nothing is loaded), the fix is a shell command,
so it runs in the same shell as the check that follows it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fix_support import check, codes, install_fake_torch, make_env, problem

from torchdoctor.recommend.shell import drop_from_path_variable

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the dynamic loader's search order is Linux's")


def _torch_with_pip_libraries(tmp_path: Path) -> Path:
    """A venv with a cu130 torch and nvidia-cudnn-cu13 9.20.0.48 next to it; returns the
    venv's python."""
    env = make_env(tmp_path)
    install_fake_torch(env.site, "2.13.0+cu130", cuda="13.0")
    lib = env.site / "nvidia" / "cudnn" / "lib"
    lib.mkdir(parents=True)
    (lib / "libcudnn.so.9").write_bytes(b"")
    info = env.site / "nvidia_cudnn_cu13-9.20.0.48.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: nvidia-cudnn-cu13\n"
                                   "Version: 9.20.0.48\n", encoding="utf-8")
    return Path(env.python)


def _old_cudnn(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "libcudnn.so.9.1.0").write_bytes(b"")
    (folder / "libcudnn.so.9").symlink_to("libcudnn.so.9.1.0")
    return folder


def _check_after(command: str, python: Path, cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    again = f'{command}; exec "{sys.executable}" -m torchdoctor check --json --no-verify ' \
            f'--python "{python}"'
    done = subprocess.run(["sh", "-c", again], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **env})
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def test_an_older_copy_on_ld_library_path_is_an_error_and_the_export_cures_it(
        tmp_path: Path) -> None:
    python = _torch_with_pip_libraries(tmp_path)
    # A folder whose name says nothing of CUDA: the copy is found by its file, not its folder.
    old = _old_cudnn(tmp_path / "opt" / "libs")
    keep = tmp_path / "keep"
    keep.mkdir()
    value = f"{old}:{keep}"
    project = tmp_path / "project"
    project.mkdir()
    before = check(str(python), project, env={"LD_LIBRARY_PATH": value})
    loader = before["facts"]["loader"]
    cudnn = next(lib for lib in loader["libraries"] if lib["name"] == "libcudnn")
    assert [(c["source"], c["version"]) for c in cudnn["copies"]][:2] == [
        ("LD_LIBRARY_PATH", "9.1.0"), ("pip", "9.20.0.48")]
    found = problem(before, "ld-library-path-shadows-cuda-libs")
    assert found is not None, before["problems"]
    assert found["severity"] == "error"
    assert "9.1.0" in found["message"]
    assert "9.20.0.48" in found["message"]
    [command] = found["fix"]["commands"]
    assert command == drop_from_path_variable("LD_LIBRARY_PATH", [str(old)])
    after = _check_after(command, python, project, {"LD_LIBRARY_PATH": value})
    assert "ld-library-path-shadows-cuda-libs" not in codes(after)
    assert codes(after) <= codes(before)
    # Every other entry stays, recorded or not (the facts keep only those that matter).
    done = subprocess.run(["sh", "-c", f'{command}; printf %s "$LD_LIBRARY_PATH"'],
                          capture_output=True, text=True, timeout=30,
                          env={**os.environ, "LD_LIBRARY_PATH": value})
    assert done.stdout == str(keep)


def test_a_newer_copy_on_ld_library_path_is_only_info(tmp_path: Path) -> None:
    python = _torch_with_pip_libraries(tmp_path)
    newer = tmp_path / "newer"
    newer.mkdir()
    (newer / "libcudnn.so.9.21.0").write_bytes(b"")
    (newer / "libcudnn.so.9").symlink_to("libcudnn.so.9.21.0")
    document = check(str(python), tmp_path, env={"LD_LIBRARY_PATH": str(newer)})
    found = problem(document, "ld-library-path-shadows-cuda-libs")
    assert found is not None
    assert found["severity"] == "info"
    assert found["fix"]["commands"] == [drop_from_path_variable("LD_LIBRARY_PATH", [str(newer)])]


def test_the_stub_driver_library_is_found_and_dropped(tmp_path: Path) -> None:
    python = _torch_with_pip_libraries(tmp_path)
    stubs = tmp_path / "cuda" / "lib64" / "stubs"
    stubs.mkdir(parents=True)
    (stubs / "libcuda.so.1").write_bytes(b"")
    project = tmp_path / "project"
    project.mkdir()
    before = check(str(python), project, env={"LD_LIBRARY_PATH": str(stubs)})
    found = problem(before, "cuda-stub-library-loaded")
    assert found is not None, before["problems"]
    [command] = found["fix"]["commands"]
    assert command == drop_from_path_variable("LD_LIBRARY_PATH", [str(stubs)])
    after = _check_after(command, python, project, {"LD_LIBRARY_PATH": str(stubs)})
    assert "cuda-stub-library-loaded" not in codes(after)
    assert codes(after) <= codes(before)
