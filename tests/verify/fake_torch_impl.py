"""The source of the fake `torch` package the failure tests install into throwaway venvs.

This file is copied, not imported: the fixture writes `<before>` + this text + `FAKE.update(...)`
as `torch/__init__.py`. It implements just enough of torch's API for the verification child
(the deep stages included), and fails in the ways `FAKE` asks for. Tensors are symbolic (a value
per tensor), so a "256×256 matmul" or a training step costs nothing, and a relative error is
whatever the test sets.

FAKE keys: `version`, `cuda`, `hip`, `arch_flags`, `devices`, `cuda_init_warning`, `hang_in`,
`gflops` (kind -> simulated GFLOP/s), `misbehave` (device -> action, for a matmul), `wrong`
(device -> relative error of a matmul); for the deep stages `fail` (op -> device -> action),
`wrong_op` (op -> device -> relative error), `losses` (device -> the loss of each step),
`autocast_ignored` (devices), `cudnn_versions` ({"compiled": [...], "runtime": [...]}), `nccl`
(a version list, or None for a build without it), `oob_silent` (an out-of-bounds index returns).
An action is "segfault", "kill", "hang", or "ErrorName: text" (any name: a RuntimeError
subclass of that name is raised; NotImplementedError is the builtin), or a RuntimeError's text.
"""

from __future__ import annotations

import builtins
import os
import signal
import sys
import time
import types
import warnings
from typing import Any

FAKE: dict[str, Any] = {}
__version__ = "0.0.0"
_LOSSES = [2.3, 2.0, 1.6, 1.3, 1.0]
_calls: dict[str, int] = {}


class dtype:  # torch's spelling
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return "torch." + self.name


float16, float32, float64 = dtype("float16"), dtype("float32"), dtype("float64")
bfloat16, uint8, int64 = dtype("bfloat16"), dtype("uint8"), dtype("int64")


def _kind(device: str) -> str:
    return device.split(":")[0]


def _act(action: str) -> None:
    if action == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif action == "hang":
        time.sleep(3600)
    elif action:
        name, sep, text = action.partition(": ")
        if sep and name.isidentifier():
            kind = getattr(builtins, name, None)
            if not (isinstance(kind, type) and issubclass(kind, Exception)):
                kind = type(name, (RuntimeError,), {})
            raise kind(text)
        raise RuntimeError(action)


def _misbehave(device: str) -> None:
    _act(FAKE.get("misbehave", {}).get(device, ""))


def _fail(op: str, device: str) -> None:
    _act(FAKE.get("fail", {}).get(op, {}).get(device, ""))


def _off(op: str, device: str) -> float:
    return float(FAKE.get("wrong_op", {}).get(op, {}).get(device, 0.0))


_autocast: list[Any] = []  # the (device kind, dtype) of the autocast blocks entered


def _cast(device: str, default: Any) -> Any:
    active = _autocast and _autocast[-1][0] == _kind(device).replace("rocm", "cuda")
    if active and device not in FAKE.get("autocast_ignored", []):
        return _autocast[-1][1]
    return default


