"""The typer layer: the only package that imports typer. One module per command; each exposes
`register(app)` and imports only typer and the standard library at load time, so `--help` stays
fast. `run(args, environment)` runs the real CLI in process (tests); `main()` is the console
script."""

from __future__ import annotations

from torchdoctor.cli.app import app, main, run

__all__ = ["app", "main", "run"]
