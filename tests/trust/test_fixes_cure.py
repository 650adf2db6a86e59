"""Every fix cures: the broken state built for real, the fix run as printed, the problem gone and
nothing else broken. (Classes that cannot be built on a Linux CPU machine have their fix commands
asserted exactly in the diagnosis tests.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fix_support import (
    Env,
    build_wheel,
    check,
    codes,
    fake_torch_wheels,
    install_fake_torch,
    install_wheels,
    local_index,
    localized,
    make_env,
    make_system_python,
    problem,
    run_fix,
    simple_index,
)

pytestmark = pytest.mark.skipif(os.name == "nt", reason="the broken states are built with POSIX "
                                "venvs and shell commands")
SHADOW = "torch-shadowed-by-local-file"


def _follow(python: str, cwd: Path, code: str,
            urls: dict[str, str] | None = None) -> tuple[set[str], set[str]]:
    """(codes before, codes after) running the fix of `code` as printed (pytorch.org's index
    swapped for a local one of fake wheels when `urls` are given)."""
    before = check(python, cwd)
    found = problem(before, code)
    assert found is not None, codes(before)
    assert found["fix"] is not None
    run_fix(localized(found["fix"]["commands"], urls or {}), cwd)
    after = check(python, cwd)
    return codes(before), codes(after)


@pytest.mark.parametrize("local", ["torch.py", "torch/__init__.py"])
def test_a_local_torch_is_renamed_away(tmp_path: Path, local: str) -> None:
    env = make_env(tmp_path)
    install_fake_torch(env.site)
    project = tmp_path / "project"
    (project / local).parent.mkdir(parents=True, exist_ok=True)
    (project / local).write_text("print('not torch')\n", encoding="utf-8")
    before, after = _follow(env.python, project, SHADOW)
    assert SHADOW not in after
    assert after <= before  # nothing new broke
    assert (project / local.replace("torch", "torch_local", 1)).exists()  # nothing was deleted


def test_an_empty_torch_folder_shadows_only_a_missing_torch(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    project = tmp_path / "project"
    (project / "torch").mkdir(parents=True)
    before, after = _follow(env.python, project, SHADOW)
    assert SHADOW not in after
    assert after <= before
    # With torch installed the namespace folder loses to the regular package: no finding.
    install_fake_torch(env.site)
    (project / "torch").mkdir()
    assert SHADOW not in codes(check(env.python, project))


def test_safe_path_keeps_the_working_directory_out(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    install_fake_torch(env.site)
    project = tmp_path / "project"
    project.mkdir()
    (project / "torch.py").write_text("", encoding="utf-8")
    assert SHADOW in codes(check(env.python, project))
    assert SHADOW not in codes(check(env.python, project, env={"PYTHONSAFEPATH": "1"}))


def test_an_install_into_a_venv_without_pip_works_as_printed(tmp_path: Path) -> None:
    """A venv made --without-pip: `python -m pip` would fail; the fix installs pip first."""
    env = make_env(tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    before = check(env.python, project)
    missing = problem(before, "torch-not-installed")
    assert missing is not None
    assert missing["fix"] is not None
    commands = missing["fix"]["commands"]
    assert commands[0] == f"{env.python} -m ensurepip --upgrade"
    urls = local_index(tmp_path)
    run_fix(localized(commands, urls), project)
    after = check(env.python, project)
    assert "torch-not-installed" not in codes(after)
    assert after["facts"]["python"]["torch_copies"][0]["version"] == "2.13.0+cpu"


@pytest.mark.parametrize("vision", ["0.28.0+cu130", "0.27.0+cpu"])
def test_a_torchvision_for_another_torch_is_replaced(tmp_path: Path, vision: str) -> None:
    """torchvision of another variant (pip keeps it: same version) or another release."""
    env = make_env(tmp_path, pip=True)
    wheels = tmp_path / "broken"
    fake_torch_wheels(wheels, "cpu")
    build_wheel(wheels, "torchvision", vision, {"torchvision/__init__.py": ""})
    install_wheels(env, sorted(wheels.glob("torch-*.whl")) + sorted(
        wheels.glob(f"torchvision-{vision}-*.whl")))
    project = tmp_path / "project"
    project.mkdir()
    found = problem(check(env.python, project), "torchvision-torch-mismatch")
    assert found is not None
    assert found["fix"] is not None
    assert found["fix"]["commands"] == [
        f"{env.python} -m pip install --force-reinstall --no-deps torchvision==0.28.0 "
        "--index-url https://download.pytorch.org/whl/cpu"]
    before, after = _follow(env.python, project, "torchvision-torch-mismatch",
                            local_index(tmp_path))
    assert "torchvision-torch-mismatch" not in after
    assert after <= before


def _installed_torch(tmp_path: Path) -> tuple[Env, Path]:
    env = make_env(tmp_path, pip=True)
    wheels = tmp_path / "wheels"
    fake_torch_wheels(wheels, "cpu")
    install_wheels(env, sorted(wheels.glob("torch-*.whl")))
    project = tmp_path / "project"
    project.mkdir()
    return env, project


@pytest.mark.parametrize("damage", ["package", "init", "metadata"])
def test_a_torch_installed_in_part_is_reinstalled(tmp_path: Path, damage: str) -> None:
    """The package deleted, only torch/__init__.py deleted, or pip's record deleted."""
    import shutil

    env, project = _installed_torch(tmp_path)
    if damage == "package":
        shutil.rmtree(env.site / "torch")
    elif damage == "init":
        (env.site / "torch" / "__init__.py").unlink()
    else:
        for info in env.site.glob("torch-*.dist-info"):
            shutil.rmtree(info)
    before, after = _follow(env.python, project, "torch-install-broken", local_index(tmp_path))
    assert "torch-install-broken" not in after
    assert after <= before
    state = check(env.python, project)["facts"]["python"]
    assert state["torch_copies"][0]["version"] == "2.13.0+cpu"
    assert [d["version"] for d in state["distributions"] if d["name"] == "torch"] == ["2.13.0+cpu"]


