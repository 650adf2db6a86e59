"""Where this process stands in a launch: the env:// rendezvous variables torchrun sets (and
Slurm, Kubernetes' PyTorch operator, or a hand-written launcher can set).

Pure: reads a mapping, imports nothing heavy, so a run outside any launcher is a usage error in
one line, with or without torch installed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

REQUIRED = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
# LOCAL_RANK where the launcher does not set it: Slurm's and Open MPI's names for it.
LOCAL_RANK_NAMES = ("LOCAL_RANK", "SLURM_LOCALID", "OMPI_COMM_WORLD_LOCAL_RANK")
LOCAL_SIZE_NAMES = ("LOCAL_WORLD_SIZE", "SLURM_NTASKS_PER_NODE", "OMPI_COMM_WORLD_LOCAL_SIZE")
EXAMPLE = "torchrun --standalone --nproc-per-node 2 -m torchdoctor dist"


class LaunchError(Exception):
    """Not started by a launcher, or with variables that make no sense; one line."""


@dataclass(frozen=True)
class Launch:
    """This process's place in the run."""

    rank: int
    world_size: int
    local_rank: int
    local_world_size: int | None
    master_addr: str
    master_port: int
    restart: int  # TORCHELASTIC_RESTART_COUNT: keys of an earlier attempt are not this one's
    launcher: str  # "torchrun" or "env"

    @property
    def rendezvous(self) -> str:
        return f"{self.master_addr}:{self.master_port}"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


def _int(env: Mapping[str, str], name: str) -> int:
    try:
        return int(env[name].strip())
    except ValueError:
        raise LaunchError(f"{name}={env[name]!r} is not a whole number") from None


def _first(env: Mapping[str, str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if env.get(name, "").strip():
            return _int(env, name)
    return None


def launch_from_env(env: Mapping[str, str]) -> Launch:
    """The launch these variables describe; LaunchError (one line) when they do not."""
    missing = [name for name in REQUIRED if not env.get(name, "").strip()]
    if missing:
        raise LaunchError(
            f"not started by torchrun or another launcher: {_and(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not set; run it as `{EXAMPLE}` "
            "(see docs/cluster.md for Slurm and Kubernetes)")
    rank, world, port = _int(env, "RANK"), _int(env, "WORLD_SIZE"), _int(env, "MASTER_PORT")
    if world < 1 or not 0 <= rank < world:
        raise LaunchError(f"RANK={rank} does not fit WORLD_SIZE={world}")
    if not 0 < port < 65536:
        raise LaunchError(f"MASTER_PORT={port} is not a TCP port")
    local = _first(env, LOCAL_RANK_NAMES)
    restart = _first(env, ("TORCHELASTIC_RESTART_COUNT",)) or 0
    return Launch(rank=rank, world_size=world, local_rank=local if local is not None else 0,
                  local_world_size=_first(env, LOCAL_SIZE_NAMES),
                  master_addr=env["MASTER_ADDR"].strip(), master_port=port, restart=restart,
                  launcher="torchrun" if env.get("TORCHELASTIC_RUN_ID") else "env")
