"""The bundled GPU table (`torchdoctor/data/pci_ids.json`) and the script that builds it.

These tests read the table with plain `json`, not through any torchdoctor loader, so they check the
shipped data itself.
"""

from __future__ import annotations

import importlib.util
import json
import re
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TABLE_PATH = ROOT / "src" / "torchdoctor" / "data" / "pci_ids.json"
RULES_PATH = ROOT / "scripts" / "pci_classify.json"
SCRIPT_PATH = ROOT / "scripts" / "build_pci_ids.py"

_ID = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{4}$")
_CC = re.compile(r"^\d{1,2}\.\d$")
_GFX = re.compile(r"^gfx[0-9a-f]{3,4}$")


@pytest.fixture(scope="module")
def table() -> dict[str, Any]:
    with TABLE_PATH.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_pci_ids", SCRIPT_PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_table_is_packaged_data() -> None:
    packaged = resources.files("torchdoctor").joinpath("data/pci_ids.json")
    assert json.loads(packaged.read_text(encoding="utf-8"))["schema_version"] == 1


def test_schema(table: dict[str, Any]) -> None:
    assert set(table) == {"schema_version", "source", "vendors", "devices"}
    assert table["schema_version"] == 1
    assert table["source"].startswith("pci.ids ")
    assert table["vendors"] == {"10de": "NVIDIA", "1002": "AMD", "8086": "Intel", "106b": "Apple"}
    assert len(table["devices"]) > 1000
    for key, entry in table["devices"].items():
        assert _ID.match(key), key
        assert key.split(":")[0] in table["vendors"], key
        assert isinstance(entry["name"], str), key
        assert entry["name"], key
        assert entry["kind"] in {"discrete", "integrated"}, key
        assert set(entry) <= {"name", "kind", "arch", "cc", "gfx", "xpu"}, key
        if "cc" in entry:
            assert _CC.match(entry["cc"]), key
        if "gfx" in entry:
            assert _GFX.match(entry["gfx"]), key
        if "xpu" in entry:
            assert isinstance(entry["xpu"], bool), key


def test_only_gpu_class_entries(table: dict[str, Any]) -> None:
    noise = re.compile(r"Audio|USB|UCSI|NVSwitch|SMBus|UART|SPI|I2C|HECI|eSPI|Thunderbolt|Root")
    assert not [k for k, e in table["devices"].items() if noise.search(e["name"])]


def test_table_is_small() -> None:
    assert TABLE_PATH.stat().st_size < 500_000


@pytest.mark.parametrize(
    ("pci_id", "field", "value"),
    [
        ("10de:2684", "cc", "8.9"),  # GeForce RTX 4090
        ("10de:2b85", "cc", "12.0"),  # GeForce RTX 5090
        ("10de:1b80", "cc", "6.1"),  # GeForce GTX 1080
        ("10de:15f8", "cc", "6.0"),  # Tesla P100 (GP100)
        ("10de:1db4", "cc", "7.0"),  # Tesla V100
        ("10de:1e04", "cc", "7.5"),  # GeForce RTX 2080 Ti
        ("10de:20b0", "cc", "8.0"),  # A100 SXM4 40GB
        ("10de:2206", "cc", "8.6"),  # GeForce RTX 3080
        ("10de:2504", "cc", "8.6"),  # GeForce RTX 3060 LHR
        ("10de:2330", "cc", "9.0"),  # H100 SXM5 80GB
        ("10de:2342", "cc", "9.0"),  # GH200
        ("10de:2901", "cc", "10.0"),  # B200
        ("10de:31c2", "cc", "10.3"),  # GB300
        ("10de:2e12", "cc", "12.1"),  # GB10 (DGX Spark)
        ("10de:2786", "cc", "8.9"),  # GeForce RTX 4070
        ("1002:744c", "gfx", "gfx1100"),  # RX 7900 XT/XTX
        ("1002:73df", "gfx", "gfx1031"),  # RX 6700 XT
        ("1002:73bf", "gfx", "gfx1030"),  # RX 6800/6900
        ("1002:7550", "gfx", "gfx1201"),  # RX 9070
        ("1002:74a1", "gfx", "gfx942"),  # MI300X
        ("1002:75a3", "gfx", "gfx950"),  # MI355X
        ("1002:740f", "gfx", "gfx90a"),  # MI210
        ("1002:15bf", "gfx", "gfx1103"),  # Phoenix1 (780M)
        ("8086:56a0", "xpu", True),  # Arc A770
        ("8086:e20b", "xpu", True),  # Arc B580
        ("8086:0bd5", "xpu", True),  # Data Center GPU Max 1550
        ("8086:7d55", "xpu", True),  # Meteor Lake Arc Graphics
        ("8086:4680", "xpu", False),  # Alder Lake-S UHD 770
        ("8086:9a49", "xpu", False),  # Tiger Lake Iris Xe
    ],
)
def test_known_ids(table: dict[str, Any], pci_id: str, field: str, value: object) -> None:
    assert table["devices"][pci_id][field] == value


