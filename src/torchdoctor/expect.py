"""`--expect-torch PATTERN` and `--expect-cuda PATTERN`: pin the build a job must find, so that a
wheel that changed under it (a new release, another index, a CPU build pulled in by a dependency)
fails the run instead of passing quietly.

A pattern is shell-style (`fnmatch`: `*`, `?`, `[...]`), matched against the whole version:

- without a `+`, against the public version (the local tag dropped): `2.15.*` matches
  `2.15.0+cu130`; with a `+`, against the full version: `2.15.*+cu130`;
- a pattern without any wildcard also matches the versions it is a prefix of, component-wise:
  `2.15` matches `2.15.0` and `2.15.1`, never `2.150.0`; `13` matches CUDA `13.0`.

Pure: the pipeline adds one check line per pattern given, with an `expect-version-unmet` problem
(exit 1) naming what was expected and what was found.
"""

from __future__ import annotations

import fnmatch
import re
from typing import TYPE_CHECKING

from torchdoctor.catalogue import problem
from torchdoctor.report import Check, CheckStatus, Fix

if TYPE_CHECKING:
    from torchdoctor.facts import Facts
    from torchdoctor.verify.result import VerifyResult

CODE = "expect-version-unmet"
_WILDCARD = re.compile(r"[*?\[]")
_EXACT_TORCH = re.compile(r"^\d+\.\d+\.\d+$")
_EXACT_CUDA = re.compile(r"^(\d+)\.(\d)$")
_PATTERN = re.compile(r"^[0-9A-Za-z.*?\[\]!+_-]+$")


def pattern_error(option: str, pattern: str | None) -> str | None:
    """Why a pattern is not accepted (a usage error), or None."""
    if pattern is None or _PATTERN.match(pattern):
        return None
    return (f"{option} takes a version or a shell-style pattern such as 2.15.* "
            f"(digits, letters, . * ? [ ] + - _), not {pattern!r}")


def matches(pattern: str, version: str) -> bool:
    """Whether `version` is what `pattern` asks for (see the module's rules)."""
    subject = version if "+" in pattern else version.split("+", 1)[0]
    if fnmatch.fnmatchcase(subject, pattern):
        return True
    return not _WILDCARD.search(pattern) and subject.startswith(pattern + ".")


def torch_check(pattern: str, facts: Facts | None, verify: VerifyResult | None) -> Check:
    """The line for `--expect-torch PATTERN`."""
    from torchdoctor.headline import torch_version

    found = torch_version(facts, verify)
    title = f"Expect torch {pattern}"
    if found is None:
        why = "torch is not installed in the target environment, or could not be read"
    elif matches(pattern, found):
        return Check("expect-torch", title, CheckStatus.OK, f"torch {found} matches {pattern}")
    else:
        why = f"the installed torch is {found}"
    fix = _fix(f"--torch {pattern}" if _EXACT_TORCH.match(pattern) else None)
    unmet = problem(CODE, "expect-torch", f"--expect-torch {pattern}: {why}.", fix)
    return Check("expect-torch", title, CheckStatus.ERROR, why, problems=(unmet,))


def cuda_check(pattern: str, facts: Facts | None, verify: VerifyResult | None) -> Check:
    """The line for `--expect-cuda PATTERN`."""
    from torchdoctor.headline import cuda_version

    known, found = cuda_version(facts, verify)
    title = f"Expect CUDA {pattern}"
    if not known:
        why = "torch is not installed in the target environment, or could not be read"
    elif found is None:
        why = "the installed torch is built without CUDA"
    elif matches(pattern, found):
        return Check("expect-cuda", title, CheckStatus.OK, f"CUDA {found} matches {pattern}")
    else:
        why = f"the installed torch is built for CUDA {found}"
    exact = _EXACT_CUDA.match(pattern)
    fix = _fix(f"--compute cu{exact.group(1)}{exact.group(2)}" if exact else None)
    unmet = problem(CODE, "expect-cuda", f"--expect-cuda {pattern}: {why}.", fix)
    return Check("expect-cuda", title, CheckStatus.ERROR, why, problems=(unmet,))


def _fix(axes: str | None) -> Fix:
    text = ("Install the expected build where the job installs torch (pin the version and its "
            "index), or change the expectation if the new build is intended")
    if axes is None:
        return Fix(text + ".")
    return Fix(text + "; this prints the install command of the expected build:",
               (f"torchdoctor install-command {axes}",))
