"""Readers of the line-oriented project files: pip requirements and constraints files, conda's
environment.yml (a small YAML subset: the `channels` and `dependencies` lists, with the `pip:`
list inside), and the lock files (uv.lock, poetry.lock, pixi.lock), of which only the records of
torch and its companions are read.

Each reader takes the file's text and returns `ProjectEntry` values (docs/facts.md, "project");
none raises on bad input: a line it does not understand is skipped, and a file it cannot make
sense of gets a reason (`Unreadable`). Nothing here reads the disk or runs anything.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator

from torchdoctor.facts import ProjectEntry
from torchdoctor.knowledge.conda import CONDA_NAMES

PIP_NAMES = ("torch", "torchvision", "torchaudio")
_INDEX_OPTIONS = {"-i": "index-url", "--index-url": "index-url",
                  "--extra-index-url": "extra-index-url", "-f": "find-links",
                  "--find-links": "find-links"}
_INCLUDE_OPTIONS = {"-r": "requirement", "--requirement": "requirement", "-c": "constraint",
                    "--constraint": "constraint"}
_WHEEL = re.compile(r"([A-Za-z0-9_.]+)-(\d[^-]*)-[^/]*\.whl$")
_CONDA_FILE = re.compile(r"([^/]+)-([^-/]+)-([^-/]+)\.(?:conda|tar\.bz2)$")
_CONDA_SPEC = re.compile(r"^(?:(?P<channel>[^\s:]+)::)?(?P<name>[A-Za-z0-9_][A-Za-z0-9_.-]*)"
                         r"\s*(?P<spec>.*)$")


class Unreadable(ValueError):
    """A file that is not of its kind: the message is the reason shown ("could not read")."""


def canonical(name: str) -> str:
    """A Python package name as pip compares it: "Torch_Vision" -> "torch-vision"."""
    return re.sub(r"[-_.]+", "-", name).lower()


# -- pip requirements -----------------------------------------------------------------------------

def _logical_lines(text: str) -> Iterator[tuple[int, str, str]]:
    """(first line number, the line joined over backslashes and without its comment, the first
    physical line as written)."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start, first, joined = i + 1, lines[i], lines[i]
        while joined.endswith("\\") and i + 1 < len(lines):
            i += 1
            joined = joined[:-1] + lines[i]
        i += 1
        if joined.lstrip().startswith("#"):
            continue
        yield start, re.split(r"\s#", joined, maxsplit=1)[0].strip(), first.rstrip("\r")


def requirement_entry(line: str, number: int | None, text: str | None,
                      section: str | None = None) -> ProjectEntry | None:
    """A torch-family requirement of pip's syntax (`torch==2.5.1 ; sys_platform == "linux"`,
    `torch @ https://…whl`, a wheel URL), or None."""
    from packaging.requirements import InvalidRequirement, Requirement

    spec = re.split(r"\s(?=--?[A-Za-z])", line, maxsplit=1)[0].strip()  # per-line options
    if re.match(r"^(https?|file)://", spec):
        wheel = _WHEEL.search(urllib.parse.unquote(spec.split("#", 1)[0]))
        if wheel and canonical(wheel.group(1)) in PIP_NAMES:
            return ProjectEntry("requirement", canonical(wheel.group(1)), f"@ {spec}",
                                number, text, section)
        return None
    try:
        req = Requirement(spec)
    except InvalidRequirement:
        return None
    name = canonical(req.name)
    if name not in PIP_NAMES:
        return None
    value = f"@ {req.url}" if req.url else str(req.specifier)
    return ProjectEntry("requirement", name, value, number, text, section,
                        marker=str(req.marker) if req.marker else None)


def _option(line: str) -> tuple[str, str] | None:
    """("--index-url", "URL") for `--index-url URL`, `--index-url=URL` or `-iURL`."""
    match = re.match(r"^(--[a-z-]+|-[a-zA-Z])(?:\s*=\s*|\s+)?(\S*)", line)
    if not match:
        return None
    flag, value = match.group(1), match.group(2)
    return flag, value


def parse_requirements(text: str, section: str | None = None
                       ) -> tuple[list[ProjectEntry], list[tuple[str, str]]]:
    """A pip requirements or constraints file: its torch-family requirements and its index
    options, and the files it includes (`-r`, `-c`) as (kind, path)."""
    entries: list[ProjectEntry] = []
    includes: list[tuple[str, str]] = []
    for number, line, first in _logical_lines(text):
        if not line:
            continue
        if line.startswith("-"):
            option = _option(line)
            if option is None or not option[1]:
                continue
            flag, value = option
            if flag in _INDEX_OPTIONS:
                entries.append(ProjectEntry("index", _INDEX_OPTIONS[flag], value, number, first,
                                            section))
            elif flag in _INCLUDE_OPTIONS:
                includes.append((_INCLUDE_OPTIONS[flag], value))
            continue
        entry = requirement_entry(line, number, first, section)
        if entry is not None:
            entries.append(entry)
    return entries, includes


