"""knowledge-stale: the installed torch is a release newer than the knowledge, or the knowledge is
more than 120 days old; a pre-release or local build is unknown to it, never a problem."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from diag_facts import make_facts, torch_env

from torchdoctor.diagnosis import diagnose
from torchdoctor.diagnosis.freshness import STALE_AFTER_DAYS
from torchdoctor.knowledge import Knowledge
from torchdoctor.report import Check, CheckStatus, Severity


def _line(knowledge: Knowledge, today: str | None, **facts: Any) -> Check:
    checks = diagnose(make_facts(**facts), knowledge, None, today=today)
    return next(c for c in checks if c.id == "knowledge")


def _day(knowledge: Knowledge, days: int) -> str:
    return (date.fromisoformat(knowledge.knowledge_date) + timedelta(days=days)).isoformat()


def test_fresh_knowledge_on_a_known_release_is_fine(knowledge: Knowledge) -> None:
    line = _line(knowledge, _day(knowledge, STALE_AFTER_DAYS))
    assert line.problems == ()
    assert line.status is CheckStatus.OK
    assert line.details == (f"bundled knowledge of {knowledge.knowledge_date} (stable "
                            f"{knowledge.stable_version})",)


def test_knowledge_older_than_120_days_is_stale(knowledge: Knowledge) -> None:
    line = _line(knowledge, _day(knowledge, STALE_AFTER_DAYS + 4))
    (found,) = line.problems
    assert (found.code, found.severity) == ("knowledge-stale", Severity.INFO)
    assert found.message.startswith(f"torchdoctor's release knowledge is "
                                    f"{STALE_AFTER_DAYS + 4} days old ({knowledge.knowledge_date}")
    assert found.fix is not None
    assert found.fix.commands == ("torchdoctor update",)
    assert line.status is CheckStatus.OK  # info never changes the line


def test_a_newer_release_is_stale_whatever_the_date(knowledge: Knowledge) -> None:
    line = _line(knowledge, None, python=torch_env("2.14.1+cpu"))
    (found,) = line.problems
    assert found.code == "knowledge-stale"
    assert "torch 2.14.1+cpu is newer than torchdoctor's knowledge" in found.message
    assert found.fix is not None
    assert found.fix.commands == ("torchdoctor update",)


@pytest.mark.parametrize("version", ["2.17.0.dev20261120+cpu", "2.13.0a0+git1a2b3c4",
                                     "2.16.0rc1+cu134"])
def test_pre_releases_and_local_builds_are_unknown_not_stale(knowledge: Knowledge,
                                                             version: str) -> None:
    line = _line(knowledge, _day(knowledge, 1), python=torch_env(version))
    assert line.problems == ()
    assert any("unknown to this knowledge" in d for d in line.details)


def test_without_a_date_the_age_is_not_judged(knowledge: Knowledge) -> None:
    assert _line(knowledge, None).problems == ()


@pytest.mark.parametrize(("version", "said"), [
    ("1.3.5", "torch 1.3.5 is not a release this knowledge lists"),
    ("2.13.0+cu134", "cu134 is not a variant of torch 2.13.0 this knowledge lists"),
])
def test_unknown_releases_and_variants_are_said_not_judged(knowledge: Knowledge, version: str,
                                                           said: str) -> None:
    cuda = "13.4" if "cu134" in version else None
    line = _line(knowledge, _day(knowledge, 1), python=torch_env(version, cuda=cuda))
    assert line.problems == ()
    assert any(d.startswith(said) and "unknown to this knowledge" in d for d in line.details)
