"""Fixtures of the diagnosis tests; the facts builder lives in diag_facts.py."""

from __future__ import annotations

import pytest

from torchdoctor import knowledge as knowledge_pkg
from torchdoctor.knowledge import Knowledge


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    """The release knowledge shipped in the package (the rules' real input)."""
    return knowledge_pkg.load()
