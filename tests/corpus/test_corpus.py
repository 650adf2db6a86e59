"""The failure corpus: real public reports, diagnosed from what each reporter showed.

Every case must be FOUND (an expected code from the facts or from the error text) with its
expected command where it names one, unless it is listed in KNOWN_MISSES with what is missing.
A known miss that starts passing fails the run (strict xfail): take it off the list.
"""

from __future__ import annotations

import pytest
from corpus_facts import facts_for, load_cases
from corpus_score import evaluate

from torchdoctor.catalogue import CATALOG

CASES = load_cases()

_OLD_PY = "Python {} is older than 3.8, so torchdoctor cannot inspect it (target-python-unusable)"

# case id -> what is missing for torchdoctor to get it right (one line each).
KNOWN_MISSES: dict[str, str] = {
    "pytorch-168065-aarch64-pypi-cpu":
        "no error text, and the report shows no torch version, so the installed build cannot be "
        "judged",
    "pytorch-30532-k40m-torch13":
        "facts lack the GPU's compute capability (the report names a Tesla K40m) and the arch; "
        "the error text was cut off before its error line",
    "pytorch-14681-gt740m-cc30": "the report shows no OS or architecture; the rule needs both",
    "lightning-14634-intel-conda-on-m1":
        "nothing shows the Python's architecture or Rosetta; 'MPSAccelerator not available' is "
        "all the text says",
    "pytorch-91543-python311-no-wheels":
        "historical: today's cu117 index has torch 2.0 with cp311 wheels, and the index the user "
        "searched is in the report's prose, not in its error text",
    "pytorch-149112-py313t-windows-install":
        "the text is pip's resolver conflict over numpy for a nightly cu128 index; resolver "
        "conflicts have no text rule, and today's release has Windows 3.13t wheels",
    "lerobot-4093-uv-sync-cpu-rtx5080":
        "facts cannot express the project's uv sources with a Linux-only marker; torchdoctor "
        "reports the symptom (cpu-build-on-gpu-host) with the right cu index command",
    "unilab-624-uv-windows-cpu-torch":
        "no GPU in the report, and the cause (uv sources gated to Linux in pyproject) is not "
        "expressible in facts",
    "pytorch-164346-gfx1151-override":
        "found, but gfx1151 gets no HSA override against rocm7.0's targets, so the fix says use "
        "the CPU build; the thread used HSA_OVERRIDE_GFX_VERSION=11.0.0",
    "rocm-docs-39-kfd-render-group":
        "no error text, and no gfx target in the report: the AMD section is unknown, and the "
        "access rule judges a found AMD section (a real check reads the KFD topology, which "
        "needs no access to /dev/kfd)",
    "pytorch-150260-arc-a770-cpu-binary":
        "no OS; a CPU build (torch.xpu._is_compiled() False) cannot be stated without a torch "
        "version; the A770's XPU support is unknown without its PCI device id",
    "sleap-nn-206-deps-revert-xpu-wheel":
        "the facts show the +xpu build the later dependency install replaced; the A770's XPU "
        "support is unknown without its PCI device id",
    "transformers-29022-pip-and-conda-torch":
        "two torch records (pip 2.1.0, conda 2.2.0) over one torch folder: the rule counts "
        "torch folders on sys.path only",
    "clover-128-user-site-old-torch": _OLD_PY.format("3.7.6"),
    "conda-14761-conda-forge-cpu-variant":
        "no torch version and no GPU in the report: the rule needs a CPU torch installed by "
        "conda on a GPU machine",
    "pytorch-85773-wsl-libcuda-symlink":
        "no torch build shown (the WSL rule needs a CUDA build); ldconfig's warning 'libcuda.so.1 "
        "is not a symbolic link' is not an error of torch and has no text rule",
    "pytorch-16103-notebook-different-env":
        "the text ('No module named torch') names no notebook (the report says so in prose), and "
        "Python 3.6.5 cannot be inspected, so whether the environment has torch is not known",
    "wsl-8587-libcuda-so-not-in-cache":
        "no torch build shown (the WSL rule needs a CUDA build); the text is an ld cache listing, "
        "not an error",
}


def _marks(case_id: str) -> list[pytest.MarkDecorator]:
    reason = KNOWN_MISSES.get(case_id)
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


@pytest.mark.parametrize("case", [pytest.param(c, marks=_marks(c["id"])) for c in CASES],
                         ids=[c["id"] for c in CASES])
def test_case_is_diagnosed(case: dict[str, object]) -> None:
    outcome = evaluate(case)
    assert outcome.found, (case["expected_codes"], outcome.facts_codes, outcome.text_codes)
    assert outcome.command_right is not False, (case.get("expected_command"), outcome.commands)


def test_known_misses_name_cases() -> None:
    ids = {c["id"] for c in CASES}
    assert not set(KNOWN_MISSES) - ids


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_is_well_formed(case: dict[str, object]) -> None:
    codes = case["expected_codes"]
    assert isinstance(codes, list)
    assert codes
    assert all(code in CATALOG for code in codes), codes
    assert str(case["url"]).startswith("https://github.com/")
    facts_for(case)  # builds without error


def test_corpus_size_and_diversity() -> None:
    assert len(CASES) >= 40
    assert len({c["class"] for c in CASES}) >= 15
    assert len({c["id"] for c in CASES}) == len(CASES)
