"""`torchdoctor dist` outside a launcher and with bad options: one line and exit 2, before torch
is imported (so the same holds where torch is not installed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from cli_support import MACHINES, invoke

from torchdoctor.recorded import RecordedHost
from torchdoctor.render.schema import load_schema

LAPTOP = MACHINES / "cpu-linux-laptop"  # its recorded environment has no launch variables


def test_outside_a_launcher_it_says_how_to_start_it() -> None:
    result = invoke("dist", host=RecordedHost(LAPTOP))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert "not started by torchrun or another launcher" in lines[0]
    assert "torchrun --standalone --nproc-per-node 2 -m torchdoctor dist" in lines[0]


def test_outside_a_launcher_json_is_the_error_document() -> None:
    result = invoke("dist", "--json", host=RecordedHost(LAPTOP))
    assert result.exit_code == 2
    document = result.json()
    jsonschema.Draft202012Validator(load_schema("report")).validate(document)
    assert (document["command"], document["status"]) == ("dist", "error")


@pytest.mark.parametrize(("args", "words"), [
    (["--max-size", "3Q"], "not a size: '3Q'"),
    (["--max-size", "1K"], "must be from 4 KiB to 16 GiB, not 1K"),
    (["--max-size", "64G"], "must be from 4 KiB to 16 GiB"),
    (["--timeout", "0.5"], "from 1 to 3600, not 0.5"),
    (["--timeout", "nan"], "from 1 to 3600"),
    (["--min-busbw", "-1"], "must be a bandwidth in GB/s"),
    (["--backend", "mpi"], "'mpi' is not one of"),
    (["--bench-seconds", "0"], "from 0.05 to 60"),
])
def test_bad_options_are_usage_errors(args: list[str], words: str) -> None:
    result = invoke("dist", *args, host=RecordedHost(LAPTOP))
    assert result.exit_code == 2
    assert words in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_help_lists_dist_and_its_options() -> None:
    assert "dist" in invoke("--help").stdout
    text = invoke("dist", "--help").stdout
    for option in ("--backend", "--timeout", "--max-size", "--min-busbw", "--no-verify",
                   "--no-bench", "--json"):
        assert option in text


def test_the_usage_error_needs_no_torch() -> None:
    """Run in a fresh interpreter: the answer comes without importing torch at all."""
    code = ("import sys, os\n"
            "for name in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):\n"
            "    os.environ.pop(name, None)\n"
            "from torchdoctor.cli import run\n"
            "rc = run(['dist', '--json'])\n"
            "print(rc, 'torch' in sys.modules, file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.stderr.strip().splitlines()[-1] == "2 False"
    assert json.loads(proc.stdout)["exit_code"] == 2


def test_output_files_are_checked_before_the_launch(tmp_path: Path) -> None:
    result = invoke("dist", "--output", str(tmp_path / "nope" / "r.json"),
                    host=RecordedHost(LAPTOP))
    assert result.exit_code == 2
    assert "no such folder" in result.stderr
    both = invoke("dist", "--json", "--format", "markdown", host=RecordedHost(LAPTOP))
    assert both.exit_code == 2
