"""Verification child: proves that torch works, run by the *target* interpreter.

    python -I verify_torch.py --channel PATH [--device auto|cpu|cuda|mps|xpu] [--no-bench]
                              [--bench-seconds S] [--stage-timeout S] [--deep]

Needs only the standard library and torch, and must run on Python 3.8 (no 3.9+ syntax or APIs).
Each stage's result is one JSON line appended to the channel file the moment the stage ends
(written, then fsynced), so a segfault, a kill or a hang mid-way still leaves the earlier stages to
the parent. Nothing is written to stdout: stray prints from torch and friends cannot corrupt the
result. A watchdog thread ends a stage that overruns its budget after recording it; faulthandler is
the backstop for hangs that hold the GIL, and prints the Python stack of a crash on stderr.
This file is one self-contained script on purpose: isolated mode puts nothing else on sys.path.
The deep stages (`--deep`) live beside it in verify_deep.py, loaded by path only when asked for.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import importlib
import importlib.util
import json
import math
import os
import platform
import statistics
import sys
import threading
import time
import traceback
import warnings
from typing import Any, Callable, Dict, List

STAGES = ("import", "build", "devices", "compatibility", "kernels", "companions", "benchmark")
# Under --deep: the correctness stages, then torch.compile (whose worker process ran beside
# them), then the timed stages once the machine is quiet again, and last the stage that may
# leave CUDA unusable in this process.
DEEP_STAGES = ("training", "convolution", "linalg", "autocast", "companion_ops", "nccl",
               "compile", "throughput", "device_errors")
DEEP_ORDER = STAGES[:-1] + DEEP_STAGES[:7] + ("benchmark",) + DEEP_STAGES[7:]
EXIT_STAGE_TIMEOUT = 124
_MAX_TEXT = 2000
_GRACE_S = 5.0  # the faulthandler backstop fires this long after the watchdog should have
Data = Dict[str, Any]
# Which device kinds satisfy `--device X`: ROCm builds answer through torch.cuda.
_BENIGN_CUDA_INIT = ("found no nvidia driver", "no cuda-capable device is detected")
_KINDS = {"cuda": ("cuda", "rocm"), "mps": ("mps",), "xpu": ("xpu",), "cpu": ("cpu",)}


def _clip(text: object, limit: int = _MAX_TEXT) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clean(value: Any) -> Any:
    """JSON-safe copy: NaN/inf become null (they are not JSON), unknown objects become text."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return _clip(value)


class Channel:
    """The private result file: one JSON object per line, each made durable before going on."""

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._lock = threading.Lock()

    def write(self, record: Data) -> None:
        line = (json.dumps(_clean(record), ensure_ascii=True) + "\n").encode("ascii")
        with self._lock:
            os.write(self._fd, line)
            # Some file systems cannot fsync; the write itself has already landed.
            with contextlib.suppress(OSError):
                os.fsync(self._fd)


class Watchdog:
    """Ends the child when a stage overruns its budget, after recording which stage it was."""

    def __init__(self, channel: Channel) -> None:
        self._channel = channel
        self._lock = threading.Lock()
        self._stage = ""
        self._budget = 0.0
        self._started = 0.0
        thread = threading.Thread(target=self._loop, name="torchdoctor-watchdog")
        thread.daemon = True
        thread.start()

    def arm(self, stage: str, budget: float) -> None:
        with self._lock:
            self._stage, self._budget, self._started = stage, budget, time.monotonic()
        # C-level timer: still fires when native code hangs while holding the GIL.
        faulthandler.dump_traceback_later(budget + _GRACE_S, exit=True)

    def disarm(self) -> None:
        faulthandler.cancel_dump_traceback_later()
        with self._lock:
            self._stage = ""

    def _loop(self) -> None:
        while True:
            time.sleep(0.05)
            with self._lock:
                elapsed = time.monotonic() - self._started
                if not self._stage or elapsed <= self._budget:
                    continue
                stage, budget = self._stage, self._budget
            self._channel.write(
                {
                    "event": "stage",
                    "stage": stage,
                    "status": "failed",
                    "timed_out": True,
                    "duration_s": elapsed,
                    "error": "timed out after %g s" % budget,
                    "data": {},
                }
            )
            sys.stderr.write("torchdoctor: stage %r timed out; Python stacks:\n" % stage)
            faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
            os._exit(EXIT_STAGE_TIMEOUT)


