"""`torchdoctor update` end to end: pytorch.org's files served from a real HTTP server on
127.0.0.1 (`--url`) or read from a folder (`--from`); afterwards every command uses the newer
knowledge and says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cli_support import MACHINES, CliResult, invoke
from http_site import Site
from site_data import (
    BASE,
    DATE,
    MIDDLE,
    NEW,
    NEW_VARIANT,
    newer_files,
    upstream_files,
    write_site,
)

from torchdoctor import knowledge
from torchdoctor.knowledge.loader import DATA_DIR
from torchdoctor.recorded import RecordedHost
from torchdoctor.render.schema import load_schema

OFFLINE = ("--no-validate",)
NEW_COMMAND = ("pip3 install torch torchvision --index-url "
               f"https://download.pytorch.org/whl/{NEW_VARIANT}")
# What the tests expect follows the knowledge torchdoctor ships, whichever release it is at.
SHIPPED = knowledge.load(DATA_DIR)
OLD, OLD_DATE = SHIPPED.stable_version, SHIPPED.knowledge_date
BUNDLED = {"source": "bundled", "date": OLD_DATE, "stable": OLD}


def _stable_command() -> CliResult:
    return invoke("install-command", "--torch", "stable", "--os", "linux", "--arch", "x86_64",
                  "--compute", NEW_VARIANT, "--python-version", "3.12")


def _check() -> dict[str, Any]:
    result = invoke("check", "--no-verify", "--json",
                    host=RecordedHost(MACHINES / "cpu-linux-laptop"))
    document: dict[str, Any] = result.json()
    jsonschema.validate(document, load_schema("report"))
    return document


def _assert_knows_the_new_release(source_date: str) -> None:
    result = _stable_command()
    assert (result.exit_code, result.stdout) == (0, NEW_COMMAND + "\n")
    document = _check()
    assert document["knowledge"] == {"source": "cache", "date": source_date, "stable": NEW}
    knowledge_line = next(c for c in document["checks"] if c["id"] == "knowledge")
    assert f"stable {NEW}" in knowledge_line["summary"]
    assert document["install"]["torch_version"] == NEW


def test_before_an_update_the_new_release_is_unknown(cache: Path) -> None:
    result = _stable_command()
    assert result.exit_code == 2
    assert NEW_VARIANT in result.stderr
    assert _check()["knowledge"] == BUNDLED


def test_update_from_a_url_teaches_every_command_the_new_release(site: Site, cache: Path) -> None:
    base = site.serve(newer_files())
    result = invoke("update", "--url", base, *OFFLINE)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Updated the release knowledge from {base}")
    assert f"  stable: {OLD} → {NEW}" in lines
    assert f"  new releases: {MIDDLE}, {NEW}" in lines
    added = next(line for line in lines if line.startswith(f"  stable {NEW} against {OLD}: new "))
    assert f"{NEW_VARIANT} (linux, windows)" in added
    assert any(line.startswith(f"  CUDA 13.9 ({NEW_VARIANT}): NVIDIA driver ≥ 580 on Linux")
               for line in lines)
    assert "note: PyPI and download.pytorch.org were not asked (--no-validate)" in result.stderr
    k = knowledge.load()
    assert (k.source, k.origin, k.stable_version) == ("cache", base, NEW)
    # fetched over a URL, the knowledge is as of the day it was read
    from torchdoctor.knowledge.cache import today

    _assert_knows_the_new_release(today())
    new = k.release(NEW)
    assert new is not None
    assert (new.python_min, new.python_max) == ("3.11", "3.14")  # releases.json's matrix
    older = k.release(MIDDLE)
    assert older is not None
    assert (older.python_min, older.python_max) == ("3.11", "3.15")  # RELEASE.md's row
    # every release the knowledge had is kept, with the Python range it had (RELEASE.md's 2.13
    # row says <=(3.15, 3.15t experimental): 2.13.0 never had cp315 wheels)
    for release in SHIPPED.releases:
        kept = k.release(release.version)
        assert kept is not None
        assert (kept.python_min, kept.python_max) == (release.python_min, release.python_max)


def test_update_from_a_folder_needs_no_network(tmp_path: Path, cache: Path) -> None:
    folder = write_site(tmp_path / "copy", newer_files())
    result = invoke("update", "--from", str(folder), *OFFLINE)
    assert result.exit_code == 0, result.stderr
    assert f"stable: {OLD} → {NEW}" in result.stdout
    # an imported copy is as old as its files say (additional-platforms.json's generated_at)
    _assert_knows_the_new_release(DATE)
    assert knowledge.load().origin == str(folder)


def test_verbose_commands_name_the_knowledge(tmp_path: Path, cache: Path) -> None:
    invoke("update", "--from", str(write_site(tmp_path / "copy", newer_files())), *OFFLINE)
    result = invoke("install-command", "--torch", "stable", "--os", "linux", "--compute", "cpu",
                    "--python-version", "3.12", "-v")
    assert f"Knowledge: cache knowledge of {DATE} (stable {NEW}) from " in result.stderr
    document = invoke("install-command", "--torch", "stable", "--os", "linux", "--compute",
                      "cpu", "--python-version", "3.12", "--json").json()
    assert document["knowledge"] == {"source": "cache", "date": DATE, "stable": NEW}


def test_the_same_files_reproduce_the_shipped_knowledge(tmp_path: Path, cache: Path) -> None:
    """The upstream copies the shipped knowledge was built from hold nothing new for it (and once
    it is built from newer ones, the kept copies are older knowledge: nothing changes either)."""
    folder = write_site(tmp_path / "copy", upstream_files())
    result = invoke("update", "--from", str(folder), *OFFLINE)
    assert result.exit_code == 0, result.stderr
    if OLD == BASE:
        assert result.stdout.startswith(f"Nothing new at {folder}: the bundled knowledge")
    else:
        assert result.stdout.startswith(f"{folder} holds older knowledge than the bundled")
    assert not (cache / "knowledge.json").exists()
    assert invoke("update", "--from", str(folder), "--check", *OFFLINE).exit_code == 0


def test_check_exits_1_when_newer_knowledge_exists_and_changes_nothing(site: Site,
                                                                      cache: Path) -> None:
    base = site.serve(newer_files())
    result = invoke("update", "--url", base, "--check", *OFFLINE)
    assert result.exit_code == 1
    assert result.stdout.startswith(f"Newer release knowledge at {base}")
    assert f"stable: {OLD} → {NEW}" in result.stdout
    assert not (cache / "knowledge.json").exists()
    assert knowledge.load().source == "bundled"
    assert invoke("update", "--url", base, *OFFLINE).exit_code == 0
    assert invoke("update", "--url", base, "--check", *OFFLINE).exit_code == 0


def test_dry_run_shows_the_changes_and_writes_nothing(site: Site, cache: Path) -> None:
    base = site.serve(newer_files())
    result = invoke("update", "--url", base, "--dry-run", *OFFLINE)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"An update from {base} would change")
    assert f"new releases: {MIDDLE}, {NEW}" in result.stdout
    assert not cache.exists() or not any(cache.iterdir())


def test_json_document(site: Site, cache: Path) -> None:
    base = site.serve(newer_files())
    document = invoke("update", "--url", base, "--json", *OFFLINE).json()
    jsonschema.validate(document, load_schema("update"))
    assert document["status"] == "updated"
    assert document["written"] is True
    assert document["knowledge"]["stable"] == NEW
    assert document["previous_knowledge"] == BUNDLED
    assert f"stable: {OLD} → {NEW}" in document["changes"]


def test_unconfirmed_facts_of_new_releases(tmp_path: Path, cache: Path) -> None:
    """Without RELEASE.md, 2.98.0's Python range is the newest older release's, marked
    unconfirmed with its torchvision pin and date."""
    folder = write_site(tmp_path / "copy", newer_files(release_md=False))
    result = invoke("update", "--from", str(folder), *OFFLINE)
    assert result.exit_code == 0, result.stderr
    newest = SHIPPED.releases[0]
    assert f"{MIDDLE}: no source gives its Python range; assumed {newest.version}'s" \
        in result.stderr
    raw = json.loads((cache / "knowledge.json").read_text(encoding="utf-8"))
    release = next(r for r in raw["releases"]["releases"] if r["version"] == MIDDLE)
    assert release["python"] == [newest.python_min, newest.python_max]
    assert release["unconfirmed"] == ["python", "torchvision", "date"]
    assert f"torch {MIDDLE}: " in result.stdout
    assert "unconfirmed: python, torchvision, date" in result.stdout
    # a second run keeps what is still unconfirmed
    assert invoke("update", "--from", str(folder), *OFFLINE).exit_code == 0
    raw = json.loads((cache / "knowledge.json").read_text(encoding="utf-8"))
    release = next(r for r in raw["releases"]["releases"] if r["version"] == MIDDLE)
    assert release["unconfirmed"] == ["python", "torchvision", "date"]


def _pypi_document(version: str, spec: str, cuda: str) -> bytes:
    return json.dumps({
        "info": {"version": version, "requires_python": spec,
                 "requires_dist": ["filelock", f"cuda-toolkit[cublas]=={cuda}.2; "
                                   'platform_system == "Linux"']},
        "urls": [{"filename": f"torch-{version}-cp312-cp312-manylinux_2_28_x86_64.whl",
                  "upload_time_iso_8601": "2026-12-22T18:00:00.000000Z"}]}).encode()


def test_validators_fill_and_cross_check_new_releases(site: Site, cache: Path) -> None:
    base = site.serve(newer_files(release_md=False))
    site.routes[f"/pypi/torch/{NEW}/json"] = _pypi_document(NEW, ">=3.11", "13.0")
    site.routes[f"/pypi/torch/{MIDDLE}/json"] = _pypi_document(MIDDLE, ">=3.12", "13.2")
    wheels = "".join(f'<a href="/x/torch-{NEW}%2Bcpu-cp3{m}-cp3{m}-manylinux_2_28_x86_64.whl">'
                     f"torch-{NEW}+cpu-cp3{m}-cp3{m}-manylinux_2_28_x86_64.whl</a><br/>"
                     for m in (11, 12, 13, 14))
    site.routes["/whl/cpu/torch/"] = f"<html><body>{wheels}</body></html>".encode()
    result = invoke("update", "--url", base, "--pypi-url", site.base, "--download-url",
                    site.base)
    assert result.exit_code == 0, result.stderr
    assert f"note: {NEW}: released 2026-12-22 (PyPI upload time)" in result.stderr
    assert f"note: {NEW}: PyPI confirms its Linux wheel carries cu130" in result.stderr
    assert (f"note: {MIDDLE}: PyPI's Linux wheel pins CUDA cu132, the selector's bare command "
            "cu130; the selector is kept") in result.stderr
    assert f"note: {MIDDLE}: Python from 3.12 (PyPI says Requires-Python >=3.12)" in result.stderr
    assert f"note: {NEW} cpu: wheels on the index" in result.stderr
    assert f"note: {NEW}: {site.base}/whl/cu126/torch/ lists no wheel of it" in result.stderr
    k = knowledge.load()
    release, middle = k.release(NEW), k.release(MIDDLE)
    assert release is not None
    assert middle is not None
    assert release.date == "2026-12-22"
    assert middle.python_min == "3.12"


def test_validators_that_do_not_answer_are_reported_not_fatal(site: Site, cache: Path) -> None:
    base = site.serve(newer_files())
    result = invoke("update", "--url", base, "--pypi-url", site.base + "/nothing",
                    "--download-url", "https://127.0.0.1:9")
    assert result.exit_code == 0, result.stderr
    assert "note: PyPI was not used (" in result.stderr
    assert "HTTP 404" in result.stderr
    assert "note: download.pytorch.org was not used (" in result.stderr
    assert knowledge.load().stable_version == NEW


@pytest.mark.parametrize(("args", "message"), [
    (("--url", "https://mirror.invalid", "--from", "."),
     "--url and --from exclude each other: give one source"),
    (("--url", "http://mirror.invalid/site"),
     "--url: http://mirror.invalid/site is plain http: torchdoctor update uses HTTPS only"),
    (("--from", "no/such/folder"), "--from no/such/folder: no such folder"),
    (("--timeout", "0"), "--timeout and --max-bytes must be positive"),
])
def test_bad_arguments_exit_2(cache: Path, args: tuple[str, ...], message: str) -> None:
    result = invoke("update", *args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"torchdoctor: error: {message}\n"
