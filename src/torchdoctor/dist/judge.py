"""The report of a finished `dist` run: pure, from the ranks' outcomes rank 0 gathered.

    [✓] Ranks            4 of 4 ranks · 1 node (lab-07) · gloo
    [✓] PyTorch works    every rank: 2.13.0+cpu · matmul ok on CPU
    [✓] Consistency      4 ranks agree: torch 2.13.0+cpu · Python 3.11.7
    [✓] all_reduce       correct on 4 ranks · 0.3 ms
    ...
    [✓] Bandwidth        all_reduce busbw 1.9 GB/s at 16 MiB · all_gather 1.1 · reduce_scatter 1.2

Every problem comes from the catalogue and names the ranks (and their nodes) involved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from torchdoctor.catalogue import CATALOG, problem
from torchdoctor.dist import fixes
from torchdoctor.dist.answers import COLLECTIVES, name_ranks
from torchdoctor.dist.bandwidth import (
    TIMED,
    Point,
    below_floor,
    busbw,
    format_size,
    point,
)
from torchdoctor.dist.consistency import split
from torchdoctor.dist.model import (
    BACKEND_PHASE,
    FAILED,
    NOT_RUN,
    OK,
    UNSUPPORTED,
    WRONG,
    Absent,
    CollectiveResult,
    DistRun,
    RankFacts,
    timings_of,
)
from torchdoctor.report import Check, CheckStatus, Fix, Problem, Report, Severity

# Rank facts that must agree (error when they do not), and node facts (warning).
SOFTWARE = (("torch", "torch"), ("torch_git", "torch's git commit"), ("cuda", "CUDA"),
            ("hip", "HIP"), ("nccl", "NCCL"), ("python", "Python"))
HARDWARE = (("driver", "NVIDIA driver"), ("rocm", "ROCm"), ("gpu_count", "GPU count"),
            ("gpu_model", "GPU model"))
_ORDER = {CheckStatus.ERROR: 4, CheckStatus.UNKNOWN: 3, CheckStatus.WARNING: 2,
          CheckStatus.OK: 1, CheckStatus.NOT_APPLICABLE: 0}


def build_dist_report(run: DistRun, target_python: str) -> Report:
    """The report: ranks, their own verification, consistency, each collective, bandwidth."""
    checks = [_ranks(run), _verification(run), _consistency(run)]
    checks += [_collective(run, name) for name in COLLECTIVES]
    checks.append(_bandwidth(run))
    return Report(command="dist", target_python=target_python, checks=tuple(checks),
                  install=None, facts=None)


def where(run: DistRun, ranks: Iterable[int]) -> str:
    """`rank 3 on lab-08`, `ranks 0–7 on lab-07 and lab-08`."""
    ranks = sorted(set(ranks))
    facts = run.facts
    nodes = sorted({facts[r].node for r in ranks if r in facts})
    named = name_ranks(ranks)
    return f"{named} on {_and(nodes)}" if nodes else named


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"


def _status(problems: Sequence[Problem], default: CheckStatus = CheckStatus.OK) -> CheckStatus:
    if any(p.severity is Severity.ERROR for p in problems):
        return CheckStatus.ERROR
    if any(p.severity is Severity.WARNING for p in problems):
        return CheckStatus.WARNING
    return default


# -- ranks -----------------------------------------------------------------------------------

def _ranks(run: DistRun) -> Check:
    problems = [_missing(run, a) for a in run.absent]
    problems += _start_errors(run)
    problems += _shared_devices(run)
    nodes = sorted({f.node for f in run.facts.values()})
    summary = (f"{len(run.outcomes)} of {run.world_size} rank{'s' if run.world_size != 1 else ''}"
               f" · {len(nodes)} node{'s' if len(nodes) != 1 else ''}")
    if 0 < len(nodes) <= 3:
        summary += f" ({', '.join(nodes)})"
    summary += f" · {run.backend}"
    details = tuple(f"rank {f.rank}: {f.node} pid {f.pid} · {f.device}"
                    + (f" ({f.device_name})" if f.device_name else "")
                    for f in run.facts.values())
    return Check("ranks", "Ranks", _status(problems), summary, details,
                 problems=tuple(problems))


def _missing(run: DistRun, absent: Absent) -> Problem:
    label = f"rank {absent.rank}"
    if absent.node:
        label += f" ({absent.node}" + (f", pid {absent.pid})" if absent.pid else ")")
    timeout = f"{run.settings.timeout:g} s"
    if not absent.joined:
        where_to = run.settings.rendezvous or "the rendezvous"
        message = (f"{label} never reached the rendezvous at {where_to} within {timeout}: it "
                   "did not start, or its node cannot reach that address.")
        return problem("dist-rank-missing", "ranks", message, fixes.reach_fix(run))
    step = absent.phase or "its start"
    if absent.alive is False:
        message = f"{label} stopped during {step}: its process has exited."
    elif absent.alive:
        message = (f"{label} is still running but did not get past {step} within {timeout}: "
                   "it hangs.")
    else:
        message = f"{label} gave no result within {timeout}; its last step was {step}."
    return problem("dist-rank-missing", "ranks", message, fixes.missing_fix())


def _start_errors(run: DistRun) -> list[Problem]:
    groups: dict[tuple[str, str], list[int]] = {}
    for rank, outcome in sorted(run.outcomes.items()):
        if outcome.error:
            groups.setdefault((outcome.error_phase or "setup", outcome.error), []).append(rank)
    found = []
    for (phase, error), ranks in groups.items():
        message = f"{phase} failed on {where(run, ranks)}: {error}"
        if phase == BACKEND_PHASE and "nccl" in error.lower() and "not available" in error:
            fix = Fix("This torch has no NCCL (a CPU build, or not Linux): check on the CPU with "
                      "gloo, or install the CUDA build.",
                      (fixes.rerun(run) + " --backend gloo",))
            found.append(problem("nccl-unavailable", "ranks", message, fix))
        else:
            fix = fixes.debug_fix(run, "The backend could not connect the ranks.")
            found.append(problem("dist-init-failed", "ranks", message, fix))
    return found


def _shared_devices(run: DistRun) -> list[Problem]:
    # The same GPU is the same UUID: two ranks each bound to its own GPU by
    # CUDA_VISIBLE_DEVICES both call theirs cuda:0. Without a UUID (an older torch) nothing is
    # judged.
    users: dict[tuple[str, str], list[RankFacts]] = {}
    for facts in run.facts.values():
        if facts.device != "cpu" and facts.backend != "gloo" and facts.device_uuid:
            users.setdefault((facts.node, facts.device_uuid), []).append(facts)
    found = []
    for (node, _), sharing in sorted(users.items()):
        if len(sharing) < 2:
            continue
        device = sharing[0].device
        count = sharing[0].gpu_count
        ranks_here = sum(1 for f in run.facts.values() if f.node == node)
        gpus = f"{count} GPU{'s' if count != 1 else ''}" if count is not None else "fewer GPUs"
        message = (f"{name_ranks([f.rank for f in sharing])} all use {device} on {node}: the "
                   f"node has {gpus} for {ranks_here} ranks, and NCCL refuses two ranks on one "
                   "GPU.")
        found.append(problem("dist-ranks-share-gpu", "ranks", message, fixes.share_fix(run)))
    return found


# -- each rank's own verification ---------------------------------------------------------------

def _verification(run: DistRun) -> Check:
    title = "PyTorch works"
    if not run.settings.verify:
        return Check("dist.verify", title, CheckStatus.NOT_APPLICABLE, "not run (--no-verify)")
    checked = {r: f.verify for r, f in run.facts.items() if f.verify is not None}
    if not checked:
        return Check("dist.verify", title, CheckStatus.UNKNOWN, "",
                     reason="no rank finished its verification")
    groups: dict[tuple[str, str], list[int]] = {}
    records = {}
    for rank, verify in checked.items():
        for record in verify.problems:
            key = (record.code, record.message)
            groups.setdefault(key, []).append(rank)
            records[key] = record
    problems = []
    for key, ranks in groups.items():
        record = records[key]
        if record.code not in CATALOG:  # another torchdoctor's code: its rank's status tells
            continue
        fix = Fix(record.fix_text, record.fix_commands) if record.fix_text else None
        problems.append(problem(record.code, "dist.verify", f"{where(run, ranks)}: "
                                f"{record.message}", fix, Severity(record.severity)))
    statuses = {r: _check_status(v.status) for r, v in checked.items()}
    worst = max(statuses.values(), key=_ORDER.__getitem__, default=CheckStatus.UNKNOWN)
    good = [r for r, s in statuses.items() if s in (CheckStatus.OK, CheckStatus.WARNING)]
    if worst in (CheckStatus.OK, CheckStatus.WARNING):
        summary = f"every rank: {checked[min(checked)].summary}"
    else:
        bad = sorted(set(checked) - set(good))
        summary = (f"{len(good)} of {len(checked)} ranks pass; {where(run, bad)}: "
                   f"{checked[bad[0]].summary}")
    reason = "a rank's verification did not finish" if worst is CheckStatus.UNKNOWN else None
    return Check("dist.verify", title, max(worst, _status(problems), key=_ORDER.__getitem__),
                 summary, tuple(f"rank {r}: {v.summary}" for r, v in checked.items()), reason,
                 tuple(problems))


def _check_status(value: str) -> CheckStatus:
    """A rank's verification status; one this torchdoctor does not know counts as unknown."""
    try:
        return CheckStatus(value)
    except ValueError:
        return CheckStatus.UNKNOWN


