"""What a command in fetched knowledge may contain: torchdoctor prints these commands for people to
copy and run, so knowledge that did not ship with torchdoctor (`torchdoctor update`'s cache) is
held to what pytorch.org's pages really contain.

* Command text: letters, digits, spaces, line breaks and `. , : / = + - _ @ % ' ( ) ~` only; no
  shell metacharacter (semicolon, pipe, ampersand, dollar, backquote, angle brackets, glob and
  brace characters, quote marks other than the apostrophe).
* Every URL: `https` (or `git+https`), on pytorch.org or one of its subdomains
  (download.pytorch.org, download-r2.pytorch.org), or on github.com under `/pytorch/`.
* Notes and labels: no control characters (no terminal escapes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

_COMMAND = re.compile(r"[A-Za-z0-9 \n.,:/=+\-_@%'()~]*")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]+")
_USUAL = ("https://download.pytorch.org/", "https://download-r2.pytorch.org/")
LIMIT = 20  # problems reported at most


def url_problem(url: str) -> str | None:
    """Why `url` may not appear in a command, or None when it may."""
    if url.startswith(_USUAL):
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "git+https"):
        return f"{url[:80]} is not an https URL"
    if host == "pytorch.org" or host.endswith(".pytorch.org"):
        return None
    if host == "github.com" and parts.path.startswith("/pytorch/"):
        return None
    return f"{url[:80]} is outside pytorch.org's hosts"


def command_problem(text: str) -> str | None:
    """Why `text` may not be printed as a command, or None when it may."""
    if not _COMMAND.fullmatch(text):
        bad = sorted({c for c in text if not _COMMAND.fullmatch(c)})
        shown = " ".join(repr(c) for c in bad[:5])
        return f"{text[:60]!r} contains shell metacharacters ({shown})"
    if "://" in text:
        for url in _URL.findall(text):
            found = url_problem(url)
            if found:
                return found
    return None


_SHELL = re.compile(r"[;|&$`<>\\]")


def raw_problem(text: str) -> str | None:
    """Why a source's command text is hostile before it is even stored: a shell operator
    (`; | & $ \\` < > \\`), a control character, or a URL outside pytorch.org's hosts."""
    bad = sorted(set(_SHELL.findall(text)))
    if bad:
        shown = " ".join(repr(c) for c in bad[:5])
        return f"{text[:60]!r} contains shell metacharacters ({shown})"
    if "://" in text:
        for url in _URL.findall(text):
            found = url_problem(url)
            if found:
                return found
    return text_problem(text)


def text_problem(text: str) -> str | None:
    """Why a note or label may not be shown, or None when it may."""
    if _CONTROL.search(text):
        return f"{text[:60]!r} contains control characters"
    return None


def _commands(release: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(where, kind, text): every command, note and per-arch text of a release."""
    for page, packages in release.get("commands", {}).items():
        for package, per_os in packages.items():
            for os_name, cmds in per_os.items():
                for variant, cmd in cmds.items():
                    where = f"{release.get('version')} {page} {package} {os_name} {variant}"
                    if isinstance(cmd, str):
                        yield where, "command", cmd
                        continue
                    yield where, "command", str(cmd.get("text", ""))
                    if cmd.get("note"):
                        yield where, "note", str(cmd["note"])
                    for arch, text in cmd.get("arch", {}).items():
                        yield f"{where} {arch}", "command", str(text)


def problems(doc: Mapping[str, Any]) -> list[str]:
    """Everything in a releases document that torchdoctor must not print (at most LIMIT)."""
    out: list[str] = []
    for release in doc.get("releases", []):
        for where, kind, text in _commands(release):
            found = command_problem(text) if kind == "command" else text_problem(text)
            if found:
                out.append(f"{where}: {found}")
        for os_name, table in release.get("variants", {}).items():
            for variant, url in table.items():
                found = url_problem(str(url))
                if found:
                    out.append(f"{release.get('version')} {os_name} {variant}: {found}")
        if len(out) >= LIMIT:
            break
    source = str(doc.get("source_command", ""))
    for url in _URL.findall(source):
        found = url_problem(url)
        if found:
            out.append(f"source command: {found}")
    if text_problem(source):
        out.append("source command: control characters")
    return out[:LIMIT]
