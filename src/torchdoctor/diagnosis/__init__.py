"""Diagnosis: pure rules over the facts document.

Usage::

    from torchdoctor.diagnosis import diagnose, CHECK_IDS

    checks = diagnose(facts, knowledge.load(), plan)   # tuple[Check, ...] in CHECK_IDS order
    problems = [p for c in checks for p in c.problems]

Each area has its own module (platform, python, nvidia, amd, apple, intel, build = the torch
line, resources, freshness = the knowledge line); `catalog` lists every problem code.
"""

from __future__ import annotations

from torchdoctor.catalogue import CATALOG, ProblemKind, kind
from torchdoctor.diagnosis.engine import CHECK_IDS, diagnose

__all__ = ["CATALOG", "CHECK_IDS", "ProblemKind", "diagnose", "kind"]
