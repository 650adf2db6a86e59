"""The deep stages of the verification child (`--deep`): torch at the work people really do.

Loaded by verify_torch.py from its own folder, and only under `--deep`, so the default
verification does not even read this file. Same rules as verify_torch.py: the standard library
and torch only, Python 3.8 syntax, every finding is data. `core` is the verify_torch module (its
helpers: error fields, device synchronisation, the matmul timer, the channel).

Each stage runs on every usable device (the CPU and each accelerator that passed the kernel
check) and keeps one result entry per device (or per device and dtype, or per op), with `status`
`ok`, `wrong` (it ran and computed something wrong), `error` (it raised), `skipped` (with a
`reason`: not applicable there) or `unknown` (could not be judged: the `reason` says what is
missing). TF32 is off during the correctness stages, so float32 is compared as float32.

torch.compile runs in a worker process of its own (the same script with `--compile-worker`),
started before the main child imports torch: its imports and compilation take seconds and
overlap the other stages instead of adding to them, and whatever the generated code does (crash,
hang) stays in the worker. The worker appends its results to the channel as `compile` events;
the compile stage waits for them.
"""

from __future__ import annotations

import contextlib
import copy
import faulthandler
import importlib
import importlib.util
import math
import os
import shutil
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

Data = Dict[str, Any]
Target = Tuple[str, str, Data]  # (device id, kind, the devices stage's entry)
Check = Callable[[str, str, Data], List[Data]]

TRAIN_STEPS = 5
TRAIN_BATCH = 32
TRAIN_LR = 0.05
TRAIN_TOLERANCE = 1e-3  # relative difference of each step's loss from the CPU's
CONV_TOLERANCE = 1e-4
LINALG_TOLERANCE = 1e-4
AUTOCAST_TOLERANCE = {"float16": 1e-2, "bfloat16": 3e-2}
COMPILE_TOLERANCE = 1e-4
OPS_TOLERANCE = 1e-3  # resnet18 and the mel spectrogram on a device against the CPU
COPY_BYTES = 64 * 2**20
WORKER_ENV = {"TORCHINDUCTOR_COMPILE_THREADS": "1"}  # no pool of compile subprocesses
_MAX_TEXT = 500
# "Could not run 'torchvision::nms' with arguments from the 'CUDA' backend" is a
# NotImplementedError too, but it means a companion built for another torch, not a missing op.
_COMPANION_OPS = ("torchvision::", "torchaudio::")
# Exception names and texts that mean the toolchain torch.compile needs is missing or broken.
_TOOLCHAIN_TYPES = ("CppCompileError", "InvalidCxxCompiler")
_TOOLCHAIN_TEXTS = (
    ("python.h", "the C++ compiler cannot find this Python's headers (Python.h)"),
    ("no working c++ compiler", "no working C++ compiler"),
    ("compiler: cl is not found", "the MSVC compiler (cl.exe) is not on PATH"),
    ("cannot find a working triton installation", "no working Triton installation"),
    ("too old to be supported by the triton gpu compiler", "the GPU is too old for Triton"),
    ("no module named 'triton'", "Triton is not installed"),
)


def _first_line(text: object) -> str:
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    line = lines[0] if lines else ""
    return line if len(line) <= _MAX_TEXT else line[: _MAX_TEXT - 1] + "…"


def _finite(value: float) -> bool:
    return isinstance(value, float) and math.isfinite(value)


def _rel(torch: Any, out: Any, ref: Any) -> float:
    """Relative Frobenius error of `out` against a float64 CPU reference."""
    out = out.to("cpu").to(torch.float64)
    return float(((out - ref).norm() / ref.norm()).item())


def _judge(entry: Data, err: float, tolerance: float) -> Data:
    entry.update(rel_error=err, tolerance=tolerance)
    entry["status"] = "ok" if _finite(err) and err <= tolerance else "wrong"
    return entry


def _strict_fp32(torch: Any) -> None:
    """float32 stays float32 (TF32 would need far looser tolerances to compare)."""
    backends = torch.backends
    if hasattr(backends, "cuda"):
        backends.cuda.matmul.allow_tf32 = False
    if hasattr(backends, "cudnn"):
        backends.cudnn.allow_tf32 = False


def _autocast_type(kind: str) -> str:
    return "cuda" if kind == "rocm" else kind


def _capability(info: Data) -> Tuple[int, int]:
    try:
        major, minor = str(info.get("capability") or "0.0").split(".")[:2]
        return int(major), int(minor)
    except ValueError:
        return 0, 0


def autocast_dtypes(kind: str, info: Data) -> List[str]:
    """The lower precisions each device kind runs natively (bfloat16 from Ampere on)."""
    if kind == "cpu":
        return ["bfloat16"]
    if kind == "cuda":
        return ["float16"] + (["bfloat16"] if _capability(info) >= (8, 0) else [])
    if kind in ("rocm", "xpu"):
        return ["float16", "bfloat16"]
    if kind == "mps":
        return ["float16"]
    return []


