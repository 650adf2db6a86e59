"""Errors that cross layers. Each becomes one line on stderr and an exit code at the CLI edge."""

from __future__ import annotations


class TorchdoctorError(Exception):
    """A failure the user can act on; its message is one plain line."""

    exit_code = 2


class UsageError(TorchdoctorError):
    """Bad flags, bad values, or input that cannot be read: exit 2."""

    exit_code = 2
