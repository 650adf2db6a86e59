"""A recorded machine: a `Host` that answers from captured files instead of the real system.

A recording is a folder:

- `machine.json` — platform answers, environment variables, `which` results, memory, disk,
  cpu count, access rights, symbolic links, the interpreter running torchdoctor (`executable`),
  all optional but `platform`, for example::

      {"platform": {"system": "Linux", "release": "6.8.0-45-generic", "machine": "x86_64",
                    "version": "#45-Ubuntu SMP", "node": "lab-07", "libc": ["glibc", "2.39"]},
       "env": {"PATH": "/usr/bin:/bin", "HOME": "/home/ada"},
       "which": {"nvidia-smi": "/usr/bin/nvidia-smi"},
       "memory": {"total": 67108864000, "free": 50000000000},
       "disk": {"/": {"total": 500000000000, "free": 120000000000}},
       "cpu_count": 16,
       "access": {"/dev/kfd": ["r", "w"]},
       "links": {"/sys/bus/pci/devices/0000:01:00.0/driver": "../../../bus/pci/drivers/nvidia"}}

- `files/` — captured files at their absolute path below it (`files/proc/driver/nvidia/version`,
  `files/sys/bus/pci/devices/0000:01:00.0/vendor`); a Windows path `C:\\x\\y` lives at
  `files/C/x/y`.
  A file named `NAME.unreadable` stands for an unreadable `NAME` (PermissionError).
- `commands.json` — a list of recorded runs: `{"argv": [...], "stdout": "...", "stderr": "",
  "returncode": 0}`; `"stdout_file": "nvidia-smi.txt"` reads stdout from `commands/`; `"hang": true`
  reports a timeout at once, as if the caller's timeout had passed; `"error": "not found"`
  fails to start.
  argv[0] matches by its base name when the recording gives no directory.
- `python.json` — child-script runs by script name: `{"probe_target.py": {"channel": "...",
  "stdout": "", "returncode": 0}}` (or `"channel_file"`, `"hang"`, `"error"` as above).

Anything not recorded behaves as absent: a missing file raises FileNotFoundError, an unrecorded
command is "not found". Unrecorded commands are kept in `unexpected` so tests can assert on them.
"""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from torchdoctor.host import PlatformInfo, ProcResult, Usage


