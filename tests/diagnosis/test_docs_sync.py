"""docs/problems.md and the catalogue stay in step: every class of the product's problem-class list
maps to a code, every code has its section, and the table agrees with the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

from torchdoctor.catalogue import CATALOG

DOC = Path(__file__).resolve().parents[2] / "docs" / "problems.md"

# The classes of the product's problem-class list (spec: problem-classes.md), in its order.
SPEC_CLASSES = (
    "cpu_build_on_gpu_host", "index_resolution_cpu_wheel", "gpu_arch_not_in_wheel",
    "gpu_arch_dropped_from_wheel", "gpu_too_old_for_any_wheel", "python_version_unsupported",
    "python_32bit", "platform_no_wheels", "freethreaded_abi_mismatch", "glibc_too_old",
    "jetson_requires_jetpack_wheel", "no_cuda_on_macos",
    "driver_too_old", "driver_library_mismatch", "cuda_broken_after_suspend",
    "container_without_gpu_access", "wsl1_no_gpu", "wsl_libcuda_not_found",
    "windows_dll_dependency_missing", "numpy_abi_incompatible",
    "ld_library_path_shadows_cuda_libs", "torchvision_torch_mismatch", "multiple_torch_installs",
    "user_site_shadowing", "wrong_interpreter", "conda_pytorch_channel_discontinued",
    "conda_cpu_variant_selected", "cuda_visible_devices_hides_gpus",
    "torch_shadowed_by_local_file",
    "mps_macos_too_old", "x86_python_on_apple_silicon",
    "rocm_gfx_unsupported", "rocm_device_permissions", "rocm_windows_unsupported",
    "xpu_cpu_build", "xpu_runtime_load_failure",
    "low_disk_space", "low_memory_install", "cpu_missing_avx",
    "knowledge_stale", "probe_failed",
)


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def _class_table() -> dict[str, set[str]]:
    rows = re.findall(r"^\| ([a-z0-9_]+) \| (`[^|]+`) \|", _text(), re.MULTILINE)
    return {cls: set(re.findall(r"`([a-z0-9-]+)`", codes)) for cls, codes in rows}


def _sections() -> dict[str, str]:
    parts = re.split(r"^### `([a-z0-9-]+)`\n", _text(), flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_spec_class_has_a_code_in_the_catalogue() -> None:
    covered = {k.problem_class for k in CATALOG.values() if k.problem_class}
    assert covered == set(SPEC_CLASSES)


def test_the_table_maps_every_class_to_its_codes() -> None:
    table = _class_table()
    assert list(table) == list(SPEC_CLASSES)
    for cls, codes in table.items():
        expected = {k.code for k in CATALOG.values() if k.problem_class == cls}
        assert codes == expected, cls


def test_the_table_names_each_default_severity() -> None:
    for line in _text().splitlines():
        match = re.match(r"^\| ([a-z0-9_]+) \| (`[^|]+`) \| ([a-z, ]+) \|", line)
        if match:
            codes = re.findall(r"`([a-z0-9-]+)`", match.group(2))
            shown = [s.strip() for s in match.group(3).split(",")]
            assert shown == [CATALOG[c].severity.value for c in codes], line


def test_every_code_has_one_section_with_class_severity_example_and_fix() -> None:
    sections = _sections()
    assert set(sections) == set(CATALOG), set(sections) ^ set(CATALOG)
    assert len(re.findall(r"^### `", _text(), re.MULTILINE)) == len(sections)
    for code, body in sections.items():
        kind = CATALOG[code]
        assert f"**Class:** {kind.problem_class or '—'} " in body, code
        assert f"**Default severity:** {kind.severity.value} " in body, code
        assert "*Example:*" in body, code
        assert "*Fix:*" in body, code


def test_codes_are_kebab_case() -> None:
    for code in CATALOG:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code), code