def autocast_available(torch: Any, device_type: str) -> bool:
    """Whether this torch has autocast for the device type (MPS only from torch 2.5 on)."""
    if not hasattr(torch, "autocast"):
        return False
    check = getattr(getattr(torch, "amp", None), "is_autocast_available", None)
    if check is None:  # before torch 2.4: CPU and CUDA were the ones
        return device_type in ("cpu", "cuda")
    return bool(check(device_type))


def bench_dtypes(kind: str, info: Data) -> List[Tuple[str, str]]:
    """(label, torch dtype) measured by the throughput stage beyond the benchmark's float32."""
    if kind == "cuda":
        ampere = _capability(info) >= (8, 0)
        extra = [("tf32", "float32"), ("bfloat16", "bfloat16")] if ampere else []
        return [*extra, ("float16", "float16")]
    return [(name, name) for name in autocast_dtypes(kind, info)]


# -- the toolchain that torch.compile needs -----------------------------------------------------


def toolchain_missing(kind: str) -> Optional[Data]:
    """What torch.compile's backend for this device kind needs and cannot find, or None."""
    if kind == "cpu":
        default = "cl" if sys.platform == "win32" else (
            "clang++" if sys.platform == "darwin" else "g++")
        compiler = os.environ.get("CXX") or default
        if shutil.which(compiler) is None:
            return {"needs": "c++ compiler",
                    "reason": "torch.compile's CPU backend needs a C++ compiler, and %s is not "
                              "on PATH" % compiler}
        return None
    if kind in ("cuda", "rocm", "xpu") and importlib.util.find_spec("triton") is None:
        return {"needs": "triton",
                "reason": "torch.compile's GPU backend needs Triton, which is not installed"}
    return None


def toolchain_error(exc: BaseException) -> Optional[Data]:
    """The toolchain failure behind an exception from torch.compile (its causes included)."""
    inner: Optional[BaseException] = exc
    seen = 0
    while inner is not None and seen < 5:
        text = str(inner).lower()
        for marker, meaning in _TOOLCHAIN_TEXTS:
            if marker in text:
                needs = "triton" if "triton" in marker else (
                    "python headers" if marker == "python.h" else "c++ compiler")
                if "too old" in marker:
                    needs = "newer gpu"
                return {"needs": needs, "reason": "%s: %s" % (meaning, _first_line(inner))}
        if type(inner).__name__ in _TOOLCHAIN_TYPES:
            return {"needs": "c++ compiler",
                    "reason": "the C++ compiler failed: %s" % _first_line(inner)}
        inner = inner.__cause__ or inner.__context__
        seen += 1
    return None


# torch.compile's backends by device kind, and the release each arrived in.
_COMPILE_SINCE = {"cpu": (2, 0), "cuda": (2, 0), "rocm": (2, 0), "xpu": (2, 5), "mps": (2, 6)}


def compile_unsupported(torch: Any, kind: str) -> str:
    """Why this torch has no torch.compile for the device kind, or "" when it has."""
    if not hasattr(torch, "compile"):
        return "torch.compile is new in torch 2.0"
    since = _COMPILE_SINCE.get(kind)
    try:
        release = tuple(int(p) for p in str(torch.__version__).split("+")[0].split(".")[:2])
    except ValueError:  # a version this cannot read: try it
        return ""
    if since is None or release < since:
        first = "%d.%d" % since if since else "no release"
        return "torch.compile for %s is new in torch %s" % (kind, first)
    return ""


def compile_check(torch: Any, dev: str, kind: str, core: Any) -> Data:
    """torch.compile (the default Inductor backend) of a tiny function, against eager mode."""
    entry: Data = {"device": dev, "kind": kind}
    started = time.perf_counter()
    unsupported = compile_unsupported(torch, kind)
    if unsupported:
        entry.update(status="skipped", reason=unsupported)
        return entry
    missing = toolchain_missing(kind)
    if missing is not None:
        entry.update(missing, status="unknown")
        return entry

    def tiny(x: Any) -> Any:
        return torch.sin(x) * 2.0 + x

    try:
        compiled = torch.compile(tiny, fullgraph=True, dynamic=False)
        x = torch.randn(256, 256, generator=torch.Generator().manual_seed(4)).to(dev)
        out = compiled(x)
        core._sync(torch, kind)()
        _judge(entry, _rel(torch, out, tiny(x).to("cpu").to(torch.float64)), COMPILE_TOLERANCE)
    except Exception as exc:  # the toolchain's failure is not torch's
        toolchain = toolchain_error(exc)
        if toolchain is not None:
            entry.update(toolchain, status="unknown")
        elif "not supported on python" in str(exc).lower():
            entry.update(status="unknown", needs="python", reason=_first_line(exc))
        else:
            entry.update(_fields(core, exc), status="error")
    entry["seconds"] = time.perf_counter() - started
    return entry


