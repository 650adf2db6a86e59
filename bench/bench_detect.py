"""Benchmark `torchdoctor detect --json` (issue 3's speed targets); prints figures, asserts nothing.

Targets: median wall time < 0.3 s; at most 1/4 of `python -m torch.utils.collect_env` in the
same environment; peak memory (max RSS of the child) < 60 MB; a hung probe costs no more than its
timeout. Run it on an otherwise idle machine: the figures are wall-clock medians.

Run: python bench/bench_detect.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from precompile import compile_torchdoctor


def _run(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """(wall seconds, max RSS in MB of this child, exit code), one fresh process per call."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss is the largest child so far (KiB on Linux): only a new maximum is visible.
    return wall, max(after, before) / 1024, proc.returncode


def _median(argv: list[str], repeat: int, env: dict[str, str] | None = None) -> tuple[float, int]:
    walls, code = [], 0
    for _ in range(repeat):
        wall, _rss, code = _run(argv, env)
        walls.append(wall)
    return statistics.median(walls), code


def _peak_rss(argv: list[str]) -> float:
    # A fresh interpreter measures the child alone: RUSAGE_CHILDREN keeps the largest child ever.
    code = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], capture_output=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True)
    return int(out.stdout.strip() or 0) / 1024


def _hung_probe_case(timeout: float) -> float:
    """Wall time of `detect` whose target interpreter hangs, with --timeout `timeout`."""
    with tempfile.TemporaryDirectory() as folder:
        hung = Path(folder) / "python"
        hung.write_text("#!/bin/sh\nsleep 60\n", encoding="utf-8")
        hung.chmod(0o755)
        argv = [
            sys.executable,
            "-m",
            "torchdoctor",
            "detect",
            "--json",
            "--python",
            str(hung),
            "--timeout",
            str(timeout),
        ]
        wall, _rss, _code = _run(argv)
    return wall


def main() -> int:
    compile_torchdoctor()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    detect = [sys.executable, "-m", "torchdoctor", "detect", "--json"]
    collect_env = [sys.executable, "-m", "torch.utils.collect_env"]
    env = dict(os.environ)

    _run(detect)  # warm the file cache once; the medians below are of warm runs
    detect_s, code = _median(detect, args.repeat, env)
    collect_s, collect_code = _median(collect_env, max(3, args.repeat // 3), env)
    rss_mb = _peak_rss(detect)
    hung_timeout = 1.0
    hung_s = _hung_probe_case(hung_timeout)

    print(f"torchdoctor detect --json     median {detect_s:.3f} s  (exit {code}; target < 0.300 s)")
    if collect_code == 0:
        ratio = detect_s / collect_s
        print(f"python -m torch.utils.collect_env median {collect_s:.3f} s")
        print(f"ratio detect / collect_env    {ratio:.2f}  (target <= 0.25)")
    else:
        print("python -m torch.utils.collect_env could not run here (is torch installed?)")
    print(f"peak memory (max RSS)         {rss_mb:.1f} MB  (target < 60 MB)")
    print(
        f"hung target, --timeout {hung_timeout:g}    {hung_s:.3f} s  "
        f"(overhead {hung_s - hung_timeout:+.3f} s over the timeout; target <= +0.5 s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
