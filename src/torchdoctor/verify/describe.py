"""Words for a verification: one line per stage, figures and durations as people read them.

    import    torch 2.13.0+cpu in 2.1 s
    benchmark matmul 1024² fp32: CPU 95 GFLOP/s
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from torchdoctor.verify.result import StageResult, StageStatus

Data = Mapping[str, Any]


def rate(gflops: float) -> str:
    """95 GFLOP/s, 8.4 GFLOP/s, 41.2 TFLOP/s."""
    if gflops >= 1000:
        return f"{gflops / 1000:.1f} TFLOP/s"
    return f"{gflops:.1f} GFLOP/s" if gflops < 10 else f"{gflops:.0f} GFLOP/s"


def seconds(value: float | None) -> str:
    """1.2 s, 35 ms."""
    if value is None:
        return "?"
    return f"{value * 1000:.0f} ms" if value < 0.1 else f"{value:.1f} s"


def benchmark_text(data: Mapping[str, Any]) -> str:
    """matmul 1024² fp32: CPU 95 GFLOP/s · cuda:0 41.2 TFLOP/s (8192², 434×)"""
    results = [r for r in data.get("results", []) if r.get("gflops")]
    if not results:
        return "benchmark gave no figure"
    sizes = {r.get("n") for r in results}
    same = len(sizes) == 1
    head = f"matmul {results[0]['n']}² fp32: " if same else "matmul fp32: "
    items = []
    for r in results:
        extra = [] if same else [f"{r['n']}²"]
        if r.get("speedup"):
            extra.append(f"{r['speedup']:.0f}×" if r["speedup"] >= 10 else f"{r['speedup']:.1f}×")
        tail = f" ({', '.join(extra)})" if extra else ""
        items.append(f"{device_label(str(r['device']))} {rate(float(r['gflops']))}{tail}")
    return head + " · ".join(items)


def device_label(device: str) -> str:
    """"CPU" for the CPU, else the device id ("cuda:0")."""
    return "CPU" if device == "cpu" else device

def _gib(value: object) -> str:
    return f"{float(value) / 2**30:.1f} GiB" if isinstance(value, int | float) else "?"


def _import(data: Data) -> str:
    text = f"torch {data.get('version', '?')} in {float(data.get('seconds') or 0):.1f} s"
    notes = [str(w.get("message", "")) for w in data.get("warnings", [])]
    if any("Failed to initialize NumPy" in n for n in notes):
        text += " · NumPy unavailable to torch"
    return text


def _build(data: Data) -> str:
    parts = []
    if data.get("cuda"):
        parts.append(f"CUDA {data['cuda']}")
    if data.get("hip"):
        parts.append(f"ROCm/HIP {data['hip']}")
    if data.get("xpu"):
        parts.append(f"XPU {data['xpu']}")
    if not parts:
        parts.append("CPU-only build" if not data.get("mps_built") else "MPS build")
    if data.get("cudnn"):
        parts.append(f"cuDNN {data['cudnn']}")
    arch = [str(a) for a in data.get("arch_list") or []]
    if arch:
        parts.append(f"{arch[0]}…{arch[-1]}" if len(arch) > 3 else " ".join(arch))
    if data.get("debug"):
        parts.append("debug build")
    parallel = data.get("parallel") or {}
    threads = data.get("threads")
    parts.append(f"{parallel.get('backend', 'threads')}, {threads} threads")
    if data.get("cpu_capability"):
        parts.append(str(data["cpu_capability"]))
    return " · ".join(parts)


def _devices(data: Data) -> str:
    parts = []
    for device in data.get("devices", []):
        if device.get("kind") == "cpu":
            parts.append(f"CPU ({device.get('threads')} threads)")
            continue
        facts = [str(device.get("capability") or device.get("gcn_arch") or "")]
        if device.get("memory_bytes"):
            facts.append(_gib(device["memory_bytes"]))
        inner = ", ".join(f for f in facts if f)
        parts.append(f"{device.get('id')} {device.get('name')}" + (f" ({inner})" if inner else ""))
    for kind in ("cuda", "rocm", "xpu", "mps"):
        info = data.get(kind) or {}
        if info.get("built") and not info.get("available"):
            parts.append(f"{kind}: none available")
    return " · ".join(parts)


def _compatibility(data: Data) -> str:
    parts = []
    for check in data.get("checks", []):
        verdict = {True: "ok", False: "NO KERNELS", None: "not judged"}[check.get("supported")]
        via = f" via {check['via']}" if check.get("via") and check.get("via") != check.get(
            "needs") else ""
        parts.append(f"{check.get('device')} {check.get('needs', '')} {verdict}{via}".strip())
    return " · ".join(parts) or "nothing to compare"


def _kernels(data: Data) -> str:
    parts = []
    for entry in data.get("results", []):
        label = "CPU" if entry.get("device") == "cpu" else str(entry.get("device"))
        if entry.get("status") == "skipped":
            parts.append(f"{label} skipped ({entry.get('reason')})")
            continue
        dtype = {"float32": "fp32", "float16": "fp16"}.get(str(entry.get("dtype")), "?")
        err = entry.get("rel_error")
        shown = f"rel. error {err:.0e}" if isinstance(err, int | float) else entry.get("status")
        parts.append(f"{label} {dtype} {shown}")
    return " · ".join(parts)


def _companions(data: Data) -> str:
    parts = []
    for name in ("torchvision", "torchaudio"):
        info = data.get(name)
        if isinstance(info, Mapping):
            state = info.get("version") if info.get("ok") else f"fails ({info.get('error_type')})"
            parts.append(f"{name} {state}")
    return " · ".join(parts) or str(data.get("reason", ""))


def _benchmark(data: Data) -> str:
    return benchmark_text(data)


# -- the deep stages: one part per device, its entries (ops, dtypes) joined by commas ----------

_SHORT = {"float32": "fp32", "float16": "fp16", "bfloat16": "bf16", "tf32": "tf32"}


def _error(value: object) -> str:
    return f"{value:.0e}" if isinstance(value, int | float) else "?"


def _not_ok(entry: Data) -> str:
    status = entry.get("status")
    if status == "error":
        return f"fails ({entry.get('error_type') or 'error'})"
    if status in ("skipped", "unknown"):
        return f"{status} ({entry.get('reason') or '?'})"
    return "WRONG" if status == "wrong" else str(status)


def _by_device(entries: object, item: Callable[[Data], str]) -> str:
    """"CPU solve 1e-07, svdvals 2e-07 · cuda:0 solve 3e-07, svdvals fails (RuntimeError)"."""
    parts: dict[str, list[str]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping):
            parts.setdefault(device_label(str(entry.get("device"))), []).append(item(entry))
    return " · ".join(f"{device} {', '.join(p for p in items if p)}".strip()
                      for device, items in parts.items())


def _named(name: str, entry: Data, ok: str) -> str:
    detail = ok if entry.get("status") == "ok" else _not_ok(entry)
    return f"{name} {detail}".strip()


def _training(data: Data) -> str:
    def item(entry: Data) -> str:
        losses = entry.get("losses") or []
        if entry.get("status") != "ok" or len(losses) < 2:
            return _not_ok(entry) if entry.get("status") != "ok" else "ok"
        text = f"loss {losses[0]:.2f}→{losses[-1]:.2f}"
        if isinstance(entry.get("diff_vs_cpu"), int | float):
            text += f", CPU ±{entry['diff_vs_cpu']:.0e}"
        return text

    return f"{data.get('steps', '?')} steps: " + _by_device(data.get("results"), item)


def _convolution(data: Data) -> str:
    def item(entry: Data) -> str:
        via = f" via {entry['via']}" if entry.get("via") else ""
        return _named("", entry, f"rel. error {_error(entry.get('rel_error'))}{via}")

    text = _by_device(data.get("results"), item)
    info = data.get("cudnn")
    if isinstance(info, Mapping):
        same = info.get("runtime") == info.get("compiled")
        built = "" if same else f" (built with {info.get('compiled')})"
        text += f" · {info.get('library')} {info.get('runtime')}{built}"
    return text


def _linalg(data: Data) -> str:
    return _by_device(data.get("results"), lambda e: _named(
        str(e.get("op", "")), e, _error(e.get("rel_error"))))


def _autocast(data: Data) -> str:
    return _by_device(data.get("results"), lambda e: _named(
        _SHORT.get(str(e.get("dtype")), str(e.get("dtype") or "")), e,
        _error(e.get("rel_error"))))


def _companion_ops(data: Data) -> str:
    return _by_device(data.get("results"), lambda e: _named(
        str(e.get("op", "")), e,
        _error(e["rel_error"]) if isinstance(e.get("rel_error"), int | float) else ""))


def _compile(data: Data) -> str:
    return _by_device(data.get("results"), lambda e: _named(
        "", e, f"ok ({seconds(e.get('seconds'))})"))


def _throughput(data: Data) -> str:
    def item(entry: Data) -> str:
        if entry.get("copy"):
            name = "H2D" if entry["copy"] == "h2d" else "D2H"
            pinned = "" if entry.get("pinned", True) else " pageable"
            return _named(name, entry, f"{float(entry.get('gb_s') or 0):.1f} GB/s{pinned}")
        speedup = entry.get("speedup")
        times = ""
        if isinstance(speedup, int | float):
            times = f" ({speedup:.0f}×)" if speedup >= 10 else f" ({speedup:.1f}×)"
        figure = rate(float(entry["gflops"])) if entry.get("gflops") else "?"
        return _named(_SHORT.get(str(entry.get("dtype")), str(entry.get("dtype"))), entry,
                      f"{figure}{times}")

    return _by_device([*(data.get("matmul") or []), *(data.get("copy") or [])], item)


def _nccl(data: Data) -> str:
    if data.get("version"):
        return f"{data.get('library', 'NCCL')} {data['version']}"
    return str(data.get("error") or "no NCCL backend")


def _device_errors(data: Data) -> str:
    return _by_device(data.get("results"), lambda e: _named(
        "out-of-bounds index", e, f"raised {e.get('raised', 'an error')}"))


STAGE_TEXT: dict[str, Callable[[Data], str]] = {
    "import": _import,
    "build": _build,
    "devices": _devices,
    "compatibility": _compatibility,
    "kernels": _kernels,
    "companions": _companions,
    "benchmark": _benchmark,
    "training": _training,
    "convolution": _convolution,
    "linalg": _linalg,
    "autocast": _autocast,
    "companion_ops": _companion_ops,
    "nccl": _nccl,
    "compile": _compile,
    "throughput": _throughput,
    "device_errors": _device_errors,
}


def _has_entries(data: Data) -> bool:
    return any(data.get(key) for key in ("results", "matmul", "copy"))


def describe_stage(stage: StageResult) -> str:
    """One line for a stage: facts when it passed, the reason when it did not."""
    if stage.status in (StageStatus.SKIPPED, StageStatus.NOT_RUN, StageStatus.UNKNOWN):
        return stage.reason or stage.status.value.replace("_", " ")
    if stage.interruption is not None or (stage.status is StageStatus.FAILED and stage.error
                                          and not _has_entries(stage.data)):
        kind = f"{stage.error_type}: " if stage.error_type else ""
        lines = (stage.error or "").strip().splitlines() or ["failed"]
        return f"{kind}{lines[0][:200]}"
    return STAGE_TEXT[stage.name](stage.data) if stage.name in STAGE_TEXT else stage.status.value
