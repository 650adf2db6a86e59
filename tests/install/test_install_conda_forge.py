"""`install-command --package conda-forge|pixi`: conda-forge's build for the machine, the CUDA
build forced where the solver would take another (or none), and what conda-forge does not have."""

from __future__ import annotations

import json

import pytest
from cli_support import MACHINES, invoke

from torchdoctor.install.conda_forge import ForgeMachine, choose, conda_command, pixi_command
from torchdoctor.install.validate import InstallError
from torchdoctor.knowledge import Knowledge, load
from torchdoctor.recorded import RecordedHost


def command(machine: str, *args: str) -> tuple[int, str, str]:
    result = invoke("install-command", *args, host=RecordedHost(MACHINES / machine))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("machine", "conda", "pixi"), [
    # driver 550: the CUDA 13 build needs 580, so the solver takes 12.9 by itself.
    ("rtx4090-driver550", "conda install -c conda-forge pytorch-gpu torchvision",
     "pixi workspace system-requirements add cuda 12\npixi add pytorch-gpu torchvision"),
    ("h100-driver580", "conda install -c conda-forge pytorch-gpu torchvision",
     "pixi workspace system-requirements add cuda 13\npixi add pytorch-gpu torchvision"),
    ("gtx1080-driver535", "conda install -c conda-forge pytorch-gpu torchvision",
     "pixi workspace system-requirements add cuda 12\npixi add pytorch-gpu torchvision"),
    # The GPU is on the bus, its driver not loaded: conda sees no __cuda, so it is overridden.
    ("nvidia-no-driver",
     "CONDA_OVERRIDE_CUDA=13.0 conda install -c conda-forge pytorch-gpu torchvision",
     "pixi workspace system-requirements add cuda 13\npixi add pytorch-gpu torchvision"),
    ("windows11-rtx3080", "conda install -c conda-forge pytorch-gpu torchvision",
     "pixi workspace system-requirements add cuda 12\npixi add pytorch-gpu torchvision"),
    ("cpu-linux-laptop", "conda install -c conda-forge pytorch-cpu torchvision",
     "pixi add pytorch-cpu torchvision"),
    ("apple-m2-macos14", "conda install -c conda-forge pytorch torchvision",
     "pixi add pytorch torchvision"),
])
def test_the_command_for_each_machine(machine: str, conda: str, pixi: str) -> None:
    assert command(machine, "--package", "conda-forge") == (0, conda + "\n", "")
    assert command(machine, "--package", "pixi") == (0, pixi + "\n", "")


def test_a_container_without_a_visible_gpu_forces_the_cuda_build() -> None:
    code, out, err = command("docker-no-gpu", "--package", "conda-forge", "--compute", "cu129",
                             "-v")
    assert code == 0
    assert out == ("CONDA_OVERRIDE_CUDA=12.9 conda install -c conda-forge pytorch-gpu torchvision "
                   "cuda-version=12.9\n")
    assert "conda sees no NVIDIA driver here" in err


def test_a_gpu_the_newest_build_dropped_is_pinned(knowledge: Knowledge) -> None:
    pascal = ForgeMachine(os="linux", arch="x86_64", driver="580.65.06", cuda_version="13.0",
                          capabilities=("6.1",))
    from torchdoctor.knowledge.conda import conda_forge_cuda

    best, solver = conda_forge_cuda(knowledge, "linux", "x86_64", driver="580.65.06",
                                    driver_os="linux", cuda_version="13.0",
                                    capabilities=("6.1",))
    assert (best, solver) == ("12.9", "13.0")
    choice = choose(knowledge, pascal, "cu129")
    assert conda_command(choice, os="linux") == \
        "conda install -c conda-forge pytorch-gpu torchvision cuda-version=12.9"
    assert pixi_command(choice, os="linux") == ("pixi workspace system-requirements add cuda 12\n"
                                                "pixi add pytorch-gpu torchvision "
                                                "cuda-version==12.9")


def test_a_release_pins_its_torchvision() -> None:
    code, out, _ = command("cpu-linux-laptop", "--package", "conda-forge", "--torch", "2.5.1")
    assert (code, out) == (0, "conda install -c conda-forge pytorch-cpu=2.5.1 "
                              "torchvision=0.20.1\n")
    code, out, _ = command("cpu-linux-laptop", "--package", "pixi", "--torch", "2.5.1")
    assert (code, out) == (0, "pixi add pytorch-cpu==2.5.1 torchvision==0.20.1\n")


@pytest.mark.parametrize(("args", "words"), [
    (("--torch", "nightly"), "no nightly builds"),
    (("--compute", "rocm7.2", "--os", "linux"), "no ROCm builds"),
    (("--compute", "cu118", "--os", "linux"), "no CUDA 11.8 build"),
    (("--compute", "xpu", "--os", "windows"), "no XPU builds"),
])
def test_what_conda_forge_does_not_have_exits_2(args: tuple[str, ...], words: str) -> None:
    code, out, err = command("cpu-linux-laptop", "--package", "conda-forge", *args)
    assert (code, out) == (2, "")
    assert words in err


def test_rocm_machine_auto_is_a_clear_error() -> None:
    code, _, err = command("rx7900xtx-rocm64", "--package", "pixi")
    assert code == 2
    assert "conda-forge has no ROCm builds of pytorch; use --package pip" in err


def test_json_document() -> None:
    code, out, _ = command("gtx1080-driver535", "--package", "conda-forge", "--json")
    document = json.loads(out)
    assert code == 0
    assert (document["package"], document["source"], document["compute"],
            document["torch_version"]) == ("conda-forge", "conda-forge", "cu129", "latest")
    assert any("CUDA 12.9" in line for line in document["rationale"])


def test_conda_keeps_pytorch_orgs_own_text() -> None:
    code, out, _ = command("cpu-linux-laptop", "--package", "conda", "--torch", "2.5.1",
                           "--os", "linux", "--compute", "cpu", "--python-version", "3.12")
    assert (code, out) == (0, "conda install pytorch==2.5.1 torchvision==0.20.1 torchaudio==2.5.1 "
                              "cpuonly -c pytorch\n")
    code, _, err = command("cpu-linux-laptop", "--package", "conda", "--os", "linux",
                           "--compute", "cpu", "--python-version", "3.12")
    assert code == 2
    assert "pytorch conda channel" in err


def test_the_choice_refuses_rocm_directly() -> None:
    with pytest.raises(InstallError):
        choose(load(), ForgeMachine(os="linux", arch="x86_64"), "rocm7.2")


@pytest.fixture
def knowledge() -> Knowledge:
    return load()
