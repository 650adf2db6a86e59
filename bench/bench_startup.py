"""Startup benchmark: `torchdoctor --help`, `install-command --help` and knowledge load time.

    python bench/bench_startup.py [--runs N]

Prints the median wall time of several runs of each command next to a `python -c pass` baseline
run the same way (same interpreter, same process group), and the ratio to that baseline; then the
in-process knowledge load time. Targets: each `--help` under 0.3 s, knowledge load under 50 ms.
When a `--help` misses its target, the slowest imports (`python -X importtime`) are listed so the
cause is visible. This is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from precompile import compile_torchdoctor

HELP_TARGET_S = 0.3
LOAD_TARGET_S = 0.05
CLI = "from torchdoctor.cli import main; main({args!r})"
LOAD = ("import time; t = time.perf_counter(); from torchdoctor.knowledge import load; "
        "i = time.perf_counter(); load(); e = time.perf_counter(); print(i - t, e - i)")


def _wall(argv: list[str], runs: int) -> tuple[float, int]:
    """Median wall time of `argv` over `runs` runs, and the last exit code."""
    times, code = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              check=False)
        times.append(time.perf_counter() - start)
        code = done.returncode
    return statistics.median(times), code


def _slowest_imports(code: str, count: int = 12) -> list[tuple[int, str]]:
    """The imports with the largest cumulative time (microseconds) when running `code`."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True,
                          text=True, check=False)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (part.strip() for part in line[len("import time:"):].split("|"))
        rows.append((int(cumulative), name))
    return sorted(rows, reverse=True)[:count]


def main() -> int:
    """Run the benchmark and print its figures."""
    compile_torchdoctor()
    parser = argparse.ArgumentParser(description="torchdoctor startup benchmark")
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    base, _ = _wall([sys.executable, "-c", "pass"], runs)
    print(f"python -c pass (baseline): {base * 1000:7.1f} ms  (median of {runs})")
    for label, args in (("torchdoctor --help", ["--help"]),
                        ("torchdoctor install-command --help", ["install-command", "--help"])):
        code = CLI.format(args=args)
        median, rc = _wall([sys.executable, "-c", code], runs)
        verdict = "ok" if median < HELP_TARGET_S and rc == 0 else "OVER TARGET" if rc == 0 \
            else f"FAILED (exit {rc})"
        print(f"{label}: {median * 1000:7.1f} ms  ({median / base:.1f}x baseline, target "
              f"< {HELP_TARGET_S * 1000:.0f} ms): {verdict}")
        if verdict != "ok":
            print("  slowest imports (cumulative ms):")
            for micros, name in _slowest_imports(code):
                print(f"    {micros / 1000:7.1f}  {name}")
    imports, loads = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", LOAD], capture_output=True, text=True,
                             check=False).stdout.split()
        if len(out) == 2:
            imports.append(float(out[0]))
            loads.append(float(out[1]))
    if loads:
        load_s = statistics.median(loads)
        print(f"knowledge import: {statistics.median(imports) * 1000:7.1f} ms; load(): "
              f"{load_s * 1000:7.1f} ms (target < {LOAD_TARGET_S * 1000:.0f} ms): "
              f"{'ok' if load_s < LOAD_TARGET_S else 'OVER TARGET'}")
    else:
        print("knowledge load: FAILED (see `python -c 'from torchdoctor.knowledge import load; "
              "load()'`)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
