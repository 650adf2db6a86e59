"""rocm-device-permissions says whether the user must be added or must log in again."""

from __future__ import annotations

from diag_facts import amd_found, make_facts, problems, run, torch_env

from torchdoctor.knowledge import load


def _fix(session: tuple[str, ...] | None, member: tuple[str, ...] | None) -> tuple[str, str]:
    facts = make_facts(python=torch_env("2.13.0+rocm7.2", hip="7.2.26015"),
                       amd=amd_found(kfd_accessible=False, render_accessible=False,
                                     session_groups=session, member_of=member))
    [found] = [p for p in problems(run(facts, load())) if p.code == "rocm-device-permissions"]
    assert found.fix is not None
    return found.message, " ".join(found.fix.commands)


def test_not_in_the_groups_adds_them() -> None:
    message, commands = _fix((), ())
    assert "not in the render and video group" in message
    assert commands == 'sudo usermod -aG render,video "$USER"'


def test_added_since_login_needs_a_new_login_not_usermod() -> None:
    message, commands = _fix((), ("video", "render"))
    assert "does not have it yet" in message
    assert commands == "id -nG"


def test_unknown_groups_keep_the_usermod_fix() -> None:
    message, commands = _fix(None, None)
    assert "group" not in message.split("ROCm sees no GPU")[1]
    assert commands == 'sudo usermod -aG render,video "$USER"'
