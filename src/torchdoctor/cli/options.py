"""Options shared by several commands, declared once so their spelling, meaning and help are the
same everywhere:

- `--timeout SECONDS` bounds each probe (detection, the target interpreter's inspection), in
  every command: from 0.1 to 600 s;
- `--verify-timeout SECONDS` bounds the whole verification (import, kernels, benchmark); each
  stage gets half of it, at most 60 s, so one slow stage is named: from 1 to 3600 s;
- `--json` prints exactly one JSON document on stdout, in every command;
- `--format text|json|junit|markdown` says what a report command prints, and `--output FILE`
  (repeatable) writes the report to files as well, the terminal keeping the human report;
- `--expect-torch PATTERN` and `--expect-cuda PATTERN` pin the build a run must find.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from torchdoctor.report import EXPECT_CHOICES

if TYPE_CHECKING:
    from torchdoctor.environment import Environment


PythonOption = Annotated[
    str | None,
    typer.Option(
        "--python",
        metavar="PATH",
        help="Target interpreter or environment folder (default: the active venv/conda env, "
        "else this Python).",
    ),
]
ProjectOption = Annotated[
    str | None,
    typer.Option(
        "--project",
        metavar="DIR",
        help="The project folder whose files are read (pyproject.toml, requirements*.txt, "
        "environment.yml, pixi.toml, uv.lock, pixi.lock, poetry.lock; default: the target's "
        "working directory).",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print exactly one JSON document on stdout.")
]
VerboseOption = Annotated[
    int,
    typer.Option("-v", "--verbose", count=True, help="More detail (facts, durations, rationale)."),
]
# The ranges of the time options: a number outside (inf, nan, 1e9, 0, -1) is a usage error.
TIMEOUT_RANGE = (0.1, 600.0)
VERIFY_TIMEOUT_RANGE = (1.0, 3600.0)
BENCH_SECONDS_RANGE = (0.05, 60.0)


def seconds(low: float, high: float) -> Callable[[float], float]:
    """The check of a time option: a finite number of seconds from `low` to `high`."""

    def check(value: float) -> float:
        if not (math.isfinite(value) and low <= value <= high):
            raise typer.BadParameter(
                f"must be a number of seconds from {low:g} to {high:g}, not {value:g}")
        return value

    return check


TimeoutOption = Annotated[
    float,
    typer.Option("--timeout", metavar="SECONDS", callback=seconds(*TIMEOUT_RANGE),
                 help="Timeout for each probe (0.1 to 600 s)."),
]
VerifyTimeoutOption = Annotated[
    float,
    typer.Option(
        "--verify-timeout", metavar="SECONDS", callback=seconds(*VERIFY_TIMEOUT_RANGE),
        help="Timeout for the whole verification (import, kernels, benchmark; 1 to 3600 s); "
        "each stage gets half of it, at most 60 s.",
    ),
]
ExpectOption = Annotated[
    str | None,
    typer.Option(
        "--expect",
        metavar="|".join(EXPECT_CHOICES),
        help="Fail (exit 1) unless this accelerator really works in the target environment.",
    ),
]
StrictOption = Annotated[bool, typer.Option("--strict", help="Warnings fail the run (exit 1).")]
NoVerifyOption = Annotated[
    bool, typer.Option("--no-verify", help="Skip importing torch and running kernels.")
]
NoBenchOption = Annotated[bool, typer.Option("--no-bench", help="Skip the matmul benchmark.")]
DeepOption = Annotated[
    bool,
    typer.Option("--deep", help="Also train a small CNN and check cuDNN conv, linear algebra, "
                 "autocast, torch.compile, torchvision/torchaudio ops, NCCL, per-dtype matmul "
                 "speed and copy bandwidth on every device (slower)."),
]

ExpectTorchOption = Annotated[
    str | None,
    typer.Option(
        "--expect-torch", metavar="PATTERN",
        help="Fail (exit 1) unless the installed torch's version matches, e.g. 2.15.* "
        "(the local tag counts only when the pattern has one: 2.15.*+cu130).",
    ),
]
ExpectCudaOption = Annotated[
    str | None,
    typer.Option(
        "--expect-cuda", metavar="PATTERN",
        help="Fail (exit 1) unless torch is built for this CUDA version, e.g. 13.0 or 12.*.",
    ),
]

# The formats of a report command, and the file name endings that choose one for --output.
FORMATS = ("text", "json", "junit", "markdown")
SUFFIX_FORMATS = {".json": "json", ".xml": "junit", ".md": "markdown", ".markdown": "markdown",
                  ".txt": "text", ".log": "text"}
FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format", metavar="|".join(FORMATS),
        help="What stdout carries: text (report: markdown), json (as --json), junit (JUnit XML "
        "for CI test reports) or markdown. With --output: the files' format instead.",
    ),
]
OutputOption = Annotated[
    list[str] | None,
    typer.Option(
        "--output", metavar="[FORMAT:]FILE",
        help="Also write the report to FILE (repeatable): in FORMAT when given (json:r.json), "
        "else in --format, else as its name says (.json, .xml = JUnit, .md, .txt); stdout "
        "keeps the human report.",
    ),
]


@dataclass(frozen=True)
class Outputs:
    """Where a report command's result goes: stdout's format, and (path, format) files."""

    stdout: str = "text"
    files: tuple[tuple[str, str], ...] = ()


def resolve_outputs(json_flag: bool, fmt: str | None, files: Sequence[str] | None,
                    default: str = "text") -> Outputs:
    """stdout gets `--json`, else (without --output) `--format`, else the command's `default`.
    Each `--output [FORMAT:]FILE` gets its FORMAT, else `--format`, else the format its name
    ends with. ValueError names what cannot be done (a usage error)."""
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if not files:
        if json_flag and fmt not in (None, "json"):
            raise ValueError(f"--json and --format {fmt} ask for two outputs on stdout: "
                             "write one of them to a file with --output FILE")
        return Outputs("json" if json_flag else fmt or default)
    planned = []
    for given in files:
        named, _, rest = given.partition(":")
        path, chosen = (rest, named) if named in FORMATS and rest else (given, fmt)
        chosen = chosen or SUFFIX_FORMATS.get(os.path.splitext(path)[1].lower())
        if chosen is None:
            raise ValueError(f"--output {given}: the name does not say the format; write "
                             f"FORMAT:{given} ({', '.join(FORMATS)}) or add --format")
        planned.append((path, chosen))
    return Outputs("json" if json_flag else default, tuple(planned))


def output_path_error(outputs: Outputs) -> str | None:
    """Why an `--output` file cannot be written, said before the run rather than after it.
    (The files go to the machine torchdoctor runs on, whichever machine the report is of.)"""
    for path, _ in outputs.files:
        folder = os.path.dirname(path) or "."
        if os.path.isdir(path):
            return f"--output {path}: is a folder"
        if not os.path.isdir(folder):
            return f"--output {path}: no such folder: {folder}"
    return None


DEFAULT_TIMEOUT = 5.0
DEFAULT_VERIFY_TIMEOUT = 120.0


def environment(ctx: typer.Context) -> Environment:
    """The environment `run` handed to the command (the real one when the command was registered
    on another app, as the benchmarks do)."""
    from torchdoctor.environment import Environment

    obj = ctx.find_root().obj
    return obj if isinstance(obj, Environment) else Environment.real()


MAX_ERROR_TEXT = 1_000_000  # characters read of a pasted error text: tracebacks are far shorter


def read_error_text(env: Environment, source: str) -> str:
    """The error text from a file or `-` (stdin), at most MAX_ERROR_TEXT characters (the rest is
    not read); DocumentError names what is wrong. Text saved by Windows tools (UTF-8 with BOM,
    UTF-16) is read too."""
    from torchdoctor.documents import DocumentError, decode_text, read_input

    name = "stdin" if source == "-" else source
    try:
        raw = read_input(env, source, MAX_ERROR_TEXT * 4)  # UTF-8: at most 4 bytes a character
    except OSError as exc:
        raise DocumentError(f"{name}: cannot read it ({exc.strerror or exc})") from None
    return decode_text(raw, errors="replace")[:MAX_ERROR_TEXT]


def expect_error(expect: str | None, torch: str | None = None,
                 cuda: str | None = None) -> str | None:
    """Why an `--expect`, `--expect-torch` or `--expect-cuda` value is not accepted, or None."""
    from torchdoctor.expect import pattern_error

    if expect is not None and expect not in EXPECT_CHOICES:
        return f"--expect must be one of {', '.join(EXPECT_CHOICES)}, not {expect!r}"
    return pattern_error("--expect-torch", torch) or pattern_error("--expect-cuda", cuda)


def python_path_error(env: Environment, python: str | None) -> str | None:
    """Why an explicit `--python` cannot be a target at all (a usage error, exit 2), or None.

    `--python` takes an interpreter path, a venv/conda folder or a bare name on PATH; only one
    that leads to no file is refused here. An interpreter that exists but is broken (not
    executable, not Python, Python 2, hangs) is a finding of the report, not a usage error.
    """
    if python is None:
        return None
    from torchdoctor.probes.python import choose_target

    host = env.host
    path, _ = choose_target(host, python)
    if host.exists(path) and not host.is_dir(path):
        return None
    if host.is_dir(python):
        return f"--python: {python} is a folder without an interpreter ({path} does not exist)"
    return f"--python: no such file: {python}"


def project_path_error(env: Environment, project: str | None) -> str | None:
    """Why `--project` cannot be read as a project folder (a usage error, exit 2), or None."""
    if project is None or env.host.is_dir(project):
        return None
    if env.host.exists(project):
        return f"--project: {project} is not a folder"
    return f"--project: no such folder: {project}"
