"""Build torchdoctor's GPU table (`src/torchdoctor/data/pci_ids.json`) from public PCI id data.

Usage::

    python scripts/build_pci_ids.py PATH/TO/pci.ids            # write the table
    python scripts/build_pci_ids.py PATH/TO/pci.ids --check    # exit 1 if the shipped table differs

`pci.ids` is the PCI ID Repository's list (https://pci-ids.ucw.cz/), shipped by most distributions
(Debian/Ubuntu package `pci.ids` or `hwdata`: `/usr/share/misc/pci.ids` or
`/usr/share/hwdata/pci.ids`). Which devices are kept, and how each is classified (architecture and
compute capability for NVIDIA, gfx target for AMD, discrete/integrated and PyTorch XPU support for
Intel), comes from the hand-maintained rule table `scripts/pci_classify.json`: see its `_doc`.

The output is one JSON object, one device per line so that a refresh diffs readably::

    {"schema_version": 1, "source": "pci.ids 2026.10.24 (2026-10-24 03:15:02)",
     "vendors": {"10de": "NVIDIA", ...},
     "devices": {"10de:2684": {"name": "AD102 [GeForce RTX 4090]", "kind": "discrete",
                               "arch": "Ada Lovelace", "cc": "8.9"}, ...}}

Stdlib only; no network.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
HERE = Path(__file__).resolve().parent
DEFAULT_RULES = HERE / "pci_classify.json"
DEFAULT_OUT = HERE.parent / "src" / "torchdoctor" / "data" / "pci_ids.json"

_VENDOR_LINE = re.compile(r"^([0-9a-fA-F]{4})\s+(.*)$")
_DEVICE_LINE = re.compile(r"^\t([0-9a-fA-F]{4})\s+(.*)$")
_HEADER = re.compile(r"^#\s*(Version|Date):\s*(.+?)\s*$")
# The fields a rule may hand on to an entry, in the order they are written.
_FIELDS = ("kind", "arch", "cc", "gfx", "xpu")


def parse_pci_ids(text: str) -> tuple[dict[str, str], Iterator[tuple[str, str, str]]]:
    """The file's header fields and an iterator of (vendor, device, name), lower-case hex ids.

    Subsystem lines (two tabs) are skipped; parsing stops at the device-class section (`C xx`).
    """
    header: dict[str, str] = {}
    for line in text.splitlines()[:40]:
        match = _HEADER.match(line)
        if match:
            header.setdefault(match.group(1).lower(), match.group(2))

    def devices() -> Iterator[tuple[str, str, str]]:
        vendor: str | None = None
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            if line.startswith("C "):
                return
            vendor_match = _VENDOR_LINE.match(line)
            if vendor_match:
                vendor = vendor_match.group(1).lower()
                continue
            device_match = _DEVICE_LINE.match(line)
            if device_match and vendor is not None:
                yield vendor, device_match.group(1).lower(), device_match.group(2).strip()

    return header, devices()


def classify(name: str, vendor_rules: dict[str, Any]) -> dict[str, Any] | None:
    """The entry for a device name under one vendor's rules; None when it is not a GPU we keep."""
    if any(re.search(pattern, name) for pattern in vendor_rules.get("exclude", [])):
        return None
    required = vendor_rules.get("require")
    if required and not re.search(required, name):
        return None
    for rule in vendor_rules.get("rules", []):
        if re.search(rule["match"], name):
            entry: dict[str, Any] = {"name": name}
            entry.update({field: rule[field] for field in _FIELDS if field in rule})
            return entry
    return None


def build(pci_ids_text: str, rules: dict[str, Any]) -> dict[str, Any]:
    header, devices = parse_pci_ids(pci_ids_text)
    version = header.get("version", "unknown version")
    source = f"pci.ids {version}" + (f" ({header['date']})" if "date" in header else "")
    per_vendor = {
        vendor: {
            "exclude": rules.get("exclude", {}).get(vendor, []),
            "rules": rules.get("rules", {}).get(vendor, []),
            "require": rules.get("require", {}).get(vendor),
        }
        for vendor in rules["vendors"]
    }
    table: dict[str, dict[str, Any]] = {}
    for vendor, device, name in devices:
        if vendor not in per_vendor:
            continue
        entry = classify(name, per_vendor[vendor])
        if entry is not None:
            table[f"{vendor}:{device}"] = entry
    return {
        "schema_version": SCHEMA_VERSION,
        "source": source,
        "vendors": dict(rules["vendors"]),
        "devices": dict(sorted(table.items())),
    }


def render(table: dict[str, Any]) -> str:
    """Deterministic JSON text: compact, one device per line."""
    head = {key: value for key, value in table.items() if key != "devices"}
    lines = ["{"]
    for key, value in head.items():
        lines.append(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    lines.append('"devices": {')
    items = list(table["devices"].items())
    for index, (key, value) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        lines.append(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pci_ids", type=Path, help="path of a pci.ids file")
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES, help="classification rules")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="table to write")
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if --out would change"
    )
    args = parser.parse_args(argv)

    rules = json.loads(args.rules.read_text(encoding="utf-8"))
    text = args.pci_ids.read_text(encoding="utf-8", errors="replace")
    table = build(text, rules)
    rendered = render(table)
    counts: dict[str, int] = {}
    for key in table["devices"]:
        vendor = table["vendors"][key.split(":")[0]]
        counts[vendor] = counts.get(vendor, 0) + 1
    summary = ", ".join(f"{vendor} {count}" for vendor, count in sorted(counts.items()))
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != rendered:
            print(f"{args.out} is out of date ({table['source']}: {summary})", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date ({table['source']}: {summary})")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(rendered, encoding="utf-8")
    size_kb = len(rendered.encode("utf-8")) / 1024
    print(f"wrote {args.out} from {table['source']}: {summary}; {size_kb:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
