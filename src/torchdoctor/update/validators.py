"""Validators and gap-fillers for releases new to the knowledge: the PyPI JSON API (release date,
Requires-Python, the CUDA version the Linux PyPI wheel carries) and download.pytorch.org's PEP 503
pages (`/whl/<variant>/torch/`: which wheels exist). They are used when they answer; when one
cannot be reached the update says so and goes on: the selector data stays the authority.

The PyPI base is `--pypi-url`, else the index `PIP_INDEX_URL` names (its `/simple` replaced by the
JSON API's `/pypi`, as PyPI, devpi, Nexus and Artifactory serve it), else https://pypi.org.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from torchdoctor.knowledge.build.tables import vkey
from torchdoctor.update.fetch import Fetcher, Missing, UpdateError
from torchdoctor.update.merge import raise_python_min

PYPI = "https://pypi.org"
DOWNLOAD = "https://download.pytorch.org"
MOST = 4  # releases checked at most per update
_CUDA_PIN = re.compile(r"^(?:cuda-toolkit|nvidia-cuda-runtime(?:-cu\d+)?)(?:\[[^\]]*\])?\s*"
                       r"(?:==|~=|>=)\s*(\d+)\.(\d+)")


def pypi_base(explicit: str | None, environ: dict[str, str]) -> str:
    """Where the PyPI JSON API is: the option, else the configured index, else PyPI."""
    if explicit:
        return explicit.rstrip("/")
    index = environ.get("PIP_INDEX_URL", "").rstrip("/")
    if index.endswith("/simple"):
        return index[: -len("/simple")]
    return PYPI


@dataclass
class Report:
    """What the validators said: one sentence per finding."""

    lines: list[str] = field(default_factory=list)
    reached: dict[str, bool] = field(default_factory=dict)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self._in = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in = tag == "a"

    def handle_endtag(self, tag: str) -> None:
        self._in = False

    def handle_data(self, data: str) -> None:
        if self._in and data.strip():
            self.names.append(data.strip())


def wheel_names(page: str) -> list[str]:
    """The file names a PEP 503 page links to (its anchors' text)."""
    parser = _Links()
    parser.feed(page)
    return parser.names


def cuda_of_pypi(requires_dist: list[str]) -> str | None:
    """"cu132" from a `cuda-toolkit==13.2.2` (or `nvidia-cuda-runtime-cu12==12.8.90`) pin."""
    for line in requires_dist:
        found = _CUDA_PIN.match(line.strip())
        if found:
            return f"cu{found.group(1)}{found.group(2)}"
    return None


def _pypi(fetcher: Fetcher, base: str, rel: dict[str, Any], report: Report) -> None:
    version = rel["version"]
    url = f"{base}/pypi/torch/{version}/json"
    doc = json.loads(fetcher.text(url, "application/json"))
    info = doc.get("info") or {}
    uploads = sorted(str(f.get("upload_time_iso_8601") or f.get("upload_time") or "")
                     for f in doc.get("urls") or [] if isinstance(f, dict))
    unconfirmed = rel.get("unconfirmed", [])
    if uploads and uploads[0][:10] and not rel.get("date") and \
            re.fullmatch(r"\d{4}-\d{2}-\d{2}", uploads[0][:10]):
        rel["date"] = uploads[0][:10]
        report.lines.append(f"{version}: released {rel['date']} (PyPI upload time)")
        if "date" in unconfirmed:
            unconfirmed.remove("date")
    spec = str(info.get("requires_python") or "")
    if spec and "python" in unconfirmed:
        raise_python_min(rel, spec, "PyPI", report.lines)
    cuda = cuda_of_pypi([str(x) for x in info.get("requires_dist") or []])
    table = rel["pypi_default"].get("linux-x86_64")
    if cuda and table and cuda != table:
        report.lines.append(f"{version}: PyPI's Linux wheel pins CUDA {cuda}, the selector's "
                            f"bare command {table}; the selector is kept")
    elif cuda:
        report.lines.append(f"{version}: PyPI confirms its Linux wheel carries {cuda}")
    if not unconfirmed:
        rel.pop("unconfirmed", None)


def _index(fetcher: Fetcher, base: str, rel: dict[str, Any], report: Report) -> None:
    version = rel["version"]
    for variant in rel["variants"].get("linux", {}):
        try:
            names = wheel_names(fetcher.text(f"{base}/whl/{variant}/torch/", "text/html"))
        except Missing:
            names = []
        ours = [n for n in names if n.startswith((f"torch-{version}+{variant}-",
                                                  f"torch-{version}-"))]
        if not ours:
            report.lines.append(f"{version}: {base}/whl/{variant}/torch/ lists no wheel of it")
            continue
        found = (re.search(r"-cp(\d)(\d+)t?-", n) for n in ours)
        pythons = sorted({f"{m.group(1)}.{m.group(2)}" for m in found if m}, key=vkey)
        if pythons and (pythons[0] != rel["python"][0] or pythons[-1] != rel["python"][1]):
            report.lines.append(f"{version} {variant}: the index has wheels for Python "
                                f"{pythons[0]}–{pythons[-1]}, the knowledge says "
                                f"{rel['python'][0]}–{rel['python'][1]}")
        else:
            report.lines.append(f"{version} {variant}: wheels on the index")


def validate(fetcher: Fetcher, releases: list[dict[str, Any]], pypi: str | None,
             download: str | None) -> Report:
    """Check (and fill) the releases new to the knowledge; None turns a validator off."""
    report = Report()
    checked = [r for r in releases if r["kind"] == "release"][:MOST]
    for name, base, step in (("PyPI", pypi, _pypi), ("download.pytorch.org", download, _index)):
        if base is None or not checked:
            continue
        try:
            for rel in checked if step is _pypi else checked[:1]:
                step(fetcher, base.rstrip("/"), rel, report)
            report.reached[name] = True
        except (UpdateError, ValueError, KeyError, TypeError, AttributeError) as exc:
            report.reached[name] = False
            report.lines.append(f"{name} was not used ({_short(exc)}); the selector data was "
                                "not cross-checked against it")
    return report


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]
