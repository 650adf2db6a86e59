"""The fixes of `dist` findings: what to do, and a command that cures or checks.

Pure text built from the run's own facts (the rendezvous address, the ranks per node, the
majority's torch build), so every command is copyable as printed.
"""

from __future__ import annotations

import re
import shlex

from torchdoctor.dist.model import DistRun
from torchdoctor.report import Fix

WHEEL_INDEX = "https://download.pytorch.org/whl/"
# Variables that make a hang or a slow link tell its cause (docs/cluster.md explains each).
NCCL_DEBUG_EXPORT = ("export NCCL_DEBUG=INFO NCCL_DEBUG_SUBSYS=INIT,NET "
                     "TORCH_NCCL_TRACE_BUFFER_SIZE=2000 TORCH_NCCL_DUMP_ON_TIMEOUT=1")
GLOO_DEBUG_EXPORT = "export TORCH_DISTRIBUTED_DEBUG=DETAIL"
_LOCAL_TAG = re.compile(r"(cpu|cu\d+|rocm\d+(?:\.\d+)*|xpu)")


def per_node(run: DistRun) -> int:
    """Ranks per node (what --nproc-per-node was): as the launcher said, else counted on the
    busiest node, else the world size."""
    if run.settings.per_node:
        return run.settings.per_node
    counts: dict[str, int] = {}
    for facts in run.facts.values():
        counts[facts.node] = counts.get(facts.node, 0) + 1
    return max(counts.values(), default=run.world_size)


def rerun(run: DistRun) -> str:
    """The single-node launch of this check; several nodes are launched by the user's own
    command (Slurm, Kubernetes), which this one cannot know."""
    return f"torchrun --standalone --nproc-per-node {per_node(run)} -m torchdoctor dist"


def debug_fix(run: DistRun, why: str) -> Fix:
    """Run again with the backend's own diagnostics switched on."""
    gloo = run.backend == "gloo"
    export = GLOO_DEBUG_EXPORT if gloo else NCCL_DEBUG_EXPORT
    single = len({f.node for f in run.facts.values()}) <= 1
    where = ("run the check again with them" if single
             else "set them on every node and launch the check again as before")
    what = ("torch.distributed's own detail" if gloo
            else "NCCL's choice of network and transport, and a Flight Recorder dump on timeout")
    commands = (export, rerun(run)) if single else (export,)
    return Fix(f"{why} These variables log {what}; {where}:", commands)


def reach_fix(run: DistRun) -> Fix:
    """A rank that never joined: can its node reach the rendezvous?"""
    address = run.settings.rendezvous
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        return Fix("Start every rank with the same rendezvous endpoint; on the missing rank's "
                   "node, run the single-machine check first:", ("torchdoctor check",))
    probe = (f"python -c \"import socket; socket.create_connection(({host!r}, {port}), 5); "
             "print('reachable')\"")
    return Fix(f"Start every rank with the same rendezvous endpoint ({address}), and check that "
               "the missing rank's node reaches it (a firewall or a wrong MASTER_ADDR stops it):",
               (probe,))


def missing_fix() -> Fix:
    return Fix("Read that rank's own output for the cause (`torchrun --tee 3` keeps each rank's "
               "lines; a crash, an out-of-memory kill or a stuck GPU shows there), then check "
               "its node alone:", ("torchdoctor check",))


def share_fix(run: DistRun) -> Fix:
    return Fix("Start one rank per GPU: `--nproc-per-node gpu` makes torchrun count them.",
               ("torchrun --standalone --nproc-per-node gpu -m torchdoctor dist",))


def torch_install(executable: str, version: str) -> str:
    """The command that installs exactly the build `version` ("2.13.0+cu130") for
    `executable`, replacing any other build of it (`pip install` of the same version with
    another local tag would say "already satisfied")."""
    base, _, tag = version.partition("+")
    python = shlex.quote(executable) if executable else "python"
    command = f"{python} -m pip install --force-reinstall torch=={base}"
    if tag and _LOCAL_TAG.fullmatch(tag):
        command += f" --index-url {WHEEL_INDEX}{tag}"
    return command


def software_fix(field: str, majority: str | None, executable: str, fallback: str | None,
                 where: str) -> Fix:
    """The fix of ranks whose torch, CUDA, NCCL or Python differ."""
    if field == "nccl":
        return Fix(f"The same torch loads another NCCL on {where}: a libnccl from "
                   "LD_LIBRARY_PATH or the system comes first there. The check on that node "
                   "lists which copy loads:", ("torchdoctor check",))
    if field == "python":
        return Fix(f"Run every rank in the same environment (another Python runs {where}); "
                   "the check on that node shows which interpreter it is:",
                   ("torchdoctor check",))
    build = majority if field == "torch" and majority else fallback
    if not build:
        return Fix(f"Install the same torch build on every node; the check on {where} shows "
                   "what is installed there:", ("torchdoctor check",))
    chosen = "most ranks'" if majority else "rank 0's"
    return Fix(f"Install {chosen} torch build ({build}) on {where}:",
               (torch_install(executable, build),))


def hardware_fix(field: str, majority: str | None, where: str, nvidia: bool) -> Fix:
    """The fix of nodes whose driver or GPUs differ."""
    if field == "driver":
        goal = f"the driver most nodes run ({majority})" if majority else "one driver version"
        return Fix(f"Install {goal} on {where} and reboot; the driver in use shows with:",
                   ("nvidia-smi --query-gpu=driver_version --format=csv,noheader",))
    if field == "rocm":
        return Fix(f"Install the same ROCm release on {where}; the installed one shows with:",
                   ("cat /opt/rocm/.info/version",))
    listing = "nvidia-smi -L" if nvidia else "ls /sys/class/kfd/kfd/topology/nodes"
    return Fix("Other GPUs than on the other nodes: a GPU fallen off the bus (Xid errors in the "
               "kernel log), one disabled, or another model fitted. On "
               f"{where}, list what the driver sees:", (listing,))


def wrong_fix(run: DistRun) -> Fix:
    if run.backend == "gloo":
        return Fix("A collective on the CPU gave wrong values: check the node's torch alone:",
                   ("torchdoctor verify --device cpu",))
    return Fix("Wrong values from a collective mean faulty memory, a faulty link or a broken "
               "NCCL: check the named ranks' GPUs for memory errors, then take their node out "
               "and run the GPU diagnostics (`dcgmi diag -r 2` where DCGM is installed):",
               ("nvidia-smi -q -d ECC",))


def bandwidth_fix(run: DistRun) -> Fix:
    fix = debug_fix(run, "A bus bandwidth this low means a slow path: TCP sockets instead of "
                    "InfiniBand or RoCE, the wrong network interface, or no peer-to-peer "
                    "between GPUs (see the NET and P2P lines NCCL logs).")
    return Fix(fix.text, (*fix.commands, "nvidia-smi topo -m"))
