"""Follow the fix: build a broken state in a throwaway environment, run `check --json`, execute
the fix's commands literally, and check again."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cli_support import run_cli

VERSION_PY = ('__version__ = "{version}"\ncuda = {cuda}\nhip = None\nxpu = None\n'
              'git_version = "0000000"\n')


@dataclass(frozen=True)
class Env:
    """A throwaway virtual environment."""

    root: Path

    @property
    def python(self) -> str:
        return str(self.root / "bin" / "python")

    @property
    def site(self) -> Path:
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        return self.root / "lib" / version / "site-packages"


_TEMPLATE: list[Path] = []  # one venv with pip per test session, copied for each test


def make_env(tmp_path: Path, name: str = "venv", pip: bool = False) -> Env:
    """A venv of the interpreter running the tests. One with pip is a copy of a template made
    once per session (installing pip costs seconds; `python -m pip` works from a copied venv)."""
    import shutil

    root = tmp_path / name
    if not pip:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True,
                       capture_output=True, timeout=120)
        return Env(root)
    if not _TEMPLATE:
        import atexit
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="torchdoctor-venv-"))
        atexit.register(shutil.rmtree, folder, True)
        subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True,
                       capture_output=True, timeout=300)
        _TEMPLATE.append(folder / "venv")
    shutil.copytree(_TEMPLATE[0], root, symlinks=True)
    return Env(root)


def install_fake_torch(site: Path, version: str = "2.13.0+cpu", cuda: str | None = None,
                       package: bool = True, metadata: bool = True) -> None:
    """A torch that detection reads as installed: its package folder (import works, nothing
    more) and its pip metadata, each of which can be left out to build a broken state."""
    if package:
        (site / "torch").mkdir(parents=True, exist_ok=True)
        (site / "torch" / "__init__.py").write_text(f'__version__ = "{version}"\n',
                                                   encoding="utf-8")
        (site / "torch" / "version.py").write_text(
            VERSION_PY.format(version=version, cuda=repr(cuda)), encoding="utf-8")
    if metadata:
        info = site / f"torch-{version}.dist-info"
        info.mkdir(parents=True, exist_ok=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: torch\nVersion: {version}\n",
                                       encoding="utf-8")
        (info / "INSTALLER").write_text("pip\n", encoding="utf-8")
        (info / "RECORD").write_text("", encoding="utf-8")


def check(python: str, cwd: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """`check --json --no-verify` of the target, as a user would run it in `cwd`."""
    result = run_cli("check", "--json", "--no-verify", "--python", python, cwd=cwd, env=env)
    assert result.stdout, result.stderr
    document: dict[str, Any] = result.json()
    return document


def problem(document: dict[str, Any], code: str) -> dict[str, Any] | None:
    return next((p for p in document["problems"] if p["code"] == code), None)


def codes(document: dict[str, Any]) -> set[str]:
    return {p["code"] for p in document["problems"]}


# pip sees only the index the command names: no configured find-links or constraints of the
# machine running the tests (those would pull a real torch wheel of the same version).
_PIP_ALONE = {"PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": "", "PIP_NO_INPUT": "1",
              "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_CONSTRAINT": ""}


def run_fix(commands: list[str], cwd: Path, index: str | None = None,
            env: dict[str, str] | None = None) -> None:
    """Each fix command exactly as printed, in a POSIX shell, in `cwd`; `index` stands in for
    PyPI where a command names no index; `env` adds to the environment (PATH, HOME...)."""
    assert commands, "the fix has no command to run"
    pypi = {"PIP_INDEX_URL": index} if index else {}
    for command in commands:
        done = subprocess.run(["sh", "-c", command], cwd=cwd, capture_output=True, text=True,
                              timeout=300, env={**os.environ, **_PIP_ALONE, **pypi, **(env or {})})
        assert done.returncode == 0, (command, done.stdout, done.stderr)


def build_wheel(folder: Path, name: str, version: str, files: dict[str, str],
                requires: tuple[str, ...] = ()) -> Path:
    """A pure-Python wheel of `files` (path -> text), built by hand: no network, no build tool."""
    import base64
    import hashlib
    import zipfile

    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{name}-{version}"
    info = f"{stem}.dist-info"
    meta = "".join(f"Requires-Dist: {r}\n" for r in requires)
    contents = {
        **files,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{meta}",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: torchdoctor-tests\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n",
    }
    record = []
    for path, text in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{info}/RECORD,,")
    wheel = folder / f"{stem}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in contents.items():
            archive.writestr(path, text)
        archive.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return wheel


def fake_torch_wheels(folder: Path, variant: str = "cpu", version: str = "2.13.0",
                      vision: str = "0.28.0") -> None:
    """torch and torchvision wheels of one variant, as the download index serves them."""
    cuda = None if variant == "cpu" else f"{variant[2:-1]}.{variant[-1]}"
    local = f"{version}+{variant}"
    build_wheel(folder, "torch", local, {
        "torch/__init__.py": f'__version__ = "{local}"\n',
        "torch/version.py": VERSION_PY.format(version=local, cuda=repr(cuda)),
    })
    build_wheel(folder, "torchvision", f"{vision}+{variant}", {
        "torchvision/__init__.py": f'__version__ = "{vision}+{variant}"\n',
    }, requires=(f"torch=={version}",))


def simple_index(root: Path) -> str:
    """Turn a folder of wheels (`root/files`) into a PEP 503 index; its file:// URL."""
    wheels = root / "files"
    names = sorted({w.name.split("-")[0] for w in wheels.glob("*.whl")})
    for name in names:
        page = root / name
        page.mkdir(parents=True, exist_ok=True)
        links = "".join(f'<a href="../files/{w.name}">{w.name}</a>\n'
                        for w in sorted(wheels.glob(f"{name}-*.whl")))
        (page / "index.html").write_text(f"<html><body>\n{links}</body></html>\n",
                                         encoding="utf-8")
    return root.as_uri()


