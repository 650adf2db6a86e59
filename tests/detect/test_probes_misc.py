"""OS, PCI, AMD, Apple and environment probes on small recorded machines."""

from __future__ import annotations

import pytest
from detect_helpers import MachineFactory

from torchdoctor.probes import amd, apple, env, pci, system


@pytest.mark.parametrize(
    ("proc_version", "extra", "wsl"),
    [
        ("Linux version 4.4.0-19041-Microsoft (Microsoft@Microsoft.com)", {}, 1),
        ("Linux version 5.15.167.4-microsoft-standard-WSL2 (root@1a2b)", {}, 2),
        ("Linux version 6.8.0-49-generic (buildd@lcy02)", {}, None),
    ],
)
def test_wsl(
    machine: MachineFactory, proc_version: str, extra: dict[str, str], wsl: int | None
) -> None:
    host = machine(files={"/proc/version": proc_version, **extra})
    assert system.probe_os(host, 5.0).wsl == wsl


@pytest.mark.parametrize(
    ("files", "env_vars", "container"),
    [
        ({"/.dockerenv": ""}, {}, "docker"),
        ({"/run/.containerenv": ""}, {}, "podman"),
        ({"/.dockerenv": ""}, {"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, "kubernetes"),
        ({"/proc/1/cgroup": "0::/lxc/ct1\n"}, {}, "lxc"),
        ({"/proc/1/cgroup": "0::/init.scope\n"}, {}, None),
    ],
)
def test_container(
    machine: MachineFactory, files: dict[str, str], env_vars: dict[str, str], container: str | None
) -> None:
    assert system.probe_os(machine(files=files, env=env_vars), 5.0).container == container


def test_arch_and_windows_name() -> None:
    assert system.normalise_arch("AMD64", "windows") == "x86_64"
    assert system.normalise_arch("ARM64", "windows") == "arm64"
    assert system.normalise_arch("aarch64", "linux") == "aarch64"
    assert system.normalise_arch("arm64", "macos") == "arm64"


def test_unreadable_cpuinfo_is_unknown(machine: MachineFactory) -> None:
    facts = system.probe_cpu(machine(files={"/proc/cpuinfo.unreadable": ""}), 5.0)
    assert facts.status == "unknown"


def test_pci_unreadable_class_is_reported(machine: MachineFactory) -> None:
    base = "/sys/bus/pci/devices/0000:01:00.0"
    host = machine(files={f"{base}/class.unreadable": "", f"{base}/vendor": "0x10de\n"})
    facts = pci.probe(host, 5.0)
    assert facts.status == "absent"
    assert facts.reason == "unreadable: 0000:01:00.0"


def test_pci_gpu_without_driver(machine: MachineFactory) -> None:
    base = "/sys/bus/pci/devices/0000:01:00.0"
    host = machine(
        files={
            f"{base}/class": "0x030000\n",
            f"{base}/vendor": "0x10de\n",
            f"{base}/device": "0x2684\n",
        }
    )
    (gpu,) = pci.probe(host, 5.0).gpus or ()
    assert (gpu.name, gpu.compute_capability, gpu.driver) == (
        "AD102 [GeForce RTX 4090]",
        "8.9",
        None,
    )


def test_pci_windows_failure_is_unknown(machine: MachineFactory) -> None:
    host = machine(
        platform={"system": "Windows", "machine": "AMD64", "version": "10.0.19045"},
        commands=[{"argv": pci.WINDOWS_QUERY, "hang": True}],
    )
    facts = pci.probe(host, 0.2)
    assert (facts.status, facts.reason) == ("unknown", "powershell: timed out after 0.2 s")


@pytest.mark.parametrize(
    ("value", "gfx"),
    [(110000, "gfx1100"), (100301, "gfx1031"), (90010, "gfx90a"), (90402, "gfx942"), (0, None)],
)
def test_gfx_names(value: int, gfx: str | None) -> None:
    assert amd.gfx_from_target_version(value) == gfx


def test_amd_without_device_access(machine: MachineFactory) -> None:
    node = "/sys/class/kfd/kfd/topology/nodes/1/properties"
    host = machine(
        files={
            node: "gfx_target_version 110000\ndevice_id 29772\n",
            "/dev/kfd": "",
            "/dev/dri/renderD128": "",
        },
        access={"/dev/kfd": [], "/dev/dri/renderD128": ["r"]},
    )
    facts = amd.probe(host, 5.0)
    assert (facts.kfd_accessible, facts.render_accessible) == (False, False)
    assert facts.gpus
    assert facts.gpus[0].device_id == "744c"


def test_rosetta(machine: MachineFactory) -> None:
    host = machine(
        platform={"system": "Darwin", "machine": "x86_64", "mac_version": "14.6.1"},
        commands=[
            {"argv": apple.SW_VERS, "stdout": "14.6.1\n"},
            {"argv": apple.CPU_BRAND, "stdout": "Apple M2\n"},
            {"argv": apple.TRANSLATED, "stdout": "1\n"},
        ],
    )
    facts = apple.probe(host, 5.0)
    assert (facts.apple_silicon, facts.rosetta, facts.mps_capable) == (True, True, True)


def test_environment_allow_list_and_masking(machine: MachineFactory) -> None:
    host = machine(
        env={
            "CUDA_VISIBLE_DEVICES": "",
            "AWS_SECRET_ACCESS_KEY": "s3cr3t",
            "HF_TOKEN": "hf_x",
            "PIP_EXTRA_INDEX_URL": "https://ada:tok3n@pypi.example.com/simple",
            "PYTORCH_CUDA_ALLOC_CONF": "expandable_segments:True",
            "LD_LIBRARY_PATH": "/usr/local/cuda/lib64:/opt/other",
        },
        files={"/usr/local/cuda/lib64/libcudart.so.12": "", "/opt/other/libfoo.so": ""},
    )
    facts = env.probe(host, 5.0)
    assert facts.variables == {
        "CUDA_VISIBLE_DEVICES": "",
        "PIP_EXTRA_INDEX_URL": "https://***@pypi.example.com/simple",
        "PYTORCH_CUDA_ALLOC_CONF": "expandable_segments:True",
        # Only the CUDA-relevant entries of a library path are shown.
        "LD_LIBRARY_PATH": "/usr/local/cuda/lib64",
    }
    assert facts.ld_library_path_cuda == ("/usr/local/cuda/lib64",)
