"""Read-only views of the facts for the renderers: the target line and the collect_env table.

Every lookup is defensive: a renderer must never crash on a facts document from another version,
another machine or a probe that could not run. A missing value becomes "Could not collect", the
words `python -m torch.utils.collect_env` uses, so PyTorch triagers read the table as they know it.
The facts layout is documented in docs/facts.md (sections os, cpu, python, nvidia, pci, amd, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NOT_COLLECTED = "Could not collect"

# Distributions shown under "Versions of relevant libraries" (collect_env's own filter, widened).
_RELEVANT_PREFIXES = (
    "torch", "numpy", "triton", "nvidia-", "pytorch-", "intel-", "mkl", "onnx", "optree", "rocm",
)  # fmt: skip


_SYSTEM_NAMES = {"linux": "Linux", "macos": "macOS", "windows": "Windows"}


def dig(data: Any, path: str) -> Any:
    """`dig(facts, "python.torch_copies.0.version")`: the value there, or None."""
    node = data
    for part in path.split("."):
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _first(data: Any, *paths: str) -> Any:
    for path in paths:
        value = dig(data, path)
        if value is not None and value != "":
            return value
    return None


def _yes_no(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return NOT_COLLECTED if value is None else str(value)


def target_description(facts: Mapping[str, Any]) -> str:
    """ "CPython 3.11.9, venv" for the header line; "" when nothing is known."""
    impl = dig(facts, "python.implementation")
    names = {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalPy"}
    parts = []
    version = dig(facts, "python.version")
    if impl or version:
        label = names.get(str(impl).lower(), str(impl)) if impl else "Python"
        parts.append(f"{label} {version}" if version else label)
    if dig(facts, "python.free_threaded") is True:
        parts.append("free-threaded")
    kind = dig(facts, "python.env_kind")
    if kind:
        parts.append(str(kind))
    return ", ".join(parts)


def _torch_installed(facts: Mapping[str, Any]) -> bool | None:
    copies = dig(facts, "python.torch_copies")
    return None if copies is None else bool(copies)


def _torch_build(facts: Mapping[str, Any], key: str, unset: str = "None") -> str:
    installed = _torch_installed(facts)
    if installed is None:
        return NOT_COLLECTED
    if not installed:
        return "N/A"
    value = dig(facts, f"python.torch_copies.0.{key}")
    return unset if value is None else str(value)


def _os_line(facts: Mapping[str, Any]) -> str:
    name = _first(facts, "os.distribution", "os.system")
    arch = dig(facts, "os.arch")
    if name is None:
        return NOT_COLLECTED
    return f"{name} ({arch})" if arch else str(name)


def _libc(facts: Mapping[str, Any]) -> str:
    name, version = dig(facts, "os.libc_name"), dig(facts, "os.libc_version")
    if not version:
        return "N/A" if dig(facts, "os.system") in ("macos", "windows") else NOT_COLLECTED
    return f"{name or 'libc'}-{version}"


def _python_version(facts: Mapping[str, Any]) -> str:
    version, bits = dig(facts, "python.version"), dig(facts, "python.pointer_bits")
    if not version:
        return NOT_COLLECTED
    return f"{version} ({bits}-bit runtime)" if bits else str(version)


def _python_platform(facts: Mapping[str, Any]) -> str:
    system = dig(facts, "os.system")
    system = _SYSTEM_NAMES.get(str(system), system) if system else None
    parts = [system, dig(facts, "os.kernel"), dig(facts, "os.arch")]
    known = [str(p) for p in parts if p]
    if not known:
        return _first(facts, "python.platform_tag") or NOT_COLLECTED
    libc = dig(facts, "os.libc_version")
    tail = f"-with-{dig(facts, 'os.libc_name') or 'libc'}{libc}" if libc else ""
    return "-".join(known) + tail


def _gpus(facts: Mapping[str, Any]) -> str:
    nvidia = dig(facts, "nvidia.gpus") or []
    lines = [f"GPU {g.get('index', i)}: {g.get('name')}" for i, g in enumerate(nvidia)]
    amd = dig(facts, "amd.gpus") or []
    lines += [f"{g.get('name') or 'AMD GPU'} ({g.get('gfx')})" for g in amd]
    if not lines:
        for gpu in dig(facts, "pci.gpus") or []:
            name = gpu.get("name") or f"{gpu.get('vendor_id')}:{gpu.get('device_id')}"
            driver = gpu.get("driver") or "no driver"
            lines.append(f"{name} (PCI, {driver})")
    if lines:
        return "<br>".join(lines)
    return "None" if dig(facts, "pci.status") == "absent" else NOT_COLLECTED


def verify_stages(verify: Mapping[str, Any] | None) -> dict[str, Any]:
    """{stage name: its `data`} from a verification result (`stages` list, see docs/verify.md)."""
    stages = dig(verify, "stages")
    if not isinstance(stages, list):
        return {}
    return {
        str(s.get("name")): s.get("data") or {}
        for s in stages
        if isinstance(s, Mapping) and s.get("status") not in ("skipped", "not_run")
    }


def _available(stages: Mapping[str, Any], *kinds: str) -> str:
    """Yes/No from the devices stage; No for a build without that backend; else not collected."""
    if "devices" in stages:
        flags = [dig(stages, f"devices.{kind}.available") for kind in kinds]
        return "Yes" if any(flags) else "No"
    if "build" in stages and not any(dig(stages, f"build.{k}") for k in ("cuda", "hip", "xpu")):
        return "No"  # a CPU build: nothing could be available
    return NOT_COLLECTED


def _cudnn(facts: Mapping[str, Any], stages: Mapping[str, Any]) -> str:
    value = dig(stages, "build.cudnn")
    if value is not None:
        return str(value)
    for dist in dig(facts, "python.distributions") or []:
        if str(dist.get("name", "")).startswith("nvidia-cudnn"):
            return f"{dist.get('version')} ({dist.get('name')})"
    if "build" in stages and not (dig(stages, "build.cuda") or dig(stages, "build.hip")):
        return "N/A"  # a build without CUDA or ROCm has no cuDNN
    return NOT_COLLECTED


def collect_env_rows(
    facts: Mapping[str, Any], verify: Mapping[str, Any] | None = None
) -> list[tuple[str, str]]:
    """The environment table: collect_env's field names, values from the facts (and verify).

    `Is CUDA available` and friends need torch imported, so they come from the verification
    result when it ran; detection alone leaves them "Could not collect".
    """
    stages = verify_stages(verify)
    hip = dig(stages, "build.hip") or ("N/A" if "build" in stages else NOT_COLLECTED)
    return [
        ("PyTorch version", _torch_build(facts, "version")),
        ("Is debug build", _yes_no(dig(stages, "build.debug"))),
        ("CUDA used to build PyTorch", _torch_build(facts, "cuda")),
        ("ROCM used to build PyTorch", _torch_build(facts, "hip", unset="N/A")),
        ("OS", _os_line(facts)),
        ("Libc version", _libc(facts)),
        ("Python version", _python_version(facts)),
        ("Python platform", _python_platform(facts)),
        ("Python executable", str(_first(facts, "python.executable") or NOT_COLLECTED)),
        ("Is CUDA available", _available(stages, "cuda", "rocm")),
        ("GPU models and configuration", _gpus(facts)),
        ("Nvidia driver version", str(_first(facts, "nvidia.driver_version") or "N/A")),
        ("cuDNN version", _cudnn(facts, stages)),
        ("HIP runtime version", str(hip)),
        ("Is XPU available", _available(stages, "xpu")),
        ("CPU", str(_first(facts, "cpu.model") or NOT_COLLECTED)),
    ]


def relevant_packages(facts: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, version) of the installed distributions collect_env would list, sorted by name."""
    found = []
    for dist in dig(facts, "python.distributions") or []:
        name = str(dist.get("name", ""))
        if name.startswith(_RELEVANT_PREFIXES):
            found.append((name, str(dist.get("version", ""))))
    return sorted(found)


def environment_variables(facts: Mapping[str, Any]) -> dict[str, str]:
    """The allow-listed environment variables recorded in the facts (already filtered there)."""
    variables = dig(facts, "env.variables")
    if not isinstance(variables, Mapping):
        return {}
    return {str(k): str(v) for k, v in variables.items()}