# -- consistency ------------------------------------------------------------------------------

def _consistency(run: DistRun) -> Check:
    facts = run.facts
    if not facts:
        return Check("consistency", "Consistency", CheckStatus.UNKNOWN, "",
                     reason="no rank reported its facts")
    problems = []
    for field, label in SOFTWARE:
        problems += _software(run, field, label,
                              {r: _text(getattr(f, field)) for r, f in facts.items()})
    nodes = _node_facts(facts.values())
    for field, label in HARDWARE:
        problems += _hardware(run, field, label,
                              {node: _text(getattr(f, field)) for node, f in nodes.items()})
    first = facts[min(facts)]
    parts = [f"torch {first.torch}" if first.torch else "torch unknown"]
    parts += [f"{name} {value}" for name, value in (("CUDA", first.cuda), ("ROCm", first.hip),
              ("NCCL", first.nccl), ("Python", first.python), ("driver", first.driver),
              ("GPUs", first.gpu_model)) if value]
    agree = f"{len(facts)} ranks agree: " if len(facts) > 1 else "one rank: "
    summary = agree + " · ".join(parts)
    if problems:
        summary = "ranks differ: " + "; ".join(p.message.split(":")[0] for p in problems[:3])
    return Check("consistency", "Consistency", _status(problems), summary,
                 problems=tuple(problems))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _node_facts(facts: Iterable[RankFacts]) -> dict[str, RankFacts]:
    """One rank's facts per node (its lowest rank): the node facts are the same on each."""
    nodes: dict[str, RankFacts] = {}
    for f in sorted(facts, key=lambda f: f.rank):
        nodes.setdefault(f.node, f)
    return nodes


