"""How much `check --no-verify` costs on top of `detect` (issue 4: at most 0.1 s more).

Runs each command several times in this process group, alternating them so that machine noise
hits both alike, and prints medians, the difference and ratios against `python -c pass`.

    python bench/bench_check.py [--runs 9]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass (baseline)": [sys.executable, "-c", "pass"],
    "torchdoctor detect --json": [sys.executable, "-m", "torchdoctor", "detect", "--json"],
    "torchdoctor check --no-verify --json": [
        sys.executable, "-m", "torchdoctor", "check", "--no-verify", "--json",
    ],
}


def _time(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for argv in COMMANDS.values():  # warm the file cache once
        _time(argv)
    for _ in range(args.runs):
        for name, argv in COMMANDS.items():
            samples[name].append(_time(argv))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    baseline = medians["python -c pass (baseline)"]
    print(f"{'command':42} {'median s':>9} {'x baseline':>11}")
    for name, value in medians.items():
        print(f"{name:42} {value:9.3f} {value / baseline:11.1f}")
    detect = medians["torchdoctor detect --json"]
    check = medians["torchdoctor check --no-verify --json"]
    extra = check - detect
    verdict = "meets" if extra <= 0.1 else "MISSES"
    print(f"\ncheck --no-verify - detect = {extra * 1000:.0f} ms ({verdict} the 100 ms target)")


if __name__ == "__main__":
    main()
