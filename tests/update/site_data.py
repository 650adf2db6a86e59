"""pytorch.org's files in the layout of pytorch/pytorch.github.io's site branch, for the update
tests: the upstream copies kept in tests/data/pytorch-org as they are (stable 2.13.0), or a newer
dataset made from them. Its releases are fictional, so that no knowledge torchdoctor will ever ship
knows them: stable 2.99.0 with a CUDA 13.9 variant (cu139) where 2.13.0 had cu132 and wheels from
Python 3.11 on; 2.98.0 stored in the selector data as well; 2.13.0 added to the Previous Versions
page; and a RELEASE.md whose matrix has rows for 2.99 and 2.98 (when asked)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "pytorch-org"
BASE = "2.13.0"  # the stable of the kept upstream copies
NEW = "2.99.0"
MIDDLE = "2.98.0"
NEW_VARIANT = "cu139"
DATE = "2026-11-20"  # the newer dataset's generated_at
LAYOUT = {
    "published_versions.json": "published_versions.json",
    "assets/quick-start-module.js": "quick-start-module.js",
    "_get_started/previous-versions.md": "previous-versions.md",
    "releases.json": "releases.json",
    "additional-platforms.json": "additional-platforms.platforms-only.json",
}


def upstream_files() -> dict[str, str]:
    """Layout path -> text of the kept upstream copies."""
    return {path: (DATA / name).read_text(encoding="utf-8") for path, name in LAYOUT.items()}


def _newer_release(text: str) -> str:
    return text.replace(BASE, NEW).replace("cu132", NEW_VARIANT).replace(
        "CUDA 13.2", "CUDA 13.9")


RELEASE_MD = """# Releasing PyTorch

## Release Compatibility Matrix

Following is the Release Compatibility Matrix for PyTorch releases:

| PyTorch version | Python | C++ | Stable CUDA | Experimental CUDA | Stable ROCm |
| --- | --- | --- | --- | --- | --- |
| 2.99 | >=3.11, <=(3.15, 3.15t experimental) | C++20 | CUDA 12.6, 13.0, 13.9 | -- | ROCm 7.2 |
| 2.98 | >=3.11, <=(3.15, 3.15t experimental) | C++20 | CUDA 12.6, 13.0, 13.2 | -- | ROCm 7.2 |
| 2.13 | >=3.10, <=(3.15, 3.15t experimental) | C++20 | CUDA 12.6, 13.0 | CUDA 13.2 | ROCm 7.2 |

## Release Cadence
"""


def newer_files(release_md: bool = True) -> dict[str, str]:
    """The newer dataset: releases the shipped knowledge does not know, one with a new variant."""
    files = upstream_files()
    published: dict[str, Any] = json.loads(files["published_versions.json"])
    block = json.loads(_newer_release(json.dumps(published["versions"][BASE])))
    published["versions"][MIDDLE] = json.loads(
        json.dumps(published["versions"][BASE]).replace(BASE, MIDDLE))
    published["versions"][NEW] = block
    published["versions"]["preview"] = json.loads(
        _newer_release(json.dumps(published["versions"]["preview"])))
    published["latest_stable"] = NEW
    files["published_versions.json"] = json.dumps(published)
    module = files["assets/quick-start-module.js"]
    files["assets/quick-start-module.js"] = _newer_release(module).replace(
        '["cuda", "13.2"]', '["cuda", "13.9"]')
    matrices: dict[str, Any] = json.loads(_newer_release(files["releases.json"]))
    for channel in matrices.values():
        for os_name, rows in channel.items():
            channel[os_name] = [r for r in rows if r.get("python_version") != "3.10"]
    files["releases.json"] = json.dumps(matrices)
    files["additional-platforms.json"] = files["additional-platforms.json"].replace(
        "2026-07-28T", f"{DATE}T")
    page = files["_get_started/previous-versions.md"]
    start = page.index("### v2.12.1")
    section = page[start : page.index("### v2.12.0")]
    added = section.replace("2.12.1", BASE).replace("0.27.1", "0.28.0")
    files["_get_started/previous-versions.md"] = page[:start] + added + page[start:]
    if release_md:
        files["RELEASE.md"] = RELEASE_MD
    return files


def write_site(folder: Path, files: dict[str, str]) -> Path:
    """Write `files` under `folder` in the site layout; returns `folder`."""
    for path, text in files.items():
        target = folder.joinpath(*path.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return folder