def local_index(tmp_path: Path, variants: tuple[str, ...] = ("cpu",)) -> dict[str, str]:
    """A PEP 503 index per variant on disk: {download.pytorch.org URL: file:// URL}."""
    urls = {}
    for variant in variants:
        root = tmp_path / "index" / variant
        fake_torch_wheels(root / "files", variant)
        urls[f"https://download.pytorch.org/whl/{variant}"] = simple_index(root)
    return urls


def localized(commands: list[str], urls: dict[str, str]) -> list[str]:
    """The fix's commands with pytorch.org's index swapped for the local one (nothing else)."""
    out = []
    for command in commands:
        for remote, local in urls.items():
            command = command.replace(remote, local)
        out.append(command)
    return out


def install_wheels(env: Env, wheels: list[Path]) -> None:
    """Install these wheel files into the environment, as they are (no dependencies)."""
    done = subprocess.run([env.python, "-m", "pip", "install", "--no-deps", "--no-index",
                           *map(str, wheels)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **_PIP_ALONE})
    assert done.returncode == 0, done.stderr


def make_system_python(tmp_path: Path) -> Env | None:
    """A Python that is not a venv (user site enabled, its own writable site-packages): the
    running interpreter's binary copied into a new prefix whose stdlib entries link to the real
    ones, with pip linked in. None where that layout does not give such a Python (a stdlib that
    is not at `prefix/lib/pythonX.Y`, a binary that cannot find its libpython from elsewhere)."""
    import shutil
    import sysconfig

    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    base = Path(sys.base_prefix)
    stdlib = Path(sysconfig.get_paths(vars={"base": sys.base_prefix,
                                            "installed_base": sys.base_prefix})["stdlib"])
    binary = base / "bin" / version
    if stdlib != base / "lib" / version or not binary.exists():
        return None
    root = tmp_path / "system"
    env = Env(root)
    (root / "bin").mkdir(parents=True)
    env.site.mkdir(parents=True)
    shutil.copy2(binary, root / "bin" / "python")
    for entry in stdlib.iterdir():
        if entry.name != "site-packages":
            (env.site.parent / entry.name).symlink_to(entry)
    real_pip = stdlib / "site-packages" / "pip"
    if real_pip.exists():
        (env.site / "pip").symlink_to(real_pip)
    done = subprocess.run([env.python, "-c", "import sys, pip; print(sys.prefix)"],
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0 or done.stdout.strip() != str(root):
        return None
    return env
