"""The source of the fake `torch` package the failure tests install into throwaway venvs.

This file is copied, not imported: the fixture writes `<before>` + this text + `FAKE.update(...)`
as `torch/__init__.py`. It implements just enough of torch's API for the verification child,
and fails in the ways `FAKE` asks for. Tensors are symbolic (a value per matrix), so a "256×256
matmul" costs nothing and its relative error is whatever the test sets.
"""

from __future__ import annotations

import os
import signal
import time
import types
import warnings
from typing import Any

FAKE: dict[str, Any] = {}
__version__ = "0.0.0"


class dtype:  # torch's spelling
    def __init__(self, name: str) -> None:
        self.name = name


float16, float32, float64 = dtype("float16"), dtype("float32"), dtype("float64")


def _kind(device: str) -> str:
    return device.split(":")[0]


def _misbehave(device: str) -> None:
    action = FAKE.get("misbehave", {}).get(device)
    if action == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif action == "hang":
        time.sleep(3600)
    elif action:
        raise RuntimeError(action)


class Tensor:
    def __init__(self, n: int, value: float, device: str = "cpu") -> None:
        self.shape = (n, n)
        self.value = value
        self.device = device

    def to(self, target: Any) -> Tensor:
        if isinstance(target, dtype):
            return self
        return Tensor(self.shape[0], self.value, str(target))

    def __matmul__(self, other: Tensor) -> Tensor:
        n = self.shape[0]
        if self.device != "cpu" or FAKE.get("misbehave", {}).get("cpu"):
            _misbehave(self.device)
        gflops = FAKE.get("gflops", {}).get(_kind(self.device))
        if gflops:
            time.sleep(2.0 * n**3 / (gflops * 1e9))
        value = self.value * other.value * (1.0 + FAKE.get("wrong", {}).get(self.device, 0.0))
        return Tensor(n, value, self.device)

    def __sub__(self, other: Tensor) -> Tensor:
        return Tensor(self.shape[0], self.value - other.value, self.device)

    def __truediv__(self, other: Tensor) -> Tensor:
        return Tensor(self.shape[0], self.value / other.value, self.device)

    def norm(self) -> Tensor:
        return Tensor(self.shape[0], abs(self.value), self.device)

    def item(self) -> float:
        return float(self.value)


class Generator:
    def manual_seed(self, seed: int) -> Generator:
        return self


def randn(n: int, m: int, generator: Any = None, dtype: Any = None, device: str = "cpu") -> Tensor:
    return Tensor(n, 1.0, str(device))


def manual_seed(seed: int) -> None:
    return None


def get_num_threads() -> int:
    return 2


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


version = types.SimpleNamespace(cuda=None, hip=None, xpu=None, debug=False, git_version="fake")
cuda = types.SimpleNamespace(
    device_count=_device_count,
    is_available=lambda: _device_count() > 0,
    init=lambda: None,
    get_device_properties=_props,
    synchronize=lambda *a: None,
    get_arch_list=lambda: [],
)
backends = types.SimpleNamespace(
    cudnn=types.SimpleNamespace(is_available=lambda: bool(version.cuda), version=lambda: 90100),
    mps=types.SimpleNamespace(is_built=lambda: False, is_available=lambda: False),
    cpu=types.SimpleNamespace(get_cpu_capability=lambda: "AVX2"),
    cuda=types.SimpleNamespace(matmul=types.SimpleNamespace(allow_tf32=False)),
)
__config__ = types.SimpleNamespace(parallel_info=_parallel_info)


def _configure() -> None:
    global __version__
    __version__ = FAKE.get("version", "2.5.1+cpu")
    version.cuda = FAKE.get("cuda")
    version.hip = FAKE.get("hip")
    if "arch_flags" in FAKE:
        _C._cuda_getArchFlags = lambda: FAKE["arch_flags"]


_C = types.SimpleNamespace()
