"""torchdoctor as a real process in a hostile place: odd streams, odd variables, a target
interpreter that misbehaves, signals. Every run is bounded (`LIMIT_S`), so a hang fails its test
instead of the suite; every result is checked for a traceback of torchdoctor's own.

The fake target is a venv (made without pip) holding the fake torch of the verification tests
plus hooks driven by variables, so one venv serves many cases:

- `HOSTILE_HANG_STAGE=<stage>`: the verification child hangs in that stage, after starting a
  grandchild (`sleep`) in its process group and writing both pids to `HOSTILE_PIDFILE`;
- `HOSTILE_DAEMON=1`: `import torch` leaves a `sleep` behind that holds stdout and stderr open;
- `HOSTILE_DELETE_SELF=1`: `import torch` deletes the whole venv, interpreter included.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from cli_support import REPO, CliResult

LIMIT_S = 45.0  # no run of torchdoctor may take longer (every timeout given to it is far smaller)
FAKE_TORCH = REPO / "tests" / "verify" / "fake_torch_impl.py"
SITE = f"lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"
# Every case builds its condition with POSIX tools: signals to process groups, `sh` redirections,
# executable scripts on PATH, /dev/zero and /dev/full. Each module is marked with this.
POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="the hostile cases use POSIX tools")

HOOKS = '''
import os as _os, subprocess as _sp, sys as _sys, time as _time


def _note(*pids):
    path = _os.environ["HOSTILE_PIDFILE"]
    with open(path + ".part", "w") as handle:
        handle.write(" ".join(str(p) for p in (_os.getpid(),) + pids))
    _os.replace(path + ".part", path)


def _hang():
    sleeper = _sp.Popen(["sleep", "300"])  # a grandchild, in the child's process group
    _note(sleeper.pid)
    while True:
        _time.sleep(1)


_stage = _os.environ.get("HOSTILE_HANG_STAGE")
if _stage == "import":
    _hang()
elif _stage:
    def _profile(frame, event, arg):
        if event == "call" and frame.f_code.co_name == "stage_" + _stage:
            _sys.setprofile(None)
            _hang()
    _sys.setprofile(_profile)
if _os.environ.get("HOSTILE_DAEMON"):
    _note(_sp.Popen(["sleep", "300"]).pid)  # inherits stdout and stderr: holds them open
if _os.environ.get("HOSTILE_DELETE_SELF"):
    import shutil
    shutil.rmtree(_sys.prefix)
'''


def make_venv(where: Path, *, torch: bool = True, site: Mapping[str, str] | None = None) -> str:
    """A venv at `where` with the fake torch (installed with metadata, as pip would leave it)
    and the hooks; `site` adds files to its site-packages. Returns its interpreter."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True,
                   timeout=60)
    packages = where / SITE
    if torch:
        (packages / "torch").mkdir(parents=True)
        source = FAKE_TORCH.read_text(encoding="utf-8") + "\n_configure()\n" + HOOKS
        (packages / "torch" / "__init__.py").write_text(source, encoding="utf-8")
        info = packages / "torch-2.5.1+cpu.dist-info"
        info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: torch\nVersion: 2.5.1+cpu\n",
                                       encoding="utf-8")
    for name, text in (site or {}).items():
        (packages / name).write_text(text, encoding="utf-8")
    return str(where / "bin" / "python")


def environ(add: Mapping[str, str] | None = None, drop: Sequence[str] = ()) -> dict[str, str]:
    """This process's variables, without an active venv (every test names its target), plus
    `add`, minus `drop`."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "TORCHDOCTOR_DEBUG", *drop)}
    env.update(add or {})
    return env


def command(*args: str) -> list[str]:
    """The argv of `python -m torchdoctor ARGS`."""
    return [sys.executable, "-m", "torchdoctor", *args]


def run(*args: str, env: Mapping[str, str] | None = None, cwd: Path | str | None = None,
        stdin: bytes | None = None, stdin_path: str | None = None,
        timeout: float = LIMIT_S, encoding: str = "utf-8") -> CliResult:
    """Run torchdoctor to its end (within `timeout`) and check that no traceback came out.
    stdin is `stdin` (bytes), else the file `stdin_path`, else empty; the output is decoded
    with `encoding`."""
    with contextlib.ExitStack() as stack:
        source: Any = subprocess.DEVNULL if stdin is None else None
        if stdin_path is not None:
            source = stack.enter_context(open(stdin_path, "rb"))
        proc = subprocess.run(
            command(*args), input=stdin, stdin=source, capture_output=True, timeout=timeout,
            cwd=cwd, env=dict(env) if env is not None else environ(),
        )
    result = CliResult(proc.returncode, proc.stdout.decode(encoding, "replace"),
                       proc.stderr.decode(encoding, "replace"))
    assert_clean(result)
    return result


def shell(script: str, *args: str, env: Mapping[str, str] | None = None,
          timeout: float = LIMIT_S) -> CliResult:
    """Run `sh -c SCRIPT sh python -m torchdoctor ARGS` ("$@" is the torchdoctor command line):
    for redirections only a shell spells plainly (`>&-`, `>/dev/full`, `2>&-`)."""
    proc = subprocess.run(["sh", "-c", script, "sh", *command(*args)], capture_output=True,
                          timeout=timeout, env=dict(env) if env is not None else environ())
    result = CliResult(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                       proc.stderr.decode("utf-8", "replace"))
    assert_clean(result)
    return result


def assert_clean(result: CliResult) -> None:
    """No traceback and no "internal error" on either stream: every failure is one line."""
    for text in (result.stdout, result.stderr):
        assert "Traceback (most recent call last)" not in text, text[-3000:]
        assert "internal error" not in text, text[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("torchdoctor: error")]
    assert len(errors) <= 1, result.stderr


def one_line_error(result: CliResult, code: int = 2) -> str:
    """The one `torchdoctor: error: ...` line of a failed run with exit `code`."""
    assert result.exit_code == code, (result.exit_code, result.stderr[-2000:])
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("torchdoctor: error: "), lines
    return lines[0]


def alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie waiting for a reaper."""
    stat = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").exists():  # Linux: a zombie still answers os.kill
        try:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False
        return state not in ("Z", "X")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_gone(pids: Sequence[int], within: float = 10.0) -> list[int]:
    """The pids still alive after `within` seconds (polling: a killed process takes a moment)."""
    deadline = time.monotonic() + within
    left = [p for p in pids if alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [p for p in left if alive(p)]
    return left


def wait_for_file(path: Path, proc: subprocess.Popen[bytes], within: float = 30.0) -> str:
    """The text of `path` once it appears (the hooks write it atomically)."""
    deadline = time.monotonic() + within
    while not path.exists():
        if proc.poll() is not None:
            _, err = proc.communicate()
            raise AssertionError(f"torchdoctor ended ({proc.returncode}) before {path.name}: "
                                 f"{err.decode(errors='replace')[-2000:]}")
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.02)
    return path.read_text()


def kill_leftovers(pids: Sequence[int]) -> None:
    """Clean up after a failed test: no sleeper may outlive the suite."""
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def path_with(folder: Path) -> str:
    """PATH with `folder` first."""
    return f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"
