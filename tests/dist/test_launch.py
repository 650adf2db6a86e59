"""The launch variables: torchrun's, Slurm's and Open MPI's local rank, and the one-line errors."""

from __future__ import annotations

import pytest

from torchdoctor.dist.launch import LaunchError, launch_from_env

TORCHRUN = {"RANK": "3", "WORLD_SIZE": "8", "LOCAL_RANK": "3", "LOCAL_WORLD_SIZE": "4",
            "MASTER_ADDR": "gpu-00", "MASTER_PORT": "29500", "TORCHELASTIC_RUN_ID": "job",
            "TORCHELASTIC_RESTART_COUNT": "1"}


def test_torchrun_variables() -> None:
    launch = launch_from_env(TORCHRUN)
    assert (launch.rank, launch.world_size, launch.local_rank, launch.local_world_size) == (
        3, 8, 3, 4)
    assert (launch.rendezvous, launch.restart, launch.launcher) == ("gpu-00:29500", 1, "torchrun")


def test_slurm_local_rank_where_the_launcher_sets_none() -> None:
    env = {"RANK": "5", "WORLD_SIZE": "8", "MASTER_ADDR": "n1", "MASTER_PORT": "29500",
           "SLURM_LOCALID": "1", "SLURM_NTASKS_PER_NODE": "4"}
    launch = launch_from_env(env)
    assert (launch.local_rank, launch.local_world_size, launch.launcher) == (1, 4, "env")


def test_nothing_set_names_every_missing_variable_and_the_command() -> None:
    with pytest.raises(LaunchError) as info:
        launch_from_env({"PATH": "/usr/bin"})
    message = str(info.value)
    assert "RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT are not set" in message
    assert "torchrun --standalone --nproc-per-node 2 -m torchdoctor dist" in message
    assert "\n" not in message


@pytest.mark.parametrize(("change", "words"), [
    ({"RANK": "8"}, "RANK=8 does not fit WORLD_SIZE=8"),
    ({"RANK": "x"}, "RANK='x' is not a whole number"),
    ({"MASTER_PORT": "70000"}, "MASTER_PORT=70000 is not a TCP port"),
    ({"WORLD_SIZE": "0"}, "does not fit WORLD_SIZE=0"),
    ({"MASTER_ADDR": " "}, "MASTER_ADDR is not set"),
])
def test_variables_that_make_no_sense(change: dict[str, str], words: str) -> None:
    with pytest.raises(LaunchError, match=words):
        launch_from_env({**TORCHRUN, **change})
