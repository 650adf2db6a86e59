"""Small helpers shared by the probes: time budgets, tolerant file reads, failure wording."""

from __future__ import annotations

import time

from torchdoctor.host import Host, ProcResult


class Budget:
    """One probe's time budget: every subprocess it starts gets only what is left of it."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._deadline = time.monotonic() + timeout

    def left(self) -> float:
        """Seconds left, never below a small floor so a last command still gets a chance."""
        return max(0.05, self._deadline - time.monotonic())

    @property
    def spent(self) -> bool:
        return time.monotonic() >= self._deadline


def read(host: Host, path: str) -> str | None:
    """The file's text, or None when it is missing or unreadable (the caller words the reason)."""
    try:
        return host.read_text(path)
    except OSError:
        return None


def read_or_reason(host: Host, path: str) -> tuple[str | None, str | None]:
    """(text, None) or (None, why): "not found" stays quiet, anything else is worth reporting."""
    try:
        return host.read_text(path), None
    except FileNotFoundError:
        return None, None
    except PermissionError:
        return None, f"{path}: permission denied"
    except OSError as exc:
        return None, f"{path}: {exc.strerror or exc}"


def list_dir(host: Host, path: str) -> list[str]:
    """Entries of a directory, or [] when it is missing or unreadable."""
    try:
        return host.list_dir(path)
    except OSError:
        return []


def failure(result: ProcResult, budget: Budget | None = None) -> str:
    """Why a command gave no usable answer, in the words of the facts ("timed out after 5 s")."""
    name = result.argv[0].replace("\\", "/").rsplit("/", 1)[-1] if result.argv else "command"
    if result.timed_out:
        # The probe's whole timeout reads better than the few seconds that were left of it.
        seconds = budget.timeout if budget is not None else result.duration_s
        return f"{name}: timed out after {seconds:g} s"
    if result.error:
        return f"{name}: {result.error}"
    detail = [
        line.strip() for line in (result.stderr or result.stdout).splitlines() if line.strip()
    ]
    tail = f": {detail[0][:200]}" if detail else ""
    return f"{name}: exit code {result.returncode}{tail}"


def first_line(text: str) -> str:
    """The first non-empty line, stripped."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def join_reasons(*reasons: str | None) -> str | None:
    """Several partial reasons as one line, or None when there are none."""
    kept = [r for r in reasons if r]
    return "; ".join(kept) if kept else None
