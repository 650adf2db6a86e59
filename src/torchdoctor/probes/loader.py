"""Where Linux's dynamic loader would find the CUDA libraries that torch loads, and which version
each copy is.

torch's shared objects name their CUDA libraries by soname (`libcudnn.so.9`) and carry a
RUNPATH to the copies they brought (`torch/lib`, and the pip `nvidia-*` packages next to torch).
The loader searches LD_LIBRARY_PATH before RUNPATH, and the system folders (the ld.so cache:
/etc/ld.so.conf and the trusted folders) after it, so an older copy on LD_LIBRARY_PATH wins over
the newer one torch needs. libcuda comes from the driver: on LD_LIBRARY_PATH or a system folder,
and on WSL 2 from /usr/lib/wsl/lib.

The probe reads folder listings and symbolic links only (no subprocess): a copy's version comes
from the real file's name (`libcudnn.so.9.1.0`) or, for a pip copy, from its package's version.
"""

from __future__ import annotations

import posixpath
import re

from torchdoctor.facts import Distribution, LibraryCopy, LoaderFacts, PythonFacts, SharedLibrary
from torchdoctor.host import Host
from torchdoctor.probes._util import list_dir, read
from torchdoctor.probes.system import system_name

# The libraries whose copies decide whether CUDA torch loads, with the pip package that carries
# each one (`nvidia-cudnn-cu12`, `nvidia-cudnn-cu13`, ...).
LIBRARIES: dict[str, str | None] = {
    "libcuda": None,
    "libcudart": "nvidia-cuda-runtime",
    "libcublas": "nvidia-cublas",
    "libcublasLt": "nvidia-cublas",
    "libcudnn": "nvidia-cudnn",
    "libnvJitLink": "nvidia-nvjitlink",
    "libcusparse": "nvidia-cusparse",
    "libnccl": "nvidia-nccl",
}
DRIVER_SONAME = "libcuda.so.1"
WSL_LIB = "/usr/lib/wsl/lib"
# The loader's trusted folders, searched after the ld.so cache (glibc, x86_64 and aarch64).
_TRUSTED = ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib")
_MAX_CONF_FILES = 64


def probe(host: Host, timeout: float, python: PythonFacts | None) -> LoaderFacts:
    """The copies of each library in the loader's search order (the first is the one loaded)."""
    del timeout  # listings and links only: nothing here can block for long
    if system_name(host) != "linux":
        return LoaderFacts(status="absent", reason="not Linux")
    if python is None or python.status != "found":
        why = python.reason if python is not None and python.reason else "no answer"
        return LoaderFacts(status="unknown", reason=f"the target Python is not known ({why})")
    env_dirs = [d for d in host.env.get("LD_LIBRARY_PATH", "").split(":") if d]
    own_dirs = _own_dirs(host, python)
    system_dirs = _system_dirs(host)
    libraries = tuple(
        _resolve(host, name, env_dirs, own_dirs, system_dirs, python.distributions or ())
        for name in LIBRARIES)
    return LoaderFacts(status="found", libraries=libraries)


def _own_dirs(host: Host, python: PythonFacts) -> list[str]:
    """torch's own folders: the pip nvidia-* packages' lib folders, then torch/lib."""
    torch = python.torch
    if torch is None:
        return []
    site = posixpath.dirname(torch.path.rstrip("/"))
    nvidia = posixpath.join(site, "nvidia")
    dirs = [posixpath.join(nvidia, name, "lib") for name in list_dir(host, nvidia)]
    return [*dirs, posixpath.join(torch.path, "lib")]


def _system_dirs(host: Host) -> list[str]:
    """The folders the ld.so cache is built from (ld.so.conf and its includes), then the
    trusted ones; WSL's driver folder is among them on WSL 2 (ld.wsl.conf)."""
    dirs: list[str] = []
    for line in _conf_lines(host, "/etc/ld.so.conf", depth=0):
        if line.startswith("/") and line not in dirs:
            dirs.append(line.rstrip("/") or "/")
    if host.exists(WSL_LIB) and WSL_LIB not in dirs:
        dirs.append(WSL_LIB)
    return dirs + [d for d in _TRUSTED if d not in dirs]


def _conf_lines(host: Host, path: str, depth: int) -> list[str]:
    text = read(host, path)
    if text is None or depth > 2:
        return []
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("include "):
            pattern = line.split(None, 1)[1]
            folder, glob = posixpath.split(pattern)
            regex = re.compile(re.escape(glob).replace(r"\*", ".*") + "$")
            names = sorted(n for n in list_dir(host, folder) if regex.match(n))
            for name in names[:_MAX_CONF_FILES]:
                out += _conf_lines(host, posixpath.join(folder, name), depth + 1)
        elif line:
            out.append(line)
    return out


def _resolve(host: Host, name: str, env_dirs: list[str], own_dirs: list[str],
             system_dirs: list[str], dists: tuple[Distribution, ...]) -> SharedLibrary:
    own = [(d, n) for d in own_dirs for n in list_dir(host, d) if _is_soname(name, n)]
    soname = own[0][1] if own else DRIVER_SONAME if name == "libcuda" else None
    if soname is None:
        return SharedLibrary(name=name, soname=None, copies=())
    package = LIBRARIES[name]
    copies: list[LibraryCopy] = []
    for source, folders in (("LD_LIBRARY_PATH", env_dirs), ("own", own_dirs),
                            ("system", system_dirs)):
        for folder in folders:
            path = posixpath.join(folder, soname)
            if any(c.path == path for c in copies) or not host.exists(path):
                continue
            kind = _kind(source, folder)
            version = _file_version(host, path, name)
            if version is None and kind == "pip" and package:
                version = _package_version(dists, package)
            copies.append(LibraryCopy(path=path, source=kind, version=version))
    return SharedLibrary(name=name, soname=soname, copies=tuple(copies))


def _is_soname(name: str, file_name: str) -> bool:
    return re.fullmatch(re.escape(name) + r"\.so\.\d+", file_name) is not None


def _kind(source: str, folder: str) -> str:
    if source == "own":
        return "torch" if folder.endswith("/torch/lib") else "pip"
    if source == "system" and folder == WSL_LIB:
        return "wsl"
    return source


def _file_version(host: Host, path: str, name: str) -> str | None:
    """The version in the real file's name, following up to five symbolic links."""
    current = path
    for _ in range(5):
        try:
            target = host.read_link(current)
        except OSError:
            break
        current = posixpath.normpath(posixpath.join(posixpath.dirname(current), target))
    match = re.fullmatch(re.escape(name) + r"\.so\.(\d+(?:\.\d+)+)", posixpath.basename(current))
    return match.group(1) if match else None


def _package_version(dists: tuple[Distribution, ...], package: str) -> str | None:
    for dist in dists:
        if dist.name == package or dist.name.startswith(package + "-cu"):
            return dist.version
    return None
