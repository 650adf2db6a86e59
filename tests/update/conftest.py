"""Fixtures of the update tests: a real HTTP server on 127.0.0.1 (http_site.py), a fresh knowledge
cache per test, and the kept upstream files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from http_site import Site, serving
from site_data import upstream_files


@pytest.fixture
def site() -> Iterator[Site]:
    """A server on 127.0.0.1, serving nothing until the test fills its table."""
    with serving() as running:
        yield running


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty knowledge cache for this test (in-process runs and the processes it starts)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("TORCHDOCTOR_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def upstream() -> dict[str, str]:
    """The kept upstream files, in the site layout."""
    return upstream_files()