class Tensor:
    def __init__(self, shape: Any, value: float = 1.0, device: str = "cpu", dtype: Any = None,
                 data: Any = None) -> None:
        self.shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape, shape)
        self.value = value
        self.device = device
        self.dtype = dtype or float32
        self.data = data

    def _new(self, value: float, **changes: Any) -> Tensor:
        fields = {"shape": self.shape, "value": value, "device": self.device,
                  "dtype": self.dtype, "data": self.data}
        fields.update(changes)
        return Tensor(**fields)

    def to(self, target: Any) -> Tensor:
        if isinstance(target, dtype):
            return self._new(self.value, dtype=target)
        return self._new(self.value, device=str(target))

    def pin_memory(self) -> Tensor:
        return self

    def copy_(self, src: Tensor, non_blocking: bool = False) -> Tensor:
        _fail("copy", src.device if src.device != "cpu" else self.device)
        return self

    def __matmul__(self, other: Tensor) -> Tensor:
        n = self.shape[0]
        if self.device != "cpu" or FAKE.get("misbehave", {}).get("cpu"):
            _misbehave(self.device)
        gflops = FAKE.get("gflops", {}).get(_kind(self.device))
        if gflops:
            time.sleep(2.0 * n**3 / (gflops * 1e9))
        if self.dtype is bfloat16:
            _fail("bfloat16", self.device)
        value = self.value * other.value * (1.0 + FAKE.get("wrong", {}).get(self.device, 0.0))
        return self._new(value, dtype=_cast(self.device, self.dtype))

    def __getitem__(self, index: Any) -> Tensor:
        if isinstance(index, Tensor) and index.data and self.data is not None:
            if not FAKE.get("oob_silent"):
                raise RuntimeError("CUDA error: device-side assert triggered")
            return self._new(0.0, data=[0.0])
        return self._new(self.value)

    def __add__(self, other: Any) -> Tensor:
        return self._new(self.value + (other.value if isinstance(other, Tensor) else other))

    __radd__ = __add__

    def __mul__(self, other: Any) -> Tensor:
        return self._new(self.value * (other.value if isinstance(other, Tensor) else other))

    __rmul__ = __mul__

    def __sub__(self, other: Tensor) -> Tensor:
        return self._new(self.value - other.value)

    def __truediv__(self, other: Tensor) -> Tensor:
        return self._new(self.value / other.value)

    def norm(self) -> Tensor:
        return self._new(abs(self.value))

    def all(self) -> Tensor:
        return self

    def item(self) -> Any:
        return float(self.value)

    def tolist(self) -> Any:
        return list(self.data) if self.data is not None else [self.value]

    def backward(self) -> None:
        _fail("backward", self.device)


class Generator:
    def manual_seed(self, seed: int) -> Generator:
        return self


def _shape(size: tuple[Any, ...]) -> tuple[int, ...]:
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


def randn(*size: Any, generator: Any = None, dtype: Any = None, device: str = "cpu") -> Tensor:
    return Tensor(_shape(size), 1.0, str(device), dtype)


def randint(low: int, high: int, size: Any, generator: Any = None) -> Tensor:
    return Tensor(size, 1.0, dtype=int64)


def empty(*size: Any, dtype: Any = None, device: str = "cpu") -> Tensor:
    return Tensor(_shape(size), 0.0, str(device), dtype)


def zeros(*size: Any, dtype: Any = None, device: str = "cpu") -> Tensor:
    return Tensor(_shape(size), 0.0, str(device), dtype, data=[0.0] * int(size[0]))


def eye(n: int) -> Tensor:
    return Tensor((n, n), 1.0)


def arange(n: int, dtype: Any = None) -> Tensor:
    return Tensor((n,), 1.0, dtype=dtype)


def tensor(data: Any, dtype: Any = None, device: str = "cpu") -> Tensor:
    return Tensor((len(data),), 1.0, str(device), dtype, data=list(data))


def sin(x: Tensor) -> Tensor:
    return x._new(x.value)


def isfinite(x: Tensor) -> Tensor:
    return x._new(1.0 if x.value == x.value and abs(x.value) != float("inf") else 0.0)


def manual_seed(seed: int) -> None:
    return None


def get_num_threads() -> int:
    return 2


class no_grad:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


class autocast:
    def __init__(self, device_type: str, dtype: Any = None) -> None:
        self.entry = (device_type, dtype)

    def __enter__(self) -> None:
        _fail("autocast", self.entry[0])
        _autocast.append(self.entry)

    def __exit__(self, *exc: object) -> None:
        _autocast.pop()


def compile(fn: Any, **options: Any) -> Any:
    def compiled(x: Tensor) -> Tensor:
        _fail("compile", x.device)
        out: Tensor = fn(x)
        return out._new(out.value * (1.0 + _off("compile", x.device)))

    return compiled


# -- torch.nn ---------------------------------------------------------------------------------


class _Module:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.device = "cpu"
        self.out_shape: Any = None

    def to(self, device: Any) -> _Module:
        self.device = str(device)
        return self

    def eval(self) -> _Module:
        return self

    def parameters(self) -> list[Tensor]:
        return [Tensor((2, 2), 1.0, self.device)]

    def __call__(self, x: Tensor) -> Tensor:
        return x._new(x.value, device=self.device)


class Sequential(_Module):
    pass


def _conv2d(x: Tensor, w: Tensor, bias: Any = None, padding: int = 0) -> Tensor:
    _fail("conv2d", x.device)
    value = x.value * w.value * (1.0 + _off("conv2d", x.device))
    return x._new(value, dtype=_cast(x.device, x.dtype))


