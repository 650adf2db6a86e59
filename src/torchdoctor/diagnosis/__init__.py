"""Diagnosis: pure rules over the facts document.

Usage::

    from torchdoctor.diagnosis import diagnose, CHECK_IDS

    checks = diagnose(facts, knowledge.load(), plan)   # tuple[Check, ...] in CHECK_IDS order
    problems = [p for c in checks for p in c.problems]

Each area has its own module (platform, python, nvidia, amd, apple, intel, build = the torch
line, resources, freshness = the knowledge line), registered in `engine`. A new rule is a function
in its area's module returning problems built with `torchdoctor.catalogue.problem`; a new code
goes in the catalogue and in docs/problems.md.
"""

from __future__ import annotations

from torchdoctor.catalogue import CATALOG, ProblemKind
from torchdoctor.diagnosis.engine import CHECK_IDS, diagnose

__all__ = ["CATALOG", "CHECK_IDS", "ProblemKind", "diagnose"]
