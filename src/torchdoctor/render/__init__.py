"""Renderers of a `Report`: terminal text, the JSON document, Markdown; plus privacy helpers.

The last layer of the one path: a renderer reads the typed report (and the verdict), never the
machine. Modules are imported one by one (`torchdoctor.render.terminal`, `.json_doc`,
`.markdown`, `.facts_text`, `.redact`, `.schema`); this package imports nothing, so `--json` runs
never load rich. A new output format is a module here that takes a `Report` and its verdict,
chosen in `torchdoctor.cli.output`.
"""

from __future__ import annotations
