"""The NVIDIA probe over recorded machines, including every way nvidia-smi and NVML fail."""

from __future__ import annotations

import json

from detect_helpers import QUERY, SMI_HEADER, MachineFactory

from torchdoctor.probes import nvidia

MODULE = {"/sys/module/nvidia/version": "550.120\n"}
PROC = (
    "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  570.195.03  Release Build  "
    "(dvs-builder@U22-I3-H04-03-1)  Fri Oct 24 00:00:00 UTC 2025\nGCC version:  gcc 12.3.0\n"
)
SMI = {"which": {"nvidia-smi": "/usr/bin/nvidia-smi"}}
NVML_MISSING = {
    "nvml_query.py": {
        "channel": json.dumps(
            {"ok": False, "error": "NVML Shared Library Not Found", "error_code": 12}
        )
    }
}
ROW = "0, NVIDIA GeForce RTX 4090, 550.120, 8.9, 24564, 00000000:01:00.0, 0x268410DE\n"


def test_no_driver_is_absent_and_runs_nothing(machine: MachineFactory) -> None:
    host = machine()
    facts = nvidia.probe(host, 5.0)
    assert facts.status == "absent"
    assert facts.gpus == ()
    assert host.unexpected == []


def test_nvml_answers_everything(machine: MachineFactory) -> None:
    answer = {
        "ok": True,
        "driver_version": "550.120",
        "cuda_driver_version": "12.4",
        "gpus": [
            {
                "index": 0,
                "name": "NVIDIA GeForce RTX 4090",
                "compute_capability": "8.9",
                "memory_mib": 24564,
                "pci_bus_id": "00000000:01:00.0",
                "pci_device_id": "0x268410DE",
            }
        ],
    }
    host = machine(files=MODULE, python={"nvml_query.py": {"channel": json.dumps(answer)}}, **SMI)
    facts = nvidia.probe(host, 5.0)
    assert (facts.status, facts.driver_version, facts.driver_version_source) == (
        "found",
        "550.120",
        "sysfs",
    )
    assert (facts.cuda_version, facts.cuda_version_source) == ("12.4", "nvml")
    assert facts.version_mismatch is False
    gpu = facts.gpus[0] if facts.gpus else None
    assert gpu is not None
    assert (gpu.compute_capability, gpu.pci_bus_id, gpu.pci_id) == (
        "8.9",
        "0000:01:00.0",
        "10de:2684",
    )
    assert host.unexpected == []  # nvidia-smi not needed


def test_procfs_and_nvidia_smi_fallback(machine: MachineFactory) -> None:
    header = SMI_HEADER.replace("550.120", "570.195.03").replace("CUDA Version", "CUDA UMD Version")
    host = machine(
        files={"/proc/driver/nvidia/version": PROC},
        commands=[
            {"argv": QUERY, "stdout": ROW.replace("550.120", "570.195.03")},
            {"argv": ["nvidia-smi"], "stdout": header},
        ],
        python=NVML_MISSING,
        **SMI,
    )
    facts = nvidia.probe(host, 5.0)
    assert (facts.driver_version, facts.driver_version_source) == ("570.195.03", "procfs")
    assert facts.kernel_module_flavor == "open"
    assert (facts.cuda_version, facts.cuda_version_source) == ("12.4", "nvidia-smi")
    assert facts.gpus_source == "nvidia-smi"
    assert facts.reason == "NVML: NVML Shared Library Not Found"


def test_hung_nvidia_smi_keeps_what_else_is_known(machine: MachineFactory) -> None:
    host = machine(
        files=MODULE, commands=[{"argv": QUERY, "hang": True}], python=NVML_MISSING, **SMI
    )
    facts = nvidia.probe(host, 0.5)
    assert facts.status == "found"  # the module version is still known
    assert facts.gpus is None
    assert "nvidia-smi: timed out after 0.5 s" in (facts.reason or "")


def test_garbage_from_nvidia_smi_is_a_parse_error(machine: MachineFactory) -> None:
    host = machine(
        files=MODULE,
        python=NVML_MISSING,
        **SMI,
        commands=[
            {"argv": QUERY, "stdout": "Segmentation fault?\x00\x01 garbage\n"},
            {"argv": ["nvidia-smi"], "stdout": "nothing useful\n"},
        ],
    )
    facts = nvidia.probe(host, 5.0)
    assert facts.gpus is None
    assert "parse error: nvidia-smi: unexpected line" in (facts.reason or "")


