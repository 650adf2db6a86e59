"""cuda-visible-devices-hides-gpus: *_VISIBLE_DEVICES values that hide GPUs from torch.

CUDA (and HIP) read the list left to right and stop at the first entry that is not a valid device:
"" or "-1" hides every GPU, "1" on a one-GPU machine hides the only one, "0,5,1" shows GPU 0 only.
"""

from __future__ import annotations

from torchdoctor.diagnosis.context import Ctx, problem
from torchdoctor.report import Fix, Problem, Severity


def visible_count(value: str, count: int | None) -> int | None:
    """How many GPUs a *_VISIBLE_DEVICES value leaves visible; None when it cannot be judged
    (UUIDs or MIG names, or an unknown GPU count)."""
    entries = [e.strip() for e in value.split(",")]
    visible = 0
    for entry in entries:
        if entry.startswith(("GPU-", "MIG-")):
            return None  # UUIDs select devices the facts cannot match
        if not entry.lstrip("-").isdigit():
            return visible
        index = int(entry)
        if index < 0:
            return visible
        if count is None:
            return None
        if index >= count:
            return visible
        visible += 1
    return visible


def hidden_gpus(ctx: Ctx, names: tuple[str, ...], count: int | None, check: str,
                kind: str) -> list[Problem]:
    """One problem per variable (of `names`) that hides some or all of `count` GPUs."""
    env = ctx.facts.env.variables
    out = []
    for name in names:
        if name not in env:
            continue
        value = env[name]
        visible = visible_count(value, count)
        if visible is None or (count is not None and visible >= count):
            continue
        if visible == 0:
            has = f"this machine has {count} {kind} GPU{'s' if count != 1 else ''}" if count else (
                f"it hides every {kind} GPU")
            message = (f"{name}={value!r} leaves torch no GPU to use; {has}.")
            severity = None
        else:
            message = (f"{name}={value!r} shows {visible} of the {count} {kind} GPUs: an "
                       "invalid entry ends the list.")
            severity = Severity.INFO
        unset = (f"Remove-Item Env:{name}" if ctx.os == "windows" else f"unset {name}")
        out.append(problem("cuda-visible-devices-hides-gpus", check, message,
                           Fix(f"Unset {name} (or list valid GPU indices, 0 to "
                               f"{(count or 1) - 1}) in the shell or job that runs torch:",
                               (unset,)),
                           severity=severity))
    return out
