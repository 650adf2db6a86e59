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

_NO_ARCH = "the report does not show the CPU architecture, which the arch-list rule needs"
_OLD_PY = "Python {} is older than 3.8, so torchdoctor cannot inspect it (target-python-unusable)"
_SUSPEND = ("no producer of cuda-broken-after-suspend: verification says cuda-init-failed and "
            "puts the suspend advice in its fix text; facts cannot show a suspend")
_NO_GFX = ("the report shows no gfx target, so the AMD section is unknown and the access check "
           "(which runs only with KFD GPUs listed) never runs")
_NUMPY_CMD = ("found from the text, but the classifier's NumPy fix only runs `pip show numpy "
              "torch` (numpy<2 is in its prose); the facts rule needs the torch version")

# case id -> what is missing for torchdoctor to get it right (one line each).
KNOWN_MISSES: dict[str, str] = {
    "genshin-fish-62-cuda-setdevice-cpu-torch":
        "no text rule for \"torch._C has no attribute '_cuda_setDevice'\" (the CPU build's "
        "signature); the report shows no GPU and no torch version",
    "pytorch-168065-aarch64-pypi-cpu":
        "the report shows no torch version, so the installed build cannot be judged",
    "pytorch-41005-python37-32": _OLD_PY.format("3.7.4") + "; the 32-bit build is never seen",
    "annotator-57-gtx1050-torch28-cu128":
        _NO_ARCH + " (cu128 lacks sm_61 on x86_64 and aarch64 alike)",
    "exllamav2-786-gtx1080ti-cu128": _NO_ARCH + " (cu128 lacks sm_60/sm_61 on every Linux arch)",
    "pytorch-30532-k40m-torch13":
        "facts lack the GPU's compute capability (the report names a Tesla K40m) and the arch",
    "pytorch-14681-gt740m-cc30": "the report shows no OS or architecture; the rule needs both",
    "comfyui-impact-958-nms-cuda-backend":
        "no text rule for \"Could not run 'torchvision::nms' with arguments from the 'CUDA' "
        "backend\" (a CPU torchvision beside a CUDA torch)",
    "whisper-rt-61-shm-dll-torch23":
        "the text has no 'WinError' or exception type: 'Error loading \"...shm.dll\" or one of "
        "its dependencies' alone is not recognised",
    "pytorch-134929-kaggle-nvjitlink":
        "LD_LIBRARY_PATH=/opt/conda/lib holds CUDA libraries but its name has no cuda/cudnn/"
        "nccl/nvidia, so the classifier does not count it",
    "pytorch-80637-cudnn-version-ld-path":
        "the cuDNN version error names no library; the facts rule needs pip nvidia-* packages, "
        "and 1.12 wheels bundle cuDNN inside torch/lib",
    "lightning-14634-intel-conda-on-m1":
        "nothing shows the Python's architecture or Rosetta; 'MPSAccelerator not available' is "
        "all the text says",
    "pytorch-91543-python311-no-wheels":
        "historical: today's torch has cp311 wheels; the Python rule judges the current release "
        "only and the requested release/index is not a fact",
    "spag4d-1-py3135-cu121":
        "the cu121 index (torch <= 2.5, no cp313) was requested; the requested index is not a "
        "fact and today's release supports 3.13",
    "pytorch-151584-py313t-wrong-abi":
        "facts do not record the installed wheel's ABI tag (cp313 vs cp313t); the knowledge "
        "says 2.6.0 has Windows 3.13t wheels, so the copy is assumed fine; 'Failed to load "
        "PyTorch C extensions' has no text rule",
    "pytorch-149112-py313t-windows-install":
        "the failing nightly cu128 resolution is not a fact, and today's release has Windows "
        "3.13t wheels",
    "lerobot-4093-uv-sync-cpu-rtx5080":
        "facts cannot express the project's uv sources with a Linux-only marker; torchdoctor "
        "reports the symptom (cpu-build-on-gpu-host) with the right cu index command",
    "unilab-624-uv-windows-cpu-torch":
        "no GPU in the report, and the cause (uv sources gated to Linux in pyproject) is not "
        "expressible in facts",
    "pytorch-574-torch-folder-in-cwd":
        "Python 2 (anaconda2) cannot be inspected, so the torch check (and cwd_shadow) is "
        "skipped",
    "sahi-402-torch-py-circular-import":
        "torch.py sits in the script's folder, not the working directory (cwd_shadow only looks "
        "there); no text rule for \"partially initialized module 'torch'\"",
    "pytorch-110447-onnx-py-shadows":
        "facts only record a local torch.py or torch/; a local onnx.py shadowing a module torch "
        "imports is not expressible",
    "dreammat-14-docker-no-gpus":
        "no host GPU, CUDA build or NVIDIA_VISIBLE_DEVICES in the report: the container rule "
        "needs one of them",
    "pytorch-164346-gfx1151-override":
        "found, but gfx1151 gets no HSA override against rocm7.0's targets, so the fix says use "
        "the CPU build; the thread used HSA_OVERRIDE_GFX_VERSION=11.0.0",
    "rocm-docs-39-kfd-render-group": _NO_GFX,
    "rocm-k8s-65-device-cgroup-eperm": _NO_GFX,
    "rocm-vllm-893-container-render-group": _NO_GFX,
    "pytorch-43281-idle-cuda-999": _SUSPEND,
    "pytorch-150260-arc-a770-cpu-binary":
        "no OS; a CPU build (torch.xpu._is_compiled() False) cannot be stated without a torch "
        "version; the A770's XPU support is unknown without its PCI device id",
    "sleap-nn-206-deps-revert-xpu-wheel":
        "the facts show the +xpu build the later dependency install replaced; the A770's XPU "
        "support is unknown without its PCI device id",
    "pufferlib-213-libur-loader-oneapi-shadow":
        "the text names libur_loader/libsycl but not 'xpu', and match_import_error is called "
        "without xpu_build (verification never passes it); the XPU build is only in prose",
    "pytorch-147226-xpu-init-failed-26":
        "no rule for the warning 'Failed to initialize XPU devices' (the child records XPU init "
        "exceptions only); a Level Zero driver is present, so the facts rule stays quiet",
    "transformers-29022-pip-and-conda-torch":
        "two torch records (pip 2.1.0, conda 2.2.0) over one torch folder: the rule counts "
        "torch folders on sys.path only",
    "clover-128-user-site-old-torch": _OLD_PY.format("3.7.6"),
    "bd3lms-11-conda-pytorch-26-missing":
        "torch is not installed; the rule needs a conda-installed torch <= 2.5.1, and the "
        "requested spec (pytorch=2.6*, channel pytorch) is not a fact",
    "conda-14761-conda-forge-cpu-variant":
        "no torch version and no GPU in the report: the rule needs a CPU torch installed by "
        "conda on a GPU machine",
    "pytorch-85773-wsl-libcuda-symlink":
        "no torch build shown (the WSL rule needs a CUDA build); ldconfig's 'libcuda.so.1 is "
        "not a symbolic link' is neither a fact nor a text rule",
    "wsl-8587-libcuda-so-not-in-cache":
        "no torch build shown (the WSL rule needs a CUDA build); the ld cache listing is "
        "neither a fact nor a text rule",
    "pytorch-156159-shm-dll-windows7":
        "no rule for an unsupported Windows version (Windows 7 has no current wheels); the "
        "shm.dll text lacks 'WinError' and an exception type",
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