def test_nvidia_smi_cannot_talk_to_the_driver(machine: MachineFactory) -> None:
    message = (
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
        "Make sure that the latest NVIDIA driver is installed and running.\n"
    )
    host = machine(
        python=NVML_MISSING,
        **SMI,
        commands=[
            {"argv": QUERY, "stdout": message, "returncode": 9},
            {"argv": ["nvidia-smi"], "stdout": message, "returncode": 9},
        ],
    )
    facts = nvidia.probe(host, 5.0)
    # nvidia-smi answered: no driver is loaded. A fact, not a probe that could not check.
    assert facts.status == "absent"
    assert facts.smi_message == "couldn't communicate with the NVIDIA driver"
    assert "nvidia-smi: couldn't communicate with the NVIDIA driver" in (facts.reason or "")


def test_driver_library_mismatch(machine: MachineFactory) -> None:
    text = (
        "Failed to initialize NVML: Driver/library version mismatch\n"
        "NVML library version: 550.127\n"
    )
    mismatch = {
        "nvml_query.py": {
            "channel": json.dumps(
                {
                    "ok": False,
                    "error": "RM has detected an NVML/RM version mismatch.",
                    "error_code": 18,
                }
            )
        }
    }
    host = machine(
        files=MODULE,
        python=mismatch,
        **SMI,
        commands=[{"argv": QUERY, "stdout": text, "returncode": 18}],
    )
    facts = nvidia.probe(host, 5.0)
    assert facts.version_mismatch is True
    assert (facts.kernel_module_version, facts.userspace_version) == ("550.120", "550.127")


def test_module_and_user_space_versions_differ(machine: MachineFactory) -> None:
    host = machine(
        files=MODULE,
        python=NVML_MISSING,
        **SMI,
        commands=[
            {"argv": QUERY, "stdout": ROW.replace("550.120", "550.127")},
            {"argv": ["nvidia-smi"], "stdout": SMI_HEADER},
        ],
    )
    assert nvidia.probe(host, 5.0).version_mismatch is True


def test_unreadable_sys_file_is_reported_and_probing_goes_on(machine: MachineFactory) -> None:
    host = machine(
        files={"/sys/module/nvidia/version.unreadable": ""},
        python=NVML_MISSING,
        **SMI,
        commands=[{"argv": QUERY, "stdout": ROW}, {"argv": ["nvidia-smi"], "stdout": SMI_HEADER}],
    )
    facts = nvidia.probe(host, 5.0)
    assert facts.driver_version == "550.120"
    assert facts.driver_version_source == "nvidia-smi"
    assert "/sys/module/nvidia/version: permission denied" in (facts.reason or "")


def test_missing_path_still_finds_wsl_nvidia_smi(machine: MachineFactory) -> None:
    host = machine(
        files={"/dev/dxg": "", "/usr/lib/wsl/lib/nvidia-smi": ""},
        python=NVML_MISSING,
        env={},
        commands=[{"argv": QUERY, "stdout": ROW}, {"argv": ["nvidia-smi"], "stdout": SMI_HEADER}],
    )
    facts = nvidia.probe(host, 5.0)
    assert facts.nvidia_smi == "/usr/lib/wsl/lib/nvidia-smi"
    assert facts.driver_version == "550.120"


def test_windows_nvidia_smi_location(machine: MachineFactory) -> None:
    host = machine(
        platform={
            "system": "Windows",
            "release": "11",
            "version": "10.0.22631",
            "machine": "AMD64",
        },
        files={"C:\\Windows\\System32\\nvidia-smi.exe": ""},
        python=NVML_MISSING,
        commands=[
            {"argv": ["nvidia-smi.exe", *QUERY[1:]], "stdout": ROW},
            {"argv": ["nvidia-smi.exe"], "stdout": SMI_HEADER},
        ],
    )
    facts = nvidia.probe(host, 5.0)
    assert facts.nvidia_smi == "C:\\Windows\\System32\\nvidia-smi.exe"
    assert facts.cuda_version == "12.4"


def test_parsers() -> None:
    assert nvidia.parse_header(SMI_HEADER) == ("550.120", "12.4")
    assert nvidia.normalise_bus_id("00000009:01:00.0") == "0009:01:00.0"
    assert nvidia.normalise_pci_id("0x2B8510DE") == "10de:2b85"
    (gpu,) = nvidia.parse_query("0, Orin (nvgpu), 540.4.0, 8.7, [N/A], [N/A], [N/A]\n")
    assert (gpu.memory_mib, gpu.pci_bus_id, gpu.compute_capability) == (None, None, "8.7")
