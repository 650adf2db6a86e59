"""The render and video groups: the session's (/proc/self/status) against /etc/group's."""

from __future__ import annotations

from detect_helpers import MachineFactory

from torchdoctor.facts import AmdFacts
from torchdoctor.probes import amd

GROUP = "root:x:0:\nvideo:x:44:ada\nrender:x:110:ada,bob\nada:x:1000:\n"
KFD = "/sys/class/kfd/kfd/topology/nodes/1/properties"


def _facts(machine: MachineFactory, status: str, user: str = "ada") -> AmdFacts:
    host = machine(files={"/etc/group": GROUP, "/proc/self/status": status,
                          KFD: "gfx_target_version 110000\ndevice_id 29772\n", "/dev/kfd": ""},
                   env={"USER": user})
    return amd.probe(host, 1.0)


def test_a_membership_added_since_login_is_told_apart(machine: MachineFactory) -> None:
    facts = _facts(machine, "Name:\tpython3\nGroups:\t4 24 1000\n")
    assert facts.session_groups == ()
    assert facts.member_of == ("video", "render")


def test_the_session_groups_are_named(machine: MachineFactory) -> None:
    facts = _facts(machine, "Name:\tpython3\nGroups:\t44 110 1000\n", user="carl")
    assert facts.session_groups == ("render", "video")
    assert facts.member_of == ()