def _software(run: DistRun, field: str, label: str,
              values: dict[int, str | None]) -> list[Problem]:
    result = split(field, values)
    found = []
    for value, ranks in result.odd:
        place = where(run, ranks)
        runs = "runs" if len(ranks) == 1 else "run"
        if result.majority is not None:
            many = len(result.majority_members)
            message = (f"{label}: {place} {runs} {value} where {many} "
                       f"rank{'s' if many != 1 else ''} {'run' if many != 1 else 'runs'} "
                       f"{result.majority}.")
        else:
            others = "; ".join(f"{v} on {name_ranks(m)}" for v, m in result.odd)
            message = f"{label}: no majority among the ranks ({others}); {place} {runs} {value}."
        odd_facts = run.facts[ranks[0]]
        fallback = run.facts[min(run.facts)].torch
        majority_torch = _majority_torch(run) if field != "torch" else result.majority
        fix = fixes.software_fix(field, majority_torch, odd_facts.executable, fallback, place)
        found.append(problem("dist-ranks-differ", "consistency", message, fix))
    return found


def _majority_torch(run: DistRun) -> str | None:
    return split("torch", {r: f.torch for r, f in run.facts.items()}).majority


def _hardware(run: DistRun, field: str, label: str,
              values: dict[str, str | None]) -> list[Problem]:
    result = split(field, values)
    found = []
    for value, nodes in result.odd:
        ranks = [f.rank for f in run.facts.values() if f.node in nodes]
        place = f"{_and(sorted(nodes))} ({name_ranks(ranks)})"
        has = "has" if len(nodes) == 1 else "have"
        if result.majority is not None:
            many = len(result.majority_members)
            message = (f"{label}: {place} {has} {value} where {many} node"
                       f"{'s' if many != 1 else ''} {'have' if many != 1 else 'has'} "
                       f"{result.majority}.")
        else:
            message = f"{label}: no majority among the nodes; {place} {has} {value}."
        nvidia = any(f.driver for f in run.facts.values())
        fix = fixes.hardware_fix(field, result.majority, _and(sorted(nodes)), nvidia)
        found.append(problem("dist-nodes-differ", "consistency", message, fix))
    return found


