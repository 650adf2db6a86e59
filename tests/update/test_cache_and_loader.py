"""Where the cache lives, which knowledge `knowledge.load()` picks, and the HTTP client's
environment (proxies, CA bundles, what it refuses to fetch)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_support import invoke
from http_site import Site
from site_data import NEW, newer_files, write_site

from torchdoctor import knowledge
from torchdoctor.knowledge.cache import cache_root, knowledge_file, today
from torchdoctor.knowledge.loader import DATA_DIR
from torchdoctor.update.fetch import Fetcher, UpdateError, ssl_context, url_refusal


@pytest.mark.parametrize(("platform", "env", "expected"), [
    ("linux", {"HOME": "/home/ada"}, "/home/ada/.cache/torchdoctor"),
    ("linux", {"HOME": "/home/ada", "XDG_CACHE_HOME": "/srv/cache"}, "/srv/cache/torchdoctor"),
    ("linux", {"HOME": "/home/ada", "XDG_CACHE_HOME": "relative"}, "/home/ada/.cache/torchdoctor"),
    ("darwin", {"HOME": "/Users/ada"}, "/Users/ada/Library/Caches/torchdoctor"),
    ("win32", {"USERPROFILE": "C:/Users/ada", "LOCALAPPDATA": "C:/Users/ada/AppData/Local"},
     "C:/Users/ada/AppData/Local/torchdoctor/Cache"),
    ("linux", {"HOME": "/home/ada", "TORCHDOCTOR_CACHE_DIR": "/tmp/td"}, "/tmp/td"),
])
def test_cache_location_follows_the_platform(platform: str, env: dict[str, str],
                                             expected: str) -> None:
    assert cache_root(env, platform).replace("\\", "/") == expected


def test_today_is_pinned_only_by_a_date() -> None:
    assert today({"TORCHDOCTOR_TODAY": "2027-01-02"}) == "2027-01-02"
    assert today({"TORCHDOCTOR_TODAY": "tomorrow"}) != "tomorrow"


def _rewrite(path: Path, text: str) -> None:
    """Replace the cache file as an update does (a new file renamed over it): the loader knows a
    file's version by inode, size and time, and an edit in place may keep all three."""
    fresh = path.with_suffix(".new")
    fresh.write_text(text, encoding="utf-8")
    fresh.replace(path)


def _update_from_folder(tmp_path: Path) -> None:
    folder = write_site(tmp_path / "copy", newer_files())
    assert invoke("update", "--from", str(folder), "--no-validate").exit_code == 0


def test_no_cache_means_the_bundled_knowledge(cache: Path) -> None:
    k = knowledge.load()
    assert (k.source, k.note) == ("bundled", "")


def test_a_corrupt_cache_is_passed_over_and_said(tmp_path: Path, cache: Path) -> None:
    _update_from_folder(tmp_path)
    path = Path(knowledge_file())
    _rewrite(path, path.read_text(encoding="utf-8")[:5000])
    k = knowledge.load()
    assert k.source == "bundled"
    assert k.note.startswith("the cached knowledge was not used: ")
    result = invoke("install-command", "--torch", "stable", "--os", "linux", "--compute", "cpu",
                    "--python-version", "3.12", "-v")
    assert result.exit_code == 0
    shipped = knowledge.load(DATA_DIR)
    assert (f"Knowledge: bundled knowledge of {shipped.knowledge_date} (stable "
            f"{shipped.stable_version}); the cached knowledge was not used: ") in result.stderr


def test_a_cache_that_fails_validation_is_passed_over(tmp_path: Path, cache: Path) -> None:
    _update_from_folder(tmp_path)
    path = Path(knowledge_file())
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    doc["releases"]["stable"] = "9.9.9"
    _rewrite(path, json.dumps(doc))
    k = knowledge.load()
    assert k.source == "bundled"
    assert "the stable version 9.9.9 is not among the releases" in k.note


def test_an_older_cache_loses_to_the_shipped_knowledge(tmp_path: Path, cache: Path) -> None:
    """After torchdoctor itself is upgraded, knowledge it ships that is newer wins."""
    _update_from_folder(tmp_path)
    path = Path(knowledge_file())
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    doc["releases"]["knowledge_date"] = "2000-01-01"
    _rewrite(path, json.dumps(doc))
    assert knowledge.load().source == "bundled"
    doc["releases"]["knowledge_date"] = "2999-12-01"
    _rewrite(path, json.dumps(doc))
    k = knowledge.load()
    assert (k.source, k.stable_version, k.knowledge_date) == ("cache", NEW, "2999-12-01")


@pytest.mark.parametrize(("url", "refusal"), [
    ("https://raw.githubusercontent.com/x", None),
    ("http://127.0.0.1:8000/x", None),
    ("http://[::1]:8000/x", None),
    ("http://localhost/x", None),
    ("http://mirror.example/x", "http://mirror.example/x is plain http: torchdoctor update uses "
                                "HTTPS only"),
    ("file:///etc/passwd", "'file:///etc/passwd' is not an https URL"),
    ("ftp://mirror.example/x", "'ftp://mirror.example/x' is not an https URL"),
])
def test_only_https_and_loopback_are_fetched(url: str, refusal: str | None) -> None:
    assert url_refusal(url) == refusal


def test_loopback_bypasses_the_proxy(site: Site, cache: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy from the environment is used for the internet, never for this machine."""
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    base = site.serve(newer_files())
    result = invoke("update", "--url", base, "--no-validate")
    assert result.exit_code == 0, result.stderr


def test_the_proxy_of_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(UpdateError, match=r"cannot connect: .*(refused|Tunnel)"):
        Fetcher(5).get("https://pytorch-mirror.invalid/published_versions.json")


def test_a_ca_bundle_from_the_environment_is_used(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nnot a certificate\n"
                      "-----END CERTIFICATE-----\n", encoding="utf-8")
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        with pytest.raises(UpdateError, match=f"cannot use the CA bundle {bundle}"):
            ssl_context({name: str(bundle)})
    assert ssl_context({}).verify_mode.name == "CERT_REQUIRED"