def _cross_entropy(out: Tensor, labels: Tensor) -> Tensor:
    step = _calls.get(out.device, 0)
    _calls[out.device] = step + 1
    losses = FAKE.get("losses", {}).get(out.device, _LOSSES)
    return out._new(float(losses[step % len(losses)]), shape=())


class _SGD:
    def __init__(self, params: Any, lr: float = 0.0, momentum: float = 0.0) -> None:
        self.params = list(params)

    def zero_grad(self) -> None:
        return None

    def step(self) -> None:
        return None


nn = types.SimpleNamespace(
    Sequential=Sequential, Conv2d=_Module, ReLU=_Module, MaxPool2d=_Module, Flatten=_Module,
    Linear=_Module, Module=_Module,
    functional=types.SimpleNamespace(conv2d=_conv2d, cross_entropy=_cross_entropy),
)
optim = types.SimpleNamespace(SGD=_SGD)


def _solve(a: Tensor, b: Tensor) -> Tensor:
    _fail("solve", a.device)
    return b._new(b.value / a.value * (1.0 + _off("solve", a.device)))


def _svdvals(a: Tensor) -> Tensor:
    _fail("svdvals", a.device)
    return a._new(a.value * (1.0 + _off("svdvals", a.device)))


linalg = types.SimpleNamespace(solve=_solve, svdvals=_svdvals)


# -- devices, build, backends ------------------------------------------------------------------


def _parallel_info() -> str:
    return "ATen/Parallel:\n\tat::get_num_threads() : 2\nATen parallel backend: OpenMP\n"


def _device_count() -> int:
    if FAKE.get("hang_in") == "device_count":
        time.sleep(3600)
    if FAKE.get("cuda_init_warning"):
        warnings.warn("CUDA initialization: " + FAKE["cuda_init_warning"], stacklevel=2)
        return 0
    return len(FAKE.get("devices", []))


def _props(index: int) -> Any:
    spec = FAKE["devices"][index]
    return types.SimpleNamespace(
        name=spec["name"], major=spec.get("major", 0), minor=spec.get("minor", 0),
        total_memory=spec.get("memory", 8 * 2**30), multi_processor_count=40,
        gcnArchName=spec.get("gcn", ""),
    )


def _nccl_version() -> Any:
    if FAKE.get("nccl") is None:
        raise AttributeError("module 'torch._C' has no attribute '_nccl_version'")
    return tuple(FAKE["nccl"])


version = types.SimpleNamespace(cuda=None, hip=None, xpu=None, debug=False, git_version="fake")
cuda = types.SimpleNamespace(
    device_count=_device_count,
    is_available=lambda: _device_count() > 0,
    init=lambda: None,
    get_device_properties=_props,
    synchronize=lambda *a: None,
    get_arch_list=lambda: [],
    nccl=types.SimpleNamespace(version=_nccl_version),
)
backends = types.SimpleNamespace(
    cudnn=types.SimpleNamespace(is_available=lambda: bool(version.cuda), version=lambda: 90100,
                                enabled=True, allow_tf32=True),
    mps=types.SimpleNamespace(is_built=lambda: False, is_available=lambda: False),
    cpu=types.SimpleNamespace(get_cpu_capability=lambda: "AVX2"),
    cuda=types.SimpleNamespace(matmul=types.SimpleNamespace(allow_tf32=False)),
)
__config__ = types.SimpleNamespace(parallel_info=_parallel_info)
distributed = types.ModuleType("torch.distributed")
distributed.is_available = lambda: True  # type: ignore[attr-defined]
distributed.is_nccl_available = lambda: FAKE.get("nccl") is not None  # type: ignore[attr-defined]
sys.modules["torch.distributed"] = distributed


def _configure() -> None:
    global __version__
    __version__ = FAKE.get("version", "2.5.1+cpu")
    version.cuda = FAKE.get("cuda")
    version.hip = FAKE.get("hip")
    if "arch_flags" in FAKE:
        _C._cuda_getArchFlags = lambda: FAKE["arch_flags"]
    if version.cuda or version.hip:
        FAKE.setdefault("nccl", [2, 21, 5])
        versions = FAKE.get("cudnn_versions", {"compiled": [9, 1, 0], "runtime": [9, 1, 0]})
        _C._cudnn = types.SimpleNamespace(
            getCompileVersion=lambda: tuple(versions["compiled"]),
            getRuntimeVersion=lambda: tuple(versions["runtime"]),
            is_cuda=not version.hip,
        )


_C = types.SimpleNamespace()