# -- collectives ----------------------------------------------------------------------------

def _collective(run: DistRun, name: str) -> Check:
    if run.skipped:
        return Check(name, name, CheckStatus.UNKNOWN, "", reason=f"not run: {run.skipped}")
    results = {rank: r for rank, o in run.outcomes.items() for r in o.collectives
               if r.name == name}
    if not results:
        why = "the process group could not be created" if run.outcomes else "no rank reported"
        return Check(name, name, CheckStatus.UNKNOWN, "", reason=f"not run: {why}")
    if all(r.status == UNSUPPORTED for r in results.values()):
        error = next(iter(results.values())).error or ""
        return Check(name, name, CheckStatus.NOT_APPLICABLE,
                     f"not supported by {run.backend}" + (f" ({error})" if error else ""))
    problems = _wrong(run, name, results) + _failed(run, name, results)
    ok = [rank for rank, r in results.items() if r.status == OK]
    not_run = [rank for rank, r in results.items() if r.status == NOT_RUN]
    times = [r.seconds for r in results.values() if r.status == OK and r.seconds is not None]
    verb = "passed" if name == "barrier" else "correct"
    summary = f"{verb} on {len(ok)} of {run.world_size} rank{'s' if run.world_size > 1 else ''}"
    if times:
        summary += f" · {_duration(max(times))}"
    if problems:
        return Check(name, name, _status(problems), summary, problems=tuple(problems))
    if not_run and not ok:
        return Check(name, name, CheckStatus.UNKNOWN, "",
                     reason="not run: an earlier collective failed")
    return Check(name, name, CheckStatus.OK, summary)


def _wrong(run: DistRun, name: str, results: dict[int, CollectiveResult]) -> list[Problem]:
    groups: dict[tuple[int, ...], list[int]] = {}
    for rank, result in sorted(results.items()):
        if result.status == WRONG:
            groups.setdefault(result.wrong_from, []).append(rank)
    found = []
    for sources, receivers in groups.items():
        message = f"{name} gave wrong values on {where(run, receivers)}"
        message += (f": the data of {name_ranks(sources)} arrived wrong." if sources else ".")
        found.append(problem("dist-collective-wrong", name, message, fixes.wrong_fix(run)))
    return found


def _failed(run: DistRun, name: str, results: dict[int, CollectiveResult]) -> list[Problem]:
    groups: dict[str, list[int]] = {}
    for rank, result in sorted(results.items()):
        if result.status == FAILED:
            groups.setdefault(result.error or "failed", []).append(rank)
    found = []
    for error, ranks in groups.items():
        took = max((results[r].seconds or 0.0) for r in ranks)
        message = f"{name} failed on {where(run, ranks)} after {_duration(took)}: {error}"
        missing = [a.rank for a in run.absent]
        if missing:
            message += f" ({name_ranks(missing)} gave no result: see the Ranks line)"
        fix = fixes.debug_fix(run, "A collective that fails or times out means a rank stopped, "
                              "or the ranks cannot reach one another.")
        found.append(problem("dist-collective-failed", name, message, fix))
    return found


def _duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


# -- bandwidth ------------------------------------------------------------------------------

def points(run: DistRun) -> list[Point]:
    """Every (collective, size) measured, in run order."""
    outcomes = list(run.outcomes.values())
    sizes = sorted({t.size_bytes for o in outcomes for t in o.timings})
    found = []
    for collective in TIMED:
        for size in sizes:
            p = point(collective, size, timings_of(outcomes, collective, size), run.world_size)
            if p is not None:
                found.append(p)
    return found


