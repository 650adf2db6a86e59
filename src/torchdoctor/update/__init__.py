"""`torchdoctor update`: refresh the release knowledge from pytorch.org into the user's cache.

    outcome = run(Request(url=None, folder=None, today="2026-11-29"))

Reads pytorch.org's files (the site branch of pytorch/pytorch.github.io, a mirror with its layout,
or a folder with that layout), builds knowledge from them on top of the knowledge in use
(`update.merge`), cross-checks releases new to it against PyPI and download.pytorch.org when they
answer (`update.validators`), validates the result as the loader does plus what fetched commands may
contain (`knowledge.safety`), and writes it atomically under a lock (`update.store`). Any failure
is an `UpdateError` (exit 1) and leaves the previous knowledge in use. This is the only module of
torchdoctor that uses the network (`update.fetch`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from torchdoctor.knowledge import safety
from torchdoctor.knowledge.build import BuildError
from torchdoctor.knowledge.build.tables import vkey
from torchdoctor.knowledge.cache import knowledge_file
from torchdoctor.knowledge.loader import (
    DATA_DIR,
    KnowledgeError,
    from_documents,
    is_newer,
    read_cache,
)
from torchdoctor.update.changes import describe
from torchdoctor.update.fetch import DEFAULT_MAX_BYTES, Fetcher, UpdateError
from torchdoctor.update.merge import Docs, Refused, content, merge
from torchdoctor.update.sources import Fetched, from_folder, from_url
from torchdoctor.update.validators import DOWNLOAD, pypi_base, validate

__all__ = ["Outcome", "Request", "UpdateError", "run"]


@dataclass(frozen=True)
class Request:
    """What `torchdoctor update` was asked to do."""

    today: str  # YYYY-MM-DD: the knowledge date of fetched (not imported) files
    url: str | None = None  # a mirror of the site branch's layout; None: upstream
    folder: str | None = None  # `--from`: the same layout on disk (no network for the files)
    check: bool = False  # only say whether newer knowledge exists (exit 1 when it does)
    dry_run: bool = False  # say what would change, change nothing
    timeout: float = 60.0  # seconds for the whole update
    max_bytes: int = DEFAULT_MAX_BYTES  # per file
    validate: bool = True  # ask PyPI and download.pytorch.org about new releases
    pypi_url: str | None = None
    download_url: str | None = None
    environ: Mapping[str, str] | None = None  # default: this process's


@dataclass
class Outcome:
    """What the update did. `status`: updated | current | newer-available | would-update |
    older-source."""

    status: str
    origin: str
    cache_file: str
    before: dict[str, str]
    after: dict[str, str]
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def exit_code(self) -> int:
        return 1 if self.status == "newer-available" else 0


def _read_json(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        doc: dict[str, Any] = json.load(handle)
    return doc


def current_docs(cache_path: str) -> tuple[Docs, str]:
    """The documents of the knowledge in use (the cache when valid and newer) and its source."""
    shipped = Docs(*(_read_json(os.path.join(DATA_DIR, f"{name}.json"))
                     for name in ("releases", "cuda", "rocm")))
    try:
        shipped_k = from_documents(shipped.releases, shipped.cuda, shipped.rocm)
    except KnowledgeError as exc:
        raise UpdateError(f"the bundled knowledge is invalid: {exc}") from None
    if os.path.exists(cache_path):
        try:
            cached_k = read_cache(cache_path)
        except KnowledgeError:
            return shipped, "bundled"  # a broken cache is replaced
        if is_newer(cached_k, shipped_k.knowledge_date, shipped_k.stable_version):
            doc = _read_json(cache_path)
            return Docs(doc["releases"], doc["cuda"], doc["rocm"]), "cache"
    return shipped, "bundled"


def _stamp(docs: Docs, source: str) -> dict[str, str]:
    return {"source": source, "date": docs.releases["knowledge_date"],
            "stable": docs.releases["stable"]}


def _extra() -> dict[str, Any]:
    return _read_json(os.path.join(DATA_DIR, "knowledge_extra.json"))


def check_valid(docs: Docs) -> None:
    """The new knowledge loads, and every command in it may be printed."""
    try:
        from_documents(docs.releases, docs.cuda, docs.rocm, source="cache")
    except KnowledgeError as exc:
        raise UpdateError(f"the fetched knowledge is invalid: {exc}") from None
    found = safety.problems(docs.releases)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise UpdateError(f"the fetched knowledge is refused: {found[0]}{more}")


def _fetch(request: Request, fetcher: Fetcher, say: Callable[[str], None]) -> Fetched:
    if request.folder is not None:
        say(f"reading {request.folder}")
        return from_folder(request.folder, request.max_bytes)
    say(f"fetching pytorch.org's files from {request.url or 'github.com/pytorch'}")
    return from_url(fetcher, request.url, request.today)


def _build(request: Request, fetched: Fetched, base: Docs, fetcher: Fetcher,
           environ: Mapping[str, str]) -> tuple[Docs, list[str]]:
    try:
        merged = merge(base, fetched, _extra())
    except Refused as exc:
        raise UpdateError(f"the fetched knowledge is refused: {exc}") from None
    except BuildError as exc:
        raise UpdateError(f"the files from {fetched.origin} are refused: {exc}") from None
    docs, notes = merged.docs, merged.notes
    old = {r["version"] for r in base.releases["releases"]}
    fresh = [r for r in docs.releases["releases"] if r["version"] not in old]
    if request.validate and fresh:
        validators = Fetcher(min(15.0, max(1.0, fetcher.deadline_left())), request.max_bytes,
                             environ)
        report = validate(validators, fresh, pypi_base(request.pypi_url, dict(environ)),
                          request.download_url or DOWNLOAD)
        notes.extend(report.lines)
    elif fresh:
        notes.append("PyPI and download.pytorch.org were not asked (--no-validate)")
    docs.releases["updated"] = {
        "origin": fetched.origin,
        "at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    check_valid(docs)
    return docs, notes


def run(request: Request, say: Callable[[str], None] = lambda line: None) -> Outcome:
    """Do the update (see the module's docstring); UpdateError on failure."""
    from torchdoctor.update import store

    environ = dict(os.environ if request.environ is None else request.environ)
    fetcher = Fetcher(request.timeout, request.max_bytes, environ)
    fetched = _fetch(request, fetcher, say)
    path = knowledge_file(environ)
    writes = not (request.check or request.dry_run)
    lock = store.locked(os.path.dirname(path), request.timeout) if writes else nullcontext()
    with lock:
        base, source = current_docs(path)
        new, notes = _build(request, fetched, base, fetcher, environ)
        outcome = Outcome("current", fetched.origin, path, _stamp(base, source),
                          _stamp(base, source), notes=notes)
        if vkey(new.releases["stable"]) < vkey(base.releases["stable"]):
            outcome.status = "older-source"
            return outcome
        changed = content(new.releases) != content(base.releases)
        outcome.changes = describe(base.releases, new.releases, new.cuda) if changed else []
        if request.check:
            outcome.status = "newer-available" if changed else "current"
            return outcome
        if request.dry_run:
            outcome.status = "would-update" if changed else "current"
            return outcome
        if changed or new.releases["knowledge_date"] > base.releases["knowledge_date"]:
            store.write_atomic(path, new.as_cache(), _loads)
            outcome.written = True
            outcome.after = _stamp(new, "cache")
        outcome.status = "updated" if changed else "current"
    return outcome



def _loads(path: str) -> None:
    """The written file loads as knowledge (else the old file stays)."""
    try:
        read_cache(path)
    except KnowledgeError as exc:
        raise UpdateError(f"the written knowledge does not load: {exc}") from None
