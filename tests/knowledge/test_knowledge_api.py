"""The knowledge API that diagnosis and recommendation build on."""

from __future__ import annotations

from torchdoctor.knowledge import CudaArchs, load, version_key

EXPECTED_RELEASES = [
    "1.0.0", "1.0.1", "1.1.0", "1.2.0", "1.3.0", "1.3.1", "1.4.0", "1.5.0", "1.5.1", "1.6.0",
    "1.7.0", "1.7.1", "1.8.0", "1.8.1", "1.8.2", "1.9.0", "1.9.1", "1.10.0", "1.10.1", "1.10.2",
    "1.11.0", "1.12.0", "1.12.1", "1.13.0", "1.13.1", "2.0.0", "2.0.1", "2.1.0", "2.1.1", "2.1.2",
    "2.2.0", "2.2.1", "2.2.2", "2.3.0", "2.3.1", "2.4.0", "2.4.1", "2.5.0", "2.5.1", "2.6.0",
    "2.7.0", "2.7.1", "2.8.0", "2.9.0", "2.9.1", "2.10.0", "2.11.0", "2.12.0", "2.12.1", "2.13.0",
]


def test_every_stable_release_newest_first() -> None:
    k = load()
    versions = [r.version for r in k.releases]
    assert versions == sorted(EXPECTED_RELEASES, key=version_key, reverse=True)
    assert k.stable.version == "2.13.0" == k.stable_version
    assert k.nightly.is_nightly
    assert k.release("nightly") is k.nightly
    assert k.release("stable") is k.stable
    assert k.release("2.5.1") is not None
    assert k.release("2.5.3") is None
    assert k.knowledge_date == "2026-07-28"
    assert k.schema_version == 1


def test_every_release_has_python_range_and_pins() -> None:
    for release in load().releases:
        assert version_key(release.python_min) <= version_key(release.python_max)
        assert release.torchvision


def test_python_support() -> None:
    k = load()
    assert k.supports_python(k.stable, "linux", "x86_64", "3.14")
    assert k.supports_python(k.stable, "linux", "x86_64", "3.14t")
    assert not k.supports_python(k.stable, "linux", "x86_64", "3.13t")
    assert not k.supports_python(k.stable, "linux", "x86_64", "3.9")
    assert not k.supports_python(k.stable, "macos", "x86_64", "3.12")  # no Intel Mac wheels
    newest = k.newest_supporting("3.9", "linux", "x86_64")
    assert newest is not None
    assert newest.version == "2.8.0"


def test_variants_and_pypi_default() -> None:
    k = load()
    assert k.variants(k.stable, "linux", "x86_64") == (
        "cpu", "cu126", "cu130", "cu132", "rocm7.1", "rocm7.2", "xpu")
    assert k.variants(k.stable, "linux", "aarch64") == ("cpu", "cu126", "cu130", "cu132")
    assert k.variants(k.stable, "macos", "arm64") == ("cpu",)
    assert k.pypi_default(k.stable, "linux", "x86_64") == "cu130"
    assert k.pypi_default(k.stable, "linux", "aarch64") == "cu130"
    assert k.pypi_default(k.stable, "windows", "x86_64") == "cpu"
    r210 = k.release("2.10.0")
    assert r210 is not None
    assert k.pypi_default(r210, "linux", "x86_64") == "cu128"
    assert k.pypi_default(r210, "linux", "aarch64") == "cpu"
    assert k.stable.variants["linux"]["cu126"] == "https://download.pytorch.org/whl/cu126"
    assert k.nightly.variants["linux"]["cu126"] == "https://download.pytorch.org/whl/nightly/cu126"


def test_hardware_tables() -> None:
    k = load()
    assert k.min_driver("cu130", "linux") == "580"
    assert k.min_driver("cu128", "linux") == "525.60.13"
    assert k.min_driver("cu128", "windows") == "528.33"
    assert k.min_driver("cu118", "linux") == "450.80.02"
    assert k.min_driver("cpu", "linux") is None
    assert k.compute_capabilities("cu126", "linux", "x86_64") == CudaArchs(
        ("5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"), ())
    assert k.compute_capabilities("cu130", "linux", "x86_64").ptx == ("12.0",)  # type: ignore[union-attr]
    assert k.compute_capabilities("cu130", "windows", "x86_64").ptx == ()  # type: ignore[union-attr]
    assert "11.0" in k.compute_capabilities("cu130", "linux", "aarch64").sm  # type: ignore[union-attr]
    assert k.compute_capabilities("cu118", "linux", "x86_64") is None
    assert "gfx1151" in (k.gfx_targets("rocm7.2") or ())
    assert "gfx1151" not in (k.gfx_targets("rocm7.1") or ())
    assert k.gfx_targets("rocm4.2") is None


def test_known_newer_releases() -> None:
    k = load()
    newer = k.newer_release("2.15.0")
    assert newer is not None
    assert newer.requires_python == ">=3.11"
    assert newer.pypi_default_linux_x86_64 == "cu132"
    assert k.is_past_knowledge("2.14.1")
    assert not k.is_past_knowledge("2.13.0")


def test_page_commands() -> None:
    k = load()
    r291 = k.release("2.9.1")
    assert r291 is not None
    entry = r291.command("selector", "pip", "linux", "cu128")
    assert entry is not None
    assert entry.text.startswith("For Linux x86 use:\n")
    assert entry.text_for("aarch64").endswith("/whl/cu128")
    assert r291.command("previous-versions", "conda", "linux", "cu128") is None


def test_load_is_cached() -> None:
    # How fast a load is, bench/bench_startup.py measures (target < 50 ms); here: only once.
    assert load() is load()