def _fields(core: Any, exc: BaseException) -> Data:
    fields: Data = core._error_fields(exc)
    fields.pop("traceback", None)
    return fields


# -- the compile worker -------------------------------------------------------------------------


def _exit_with_parent() -> None:
    """End the worker when the child that started it is gone (killed, crashed, timed out)."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.1)
            if os.getppid() != parent:
                os._exit(0)

    thread = threading.Thread(target=watch, name="torchdoctor-parent-watch")
    thread.daemon = True
    thread.start()


def worker_devices(torch: Any, want: str) -> List[Tuple[str, str]]:
    """The devices the worker compiles for: the CPU and the accelerators torch can use."""
    found = [("cpu", "cpu")]
    version = torch.version
    hip = getattr(version, "hip", None)
    gpu_build = getattr(version, "cuda", None) or hip
    if want in ("auto", "cuda") and gpu_build and torch.cuda.is_available():
        kind = "rocm" if hip else "cuda"
        found += [("cuda:%d" % i, kind) for i in range(int(torch.cuda.device_count()))]
    mps = getattr(torch.backends, "mps", None)
    if want in ("auto", "mps") and mps is not None and mps.is_built() and mps.is_available():
        found.append(("mps", "mps"))
    xpu: Any = getattr(torch, "xpu", None)
    xpu_build = getattr(version, "xpu", None) and xpu is not None
    if want in ("auto", "xpu") and xpu_build and xpu.is_available():
        found += [("xpu:%d" % i, "xpu") for i in range(int(xpu.device_count()))]
    return found


def worker_main(args: Any, core: Any) -> int:
    """`verify_torch.py --compile-worker`: compile on every device, one channel line each."""
    _exit_with_parent()
    # The child kills this worker when the compile stage runs out of time; this is the backstop
    # for a worker left behind with native code holding the GIL.
    faulthandler.dump_traceback_later(4 * float(args.stage_timeout) + 30, exit=True)
    channel = core.Channel(args.channel)
    started = time.perf_counter()
    try:
        torch = importlib.import_module("torch")
        targets = worker_devices(torch, args.device)
    except BaseException as exc:  # the main child reports the import; this only says why
        channel.write({"event": "compile-done", "error": _first_line(exc)})
        return 0
    for dev, kind in targets:
        entry = compile_check(torch, dev, kind, core)
        entry["event"] = "compile"
        channel.write(entry)
    channel.write({"event": "compile-done", "duration_s": time.perf_counter() - started})
    return 0


class CompileWorker:
    """The worker process, seen from the main child."""

    def __init__(self, core: Any, args: Any) -> None:
        self.channel = str(args.channel)
        argv = [sys.executable, "-I", os.path.abspath(core.__file__), "--channel", self.channel,
                "--compile-worker", "--device", str(args.device),
                "--stage-timeout", "%g" % float(args.stage_timeout)]
        if args.pythonpath:
            argv.append("--pythonpath=%s" % args.pythonpath)
        env = dict(os.environ)
        for key, value in WORKER_ENV.items():
            env.setdefault(key, value)
        # Its output is not read: stray prints from torch must not fill a pipe or keep the
        # runner's pipes open after this child is gone.
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, env=env)

    def collect(self, seconds: float) -> Tuple[Dict[str, Data], Optional[str]]:
        """(device -> entry, why some are missing): waits up to `seconds` for the worker."""
        deadline = time.monotonic() + seconds
        while self.proc.poll() is None and time.monotonic() < deadline:
            if self._done():
                break
            time.sleep(0.05)
        entries, error = self._read()
        why = None
        if self.proc.poll() is None and not self._done():
            why = "timeout"
        elif self.proc.returncode is not None and self.proc.returncode < 0:
            why = "the torch.compile worker died by signal %d" % -self.proc.returncode
        elif error:
            why = error
        self.close()
        return entries, why

    def _done(self) -> bool:
        return any(line.get("event") == "compile-done" for line in self._lines())

    def _read(self) -> Tuple[Dict[str, Data], Optional[str]]:
        entries: Dict[str, Data] = {}
        error = None
        for line in self._lines():
            if line.get("event") == "compile" and isinstance(line.get("device"), str):
                entries[line["device"]] = {k: v for k, v in line.items() if k != "event"}
            elif line.get("event") == "compile-done" and line.get("error"):
                error = "the torch.compile worker could not import torch: %s" % line["error"]
        return entries, error

    def _lines(self) -> List[Data]:
        import json

        try:
            with open(self.channel, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError:
            return []
        found = []
        for raw in text.splitlines():
            if '"compile' not in raw:
                continue
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if isinstance(record, dict):
                found.append(record)
        return found

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):  # it ended in between
                self.proc.kill()
        with contextlib.suppress(Exception):  # a zombie is reaped by the child's own exit
            self.proc.wait(timeout=5)


# -- the stages ---------------------------------------------------------------------------------


def _mini_cnn(torch: Any) -> Any:
    """The seed's model in miniature: two convolutions, two linear layers, MNIST-shaped."""
    nn = torch.nn
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10),
    )


