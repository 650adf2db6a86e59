"""The report of a finished run, judged from hand-made outcomes: each finding names the ranks
and nodes involved, comes from the catalogue, and carries a command."""

from __future__ import annotations

import dataclasses

import jsonschema
import pytest
from dist_support import H100, SIZES, expected_busbw, outcome, run, timings

from torchdoctor.catalogue import CATALOG
from torchdoctor.dist.bandwidth import MiB
from torchdoctor.dist.judge import build_dist_report, rank_busbw, rank_result
from torchdoctor.dist.model import (
    FAILED,
    UNSUPPORTED,
    WRONG,
    Absent,
    CollectiveResult,
    DistRun,
    ProblemRecord,
    RankOutcome,
    RankVerify,
)
from torchdoctor.exitcodes import ExitCode
from torchdoctor.render.dist import dist_document, rank_rows, rank_table
from torchdoctor.render.schema import load_schema
from torchdoctor.report import CheckStatus, Problem, Report
from torchdoctor.verdict import decide


def _report(r: DistRun) -> Report:
    report = build_dist_report(r, "/opt/venv/bin/python")
    for p in report.problems:  # every problem from the catalogue, with its title
        assert p.title == CATALOG[p.code].title
    document = dist_document(report, decide(report), r)
    jsonschema.Draft202012Validator(load_schema("report")).validate(document)
    return report


def _check(report: Report, check_id: str) -> CheckStatus:
    return next(c for c in report.checks if c.id == check_id).status


def _only(report: Report, code: str) -> Problem:
    found = [p for p in report.problems if p.code == code]
    assert len(found) == 1, [p.code for p in report.problems]
    return found[0]


def test_a_healthy_cluster_passes_every_check() -> None:
    healthy = run(16, 8)
    report = _report(healthy)
    assert report.problems == ()
    assert decide(report).exit_code is ExitCode.OK
    assert [c.id for c in report.checks] == [
        "ranks", "dist.verify", "consistency", "all_reduce", "broadcast", "all_gather",
        "reduce_scatter", "barrier", "bandwidth"]
    assert all(c.status is CheckStatus.OK for c in report.checks)
    ranks = report.checks[0].summary
    assert ranks == "16 of 16 ranks · 2 nodes (gpu-00, gpu-01) · nccl"
    consistency = report.checks[2].summary
    assert "torch 2.13.0+cu130" in consistency
    assert f"8 × {H100}" in consistency
    bandwidth = report.checks[-1].summary
    assert bandwidth.startswith(f"all_reduce busbw {expected_busbw(16):.2f} GB/s at 256 MiB")


def test_the_rank_table_has_one_row_per_rank() -> None:
    healthy = run(2, 2)
    lines = rank_table(healthy)
    assert lines[0].split() == ["rank", "host", "device", "driver", "torch", "result", "busbw"]
    assert len(lines) == 3
    assert lines[1].split()[:4] == ["0", "gpu-00", "cuda:0", "NVIDIA"]
    assert f"{rank_busbw(healthy, 1):.2f} GB/s" in lines[2]
    assert rank_busbw(healthy, 1) == pytest.approx(expected_busbw(2))


def test_a_rank_that_never_joined() -> None:
    r = run(4, 4, absent=(Absent(3, joined=False),))
    report = _report(r)
    message = _only(report, "dist-rank-missing").message
    assert message.startswith("rank 3 never reached the rendezvous at gpu-00:29500 within 60 s")
    fix = _only(report, "dist-rank-missing").fix
    assert fix is not None
    assert "socket.create_connection(('gpu-00', 29500), 5)" in fix.commands[0]
    assert decide(report).exit_code is ExitCode.PROBLEMS
    assert rank_result(r, 3) == "missing: never joined"


@pytest.mark.parametrize(("alive", "words"), [
    (False, "rank 2 (gpu-00, pid 1002) stopped during all_reduce: its process has exited."),
    (True, "is still running but did not get past all_reduce within 60 s: it hangs."),
    (None, "gave no result within 60 s; its last step was all_reduce."),
])
def test_a_rank_that_stopped(alive: bool | None, words: str) -> None:
    r = run(4, 4, absent=(Absent(2, True, "gpu-00", 1002, "all_reduce", alive),))
    problem = _only(_report(r), "dist-rank-missing")
    assert words in problem.message
    assert problem.fix is not None
    assert problem.fix.commands == ("torchdoctor check",)
    assert rank_rows(r)[2][:2] == ("2", "gpu-00")


