"""AMD ROCm: GPU agents from the kernel's KFD topology (no ROCm tools needed), the ROCm install,
and whether this user may open /dev/kfd and the render nodes."""

from __future__ import annotations

import os
import re

from torchdoctor.facts import AmdFacts, AmdGpu
from torchdoctor.host import Host
from torchdoctor.probes._util import first_line, list_dir, read, read_or_reason
from torchdoctor.probes.system import system_name

KFD_NODES = "/sys/class/kfd/kfd/topology/nodes"
ROCM_VERSION_FILES = ("/opt/rocm/.info/version", "/opt/rocm/.info/version-dev")


def gfx_from_target_version(value: int) -> str | None:
    """KFD's gfx_target_version (major*10000 + minor*100 + stepping) as an LLVM target name.

    110000 -> gfx1100, 100301 -> gfx1031, 90010 -> gfx90a, 90402 -> gfx942; 0 (a CPU node) -> None.
    """
    if value <= 0:
        return None
    major, minor, stepping = value // 10000, (value // 100) % 100, value % 100
    return f"gfx{major}{minor:x}{stepping:x}"


def probe(host: Host, timeout: float) -> AmdFacts:
    """ROCm version, gfx targets and device access (Linux)."""
    if system_name(host) != "linux":
        return AmdFacts(status="absent", reason="ROCm for PyTorch is available on Linux only")
    notes: list[str] = []
    gpus = _kfd_gpus(host, notes)
    rocm = _rocm_version(host)
    kfd_present = host.exists("/dev/kfd")
    render_nodes = tuple(n for n in list_dir(host, "/dev/dri") if n.startswith("renderD"))
    rw = os.R_OK | os.W_OK
    amd_render = bool(gpus)  # render nodes matter only when there is an AMD GPU to reach
    if not gpus and not rocm:
        return AmdFacts(
            status="unknown" if notes else "absent",
            reason="; ".join(notes) if notes else "no AMD GPU in the KFD topology",
            gpus=None if notes else (),
            kfd_present=kfd_present,
        )
    session, member = _groups(host)
    return AmdFacts(
        status="found",
        reason="; ".join(notes) or None,
        session_groups=session,
        member_of=member,
        rocm_version=rocm,
        gpus=tuple(gpus),
        kfd_present=kfd_present,
        kfd_accessible=host.access("/dev/kfd", rw) if kfd_present else None,
        render_nodes=render_nodes,
        render_accessible=(
            all(host.access(f"/dev/dri/{n}", rw) for n in render_nodes)
            if render_nodes and amd_render
            else None
        ),
    )


DEVICE_GROUPS = ("render", "video")  # the groups that own /dev/kfd and /dev/dri/renderD*


def _groups(host: Host) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """(the device groups this process has, the device groups /etc/group lists the user in)."""
    table = read(host, "/etc/group")
    status = read(host, "/proc/self/status")
    if table is None:
        return None, None
    gids: dict[str, str] = {}
    user = host.env.get("USER") or host.env.get("LOGNAME")
    member = []
    for line in table.splitlines():
        parts = line.split(":")
        if len(parts) < 4 or parts[0] not in DEVICE_GROUPS:
            continue
        gids[parts[2]] = parts[0]
        if user and user in parts[3].split(","):
            member.append(parts[0])
    session = None
    if status is not None:
        line = next((x for x in status.splitlines() if x.startswith("Groups:")), "")
        session = tuple(sorted({gids[g] for g in line.split()[1:] if g in gids}))
    return session, tuple(member) if user else None


def _kfd_gpus(host: Host, notes: list[str]) -> list[AmdGpu]:
    from torchdoctor.probes.pci import load_table

    devices = load_table()["devices"]
    gpus = []
    for node in list_dir(host, KFD_NODES):
        if not node.isdigit():
            continue
        text, why = read_or_reason(host, f"{KFD_NODES}/{node}/properties")
        if text is None:
            if why:
                notes.append(why)
            continue
        props = _properties(text)
        gfx = gfx_from_target_version(props.get("gfx_target_version", 0))
        if gfx is None:
            continue  # a CPU node
        device = f"{props['device_id']:04x}" if props.get("device_id") else None
        entry = devices.get(f"1002:{device}", {}) if device else {}
        name = entry.get("name") or (read(host, f"{KFD_NODES}/{node}/name") or "").strip() or None
        gpus.append(AmdGpu(node=int(node), gfx=gfx, device_id=device, name=name))
    return gpus


def _properties(text: str) -> dict[str, int]:
    values = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and re.fullmatch(r"-?\d+", parts[1]):
            values[parts[0]] = int(parts[1])
    return values


def _rocm_version(host: Host) -> str | None:
    for path in ROCM_VERSION_FILES:
        text = read(host, path)
        if text:
            match = re.match(r"\d+\.\d+(?:\.\d+)?", first_line(text))
            if match:
                return match.group(0)
    return None
