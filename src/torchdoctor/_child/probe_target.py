"""Describe the interpreter that runs this script: torchdoctor's probe of the target environment.

Runs INSIDE the target interpreter, in isolated mode (`python -I`), so a `torch.py` in the working
directory cannot hijack it. Standard library only, and Python 3.8 syntax and APIs only: the target
may be much older than torchdoctor. It never imports torch or any installed package; versions come
from metadata directories and torch/version.py read as text. One JSON object goes to the file named
by `--channel PATH`; stdout stays unused, so stray output from site hooks cannot corrupt the answer.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import site
import struct
import sys
import sysconfig
import tempfile
from typing import Any, Dict, List, Optional, Set  # noqa: F401  (type comments: Python 3.8)

# Distributions that matter to a PyTorch install: exact names, then name prefixes.
_NAMES = {"numpy", "triton", "mkl", "intel-openmp", "onnxruntime", "jax", "tensorflow",
          "ipykernel"}
_PREFIXES = ("torch", "pytorch-", "nvidia-", "intel-", "rocm", "triton-", "xformers", "fbgemm")
_VERSION_KEYS = ("__version__", "cuda", "hip", "xpu", "git_version")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _matters(name: str) -> bool:
    return name != "torchdoctor" and (name in _NAMES or name.startswith(_PREFIXES))


def _read(path: str, limit: int = 1 << 20) -> Optional[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read(limit)
    except OSError:
        return None


def _header(text: str, key: str) -> Optional[str]:
    for line in text.splitlines():
        if not line.strip():
            break  # the metadata headers end at the first blank line
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == key.lower():
            return value.strip()
    return None


def _requires_torch(text: str) -> Optional[str]:
    """The torch requirement a package's metadata declares ("==2.5.1", ">=2.14.0"), if any."""
    for line in text.splitlines():
        if not line.strip():
            break
        name, sep, value = line.partition(":")
        if not sep or name.strip().lower() != "requires-dist":
            continue
        requirement = value.split(";")[0].strip()
        match = re.match(r"(?i)^torch(?![\w.-])\s*\(?\s*([^)]*?)\s*\)?$", requirement)
        if match:
            return match.group(1).replace(" ", "") or None
    return None


def _site_dirs() -> List[str]:
    """sys.path directories (minus this script's own), plus the user site where Python adds it."""
    here = os.path.dirname(os.path.abspath(__file__))
    dirs = []  # type: List[str]
    for entry in sys.path:
        path = os.path.abspath(entry or ".")
        if path != here and os.path.isdir(path) and path not in dirs:
            dirs.append(path)
    user_site = _user_site()
    if user_site and _user_site_enabled() and os.path.isdir(user_site) and user_site not in dirs:
        # Python puts the user site before the interpreter's site-packages; in a venv made with
        # --system-site-packages, after the venv's own site-packages and before the base's.
        prefix = _norm(sys.prefix)
        index = next((i for i, d in enumerate(dirs) if "site-packages" in d
                      and not (_in_venv() and _norm(d).startswith(prefix))), len(dirs))
        dirs.insert(index, user_site)
        # Its .pth files add folders at start-up (isolated mode skips them): read their path
        # lines, never run their import lines.
        for offset, folder in enumerate(_pth_folders(user_site), start=1):
            if folder not in dirs:
                dirs.insert(index + offset, folder)
    return dirs


def _pth_folders(site_dir: str) -> List[str]:
    found = []  # type: List[str]
    for name in sorted(_listdir(site_dir)):
        if not name.endswith(".pth"):
            continue
        for line in (_read(os.path.join(site_dir, name), 65536) or "").splitlines():
            line = line.strip()
            if not line or line.startswith(("#", "import ", "import\t")):
                continue
            folder = os.path.abspath(os.path.join(site_dir, line))
            if os.path.isdir(folder) and folder not in found:
                found.append(folder)
    return found


def _user_site() -> Optional[str]:
    try:
        return site.getusersitepackages()
    except Exception:  # some embedded builds lack a user base: "no user site"
        return None


def _pyvenv_cfg() -> Optional[str]:
    return _read(os.path.join(sys.prefix, "pyvenv.cfg"))


def _in_venv() -> bool:
    return sys.prefix != getattr(sys, "base_prefix", sys.prefix)


def _user_site_enabled() -> bool:
    # What a normal (non-isolated) start of this interpreter would do; -I hides it from us.
    if os.environ.get("PYTHONNOUSERSITE"):
        return False
    if hasattr(os, "geteuid") and os.geteuid() != os.getuid():
        return False
    if _in_venv():
        cfg = (_pyvenv_cfg() or "").lower().replace(" ", "")
        return "include-system-site-packages=true" in cfg
    return True