def _bandwidth(run: DistRun) -> Check:
    title = "Bandwidth"
    if not run.settings.bench:
        return Check("bandwidth", title, CheckStatus.NOT_APPLICABLE, "not measured (--no-bench)")
    if run.world_size < 2:
        return Check("bandwidth", title, CheckStatus.NOT_APPLICABLE,
                     "one rank: nothing travels between ranks")
    if run.skipped:
        return Check("bandwidth", title, CheckStatus.UNKNOWN, "", reason=f"not run: {run.skipped}")
    measured = points(run)
    if not measured:
        notes = [o.bandwidth_note for o in run.outcomes.values() if o.bandwidth_note]
        reason = notes[0] if notes else "not measured: the collectives did not all pass"
        return Check("bandwidth", title, CheckStatus.UNKNOWN, "", reason=reason)
    problems = _wrong_at_size(run)
    floor = run.settings.min_busbw
    low = below_floor(measured, floor)
    if low:
        figures = ", ".join(f"{p.collective} {p.busbw:.2f} GB/s at {format_size(p.size_bytes)}"
                            for p in low)
        message = f"Bus bandwidth under the floor of {floor:g} GB/s: {figures}."
        problems.append(problem("dist-bandwidth-low", "bandwidth", message,
                                fixes.bandwidth_fix(run)))
    largest = {p.collective: p for p in measured}  # the last (largest) size of each
    parts = [f"{c} busbw {p.busbw:.2f} GB/s at {format_size(p.size_bytes)}"
             if i == 0 else f"{c} {p.busbw:.2f}" for i, (c, p) in enumerate(largest.items())]
    details = tuple(f"{p.collective} {format_size(p.size_bytes)}: {_duration(p.seconds)} · "
                    f"algbw {p.algbw:.2f} GB/s · busbw {p.busbw:.2f} GB/s" for p in measured)
    if floor is not None:
        details += (f"floor: {floor:g} GB/s busbw at 256 MiB and above (--min-busbw)",)
    return Check("bandwidth", title, _status(problems), " · ".join(parts), details,
                 problems=tuple(problems))


def _wrong_at_size(run: DistRun) -> list[Problem]:
    wrong: dict[tuple[str, int], list[int]] = {}
    for rank, outcome in sorted(run.outcomes.items()):
        for t in outcome.timings:
            if t.correct is False:
                wrong.setdefault((t.collective, t.size_bytes), []).append(rank)
    return [problem("dist-collective-wrong", "bandwidth",
                    f"{collective} of {format_size(size)} gave wrong values on "
                    f"{where(run, ranks)}.", fixes.wrong_fix(run))
            for (collective, size), ranks in wrong.items()]


# -- per-rank rows (the table and the JSON) -----------------------------------------------------

def rank_result(run: DistRun, rank: int) -> str:
    """`ok`, `warning`, `failed: all_reduce`, `missing: stopped during all_reduce`."""
    absent = next((a for a in run.absent if a.rank == rank), None)
    if absent is not None:
        if not absent.joined:
            return "missing: never joined"
        return f"missing: {absent.phase or 'no result'}"
    outcome = run.outcomes.get(rank)
    if outcome is None:
        return "missing"
    if outcome.error:
        return f"failed: {outcome.error_phase or 'setup'}"
    bad = [c.name for c in outcome.collectives if c.status in (WRONG, FAILED)]
    bad += [t.collective for t in outcome.timings if t.correct is False]
    verify = outcome.facts.verify
    if verify is not None and verify.status == "error":
        bad.insert(0, "verify")
    if bad:
        return "failed: " + ", ".join(dict.fromkeys(bad))
    if verify is not None and verify.status in ("warning", "unknown"):
        return verify.status
    return "ok"


def rank_busbw(run: DistRun, rank: int) -> float | None:
    """This rank's own all_reduce bus bandwidth at the largest size it timed."""
    outcome = run.outcomes.get(rank)
    if outcome is None or run.world_size < 2:
        return None
    timed = [t for t in outcome.timings if t.collective == "all_reduce" and t.seconds > 0]
    if not timed:
        return None
    last = max(timed, key=lambda t: t.size_bytes)
    return busbw("all_reduce", last.size_bytes, last.seconds, run.world_size)
