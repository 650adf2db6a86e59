"""torchdoctor in CI services: what a job shows beyond the log.

`github` speaks GitHub Actions' workflow commands (annotations, the job summary, step outputs);
`check` uses it under GitHub Actions. `action` is the body of the composite action (`action.yml`
at the repository root): `python -m torchdoctor.ci.action` reads the action's inputs, runs
`torchdoctor check` once, and sets the step's outputs.
"""

from __future__ import annotations
