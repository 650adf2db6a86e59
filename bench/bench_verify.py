"""Benchmark of `torchdoctor verify` (not a test): its cost, and the honesty of its GFLOP/s.

    python bench/bench_verify.py [--repeats 5] [--python PATH] [--bench-seconds 1.0]

1. Cost: the wall time of `torchdoctor verify --json` against `python -I -c "import torch"` in
   the same environment, runs interleaved (A B A B ...) so that drift hits both alike; medians,
   printed as a ratio and a difference. The target of issue 5 is at most +1.5 s. `check` adds
   detection on top of this (measured in its own bench); this script measures `verify` alone.
2. Fidelity: the CPU GFLOP/s that verify reports, against `torch.utils.benchmark.Timer(...)
   .blocked_autorange()` for the same size, dtype and thread count, measured in this process right
   after each verify run. Target: within 15 %.

Needs torch in the interpreter running it (the CPU build of the test extras will do).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from typing import Any

from precompile import compile_torchdoctor


def _verify_argv(python: str) -> list[str]:
    return [sys.executable, "-m", "torchdoctor", "verify", "--python", python]


def _timed(argv: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0,):
        print(f"  ! {argv[:3]}... exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return elapsed, done.stdout


def _timer_gflops(n: int, device: str = "cpu") -> float:
    import torch
    from torch.utils.benchmark import Timer

    # Timer synchronises CUDA itself around each timed block.
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    timer = Timer("a @ b", globals={"a": a, "b": b}, num_threads=torch.get_num_threads())
    measurement = timer.blocked_autorange(min_run_time=1.0)
    return 2.0 * n**3 / measurement.median / 1e9


def main() -> int:
    compile_torchdoctor()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--python", default=sys.executable, help="target interpreter")
    parser.add_argument("--bench-seconds", type=float, default=1.0)
    args = parser.parse_args()
    verify = [*_verify_argv(args.python), "--json", "--bench-seconds", f"{args.bench_seconds:g}"]
    no_bench = [*_verify_argv(args.python), "--json", "--no-bench"]
    baseline = [args.python, "-I", "-c", "import torch"]

    import_s: list[float] = []
    verify_s: list[float] = []
    no_bench_s: list[float] = []
    ratios: list[float] = []
    gpu_ratios: list[float] = []
    _timed(baseline)  # warm the page cache before anything is measured
    for index in range(args.repeats):
        import_s.append(_timed(baseline)[0])
        elapsed, out = _timed(verify)
        verify_s.append(elapsed)
        no_bench_s.append(_timed(no_bench)[0])
        doc: dict[str, Any] = json.loads(out)
        stage = next(s for s in doc["verify"]["stages"] if s["name"] == "benchmark")
        cpu = stage["data"]["results"][0]
        reference = _timer_gflops(int(cpu["n"]))
        ratios.append(cpu["gflops"] / reference)
        for gpu in stage["data"]["results"][1:]:
            if gpu.get("kind") in ("cuda", "rocm") and gpu.get("gflops"):
                gpu_ref = _timer_gflops(int(gpu["n"]), str(gpu["device"]))
                gpu_ratios.append(gpu["gflops"] / gpu_ref)
                print(
                    f"  {gpu['device']} {gpu['n']}² fp32 {gpu['gflops'] / 1000:.1f} TFLOP/s vs "
                    f"Timer {gpu_ref / 1000:.1f} TFLOP/s (speed-up {gpu.get('speedup', 0):.0f}×)"
                )
        print(
            f"run {index + 1}: import {import_s[-1]:.2f} s · verify {elapsed:.2f} s · "
            f"verify --no-bench {no_bench_s[-1]:.2f} s · CPU {cpu['n']}² fp32 "
            f"{cpu['gflops']:.1f} GFLOP/s vs Timer {reference:.1f} GFLOP/s"
        )

    imp, ver, nob = (statistics.median(x) for x in (import_s, verify_s, no_bench_s))
    ratio = statistics.median(ratios)
    print()
    print(f"medians over {args.repeats} interleaved runs ({sys.platform}, torch target "
          f"{args.python})")
    print(f"  python -I -c 'import torch'   {imp:6.2f} s   (baseline, 1.00×)")
    print(f"  torchdoctor verify            {ver:6.2f} s   ({ver / imp:.2f}×, +{ver - imp:.2f} s;"
          f" target ≤ +1.5 s: {'met' if ver - imp <= 1.5 else 'NOT met'})")
    print(f"  torchdoctor verify --no-bench {nob:6.2f} s   ({nob / imp:.2f}×, +{nob - imp:.2f} s)")
    print(f"  CPU GFLOP/s, verify / Timer.blocked_autorange: {ratio:.3f} "
          f"(per run: {', '.join(f'{r:.2f}' for r in ratios)}; target within 15 %: "
          f"{'met' if abs(ratio - 1) <= 0.15 else 'NOT met'})")
    if gpu_ratios:
        gpu_ratio = statistics.median(gpu_ratios)
        print(f"  GPU GFLOP/s, verify / Timer.blocked_autorange: {gpu_ratio:.3f} "
              f"(target within 15 %: {'met' if abs(gpu_ratio - 1) <= 0.15 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
