"""Facts that could not be checked lower confidence: a [?] line with the reason and probe-failed,
never a guessed problem."""

from __future__ import annotations

from diag_facts import (
    by_id,
    codes,
    gpu,
    make_facts,
    nvidia_found,
    only,
    pci_found,
    pci_gpu,
    run,
    torch_env,
)

from torchdoctor.facts.model import (
    CpuFacts,
    IntelFacts,
    NvidiaFacts,
    OsFacts,
    PciFacts,
    PythonFacts,
    ResourceFacts,
)
from torchdoctor.knowledge import Knowledge
from torchdoctor.report import CheckStatus, Severity

TIMED_OUT = NvidiaFacts(status="unknown", reason="nvidia-smi timed out after 5 s")
CUDA_RULES = {"driver-too-old", "gpu-arch-not-in-wheel", "gpu-arch-dropped-from-wheel",
              "cpu-build-on-gpu-host", "gpu-too-old-for-any-wheel", "driver-library-mismatch",
              "nvidia-driver-missing", "cuda-visible-devices-hides-gpus"}


def test_timed_out_nvidia_probe_with_a_cuda_build(knowledge: Knowledge) -> None:
    checks = run(make_facts(python=torch_env("2.13.0+cu130", cuda="13.0"), nvidia=TIMED_OUT),
                 knowledge)
    nvidia = by_id(checks, "nvidia")
    assert nvidia.status is CheckStatus.UNKNOWN
    assert nvidia.reason == "nvidia-smi timed out after 5 s"
    failed = only(checks, "probe-failed")
    assert failed.check == "nvidia"
    assert failed.severity is Severity.INFO  # could not check: the verdict is incomplete
    assert "timed out after 5 s" in failed.message
    assert "not judged" in failed.message
    assert not codes(checks) & CUDA_RULES
    assert by_id(checks, "torch").status is CheckStatus.OK


def test_timed_out_nvidia_probe_with_a_cpu_build_guesses_no_gpu(knowledge: Knowledge) -> None:
    checks = run(make_facts(nvidia=TIMED_OUT), knowledge)
    assert codes(checks) == {"probe-failed"}
    assert [c.id for c in checks if c.status is CheckStatus.UNKNOWN] == ["nvidia"]


def test_gpu_on_the_bus_still_counts_when_the_driver_probe_timed_out(knowledge: Knowledge) -> None:
    # The PCI bus shows the GPU: that is a fact, not a guess about CUDA.
    checks = run(make_facts(nvidia=TIMED_OUT, pci=pci_found(pci_gpu())), knowledge)
    assert "cpu-build-on-gpu-host" in codes(checks)
    assert not codes(checks) & (CUDA_RULES - {"cpu-build-on-gpu-host"})


def test_gpu_list_unknown_skips_architecture_rules(knowledge: Knowledge) -> None:
    nvidia = nvidia_found(gpu(), gpus=None, reason="NVML: timed out")
    checks = run(make_facts(python=torch_env("2.13.0+cu126", cuda="12.6"), nvidia=nvidia),
                 knowledge)
    failed = only(checks, "probe-failed")
    assert failed.check == "nvidia"
    assert "NVML: timed out" in failed.message
    assert by_id(checks, "nvidia").status is CheckStatus.UNKNOWN
    assert not codes(checks) & {"gpu-arch-not-in-wheel", "gpu-arch-dropped-from-wheel"}


def test_target_python_timed_out(knowledge: Knowledge) -> None:
    python = PythonFacts(status="unknown", failure="timed-out", requested="/usr/bin/python3",
                         reason="timed out after 5 s")
    checks = run(make_facts(python=python), knowledge)
    assert by_id(checks, "python").status is CheckStatus.UNKNOWN
    assert by_id(checks, "python").reason == "timed out after 5 s"
    assert by_id(checks, "torch").status is CheckStatus.UNKNOWN
    assert codes(checks) == {"probe-failed"}


def test_target_python_missing_is_an_error_not_unknown(knowledge: Knowledge) -> None:
    python = PythonFacts(status="unknown", failure="missing", requested="/nope/python",
                         reason="not found")
    checks = run(make_facts(python=python), knowledge)
    assert by_id(checks, "python").status is CheckStatus.ERROR
    assert by_id(checks, "torch").status is CheckStatus.NOT_APPLICABLE
    assert codes(checks) == {"target-python-unusable"}


def test_os_resources_cpu_and_pci_unknown(knowledge: Knowledge) -> None:
    facts = make_facts(os=OsFacts(status="unknown", reason="os-release unreadable"),
                       cpu=CpuFacts(status="unknown", reason="timed out after 5 s"),
                       resources=ResourceFacts(status="unknown", reason="psutil failed"),
                       pci=PciFacts(status="unknown", reason="wmi timed out"),
                       intel=IntelFacts(status="unknown", reason="Intel GPUs not known"))
    checks = run(facts, knowledge)
    unknown = {c.id: c.reason for c in checks if c.status is CheckStatus.UNKNOWN}
    assert unknown == {"platform": "os-release unreadable", "resources": "psutil failed",
                       "intel": "Intel GPUs not known"}
    failed = [p for c in checks for p in c.problems]
    assert {p.code for p in failed} == {"probe-failed"}
    messages = " ".join(p.message for p in failed)
    for why in ("os-release unreadable", "timed out after 5 s", "psutil failed", "wmi timed out"):
        assert why in messages
