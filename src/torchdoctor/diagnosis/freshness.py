"""The `knowledge` check: which release knowledge judged the run (its date, stable, and whether it
is the bundled copy or the one `torchdoctor update` fetched), and whether it is stale
(knowledge-stale): the installed torch is a release newer than it, or it is older than
`STALE_AFTER_DAYS`. A pre-release or local build of torch (`2.17.0.dev20261120`, `2.13.0a0+git…`)
is unknown to any release knowledge: it is said so in the check's details, never a problem."""

from __future__ import annotations

import re

from torchdoctor.diagnosis.context import Ctx, join, make_check, problem
from torchdoctor.report import Check, Fix, Problem

ID, TITLE = "knowledge", "Knowledge"
STALE_AFTER_DAYS = 120
UPDATE = Fix("Refresh the release knowledge from pytorch.org (the only torchdoctor command that "
             "uses the network; `torchdoctor update --from DIR` imports a copy offline):",
             ("torchdoctor update",))
_RELEASE = re.compile(r"\d+\.\d+\.\d+")


def check(ctx: Ctx) -> Check:
    k = ctx.knowledge
    summary = join(f"release knowledge of {k.knowledge_date}", f"stable {k.stable_version}",
                   "updated" if k.source == "cache" else "")
    return make_check(ID, TITLE, summary, _stale(ctx), [k.describe(), *_unknown(ctx)])


def _unknown(ctx: Ctx) -> list[str]:
    """What of the installed torch the knowledge does not know (said, never a problem)."""
    k, version = ctx.knowledge, ctx.torch_public
    if version is None:
        return []
    if not _RELEASE.fullmatch(version):
        return [f"torch {ctx.torch_label} is a pre-release or local build: unknown to this "
                "knowledge, judged by its build record and the verification"]
    release = k.release(version)
    if release is None:
        if k.is_past_knowledge(version):
            return []  # knowledge-stale says it
        return [f"torch {version} is not a release this knowledge lists: unknown to this "
                "knowledge, judged by its build record and the verification"]
    known = {v for table in release.variants.values() for v in table}
    if ctx.variant and known and ctx.variant not in known:
        return [f"{ctx.variant} is not a variant of torch {version} this knowledge lists: "
                "unknown to this knowledge, judged by its build record and the verification"]
    return []


def _stale(ctx: Ctx) -> list[Problem]:
    k, version = ctx.knowledge, ctx.torch_public
    if version is not None and _RELEASE.fullmatch(version) and k.is_past_knowledge(version):
        newer = k.newer_release(version)
        seen = (f" PyPI listed {version} later (requires Python {newer.requires_python})."
                if newer else "")
        return [problem("knowledge-stale", ID,
                        f"torch {ctx.torch_label} is newer than torchdoctor's knowledge "
                        f"({k.knowledge_date}, stable {k.stable_version}).{seen} Its GPU "
                        "architectures, driver minimum and companion versions are judged from "
                        "the newest known release and the version rules; verification checks "
                        "the real build.", UPDATE)]
    age = k.age_days(ctx.today) if ctx.today else None
    if age is not None and age > STALE_AFTER_DAYS:
        return [problem("knowledge-stale", ID,
                        f"torchdoctor's release knowledge is {age} days old ({k.knowledge_date}, "
                        f"stable {k.stable_version}): releases since then are unknown to it, "
                        "and the command it recommends may not be the newest.", UPDATE)]
    return []
