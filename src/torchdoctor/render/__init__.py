"""Renderers of a `Report`: terminal text, the JSON document, Markdown; plus privacy helpers.

Modules are imported one by one (`torchdoctor.render.terminal`, `.json_doc`, `.markdown`,
`.redact`, `.schema`); this package imports nothing, so `--json` runs never load rich.
"""

from __future__ import annotations
