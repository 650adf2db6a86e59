"""The recommendation for every recorded machine, from the facts its probes produce."""

from __future__ import annotations

from pathlib import Path

import pytest

from torchdoctor.knowledge import Knowledge
from torchdoctor.probes import collect_facts
from torchdoctor.recommend import recommend
from torchdoctor.recorded import RecordedHost

MACHINES = Path(__file__).resolve().parent.parent / "fixtures" / "machines"
WHL = "pip3 install torch torchvision --index-url https://download.pytorch.org/whl/"
DEFAULT = "pip3 install torch torchvision"
EXPECTED = {
    "apple-m2-macos14": DEFAULT,
    "conda-forge-cpu-on-gpu": "conda remove -y pytorch torchvision\n" + WHL + "cu126",
    "conda-forge-cuda": "conda remove -y pytorch torchvision\n" + WHL + "cu126",
    # pip's torch 2.13.0+cu126 is what imports: the build recommended already.
    "conda-mixed-pip": WHL + "cu126",
    "conda-pytorch-cudatoolkit": "conda remove -y pytorch torchvision\n" + WHL + "cu126",
    "cpu-linux-laptop": WHL + "cpu",
    # A CUDA build in a container without a GPU works (on the CPU): not replaced.
    "docker-no-gpu": WHL + "cpu",
    "driver-library-mismatch": WHL + "cu126",
    # GH200 with driver 570: the installed PyPI build (CUDA 13.0) needs 580; cu126 has sm_90.
    "gh200-aarch64": "pip3 uninstall -y torch torchvision\n" + WHL + "cu126",
    "gtx1080-driver535": WHL + "cu126",
    "h100-driver580": DEFAULT,
    "intel-arc-a770": "pip3 uninstall -y torch\n" + WHL + "xpu",
    "intel-mac-macos13": "pip install torch==2.2.2 torchvision==0.17.2 torchaudio==2.2.2",
    "jetson-orin": WHL + "cpu",
    "nvidia-no-driver": DEFAULT,
    "rtx4090-driver550": WHL + "cu126",
    "rtx5090-driver570": DEFAULT,
    "rx6700xt-gfx1031": WHL + "rocm7.2",
    "rx7900xtx-rocm64": WHL + "rocm7.2",
    "windows11-rtx3080": WHL + "cu126",
    "wsl2-rtx3060": "pip3 uninstall -y torch torchvision\n" + WHL + "cu126",
}


def test_every_recorded_machine_is_listed() -> None:
    names = {p.name for p in MACHINES.iterdir() if (p / "machine.json").is_file()}
    assert names <= set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recorded_machine(k: Knowledge, name: str) -> None:
    if not (MACHINES / name / "machine.json").is_file():
        pytest.skip(f"{name} is not recorded")
    plan = recommend(collect_facts(RecordedHost(MACHINES / name), timeout=5.0), k)
    assert plan.command == EXPECTED[name]
    assert plan.rationale
    assert plan.knowledge_date == k.knowledge_date


def test_recorded_rtx5090_offers_the_older_release(k: Knowledge) -> None:
    facts = collect_facts(RecordedHost(MACHINES / "rtx5090-driver570"), timeout=5.0)
    plan = recommend(facts, k)
    assert plan.rationale[0].startswith("First: Update the NVIDIA driver to 580 or newer")
    assert plan.prerequisite is not None
    assert plan.prerequisite.startswith("First: update the NVIDIA driver to 580 or newer")
    assert [(a.torch_version, a.compute) for a in plan.alternatives] == [("2.11.0", "cu128")]


def test_recorded_jetson_says_the_command_is_the_cpu_build(k: Knowledge) -> None:
    plan = recommend(collect_facts(RecordedHost(MACHINES / "jetson-orin"), timeout=5.0), k)
    assert plan.compute == "cpu"
    assert plan.prerequisite is not None
    assert "JetPack" in plan.prerequisite
    assert "installs the CPU build" in plan.prerequisite


def test_recorded_docker_keeps_the_cuda_build(k: Knowledge) -> None:
    plan = recommend(collect_facts(RecordedHost(MACHINES / "docker-no-gpu"), timeout=5.0), k)
    assert not plan.replaces_installed
    assert "uninstall" not in plan.command
    assert plan.prerequisite is not None
    assert "new environment" in plan.prerequisite
