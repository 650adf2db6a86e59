"""Helpers for the install-command tests: an in-process runner of the real CLI."""

from __future__ import annotations

from collections.abc import Callable

import pytest

CliResult = tuple[int, str, str]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run `torchdoctor ARGS…` in-process through the real entry point: (exit code, out, err)."""

    def run(*args: str) -> CliResult:
        from torchdoctor.cli import main

        with pytest.raises(SystemExit) as exc:
            main(list(args))
        out, err = capsys.readouterr()
        code = exc.value.code
        return (code if isinstance(code, int) else (0 if code is None else 1)), out, err

    return run
