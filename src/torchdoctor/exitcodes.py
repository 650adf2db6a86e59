"""The process exit codes: the contract CI jobs rely on (README, `--help`, spec §1)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a torchdoctor run tells its caller through the exit status."""

    OK = 0  # nothing failed (warnings allowed)
    PROBLEMS = 1  # an error-severity problem, `--expect` unmet, or a warning under `--strict`
    USAGE = 2  # usage error, unreadable input, or a stdout that cannot be written (closed, full)
    INCOMPLETE = 3  # a check needed for the verdict could not run, and nothing else failed
    INTERRUPTED = 130  # Ctrl-C, SIGINT, SIGTERM or SIGHUP
    BROKEN_PIPE = 141  # stdout's reader went away (`| head -1`), as for a tool killed by SIGPIPE


EXIT_CODES_HELP = (
    "Exit codes: 0 nothing failed (warnings allowed) · 1 an error-severity problem, "
    "--expect unmet, or a warning under --strict · 2 usage error, unreadable input or "
    "unwritable stdout · 3 incomplete: a needed check could not run · 130 interrupted "
    "(Ctrl-C, SIGTERM) · 141 stdout's reader went away."
)
