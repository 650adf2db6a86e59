"""Where `torchdoctor update` keeps the knowledge it fetched: the user's cache directory.

`TORCHDOCTOR_CACHE_DIR` wins; otherwise the platform's convention (what platformdirs'
`user_cache_dir` gives): `%LOCALAPPDATA%\\torchdoctor\\Cache` on Windows,
`~/Library/Caches/torchdoctor` on macOS, `$XDG_CACHE_HOME/torchdoctor` (default
`~/.cache/torchdoctor`) elsewhere. The knowledge is one file there, `knowledge.json`:
`{"schema_version": 1, "releases": …, "cuda": …, "rocm": …}`, the three shipped documents in one,
so that one rename replaces all of them at once. The environment read is torchdoctor's own
process's: the cache belongs to torchdoctor, not to the target machine a facts document
describes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

ENV_VAR = "TORCHDOCTOR_CACHE_DIR"
FILE = "knowledge.json"


def cache_root(environ: Mapping[str, str] | None = None, platform: str | None = None) -> str:
    """torchdoctor's cache directory (it may not exist yet)."""
    env = os.environ if environ is None else environ
    system = sys.platform if platform is None else platform
    if env.get(ENV_VAR):
        return os.path.abspath(os.path.expanduser(env[ENV_VAR]))
    home = env.get("HOME") or env.get("USERPROFILE") or os.path.expanduser("~")
    if system.startswith("win"):
        base = env.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
        return os.path.join(base, "torchdoctor", "Cache")
    if system == "darwin":
        return os.path.join(home, "Library", "Caches", "torchdoctor")
    xdg = env.get("XDG_CACHE_HOME", "")
    base = xdg if os.path.isabs(xdg) else os.path.join(home, ".cache")
    return os.path.join(base, "torchdoctor")


def knowledge_file(environ: Mapping[str, str] | None = None) -> str:
    """The cached knowledge file (it may not exist)."""
    return os.path.join(cache_root(environ), FILE)


def stamp(path: str) -> tuple[int, int, int] | None:
    """What identifies the file's current version (inode, size, mtime), None when it is missing:
    an update renames a new file into place, so a new stamp means a new read."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


TODAY_VAR = "TORCHDOCTOR_TODAY"


def today(environ: Mapping[str, str] | None = None) -> str:
    """Today's date (YYYY-MM-DD, UTC) as the knowledge's age is measured: `TORCHDOCTOR_TODAY`
    when it holds a date (reproducible runs and tests), else the clock's."""
    import re
    from datetime import datetime, timezone

    env = os.environ if environ is None else environ
    given = env.get(TODAY_VAR, "")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", given):
        return given
    return datetime.now(timezone.utc).date().isoformat()
