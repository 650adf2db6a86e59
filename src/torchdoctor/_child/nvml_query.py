"""Ask NVML (through nvidia-ml-py) about the NVIDIA driver and its GPUs.

Runs in a child process of torchdoctor's own interpreter, so a driver that hangs or crashes inside
NVML costs a timeout, not the whole run. Writes one JSON object to the file named by
`--channel PATH`:

    {"ok": true, "driver_version": "550.144.03", "cuda_driver_version": "12.4",
     "gpus": [{"index": 0, "name": "...", "compute_capability": "8.9", "memory_mib": 24564,
               "pci_bus_id": "00000000:01:00.0", "pci_device_id": "0x268410DE"}]}
    {"ok": false, "error": "Driver/library version mismatch", "error_code": 18}
"""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Any, Dict, List


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _query() -> Dict[str, Any]:
    try:
        import pynvml
    except ImportError as exc:
        return {
            "ok": False,
            "error": "nvidia-ml-py is not installed (%s)" % exc,
            "error_code": None,
        }
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        return {"ok": False, "error": _text(exc), "error_code": getattr(exc, "value", None)}
    try:
        result = {"ok": True, "driver_version": _text(pynvml.nvmlSystemGetDriverVersion())}
        try:
            cuda = int(pynvml.nvmlSystemGetCudaDriverVersion_v2())
            result["cuda_driver_version"] = "%d.%d" % (cuda // 1000, (cuda % 1000) // 10)
        except pynvml.NVMLError:
            result["cuda_driver_version"] = None
        result["gpus"] = [_gpu(pynvml, index) for index in range(pynvml.nvmlDeviceGetCount())]
        return result
    except pynvml.NVMLError as exc:
        return {"ok": False, "error": _text(exc), "error_code": getattr(exc, "value", None)}
    finally:
        with contextlib.suppress(pynvml.NVMLError):
            pynvml.nvmlShutdown()


def _gpu(pynvml: Any, index: int) -> Dict[str, Any]:
    handle = pynvml.nvmlDeviceGetHandleByIndex(index)
    gpu = {"index": index, "name": _text(pynvml.nvmlDeviceGetName(handle))}  # type: Dict[str, Any]
    # Each further query is optional: an old driver or a MIG setup may refuse one of them.
    try:
        major, minor = pynvml.nvmlDeviceGetCudaComputeCapability(handle)
        gpu["compute_capability"] = "%d.%d" % (major, minor)
    except pynvml.NVMLError:
        gpu["compute_capability"] = None
    try:
        gpu["memory_mib"] = int(pynvml.nvmlDeviceGetMemoryInfo(handle).total) // (1024 * 1024)
    except pynvml.NVMLError:
        gpu["memory_mib"] = None
    try:
        pci = pynvml.nvmlDeviceGetPciInfo(handle)
        gpu["pci_bus_id"] = _text(pci.busId)
        gpu["pci_device_id"] = "0x%08X" % int(pci.pciDeviceId)
    except pynvml.NVMLError:
        gpu["pci_bus_id"] = None
        gpu["pci_device_id"] = None
    return gpu


def main(argv: List[str]) -> int:
    if "--channel" not in argv or argv.index("--channel") + 1 >= len(argv):
        sys.stderr.write("usage: nvml_query.py --channel PATH\n")
        return 2
    try:
        result = _query()
    except Exception as exc:  # any surprise inside the binding becomes an answer, not a crash
        result = {"ok": False, "error": "%s: %s" % (type(exc).__name__, exc), "error_code": None}
    with open(argv[argv.index("--channel") + 1], "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
