"""Readers of the TOML project files: pyproject.toml (`[project]` dependencies and dependency
groups, `[tool.uv]`, `[tool.poetry]`, `[tool.pixi]`), pixi.toml and uv.toml.

The TOML is parsed with the standard library's tomllib (Python 3.11 and newer; on 3.10 such a
file "could not be read"); the line each value stands on is then found in the text, for the
edits the fixes show. Only what says which torch the user asked for is kept.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from torchdoctor.facts import ProjectEntry
from torchdoctor.knowledge.conda import CONDA_NAMES
from torchdoctor.probes.project_text import PIP_NAMES, Unreadable, canonical, requirement_entry


def load_toml(text: str) -> dict[str, Any]:
    """The parsed document, or Unreadable with tomllib's message (line and column)."""
    if sys.version_info >= (3, 11):
        import tomllib

        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise Unreadable(f"TOML error: {exc}") from None
    raise Unreadable("reading TOML needs Python 3.11 or newer (tomllib)")


class Lines:
    """Finds the line a parsed value stands on: after its table's header, the first line that
    holds the quoted value or assigns the key."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def header(self, table: str) -> int:
        """The index of the line `[table]` or `[[table]]` (0 when the table has no header: it
        is written inline or with dotted keys, so the search starts at the top)."""
        pattern = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\]\]?\s*(#.*)?$")
        return next((i for i, line in enumerate(self.lines) if pattern.match(line)), 0)

    def first_table(self, prefix: str) -> tuple[int | None, str | None]:
        """(1-based line, text) of the first header of `prefix` or one of its subtables."""
        pattern = re.compile(rf"^\s*\[\[?\s*{re.escape(prefix)}[\].]")
        return next(((i + 1, line) for i, line in enumerate(self.lines) if pattern.match(line)),
                    (None, None))

    def find(self, start: int, *, quoted: str | None = None, key: str | None = None
             ) -> tuple[int | None, str | None]:
        """(1-based line, its text) of the first line from `start` that holds "quoted" or
        assigns `key`; (None, None) when there is none."""
        key_pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=") if key else None
        for i in range(start, len(self.lines)):
            line = self.lines[i]
            if quoted is not None and (f'"{quoted}"' in line or f"'{quoted}'" in line):
                return i + 1, line
            if key_pattern is not None and key_pattern.match(line):
                return i + 1, line
        return None, None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _table(data: Mapping[str, Any], *keys: str) -> Mapping[str, Any]:
    for key in keys:
        value = data.get(key)
        data = value if isinstance(value, Mapping) else {}
    return data


def _pep508(lines: Lines, deps: Iterable[str], table: str, section: str) -> list[ProjectEntry]:
    out = []
    start = lines.header(table)
    for dep in deps:
        number, text = lines.find(start, quoted=dep)
        entry = requirement_entry(dep, number, text, section)
        if entry is not None:
            out.append(entry)
    return out


def parse_pyproject(text: str) -> list[ProjectEntry]:
    """pyproject.toml: PEP 621 and PEP 735 dependencies, and the uv, Poetry and pixi tables."""
    data, lines = load_toml(text), Lines(text)
    project = _table(data, "project")
    entries = _pep508(lines, _strings(project.get("dependencies")), "project",
                      "project.dependencies")
    for extra, deps in _table(project, "optional-dependencies").items():
        entries += _pep508(lines, _strings(deps), "project.optional-dependencies",
                           f"project.optional-dependencies.{extra}")
    for group, deps in _table(data, "dependency-groups").items():
        entries += _pep508(lines, _strings(deps), "dependency-groups",
                           f"dependency-groups.{group}")
    tool = _table(data, "tool")
    for name in ("uv", "poetry", "pixi"):
        if name in tool:
            number, line = lines.first_table(f"tool.{name}")
            entries.append(ProjectEntry("setting", "tool", name, number, line, "tool"))
    if "sources" in _table(tool, "uv"):
        number, line = lines.first_table("tool.uv.sources")
        entries.append(ProjectEntry("setting", "table", "tool.uv.sources", number, line, "tool"))
    entries += uv_entries(_table(tool, "uv"), lines, "tool.uv")
    entries += _poetry(_table(tool, "poetry"), lines)
    entries += pixi_entries(_table(tool, "pixi"), lines, "tool.pixi.")
    return entries


def parse_uv_toml(text: str) -> list[ProjectEntry]:
    """uv.toml: the same settings as pyproject.toml's [tool.uv], at the top level."""
    return uv_entries(load_toml(text), Lines(text), "")


def parse_pixi_toml(text: str) -> list[ProjectEntry]:
    """pixi.toml: channels, platforms, CUDA declarations and torch dependencies."""
    return pixi_entries(load_toml(text), Lines(text), "")


# -- uv -------------------------------------------------------------------------------------------