def _mnist_batch(torch: Any) -> Tuple[Any, Any]:
    """Synthetic 28×28 digits with learnable labels: one noisy template per class."""
    gen = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 10, (TRAIN_BATCH,), generator=gen)
    templates = torch.randn(10, 1, 28, 28, generator=gen)
    noise = torch.randn(TRAIN_BATCH, 1, 28, 28, generator=gen)
    return templates[labels] + noise * 0.5, labels


def _train(torch: Any, model: Any, batch: Tuple[Any, Any], dev: str, sync: Any) -> List[float]:
    model = copy.deepcopy(model).to(dev)
    images, labels = batch[0].to(dev), batch[1].to(dev)
    optimizer = torch.optim.SGD(model.parameters(), lr=TRAIN_LR, momentum=0.9)
    losses = []
    for _ in range(TRAIN_STEPS):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.item()))
    sync()
    return losses


def judge_training(losses: List[float], reference: List[float]) -> Data:
    """The loss must be finite and fall, and follow the CPU's within the tolerance."""
    entry: Data = {"losses": losses, "status": "ok"}
    if not all(_finite(value) for value in losses):
        entry.update(status="wrong", reason="the loss is not a finite number (%s)" % losses)
    elif losses[-1] >= losses[0]:
        entry.update(status="wrong", reason="the loss did not fall (%.4g to %.4g in %d steps)"
                     % (losses[0], losses[-1], len(losses)))
    elif reference:
        pairs = zip(losses, reference)  # noqa: B905 (no strict= before Python 3.10)
        diff = max(abs(a - b) / max(abs(b), 1e-12) for a, b in pairs)
        entry.update(diff_vs_cpu=diff, tolerance=TRAIN_TOLERANCE)
        if diff > TRAIN_TOLERANCE:
            entry.update(status="wrong", reason="its losses differ from the CPU's by %.2g "
                         "(at most %g)" % (diff, TRAIN_TOLERANCE))
    return entry


def cudnn_versions(torch: Any) -> Optional[Data]:
    """cuDNN (MIOpen on ROCm): the version torch was built with and the one it loaded."""
    library = getattr(torch._C, "_cudnn", None)
    if library is None:
        return None
    hip = bool(getattr(torch.version, "hip", None)) or not getattr(library, "is_cuda", True)
    compiled = tuple(int(p) for p in library.getCompileVersion())
    runtime = tuple(int(p) for p in library.getRuntimeVersion())
    if runtime[0] != compiled[0]:
        compatible = False
    elif hip or runtime[0] < 7:
        compatible = runtime[1] == compiled[1]
    else:  # from cuDNN 7 on, a newer minor is backward compatible
        compatible = runtime[1] >= compiled[1]
    info: Data = {
        "library": "MIOpen" if hip else "cuDNN",
        "compiled": ".".join(str(p) for p in compiled),
        "runtime": ".".join(str(p) for p in runtime),
        "match": runtime == compiled,
        "compatible": compatible,
        "enabled": bool(getattr(torch.backends.cudnn, "enabled", True)),
    }
    try:
        info["available"] = bool(torch.backends.cudnn.is_available())
    except Exception as exc:  # torch's own compatibility check raises here
        info.update(available=False, error=_first_line(exc))
    return info


def _attempt(core: Any, entry: Data, run: Callable[[], None]) -> Data:
    """Run one op check into `entry`: NotImplementedError (torch lacks the op on this backend)
    is a skip, anything else raised is an error."""
    started = time.perf_counter()
    try:
        run()
        entry.setdefault("status", "ok")
    except NotImplementedError as exc:
        if any(name in str(exc) for name in _COMPANION_OPS):  # a companion built for another torch
            entry.update(_fields(core, exc), status="error")
        else:
            entry.update(status="skipped", reason="not implemented there: %s" % _first_line(exc))
    except Exception as exc:  # the op's failure is the finding
        entry.update(_fields(core, exc), status="error")
    entry["seconds"] = time.perf_counter() - started
    return entry


def stage_status(data: Data, results: List[Data]) -> str:
    """failed beats unknown beats ok; nothing run at all is skipped (with the reason)."""
    states = [r.get("status") for r in results]
    if "wrong" in states or "error" in states:
        return "failed"
    unknown = [r for r in results if r.get("status") == "unknown"]
    if unknown:
        data["reason"] = "; ".join(
            "%s: %s" % (r.get("device"), r.get("reason")) for r in unknown[:3])
        return "unknown"
    if "ok" not in states:
        reasons = sorted({str(r.get("reason")) for r in results if r.get("reason")})
        data.setdefault("reason", "; ".join(reasons) or "nothing to check")
        return "skipped"
    return "ok"


