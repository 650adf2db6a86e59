"""The project files: what the user asked for (requirements, indexes, channels) and what their
lock files resolved, read from the target's working directory or `--project DIR`.

Which files (docs/projects.md): pyproject.toml, pixi.toml, uv.toml, environment.yml(.yaml),
requirements*.txt / constraints*.txt (and *.in, and those in a `requirements/` folder), with the
files they include (`-r`, `-c`), and the lock files uv.lock, pixi.lock and poetry.lock. When the
working directory has none of them, the nearest folder above it with a pyproject.toml or
pixi.toml is the project (as uv and pixi find it).

Bounded on purpose: at most `MAX_FILES` files, manifests up to `MANIFEST_CAP` characters and lock
files up to the host's read cap; a file that is larger, not text, or not of its kind is listed
as "could not read" with the reason, never an error of the probe. Files are only read: nothing
of the project is imported, built or run.
"""

from __future__ import annotations

import ntpath
import posixpath
import re
from collections.abc import Callable

from torchdoctor.facts import ProjectEntry, ProjectFacts, ProjectFile, PythonFacts
from torchdoctor.host import READ_CAP, Host
from torchdoctor.probes import project_text, project_toml
from torchdoctor.probes.project_text import Unreadable

MANIFEST_CAP = 1_000_000  # characters of a manifest or requirements file: far more than any
MAX_FILES = 24
MAX_PARENTS = 8  # folders above the working directory searched for a project root
MAX_INCLUDE_DEPTH = 3  # -r/-c files followed from a requirements file, at most this deep

_KINDS = {
    "pyproject.toml": "pyproject",
    "pixi.toml": "pixi-toml",
    "uv.toml": "uv-toml",
    "environment.yml": "environment-yml",
    "environment.yaml": "environment-yml",
    "uv.lock": "uv-lock",
    "pixi.lock": "pixi-lock",
    "poetry.lock": "poetry-lock",
}
_ORDER = ("pyproject", "pixi-toml", "uv-toml", "environment-yml", "requirements", "uv-lock",
          "pixi-lock", "poetry-lock")
_REQUIREMENTS = re.compile(r"^(?:.*[-_.])?(?:requirements|constraints)(?:[-_.].*)?\.(?:txt|in)$",
                           re.IGNORECASE)
_ROOTS = ("pyproject.toml", "pixi.toml")


def _single(parse: Callable[[str], list[ProjectEntry]]
            ) -> Callable[[str], tuple[list[ProjectEntry], list[tuple[str, str]]]]:
    return lambda text: (parse(text), [])


_PARSERS = {
    "pyproject": _single(project_toml.parse_pyproject),
    "pixi-toml": _single(project_toml.parse_pixi_toml),
    "uv-toml": _single(project_toml.parse_uv_toml),
    "environment-yml": _single(project_text.parse_environment_yml),
    "requirements": project_text.parse_requirements,
    "uv-lock": _single(project_text.parse_uv_lock),
    "pixi-lock": _single(project_text.parse_pixi_lock),
    "poetry-lock": _single(project_text.parse_poetry_lock),
}


def probe(host: Host, timeout: float, python: PythonFacts | None,
          project: str | None = None) -> ProjectFacts:
    """The project files of `project`, else of the target's working directory."""
    del timeout  # listings and bounded reads only
    if project:
        directory, chosen_by = project, "--project"
    elif python is not None and python.status == "found" and python.cwd:
        directory, chosen_by = python.cwd, "cwd"
    elif python is not None and python.status == "found":
        return ProjectFacts(status="absent", reason="no working directory to read project files "
                            "from (it was deleted); pass --project DIR", files=())
    else:
        return ProjectFacts(status="unknown", reason="the working directory is not known (the "
                            "target Python could not be inspected); pass --project DIR")
    try:
        names = host.list_dir(directory)
    except FileNotFoundError:  # a working directory deleted under the shell: no project there
        return ProjectFacts(status="absent",
                            reason=f"no project files in {directory} (the folder is not there)",
                            directory=directory, chosen_by=chosen_by, files=())
    except OSError as exc:
        return ProjectFacts(status="unknown", directory=directory, chosen_by=chosen_by,
                            reason=f"{directory}: {exc.strerror or exc}")
    found = _candidates(host, directory, names)
    if not found and chosen_by == "cwd":
        for parent in _parents(directory):
            try:
                above = host.list_dir(parent)
            except OSError:
                break
            if any(name in above for name in _ROOTS):
                directory, chosen_by, found = parent, "parent", _candidates(host, parent, above)
                break
    if not found:
        return ProjectFacts(status="absent", reason=f"no project files in {directory}",
                            directory=directory, chosen_by=chosen_by, files=())
    return ProjectFacts(status="found", directory=directory, chosen_by=chosen_by,
                        files=tuple(_read_all(host, found)))


