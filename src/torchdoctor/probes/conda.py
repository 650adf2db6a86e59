"""The target's conda environment: conda-meta records of the packages that decide its torch.

conda, mamba, micromamba and pixi keep one JSON record per installed package in
`<prefix>/conda-meta/NAME-VERSION-BUILD.json`. Only the torch-related records are read (the file
name says which: at most `MAX_RECORDS` of them), each at most `Host.read_text`'s cap; a record
cut short, or not JSON, still gives its name, version and build from its file name and its
channel from the text. `conda-meta/history` names the tool that changed the environment last.
Nothing is run.
"""

from __future__ import annotations

import json
import posixpath
import re
from typing import Any

from torchdoctor.facts import CondaFacts, CondaPackage, PythonFacts
from torchdoctor.host import Host
from torchdoctor.knowledge.conda import CONDA_NAMES, channel_name

MAX_RECORDS = 32
_HISTORY_CAP = 200_000  # the tail of conda-meta/history that is searched for the last command
_CHANNEL = re.compile(r'"(?:channel|schannel)"\s*:\s*"([^"]*)"')
_URL = re.compile(r'"url"\s*:\s*"([^"]*)"')
_CMD = re.compile(r"^#\s*cmd:\s*(\S+)", re.MULTILINE)
_MANAGERS = ("micromamba", "mamba", "conda", "pixi")


def probe(host: Host, timeout: float, python: PythonFacts | None) -> CondaFacts:
    """The conda-meta records of the target's environment (absent: it is no conda env)."""
    del timeout  # a listing and a few small reads
    if python is None or python.status != "found" or not python.prefix:
        why = python.reason if python is not None and python.reason else "no answer"
        return CondaFacts(status="unknown", reason=f"the target Python is not known ({why})")
    prefix = python.prefix
    meta = _join(prefix, "conda-meta")
    try:
        names = host.list_dir(meta)
    except FileNotFoundError:
        return CondaFacts(status="absent", reason=f"{prefix} has no conda-meta folder",
                          prefix=prefix)
    except OSError as exc:
        return CondaFacts(status="unknown", prefix=prefix,
                          reason=f"{meta}: {exc.strerror or exc}")
    records = [n for n in names if n.endswith(".json")]
    wanted = [n for n in records if _split(n)[0] in CONDA_NAMES][:MAX_RECORDS]
    order = {name: i for i, name in enumerate(CONDA_NAMES)}
    packages = tuple(sorted((_record(host, _join(meta, n), n) for n in wanted),
                            key=lambda p: (order.get(p.name, len(order)), p.name)))
    return CondaFacts(status="found", prefix=prefix, manager=_manager(host, prefix, meta),
                      records=len(records), packages=packages)


def _join(folder: str, name: str) -> str:
    if "\\" in folder and "/" not in folder:
        return folder.rstrip("\\") + "\\" + name
    return posixpath.join(folder, name)


def _split(file_name: str) -> tuple[str, str, str]:
    """ "pytorch-cuda-12.4-hc786d27_7.json" -> ("pytorch-cuda", "12.4", "hc786d27_7")."""
    stem = file_name[: -len(".json")] if file_name.endswith(".json") else file_name
    parts = stem.rsplit("-", 2)
    if len(parts) != 3:
        return stem, "", ""
    return parts[0], parts[1], parts[2]


def _record(host: Host, path: str, file_name: str) -> CondaPackage:
    name, version, build = _split(file_name)
    try:
        text = host.read_text(path)
    except OSError:
        text = ""
    data: dict[str, Any] = {}
    try:
        loaded = json.loads(text) if text else {}
        data = loaded if isinstance(loaded, dict) else {}
    except ValueError:  # cut short by the read cap, or not JSON: the file name and the text
        pass
    channel = data.get("channel") or data.get("schannel")
    if not isinstance(channel, str) or not channel:
        found = _CHANNEL.search(text)
        channel = found.group(1) if found else None
    if not channel:
        url = data.get("url")
        if not isinstance(url, str):
            found = _URL.search(text)
            url = found.group(1) if found else None
        channel = url.rsplit("/", 2)[0] if url and url.count("/") >= 3 else None
    return CondaPackage(
        name=str(data.get("name") or name), version=str(data.get("version") or version),
        build=str(data.get("build") or build) or None, channel=channel_name(channel))


def _manager(host: Host, prefix: str, meta: str) -> str | None:
    """pixi for its own environments (`.pixi/envs/NAME`); else the tool of the last command in
    conda-meta/history (`# cmd: /opt/conda/bin/mamba install …`)."""
    if re.search(r"[/\\]\.pixi[/\\]envs[/\\]", prefix + "/"):
        return "pixi"
    try:
        history = host.read_text(_join(meta, "history"))[-_HISTORY_CAP:]
    except OSError:
        return None
    commands = _CMD.findall(history)
    if not commands:
        return None
    tool = re.split(r"[/\\]", commands[-1])[-1].lower().removesuffix(".exe")
    tool = tool.removesuffix("-script.py")
    return next((m for m in _MANAGERS if tool == m), None)