class DeepStages:
    """The stage methods of `--deep`, run by the child's Verifier (`v`)."""

    def __init__(self, verifier: Any, core: Any) -> None:
        self.v = verifier
        self.core = core
        self.worker: Optional[CompileWorker] = None

    # -- plumbing --------------------------------------------------------------------------

    def start_worker(self) -> None:
        try:
            self.worker = CompileWorker(self.core, self.v.args)
        except Exception:  # no usable sys.executable: the compile stage runs in this process
            self.worker = None

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()

    def targets(self) -> List[Target]:
        cpu: Data = {"id": "cpu", "kind": "cpu"}
        return [("cpu", "cpu", cpu)] + [(d["id"], d["kind"], d) for d in self.v.accelerators]

    def sync(self, kind: str) -> Callable[[], None]:
        result: Callable[[], None] = self.core._sync(self.v.torch, kind)
        return result

    def per_device(self, data: Data, check: Check) -> str:
        """`check` on every device that passed the kernel check; one or more entries each."""
        results: List[Data] = data.setdefault("results", [])
        for dev, kind, info in self.targets():
            if dev not in self.v.kernel_ok:
                why = self.v.no_kernels.get(dev) or "it failed the kernel check"
                results.append({"device": dev, "kind": kind, "status": "skipped", "reason": why})
                continue
            started = time.perf_counter()
            try:
                entries = check(dev, kind, info)
            except NotImplementedError as exc:
                entries = [{"status": "skipped",
                            "reason": "not implemented there: %s" % _first_line(exc)}]
            except Exception as exc:  # one device's failure; the others still run
                entries = [dict(_fields(self.core, exc), status="error")]
            for entry in entries:
                entry.setdefault("device", dev)
                entry.setdefault("kind", kind)
                entry.setdefault("seconds", time.perf_counter() - started)
            results.extend(entries)
        return stage_status(data, results)

    # -- stages ----------------------------------------------------------------------------

    def stage_training(self, data: Data) -> str:
        torch = self.v.torch
        _strict_fp32(torch)
        data.update(steps=TRAIN_STEPS, batch=TRAIN_BATCH, tolerance=TRAIN_TOLERANCE,
                    optimizer="SGD(lr=%g, momentum=0.9)" % TRAIN_LR)
        batch = _mnist_batch(torch)
        model = _mini_cnn(torch)
        reference: List[float] = []

        def check(dev: str, kind: str, info: Data) -> List[Data]:
            entry = judge_training(_train(torch, model, batch, dev, self.sync(kind)), reference)
            if dev == "cpu" and entry["status"] == "ok":
                reference[:] = entry["losses"]
            return [entry]

        return self.per_device(data, check)

    def stage_convolution(self, data: Data) -> str:
        torch = self.v.torch
        functional = torch.nn.functional
        _strict_fp32(torch)
        library = cudnn_versions(torch)
        if library is not None:
            data["cudnn"] = library
        gen = torch.Generator().manual_seed(1)
        x = torch.randn(4, 16, 32, 32, generator=gen)
        w = torch.randn(32, 16, 3, 3, generator=gen)
        ref = functional.conv2d(x.to(torch.float64), w.to(torch.float64), padding=1)

        def check(dev: str, kind: str, info: Data) -> List[Data]:
            out = functional.conv2d(x.to(dev), w.to(dev), padding=1)
            self.sync(kind)()
            entry = _judge({}, _rel(torch, out, ref), CONV_TOLERANCE)
            if kind in ("cuda", "rocm") and library is not None:
                usable = library.get("available") and library.get("enabled")
                entry["via"] = library["library"] if usable else "native (%s off)" % (
                    library["library"])
            return [entry]

        status = self.per_device(data, check)
        if library is not None and not library["compatible"] and status == "ok":
            return "failed"
        return status

    def stage_linalg(self, data: Data) -> str:
        torch = self.v.torch
        linalg = torch.linalg
        n = 64
        gen = torch.Generator().manual_seed(2)
        # Diagonally shifted: well conditioned, so float32 meets a tight tolerance.
        a = torch.randn(n, n, generator=gen) + torch.eye(n) * 16.0
        b = torch.randn(n, 4, generator=gen)
        a64, b64 = a.to(torch.float64), b.to(torch.float64)
        refs = {"solve": linalg.solve(a64, b64), "svdvals": linalg.svdvals(a64)}
        data.update(n=n, tolerance=LINALG_TOLERANCE)

        def check(dev: str, kind: str, info: Data) -> List[Data]:
            entries = []
            for op in ("solve", "svdvals"):
                entry: Data = {"op": op}

                def run(op: str = op, entry: Data = entry) -> None:
                    args = (a.to(dev), b.to(dev)) if op == "solve" else (a.to(dev),)
                    out = getattr(linalg, op)(*args)
                    self.sync(kind)()
                    _judge(entry, _rel(torch, out, refs[op]), LINALG_TOLERANCE)

                entries.append(_attempt(self.core, entry, run))
            return entries

        return self.per_device(data, check)

    def stage_autocast(self, data: Data) -> str:
        torch = self.v.torch
        functional = torch.nn.functional
        gen = torch.Generator().manual_seed(3)
        a, b = torch.randn(128, 128, generator=gen), torch.randn(128, 128, generator=gen)
        x, w = torch.randn(2, 8, 16, 16, generator=gen), torch.randn(16, 8, 3, 3, generator=gen)
        ref_mm = a.to(torch.float64) @ b.to(torch.float64)
        ref_conv = functional.conv2d(x.to(torch.float64), w.to(torch.float64), padding=1)

        def check(dev: str, kind: str, info: Data) -> List[Data]:
            if not autocast_available(torch, _autocast_type(kind)):
                return [{"status": "skipped",
                         "reason": "this torch has no autocast for %s" % _autocast_type(kind)}]
            entries = []
            for name in autocast_dtypes(kind, info):
                dtype = getattr(torch, name)
                entry: Data = {"dtype": name}

                def run(dtype: Any = dtype, entry: Data = entry) -> None:
                    with torch.autocast(device_type=_autocast_type(kind), dtype=dtype):
                        mm = a.to(dev) @ b.to(dev)
                        conv = functional.conv2d(x.to(dev), w.to(dev), padding=1)
                    self.sync(kind)()
                    err = max(_rel(torch, mm, ref_mm), _rel(torch, conv, ref_conv))
                    _judge(entry, err, AUTOCAST_TOLERANCE[entry["dtype"]])
                    if mm.dtype != dtype or conv.dtype != dtype:
                        entry.update(status="wrong", reason="autocast left the result in %s"
                                     % str(mm.dtype if mm.dtype != dtype else conv.dtype))

                entries.append(_attempt(self.core, entry, run))
            if not entries:
                entries.append({"status": "skipped", "reason": "no lower precision to try"})
            return entries

        return self.per_device(data, check)

    def stage_companion_ops(self, data: Data) -> str:
        info = self.v.companions
        usable = [n for n in ("torchvision", "torchaudio") if (info.get(n) or {}).get("ok")]
        if not usable:
            failed = [n for n in ("torchvision", "torchaudio") if n in info]
            data["reason"] = ("%s does not import (see the companions stage)" % " and ".join(
                failed)) if failed else "torchvision and torchaudio are not installed"
            return "skipped"
        checks: List[Callable[[str, str], Data]] = []
        if "torchvision" in usable:
            checks += self._vision_checks(importlib.import_module("torchvision"))
        if "torchaudio" in usable:
            checks.append(self._audio_check(importlib.import_module("torchaudio")))

        def check(dev: str, kind: str, device: Data) -> List[Data]:
            return [one(dev, kind) for one in checks]

        data["tolerance"] = OPS_TOLERANCE
        return self.per_device(data, check)

    def _vision_checks(self, vision: Any) -> List[Callable[[str, str], Data]]:
        torch = self.v.torch
        boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 11.0, 11.0],
                              [20.0, 20.0, 30.0, 30.0], [0.0, 0.0, 10.0, 10.5]])
        scores = torch.tensor([0.9, 0.8, 0.7, 0.6])
        torch.manual_seed(0)  # the random weights: the same on every device
        try:
            model = vision.models.resnet18(weights=None)
        except TypeError:  # torchvision before 0.13 has no `weights`
            model = vision.models.resnet18()
        model.eval()
        images = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(5))
        reference: List[Any] = []

        def nms(dev: str, kind: str) -> Data:
            entry: Data = {"package": "torchvision", "op": "nms"}

            def run() -> None:
                keep = vision.ops.nms(boxes.to(dev), scores.to(dev), 0.5)
                self.sync(kind)()
                kept = [int(i) for i in keep.to("cpu").tolist()]
                entry.update(kept=kept, status="ok" if kept == [0, 2] else "wrong")
                if kept != [0, 2]:
                    entry["reason"] = "kept boxes %s instead of [0, 2]" % kept

            return _attempt(self.core, entry, run)

        def resnet(dev: str, kind: str) -> Data:
            entry: Data = {"package": "torchvision", "op": "resnet18"}

            def run() -> None:
                with torch.no_grad():
                    out = copy.deepcopy(model).to(dev)(images.to(dev))
                self.sync(kind)()
                self._against_cpu(entry, out, reference, (2, 1000))

            return _attempt(self.core, entry, run)

        return [nms, resnet]

    def _audio_check(self, audio: Any) -> Callable[[str, str], Data]:
        torch = self.v.torch
        rate = 16000
        wave = torch.sin(torch.arange(rate, dtype=torch.float32) * (2 * math.pi * 440 / rate))
        transform = audio.transforms.MelSpectrogram(sample_rate=rate, n_fft=400, n_mels=64)
        reference: List[Any] = []

        def mel(dev: str, kind: str) -> Data:
            entry: Data = {"package": "torchaudio", "op": "MelSpectrogram"}

            def run() -> None:
                out = copy.deepcopy(transform).to(dev)(wave.to(dev))
                self.sync(kind)()
                self._against_cpu(entry, out, reference, None)

            return _attempt(self.core, entry, run)

        return mel

    def _against_cpu(self, entry: Data, out: Any, reference: List[Any], shape: Any) -> None:
        """The CPU's output is the reference; every device's must be finite and match it."""
        torch = self.v.torch
        out = out.to("cpu").to(torch.float64)
        entry["shape"] = list(out.shape)
        finite = bool(torch.isfinite(out).all().item())
        if not finite or (shape is not None and tuple(out.shape) != shape):
            entry.update(status="wrong", reason="not finite" if not finite else
                         "shape %s instead of %s" % (list(out.shape), list(shape)))
            return
        if not reference:  # the CPU runs first
            reference.append(out)
            entry["status"] = "ok"
            return
        err = float(((out - reference[0]).norm() / reference[0].norm()).item())
        _judge(entry, err, OPS_TOLERANCE)

    def stage_nccl(self, data: Data) -> str:
        torch = self.v.torch
        version = torch.version
        hip = getattr(version, "hip", None)
        if not (getattr(version, "cuda", None) or hip):
            data["reason"] = "not a CUDA or ROCm build"
            return "skipped"
        data["library"] = "RCCL" if hip else "NCCL"
        if sys.platform == "win32":
            data["reason"] = "torch's Windows builds come without NCCL"
            return "skipped"
        distributed = importlib.import_module("torch.distributed")
        data["distributed"] = bool(distributed.is_available())
        data["backend"] = bool(data["distributed"] and distributed.is_nccl_available())
        try:
            found = torch.cuda.nccl.version()
            parts = list(found) if isinstance(found, (tuple, list)) else [found]
            data["version"] = ".".join(str(p) for p in parts[:3])
            if len(parts) > 3 and parts[3]:
                data["version"] += str(parts[3])
        except Exception as exc:  # a build without NCCL has no _nccl_version
            data["error"] = "%s: %s" % (type(exc).__name__, _first_line(exc))
        return "ok" if data["backend"] and data.get("version") else "failed"

    def stage_compile(self, data: Data) -> str:
        torch = self.v.torch
        budget = max(0.5, self.v.budget("compile") - 1.0)
        found: Dict[str, Data] = {}
        why: Optional[str] = None
        if self.worker is not None:
            found, why = self.worker.collect(budget)
            data["worker"] = True
        data["tolerance"] = COMPILE_TOLERANCE
        blamed: List[str] = []

        def check(dev: str, kind: str, info: Data) -> List[Data]:
            if dev in found:
                return [found[dev]]
            if self.worker is None:
                return [compile_check(torch, dev, kind, self.core)]
            if blamed or not why:  # the worker stopped on an earlier device
                after = "after %s" % blamed[0] if blamed else "for this device"
                return [{"status": "skipped", "reason": "the torch.compile worker gave no result "
                         + after}]
            blamed.append(dev)
            if why == "timeout":
                return [{"status": "unknown",
                         "reason": "did not finish within %g s" % self.v.budget("compile")}]
            return [{"status": "error", "error": why, "error_type": "WorkerError"}]

        return self.per_device(data, check)

    def stage_throughput(self, data: Data) -> str:
        torch = self.v.torch
        budget = max(0.05, float(self.v.args.bench_seconds) / 4)
        cpu = self.v.bench_gflops.get("cpu")
        matmul: List[Data] = []
        copies: List[Data] = []
        data.update(budget_s=budget, matmul=matmul, copy=copies,
                    speedup_baseline="CPU float32 (benchmark stage)")
        for dev, kind, info in self.targets():
            if dev not in self.v.kernel_ok:
                continue
            memory = info.get("memory_bytes")
            for label, name in bench_dtypes(kind, info):
                entry: Data = {"device": dev, "kind": kind, "dtype": label}
                measure = _Measure(self.core, torch, entry, (dev, kind, budget, memory), name)
                matmul.append(_attempt(self.core, entry, measure))
                if cpu and entry.get("gflops"):
                    entry["speedup"] = entry["gflops"] / cpu
            if kind != "cpu":
                copies += self._copies(dev, kind, budget, memory)
        failed = [e for e in matmul + copies if e.get("status") == "error"]
        if not matmul and not copies:
            data["reason"] = "nothing to measure"
            return "skipped"
        return "failed" if failed else "ok"

    def _copies(self, dev: str, kind: str, budget: float, memory: Any) -> List[Data]:
        """Host-to-device and device-to-host bandwidth, pinned host memory where possible."""
        torch = self.v.torch
        size = COPY_BYTES if not memory else max(2**20, min(COPY_BYTES, int(memory) // 16))
        sync = self.sync(kind)
        entries = [{"device": dev, "kind": kind, "copy": "h2d"},
                   {"device": dev, "kind": kind, "copy": "d2h"}]
        host = torch.empty(size, dtype=torch.uint8)
        pinned = False
        try:
            host = host.pin_memory()
            pinned = True
        except Exception:  # not every backend pins host memory: pageable then
            pass
        on_device = torch.empty(size, dtype=torch.uint8, device=dev)
        for entry in entries:
            dst, src = (on_device, host) if entry["copy"] == "h2d" else (host, on_device)

            def run(dst: Any = dst, src: Any = src, entry: Data = entry) -> None:
                entry.update(_time_copy(dst, src, sync, pinned, budget / 2, size))

            _attempt(self.core, entry, run)
        return entries

    def stage_device_errors(self, data: Data) -> str:
        torch = self.v.torch
        cuda = [t for t in self.targets() if t[1] == "cuda" and t[0] in self.v.kernel_ok]
        results: List[Data] = []
        data["results"] = results
        if not cuda:
            rocm = any(t[1] == "rocm" for t in self.targets())
            data["reason"] = ("ROCm builds leave device-side assertions out unless built to "
                              "keep them" if rocm else "no CUDA device to check")
            return "skipped"
        dev, kind, _ = cuda[0]
        # Last stage, one device: a device-side assertion leaves CUDA unusable in this process.
        data["note"] = "checked on %s, last: a device-side assertion poisons the process" % dev
        entry: Data = {"device": dev, "kind": kind, "check": "out-of-bounds index"}
        started = time.perf_counter()
        try:
            values = torch.zeros(8, device=dev)
            index = torch.tensor([64], device=dev)
            got = values[index]
            self.sync(kind)()
            shown = got.to("cpu").tolist()
            entry.update(status="wrong", reason="reading index 64 of 8 values returned %s "
                         "instead of raising" % shown)
        except Exception as exc:  # the error being raised is the good outcome
            entry.update(status="ok", raised="%s: %s" % (type(exc).__name__, _first_line(exc)))
        entry["seconds"] = time.perf_counter() - started
        results.append(entry)
        for other, other_kind, _ in cuda[1:]:
            results.append({"device": other, "kind": other_kind, "status": "skipped",
                            "reason": "checked on %s only" % dev})
        return "failed" if entry["status"] != "ok" else "ok"


class _Measure:
    """One matmul figure of the throughput stage: `core._bench` in `dtype` (tf32: float32 with
    TF32 allowed), into `entry`."""

    def __init__(self, core: Any, torch: Any, entry: Data, where: Tuple[Any, ...],
                 dtype: str) -> None:
        self.core, self.torch, self.entry, self.where, self.dtype = core, torch, entry, where, dtype

    def __call__(self) -> None:
        dev, kind, budget, memory = self.where
        with _tf32(self.torch, self.entry["dtype"] == "tf32"):
            self.entry.update(self.core._bench(self.torch, dev, kind, budget, memory,
                                               getattr(self.torch, self.dtype)))


class _tf32:
    """Allow TF32 matmuls inside the block when asked (the throughput stage's tf32 figure)."""

    def __init__(self, torch: Any, on: bool) -> None:
        self.matmul: Any = getattr(getattr(torch.backends, "cuda", None), "matmul", None)
        self.on = on and self.matmul is not None

    def __enter__(self) -> None:
        if self.on:
            self.matmul.allow_tf32 = True

    def __exit__(self, *exc: object) -> None:
        if self.on:
            self.matmul.allow_tf32 = False


def _time_copy(dst: Any, src: Any, sync: Any, pinned: bool, budget: float, size: int) -> Data:
    """Median GB/s of one copy, repeated while the budget lasts (at least 3, at most 100)."""
    def once() -> float:
        t0 = time.perf_counter()
        dst.copy_(src, non_blocking=pinned)
        sync()
        return time.perf_counter() - t0

    once()  # warm-up
    first = once()
    repeats = int(min(100, max(3, budget / max(first, 1e-6))))
    times = sorted(once() for _ in range(repeats))
    median = times[len(times) // 2]
    return {"status": "ok", "bytes": size, "pinned": pinned, "repeats": repeats,
            "gb_s": size / max(median, 1e-9) / 1e9}
