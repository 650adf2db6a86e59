"""What an update changes, in sentences: new releases, the stable, new and dropped variants, Python
ranges, driver minimums, changed commands."""

from __future__ import annotations

import json
from typing import Any

from torchdoctor.knowledge.build.tables import variant_key, vkey
from torchdoctor.knowledge.model import cuda_minor


def _by_version(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["version"]: r for r in doc["releases"]}


def _python(rel: dict[str, Any]) -> str:
    low, high = rel["python"]
    free = ", ".join(f"{p}t" for p in rel.get("free_threaded", []))
    return f"{low}–{high}" + (f" (free-threaded {free})" if free else "")


def _variant_sets(rel: dict[str, Any]) -> dict[str, set[str]]:
    """Variant -> the OSes that have it."""
    out: dict[str, set[str]] = {}
    for os_name, table in rel.get("variants", {}).items():
        for variant in table:
            out.setdefault(variant, set()).add(os_name)
    return out


def _variant_diff(label: str, old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    if old is None:
        return []
    before, after = _variant_sets(old), _variant_sets(new)

    def listed(names: set[str], table: dict[str, set[str]]) -> str:
        return ", ".join(f"{v} ({', '.join(sorted(table[v]))})"
                         for v in sorted(names, key=variant_key))

    added, dropped = set(after) - set(before), set(before) - set(after)
    lines = []
    if added:
        lines.append(f"{label}: new variants {listed(added, after)}")
    if dropped:
        lines.append(f"{label}: dropped variants {listed(dropped, before)}")
    return lines


def _release_line(rel: dict[str, Any]) -> str:
    variants = sorted(_variant_sets(rel), key=variant_key)
    default = rel.get("pypi_default", {}).get("linux-x86_64")
    parts = [f"torch {rel['version']}: Python {_python(rel)}",
             f"variants {', '.join(variants) or 'none'}"]
    if default:
        parts.append(f"PyPI's Linux wheel {default}")
    if rel.get("unconfirmed"):
        parts.append(f"unconfirmed: {', '.join(rel['unconfirmed'])}")
    return "; ".join(parts)


def _drivers(old: dict[str, Any], new: dict[str, Any], cuda: dict[str, Any]) -> list[str]:
    def minors(doc: dict[str, Any]) -> dict[str, str]:
        return {m: v for r in doc["releases"] for t in r["variants"].values() for v in t
                for m in [cuda_minor(v)] if m}

    before, after = minors(old), minors(new)
    lines = []
    for minor in sorted(set(after) - set(before), key=vkey):
        need = cuda["driver_minimums"].get(minor, {})
        lines.append(f"CUDA {minor} ({after[minor]}): NVIDIA driver ≥ {need.get('linux', '?')} "
                     f"on Linux, ≥ {need.get('windows', '?')} on Windows")
    return lines


def describe(old: dict[str, Any], new: dict[str, Any], cuda: dict[str, Any]) -> list[str]:
    """The sentences `torchdoctor update` prints (empty: nothing changed)."""
    before, after = _by_version(old), _by_version(new)
    lines = []
    if old["stable"] != new["stable"]:
        lines.append(f"stable: {old['stable']} → {new['stable']}")
    fresh = sorted((v for v in after if v not in before), key=vkey)
    if fresh:
        lines.append(f"new releases: {', '.join(fresh)}")
        lines.extend(_release_line(after[v]) for v in fresh)
    stable_old, stable_new = before.get(old["stable"]), after[new["stable"]]
    lines.extend(_variant_diff(f"stable {new['stable']} against {old['stable']}", stable_old,
                               stable_new))
    if stable_old is not None and new["stable"] not in fresh and \
            _python(stable_old) != _python(stable_new):
        lines.append(f"torch {new['stable']}: Python {_python(stable_new)} (was "
                     f"{_python(stable_old)})")
    if "nightly" in before:
        lines.extend(_variant_diff("nightly", before["nightly"], after["nightly"]))
        if _python(before["nightly"]) != _python(after["nightly"]):
            lines.append(f"nightly: Python {_python(after['nightly'])} (was "
                         f"{_python(before['nightly'])})")
    lines.extend(_drivers(old, new, cuda))
    changed = [v for v in after if v in before and v != "nightly" and
               json.dumps(after[v], sort_keys=True) != json.dumps(before[v], sort_keys=True)]
    if changed:
        lines.append(f"updated releases: {', '.join(sorted(changed, key=vkey))}")
    return lines