def test_a_wrong_collective_names_receivers_and_sources() -> None:
    wrong = CollectiveResult("all_reduce", WRONG, 0.001, wrong_from=(5,))
    r = run(8, 4, {0: outcome(0, 4, {"all_reduce": wrong}),
                   1: outcome(1, 4, {"all_reduce": wrong})})
    report = _report(r)
    problem = _only(report, "dist-collective-wrong")
    assert problem.message == ("all_reduce gave wrong values on ranks 0 and 1 on gpu-00: the "
                               "data of rank 5 arrived wrong.")
    assert problem.fix is not None
    assert problem.fix.commands == ("nvidia-smi -q -d ECC",)
    assert _check(report, "all_reduce") is CheckStatus.ERROR
    assert rank_result(r, 0) == "failed: all_reduce"


def test_a_failed_collective_and_the_ones_after_it() -> None:
    failed = CollectiveResult("broadcast", FAILED, 60.0, error="Timed out waiting 60000ms")
    results = {"broadcast": failed, **{n: CollectiveResult(n, "not_run", error="earlier")
                                       for n in ("all_gather", "reduce_scatter", "barrier")}}
    r = run(2, 2, {0: outcome(0, 2, results, timed=()), 1: outcome(1, 2, results, timed=())})
    report = _report(r)
    problem = _only(report, "dist-collective-failed")
    assert problem.message == ("broadcast failed on ranks 0 and 1 on gpu-00 after 60.00 s: "
                               "Timed out waiting 60000ms")
    assert problem.fix is not None
    assert problem.fix.commands[0].startswith("export NCCL_DEBUG=INFO")
    assert problem.fix.commands[1] == "torchrun --standalone --nproc-per-node 2 -m torchdoctor dist"
    assert _check(report, "all_gather") is CheckStatus.UNKNOWN
    assert decide(report).exit_code is ExitCode.PROBLEMS


def test_a_rank_with_another_torch_is_named_with_the_cure() -> None:
    r = run(8, 4, {5: outcome(5, 4, torch="2.12.0+cu128", cuda="12.8")})
    report = _report(r)
    messages = [p.message for p in report.problems if p.code == "dist-ranks-differ"]
    assert messages == [
        "torch: rank 5 on gpu-01 runs 2.12.0+cu128 where 7 ranks run 2.13.0+cu130.",
        "CUDA: rank 5 on gpu-01 runs 12.8 where 7 ranks run 13.0."]
    fixes = {p.fix.commands for p in report.problems if p.fix is not None}
    assert fixes == {("/opt/venv/bin/python -m pip install --force-reinstall torch==2.13.0 "
                      "--index-url https://download.pytorch.org/whl/cu130",)}
    assert _check(report, "consistency") is CheckStatus.ERROR


def test_two_ranks_two_builds_is_no_majority() -> None:
    r = run(2, 2, {1: outcome(1, 2, torch="2.12.0+cu130")})
    problems = [p for p in _report(r).problems if p.code == "dist-ranks-differ"]
    assert len(problems) == 2  # both named, neither blamed more
    assert all("no majority" in p.message for p in problems)
    assert problems[0].fix is not None
    assert "torch==2.13.0" in problems[0].fix.commands[0]


def test_a_node_with_another_driver_or_fewer_gpus_is_a_warning() -> None:
    odd = {r: outcome(r, 8, driver="570.195.03", gpu_count=7, gpu_models=(H100,) * 7)
           for r in range(16, 24)}
    report = _report(run(24, 8, odd))
    found = [p for p in report.problems if p.code == "dist-nodes-differ"]
    assert [p.message.split(":")[0] for p in found] == ["NVIDIA driver", "GPU count", "GPU model"]
    assert found[0].message == ("NVIDIA driver: gpu-02 (ranks 16–23) has 570.195.03 where 2 "
                                "nodes have 580.105.08.")
    assert found[1].fix is not None
    assert found[1].fix.commands == ("nvidia-smi -L",)
    assert _check(report, "consistency") is CheckStatus.WARNING
    assert decide(report).exit_code is ExitCode.OK


