"""The `knowledge` check: the date of torchdoctor's release knowledge, and whether the installed
torch is newer than it (knowledge-stale)."""

from __future__ import annotations

from torchdoctor.diagnosis.context import Ctx, join, make_check, problem
from torchdoctor.report import Check, Fix, Problem

ID, TITLE = "knowledge", "Knowledge"


def check(ctx: Ctx) -> Check:
    k = ctx.knowledge
    summary = join(f"release knowledge of {k.knowledge_date}", f"stable {k.stable_version}")
    return make_check(ID, TITLE, summary, _stale(ctx))


def _stale(ctx: Ctx) -> list[Problem]:
    k, version = ctx.knowledge, ctx.torch_public
    if version is None or not k.is_past_knowledge(version):
        return []
    newer = k.newer_release(version)
    seen = (f" PyPI listed {version} later (requires Python {newer.requires_python})."
            if newer else "")
    return [problem("knowledge-stale", ID,
                    f"torch {ctx.torch_label} is newer than torchdoctor's knowledge "
                    f"({k.knowledge_date}, stable {k.stable_version}).{seen} Its GPU "
                    "architectures, driver minimum and companion versions are judged from "
                    "the newest known release and the version rules; verification checks the "
                    "real build.",
                    # No install command: torchdoctor is installed from its repository (it is
                    # not on PyPI), and `python` would name the target, not torchdoctor's.
                    Fix("Newer release knowledge comes with a newer torchdoctor: in its "
                        "repository, pull the latest main and reinstall it with the same "
                        "command it was installed with (`pip install .`, `pipx install --force "
                        ".` or `uv tool install --force .`). This shows the version running:",
                        ("torchdoctor --version",)))]
