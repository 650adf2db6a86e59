"""Read-only views of a report's facts and verification for the renderers: the target line and
the collect_env table.

A value that is not known becomes "Could not collect", the words `python -m
torch.utils.collect_env` uses, so PyTorch triagers read the table as they know it. The facts are
typed (docs/facts.md); the verification's stage data is the child's own record (docs/verify.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torchdoctor.facts import Facts, TorchCopy
from torchdoctor.report import Report
from torchdoctor.verify.result import StageStatus, VerifyResult

NOT_COLLECTED = "Could not collect"

# Distributions shown under "Versions of relevant libraries" (collect_env's own filter, widened).
_RELEVANT_PREFIXES = (
    "torch", "numpy", "triton", "nvidia-", "pytorch-", "intel-", "mkl", "onnx", "optree", "rocm",
)  # fmt: skip
_SYSTEM_NAMES = {"linux": "Linux", "macos": "macOS", "windows": "Windows"}
_IMPLEMENTATIONS = {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalPy"}


def target_facts(report: Report) -> tuple[str | None, str | None, str | None]:
    """(version, implementation, env kind) of the target interpreter, from the facts, else from
    what the verification child said of itself."""
    if report.facts is not None:
        py = report.facts.python
        return py.version, py.implementation, py.env_kind
    child = report.verify.child if report.verify is not None else {}
    version, implementation = child.get("python"), child.get("implementation")
    return (str(version) if version else None,
            str(implementation).lower() if implementation else None, None)


def target_description(report: Report) -> str:
    """ "CPython 3.11.9, venv" for the header line; "" when nothing is known."""
    version, implementation, env_kind = target_facts(report)
    parts = []
    if implementation or version:
        label = _IMPLEMENTATIONS.get(str(implementation), str(implementation)) \
            if implementation else "Python"
        parts.append(f"{label} {version}" if version else label)
    if report.facts is not None and report.facts.python.free_threaded is True:
        parts.append("free-threaded")
    if env_kind:
        parts.append(env_kind)
    return ", ".join(parts)


def _yes_no(value: object) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return NOT_COLLECTED if value is None else str(value)


def _torch_build(facts: Facts | None, value: str | None, unset: str = "None") -> str:
    """A field of the imported torch copy; "N/A" when torch is not installed."""
    copies = facts.python.torch_copies if facts is not None else None
    if copies is None:
        return NOT_COLLECTED
    if not copies:
        return "N/A"
    return unset if value is None else value


def _copy(facts: Facts | None) -> TorchCopy | None:
    return facts.python.torch if facts is not None else None


def _os_line(facts: Facts) -> str:
    o = facts.os
    name = o.distribution or o.system
    if name is None:
        return NOT_COLLECTED
    return f"{name} ({o.arch})" if o.arch else name


def _libc(facts: Facts) -> str:
    o = facts.os
    if not o.libc_version:
        return "N/A" if o.system in ("macos", "windows") else NOT_COLLECTED
    return f"{o.libc_name or 'libc'}-{o.libc_version}"


def _python_version(facts: Facts) -> str:
    py = facts.python
    if not py.version:
        return NOT_COLLECTED
    return f"{py.version} ({py.pointer_bits}-bit runtime)" if py.pointer_bits else py.version


def _python_platform(facts: Facts) -> str:
    o = facts.os
    system = _SYSTEM_NAMES.get(o.system, o.system) if o.system else None
    known = [p for p in (system, o.kernel, o.arch) if p]
    if not known:
        return facts.python.platform_tag or NOT_COLLECTED
    tail = f"-with-{o.libc_name or 'libc'}{o.libc_version}" if o.libc_version else ""
    return "-".join(known) + tail


def _gpus(facts: Facts) -> str:
    lines = [f"GPU {g.index}: {g.name}" for g in facts.nvidia.gpus or ()]
    lines += [f"{g.name or 'AMD GPU'} ({g.gfx})" for g in facts.amd.gpus or ()]
    if not lines:
        for gpu in facts.pci.gpus or ():
            name = gpu.name or f"{gpu.vendor_id}:{gpu.device_id}"
            lines.append(f"{name} (PCI, {gpu.driver or 'no driver'})")
    if lines:
        return "<br>".join(lines)
    return "None" if facts.pci.status == "absent" else NOT_COLLECTED


def _stage_data(verify: VerifyResult | None) -> dict[str, Mapping[str, Any]]:
    """{stage name: its data} of the stages that ran."""
    if verify is None:
        return {}
    skipped = (StageStatus.SKIPPED, StageStatus.NOT_RUN)
    return {s.name: s.data for s in verify.stages if s.status not in skipped}


def _available(stages: Mapping[str, Mapping[str, Any]], *kinds: str) -> str:
    """Yes/No from the devices stage; No for a build without that backend; else not collected."""
    if "devices" in stages:
        devices = stages["devices"]
        flags = [(devices.get(kind) or {}).get("available") for kind in kinds]
        return "Yes" if any(flags) else "No"
    build = stages.get("build")
    if build is not None and not any(build.get(k) for k in ("cuda", "hip", "xpu")):
        return "No"  # a CPU build: nothing could be available
    return NOT_COLLECTED


def _cudnn(facts: Facts | None, stages: Mapping[str, Mapping[str, Any]]) -> str:
    build = stages.get("build")
    if build is not None and build.get("cudnn") is not None:
        return str(build["cudnn"])
    for dist in (facts.python.distributions or ()) if facts is not None else ():
        if dist.name.startswith("nvidia-cudnn"):
            return f"{dist.version} ({dist.name})"
    if build is not None and not (build.get("cuda") or build.get("hip")):
        return "N/A"  # a build without CUDA or ROCm has no cuDNN
    return NOT_COLLECTED


def collect_env_rows(facts: Facts | None, verify: VerifyResult | None = None
                     ) -> list[tuple[str, str]]:
    """The environment table: collect_env's field names, values from the facts (and verify).

    `Is CUDA available` and friends need torch imported, so they come from the verification
    when it ran; detection alone leaves them "Could not collect".
    """
    stages = _stage_data(verify)
    build = stages.get("build", {})
    hip = build.get("hip") or ("N/A" if "build" in stages else NOT_COLLECTED)
    copy = _copy(facts)
    version = copy.version if copy else (verify.torch_version if verify else None)
    rows = [
        ("PyTorch version", _torch_build(facts, version) if facts else version or NOT_COLLECTED),
        ("Is debug build", _yes_no(build.get("debug"))),
        ("CUDA used to build PyTorch", _torch_build(facts, copy.cuda if copy else None)),
        ("ROCM used to build PyTorch",
         _torch_build(facts, copy.hip if copy else None, unset="N/A")),
    ]
    if facts is not None:
        rows += [
            ("OS", _os_line(facts)),
            ("Libc version", _libc(facts)),
            ("Python version", _python_version(facts)),
            ("Python platform", _python_platform(facts)),
            ("Python executable", facts.python.executable or NOT_COLLECTED),
        ]
    rows += [("Is CUDA available", _available(stages, "cuda", "rocm"))]
    if facts is not None:
        rows += [
            ("GPU models and configuration", _gpus(facts)),
            ("Nvidia driver version", facts.nvidia.driver_version or "N/A"),
        ]
    rows += [
        ("cuDNN version", _cudnn(facts, stages)),
        ("HIP runtime version", str(hip)),
        ("Is XPU available", _available(stages, "xpu")),
    ]
    if facts is not None:
        rows.append(("CPU", facts.cpu.model or NOT_COLLECTED))
    return rows


def relevant_packages(facts: Facts | None) -> list[tuple[str, str]]:
    """(name, version) of the installed distributions collect_env would list, sorted by name,
    then the conda packages as collect_env marks them ("[conda] pytorch", with build and
    channel)."""
    dists = facts.python.distributions or () if facts is not None else ()
    rows = sorted((d.name, d.version) for d in dists if d.name.startswith(_RELEVANT_PREFIXES))
    conda = facts.conda if facts is not None else None
    if conda is not None and conda.status == "found":
        rows += [(f"[conda] {p.name}", " ".join(filter(None, (p.version, p.build, p.channel))))
                 for p in conda.packages or ()]
    return rows


def project_rows(facts: Facts | None) -> tuple[str | None, list[tuple[str, str]]]:
    """(the project folder, one (file, what it says about torch) row per project file)."""
    project = facts.project if facts is not None else None
    if project is None or project.status != "found":
        return None, []
    rows = []
    for file in project.files or ():
        name = f"{file.path} ({file.kind})"
        if not file.read:
            rows.append((name, f"could not read: {file.reason}"))
            continue
        said = [" ".join(dict.fromkeys(filter(None, (e.kind, e.name, e.value))))
                for e in file.entries
                if not (e.kind == "setting" and e.name in ("tool", "table"))]
        rows.append((name, "; ".join(said) or "nothing about torch"))
    return project.directory, rows


def environment_variables(facts: Facts | None) -> dict[str, str]:
    """The allow-listed environment variables recorded in the facts (filtered on the way)."""
    return dict(facts.env.variables) if facts is not None else {}
