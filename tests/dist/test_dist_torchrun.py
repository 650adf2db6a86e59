"""`torchdoctor dist` for real: torchrun starts 2, 3 or 4 ranks on this machine (gloo on the
CPU). A rank that exits early, stalls, never joins or has another torch fails the run with a
message naming it, within the timeout, and no process of the run is left behind."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import jsonschema
import psutil
import pytest
from cli_support import CliResult

from torchdoctor.render.schema import load_schema

torch = pytest.importorskip("torch", reason="the torchrun runs need torch installed")
if not torch.distributed.is_available():
    pytest.skip("this torch has no torch.distributed", allow_module_level=True)

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    os.name != "posix", reason="the runs are killed by process group, which is POSIX")]
FAULT_RANK = Path(__file__).resolve().parent / "fault_rank.py"
QUICK = ("--timeout", "5", "--no-verify", "--no-bench")


def _leftovers(token: str) -> list[str]:
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            if proc.environ().get("TORCHDOCTOR_TEST_TOKEN") == token:
                found.append(f"{proc.pid}: {' '.join(proc.info['cmdline'] or [])}")
    return found


def torchrun(ranks: int, *args: str, fault: str = "", timeout: float = 240.0) -> CliResult:
    """`torchrun --standalone --nproc-per-node RANKS -m torchdoctor dist ARGS` (the fault script
    instead of `-m torchdoctor` when a fault is injected); asserts nothing is left running."""
    token = uuid.uuid4().hex
    env = {**os.environ, "TORCHDOCTOR_TEST_TOKEN": token, "OMP_NUM_THREADS": "1"}
    entry = [str(FAULT_RANK)] if fault else ["-m", "torchdoctor", "dist"]
    if fault:
        env["TORCHDOCTOR_TEST_FAULT"] = fault
    argv = [sys.executable, "-m", "torch.distributed.run", "--standalone",
            "--nproc-per-node", str(ranks), *entry, *args]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"the run did not end within {timeout:g} s:\n{out}\n{err[-3000:]}")
    finally:
        left = _leftovers(token)
        for line in left:
            with contextlib.suppress(OSError):
                os.kill(int(line.split(":")[0]), signal.SIGKILL)
    assert left == [], f"processes left behind: {left}"
    return CliResult(proc.returncode, out, err)


def _document(result: CliResult) -> dict[str, object]:
    document: dict[str, object] = json.loads(result.stdout)
    jsonschema.Draft202012Validator(load_schema("report")).validate(document)
    return document


def test_two_ranks_pass_and_print_bus_bandwidth(tmp_path: Path) -> None:
    saved = tmp_path / "dist.json"
    result = torchrun(2, "--timeout", "30", "--bench-seconds", "1", "--output", str(saved))
    assert result.exit_code == 0, result.stdout + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("rank "))
    table = [line.split() for line in lines[start + 1:lines.index("", start)]]
    assert [row[0] for row in table] == ["0", "1"]
    assert all(row[5] == "ok" and row[-1] == "GB/s" for row in table)
    assert any(line.startswith("[✓] PyTorch works   every rank:") for line in lines)
    bandwidth = next(line for line in lines if "Bandwidth" in line)
    assert bandwidth.startswith("[✓] Bandwidth       all_reduce busbw ")
    assert "at 16 MiB" in bandwidth
    document = json.loads(saved.read_text(encoding="utf-8"))  # --output: rank 0's report
    jsonschema.Draft202012Validator(load_schema("report")).validate(document)
    assert [r["result"] for r in document["dist"]["ranks"]] == ["ok", "ok"]


def test_four_ranks_json() -> None:
    result = torchrun(4, "--json", "--timeout", "30", "--no-verify", "--bench-seconds", "1",
                      "--max-size", "4M")
    assert result.exit_code == 0, result.stdout + result.stderr[-3000:]
    document = _document(result)
    dist = document["dist"]
    assert isinstance(dist, dict)
    assert (dist["world_size"], dist["backend"]) == (4, "gloo")
    assert [r["result"] for r in dist["ranks"]] == ["ok"] * 4
    sizes = {p["size_bytes"] for p in dist["bandwidth"]}
    assert max(sizes) == 4 << 20
    assert all(p["busbw_gbps"] > 0 and p["ranks"] == 4 for p in dist["bandwidth"])
    statuses = {c["id"]: c["status"] for c in document["checks"]}  # type: ignore[attr-defined]
    assert statuses.pop("dist.verify") == "not_applicable"
    assert set(statuses.values()) == {"ok"}


def test_a_rank_that_exits_early_is_named() -> None:
    result = torchrun(2, *QUICK, fault="1:exit:all_reduce")
    assert result.exit_code == 1
    assert "rank 1 (" in result.stdout
    assert "stopped during all_reduce: its process has exited." in result.stdout


def test_a_rank_that_stalls_is_named() -> None:
    result = torchrun(2, *QUICK, fault="1:stall:broadcast")
    assert result.exit_code == 1
    assert "did not get past broadcast within 5 s: it hangs." in result.stdout
    assert "[✓] all_reduce" in result.stdout  # the collective before the stall passed


def test_a_rank_that_never_joins_is_named() -> None:
    result = torchrun(2, *QUICK, "--json", fault="1:exit-at-start")
    assert result.exit_code == 1
    document = _document(result)
    missing = [p for p in document["problems"]  # type: ignore[attr-defined]
               if p["code"] == "dist-rank-missing"]
    assert len(missing) == 1
    assert missing[0]["message"].startswith("rank 1 never reached the rendezvous at ")


def test_a_rank_with_another_torch_is_named() -> None:
    result = torchrun(3, *QUICK, "--json", fault="1:torch:1.13.1+cpu")
    assert result.exit_code == 1
    document = _document(result)
    differ = [p for p in document["problems"]  # type: ignore[attr-defined]
              if p["code"] == "dist-ranks-differ"]
    assert len(differ) == 1
    message = differ[0]["message"]
    assert message.startswith("torch: rank 1 on ")
    assert f"runs 1.13.1+cpu where 2 ranks run {torch.__version__}." in message
    base = torch.__version__.split("+")[0]
    assert f"-m pip install --force-reinstall torch=={base}" in differ[0]["fix"]["commands"][0]