@pytest.mark.parametrize("other", [(), ("/opt/site",)], ids=["only", "with-others"])
def test_a_torch_on_pythonpath_is_dropped_in_the_shell(tmp_path: Path,
                                                       other: tuple[str, ...]) -> None:
    """PYTHONPATH pointing at another torch: the fix is a shell command, so it is run in the
    same shell as the check that follows it."""
    import json
    import subprocess
    import sys

    env = make_env(tmp_path)
    install_fake_torch(env.site)
    stray = tmp_path / "old"
    install_fake_torch(stray, "2.1.0+cu118", cuda="11.8", metadata=False)
    project = tmp_path / "project"
    project.mkdir()
    value = ":".join((str(stray), *other))
    before = check(env.python, project, env={"PYTHONPATH": value})
    found = problem(before, "multiple-torch-installs")
    assert found is not None
    assert found["fix"] is not None
    [command] = found["fix"]["commands"]
    assert command == ("unset PYTHONPATH" if not other else f"export PYTHONPATH={other[0]}")
    again = f'{command}; exec "{sys.executable}" -m torchdoctor check --json --no-verify ' \
            f'--python "{env.python}"'
    done = subprocess.run(["sh", "-c", again], cwd=project, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": value})
    after = json.loads(done.stdout)
    assert "multiple-torch-installs" not in codes(after)
    assert codes(after) <= codes(before)


def test_numpy_2_beside_a_torch_built_for_numpy_1(tmp_path: Path) -> None:
    """torch 2.1 was built against NumPy 1.x; with NumPy 2 installed the fix pins numpy<2.
    The command names no index (PyPI): here pip's index is a local one of fake wheels."""
    env = make_env(tmp_path, pip=True)
    wheels = tmp_path / "broken"
    fake_torch_wheels(wheels, "cpu", version="2.1.0", vision="0.16.0")
    build_wheel(wheels, "numpy", "2.0.0", {"numpy/__init__.py": ""})
    install_wheels(env, sorted(wheels.glob("torch-*.whl")) + sorted(wheels.glob("numpy-*.whl")))
    pypi = tmp_path / "pypi"
    build_wheel(pypi / "files", "numpy", "1.26.4", {"numpy/__init__.py": ""})
    build_wheel(pypi / "files", "numpy", "2.0.0", {"numpy/__init__.py": ""})
    project = tmp_path / "project"
    project.mkdir()
    before = check(env.python, project)
    found = problem(before, "numpy-abi-incompatible")
    assert found is not None
    assert found["fix"] is not None
    assert found["fix"]["commands"] == [f'{env.python} -m pip install "numpy<2"']
    run_fix(found["fix"]["commands"], project, index=simple_index(pypi))
    after = check(env.python, project)
    assert "numpy-abi-incompatible" not in codes(after)
    assert codes(after) <= codes(before)


def test_what_an_interrupted_pip_left_is_deleted(tmp_path: Path) -> None:
    """pip renames what it removes to ~orch; an interrupted run leaves it (and pip then warns
    'Ignoring invalid distribution ~orch' on every run)."""
    env = make_env(tmp_path)
    install_fake_torch(env.site)
    (env.site / "~orch").mkdir()
    (env.site / "~orch" / "__init__.py").write_text("", encoding="utf-8")
    (env.site / "~orch-2.12.0+cpu.dist-info").mkdir()
    project = tmp_path / "project"
    project.mkdir()
    before, after = _follow(env.python, project, "torch-install-broken")
    assert "torch-install-broken" not in after
    assert after <= before
    assert not list(env.site.glob("~*"))
    assert (env.site / "torch" / "__init__.py").exists()  # the real torch is untouched


def test_a_torch_whose_pip_record_is_junk_is_reinstalled(tmp_path: Path) -> None:
    """METADATA overwritten with binary junk: `import torch` works, pip stops on the record.
    The fix deletes the record and reinstalls the same torch over itself."""
    env = make_env(tmp_path, pip=True)
    urls = local_index(tmp_path)
    wheels = sorted((tmp_path / "index" / "cpu" / "files").glob("torch-*.whl"))
    install_wheels(env, wheels)
    [record] = env.site.glob("torch-*.dist-info")
    (record / "METADATA").write_bytes(bytes(range(256)) * 4)
    project = tmp_path / "project"
    project.mkdir()
    before = check(env.python, project)
    found = problem(before, "torch-install-broken")
    assert found is not None, codes(before)
    assert found["severity"] == "error"
    assert found["fix"]["commands"] == [
        f"rm -rf -- {record}",
        f"{env.python} -m pip install --force-reinstall --no-deps torch==2.13.0 "
        "--index-url https://download.pytorch.org/whl/cpu"]
    run_fix(localized(found["fix"]["commands"], urls), project)
    after = check(env.python, project)
    assert "torch-install-broken" not in codes(after)
    assert codes(after) <= codes(before)
    assert (record / "METADATA").read_text(encoding="utf-8").startswith("Metadata-Version")


def test_a_user_site_torch_over_the_environment_is_uninstalled(tmp_path: Path) -> None:
    """A Python that is not a venv puts the user site before its site-packages: `pip install
    --user torch` of an older release shadows the environment's torch. The fix uninstalls the
    user-site copy (pip removes the first on sys.path) and the environment's loads again."""
    env = make_system_python(tmp_path)
    if env is None:
        pytest.skip("this interpreter's layout cannot be copied into a non-venv prefix")
    install_fake_torch(env.site, "2.13.0+cpu")
    user_base = tmp_path / "userbase"
    user_site = user_base / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" \
        / "site-packages"
    install_fake_torch(user_site, "2.1.0")
    (user_site / "torch-2.1.0.dist-info" / "RECORD").write_text(
        "torch/__init__.py,,\ntorch/version.py,,\ntorch-2.1.0.dist-info/METADATA,,\n"
        "torch-2.1.0.dist-info/INSTALLER,,\ntorch-2.1.0.dist-info/RECORD,,\n", encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    variables = {"PYTHONUSERBASE": str(user_base)}
    before = check(env.python, project, env=variables)
    found = problem(before, "user-site-shadowing")
    assert found is not None, codes(before)
    assert found["fix"]["commands"] == [f"{env.python} -m pip uninstall -y torch"]
    done = subprocess.run(["sh", "-c", found["fix"]["commands"][0]], cwd=project,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **variables})
    assert done.returncode == 0, done.stderr
    after = check(env.python, project, env=variables)
    assert "user-site-shadowing" not in codes(after)
    assert codes(after) <= codes(before)
    assert after["facts"]["python"]["torch_copies"][0]["version"] == "2.13.0+cpu"
    assert not (user_site / "torch").exists()


def _compiled(source: Path, target: Path) -> None:
    import py_compile

    py_compile.compile(str(source), cfile=str(target), doraise=True)


def test_a_sourceless_torch_pyc_beside_a_stale_pycache_is_renamed_away(tmp_path: Path) -> None:
    """torch.py was deleted long ago; its legacy torch.pyc (which Python imports without the
    source) and a stale __pycache__ copy (which it never imports alone) stayed behind."""
    env = make_env(tmp_path)
    install_fake_torch(env.site)
    project = tmp_path / "project"
    project.mkdir()
    source = tmp_path / "torch.py"
    source.write_text("print('not torch')\n", encoding="utf-8")
    _compiled(source, project / "torch.pyc")
    tag = sys.implementation.cache_tag
    _compiled(source, project / "__pycache__" / f"torch.{tag}.pyc")
    before, after = _follow(env.python, project, SHADOW)
    assert SHADOW not in after
    assert after <= before
    assert (project / "torch_local.pyc").exists()  # renamed, not deleted


def test_a_stale_pycache_alone_does_not_shadow(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    install_fake_torch(env.site)
    project = tmp_path / "project"
    project.mkdir()
    source = tmp_path / "torch.py"
    source.write_text("print('not torch')\n", encoding="utf-8")
    _compiled(source, project / "__pycache__" / f"torch.{sys.implementation.cache_tag}.pyc")
    document = check(env.python, project)
    assert SHADOW not in codes(document)
    assert document["facts"]["python"]["cwd_shadow"] is None


def test_a_foreign_pip3_first_on_path_is_not_used(tmp_path: Path) -> None:
    """`pip3` on PATH belongs to another environment (a pyenv shim, another venv's bin first on
    PATH): following a bare `pip3 install` would install torch there. The fix runs the target's
    own pip, and after it the target has torch while the other environment is untouched."""
    env = make_env(tmp_path, pip=True)
    other = make_env(tmp_path, "other", pip=True)
    project = tmp_path / "project"
    project.mkdir()
    path = {"PATH": f"{other.root / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    before = check(env.python, project, env=path)
    assert before["facts"]["python"]["pip3_belongs"] is False
    missing = problem(before, "torch-not-installed")
    assert missing is not None
    commands = missing["fix"]["commands"]
    assert not any(c.startswith("pip3 ") for c in commands), commands
    assert commands[-1].startswith(f"{env.python} -m pip install")
    urls = local_index(tmp_path)
    run_fix(localized(commands, urls), project, env=path)
    after = check(env.python, project, env=path)
    assert "torch-not-installed" not in codes(after)
    assert not list(other.site.glob("torch*"))
