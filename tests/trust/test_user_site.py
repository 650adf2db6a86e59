"""The user site as Python really orders it: before the interpreter's site-packages, but after a
venv's own in a --system-site-packages venv; a single user-site torch shadows nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import run_cli
from fix_support import Env, check, codes, install_fake_torch

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX venvs and HOME")


def _user_site(home: Path) -> Path:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return home / ".local" / "lib" / version / "site-packages"


def _system_site_venv(tmp_path: Path) -> Env:
    root = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages",
                    str(root)], check=True, capture_output=True, timeout=120)
    return Env(root)


def test_the_venv_copy_comes_before_the_user_site(tmp_path: Path) -> None:
    env = _system_site_venv(tmp_path)
    home = tmp_path / "home"
    install_fake_torch(env.site, "2.13.0+cpu")
    install_fake_torch(_user_site(home), "2.12.0+cpu")
    result = run_cli("detect", "--json", "--python", env.python, cwd=tmp_path,
                     env={"HOME": str(home), "PYTHONNOUSERSITE": ""})
    copies = result.json()["facts"]["python"]["torch_copies"]
    assert [c["version"] for c in copies][:2] == ["2.13.0+cpu", "2.12.0+cpu"]
    assert [c["in_user_site"] for c in copies][:2] == [False, True]


def test_a_single_user_site_copy_is_not_shadowing(tmp_path: Path) -> None:
    env = _system_site_venv(tmp_path)
    home = tmp_path / "home"
    install_fake_torch(_user_site(home), "2.13.0+cpu")
    project = tmp_path / "project"
    project.mkdir()
    document = check(env.python, project, env={"HOME": str(home), "PYTHONNOUSERSITE": ""})
    copies = document["facts"]["python"]["torch_copies"]
    if len(copies) != 1:
        pytest.skip("the base interpreter has a torch of its own")
    assert copies[0]["in_user_site"] is True
    assert not codes(document) & {"user-site-shadowing", "torch-not-installed"}


def test_the_verification_follows_the_user_sites_pth_files(tmp_path: Path) -> None:
    """A .pth file in the user site adds a folder at start-up (as `pip install --user -e` or a
    tool's path hook does); the user's `import torch` finds the torch there, so the
    verification must import that one too."""
    env = _system_site_venv(tmp_path)
    home = tmp_path / "home"
    extra = tmp_path / "extra"
    install_fake_torch(extra, "2.12.0+cpu", metadata=False)
    site = _user_site(home)
    site.mkdir(parents=True)
    (site / "tools.pth").write_text(f"{extra}\n", encoding="utf-8")
    result = run_cli("verify", "--json", "--python", env.python, "--device", "cpu", cwd=tmp_path,
                     env={"HOME": str(home), "PYTHONNOUSERSITE": ""})
    stages = {s["name"]: s for s in result.json()["verify"]["stages"]}
    assert stages["import"]["data"]["file"] == str(extra / "torch" / "__init__.py")
    assert stages["import"]["data"]["version"] == "2.12.0+cpu"


def test_detection_follows_the_user_sites_pth_files(tmp_path: Path) -> None:
    env = _system_site_venv(tmp_path)
    home = tmp_path / "home"
    extra = tmp_path / "extra"
    install_fake_torch(extra, "2.12.0+cpu", metadata=False)
    site = _user_site(home)
    site.mkdir(parents=True)
    (site / "tools.pth").write_text(f"# a comment\nimport os\n{extra}\n", encoding="utf-8")
    result = run_cli("detect", "--json", "--python", env.python, cwd=tmp_path,
                     env={"HOME": str(home), "PYTHONNOUSERSITE": ""})
    copies = result.json()["facts"]["python"]["torch_copies"]
    assert copies[0]["path"] == str(extra / "torch")
