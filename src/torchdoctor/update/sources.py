"""Where `torchdoctor update` reads pytorch.org's files: the site branch of
pytorch/pytorch.github.io (and pytorch/pytorch's RELEASE.md), a mirror of that layout (`--url`),
or a folder holding the same layout (`--from`).

Layout, relative to the base: `published_versions.json`, `assets/quick-start-module.js`,
`_get_started/previous-versions.md` (required); `releases.json`, `additional-platforms.json`,
`RELEASE.md` (used when present).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from torchdoctor.update.fetch import Fetcher, Missing, UpdateError

SITE = "https://raw.githubusercontent.com/pytorch/pytorch.github.io/site"
RELEASE_MD = "https://raw.githubusercontent.com/pytorch/pytorch/main/RELEASE.md"
REQUIRED = ("published_versions.json", "assets/quick-start-module.js",
            "_get_started/previous-versions.md")
OPTIONAL = ("releases.json", "additional-platforms.json", "RELEASE.md")


@dataclass
class Fetched:
    """The files read: path (as in the layout) -> text; the optional ones that are absent."""

    origin: str  # the base URL or folder, as the user named it
    texts: dict[str, str] = field(default_factory=dict)
    absent: list[str] = field(default_factory=list)
    date: str = ""  # the knowledge date these files give (see `knowledge_date`)


def _join(base: str, path: str) -> str:
    return base.rstrip("/") + "/" + path


def from_url(fetcher: Fetcher, base: str | None, today: str) -> Fetched:
    """The files from `base` (None: the upstream repositories)."""
    origin = base.rstrip("/") if base else SITE
    got = Fetched(origin=origin, date=today)
    for path in (*REQUIRED, *OPTIONAL):
        url = RELEASE_MD if path == "RELEASE.md" and base is None else _join(origin, path)
        try:
            got.texts[path] = fetcher.text(url)
        except Missing:
            if path in REQUIRED:
                raise
            got.absent.append(path)
    return got


def from_folder(folder: str, max_bytes: int) -> Fetched:
    """The files from a folder laid out like the site branch (an offline copy)."""
    if not os.path.isdir(folder):
        raise UpdateError(f"{folder} is not a folder")
    got = Fetched(origin=os.path.abspath(folder))
    newest = 0.0
    for path in (*REQUIRED, *OPTIONAL):
        full = os.path.join(folder, *path.split("/"))
        try:
            size = os.path.getsize(full)
            if size > max_bytes:
                raise UpdateError(f"{full} is {size} bytes, more than the limit of {max_bytes}")
            with open(full, encoding="utf-8") as handle:
                got.texts[path] = handle.read()
            newest = max(newest, os.path.getmtime(full))
        except FileNotFoundError:
            if path in REQUIRED:
                raise UpdateError(f"{full}: no such file (the folder must have the layout of "
                                  "pytorch.github.io's site branch)") from None
            got.absent.append(path)
        except UnicodeDecodeError:
            raise UpdateError(f"{full} is not UTF-8 text") from None
        except OSError as exc:
            raise UpdateError(f"cannot read {full}: {exc.strerror or exc}") from None
    stamp = re.search(r'"generated_at"\s*:\s*"(\d{4}-\d{2}-\d{2})',
                      got.texts.get("additional-platforms.json", ""))
    got.date = stamp.group(1) if stamp else \
        datetime.fromtimestamp(newest, tz=timezone.utc).date().isoformat()
    return got
