"""What `check` costs: on top of `detect` without verification (issue 4: at most +0.1 s), and on
top of `python -c "import torch"` with verification (issue 5: at most +1.5 s, CPU build).

Runs every command several times in this process group, round-robin so that machine noise hits
all of them alike, and prints medians, ratios against `python -c pass`, and the two differences.
The interpreter running this script must have torch installed (it is the target).

    python bench/bench_check.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from precompile import compile_torchdoctor

TD = [sys.executable, "-m", "torchdoctor"]
PY = ["--python", sys.executable]
COMMANDS = {
    "python -c pass (baseline)": [sys.executable, "-c", "pass"],
    'python -c "import torch"': [sys.executable, "-c", "import torch"],
    "torchdoctor detect --json": [*TD, "detect", "--json", *PY],
    "torchdoctor check --no-verify --json": [*TD, "check", "--no-verify", "--json", *PY],
    "torchdoctor check --json": [*TD, "check", "--json", *PY],
}


def _time(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def _verdict(label: str, extra: float, limit: float) -> str:
    met = "meets" if extra <= limit else "MISSES"
    return f"{label} = {extra * 1000:+.0f} ms ({met} the {limit * 1000:.0f} ms target)"


def main() -> None:
    compile_torchdoctor()
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for argv in COMMANDS.values():  # warm the file cache once
        _time(argv)
    for _ in range(args.runs):
        for name, argv in COMMANDS.items():
            samples[name].append(_time(argv))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    baseline = medians["python -c pass (baseline)"]
    print(f"{'command':40} {'median s':>9} {'x baseline':>11}")
    for name, value in medians.items():
        print(f"{name:40} {value:9.3f} {value / baseline:11.1f}")
    print()
    print(_verdict(
        "check --no-verify - detect",
        medians["torchdoctor check --no-verify --json"] - medians["torchdoctor detect --json"],
        0.1,
    ))
    print(_verdict(
        'check - python -c "import torch"',
        medians["torchdoctor check --json"] - medians['python -c "import torch"'],
        1.5,
    ))


if __name__ == "__main__":
    main()
