"""Write the recorded documents of a mixed cluster that the `fleet` tests read.

Each node is `torchdoctor check --json` of the recorded machine `h100-driver580` (one H100 on
driver 580.105.08, torch 2.13.0 for CUDA 13.0), with one edit per odd node, applied to the facts
before the diagnosis, so every document is what `check --json` prints on such a node:

- gpu-node-01 … gpu-node-04: eight H100s (the recorded GPU repeated on eight bus ids);
- gpu-node-05: driver 570.195.03 left behind (torch's CUDA 13.0 build needs 580);
- gpu-node-06: seven H100s (one fell off the bus);
- gpu-node-07: torch 2.12.0 for CUDA 12.8 in its environment;
- gpu-node-08: a document cut short (the job was killed while it wrote).

    python scripts/make_fleet_fixtures.py      # rewrites tests/fixtures/fleet/h100-cluster/
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from torchdoctor.facts import Facts
from torchdoctor.pipeline import build_report
from torchdoctor.probes import collect_facts
from torchdoctor.recorded import RecordedHost
from torchdoctor.render.json_doc import build_document, dumps
from torchdoctor.verdict import decide

REPO = Path(__file__).resolve().parent.parent
MACHINE = REPO / "tests" / "fixtures" / "machines" / "h100-driver580"
OUT = REPO / "tests" / "fixtures" / "fleet" / "h100-cluster"


def _gpus(facts: Facts, count: int) -> Facts:
    gpu = (facts.nvidia.gpus or ())[0]
    gpus = tuple(dataclasses.replace(gpu, index=i, pci_bus_id=f"0000:{0x18 + 0x10 * i:02x}:00.0")
                 for i in range(count))
    return dataclasses.replace(facts, nvidia=dataclasses.replace(facts.nvidia, gpus=gpus))


def _driver(facts: Facts, version: str) -> Facts:
    nvidia = dataclasses.replace(facts.nvidia, driver_version=version,
                                 kernel_module_version=version, userspace_version=version,
                                 cuda_version="12.8")
    return dataclasses.replace(facts, nvidia=nvidia)


def _torch(facts: Facts, version: str, cuda: str) -> Facts:
    python = facts.python
    copies = tuple(dataclasses.replace(c, version=version.split("+")[0], cuda=cuda)
                   for c in python.torch_copies or ())
    dists = tuple(dataclasses.replace(d, version=version, local_tag=version.partition("+")[2])
                  if d.name == "torch" else d for d in python.distributions or ())
    return dataclasses.replace(facts, python=dataclasses.replace(
        python, torch_copies=copies, distributions=dists))


def main() -> None:
    facts = collect_facts(RecordedHost(MACHINE), timeout=2.0)
    facts = dataclasses.replace(facts, probes=tuple(
        dataclasses.replace(p, duration_s=0.0) for p in facts.probes))
    eight = _gpus(facts, 8)
    nodes = {f"gpu-node-0{i}": eight for i in range(1, 5)}
    nodes["gpu-node-05"] = _driver(eight, "570.195.03")
    nodes["gpu-node-06"] = _gpus(facts, 7)
    nodes["gpu-node-07"] = _torch(eight, "2.12.0+cu128", "12.8")
    OUT.mkdir(parents=True, exist_ok=True)
    for name, node in nodes.items():
        report = build_report("check", node, None)
        text = dumps(build_document(report, decide(report))) + "\n"
        (OUT / f"{name}.json").write_text(text, encoding="utf-8")
    cut = (OUT / "gpu-node-01.json").read_text(encoding="utf-8")
    (OUT / "gpu-node-08.json").write_text(cut[: len(cut) // 3], encoding="utf-8")


if __name__ == "__main__":
    main()