class _Tee:
    """Copies what goes to a stream (NumPy prints its ABI error on stderr) and passes it on."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.parts: List[str] = []

    def write(self, text: str) -> int:
        if sum(len(p) for p in self.parts) < _MAX_TEXT:
            self.parts.append(text)
        return int(self.stream.write(text))

    def flush(self) -> None:
        self.stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _error_fields(exc: BaseException) -> Data:
    chain: List[str] = []
    inner = exc.__cause__ or exc.__context__
    while inner is not None and len(chain) < 3:
        chain.append("%s: %s" % (type(inner).__name__, _clip(inner, 500)))
        inner = inner.__cause__ or inner.__context__
    tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return {
        "error_type": type(exc).__name__,
        "error": _clip(exc) or type(exc).__name__,
        "error_chain": chain,
        "traceback": _clip("".join(tb[-6:]), 3000),
    }


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith(("model name", "Model")) and ":" in line:
                    return line.split(":", 1)[1].strip()
    except OSError:  # not Linux, or no procfs: the platform module's answer will do
        pass
    return platform.processor() or platform.machine()


def _sync(torch: Any, kind: str) -> Callable[[], None]:
    if kind in ("cuda", "rocm"):
        return lambda: torch.cuda.synchronize()
    if kind == "mps":
        return lambda: torch.mps.synchronize()
    if kind == "xpu":
        return lambda: torch.xpu.synchronize()
    return lambda: None


def _arch_list(torch: Any, backend: str) -> Any:
    """The build's kernel targets (the private getter works without a GPU, the public one not)."""
    getter = getattr(torch._C, "_%s_getArchFlags" % backend, None)
    if getter is not None:
        flags = getter()
        return flags.split() if flags else []
    module = getattr(torch, backend, None)
    if module is not None and hasattr(module, "get_arch_list"):
        return list(module.get_arch_list())
    return None


def _parse_parallel(text: str) -> Data:
    info: Data = {"libraries": [], "env": {}}
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("ATen parallel backend:"):
            info["backend"] = line.split(":", 1)[1].strip()
        elif line.startswith("at::get_num_threads()"):
            info["intra_op_threads"] = int(line.rsplit(":", 1)[1])
        elif line.startswith("at::get_num_interop_threads()"):
            info["inter_op_threads"] = int(line.rsplit(":", 1)[1])
        elif raw.startswith("\t") and " : " in line and "NUM_THREADS" in line:
            name, value = line.split(" : ", 1)
            if value != "[not set]":
                info["env"][name] = value
        elif line and not raw.startswith("\t") and not line.endswith(":") and "::" not in line:
            info["libraries"].append(line)
    return info


def _cap_supported(major: int, minor: int, arch_list: List[str]) -> Any:
    """(supported, via): cubins run on the same major and a newer-or-equal minor; PTX JITs up.

    Arch-specific targets ("sm_90a") run only on exactly that capability.
    """
    cubins, ptx = [], []
    for arch in arch_list:
        kind, _, digits = arch.partition("_")
        suffix = digits.lstrip("0123456789")
        number = digits[: len(digits) - len(suffix)]
        if len(number) < 2:
            continue
        target = (int(number[:-1]), int(number[-1]))
        exact_only = suffix == "a"
        if kind == "sm" and target[0] == major and (
            target[1] == minor or (not exact_only and target[1] < minor)
        ):
            cubins.append((target[1], arch))
        elif kind == "compute" and not exact_only and target <= (major, minor):
            ptx.append((target, arch))
    if cubins:
        return True, max(cubins)[1]  # the closest cubin: exact, else the newest older minor
    if ptx:
        return True, max(ptx)[1]
    return False, None


