"""The one seam between torchdoctor and the outside world.

Every probe reads the machine only through a `Host`: subprocesses (argv lists, always with a
timeout), files, directory listings, environment variables and platform calls. `RealHost` talks to
this machine; tests hand probes a recorded machine instead (see `torchdoctor.recorded`), so every
branch can be exercised on a CPU-only Linux box.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import errno
import os
import platform
import shutil
import signal
import stat
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from torchdoctor import children

# At most this much of any file is read (procfs and sysfs files, package metadata, os-release):
# far more than any of them holds, and a bound on a file that never ends.
READ_CAP = 4_000_000
# Channel files of children still running: removed at exit too, so that a run ended by Ctrl-C
# or SIGTERM (its worker threads never reach their cleanup) leaves no file behind.
_CHANNEL_FILES: set[str] = set()

# Variables that must not leak from torchdoctor's own process into a child Python: they would make
# the child import another interpreter's packages, or defeat isolated mode.
_PYTHON_CHILD_DROP = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "__PYVENV_LAUNCHER__")


@dataclass(frozen=True)
class ProcResult:
    """What one subprocess did. `error` is set when it did not run to a normal end."""

    argv: tuple[str, ...]
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    # "not found", "permission denied", "timed out after 5 s", "killed by signal 11", ...
    error: str | None = None
    timed_out: bool = False
    duration_s: float = 0.0
    # Text the child wrote to its private result channel (see `Host.run_python`).
    channel: str = ""

    @property
    def ok(self) -> bool:
        """True when the process ran and exited with status 0."""
        return self.error is None and self.returncode == 0

    def describe_failure(self) -> str:
        """One line for a "could not check" fact: why this command gave no usable answer."""
        if self.error:
            return f"{self.argv[0]}: {self.error}"
        detail = (self.stderr or self.stdout).strip().splitlines()
        tail = f": {detail[-1][:200]}" if detail else ""
        return f"{self.argv[0]} exited with code {self.returncode}{tail}"


@dataclass(frozen=True)
class PlatformInfo:
    """The platform module's answers for the machine, gathered once."""

    system: str  # platform.system(): "Linux", "Darwin", "Windows"
    release: str  # kernel release / Windows release
    version: str  # platform.version()
    machine: str  # platform.machine(): "x86_64", "aarch64", "arm64", "AMD64"
    node: str  # host name (redacted from reports)
    mac_version: str = ""  # platform.mac_ver()[0]
    libc: tuple[str, str] = ("", "")  # platform.libc_ver() of torchdoctor's own interpreter
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Usage:
    """Total and free bytes (disk) or total and available bytes (memory)."""

    total: int
    free: int


class Host(Protocol):
    """Everything a probe may ask of a machine."""

    @property
    def env(self) -> Mapping[str, str]: ...

    @property
    def platform(self) -> PlatformInfo: ...

    @property
    def executable(self) -> str:
        """The interpreter running torchdoctor: the default target when no env is active."""
        ...

    def run(
        self, argv: Sequence[str], timeout: float, env: Mapping[str, str] | None = None
    ) -> ProcResult:
        """Run argv (never through a shell); on timeout the whole process group is killed."""
        ...

    def run_python(
        self, python: str, script: str, args: Sequence[str], timeout: float
    ) -> ProcResult:
        """Run one of torchdoctor's child scripts (`torchdoctor/_child/<script>`) in isolated mode.

        The child gets a private result channel (a file whose path is passed as `--channel PATH`);
        what it wrote there comes back in `ProcResult.channel`, safe from stray prints.
        """
        ...

    def read_text(self, path: str) -> str:
        """The file's text; raises OSError (FileNotFoundError, PermissionError, ...)."""
        ...

    def list_dir(self, path: str) -> list[str]:
        """Sorted entry names; raises OSError."""
        ...

    def read_link(self, path: str) -> str:
        """The target of a symbolic link; raises OSError."""
        ...

    def exists(self, path: str) -> bool: ...

    def is_dir(self, path: str) -> bool: ...

    def access(self, path: str, mode: int) -> bool:
        """os.access semantics: can the current user read (R_OK) / write (W_OK) it?"""
        ...

    def which(self, name: str) -> str | None: ...

    def disk_usage(self, path: str) -> Usage | None: ...

    def memory(self) -> Usage | None: ...

    def cpu_count(self) -> int | None: ...


