"""`torchdoctor dist`'s output: the rank table above the usual check lines, and the `dist`
member of its JSON document (a report document like `check --json`'s, plus that member).

    rank  host    device                         driver      torch          result  busbw
    0     lab-07  cuda:0 NVIDIA H100 80GB HBM3   580.105.08  2.13.0+cu130   ok      401 GB/s
"""

from __future__ import annotations

from typing import Any

from torchdoctor.dist.bandwidth import format_size
from torchdoctor.dist.judge import points, rank_busbw, rank_result
from torchdoctor.dist.model import FAILED, WRONG, DistRun, RankOutcome, to_dict
from torchdoctor.render.json_doc import build_document
from torchdoctor.render.redact import sanitize
from torchdoctor.render.terminal import render_terminal
from torchdoctor.report import Report
from torchdoctor.verdict import Verdict

HEADERS = ("rank", "host", "device", "driver", "torch", "result", "busbw")
NONE = "–"


def rank_rows(run: DistRun) -> list[tuple[str, ...]]:
    """One row per rank, in rank order, missing ranks included."""
    absent = {a.rank: a for a in run.absent}
    rows: list[tuple[str, ...]] = []
    for rank in range(run.world_size):
        outcome = run.outcomes.get(rank)
        if outcome is None:
            node = absent[rank].node if rank in absent else None
            rows.append((str(rank), node or NONE, NONE, NONE, NONE, rank_result(run, rank),
                         NONE))
            continue
        f = outcome.facts
        device = f"{f.device} {f.device_name}" if f.device_name else f.device
        bus = rank_busbw(run, rank)
        rows.append((str(rank), f.node, device, f.driver or NONE, f.torch or NONE,
                     rank_result(run, rank), f"{bus:.2f} GB/s" if bus is not None else NONE))
    return rows


def rank_table(run: DistRun) -> tuple[str, ...]:
    """The table's lines, columns padded to their widest cell."""
    rows: list[tuple[str, ...]] = [HEADERS, *rank_rows(run)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    return tuple("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                 for row in rows)


def render_dist_terminal(report: Report, run: DistRun, *, width: int = 100, color: bool = False,
                         ascii: bool = False, verbose: int = 0) -> str:
    """The terminal output: the header, the rank table, the checks, the footer."""
    return render_terminal(report, width=width, color=color, ascii=ascii, verbose=verbose,
                           preamble=rank_table(run))


def _codes(outcome: RankOutcome) -> list[str]:
    """The problem codes of this rank's own findings (what `fleet` groups nodes by)."""
    codes = []
    verify = outcome.facts.verify
    if verify is not None:
        codes += [p.code for p in verify.problems if p.severity == "error"]
    if outcome.error:
        codes.append("dist-init-failed")
    for result in outcome.collectives:
        if result.status == WRONG:
            codes.append("dist-collective-wrong")
        elif result.status == FAILED:
            codes.append("dist-collective-failed")
    if any(t.correct is False for t in outcome.timings):
        codes.append("dist-collective-wrong")
    return list(dict.fromkeys(codes))


def _rank(run: DistRun, rank: int) -> dict[str, Any]:
    outcome = run.outcomes.get(rank)
    if outcome is None:
        absent = next((a for a in run.absent if a.rank == rank), None)
        info = to_dict(absent) if absent is not None else {"rank": rank, "joined": False}
        return {**info, "present": False, "result": rank_result(run, rank),
                "problem_codes": ["dist-rank-missing"]}
    facts = to_dict(outcome.facts)
    verify = facts.pop("verify")
    if verify is not None:
        verify = {"status": verify["status"], "summary": verify["summary"],
                  "problem_codes": [p["code"] for p in verify["problems"]]}
    return {
        **facts,
        "present": True,
        "gpu_model": outcome.facts.gpu_model,
        "verify": verify,
        "result": rank_result(run, rank),
        "busbw_gbps": rank_busbw(run, rank),
        "error": outcome.error,
        "error_phase": outcome.error_phase,
        "collectives": [to_dict(c) for c in outcome.collectives],
        "timings": [to_dict(t) for t in outcome.timings],
        "problem_codes": _codes(outcome),
    }


def dist_member(run: DistRun) -> dict[str, Any]:
    """The `dist` member: settings, every rank, and the bandwidth points."""
    settings = to_dict(run.settings)
    settings["max_size_text"] = format_size(run.settings.max_size)
    return {
        "world_size": run.world_size,
        "backend": run.backend,
        "nodes": sorted({o.facts.node for o in run.outcomes.values()}),
        "reporter": run.reporter,
        "skipped": run.skipped,
        "settings": settings,
        "ranks": [_rank(run, rank) for rank in range(run.world_size)],
        "bandwidth": [{"collective": p.collective, "size_bytes": p.size_bytes,
                       "seconds": p.seconds, "algbw_gbps": p.algbw, "busbw_gbps": p.busbw,
                       "ranks": p.ranks, "slowest_rank": p.slowest_rank}
                      for p in points(run)],
    }


def dist_document(report: Report, verdict: Verdict, run: DistRun) -> dict[str, Any]:
    """The report document of `check --json`'s kind, with the `dist` member."""
    document = build_document(report, verdict)
    document["dist"] = sanitize(dist_member(run))
    return document
