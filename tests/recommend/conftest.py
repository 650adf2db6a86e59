"""Shared fixture of the recommendation tests: the package's knowledge (builders: rec_facts)."""

from __future__ import annotations

import pytest

from torchdoctor import knowledge
from torchdoctor.knowledge import Knowledge


@pytest.fixture(scope="session")
def k() -> Knowledge:
    return knowledge.load()
