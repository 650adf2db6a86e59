"""diagnose(): every check line, in display order, each with its problems.

The order is fixed so that reports of different machines line up: the machine, the interpreter,
the accelerators, the installed torch, the project files, then resources and the knowledge the
verdicts rest on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from torchdoctor.diagnosis import amd, apple, build, freshness, intel, nvidia, platform, python
from torchdoctor.diagnosis import project as project_check
from torchdoctor.diagnosis import resources as resources_check
from torchdoctor.diagnosis.context import Ctx, build_context
from torchdoctor.diagnosis.error_text import check as error_text_line
from torchdoctor.facts.model import Facts
from torchdoctor.knowledge import Knowledge
from torchdoctor.report import Check, InstallPlan

_CHECKS: tuple[tuple[str, Callable[[Ctx], Check]], ...] = (
    (platform.ID, platform.check),
    (python.ID, python.check),
    (nvidia.ID, nvidia.check),
    (amd.ID, amd.check),
    (apple.ID, apple.check),
    (intel.ID, intel.check),
    (build.ID, build.check),
    (project_check.ID, project_check.check),
    (resources_check.ID, resources_check.check),
    (freshness.ID, freshness.check),
)
CHECK_IDS: tuple[str, ...] = tuple(check_id for check_id, _ in _CHECKS)


def diagnose(facts: Facts, knowledge: Knowledge, plan: InstallPlan | None = None,
             error_text: str | None = None, today: str | None = None) -> tuple[Check, ...]:
    """The report's check lines for one facts document (pure: no probe, no I/O).

    `plan` is the recommended install; fixes that mean "install the right build" use its
    command. Without a plan those fixes point at `torchdoctor install-command`. `error_text`,
    the error the user saw, comes first: it is what they arrived with. `today` (YYYY-MM-DD)
    lets the knowledge check judge the knowledge's age; without it the age is not judged.
    """
    ctx = build_context(facts, knowledge, plan, today)
    first = (error_text_line(ctx, error_text),) if error_text is not None else ()
    return (*first, *(make(ctx) for _, make in _CHECKS))


def explain_import_error(facts: Facts, knowledge: Knowledge, plan: InstallPlan | None,
                         text: str) -> Check | None:
    """The error-text rules on what the verification's `import torch` raised: the same cause
    and fix `explain` gives for that text. None when no rule knows it (the verification's own
    line already says the import failed)."""
    line = error_text_line(build_context(facts, knowledge, plan), text)
    if not line.problems:
        return None
    return dataclasses.replace(line, title="Why import torch failed")