def _env_kind() -> Dict[str, Any]:
    prefix = sys.prefix
    executable = os.path.realpath(sys.executable or "")
    if _in_venv():
        cfg = _pyvenv_cfg() or ""
        kind = "uv" if re.search(r"^\s*uv\s*=", cfg, re.MULTILINE) else "venv"
        return {"env_kind": kind, "env_name": os.path.basename(prefix.rstrip("/\\"))}
    if os.path.isdir(os.path.join(prefix, "conda-meta")):
        name = os.path.basename(prefix.rstrip("/\\"))
        if os.environ.get("CONDA_PREFIX") == prefix and os.environ.get("CONDA_DEFAULT_ENV"):
            name = os.path.basename(os.environ["CONDA_DEFAULT_ENV"])
        elif not os.path.isdir(os.path.join(os.path.dirname(prefix), "..", "envs")):
            name = "base" if os.path.isdir(os.path.join(prefix, "envs")) else name
        return {"env_kind": "conda", "env_name": name}
    exe_dir = os.path.dirname(executable)
    pth = [n for n in _listdir(exe_dir) if n.endswith("._pth")]
    if pth or not re.match(r"(?i)^(python|pypy)", os.path.basename(executable)):
        return {"env_kind": "embedded", "env_name": None}
    if "/.pyenv/" in executable.replace("\\", "/") or "pyenv-win" in executable:
        return {"env_kind": "pyenv", "env_name": None}
    return {"env_kind": "system", "env_name": None}


def _listdir(path: str) -> List[str]:
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


def _pip3() -> Dict[str, Any]:
    # Whether `python -m pip` can run here (a venv made --without-pip, a uv venv have no pip);
    # find_spec locates pip without importing it.
    import importlib.util

    available = importlib.util.find_spec("pip") is not None
    pip3 = shutil.which("pip3")
    if not pip3:
        return {"pip3_path": None, "pip3_belongs": None, "pip_available": available}
    scripts = sysconfig.get_paths().get("scripts", "")
    same_dir = os.path.realpath(os.path.dirname(pip3)) == os.path.realpath(scripts)
    interpreter = _shebang_interpreter(pip3)
    if interpreter and re.match(r"(?i)^(python|pypy)", os.path.basename(interpreter)):
        # Compare environments, not binaries: a venv's python is a link to its base Python, so
        # the base's pip3 would look like the venv's own if the links were followed.
        belongs = same_dir or _env_prefix(interpreter) == _norm(sys.prefix)  # type: Optional[bool]
    elif interpreter:
        belongs = True if same_dir else None  # a wrapper (pyenv shim): cannot tell where it leads
    else:
        belongs = same_dir
    return {"pip3_path": pip3, "pip3_belongs": belongs, "pip_available": available}


def _machine() -> Optional[str]:
    """platform.machine(), without importing platform (a tenth of this script's start-up)."""
    if hasattr(os, "uname"):
        return os.uname().machine or None
    import platform

    return platform.machine() or None


def _env_prefix(interpreter: str) -> str:
    """The environment an interpreter path belongs to: PREFIX for PREFIX/bin/python."""
    return _norm(os.path.dirname(os.path.dirname(os.path.abspath(interpreter))))


