"""What `check --deep` costs on top of `import torch` (issue 11: at most +5 s, CPU build).

    python bench/bench_deep.py [--runs 5] [--python PATH]

Runs, round-robin so that machine noise hits all of them alike (A B C D A B C D ...):

- `python -I -c "import torch"` in the target: the baseline;
- the same plus one `torch.compile` of a tiny function (the floor of any check that compiles:
  torch's own import of Dynamo and Inductor and its compile, measured here for comparison);
- `torchdoctor check --json` (the default verification);
- `torchdoctor check --deep --json`;
- the same with `CXX` naming no compiler, so that torch.compile is not run on the CPU (its stage
  is unknown): what the rest of the deep verification costs.

Prints medians, each as a ratio and a difference against the baseline of the same run, the
target's verdict, and where the deep run's time goes (the median duration of each stage, and the
torch.compile worker's own time). The interpreter running this script must have torch installed
unless --python names one that has. One cold run of each command comes first and is not counted
(file cache; Inductor's compile cache, which `check --deep` fills on a machine's first run).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from precompile import compile_torchdoctor

TARGET_S = 5.0
COMPILE_ONE = (
    "import torch\n"
    "f = torch.compile(lambda x: torch.sin(x) * 2.0 + x, fullgraph=True, dynamic=False)\n"
    "f(torch.randn(256, 256))\n"
)


NO_COMPILER = "torchdoctor check --deep, no C++ compiler"


def _commands(python: str) -> dict[str, list[str]]:
    td = [sys.executable, "-m", "torchdoctor", "check", "--json", "--python", python]
    return {
        'python -I -c "import torch" (baseline)': [python, "-I", "-c", "import torch"],
        "import torch + one torch.compile": [python, "-I", "-c", COMPILE_ONE],
        "torchdoctor check --json": td,
        "torchdoctor check --deep --json": [*td, "--deep"],
        NO_COMPILER: [*td, "--deep"],
    }


def _run(argv: list[str], name: str) -> tuple[float, str]:
    env = dict(os.environ, CXX="no-such-compiler") if name == NO_COMPILER else None
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False,
                          env=env)
    return time.perf_counter() - start, done.stdout


def _stage_times(doc: dict[str, Any]) -> dict[str, float]:
    verify = doc.get("verify") or {}
    found = {s["name"]: float(s.get("duration_s") or 0.0) for s in verify.get("stages", [])}
    compile_stage = next((s for s in verify.get("stages", []) if s["name"] == "compile"), None)
    if compile_stage is not None:
        results = compile_stage["data"].get("results") or [{}]
        found["(compile worker, cpu)"] = float(results[0].get("seconds") or 0.0)
    return found


def main() -> int:
    compile_torchdoctor()
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--python", default=sys.executable, help="target interpreter")
    args = parser.parse_args()
    commands = _commands(args.python)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    stages: dict[str, list[float]] = {}
    statuses: list[str] = []
    for name, argv in commands.items():  # cold runs: file cache, Inductor's cache
        _run(argv, name)
    for index in range(args.runs):
        for name, argv in commands.items():
            elapsed, out = _run(argv, name)
            samples[name].append(elapsed)
            if name == "torchdoctor check --deep --json":
                doc = json.loads(out)
                statuses.append(f"{doc['status']} (exit {doc['exit_code']})")
                for stage, seconds in _stage_times(doc).items():
                    stages.setdefault(stage, []).append(seconds)
        print(f"run {index + 1}: " + " · ".join(
            f"{name.split(' (')[0]} {values[-1]:.2f} s" for name, values in samples.items()),
            flush=True)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    baseline = next(iter(medians.values()))
    print()
    print(f"medians of {args.runs} interleaved runs ({sys.platform}, target {args.python})")
    print(f"{'command':44} {'median s':>9} {'x baseline':>11} {'+ s':>7}")
    for name, value in medians.items():
        print(f"{name:44} {value:9.2f} {value / baseline:10.2f}× {value - baseline:+7.2f}")
    extra = medians["torchdoctor check --deep --json"] - baseline
    floor = medians["import torch + one torch.compile"] - baseline
    rest = medians[NO_COMPILER] - baseline
    print()
    print(f"check --deep - import torch = {extra:+.2f} s (target ≤ +{TARGET_S:g} s: "
          f"{'met' if extra <= TARGET_S else 'NOT met'}); one torch.compile alone costs "
          f"{floor:+.2f} s over import torch; without torch.compile check --deep costs "
          f"{rest:+.2f} s")
    print(f"check --deep verdicts: {', '.join(sorted(set(statuses)))}")
    print()
    print("where the deep run's time goes (median seconds per stage; the compile worker runs "
          "beside the stages before compile):")
    for stage, values in stages.items():
        print(f"  {stage:28} {statistics.median(values):6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