@pytest.mark.parametrize(
    ("pci_id", "kind"),
    [
        ("10de:2684", "discrete"),
        ("10de:2e12", "integrated"),
        ("1002:744c", "discrete"),
        ("1002:15bf", "integrated"),
        ("8086:56a0", "discrete"),
        ("8086:4680", "integrated"),
    ],
)
def test_kind(table: dict[str, Any], pci_id: str, kind: str) -> None:
    assert table["devices"][pci_id]["kind"] == kind


def test_rules_file_is_well_formed() -> None:
    rules = json.loads(RULES_PATH.read_text(encoding="utf-8"))
    assert set(rules["rules"]) <= set(rules["vendors"])
    for vendor, vendor_rules in rules["rules"].items():
        for rule in vendor_rules:
            re.compile(rule["match"])
            assert rule["kind"] in {"discrete", "integrated"}, (vendor, rule)
        for pattern in rules.get("exclude", {}).get(vendor, []):
            re.compile(pattern)


_PCI_IDS_EXCERPT = """\
#
#\tList of PCI ID's
#
#\tVersion: 2099.01.01
#\tDate:    2099-01-01 00:00:00
#
1002  Advanced Micro Devices, Inc. [AMD/ATI]
\t73df  Navi 22 [Radeon RX 6700/6700 XT/6750 XT / 6800M/6850M XT]
\tab28  Navi 21/23 HDMI/DP Audio Controller
10de  NVIDIA Corporation
\t1b80  GP104 [GeForce GTX 1080]
\t\t1043 8591  GeForce GTX 1080
\t10f0  GP104 High Definition Audio Controller
\t2b85  GB202 [GeForce RTX 5090]
8086  Intel Corporation
\t4680  Alder Lake-S GT1 [UHD Graphics 770]
\t7e7d  Meteor Lake-P Serial IO SPI Controller #0
\t56a0  DG2 [Arc A770]
C 03  Display controller
\t00  VGA compatible controller
"""


def test_builder_on_an_excerpt(builder: ModuleType, table: dict[str, Any]) -> None:
    rules = json.loads(RULES_PATH.read_text(encoding="utf-8"))
    built = builder.build(_PCI_IDS_EXCERPT, rules)
    assert built["source"] == "pci.ids 2099.01.01 (2099-01-01 00:00:00)"
    assert sorted(built["devices"]) == [
        "1002:73df",
        "10de:1b80",
        "10de:2b85",
        "8086:4680",
        "8086:56a0",
    ]
    # The same rules gave the shipped table: every excerpt entry matches it field for field.
    for key, entry in built["devices"].items():
        assert entry == table["devices"][key]
    # What `render` writes reads back as the same object.
    assert json.loads(builder.render(built)) == built