class Verifier:
    """The stages in order; each fills its `data` dict, so a failed stage keeps its findings."""

    def __init__(self, args: argparse.Namespace, channel: Channel) -> None:
        self.args = args
        self.channel = channel
        self.watchdog = Watchdog(channel)
        self.torch: Any = None
        self.accelerators: List[Data] = []  # usable devices other than the CPU
        self.no_kernels: Dict[str, str] = {}  # device id -> why the kernel stage skips it
        self.kernel_ok: List[str] = ["cpu"]
        self.companions: Data = {}  # the companions stage's data
        self.bench_gflops: Dict[str, float] = {}  # device -> float32 GFLOP/s
        self.order = DEEP_ORDER if getattr(args, "deep", False) else STAGES
        self.deep: Any = _load_deep().DeepStages(self, sys.modules[__name__]) if (
            self.order is DEEP_ORDER) else None

    def run(self) -> None:
        started = time.perf_counter()
        if self.deep is not None:
            self.deep.start_worker()
        try:
            for name in self.order:
                self.run_stage(name)
        finally:
            if self.deep is not None:
                self.deep.close()
        self.channel.write({"event": "done", "duration_s": time.perf_counter() - started})

    def budget(self, name: str) -> float:
        base = float(self.args.stage_timeout)
        if name in ("benchmark", "throughput"):
            return base + 2.5 * float(self.args.bench_seconds) * (1 + len(self.accelerators))
        return base

    def run_stage(self, name: str) -> None:
        record: Data = {"event": "stage", "stage": name, "status": "ok"}
        data: Data = {}
        skip = self.skip_reason(name)
        started = time.perf_counter()
        if skip:
            record.update(status="skipped", reason=skip)
        else:
            self.watchdog.arm(name, self.budget(name))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    record["status"] = self.stage_method(name)(data) or "ok"
                except BaseException as exc:  # a stage's failure is data, whatever it is
                    record["status"] = "failed"
                    record.update(_error_fields(exc))
            self.watchdog.disarm()
            if caught:
                data["warnings"] = [
                    {"category": w.category.__name__, "message": _clip(w.message, 500)}
                    for w in caught[:20]
                ]
        record["duration_s"] = time.perf_counter() - started
        record["data"] = data
        self.channel.write(record)

    def stage_method(self, name: str) -> Callable[[Data], str]:
        method: Callable[[Data], str] = getattr(self, "stage_" + name, None) or getattr(
            self.deep, "stage_" + name)
        return method

    def skip_reason(self, name: str) -> str:
        if name != "import" and self.torch is None:
            return "torch could not be imported"
        if name in ("benchmark", "throughput") and self.args.no_bench:
            return "benchmark disabled (--no-bench)"
        return ""

    # -- stages -------------------------------------------------------------------------------

    def stage_import(self, data: Data) -> str:
        spec = importlib.util.find_spec("torch")
        data["found"] = spec is not None
        if spec is None:
            raise ModuleNotFoundError("No module named 'torch'", name="torch")
        data["location"] = spec.origin or list(spec.submodule_search_locations or [])
        tee_err, tee_out = _Tee(sys.stderr), _Tee(sys.stdout)
        sys.stderr, sys.stdout = tee_err, tee_out
        started = time.perf_counter()
        try:
            self.torch = importlib.import_module("torch")
        finally:
            data["seconds"] = time.perf_counter() - started
            sys.stderr, sys.stdout = tee_err.stream, tee_out.stream
            if tee_err.parts:
                data["stderr"] = _clip("".join(tee_err.parts))
            if tee_out.parts:
                data["stdout_bytes"] = sum(len(p) for p in tee_out.parts)
        data["version"] = str(getattr(self.torch, "__version__", ""))
        data["file"] = str(getattr(self.torch, "__file__", ""))
        return "ok"

    def stage_build(self, data: Data) -> str:
        torch = self.torch
        version = getattr(torch, "version", None)
        data["version"] = str(torch.__version__)
        for key in ("cuda", "hip", "xpu", "git_version"):
            data[key] = getattr(version, key, None)
        data["debug"] = bool(getattr(version, "debug", False))
        backends: Any = torch.backends
        if data["cuda"] or data["hip"]:
            data["cudnn"] = backends.cudnn.version() if backends.cudnn.is_available() else None
            data["arch_list"] = _arch_list(torch, "cuda")
        elif data["xpu"]:
            data["arch_list"] = _arch_list(torch, "xpu")
        mps = getattr(backends, "mps", None)
        data["mps_built"] = bool(mps is not None and mps.is_built())
        cpu = getattr(backends, "cpu", None)
        if cpu is not None and hasattr(cpu, "get_cpu_capability"):
            data["cpu_capability"] = cpu.get_cpu_capability()
        data["threads"] = torch.get_num_threads()
        data["parallel"] = _parse_parallel(torch.__config__.parallel_info())
        return "ok"

    def stage_devices(self, data: Data) -> str:
        torch, want = self.torch, self.args.device
        devices = [
            {"id": "cpu", "kind": "cpu", "threads": torch.get_num_threads(), "name": _cpu_name()}
        ]
        data["devices"] = devices
        status = "ok"
        version = torch.version
        hip = getattr(version, "hip", None)
        if want in ("auto", "cuda") and (getattr(version, "cuda", None) or hip):
            kind = "rocm" if hip else "cuda"
            status = self._probe_cuda(torch, kind, data, devices)
        mps = getattr(torch.backends, "mps", None)
        if want in ("auto", "mps") and mps is not None and mps.is_built():
            info = data["mps"] = {"built": True, "available": bool(mps.is_available())}
            if info["available"]:
                entry: Data = {"id": "mps", "kind": "mps", "name": "Apple MPS"}
                if hasattr(torch, "mps") and hasattr(torch.mps, "recommended_max_memory"):
                    entry["memory_bytes"] = int(torch.mps.recommended_max_memory())
                devices.append(entry)
        xpu = getattr(torch, "xpu", None)
        xpu_built = xpu is not None and getattr(version, "xpu", None)
        if want in ("auto", "xpu") and xpu_built and self._probe_xpu(xpu, data, devices) != "ok":
            status = "failed"
        self.accelerators = [d for d in devices if d["kind"] != "cpu"]
        if want not in ("auto", "cpu") and not any(d["kind"] in _KINDS[want] for d in devices):
            data["requested_unavailable"] = want
            status = "failed"
        return status

    def _probe_cuda(self, torch: Any, kind: str, data: Data, devices: List[Data]) -> str:
        info: Data = data.setdefault(kind, {"built": True})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            info["count"] = int(torch.cuda.device_count())
            info["available"] = bool(torch.cuda.is_available())
        notes = [str(w.message) for w in caught if "CUDA initialization" in str(w.message)]
        if notes:
            info["init_warning"] = _clip(notes[0])
            # "No driver / no device" only means there is no GPU here; anything else is broken.
            if not any(b in notes[0].lower() for b in _BENIGN_CUDA_INIT):
                info["init_error"] = info["init_warning"]
        if info["available"]:
            try:
                torch.cuda.init()
            except Exception as exc:  # the init error text is the finding
                info["init_error"] = "%s: %s" % (type(exc).__name__, _clip(exc))
        if "init_error" in info:
            return "failed"
        for index in range(info["count"] if info["available"] else 0):
            props = torch.cuda.get_device_properties(index)
            entry: Data = {
                "id": "cuda:%d" % index,
                "kind": kind,
                "index": index,
                "name": str(props.name),
                "capability": "%d.%d" % (props.major, props.minor),
                "memory_bytes": int(props.total_memory),
                "multiprocessors": int(getattr(props, "multi_processor_count", 0)),
            }
            if kind == "rocm":
                entry["gcn_arch"] = str(getattr(props, "gcnArchName", ""))
            devices.append(entry)
        return "ok"

    def _probe_xpu(self, xpu: Any, data: Data, devices: List[Data]) -> str:
        info: Data = data.setdefault("xpu", {"built": True})
        try:
            info["count"] = int(xpu.device_count())
            info["available"] = bool(xpu.is_available())
        except Exception as exc:  # a missing level-zero runtime surfaces here
            info["init_error"] = "%s: %s" % (type(exc).__name__, _clip(exc))
            return "failed"
        for index in range(info["count"] if info["available"] else 0):
            props = xpu.get_device_properties(index)
            devices.append(
                {
                    "id": "xpu:%d" % index,
                    "kind": "xpu",
                    "index": index,
                    "name": str(props.name),
                    "memory_bytes": int(props.total_memory),
                    "driver": str(getattr(props, "driver_version", "")),
                }
            )
        return "ok"

    def stage_compatibility(self, data: Data) -> str:
        build = self.torch.version
        checks: List[Data] = []
        data["checks"] = checks
        arch_list = (
            _arch_list(self.torch, "xpu" if getattr(build, "xpu", None) else "cuda")
            if self.accelerators
            else None
        )
        data["arch_list"] = arch_list
        override = os.environ.get("HSA_OVERRIDE_GFX_VERSION")
        if not self.accelerators:
            data["reason"] = "no accelerator to check"
            return "skipped"
        for dev in self.accelerators:
            check: Data = {"device": dev["id"], "kind": dev["kind"], "supported": None}
            if dev["kind"] == "cuda" and arch_list:
                major, minor = (int(x) for x in dev["capability"].split("."))
                check["needs"] = "sm_%d%d" % (major, minor)
                check["supported"], check["via"] = _cap_supported(major, minor, arch_list)
            elif dev["kind"] == "rocm" and arch_list:
                check["needs"] = dev.get("gcn_arch", "").split(":")[0]
                check["supported"] = check["needs"] in arch_list
                if override:
                    check["hsa_override"] = override
            else:
                check["note"] = "not judged: no arch list to compare with"
            if check["supported"] is False:
                self.no_kernels[dev["id"]] = "the build has no kernels for %s" % check["needs"]
            checks.append(check)
        return "failed" if self.no_kernels else "ok"

    def stage_kernels(self, data: Data) -> str:
        torch = self.torch
        results: List[Data] = []
        data["results"] = results
        size = 256
        gen = torch.Generator().manual_seed(0)
        a = torch.randn(size, size, generator=gen, dtype=torch.float32)
        b = torch.randn(size, size, generator=gen, dtype=torch.float32)
        # Keep float32 really float32: TF32 would need a much looser tolerance to pass.
        if hasattr(torch.backends, "cuda"):
            torch.backends.cuda.matmul.allow_tf32 = False
        targets = [("cpu", "cpu")] + [(d["id"], d["kind"]) for d in self.accelerators]
        failed = False
        for dev, kind in targets:
            if dev in self.no_kernels:
                results.append({"device": dev, "status": "skipped", "reason": self.no_kernels[dev]})
                continue
            # float32 everywhere; float16 on accelerators, where half-precision kernels matter.
            dtypes = [("float32", 1e-4)] + ([("float16", 1e-2)] if kind != "cpu" else [])
            for dtype_name, tolerance in dtypes:
                entry = self._matmul_check(torch, dev, kind, a, b, dtype_name, tolerance)
                results.append(entry)
                failed = failed or entry["status"] != "ok"
            if all(r["status"] == "ok" for r in results if r["device"] == dev) and dev != "cpu":
                self.kernel_ok.append(dev)
        if results and results[0]["status"] != "ok" and "cpu" in self.kernel_ok:
            self.kernel_ok.remove("cpu")
        return "failed" if failed else "ok"

    def _matmul_check(
        self, torch: Any, dev: str, kind: str, a: Any, b: Any, dtype_name: str, tolerance: float
    ) -> Data:
        entry: Data = {"device": dev, "dtype": dtype_name, "n": a.shape[0], "tolerance": tolerance}
        dtype = getattr(torch, dtype_name)
        started = time.perf_counter()
        try:
            a_d, b_d = a.to(dtype), b.to(dtype)
            # The reference uses the inputs as rounded to `dtype`, so only the kernel is judged.
            ref = a_d.to(torch.float64) @ b_d.to(torch.float64)
            out = a_d.to(dev) @ b_d.to(dev)
            _sync(torch, kind)()
            out = out.to("cpu").to(torch.float64)
            err = float(((out - ref).norm() / ref.norm()).item())
            entry["rel_error"] = err
            entry["status"] = "ok" if math.isfinite(err) and err <= tolerance else "wrong"
        except Exception as exc:  # "no kernel image is available" and friends
            entry["status"] = "error"
            entry.update(_error_fields(exc))
            entry.pop("traceback", None)
        entry["seconds"] = time.perf_counter() - started
        return entry

    def stage_companions(self, data: Data) -> str:
        status = "skipped"
        for name in ("torchvision", "torchaudio"):
            if importlib.util.find_spec(name) is None:
                continue
            started = time.perf_counter()
            try:
                module = importlib.import_module(name)
                data[name] = {"version": str(getattr(module, "__version__", "")), "ok": True}
                status = "ok" if status == "skipped" else status
            except Exception as exc:  # "operator torchvision::nms does not exist" lives here
                data[name] = dict(_error_fields(exc), ok=False)
                status = "failed"
            data[name]["seconds"] = time.perf_counter() - started
        if status == "skipped":
            data["reason"] = "torchvision and torchaudio are not installed"
        self.companions = data
        return status

    def stage_benchmark(self, data: Data) -> str:
        torch = self.torch
        budget = float(self.args.bench_seconds)
        results: List[Data] = []
        data.update(dtype="float32", budget_s=budget, results=results)
        torch.manual_seed(0)
        kinds = {d["id"]: d for d in self.accelerators}
        for dev in self.kernel_ok:
            kind = kinds[dev]["kind"] if dev in kinds else "cpu"
            memory = kinds[dev].get("memory_bytes") if dev in kinds else None
            entry: Data = {"device": dev, "kind": kind}
            results.append(entry)
            try:
                entry.update(_bench(torch, dev, kind, budget, memory))
            except Exception as exc:  # e.g. out of memory: the other devices still get measured
                entry.update(_error_fields(exc))
                entry.pop("traceback", None)
        self.bench_gflops = {r["device"]: r["gflops"] for r in results if r.get("gflops")}
        cpu = results[0].get("gflops") if results and results[0]["device"] == "cpu" else None
        for entry in results[1:]:
            if cpu and entry.get("gflops"):
                entry["speedup"] = entry["gflops"] / cpu
        return "ok" if all("gflops" in r for r in results) else "failed"


