"""What `torchdoctor dist` measures and costs on this machine: torchrun starts N ranks (gloo on
the CPU, NCCL on GPUs), and each run's bus bandwidth per collective and size is collected.

Prints, per rank count, the median over the runs of each (collective, size) point (time, algbw,
busbw) and the median wall time of the whole torchrun, with and without each rank's own
verification. The interpreter running this script must have torch and torchdoctor.

    python bench/bench_dist.py [--ranks 2 4] [--runs 3] [--max-size 16M]
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


def _run(ranks: int, *args: str) -> tuple[float, dict[str, Any]]:
    argv = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node",
            str(ranks), "-m", "torchdoctor", "dist", "--json", *args]
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    try:
        document: dict[str, Any] = json.loads(proc.stdout)
    except ValueError:
        sys.exit(f"no JSON from {' '.join(argv)}:\n{proc.stderr[-2000:]}")
    return took, document


def main() -> None:
    compile_torchdoctor()
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--ranks", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-size", default="16M")
    args = parser.parse_args()
    for ranks in args.ranks:
        walls: list[float] = []
        verified: list[float] = []
        points: dict[tuple[str, int], list[dict[str, float]]] = {}
        status = set()
        for _ in range(args.runs):
            took, document = _run(ranks, "--no-verify", "--max-size", args.max_size)
            walls.append(took)
            status.add(document["status"])
            for p in document["dist"]["bandwidth"]:
                points.setdefault((p["collective"], p["size_bytes"]), []).append(p)
            verified.append(_run(ranks, "--no-bench")[0])
        backend = document["dist"]["backend"]
        print(f"\n{ranks} ranks ({backend}), {args.runs} runs, status {', '.join(sorted(status))}")
        print(f"  wall: {statistics.median(walls):.1f} s with bandwidth, no verification; "
              f"{statistics.median(verified):.1f} s with verification, no bandwidth")
        print(f"  {'collective':<15}{'size':>10}{'time':>12}{'algbw':>12}{'busbw':>12}")
        for (collective, size), found in points.items():
            def mid(key: str, found: list[dict[str, float]] = found) -> float:
                return statistics.median(p[key] for p in found)

            print(f"  {collective:<15}{size / 2**20:>8g} MiB{mid('seconds') * 1e3:>9.2f} ms"
                  f"{mid('algbw_gbps'):>7.2f} GB/s{mid('busbw_gbps'):>7.2f} GB/s")


if __name__ == "__main__":
    main()