def child_script_path(script: str) -> str:
    """Absolute path of a bundled child script."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "_child", script)


def python_child_env(base: Mapping[str, str]) -> dict[str, str]:
    """The environment for a child Python: ours, minus what would redirect its imports."""
    env = {k: v for k, v in base.items() if k not in _PYTHON_CHILD_DROP}
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONSAFEPATH"] = "1"  # never put the working directory first on sys.path
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _start_error(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "not found"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, children.ShuttingDown):
        return "not started: torchdoctor is stopping"
    return f"could not start ({getattr(exc, 'strerror', None) or exc})"


def _signal_name(returncode: int) -> str:
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return str(-returncode)


class RealHost:
    """This machine."""

    def __init__(self) -> None:
        self._platform: PlatformInfo | None = None

    @property
    def env(self) -> Mapping[str, str]:
        return os.environ

    @property
    def executable(self) -> str:
        return sys.executable

    @property
    def platform(self) -> PlatformInfo:
        if self._platform is None:
            self._platform = PlatformInfo(
                system=platform.system(),
                release=platform.release(),
                version=platform.version(),
                machine=platform.machine(),
                node=platform.node(),
                mac_version=platform.mac_ver()[0] if sys.platform == "darwin" else "",
                libc=platform.libc_ver() if sys.platform.startswith("linux") else ("", ""),
            )
        return self._platform

    def run(
        self, argv: Sequence[str], timeout: float, env: Mapping[str, str] | None = None
    ) -> ProcResult:
        return self._run(tuple(argv), timeout, env)

    def run_python(
        self, python: str, script: str, args: Sequence[str], timeout: float
    ) -> ProcResult:
        import tempfile

        try:
            fd, channel_path = tempfile.mkstemp(prefix="torchdoctor-", suffix=".jsonl")
        except OSError:
            # No writable temporary folder (a read-only file system): the channel is a pipe.
            return self._run_python_piped(python, script, args, timeout)
        os.close(fd)
        _CHANNEL_FILES.add(channel_path)
        try:
            argv = (python, "-I", child_script_path(script), "--channel", channel_path, *args)
            result = self._run(argv, timeout, python_child_env(os.environ))
            try:
                with open(channel_path, encoding="utf-8", errors="replace") as handle:
                    channel = handle.read(children.CHANNEL_CAP)
            except OSError:
                channel = ""
        finally:
            _CHANNEL_FILES.discard(channel_path)
            with contextlib.suppress(OSError):
                os.unlink(channel_path)
        return dataclasses.replace(result, channel=channel)

    def _run_python_piped(
        self, python: str, script: str, args: Sequence[str], timeout: float
    ) -> ProcResult:
        argv: tuple[str, ...] = (python, "-I", child_script_path(script), "--channel")
        if os.name != "posix":
            return ProcResult((*argv, *args), error="could not start (no writable temporary "
                              "folder: set TEMP to one)")
        read_end, write_end = os.pipe()
        argv = (*argv, f"/dev/fd/{write_end}", *args)
        return self._run(argv, timeout, python_child_env(os.environ), (read_end, write_end))

    def _run(
        self, argv: tuple[str, ...], timeout: float, env: Mapping[str, str] | None,
        channel_pipe: tuple[int, int] | None = None,
    ) -> ProcResult:
        try:
            ended = children.run(argv, timeout, env, channel_pipe)
        except (OSError, children.ShuttingDown) as exc:
            if channel_pipe:  # the runner closes them once the child started, not before
                for fd in channel_pipe:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            return ProcResult(argv, error=_start_error(exc))
        error = None
        if ended.timed_out:
            error = f"timed out after {timeout:g} s"
        elif ended.returncode is not None and ended.returncode < 0:
            error = f"killed by signal {_signal_name(ended.returncode)}"
        return ProcResult(
            argv,
            returncode=None if ended.timed_out else ended.returncode,
            stdout=ended.stdout,
            stderr=ended.stderr,
            error=error,
            timed_out=ended.timed_out,
            duration_s=ended.duration_s,
            channel=ended.channel,
        )

    def read_text(self, path: str) -> str:
        # A FIFO or a device would block or never end: only regular files (procfs and sysfs
        # files are) are read, and at most READ_CAP characters of them.
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read(READ_CAP)

    def list_dir(self, path: str) -> list[str]:
        return sorted(os.listdir(path))

    def read_link(self, path: str) -> str:
        return os.readlink(path)

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def is_dir(self, path: str) -> bool:
        return os.path.isdir(path)

    def access(self, path: str, mode: int) -> bool:
        return os.access(path, mode)

    def which(self, name: str) -> str | None:
        return shutil.which(name)

    def disk_usage(self, path: str) -> Usage | None:
        try:
            usage = shutil.disk_usage(path)
        except OSError:
            return None
        return Usage(total=usage.total, free=usage.free)

    def memory(self) -> Usage | None:
        if sys.platform.startswith("linux"):
            # /proc/meminfo answers at once; importing psutil costs more than the whole read.
            linux = _linux_memory()
            if linux is not None:
                return linux
        try:
            import psutil

            vm = psutil.virtual_memory()
        except Exception:  # psutil missing or unsupported platform: "could not check"
            return None
        return Usage(total=int(vm.total), free=int(vm.available))

    def cpu_count(self) -> int | None:
        return os.cpu_count()


def _linux_memory() -> Usage | None:
    fields: dict[str, int] = {}
    try:
        with open("/proc/meminfo", encoding="ascii", errors="replace") as handle:
            for line in handle:
                name, _, rest = line.partition(":")
                value = rest.split()
                if value and value[0].isdigit():
                    fields[name] = int(value[0]) * 1024  # kB
    except OSError:
        return None
    if "MemTotal" not in fields or "MemAvailable" not in fields:
        return None
    return Usage(total=fields["MemTotal"], free=fields["MemAvailable"])


@atexit.register
def _remove_channel_files() -> None:
    children.shutdown()  # first: a child still running could write its file again
    for path in list(_CHANNEL_FILES):
        with contextlib.suppress(OSError):
            os.unlink(path)
