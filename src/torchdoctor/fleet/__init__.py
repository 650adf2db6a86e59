"""`torchdoctor fleet`: many nodes' `check --json` (or `dist --json`) documents in one view.

- `nodes`: what one document says about its node(s) (pure);
- `group`: nodes grouped by driver, torch build, GPUs and failing checks; the groups that differ
  from the majority, and the fix of each (pure);
- `read`: the files and folders named on the command line, each bounded like every input.
"""