# -- environment.yml ------------------------------------------------------------------------------

def _strip_comment(line: str) -> str:
    """The line without a YAML comment (a `#` at the start or after a blank, outside quotes)."""
    quote = ""
    for i, char in enumerate(line):
        if char in "'\"" and not quote:
            quote = char
        elif char == quote:
            quote = ""
        elif char == "#" and not quote and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def conda_entry(spec: str, number: int | None, text: str | None, section: str
                ) -> ProjectEntry | None:
    """A torch-related conda dependency: `pytorch=2.5.1`, `pytorch::pytorch`,
    `pytorch-cuda=12.4`, `cuda-version 12.9`, `cpuonly`; None for anything else."""
    match = _CONDA_SPEC.match(spec.strip())
    if not match or match.group("name").lower() not in CONDA_NAMES:
        return None
    return ProjectEntry("requirement", match.group("name").lower(), match.group("spec").strip(),
                        number, text, section, source=match.group("channel"))


class _Yaml:
    """The state of the environment.yml reader: which top-level list it is in, and whether it is
    inside the `- pip:` list (deeper than `pip_indent`)."""

    def __init__(self) -> None:
        self.key: str | None = None
        self.pip_indent: int | None = None
        self.keys: set[str] = set()
        self.entries: list[ProjectEntry] = []

    def item(self, indent: int, value: str, number: int, text: str) -> None:
        if self.pip_indent is not None and indent > self.pip_indent:
            self._pip(value, number, text)
            return
        self.pip_indent = None
        if self.key == "channels":
            self.entries.append(ProjectEntry("channel", value, value, number, text, "channels"))
        elif self.key == "dependencies":
            if value.endswith(":") and _unquote(value[:-1]) == "pip":
                self.pip_indent = indent
                return
            entry = conda_entry(value, number, text, "dependencies")
            if entry is not None:
                self.entries.append(entry)

    def _pip(self, value: str, number: int, text: str) -> None:
        if value.startswith("-"):
            option = _option(value)
            if option and option[0] in _INDEX_OPTIONS and option[1]:
                self.entries.append(ProjectEntry("index", _INDEX_OPTIONS[option[0]], option[1],
                                                 number, text, "dependencies.pip"))
            return
        entry = requirement_entry(value, number, text, "dependencies.pip")
        if entry is not None:
            self.entries.append(entry)


def parse_environment_yml(text: str) -> list[ProjectEntry]:
    """conda's environment.yml: channels, torch-related conda dependencies, and the torch
    requirements and index options of its `pip:` list. Unreadable when it has neither a
    `channels` nor a `dependencies` list."""
    state = _Yaml()
    for number, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).rstrip()
        body = line.lstrip(" ")
        if not body or body.startswith(("---", "...", "%")) or body.startswith("\t"):
            continue
        indent = len(line) - len(body)
        top = re.match(r"^([A-Za-z_][\w.-]*)\s*:\s*(.*)$", line) if indent == 0 else None
        if top:
            state.key, state.pip_indent = top.group(1), None
            state.keys.add(state.key)
            flow = top.group(2).strip()
            if flow.startswith("[") and flow.endswith("]"):
                for value in (v for v in flow[1:-1].split(",") if v.strip()):
                    state.item(1, _unquote(value), number, raw)
            continue
        item = re.match(r"^(\s*)-\s+(.*)$|^(\s*)-$", line)
        if item and item.group(2) is not None:
            state.item(len(item.group(1)), _unquote(item.group(2)), number, raw)
    if not state.keys & {"channels", "dependencies"}:
        raise Unreadable("no `channels` or `dependencies` list: not a conda environment file")
    return state.entries


# -- lock files -----------------------------------------------------------------------------------

def _blocks(text: str, header: str) -> Iterator[tuple[int, list[str]]]:
    """The `[[package]]` tables of a TOML lock file: (line number of the header, its lines)."""
    start, lines = 0, text.splitlines()
    current: list[str] | None = None
    for i, line in enumerate(lines):
        if line.strip() == header:
            if current is not None:
                yield start, current
            start, current = i + 1, []
        elif current is not None:
            current.append(line)
    if current is not None:
        yield start, current


def _value(lines: list[str], key: str) -> str | None:
    pattern = re.compile(rf'^{re.escape(key)}\s*=\s*"([^"]*)"')
    return next((m.group(1) for m in map(pattern.match, lines) if m), None)