class RecordedHost:
    """A `Host` that replays a recorded machine folder."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        machine = _load_json(self.folder / "machine.json", {})
        plat = dict(machine.get("platform", {}))
        libc = plat.pop("libc", ["", ""])
        self._executable = str(machine.get("executable", "/usr/bin/python3"))
        self._platform = PlatformInfo(
            system=plat.get("system", "Linux"),
            release=plat.get("release", ""),
            version=plat.get("version", ""),
            machine=plat.get("machine", "x86_64"),
            node=plat.get("node", "recorded-host"),
            mac_version=plat.get("mac_version", ""),
            libc=(str(libc[0]), str(libc[1])),
            extra={k: str(v) for k, v in plat.get("extra", {}).items()},
        )
        self._env: dict[str, str] = {k: str(v) for k, v in machine.get("env", {}).items()}
        self._which: dict[str, str] = dict(machine.get("which", {}))
        self._memory = machine.get("memory")
        self._disk: dict[str, Any] = dict(machine.get("disk", {}))
        self._cpu_count = machine.get("cpu_count")
        self._access: dict[str, list[str]] = dict(machine.get("access", {}))
        self._links: dict[str, str] = dict(machine.get("links", {}))
        self._commands: list[dict[str, Any]] = _load_json(self.folder / "commands.json", [])
        self._python: dict[str, dict[str, Any]] = _load_json(self.folder / "python.json", {})
        self.unexpected: list[tuple[str, ...]] = []

    # -- Host protocol -------------------------------------------------------------------------

    @property
    def env(self) -> Mapping[str, str]:
        return self._env

    @property
    def platform(self) -> PlatformInfo:
        return self._platform

    @property
    def executable(self) -> str:
        return self._executable

    def run(
        self, argv: Sequence[str], timeout: float, env: Mapping[str, str] | None = None
    ) -> ProcResult:
        key = tuple(argv)
        for entry in self._commands:
            if _argv_matches(entry.get("argv", []), key):
                return self._replay(key, entry, timeout)
        self.unexpected.append(key)
        return ProcResult(key, error="not found")

    def run_python(
        self, python: str, script: str, args: Sequence[str], timeout: float
    ) -> ProcResult:
        argv = (python, "-I", script, *args)
        entry = self._python.get(script)
        if entry is None:
            self.unexpected.append(argv)
            return ProcResult(argv, error="not found")
        return self._replay(argv, entry, timeout)

    def read_text(self, path: str) -> str:
        local = self._local(path)
        if Path(str(local) + ".unreadable").exists():
            raise PermissionError(13, "Permission denied", path)
        if not local.is_file():
            raise FileNotFoundError(2, "No such file or directory", path)
        return local.read_text(encoding="utf-8", errors="replace")

    def list_dir(self, path: str) -> list[str]:
        local = self._local(path)
        if not local.is_dir():
            raise FileNotFoundError(2, "No such file or directory", path)
        names = {p.name.removesuffix(".unreadable") for p in local.iterdir()}
        names.update(
            posixpath.basename(link)
            for link in self._links
            if posixpath.dirname(link) == path.rstrip("/")
        )
        return sorted(names)

    def read_link(self, path: str) -> str:
        if path in self._links:
            return self._links[path]
        raise OSError(22, "Invalid argument", path)

    def exists(self, path: str) -> bool:
        local = self._local(path)
        return (
            local.exists()
            or Path(str(local) + ".unreadable").exists()
            or path in self._links
            or path in self._access
        )

    def is_dir(self, path: str) -> bool:
        return self._local(path).is_dir()

    def access(self, path: str, mode: int) -> bool:
        if path in self._access:
            granted = set(self._access[path])
            wanted = {"r"} if mode & os.R_OK else set()
            if mode & os.W_OK:
                wanted.add("w")
            return wanted <= granted
        return self.exists(path) and not Path(str(self._local(path)) + ".unreadable").exists()

    def which(self, name: str) -> str | None:
        return self._which.get(name)

    def disk_usage(self, path: str) -> Usage | None:
        # The longest recorded mount point that contains the path answers for it.
        best = None
        for mount, usage in self._disk.items():
            if (path == mount or path.startswith(mount.rstrip("/") + "/")) and (
                best is None or len(mount) > len(best[0])
            ):
                best = (mount, usage)
        if best is None:
            return None
        return Usage(total=int(best[1]["total"]), free=int(best[1]["free"]))

    def memory(self) -> Usage | None:
        if not self._memory:
            return None
        return Usage(total=int(self._memory["total"]), free=int(self._memory["free"]))

    def cpu_count(self) -> int | None:
        return int(self._cpu_count) if self._cpu_count is not None else None

    # -- helpers -------------------------------------------------------------------------------

    def _local(self, path: str) -> Path:
        normalised = path.replace("\\", "/")
        if len(normalised) >= 2 and normalised[1] == ":":  # C:/x -> C/x
            normalised = normalised[0] + normalised[2:]
        return self.folder / "files" / normalised.lstrip("/")

    def _replay(
        self, argv: tuple[str, ...], entry: Mapping[str, Any], timeout: float
    ) -> ProcResult:
        if entry.get("hang"):
            # What a hung command ends as, at once: tests of timeouts need no real waiting.
            return ProcResult(
                argv, error=f"timed out after {timeout:g} s", timed_out=True, duration_s=timeout
            )
        if entry.get("error"):
            return ProcResult(argv, error=str(entry["error"]))
        returncode = int(entry.get("returncode", 0))
        error = f"killed by signal {entry['signal']}" if entry.get("signal") else None
        return ProcResult(
            argv,
            returncode=returncode,
            stdout=self._text(entry, "stdout"),
            stderr=self._text(entry, "stderr"),
            error=error,
            channel=self._text(entry, "channel"),
        )

    def _text(self, entry: Mapping[str, Any], name: str) -> str:
        if f"{name}_file" in entry:
            path = self.folder / "commands" / str(entry[f"{name}_file"])
            return path.read_text(encoding="utf-8", errors="replace")
        return str(entry.get(name, ""))


def _argv_matches(recorded: Sequence[str], actual: tuple[str, ...]) -> bool:
    if len(recorded) != len(actual) or not recorded:
        return False
    head = recorded[0]
    head_ok = head == actual[0] or (
        "/" not in head and "\\" not in head and _basename(actual[0]) == head
    )
    return head_ok and tuple(recorded[1:]) == actual[1:]


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _load_json(path: Path, default: Any) -> Any:
    if not path.exists():
        return default
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)