def test_bandwidth_below_the_floor_at_large_sizes_only() -> None:
    slow = run(2, 2, {r: outcome(r, 2, timed=timings(seconds_at_max=2.0)) for r in range(2)})
    report = _report(slow)
    problem = _only(report, "dist-bandwidth-low")
    assert problem.message.startswith("Bus bandwidth under the floor of 1 GB/s: all_reduce 0.13 "
                                      "GB/s at 256 MiB, all_gather 0.07 GB/s at 256 MiB")
    assert problem.fix is not None
    assert "nvidia-smi topo -m" in problem.fix.commands
    assert _check(report, "bandwidth") is CheckStatus.WARNING
    unjudged = dataclasses.replace(slow, settings=dataclasses.replace(slow.settings,
                                                                      min_busbw=None))
    assert _report(unjudged).problems == ()
    small = dataclasses.replace(slow, settings=dataclasses.replace(slow.settings,
                                                                   max_size=64 * MiB))
    small = dataclasses.replace(small, outcomes={r: dataclasses.replace(
        o, timings=tuple(t for t in o.timings if t.size_bytes < SIZES[-1]))
        for r, o in slow.outcomes.items()})
    assert _report(small).problems == ()  # nothing large was timed: nothing judged


def test_a_wrong_value_at_size_is_an_error() -> None:
    bad = tuple(dataclasses.replace(t, correct=False) if t.size_bytes == SIZES[-1]
                and t.collective == "all_gather" else t for t in timings())
    report = _report(run(2, 2, {1: outcome(1, 2, timed=bad)}))
    assert _only(report, "dist-collective-wrong").message == (
        "all_gather of 256 MiB gave wrong values on rank 1 on gpu-00.")


def test_ranks_sharing_a_gpu() -> None:
    shared = {r: outcome(r, 4, device=f"cuda:{r % 2}", gpu_count=2, gpu_models=(H100,) * 2,
                         device_uuid=f"GPU-{r % 2}") for r in range(4)}
    problems = [p for p in _report(run(4, 4, shared)).problems
                if p.code == "dist-ranks-share-gpu"]
    assert [p.message.split(" all use")[0] for p in problems] == ["ranks 0 and 2",
                                                                   "ranks 1 and 3"]
    assert "the node has 2 GPUs for 4 ranks" in problems[0].message
    assert problems[0].fix is not None
    assert problems[0].fix.commands == (
        "torchrun --standalone --nproc-per-node gpu -m torchdoctor dist",)


def test_no_nccl_in_the_build() -> None:
    def failing(rank: int) -> RankOutcome:
        base = outcome(rank, 2, backend="nccl", device="cpu", device_name=None)
        return dataclasses.replace(base, collectives=(), timings=(),
                                   error="the nccl backend is not available in torch 2.13.0+cpu",
                                   error_phase="choosing the backend")

    report = _report(run(2, 2, {0: failing(0), 1: failing(1)}))
    problem = _only(report, "nccl-unavailable")
    assert problem.message.startswith("choosing the backend failed on ranks 0 and 1 on gpu-00: "
                                      "the nccl backend is not available")
    assert problem.fix is not None
    assert problem.fix.commands == (
        "torchrun --standalone --nproc-per-node 2 -m torchdoctor dist --backend gloo",)
    assert _check(report, "all_reduce") is CheckStatus.UNKNOWN


def test_verification_problems_are_grouped_by_ranks() -> None:
    broken = RankVerify("error", "2.13.0+cu130 — CUDA initialisation fails", (
        ProblemRecord("cuda-init-failed", "error", "CUDA initialisation fails: unknown error",
                      "Reboot the node.", ("sudo reboot",)),))
    r = run(8, 4, {r: outcome(r, 4, verify=broken) for r in (4, 5)})
    report = _report(r)
    problem = _only(report, "cuda-init-failed")
    assert problem.message == "ranks 4 and 5 on gpu-01: CUDA initialisation fails: unknown error"
    assert problem.fix is not None
    assert problem.fix.commands == ("sudo reboot",)
    verify = next(c for c in report.checks if c.id == "dist.verify")
    assert verify.status is CheckStatus.ERROR
    assert verify.summary.startswith("6 of 8 ranks pass; ranks 4 and 5 on gpu-01")
    assert rank_result(r, 4) == "failed: verify"


