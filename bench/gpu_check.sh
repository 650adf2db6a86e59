#!/usr/bin/env bash
# GPU smoke check for a CUDA machine that already has torch: installs nothing, changes nothing.
#
#   bash bench/gpu_check.sh            # uses $PYTHON, else python3
#
# 1. `torchdoctor check --expect cuda --json`, 2. a full `torchdoctor verify --json` with the CPU
#    vs GPU benchmark,
# 3. bench/bench_verify.py (3 interleaved runs: cost against `import torch`, GFLOP/s against
#    torch.utils.benchmark), 4. a short table, printed last. Takes about one to two minutes.
set -uo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-python3}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# The CLI: the console script when installed, else the module.
if command -v torchdoctor >/dev/null 2>&1; then TD=(torchdoctor); else TD=("$PY" -m torchdoctor); fi
VERIFY=("${TD[@]}" verify)

echo "== nvidia-smi"
timeout 20 nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total --format=csv || true


echo "== expect cuda"
timeout 240 "${TD[@]}" check --expect cuda --json --python "$PY" >"$OUT/expect.json"
echo "check exit code: $?"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("status:", d["status"]); [print(" ", p["severity"], p["code"], "-", p["message"]) for p in d["problems"]]' "$OUT/expect.json" || true

echo "== verify (CPU vs GPU benchmark)"
timeout 240 "${VERIFY[@]}" --json --python "$PY" >"$OUT/verify.json"
echo "exit code: $?"

echo "== bench/bench_verify.py"
timeout 300 "$PY" bench/bench_verify.py --repeats 3 --python "$PY" || echo "bench failed: $?"

echo
echo "== summary"
"$PY" - "$OUT/verify.json" "$OUT/expect.json" <<'PYEOF'
import json, sys

def load(path):
    try:
        return json.load(open(path))
    except ValueError:
        return {}

verify = load(sys.argv[1])
expect = load(sys.argv[2])
if not verify:
    sys.exit("verify gave no JSON document; see its output above")
stages = {s["name"]: s for s in verify["verify"]["stages"]}
build = stages["build"]["data"]
devices = [d for d in stages["devices"]["data"].get("devices", []) if d["kind"] != "cpu"]
kernels = stages["kernels"]["data"].get("results", [])
bench = stages["benchmark"]["data"].get("results", [])
cpu = next((r for r in bench if r["device"] == "cpu"), {})
gpu = next((r for r in bench if r["device"] != "cpu"), {})

def kernel_state(device):
    states = [k["status"] for k in kernels if k["device"] == device]
    return "pass" if states and all(s == "ok" for s in states) else ("/".join(states) or "not run")

def rate(r):
    return f"{r['gflops']:.0f} GFLOP/s ({r['n']}²)" if r.get("gflops") else "-"

rows = [
    ("GPU", ", ".join(f"{d['name']} (sm {d.get('capability', '?')})" for d in devices) or "none"),
    ("torch", verify["verify"].get("torch_version") or "-"),
    ("CUDA (build)", str(build.get("cuda"))),
    ("cuDNN", str(build.get("cudnn"))),
    ("kernel check", ", ".join(f"{d['id']} {kernel_state(d['id'])}" for d in devices) or "-"),
    ("--expect cuda", f"{expect.get('status')} (exit {expect.get('exit_code')})"),
    ("CPU GFLOP/s", rate(cpu)),
    ("GPU GFLOP/s", rate(gpu)),
    ("speed-up", f"{gpu['speedup']:.0f}x" if gpu.get("speedup") else "-"),
]
width = max(len(k) for k, _ in rows)
for key, value in rows:
    print(f"{key:<{width}}  {value}")
PYEOF