def join(folder: str, name: str) -> str:
    """`folder/name`, with the folder's own separator (a Windows path keeps backslashes)."""
    if "\\" in folder and "/" not in folder:
        return ntpath.join(folder, name.replace("/", "\\"))
    return posixpath.normpath(posixpath.join(folder, name))


def _parents(directory: str) -> list[str]:
    path = ntpath if "\\" in directory and "/" not in directory else posixpath
    out, current = [], directory.rstrip("/\\") or directory
    for _ in range(MAX_PARENTS):
        parent = path.dirname(current)
        if not parent or parent == current:
            break
        out.append(parent)
        current = parent
    return out


def _candidates(host: Host, directory: str, names: list[str]) -> list[tuple[str, str]]:
    """(path, kind) of the project files in `directory`, in reading order."""
    found = [(join(directory, n), _KINDS[n]) for n in names if n in _KINDS]
    found += [(join(directory, n), "requirements") for n in names if _REQUIREMENTS.match(n)]
    if "requirements" in names and host.is_dir(join(directory, "requirements")):
        folder = join(directory, "requirements")
        try:
            inner = host.list_dir(folder)
        except OSError:
            inner = []
        found += [(join(folder, n), "requirements") for n in inner
                  if n.lower().endswith((".txt", ".in"))]
    found.sort(key=lambda item: (_ORDER.index(item[1]), item[0]))
    return found[:MAX_FILES]


def _read_all(host: Host, found: list[tuple[str, str]]) -> list[ProjectFile]:
    """Every file, then the requirements files they include (bounded, each read once)."""
    files: list[ProjectFile] = []
    queue = [(path, kind, 0) for path, kind in found]
    seen = {path for path, _ in found}
    while queue and len(files) < MAX_FILES:
        path, kind, depth = queue.pop(0)
        read, includes = _read(host, path, kind)
        files.append(read)
        if depth >= MAX_INCLUDE_DEPTH:
            continue
        folder = (ntpath if "\\" in path and "/" not in path else posixpath).dirname(path)
        for _, target in includes:
            if re.match(r"^[a-z][a-z0-9+.-]*://", target, re.IGNORECASE):
                continue  # a URL: never fetched
            included = join(folder, target)
            if included not in seen:
                seen.add(included)
                queue.append((included, "requirements", depth + 1))
    return files


def _read(host: Host, path: str, kind: str) -> tuple[ProjectFile, list[tuple[str, str]]]:
    lock = kind.endswith("-lock")
    try:
        text = host.read_text(path)
    except OSError as exc:
        return ProjectFile(path, kind, False, exc.strerror or str(exc)), []
    cap = READ_CAP if lock else MANIFEST_CAP
    if len(text) >= cap + (0 if lock else 1):
        return ProjectFile(path, kind, False, f"larger than {cap // 1_000_000} MB: not read"), []
    if "\x00" in text:
        return ProjectFile(path, kind, False, "not a text file"), []
    text = text.removeprefix("\ufeff")
    try:
        entries, includes = _PARSERS[kind](text)
    except Unreadable as exc:
        return ProjectFile(path, kind, False, str(exc)), []
    except (ValueError, TypeError, KeyError, IndexError, RecursionError) as exc:
        # Not of its kind in a way the reader did not foresee: "could not read", not a crash.
        return ProjectFile(path, kind, False, f"could not parse it ({type(exc).__name__})"), []
    return ProjectFile(path, kind, True, None, tuple(entries)), includes
