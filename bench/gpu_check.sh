#!/usr/bin/env bash
# GPU smoke check for a CUDA machine that already has torch: installs nothing, changes nothing.
#
#   bash bench/gpu_check.sh            # uses $PYTHON, else python3
#
# 1. `torchdoctor check --expect cuda --json`, 2. a full `torchdoctor verify --json` with the CPU
#    vs GPU benchmark, 3. `torchdoctor verify --deep --json` (training, cuDNN, linalg, autocast,
#    torch.compile, NCCL, per-dtype GFLOP/s, copy bandwidth, the out-of-bounds index),
# 4. bench/bench_verify.py (3 interleaved runs: cost against `import torch`, GFLOP/s against
#    torch.utils.benchmark),
# 5. `torchdoctor dist --json` under torchrun with one rank per GPU (NCCL; bus bandwidth up to
#    1 GiB), when torchdoctor is importable by $PYTHON (torchrun starts `$PYTHON -m torchdoctor`),
# 6. a short table, printed last, with the deep run's results and the busbw of each collective at
#    its largest size. Takes about three to five minutes.
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

echo "== verify --deep"
timeout 400 "${VERIFY[@]}" --deep --json --verify-timeout 360 --python "$PY" >"$OUT/deep.json"
echo "exit code: $?"

echo "== bench/bench_verify.py"
timeout 300 "$PY" bench/bench_verify.py --repeats 3 --python "$PY" || echo "bench failed: $?"

echo "== dist (one rank per GPU, NCCL)"
: >"$OUT/dist.json"
NGPU="$("$PY" -c 'import torch; print(torch.cuda.device_count())' 2>/dev/null || echo 0)"
if ! "$PY" -c 'import torchdoctor' 2>/dev/null; then
  echo "skipped: torchrun starts \`$PY -m torchdoctor\`, and $PY cannot import torchdoctor"
elif [ "${NGPU:-0}" -lt 1 ]; then
  echo "skipped: torch sees no GPU"
else
  timeout 600 "$PY" -m torch.distributed.run --standalone --nproc-per-node "$NGPU" \
    -m torchdoctor dist --json --max-size 1G --timeout 120 >"$OUT/dist.json"
  echo "dist exit code ($NGPU ranks): $?"
fi

echo
echo "== summary"
"$PY" - "$OUT/verify.json" "$OUT/expect.json" "$OUT/dist.json" "$OUT/deep.json" <<'PYEOF'
import json, sys

def load(path):
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return {}

verify = load(sys.argv[1])
expect = load(sys.argv[2])
dist_doc = load(sys.argv[3])
deep = load(sys.argv[4])
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
dist = dist_doc.get("dist") or {}
if dist:
    rows.append(("dist", f"{dist['world_size']} ranks · {dist['backend']} · "
                 f"{dist_doc.get('status')} (exit {dist_doc.get('exit_code')})"))
    largest = {}
    for p in dist["bandwidth"]:
        if p["size_bytes"] >= largest.get(p["collective"], {}).get("size_bytes", 0):
            largest[p["collective"]] = p
    for name, p in largest.items():
        rows.append((f"{name} busbw", f"{p['busbw_gbps']:.1f} GB/s at {p['size_bytes'] >> 20} MiB "
                     f"(algbw {p['algbw_gbps']:.1f} GB/s)"))
    if not largest:
        rows.append(("busbw", "not measured (one GPU: nothing travels between ranks)"))
if deep:
    dstages = {s["name"]: s for s in deep["verify"]["stages"]}

    def entries(name, key="results"):
        return dstages.get(name, {}).get("data", {}).get(key) or []

    def states(name):
        found = {}
        for e in entries(name):
            found.setdefault(e.get("device"), []).append(e.get("status"))
        return ", ".join(f"{d} {'/'.join(s)}" for d, s in found.items()) or dstages.get(
            name, {}).get("status", "-")

    train = [e for e in entries("training") if e.get("device") != "cpu"]
    cudnn = dstages.get("convolution", {}).get("data", {}).get("cudnn") or {}
    rows += [
        ("deep status", f"{deep.get('status')} (exit {deep.get('exit_code')}): "
                        + (", ".join(p["code"] for p in deep.get("problems", [])) or "no problem")),
        ("training", "; ".join(f"{e['device']} {e['status']} loss "
                               f"{e.get('losses', ['?'])[0]:.3g}->{e.get('losses', ['?'])[-1]:.3g}"
                               f" vs CPU {e.get('diff_vs_cpu', '?')}" for e in train) or states(
                                   "training")),
        ("cuDNN built/loaded", f"{cudnn.get('compiled')} / {cudnn.get('runtime')}"),
        ("conv, linalg", f"{states('convolution')}; {states('linalg')}"),
        ("autocast", states("autocast")),
        ("compile", "; ".join(f"{e['device']} {e['status']} "
                              f"({e.get('reason') or '%.1f s' % (e.get('seconds') or 0)})"
                              for e in entries("compile"))),
        ("NCCL", str(dstages.get("nccl", {}).get("data", {}).get("version"))),
        ("companion ops", states("companion_ops")),
        ("GFLOP/s by dtype", "; ".join(f"{e['device']} {e['dtype']} {e.get('gflops', 0):.0f}"
                                       for e in entries("throughput", "matmul"))),
        ("copy GB/s", "; ".join(f"{e['device']} {e['copy']} {e.get('gb_s', 0):.1f}"
                                for e in entries("throughput", "copy"))),
        ("out-of-bounds index", "; ".join(f"{e['device']} {e.get('raised') or e.get('reason')}"
                                          for e in entries("device_errors")) or "-"),
    ]
width = max(len(k) for k, _ in rows)
for key, value in rows:
    print(f"{key:<{width}}  {value}")
PYEOF
