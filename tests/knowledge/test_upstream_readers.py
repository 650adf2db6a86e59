"""The package's readers of pytorch.org's own files (torchdoctor.knowledge.build.upstream): they
read the kept upstream copies, and refuse what does not have the shape they read with one line."""

from __future__ import annotations

import json
from typing import Any

import pytest
import upstream_text

from torchdoctor.knowledge.build import BuildError, upstream

HTML = "<!DOCTYPE html><html><body>502 Bad Gateway</body></html>"


def test_the_selector_data_and_its_labels() -> None:
    found = upstream.read_published(upstream_text.PUBLISHED_VERSIONS.read_text("utf-8"))
    assert found["latest_stable"] == "2.13.0"
    labels = found["versions"]["2.13.0"]["compute_labels_inferred"]
    module = upstream_text.version_map()["release"]
    # the labels inferred from URLs agree with the live module's version_map for the stable
    expected = {slot: "CPU" if variant == "cpu" else
                f"CUDA {int(variant[2:-1])}.{variant[-1]}" if variant.startswith("cu") else
                "ROCm " + variant.removeprefix("rocm") for slot, variant in module.items()}
    assert labels == expected


def test_the_previous_versions_page_matches_the_second_opinion() -> None:
    text = upstream_text.PREVIOUS_VERSIONS.read_text("utf-8")
    rows = upstream.read_previous(text)["rows"]
    ours = {(r["version"], r["os"], r["package_manager"], r["compute_platform"].replace(
        "default", "cpu"), "\n".join(r["commands"])) for r in rows if r["commands"]}
    theirs = {(e.torch, os_name, e.package, e.compute, e.text)
              for e in upstream_text.previous_versions_entries() if e.compute
              for os_name in e.oses}
    assert theirs <= ours
    assert len(ours) == len(theirs)


def test_the_module_cells() -> None:
    module = upstream.read_module(upstream_text.module_source())
    assert module["stable"] == "2.13.0"
    assert len(module["entries"]) == len(upstream_text.module_commands())


def test_release_md_matrix() -> None:
    text = ("# Releasing\n\n## Release Compatibility Matrix\n\n| PyTorch version | Python | C++ |\n"
            "| --- | --- | --- |\n| 2.15 | >=3.11, <=(3.15, 3.15t experimental) | C++20 |\n"
            "| 2.5 | >=3.9, <=3.12, (3.13 experimental) | C++17 |\n\n## Release Cadence\n"
            "| 2.16 | Nov | Dec |\n")
    rows = upstream.read_release_md(text)
    assert rows == {"2.15": {"min": "3.11", "max": "3.15", "experimental": [],
                             "free_threaded": ["3.15"]},
                    "2.5": {"min": "3.9", "max": "3.12", "experimental": ["3.13"],
                            "free_threaded": []}}


def _published(change: Any) -> str:
    doc = json.loads(upstream_text.PUBLISHED_VERSIONS.read_text("utf-8"))
    change(doc)
    return json.dumps(doc)


@pytest.mark.parametrize(("reader", "text", "message"), [
    (upstream.read_published, HTML, "published_versions.json is not JSON (an HTML page?)"),
    (upstream.read_published, "[]", "published_versions.json: the document is list"),
    (upstream.read_published, _published(lambda d: d["versions"].update({"2.16.0;rm": {}})),
     "published_versions.json: '2.16.0;rm' is not a release number"),
    (upstream.read_published, _published(lambda d: d["versions"].pop("preview")),
     "published_versions.json: no nightly (preview) entry"),
    (upstream.read_published,
     _published(lambda d: d["versions"]["2.13.0"]["linux"]["pip"]["accnone"].update(command=1)),
     "published_versions.json: 2.13.0.linux.pip.accnone.command is int, expected str"),
    (upstream.read_module, HTML, "assets/quick-start-module.js has no selector data"),
    (upstream.read_previous, HTML, "previous-versions.md has no release sections"),
    (upstream.read_release_md, HTML, "RELEASE.md has no 'Release Compatibility Matrix' section"),
    (upstream.read_matrices, '{"release": {}, "nightly": {"linux": [{}]}}',
     "releases.json: a nightly.linux row's type is NoneType, expected str"),
    (upstream.read_platforms, '{"platforms": {}}',
     "additional-platforms.json: platforms.xpu is NoneType, expected dict"),
])
def test_a_file_of_the_wrong_shape_is_one_line(reader: Any, text: str, message: str) -> None:
    with pytest.raises(BuildError) as caught:
        reader(text)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