def _bench(torch: Any, dev: str, kind: str, budget: float, memory: Any,
           dtype: Any = None) -> Data:
    """Median time of a square matmul (float32 unless `dtype`), sized so that the whole takes
    about `budget`."""
    sync = _sync(torch, kind)
    max_n = 4096 if kind == "cpu" else 16384
    if memory:  # three n×n float32 matrices in at most a quarter of the device memory
        while max_n > 256 and 12 * max_n * max_n > memory // 4:
            max_n //= 2
    started = time.perf_counter()

    def per_op(a: Any, b: Any, inner: int) -> float:
        sync()
        t0 = time.perf_counter()
        for _ in range(inner):
            a @ b
        sync()
        return (time.perf_counter() - t0) / inner

    def calibrate(size: int) -> Any:
        if dtype is None:
            x, y = torch.randn(size, size, device=dev), torch.randn(size, size, device=dev)
        else:
            x = torch.randn(size, size, device=dev, dtype=dtype)
            y = torch.randn(size, size, device=dev, dtype=dtype)
        per_op(x, y, 1)  # warm-up: library initialisation, kernel selection
        # The best of three: a busy machine slows some runs, never speeds one up.
        return x, y, min(per_op(x, y, 1) for _ in range(3))

    n = 256
    a, b, t = calibrate(n)
    # Grow while the next size (8× the work) still leaves at least ~10 repeats in the budget.
    while n < max_n and t * 8 <= budget / 10:
        n *= 2
        a, b, t = calibrate(n)
    inner = max(1, int(0.02 / max(t, 1e-9)))  # each timed block ≥ ~20 ms: timer noise stays small
    remaining = max(budget - (time.perf_counter() - started), budget / 2)
    repeats = int(min(200, max(3, remaining / (t * inner))))
    per_op(a, b, inner)  # warm-up at the chosen size
    times = [per_op(a, b, inner) for _ in range(repeats)]
    median = statistics.median(times)
    return {
        "n": n,
        "repeats": repeats,
        "inner": inner,
        "seconds_median": median,
        "seconds_min": min(times),
        "gflops": 2.0 * n**3 / median / 1e9,
        "total_s": time.perf_counter() - started,
    }