def _norm(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def _shebang_interpreter(path: str) -> Optional[str]:
    head = _read(path, 4096) or ""
    lines = head.splitlines()
    if not lines or not lines[0].startswith("#!"):
        return None
    first = lines[0][2:].strip()
    if first in ("/bin/sh", "/usr/bin/env sh") and len(lines) > 1:
        # pip's launcher for long paths: '''exec' "/long path/bin/python" "$0" "$@"
        match = re.search(r"exec' \"?([^\"]+?)\"? \"\$0\"", lines[1])
        return match.group(1) if match else None
    if first.startswith("/usr/bin/env "):
        return shutil.which(first.split()[1]) if len(first.split()) > 1 else None
    return first.split()[0] if first else None


def _distributions(dirs: List[str]) -> List[Dict[str, Any]]:
    """Installed distributions that matter, from *.dist-info / *.egg-info names and metadata.

    Same data importlib.metadata would give, but only the matching METADATA files are read, which
    keeps this fast in large environments; works on every Python this script supports.
    """
    found = []  # type: List[Dict[str, Any]]
    for directory in dirs:
        for entry in _listdir(directory):
            if not entry.endswith((".dist-info", ".egg-info")):
                continue
            stem = entry.rsplit(".", 1)[0]
            name, _, version = stem.partition("-")
            name = _normalise(name)
            if not _matters(name):
                continue
            path = os.path.join(directory, entry)
            meta_file = "METADATA" if entry.endswith(".dist-info") else "PKG-INFO"
            meta = (
                _read(os.path.join(path, meta_file), 65536) if os.path.isdir(path) else _read(path)
            )
            version = (_header(meta or "", "Version") or version.split("-py")[0]).strip()
            installer = (_read(os.path.join(path, "INSTALLER"), 256) or "").strip() or None
            local = version.split("+", 1)[1] if "+" in version else None
            head = (meta or "")[:4096]
            # Junk bytes, a truncated write or an empty file: pip stops on such a record.
            metadata_ok = bool(meta) and "\ufffd" not in head and "\x00" not in head and bool(
                _header(meta or "", "Name")) and bool(_header(meta or "", "Version"))
            found.append(
                {
                    "name": name,
                    "version": version,
                    "local_tag": local,
                    "location": directory,
                    "installer": installer,
                    "requires_torch": _requires_torch(meta or "") if name != "torch" else None,
                    "metadata_ok": metadata_ok,
                    "record": entry,
                }
            )
    return found


def _torch_copies(dirs: List[str], user_site: Optional[str]) -> List[Dict[str, Any]]:
    copies = []
    for directory in dirs:
        package = os.path.join(directory, "torch")
        if not os.path.isfile(os.path.join(package, "__init__.py")):
            continue
        values = _version_py(_read(os.path.join(package, "version.py")) or "")
        copies.append(
            {
                "path": package,
                "version": values.get("__version__"),
                "cuda": values.get("cuda"),
                "hip": values.get("hip"),
                "xpu": values.get("xpu"),
                "git_version": values.get("git_version"),
                "in_user_site": bool(user_site) and directory == os.path.abspath(user_site or ""),
            }
        )
    return copies


def _version_py(text: str) -> Dict[str, Optional[str]]:
    """Simple assignments of torch/version.py (`cuda: Optional[str] = '13.0'`), never executed."""
    values = {}  # type: Dict[str, Optional[str]]
    for line in text.splitlines():
        match = re.match(r"^(\w+)\s*(?::[^=]+)?=\s*(.+?)\s*$", line)
        if not match or match.group(1) not in _VERSION_KEYS:
            continue
        # Only the two forms torch writes: a quoted string or None (no ast: it is slow to import).
        literal = re.match(r"^(['\"])(.*)\1$", match.group(2))
        if literal:
            values[match.group(1)] = literal.group(2)
        elif match.group(2) == "None":
            values[match.group(1)] = None
    return values


def _cwd_shadow(cwd: str) -> Optional[str]:
    """What in the working directory `import torch` would find before site-packages. A folder
    without __init__.py is only a namespace portion: an installed regular package still wins."""
    for name in ("torch.py", "torch.pyc"):
        if os.path.isfile(os.path.join(cwd, name)):
            return name
    folder = os.path.join(cwd, "torch")
    if os.path.isdir(folder):
        if any(os.path.isfile(os.path.join(folder, "__init__" + ext)) for ext in (".py", ".pyc")):
            return "torch/"
        return "torch/ (namespace)"
    return None


def collect() -> Dict[str, Any]:
    """Every fact this script knows how to gather; a failing part is reported, not raised."""
    facts = {}  # type: Dict[str, Any]
    errors = []  # type: List[str]
    try:
        cwd = os.getcwd()  # type: Optional[str]
    except OSError as exc:  # the working directory was deleted: nothing there can shadow torch
        cwd = None
        errors.append("cwd: %s" % (exc.strerror or exc))
    facts.update(
        {
            "executable": sys.executable or None,
            "version": "%d.%d.%d" % sys.version_info[:3],
            "implementation": sys.implementation.name,
            "pointer_bits": struct.calcsize("P") * 8,
            "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
            "machine": _machine(),
            "platform_tag": sysconfig.get_platform(),
            "prefix": sys.prefix,
            "base_prefix": getattr(sys, "base_prefix", sys.prefix),
            "purelib": sysconfig.get_paths().get("purelib"),
            "scripts_dir": sysconfig.get_paths().get("scripts"),
            "cwd": cwd,
            "cwd_shadow": _cwd_shadow(cwd) if cwd else None,
        }
    )
    steps = (
        ("env_kind", _env_kind),
        ("pip3", _pip3),
        ("temp_dir", lambda: {"temp_dir": tempfile.gettempdir()}),
        ("user_site", _user_site_facts),
        ("packages", _package_facts),
        ("jupyter", _jupyter_kernels),
    )
    for name, step in steps:
        try:
            facts.update(step())
        except Exception as exc:  # noqa: PERF203  one failing part must not lose the others
            errors.append("%s: %s: %s" % (name, type(exc).__name__, exc))
    return {"python": facts, "errors": errors}


def _user_site_facts() -> Dict[str, Any]:
    user_site = _user_site()
    enabled = _user_site_enabled()
    has_torch = bool(user_site) and os.path.isfile(
        os.path.join(user_site or "", "torch", "__init__.py")
    )
    stdlib = sysconfig.get_paths().get("stdlib", "")
    marker = os.path.isfile(os.path.join(stdlib, "EXTERNALLY-MANAGED"))
    return {
        "user_site": user_site,
        "user_site_enabled": enabled,
        "user_site_has_torch": has_torch,
        "externally_managed": marker and not _in_venv(),
    }


def _jupyter_dirs() -> List[str]:
    """Where Jupyter looks for kernel specs (its data path), user's first."""
    home = os.path.expanduser("~")
    dirs = []
    if os.environ.get("JUPYTER_DATA_DIR"):
        dirs.append(os.environ["JUPYTER_DATA_DIR"])
    if sys.platform == "darwin":
        dirs.append(os.path.join(home, "Library", "Jupyter"))
    elif os.name == "nt":
        dirs.append(os.path.join(os.environ.get("APPDATA", home), "jupyter"))
    else:
        dirs.append(os.path.join(os.environ.get("XDG_DATA_HOME") or
                                 os.path.join(home, ".local", "share"), "jupyter"))
    dirs.append(os.path.join(sys.prefix, "share", "jupyter"))
    if os.name != "nt":
        dirs += ["/usr/local/share/jupyter", "/usr/share/jupyter"]
    return dirs


def _jupyter_kernels() -> Dict[str, Any]:
    """The Jupyter kernels a notebook can pick, and the interpreter each starts (its argv[0])."""
    kernels = []  # type: List[Dict[str, Any]]
    seen = set()  # type: Set[str]
    for base in _jupyter_dirs():
        folder = os.path.join(base, "kernels")
        for name in _listdir(folder):
            spec = _read(os.path.join(folder, name, "kernel.json"), 65536)
            if name in seen or not spec:
                continue
            seen.add(name)
            try:
                argv = json.loads(spec).get("argv") or []
            except (ValueError, AttributeError):
                continue
            python = argv[0] if argv and isinstance(argv[0], str) else None
            kernels.append({"name": name, "python": python})
    return {"jupyter_kernels": kernels}


def _was_relevant(leftover: str) -> bool:
    """pip's "~orch" is "torch" with its first letter replaced: any first letter that makes a
    relevant name counts."""
    rest = leftover[1:].split("-")[0]
    return any(_matters(_normalise(c + rest)) for c in "abcdefghijklmnopqrstuvwxyz")


def _package_facts() -> Dict[str, Any]:
    dirs = _site_dirs()
    user_site = _user_site()
    # pip renames what it is removing to "~orch", "~orch-2.1.0.dist-info"; an interrupted
    # install or uninstall leaves them behind ("Ignoring invalid distribution ~orch").
    leftovers = [os.path.join(d, name) for d in dirs for name in _listdir(d)
                 if name.startswith("~") and _was_relevant(name)]
    return {"distributions": _distributions(dirs), "torch_copies": _torch_copies(dirs, user_site),
            "pip_leftovers": leftovers, "long_paths_enabled": _long_paths_enabled()}


def _long_paths_enabled() -> Optional[bool]:
    """Windows' LongPathsEnabled (paths past 260 characters); None elsewhere or unreadable."""
    if os.name != "nt":
        return None
    try:
        import winreg  # Windows only

        key = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE,  # type: ignore[attr-defined]
                             r"SYSTEM\CurrentControlSet\Control\FileSystem")
        value = winreg.QueryValueEx(key, "LongPathsEnabled")[0]  # type: ignore[attr-defined]
        return bool(value)
    except (OSError, ImportError, AttributeError):
        return None


def main(argv: List[str]) -> int:
    if "--channel" not in argv or argv.index("--channel") + 1 >= len(argv):
        sys.stderr.write("usage: probe_target.py --channel PATH\n")
        return 2
    channel = argv[argv.index("--channel") + 1]
    try:
        result = collect()
    except Exception as exc:  # report, never crash: the parent turns this into a fact
        result = {"python": {}, "errors": ["collect: %s: %s" % (type(exc).__name__, exc)]}
    with open(channel, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
