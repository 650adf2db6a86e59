"""The conda probe: conda-meta records of the torch-related packages, read without running conda,
and the pure readings of names, channels and build strings they rest on."""

from __future__ import annotations

import json

import pytest
from detect_helpers import MachineFactory

from torchdoctor.facts import CondaFacts, PythonFacts
from torchdoctor.knowledge.conda import build_variant, channel_name, cuda_of_build
from torchdoctor.probes import conda

PREFIX = "/home/ada/miniforge3/envs/ml"


def _python(prefix: str = PREFIX) -> PythonFacts:
    return PythonFacts(status="found", version="3.12.7", prefix=prefix)


def _record(name: str, version: str, build: str, channel: str) -> str:
    return json.dumps({"build": build, "channel": channel, "files": ["x"] * 3, "name": name,
                       "url": f"{channel}/{name}-{version}-{build}.conda", "version": version},
                      indent=2, sort_keys=True)


def probe(machine: MachineFactory, files: dict[str, str], prefix: str = PREFIX) -> CondaFacts:
    return conda.probe(machine(files=files), 1.0, _python(prefix))


def test_torch_related_records_only_in_a_fixed_order(machine: MachineFactory) -> None:
    meta = f"{PREFIX}/conda-meta"
    facts = probe(machine, {
        f"{meta}/numpy-2.3.4-py312h33ff503_0.json":
            _record("numpy", "2.3.4", "py312h33ff503_0",
                    "https://conda.anaconda.org/conda-forge/linux-64"),
        f"{meta}/torchvision-0.24.1-cuda129_py312_h9b4d2d6_1.json":
            _record("torchvision", "0.24.1", "cuda129_py312_h9b4d2d6_1",
                    "https://conda.anaconda.org/conda-forge/linux-64"),
        f"{meta}/pytorch-2.9.1-cuda129_mkl_py312_h1916812_302.json":
            _record("pytorch", "2.9.1", "cuda129_mkl_py312_h1916812_302",
                    "https://conda.anaconda.org/conda-forge/linux-64"),
        f"{meta}/cuda-version-12.9-h4f385c5_3.json":
            _record("cuda-version", "12.9", "h4f385c5_3",
                    "https://conda.anaconda.org/conda-forge/noarch"),
        f"{meta}/history": "==> 2025-12-02 <==\n# cmd: /opt/micromamba/bin/micromamba install "
                           "pytorch-gpu\n",
    })
    assert (facts.status, facts.records, facts.manager) == ("found", 4, "micromamba")
    assert [(p.name, p.version, p.build, p.channel) for p in facts.packages or ()] == [
        ("pytorch", "2.9.1", "cuda129_mkl_py312_h1916812_302", "conda-forge"),
        ("torchvision", "0.24.1", "cuda129_py312_h9b4d2d6_1", "conda-forge"),
        ("cuda-version", "12.9", "h4f385c5_3", "conda-forge"),
    ]


def test_a_record_cut_short_or_unreadable_still_names_its_package(
        machine: MachineFactory) -> None:
    meta = f"{PREFIX}/conda-meta"
    whole = _record("pytorch", "2.5.1", "py3.12_cuda12.4_cudnn9.1.0_0",
                    "https://conda.anaconda.org/pytorch/linux-64")
    facts = probe(machine, {
        f"{meta}/pytorch-2.5.1-py3.12_cuda12.4_cudnn9.1.0_0.json": whole[: len(whole) // 2],
        f"{meta}/pytorch-cuda-12.4-hc786d27_7.json.unreadable": "",
    })
    packages = {p.name: p for p in facts.packages or ()}
    assert (packages["pytorch"].build, packages["pytorch"].channel) == (
        "py3.12_cuda12.4_cudnn9.1.0_0", "pytorch")
    assert (packages["pytorch-cuda"].version, packages["pytorch-cuda"].channel) == ("12.4", None)


def test_a_pixi_environment_and_a_plain_venv(machine: MachineFactory) -> None:
    pixi = "/home/ada/proj/.pixi/envs/default"
    facts = probe(machine, {f"{pixi}/conda-meta/pytorch-2.9.1-cpu_generic_py312_h1_0.json": "{}"},
                  prefix=pixi)
    assert (facts.status, facts.manager) == ("found", "pixi")
    venv = probe(machine, {"/home/ada/proj/.venv/pyvenv.cfg": "home = /usr/bin\n"},
                 prefix="/home/ada/proj/.venv")
    assert (venv.status, venv.packages) == ("absent", None)


def test_an_unknown_target_is_unknown(machine: MachineFactory) -> None:
    facts = conda.probe(machine(), 1.0, PythonFacts(status="unknown", reason="timed out"))
    assert facts.status == "unknown"
    assert "timed out" in (facts.reason or "")


def test_records_read_are_bounded(machine: MachineFactory) -> None:
    meta = f"{PREFIX}/conda-meta"
    files = {f"{meta}/torchvision-0.{i}.0-py_0.json": "{}" for i in range(conda.MAX_RECORDS + 8)}
    facts = probe(machine, files)
    assert facts.records == conda.MAX_RECORDS + 8
    assert len(facts.packages or ()) == conda.MAX_RECORDS


@pytest.mark.parametrize(("channel", "name"), [
    ("https://conda.anaconda.org/conda-forge/linux-64", "conda-forge"),
    ("https://conda.anaconda.org/pytorch", "pytorch"),
    ("https://repo.anaconda.com/pkgs/main/linux-64", "pkgs/main"),
    ("https://prefix.dev/conda-forge/", "conda-forge"),
    ("pytorch-nightly", "pytorch-nightly"),
    ("", None),
])
def test_channel_names(channel: str, name: str | None) -> None:
    assert channel_name(channel) == name


@pytest.mark.parametrize(("package", "build", "variant", "cuda"), [
    ("pytorch", "cuda129_mkl_py312_h1916812_302", "cu129", "12.9"),
    ("pytorch", "cuda130_generic_py313_h1a2b3c4_200", "cu130", "13.0"),
    ("pytorch", "cpu_mkl_py312_h6d5ab2b_100", "cpu", None),
    ("pytorch", "py3.12_cuda12.4_cudnn9.1.0_0", "cu124", "12.4"),
    ("pytorch", "py3.12_cpu_0", "cpu", None),
    ("pytorch", "gpu_cuda118py312h7b2b8e4_300", "cu118", "11.8"),
    ("pytorch", "py3.12_0", None, None),
    ("pytorch-mutex", "cpu", "cpu", None),
    ("pytorch-mutex", "cuda", None, None),
    ("cpuonly", "2", "cpu", None),
])
def test_build_strings(package: str, build: str, variant: str | None, cuda: str | None) -> None:
    assert build_variant(package, build) == variant
    if package == "pytorch":
        assert cuda_of_build(build) == cuda