def _load_deep() -> Any:
    """verify_deep.py from this script's folder (never from sys.path: nothing may shadow it)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "verify_deep.py")
    spec = importlib.util.spec_from_file_location("torchdoctor_verify_deep", path)
    if spec is None or spec.loader is None:
        raise ImportError("cannot load %s" % path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _add_user_site() -> None:
    """Isolated mode hides the user site; a normal start of this interpreter adds it (a torch
    installed with `pip install --user` is what `import torch` finds). Put it where Python
    would: before the interpreter's site-packages, and in a venv made with
    --system-site-packages after the venv's own."""
    import site

    if os.environ.get("PYTHONNOUSERSITE"):
        return
    if hasattr(os, "geteuid") and os.geteuid() != os.getuid():
        return
    in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
    if in_venv:
        try:
            with open(os.path.join(sys.prefix, "pyvenv.cfg"), encoding="utf-8") as handle:
                cfg = handle.read().lower().replace(" ", "")
        except OSError:
            return
        if "include-system-site-packages=true" not in cfg:
            return
    try:
        user_site = site.getusersitepackages()
    except Exception:  # some embedded builds have no user base
        return
    if not user_site or not os.path.isdir(user_site) or user_site in sys.path:
        return
    prefix = os.path.realpath(sys.prefix)
    index = next((i for i, p in enumerate(sys.path) if "site-packages" in p and not (
        in_venv and os.path.realpath(p).startswith(prefix))), len(sys.path))
    # addsitedir processes the user site's .pth files as a normal start does (the folders they
    # add, the lines they run); what it appends moves to where the user site belongs.
    before = list(sys.path)
    site.addsitedir(user_site)
    added = [p for p in sys.path if p not in before]
    sys.path[:] = before[:index] + added + before[index:]


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="verify_torch")
    parser.add_argument("--channel", required=True)
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps", "xpu"))
    parser.add_argument("--no-bench", action="store_true")
    parser.add_argument("--bench-seconds", type=float, default=1.0)
    parser.add_argument("--stage-timeout", type=float, default=60.0)
    parser.add_argument("--pythonpath", default="")
    parser.add_argument("--deep", action="store_true")
    parser.add_argument("--compile-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # Our own directory (pre-3.11 isolated mode still adds it) must not shadow anything.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    # What the user's shell puts first: PYTHONPATH (isolated mode ignores it), then the user site.
    entries = [p for p in args.pythonpath.split(os.pathsep) if p and os.path.isdir(p)]
    sys.path[0:0] = [p for p in entries if p not in sys.path]
    _add_user_site()
    faulthandler.enable(file=sys.stderr, all_threads=True)
    if args.compile_worker:  # verify_deep's torch.compile worker, started by a deep child
        return int(_load_deep().worker_main(args, sys.modules[__name__]))
    channel = Channel(args.channel)
    channel.write(
        {
            "event": "hello",
            "pid": os.getpid(),
            "executable": sys.executable,
            "pythonpath": entries,
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": sys.platform,
            "machine": platform.machine(),
            "stages": list(DEEP_ORDER if args.deep else STAGES),
        }
    )
    Verifier(args, channel).run()
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    # Everything is on disk. Skip interpreter shutdown: threads a library left running, or its
    # atexit handlers, must not hang or crash the child after its last stage.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