def _dotted(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def uv_entries(uv: Mapping[str, Any], lines: Lines, prefix: str) -> list[ProjectEntry]:
    """[[tool.uv.index]], index-url / extra-index-url / find-links, torch-backend (also under
    [tool.uv.pip]) and [tool.uv.sources] of torch and its companions."""
    out: list[ProjectEntry] = []
    index_table = _dotted(prefix, "index")
    for index in uv.get("index", []) if isinstance(uv.get("index"), list) else []:
        if isinstance(index, Mapping) and isinstance(index.get("url"), str):
            start = lines.header(index_table)
            number, text = lines.find(start, quoted=index["url"])
            detail = "explicit" if index.get("explicit") else (
                "default" if index.get("default") else None)
            out.append(ProjectEntry("index", str(index.get("name") or "(unnamed)"),
                                    index["url"], number, text, index_table, detail=detail))
    for table, section in ((uv, prefix), (_table(uv, "pip"), _dotted(prefix, "pip"))):
        out += _uv_settings(table, lines, section)
    out += _uv_sources(_table(uv, "sources"), lines, _dotted(prefix, "sources"))
    return out


def _uv_settings(table: Mapping[str, Any], lines: Lines, section: str) -> list[ProjectEntry]:
    out = []
    start = lines.header(section) if section else 0
    for key in ("index-url", "extra-index-url", "find-links"):
        for url in _strings(table.get(key)):
            number, text = lines.find(start, quoted=url)
            out.append(ProjectEntry("index", key, url, number, text, section or None))
    backend = table.get("torch-backend")
    if isinstance(backend, str):
        number, text = lines.find(start, key="torch-backend")
        out.append(ProjectEntry("setting", "torch-backend", backend, number, text,
                                section or None))
    return out


def _uv_sources(sources: Mapping[str, Any], lines: Lines, section: str) -> list[ProjectEntry]:
    out = []
    start = lines.header(section)
    for name, spec in sources.items():
        if canonical(name) not in PIP_NAMES:
            continue
        for item in spec if isinstance(spec, list) else [spec]:
            if not isinstance(item, Mapping):
                continue
            kind = next((k for k in ("index", "url", "git", "path", "workspace") if k in item),
                        "other")
            value = str(item[kind]) if kind == "index" else kind
            marker = item.get("marker") if isinstance(item.get("marker"), str) else None
            if isinstance(item.get("extra"), str):
                extra = f"extra == '{item['extra']}'"
                marker = f"({marker}) and {extra}" if marker else extra
            at, _ = lines.find(start, key=name)  # the package's own key, then its value
            number, text = lines.find(at - 1 if at else start, quoted=value) \
                if kind == "index" else (None, None)
            if number is None:
                number, text = at, _
            out.append(ProjectEntry("source", canonical(name), value, number, text, section,
                                    marker=marker))
    return out


# -- Poetry ---------------------------------------------------------------------------------------

def _poetry(poetry: Mapping[str, Any], lines: Lines) -> list[ProjectEntry]:
    out: list[ProjectEntry] = []
    tables = [("tool.poetry.dependencies", _table(poetry, "dependencies"))]
    tables += [(f"tool.poetry.group.{g}.dependencies", _table(poetry, "group", g, "dependencies"))
               for g in _table(poetry, "group")]
    for section, deps in tables:
        start = lines.header(section)
        for name, spec in deps.items():
            if canonical(name) in PIP_NAMES:
                number, text = lines.find(start, key=name)
                out += _poetry_requirement(canonical(name), spec, number, text, section)
    sources = poetry.get("source")
    for source in sources if isinstance(sources, list) else []:
        if isinstance(source, Mapping) and isinstance(source.get("url"), str):
            number, text = lines.find(lines.header("tool.poetry.source"), quoted=source["url"])
            priority = source.get("priority")
            out.append(ProjectEntry("index", str(source.get("name") or "(unnamed)"),
                                    source["url"], number, text, "tool.poetry.source",
                                    detail=priority if isinstance(priority, str) else None))
    return out


def _poetry_requirement(name: str, spec: Any, number: int | None, text: str | None,
                        section: str) -> list[ProjectEntry]:
    """`torch = "2.5.1"`, `torch = { version = "^2.5", source = "pytorch" }`, or a list of such
    tables with `markers` / `platform`."""
    if isinstance(spec, str):
        return [ProjectEntry("requirement", name, spec, number, text, section)]
    out = []
    for item in spec if isinstance(spec, list) else [spec]:
        if not isinstance(item, Mapping):
            continue
        marker = item.get("markers") if isinstance(item.get("markers"), str) else None
        if isinstance(item.get("platform"), str):
            platform = f"sys_platform == '{item['platform']}'"
            marker = f"({marker}) and {platform}" if marker else platform
        source = item.get("source") if isinstance(item.get("source"), str) else None
        out.append(ProjectEntry("requirement", name, str(item.get("version") or "*"), number,
                                text, section, marker=marker, source=source))
    return out


# -- pixi -----------------------------------------------------------------------------------------

def pixi_entries(pixi: Mapping[str, Any], lines: Lines, prefix: str) -> list[ProjectEntry]:
    """Channels and platforms (with their `cuda`), `[system-requirements] cuda`, torch-related
    conda and PyPI dependencies (features and targets too), and `[pypi-options]` indexes."""
    workspace = _table(pixi, "workspace") or _table(pixi, "project")
    table = f"{prefix}workspace" if "workspace" in pixi else f"{prefix}project"
    out = _pixi_workspace(workspace, lines, table)
    for section, body in _pixi_bodies(pixi, prefix):
        out += _pixi_body(body, lines, section)
    return out


def _pixi_bodies(pixi: Mapping[str, Any], prefix: str
                 ) -> list[tuple[str, Mapping[str, Any]]]:
    """The tables that hold dependencies and system requirements: the top level, each feature,
    and each target of either (with the prefix of their section names)."""
    bodies = [(prefix.rstrip("."), pixi)]
    for name, feature in _table(pixi, "feature").items():
        if isinstance(feature, Mapping):
            bodies.append((f"{prefix}feature.{name}", feature))
    for section, body in list(bodies):
        for platform, target in _table(body, "target").items():
            if isinstance(target, Mapping):
                bodies.append((_dotted(section, f"target.{platform}"), target))
    return bodies


def _pixi_workspace(workspace: Mapping[str, Any], lines: Lines, table: str
                    ) -> list[ProjectEntry]:
    out = []
    start = lines.header(table)
    channel_line = lines.find(start, key="channels")
    for channel in workspace.get("channels", []) if isinstance(workspace.get("channels"),
                                                               list) else []:
        name = channel.get("channel") if isinstance(channel, Mapping) else channel
        if isinstance(name, str):
            out.append(ProjectEntry("channel", name, name, *channel_line, f"{table}.channels"))
    platform_line = lines.find(start, key="platforms")
    names = []
    for platform in workspace.get("platforms", []) if isinstance(workspace.get("platforms"),
                                                                 list) else []:
        if isinstance(platform, Mapping):
            name = str(platform.get("platform") or "")
            if isinstance(platform.get("cuda"), str):
                out.append(ProjectEntry("setting", "cuda", platform["cuda"], *platform_line,
                                        f"{table}.platforms", detail=name))
        else:
            name = str(platform)
        names.append(name)
    if names:
        out.append(ProjectEntry("setting", "platforms", ",".join(names), *platform_line,
                                f"{table}.platforms"))
    return out


def _pixi_body(body: Mapping[str, Any], lines: Lines, section: str) -> list[ProjectEntry]:
    out = []
    requirements = _table(body, "system-requirements")
    if "cuda" in requirements:
        table = _dotted(section, "system-requirements")
        number, text = lines.find(lines.header(table), key="cuda")
        out.append(ProjectEntry("setting", "cuda", str(requirements["cuda"]), number, text,
                                table))
    deps_table = _dotted(section, "dependencies")
    start = lines.header(deps_table)
    for name, spec in _table(body, "dependencies").items():
        if name.lower() in CONDA_NAMES:
            number, text = lines.find(start, key=name)
            version, build, channel = _conda_spec(spec)
            out.append(ProjectEntry("requirement", name.lower(), version, number, text,
                                    deps_table, source=channel, detail=build))
    pypi_table = _dotted(section, "pypi-dependencies")
    start = lines.header(pypi_table)
    for name, spec in _table(body, "pypi-dependencies").items():
        if canonical(name) in PIP_NAMES:
            number, text = lines.find(start, key=name)
            version = spec if isinstance(spec, str) else str(_table({"s": spec}, "s").get(
                "version") or "*")
            index = spec.get("index") if isinstance(spec, Mapping) else None
            out.append(ProjectEntry("requirement", canonical(name), version, number, text,
                                    pypi_table, source=index if isinstance(index, str) else None))
    out += _pixi_pypi_options(_table(body, "pypi-options"), lines,
                              _dotted(section, "pypi-options"))
    return out


def _conda_spec(spec: Any) -> tuple[str, str | None, str | None]:
    """(version, build, channel) of a pixi conda dependency: "2.5.*" or a table."""
    if isinstance(spec, str):
        return spec, None, None
    if isinstance(spec, Mapping):
        build, channel = spec.get("build"), spec.get("channel")
        return (str(spec.get("version") or "*"), build if isinstance(build, str) else None,
                channel if isinstance(channel, str) else None)
    return "*", None, None


def _pixi_pypi_options(options: Mapping[str, Any], lines: Lines, section: str
                       ) -> list[ProjectEntry]:
    out = []
    start = lines.header(section)
    urls = [("index-url", u) for u in _strings(options.get("index-url"))]
    urls += [("extra-index-url", u) for u in _strings(options.get("extra-index-urls"))]
    for name, url in urls:
        number, text = lines.find(start, quoted=url)
        out.append(ProjectEntry("index", name, url, number, text, section))
    return out
