"""Building the release knowledge from pytorch.org's files: shared by `scripts/build_knowledge.py`
(the shipped data) and `torchdoctor update` (the user's cache).

`upstream` reads the files, `tables` holds the pure rules (Python ranges, architectures, PyPI
defaults, hardware tables), `assemble` puts them together into `releases.json`.
"""

from __future__ import annotations

from torchdoctor.knowledge.build.assemble import Built, Inputs, Options, build
from torchdoctor.knowledge.build.tables import BuildError, hardware

__all__ = ["BuildError", "Built", "Inputs", "Options", "build", "hardware"]
