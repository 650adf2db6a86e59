"""Writing the cache safely: one lock per cache directory, and the new file written beside the old
one, read back and validated, then renamed over it (a reader sees the old file or the new one,
never a part of either).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

from torchdoctor.update.fetch import UpdateError

LOCK = "knowledge.lock"


def _try_lock(handle: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


@contextlib.contextmanager
def locked(folder: str, wait: float) -> Iterator[None]:
    """Hold the cache's lock (waiting up to `wait` seconds for another update to finish)."""
    try:
        os.makedirs(folder, exist_ok=True)
        handle = os.open(os.path.join(folder, LOCK), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise UpdateError(f"cannot write the knowledge cache in {folder}: {_why(exc)}") from None
    try:
        deadline = time.monotonic() + wait
        while not _try_lock(handle):
            if time.monotonic() > deadline:
                raise UpdateError(f"another torchdoctor update holds {folder}/{LOCK}; try "
                                  "again when it has finished")
            time.sleep(0.05)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def write_atomic(path: str, document: dict[str, Any], check: Callable[[str], Any]) -> None:
    """Write `document` to `path`: a temporary file in the same folder, read back by `check`
    (which raises when the file is not valid knowledge), then renamed into place."""
    folder = os.path.dirname(path)
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".knowledge-", suffix=".tmp")
    except OSError as exc:
        raise UpdateError(f"cannot write the knowledge cache in {folder}: {_why(exc)}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(document, out, ensure_ascii=False, separators=(",", ":"))
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        check(temporary)
        os.replace(temporary, path)
    except OSError as exc:
        raise UpdateError(f"cannot write the knowledge cache {path}: {_why(exc)}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