def test_reduce_scatter_the_backend_lacks_is_not_a_failure() -> None:
    missing = CollectiveResult("reduce_scatter", UNSUPPORTED, 0.0, error="not supported")
    report = _report(run(2, 2, {r: outcome(r, 2, {"reduce_scatter": missing})
                                for r in range(2)}))
    assert _check(report, "reduce_scatter") is CheckStatus.NOT_APPLICABLE
    assert decide(report).exit_code is ExitCode.OK


def test_collectives_skipped_when_a_rank_is_missing() -> None:
    r = dataclasses.replace(run(2, 2, absent=(Absent(1, joined=False),)),
                            skipped="rank 1 never joined")
    report = _report(r)
    for check_id in ("all_reduce", "barrier", "bandwidth"):
        check = next(c for c in report.checks if c.id == check_id)
        assert (check.status, check.reason) == (CheckStatus.UNKNOWN,
                                                "not run: rank 1 never joined")


def test_switches_that_turn_checks_off() -> None:
    r = run(2, 2, verify=False, bench=False)
    report = _report(r)
    assert _check(report, "dist.verify") is CheckStatus.NOT_APPLICABLE
    assert _check(report, "bandwidth") is CheckStatus.NOT_APPLICABLE
    one = _report(run(1, 1))
    assert _check(one, "bandwidth") is CheckStatus.NOT_APPLICABLE
    assert next(c for c in one.checks if c.id == "consistency").summary.startswith("one rank: ")


def test_a_process_group_that_cannot_be_created() -> None:
    def failing(rank: int) -> RankOutcome:
        return dataclasses.replace(outcome(rank, 2), collectives=(), timings=(),
                                   error="NCCL error: unhandled system error",
                                   error_phase="creating the process group")

    problem = _only(_report(run(2, 2, {0: failing(0), 1: failing(1)})), "dist-init-failed")
    assert problem.message == ("creating the process group failed on ranks 0 and 1 on gpu-00: "
                               "NCCL error: unhandled system error")


def test_every_dist_finding_carries_a_command() -> None:
    runs = [
        run(4, 4, absent=(Absent(3, joined=False), Absent(2, True, "gpu-00", 9, "x", False))),
        run(8, 4, {5: outcome(5, 4, torch="2.12.0+cu128", nccl="2.21.5", python="3.11.9")}),
        run(8, 4, {r: outcome(r, 4, driver="570.195.03", gpu_count=3) for r in range(4, 8)}),
        run(4, 4, {r: outcome(r, 4, device="cuda:0", device_uuid="GPU-0",
                              timed=timings(seconds_at_max=3.0),
                              results={"barrier": CollectiveResult("barrier", FAILED, 1.0,
                                                                   error="x"),
                                       "all_gather": CollectiveResult("all_gather", WRONG, 1.0,
                                                                      wrong_from=(1,))})
                   for r in range(4)}),
    ]
    seen = set()
    for r in runs:
        for p in _report(r).problems:
            assert p.fix is not None, p.code
            assert p.fix.commands, (p.code, p.fix.text)
            seen.add(p.code)
    assert seen >= {"dist-rank-missing", "dist-ranks-differ", "dist-nodes-differ",
                    "dist-ranks-share-gpu", "dist-collective-failed", "dist-collective-wrong",
                    "dist-bandwidth-low"}


def test_ranks_bound_to_their_own_gpu_do_not_share() -> None:
    bound = {r: outcome(r, 4, device="cuda:0") for r in range(4)}  # CUDA_VISIBLE_DEVICES=r
    assert not [p for p in _report(run(4, 4, bound)).problems]
    unknown = {r: outcome(r, 4, device="cuda:0", device_uuid=None) for r in range(4)}
    assert not [p for p in _report(run(4, 4, unknown)).problems]  # no UUID: not judged