def _markers(lines: list[str]) -> str | None:
    """A uv.lock package's `resolution-markers`, joined with `or` (the platforms it is for)."""
    found: list[str] = []
    inside = False
    for line in lines:
        if line.startswith("resolution-markers"):
            inside = not line.rstrip().endswith("]")
            found += re.findall(r'"((?:[^"\\]|\\.)*)"', line.split("=", 1)[1])
        elif inside:
            found += re.findall(r'"((?:[^"\\]|\\.)*)"', line)
            inside = not line.strip().startswith("]")
        elif found:
            break
    return " or ".join(f"({m})" for m in found) if found else None


def parse_uv_lock(text: str) -> list[ProjectEntry]:
    """uv.lock: each torch-family package with its version, source and markers."""
    entries = []
    for number, lines in _blocks(text, "[[package]]"):
        name = _value(lines, "name")
        if name is None or canonical(name) not in PIP_NAMES:
            continue
        source = next((re.search(r'(\w[\w-]*)\s*=\s*"([^"]*)"', line) for line in lines
                       if line.startswith("source")), None)
        entries.append(ProjectEntry(
            "locked", canonical(name), _value(lines, "version") or "", number, "[[package]]",
            "package", marker=_markers(lines), source=source.group(2) if source else None,
            detail=source.group(1) if source else None))
    return entries


def parse_poetry_lock(text: str) -> list[ProjectEntry]:
    """poetry.lock: each torch-family package with its version and `[package.source]` URL."""
    entries = []
    for number, lines in _blocks(text, "[[package]]"):
        name = _value(lines, "name")
        if name is None or canonical(name) not in PIP_NAMES:
            continue
        url = None
        if "[package.source]" in (line.strip() for line in lines):
            after = lines[[line.strip() for line in lines].index("[package.source]") + 1:]
            url = _value(after, "url")
        entries.append(ProjectEntry("locked", canonical(name), _value(lines, "version") or "",
                                    number, "[[package]]", "package", source=url,
                                    detail="legacy" if url else None))
    return entries


_PLATFORMS = ("linux-64", "linux-aarch64", "linux-ppc64le", "osx-64", "osx-arm64", "win-64",
              "win-arm64", "noarch", "emscripten-wasm32", "wasi-wasm32")


def parse_pixi_lock(text: str) -> list[ProjectEntry]:
    """pixi.lock (YAML): the torch-related conda packages and PyPI wheels each environment
    resolved, per platform (`section` = "environments.NAME.PLATFORM"). A lock without an
    `environments` map (before version 5) gives each package once, its platform from its URL."""
    by_environment: list[ProjectEntry] = []
    listed: list[ProjectEntry] = []
    seen: set[tuple[str | None, str]] = set()
    top, env, platform = "", None, None
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        key = re.match(r"^\s*([\w.-]+):\s*$", raw)
        if indent == 0:
            top, env, platform = raw.split(":", 1)[0].strip(), None, None
            continue
        if top == "environments" and key:
            if key.group(1) in _PLATFORMS:
                platform = key.group(1)
            elif indent == 2:
                env, platform = key.group(1), None
            continue
        url = re.match(r"^\s*-?\s*(conda|pypi|url):\s*(\S+)\s*$", raw)
        if not url or (top == "environments" and not (env and platform)):
            continue
        where = f"environments.{env}.{platform}" if top == "environments" else None
        entry = _locked_url(url.group(2), number, raw.strip(), where)
        if entry is not None and (where, url.group(2)) not in seen:
            seen.add((where, url.group(2)))
            (by_environment if where else listed).append(entry)
    return by_environment or listed


def _locked_url(url: str, number: int, text: str, where: str | None) -> ProjectEntry | None:
    """A locked package from its file URL: a conda package (`pytorch-2.5.1-cuda126_….conda`) or
    a wheel (`torch-2.5.1%2Bcu124-cp312-….whl`)."""
    path = urllib.parse.unquote(url.split("#", 1)[0].split("?", 1)[0])
    conda = _CONDA_FILE.search(path)
    if conda and conda.group(1) in CONDA_NAMES:
        subdir = path.rsplit("/", 2)[-2] if path.count("/") >= 2 else None
        section = where or (f"packages.{subdir}" if subdir else "packages")
        return ProjectEntry("locked", conda.group(1), conda.group(2), number, text, section,
                            source=url, detail=conda.group(3))
    wheel = _WHEEL.search(path)
    if wheel and canonical(wheel.group(1)) in PIP_NAMES:
        return ProjectEntry("locked", canonical(wheel.group(1)), wheel.group(2), number, text,
                            where or "packages", source=url, detail="wheel")
    return None
