"""Build torchdoctor's shipped release knowledge from the pytorch.org reference data folder.

    python scripts/build_knowledge.py PYTORCH_ORG_DIR [--out DIR] [--golden FILE] [--extra FILE]

PYTORCH_ORG_DIR holds copies of pytorch.org's own files (published_versions.json,
quick-start-module.js, previous-versions.md, releases.json,
additional-platforms.platforms-only.json), the PyTorchKR compatibility page
version-compatibility.md (release dates, pins, RELEASE.md's Python matrix) and SOURCES.md (their
dates). Hand-maintained facts come from scripts/knowledge_extra.json. Writes releases.json,
cuda.json, rocm.json and a copy of the extra facts (which `torchdoctor update` merges into what it
learns) to src/torchdoctor/data/, and the golden file of expected commands to
tests/golden/install_commands.json. The building itself is the package's
(`torchdoctor.knowledge.build`), shared with `torchdoctor update`. docs/knowledge.md describes
the format.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from torchdoctor.knowledge.build import (  # noqa: E402
    BuildError,
    Inputs,
    Options,
    build,
    hardware,
    upstream,
)
from torchdoctor.knowledge.build.tables import parse_kr, parse_release_matrix  # noqa: E402

SOURCES = {
    "selector": "pytorch.org Start Locally selector: published_versions.json and releases.json of "
                "pytorch/pytorch.github.io @5d83345 (via PyTorchKR/pytorch.kr @18c5ce48)",
    "previous-versions": "pytorch.org Previous PyTorch Versions page "
                         "(_get_started/previous-versions.md, same snapshot)",
    "additional-platforms": "pytorch.org additional-platforms.json @f681b6db "
                            "(generated 2026-07-28)",
    "compatibility": "pytorch/pytorch RELEASE.md matrix (Python ranges 1.12+, as copied in "
                     "_get_started/version-compatibility.md of PyTorchKR/pytorch.kr @18c5ce48) "
                     "and that page's own table (dates, pins)",
    "extra": "scripts/knowledge_extra.json (hand-maintained; each table names its source)",
}


def knowledge_date(folder: Path, platforms: dict[str, Any]) -> str:
    """The date of the newest snapshot among the sources."""
    dates = re.findall(r"\b20\d\d-\d\d-\d\d\b", (folder / "SOURCES.md").read_text(encoding="utf-8"))
    return max([*dates, platforms["generated_at"][:10]])


def inputs_from(folder: Path) -> Inputs:
    """The reference folder's files, parsed."""
    def text(name: str) -> str:
        return (folder / name).read_text(encoding="utf-8")

    compat = text("version-compatibility.md")
    return Inputs(
        published=upstream.read_published(text("published_versions.json")),
        previous=upstream.read_previous(text("previous-versions.md")),
        module=upstream.read_module(text("quick-start-module.js")),
        matrices=upstream.read_matrices(text("releases.json")),
        platforms=upstream.read_platforms(text("additional-platforms.platforms-only.json")),
        release_matrix=parse_release_matrix(compat), kr=parse_kr(compat))


def write(path: Path, data: Any, *, pretty: bool) -> None:
    """Write JSON deterministically (compact for the package, indented for the golden file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=1 if pretty else None,
                      separators=None if pretty else (",", ":"))
    path.write_text(text + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Build torchdoctor's release knowledge.")
    parser.add_argument("reference", type=Path, help="the pytorch.org reference data folder")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "torchdoctor" / "data")
    parser.add_argument("--golden", type=Path,
                        default=ROOT / "tests" / "golden" / "install_commands.json")
    parser.add_argument("--extra", type=Path,
                        default=Path(__file__).resolve().parent / "knowledge_extra.json")
    args = parser.parse_args(argv)
    extra_text = args.extra.read_text(encoding="utf-8")
    extra = json.loads(extra_text)
    try:
        inputs = inputs_from(args.reference)
        date = knowledge_date(args.reference, inputs.platforms or {})
        built = build(inputs, extra, Options(date=date, sources=SOURCES))
    except BuildError as exc:
        raise SystemExit(f"build_knowledge: {exc}") from None
    doc, golden = built.doc, built.golden
    cuda, rocm = hardware(extra)
    write(args.out / "releases.json", doc, pretty=False)
    write(args.out / "cuda.json", cuda, pretty=True)
    write(args.out / "rocm.json", rocm, pretty=True)
    (args.out / "knowledge_extra.json").write_text(extra_text, encoding="utf-8")
    args.golden.parent.mkdir(parents=True, exist_ok=True)
    lines = ",\n".join(json.dumps(e, ensure_ascii=False, sort_keys=True) for e in golden)
    args.golden.write_text(f'{{"knowledge_date": "{doc["knowledge_date"]}",\n"entries": [\n'
                           f"{lines}\n]}}\n", encoding="utf-8")
    print(f"{len(doc['releases'])} releases, {len(golden)} golden entries, knowledge date "
          f"{doc['knowledge_date']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
