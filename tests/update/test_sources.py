"""The URLs `torchdoctor update` reads: the site branch's raw files and pytorch/pytorch's
RELEASE.md by default, the same layout under `--url`; optional files may be absent."""

from __future__ import annotations

import pytest

from torchdoctor.update.fetch import Fetcher, Missing
from torchdoctor.update.sources import from_url

SITE = "https://raw.githubusercontent.com/pytorch/pytorch.github.io/site"


def _record(monkeypatch: pytest.MonkeyPatch, absent: tuple[str, ...] = ()) -> list[str]:
    asked: list[str] = []

    def text(self: Fetcher, url: str, accept: str = "*/*") -> str:
        asked.append(url)
        if url.endswith(absent):
            raise Missing(f"{url}: HTTP 404 Not Found")
        return "{}"

    monkeypatch.setattr(Fetcher, "text", text)
    return asked


def test_the_default_sources_are_the_repositories_raw_files(
        monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _record(monkeypatch)
    got = from_url(Fetcher(5), None, "2026-11-29")
    assert asked == [f"{SITE}/published_versions.json", f"{SITE}/assets/quick-start-module.js",
                     f"{SITE}/_get_started/previous-versions.md", f"{SITE}/releases.json",
                     f"{SITE}/additional-platforms.json",
                     "https://raw.githubusercontent.com/pytorch/pytorch/main/RELEASE.md"]
    assert (got.origin, got.date, got.absent) == (SITE, "2026-11-29", [])


def test_a_mirror_has_the_same_layout_and_may_lack_the_optional_files(
        monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _record(monkeypatch, absent=("RELEASE.md", "releases.json"))
    got = from_url(Fetcher(5), "https://mirror.example/pytorch.github.io/", "2026-11-29")
    assert asked[0] == "https://mirror.example/pytorch.github.io/published_versions.json"
    assert asked[-1] == "https://mirror.example/pytorch.github.io/RELEASE.md"
    assert got.absent == ["releases.json", "RELEASE.md"]
    assert set(got.texts) == {"published_versions.json", "assets/quick-start-module.js",
                              "_get_started/previous-versions.md", "additional-platforms.json"}
