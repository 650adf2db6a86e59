"""The layering of the package, pinned: one path from the CLI through the pipeline to the
renderers, with the outside world reached only through probes behind the Host seam.

Imports under `if TYPE_CHECKING:` are not counted: they load nothing at run time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "torchdoctor"

EDGE = ("torchdoctor.probes", "torchdoctor.host", "torchdoctor.children",
        "torchdoctor.recorded", "torchdoctor.verify.runner")
FRONT = ("torchdoctor.cli", "torchdoctor.pipeline", "torchdoctor.render", "typer", "click",
         "rich")
# module prefix -> what it must never import
RULES: dict[str, tuple[str, ...]] = {
    # The pure core: judged from facts, no I/O, no output.
    "torchdoctor.report": EDGE + FRONT,
    "torchdoctor.catalogue": EDGE + FRONT,
    "torchdoctor.verdict": EDGE + FRONT,
    "torchdoctor.facts": EDGE + FRONT,
    "torchdoctor.knowledge": EDGE + FRONT,
    "torchdoctor.diagnosis": EDGE + FRONT,
    "torchdoctor.recommend": EDGE + FRONT,
    "torchdoctor.install": EDGE + FRONT,
    "torchdoctor.verify.classify": EDGE + FRONT,
    "torchdoctor.verify.classify_deep": EDGE + FRONT,
    "torchdoctor.verify.result": EDGE + FRONT,
    "torchdoctor.verify.outcome": EDGE + FRONT,
    "torchdoctor.verify.describe": EDGE + FRONT,
    "torchdoctor.verify.errors": EDGE + FRONT,
    "torchdoctor.verify.fixes": EDGE + FRONT,
    "torchdoctor.headline": EDGE + FRONT,
    "torchdoctor.expect": EDGE + FRONT,
    # The edge: probes read the machine, they never judge or print.
    "torchdoctor.probes": ("torchdoctor.cli", "torchdoctor.pipeline", "torchdoctor.render",
                           "torchdoctor.diagnosis", "torchdoctor.recommend", "typer", "click",
                           "rich"),
    # The Host seam and the verification's runner reach the machine and nothing above it.
    "torchdoctor.host": ("torchdoctor.cli", "torchdoctor.pipeline", "torchdoctor.render",
                         "torchdoctor.diagnosis", "typer", "click", "rich"),
    "torchdoctor.children": ("torchdoctor.cli", "torchdoctor.pipeline", "torchdoctor.render",
                             "torchdoctor.diagnosis", "torchdoctor.probes", "typer", "click",
                             "rich"),
    "torchdoctor.recorded": ("torchdoctor.cli", "torchdoctor.pipeline", "torchdoctor.render",
                             "torchdoctor.diagnosis", "typer", "click", "rich"),
    "torchdoctor.verify.runner": ("torchdoctor.cli", "torchdoctor.pipeline",
                                  "torchdoctor.render", "typer", "click", "rich"),
    # The network edge: `torchdoctor update` fetches and writes the knowledge cache; it never
    # judges a machine or prints.
    "torchdoctor.update": ("torchdoctor.cli", "torchdoctor.pipeline", "torchdoctor.render",
                           "torchdoctor.diagnosis", "torchdoctor.recommend", "torchdoctor.probes",
                           "typer", "click", "rich"),
    # `dist`: the rank (torch, the store, the verification child) is the edge; the run's values,
    # arithmetic and judgement are pure. `fleet` judges documents already read.
    "torchdoctor.dist": FRONT,
    **{f"torchdoctor.dist.{name}": EDGE + FRONT
       for name in ("model", "answers", "bandwidth", "consistency", "judge", "fixes", "launch")},
    "torchdoctor.fleet": (*EDGE, "torchdoctor.cli", "torchdoctor.render", "typer", "click",
                          "rich"),
    # Renderers print a report; they never read the machine.
    "torchdoctor.render": (*EDGE, "torchdoctor.cli", "torchdoctor.pipeline", "typer", "click"),
    # Below the CLI nothing knows typer.
    "torchdoctor.pipeline": ("torchdoctor.cli", "typer", "click", "rich"),
    "torchdoctor.environment": ("torchdoctor.cli", "typer", "click", "rich"),
    "torchdoctor.documents": ("torchdoctor.cli", "typer", "click", "rich"),
    # CI services' side of a report (GitHub's workflow commands, the action's body): it reads
    # reports and documents and runs torchdoctor itself, never the probes or the typer layer.
    "torchdoctor.ci": (*EDGE, "torchdoctor.cli", "torchdoctor.pipeline", "typer", "click"),
}


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(inner) for inner in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


MODULES = {_module(p): p for p in sorted(PACKAGE.rglob("*.py")) if "_child" not in p.parts}


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_respects_its_layer(module: str) -> None:
    forbidden = next((rule for prefix, rule in sorted(RULES.items(), key=lambda r: -len(r[0]))
                      if _within(module, prefix)), ())
    bad = sorted(name for name in _imports(MODULES[module])
                 if any(_within(name, f) for f in forbidden))
    assert not bad, f"{module} imports {', '.join(bad)}"


def test_only_the_cli_imports_typer_and_click() -> None:
    offenders = sorted(module for module, path in MODULES.items()
                       if not _within(module, "torchdoctor.cli")
                       and any(_within(n, "typer") or _within(n, "click") for n in _imports(path)))
    assert offenders == []


def test_every_module_is_under_a_rule_or_is_the_cli() -> None:
    """A new module lands in a layer: the CLI, or one the rules above name."""
    free = {"torchdoctor", "torchdoctor.__main__", "torchdoctor.errors", "torchdoctor.exitcodes",
            "torchdoctor.envfilter", "torchdoctor.verify"}
    unplaced = sorted(m for m in MODULES if m not in free
                      and not any(_within(m, p) for p in (*RULES, "torchdoctor.cli")))
    assert unplaced == [], "add a layering rule for these modules"


def test_the_rules_catch_a_violation(tmp_path: Path) -> None:
    """The import reader sees an import inside a function, and skips a type-only one."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from torchdoctor.probes import collect_facts\n"
        "def f():\n    from torchdoctor.host import RealHost\n", encoding="utf-8")
    found = _imports(sample)
    assert "torchdoctor.host" in found
    assert "torchdoctor.probes" not in found
