"""Every error-text rule, with a text as public issue threads show it (the thread is named beside
each case), judged with a recorded machine's facts: the expected code and the exact commands of
its fix on that machine."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_support import MACHINES, invoke

from torchdoctor.catalogue import CATALOG
from torchdoctor.facts import facts_document
from torchdoctor.probes import collect_facts
from torchdoctor.recommend.shell import drop_from_path_variable
from torchdoctor.recorded import RecordedHost

Edit = Callable[[dict[str, Any]], None]
CU126 = "https://download.pytorch.org/whl/cu126"
WINDOWS_PY = "C:\\Users\\ada\\proj\\.venv\\Scripts\\python.exe"
# The codes only an error text finds: each has a case below.
TEXT_ONLY = {
    "torch-dependency-missing", "nccl-unavailable", "nccl-version-mismatch", "nccl-system-error",
    "nccl-cuda-error", "triton-missing", "triton-gpu-too-old", "compile-toolchain-missing",
}


def _ld_library_path(document: dict[str, Any]) -> None:
    """A system CUDA first on LD_LIBRARY_PATH, in a folder whose name says so, and one that only
    the probe's listing shows to hold CUDA libraries."""
    env = document["facts"]["env"]
    env["variables"]["LD_LIBRARY_PATH"] = "/usr/local/cuda-12.1/lib64:/opt/conda/lib:/opt/tools/lib"
    env["ld_library_path_cuda"] = ["/opt/conda/lib"]


# The folder named for CUDA and the one the listing shows to hold CUDA libraries are dropped
# from the live variable; /opt/tools/lib (and any entry the facts do not record) stays.
SYSTEM_CUDA_DROPPED = drop_from_path_variable(
    "LD_LIBRARY_PATH", ["/opt/conda/lib", "/usr/local/cuda-12.1/lib64"])


def _nccl_loaded_from_ld_library_path(document: dict[str, Any]) -> None:
    """The loader probe found libnccl in an LD_LIBRARY_PATH folder whose name says nothing of
    NCCL, in front of torch's pip copy."""
    document["facts"]["env"]["variables"]["LD_LIBRARY_PATH"] = "/opt/hpc/lib:/opt/tools/lib"
    for library in document["facts"]["loader"]["libraries"]:
        if library["name"] == "libnccl":
            library["soname"] = "libnccl.so.2"
            library["copies"] = [
                {"path": "/opt/hpc/lib/libnccl.so.2", "source": "LD_LIBRARY_PATH",
                 "version": "2.18.1"},
                {"path": "/home/ada/ml/.venv/lib/python3.12/site-packages/nvidia/nccl/lib/"
                         "libnccl.so.2", "source": "pip", "version": "2.27.5"}]


def _render_closed(document: dict[str, Any]) -> None:
    document["facts"]["amd"]["render_accessible"] = False


def _python_unknown(document: dict[str, Any]) -> None:
    """The target interpreter could not be inspected: which environment has torch is unknown."""
    python = document["facts"]["python"]
    python.update(status="unknown", reason="it timed out after 5 s", distributions=None,
                  torch_copies=None)


def _facts(tmp_path: Path, machine: str, edit: Edit | None) -> str:
    path = tmp_path / f"{machine}.json"
    facts = collect_facts(RecordedHost(MACHINES / machine), timeout=2.0)
    document = facts_document(facts)
    if edit is not None:
        edit(document)
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def _problems(tmp_path: Path, machine: str, text: str,
              edit: Edit | None = None) -> list[dict[str, Any]]:
    result = invoke("explain", "-", "--facts", _facts(tmp_path, machine, edit), "--json",
                    stdin=text)
    assert result.exit_code in (0, 1, 3), result.stderr  # 3: a fact could not be read
    document = result.json()
    assert document["checks"][0]["id"] == "error"
    problems: list[dict[str, Any]] = [p for p in document["problems"] if p["check"] == "error"]
    for found in problems:
        assert found["title"] == CATALOG[found["code"]].title
    return problems


# (thread, machine, text, code, the fix's exact commands, an edit of the machine's facts)
CASES: list[tuple[str, str, str, str, list[str], Edit | None]] = [
    # --- NCCL ---
    ("vllm-project/vllm#10523", "rtx4090-driver550",
     "torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/"
     "ProcessGroupNCCL.cpp:1333, unhandled system error (run with NCCL_DEBUG=INFO for details), "
     "NCCL version 2.18.1", "nccl-system-error",
     ["df -h /dev/shm", "export NCCL_DEBUG=INFO"], None),
    ("NVIDIA/nccl#342", "docker-no-gpu",
     "include/shm.h:28 NCCL WARN Call to posix_fallocate failed: No space left on device\n"
     "include/shm.h:48 NCCL WARN Error while creating shared memory segment "
     "nccl-shm-recv-250a7cc850ba9298-0-1-3 (size 9637888)\n"
     "RuntimeError: NCCL Error 2: unhandled system error", "nccl-system-error",
     ["df -h /dev/shm", "export NCCL_SHM_DISABLE=1"], None),
    ("NVIDIA/nccl#328", "rtx4090-driver550",
     "node08:27106:27302 [0] include/shm.h:27 NCCL WARN Call to shm_open failed : Permission "
     "denied\nnode08:27106:27302 [0] include/shm.h:48 NCCL WARN Error while creating shared "
     "memory segment nccl-shm-recv-b7948f403864987a-0-3-0 (size 4460544)\nRuntimeError: NCCL "
     "error in: ProcessGroupNCCL.cpp:290, unhandled system error", "nccl-system-error",
     ["ls -ld /dev/shm", "sudo chmod 1777 /dev/shm"], None),
    ("NVIDIA/nccl#1410", "rtx4090-driver550",
     "[rank7]: torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/"
     "NCCLUtils.hpp:275, unhandled cuda error (run with NCCL_DEBUG=INFO for details), NCCL "
     "version 2.20.5\n[rank7]: ncclUnhandledCudaError: Call to CUDA function failed.\n"
     "[rank7]: Last error:\n[rank7]: Cuda failure 1 'invalid argument'", "nccl-cuda-error",
     ["nvidia-smi topo -m", "export NCCL_DEBUG=INFO"], None),
    ("hiyouga/EasyR1#579", "rtx4090-driver550",
     "torch.distributed.DistBackendError: NCCL error in: /pytorch/torch/csrc/distributed/c10d/"
     "ProcessGroupNCCL.cpp:3699, unhandled cuda error (run with NCCL_DEBUG=INFO for details), "
     "NCCL version 2.27.3\nncclUnhandledCudaError: Call to CUDA function failed.\nLast error:\n"
     "Cuda failure 217 'peer access is not supported between these two devices'",
     "nccl-cuda-error", ["export NCCL_P2P_DISABLE=1"], None),
    ("pytorch/pytorch#119072", "rtx4090-driver550",
     "  File \"/home/ada/ml/.venv/lib/python3.12/site-packages/torch/__init__.py\", line 237, in "
     "<module>\n    from torch._C import *  # noqa: F403\nImportError: /home/ada/ml/.venv/lib/"
     "python3.12/site-packages/torch/lib/libtorch_cuda.so: undefined symbol: ncclCommRegister",
     "nccl-version-mismatch", [f"pip3 install torch==2.13.0 --index-url {CU126}"], None),
    ("pytorch/pytorch#119072 (a system CUDA on LD_LIBRARY_PATH)", "rtx4090-driver550",
     "ImportError: /home/ada/ml/.venv/lib/python3.12/site-packages/torch/lib/libtorch_cuda.so: "
     "undefined symbol: ncclCommRegister", "ld-library-path-shadows-cuda-libs",
     [SYSTEM_CUDA_DROPPED], _ld_library_path),
    ("pytorch/pytorch#119072 (libnccl found by the loader probe)", "rtx4090-driver550",
     "ImportError: /home/ada/ml/.venv/lib/python3.12/site-packages/torch/lib/libtorch_cuda.so: "
     "undefined symbol: ncclCommRegister", "ld-library-path-shadows-cuda-libs",
     [drop_from_path_variable("LD_LIBRARY_PATH", ["/opt/hpc/lib"])],
     _nccl_loaded_from_ld_library_path),
    ("opendatalab/MinerU#419", "rtx4090-driver550",
     "ImportError: libnccl.so.2: cannot open shared object file: No such file or directory",
     "torch-dependency-missing", [f"pip3 install torch==2.13.0 --index-url {CU126}"], None),
    ("Alpha-VLLM/LLaMA2-Accessory#166", "windows11-rtx3080",
     "RuntimeError: Distributed package doesn't have NCCL built in", "nccl-unavailable",
     [f'{WINDOWS_PY} -c "import torch.distributed as d; print(d.is_nccl_available(), '
      'd.is_gloo_available())"'], None),
    # --- Triton and torch.compile ---
    ("pytorch/pytorch#137689", "windows11-rtx3080",
     "torch._dynamo.exc.BackendCompilerFailed: backend='inductor' raised:\nRuntimeError: Cannot "
     "find a working triton installation. More information on installing Triton can be found at "
     "https://github.com/openai/triton", "triton-missing", ['$env:TORCHDYNAMO_DISABLE="1"'],
     None),
    ("pytorch/pytorch#136361 (on Linux)", "rtx4090-driver550",
     "RuntimeError: Cannot find a working triton installation. Either the package is not "
     "installed or it is too old. More information on installing Triton can be found at "
     "https://github.com/openai/triton", "triton-missing",
     [f"pip3 install torch==2.13.0 --index-url {CU126}"], None),
    ("2noise/ChatTTS#341", "gtx1080-driver535",
     "torch._dynamo.convert_frame: [WARNING] RuntimeError: Found NVIDIA GeForce GTX 1080 Ti "
     "which is too old to be supported by the triton GPU compiler, which is used as the backend. "
     "Triton only supports devices of CUDA Capability >= 7.0, but your device is of CUDA "
     "capability 6.1", "triton-gpu-too-old", ["export TORCHDYNAMO_DISABLE=1"], None),
    ("MIC-DKFZ/nnUNet#2268", "docker-no-gpu",
     "torch._dynamo.exc.BackendCompilerFailed: backend='inductor' raised:\nRuntimeError: Failed "
     "to find C compiler. Please specify via CC environment variable.",
     "compile-toolchain-missing", ["apt-get update", "apt-get install -y build-essential"], None),
    ("intel/torch-xpu-ops#3160 (on Fedora)", "cpu-linux-laptop",
     "torch._inductor.exc.InductorError: RuntimeError: Failed to find C compiler. Please specify "
     "via CC environment variable or set triton.knobs.build.impl.",
     "compile-toolchain-missing", ["sudo dnf install -y gcc gcc-c++"], None),
    ("BuffMcBigHuge/ComfyUI-Zonos#7 (only the raising source line)", "windows11-rtx3080",
     "  File \"N:\\ComfyUI\\venv\\lib\\site-packages\\torch\\_inductor\\cpp_builder.py\", line "
     "135, in check_compiler_exist_windows\n    raise RuntimeError(f\"Compiler: {compiler} is not "
     "found.\") from exc", "compile-toolchain-missing",
     ['winget install --id Microsoft.VisualStudio.2022.BuildTools -e --override "--quiet --wait '
      '--add Microsoft.VisualStudio.Workload.VCTools --includeRecommended"', "where.exe cl"], None),
    ("NVIDIA/nccl#342 (NCCL's warnings alone)", "docker-no-gpu",
     "include/shm.h:48 NCCL WARN Error while creating shared memory segment "
     "nccl-shm-recv-250a7cc850ba9298-0-1-3 (size 9637888)", "nccl-system-error",
     ["df -h /dev/shm", "export NCCL_SHM_DISABLE=1"], None),
    ("pytorch/pytorch#157458", "windows11-rtx3080",
     "  File \"C:\\Users\\ada\\proj\\.venv\\Lib\\site-packages\\torch\\_inductor\\"
     "cpp_builder.py\", line 138, in check_compiler_exist_windows\n    raise "
     "RuntimeError(f\"Compiler: {compiler} is not found.\") from exc\n"
     "torch._dynamo.exc.InternalTorchDynamoError: RuntimeError: Compiler: cl is not found.",
     "compile-toolchain-missing",
     ['winget install --id Microsoft.VisualStudio.2022.BuildTools -e --override "--quiet --wait '
      '--add Microsoft.VisualStudio.Workload.VCTools --includeRecommended"', "where.exe cl"], None),
    ("sgl-project/sglang#1117", "rtx4090-driver550",
     "/tmp/tmps1rkq3y3/main.c:5:10: fatal error: Python.h: No such file or directory\n    5 | "
     "#include <Python.h>\n      |          ^~~~~~~~~~\ncompilation terminated.",
     "compile-toolchain-missing", ["sudo apt-get update", "sudo apt-get install -y python3.12-dev"],
     None),
    ("sgl-project/sglang#1117 (a Python built outside the distribution)", "docker-no-gpu",
     "/tmp/tmps1rkq3y3/main.c:5:10: fatal error: Python.h: No such file or directory",
     "compile-toolchain-missing",
     ['/usr/local/bin/python3 -c "import sysconfig; print(sysconfig.get_paths()[\'include\'])"'],
     None),
    # --- import torch, and code that asks for CUDA ---
    ("IrisRainbowNeko/genshin_auto_fish#62", "wsl2-rtx3060",
     "AttributeError: module 'torch._C' has no attribute '_cuda_setDevice'",
     "cpu-build-on-gpu-host",
     ["pip3 uninstall -y torch torchvision", f"pip3 install torch torchvision --index-url {CU126}"],
     None),
    ("obss/sahi#402", "rtx4090-driver550",
     "ImportError: cannot import name 'stack' from partially initialized module 'torch' (most "
     "likely due to a circular import) (/home/ada/ml/sahi/utils/torch.py)",
     "torch-shadowed-by-local-file",
     ["mv -n -- /home/ada/ml/sahi/utils/torch.py /home/ada/ml/sahi/utils/torch_local.py"], None),
    ("obss/sahi#402 (on Windows)", "windows11-rtx3080",
     "Traceback (most recent call last):\n  File \"C:\\Users\\ada\\proj\\torch.py\", line 1, in "
     "<module>\n    import torch\nAttributeError: partially initialized module 'torch' has no "
     "attribute 'tensor' (most likely due to a circular import)",
     "torch-shadowed-by-local-file",
     ["Rename-Item -LiteralPath C:\\Users\\ada\\proj\\torch.py -NewName torch_local.py"], None),
    ("pytorch/pytorch#110447", "rtx4090-driver550",
     "Traceback (most recent call last):\n  File \"/home/ada/ml/onnx.py\", line 3, in <module>\n"
     "    torch.onnx.export(nn.Linear(10, 10), args=torch.ones(10), f='output.onnx')\n  File "
     "\"/home/ada/ml/.venv/lib/python3.12/site-packages/torch/__init__.py\", line 1868, in "
     "__getattr__\n    return importlib.import_module(f\".{name}\", __name__)",
     "torch-shadowed-by-local-file", ["mv -n -- /home/ada/ml/onnx.py /home/ada/ml/onnx_local.py"],
     None),
    ("pytorch/pytorch#98959 (a source checkout)", "rtx4090-driver550",
     "Traceback (most recent call last):\n  File \"/home/ada/src/pytorch/torch/__init__.py\", line "
     "990, in <module>\n    raise ImportError(\nImportError: Failed to load PyTorch C extensions:\n"
     "    It appears that PyTorch has loaded the `torch/_C` folder\n    of the PyTorch repository "
     "rather than the C extensions which\n    are expected in the `torch._C` namespace.",
     "torch-shadowed-by-local-file", ["cd /home/ada/src"], None),
    ("pytorch/pytorch#151584 (a regular Python)", "rtx4090-driver550",
     "  File \"/home/ada/ml/.venv/lib/python3.12/site-packages/torch/__init__.py\", line 990, in "
     "<module>\n    raise ImportError(\nImportError: Failed to load PyTorch C extensions:",
     "torch-install-broken",
     [f"pip3 install --force-reinstall --no-deps torch==2.13.0 --index-url {CU126}"], None),
    ("Jupyter: works in the terminal, not in the notebook", "rtx4090-driver550",
     "Traceback (most recent call last):\n  File \"/tmp/ipykernel_4211/1425718243.py\", line 1, in "
     "<module>\n    import torch\nModuleNotFoundError: No module named 'torch'",
     "wrong-interpreter",
     ["pip3 install ipykernel", "/home/ada/ml/.venv/bin/python -m ipykernel install --user "
      "--name .venv"], None),
    ("jupyter/notebook#4629 (the target not inspected)", "rtx4090-driver550",
     "ModuleNotFoundError                       Traceback (most recent call last)\n"
     "<ipython-input-10-eb42ca6e4af3> in <module>\n----> 1 import torch\n"
     "ModuleNotFoundError: No module named 'torch'", "wrong-interpreter",
     ["python -m pip install ipykernel", "python -m ipykernel install --user --name torch-env"],
     _python_unknown),
    ("ModuleNotFoundError where torch is not installed", "gtx1080-driver535",
     "ModuleNotFoundError: No module named 'torch'", "torch-not-installed",
     [f"pip3 install torch torchvision --index-url {CU126}"], None),
    # --- libraries, companions, devices ---
    ("ltdrdata/ComfyUI-Impact-Pack#958", "rtx4090-driver550",
     "NotImplementedError: Could not run 'torchvision::nms' with arguments from the 'CUDA' "
     "backend. This could be because the operator doesn't exist for this backend",
     "torchvision-torch-mismatch",
     [f"pip3 install --force-reinstall --no-deps torchvision==0.28.0 --index-url {CU126}"], None),
    ("pytorch/pytorch#80637", "rtx4090-driver550",
     "RuntimeError: cuDNN version incompatibility: PyTorch was compiled  against (8, 3, 2) but "
     "linked against (8, 0, 3)", "ld-library-path-shadows-cuda-libs",
     [SYSTEM_CUDA_DROPPED], _ld_library_path),
    ("pytorch/pytorch#134929", "rtx4090-driver550",
     "ImportError: /opt/conda/lib/libcusparse.so.12: undefined symbol: __nvJitLinkComplete_12_4, "
     "version libnvJitLink.so.12", "ld-library-path-shadows-cuda-libs",
     [SYSTEM_CUDA_DROPPED], _ld_library_path),
    ("davabase/whisper_real_time#61", "windows11-rtx3080",
     "OSError: [WinError 127] The specified procedure could not be found. Error loading "
     "\"C:\\Users\\ada\\proj\\.venv\\Lib\\site-packages\\torch\\lib\\shm.dll\" or one of its "
     "dependencies.", "windows-dll-dependency-missing",
     ["winget install --id Microsoft.VCRedist.2015+.x64 -e"], None),
    ("ROCm/k8s-device-plugin#65", "rx7900xtx-rocm64",
     ">>> torch.cuda.is_available()\namdgpu_device_initialize: amdgpu_get_auth (1) failed (-1)\n"
     "False", "rocm-device-permissions", ['sudo usermod -aG render,video "$USER"'], None),
    ("ROCm/vllm#893", "rx7900xtx-rocm64", "RuntimeError: No HIP GPUs are available",
     "rocm-device-permissions", ['sudo usermod -aG render,video "$USER"'], _render_closed),
    ("DreamMat#14", "docker-no-gpu", "RuntimeError: No CUDA GPUs are available",
     "container-without-gpu-access", ["nvidia-smi"], None),
    ("pytorch/pytorch#43281", "rtx4090-driver550",
     "RuntimeError: cuda runtime error (999) : unknown error at /opt/conda/conda-bld/"
     "pytorch_1591914886554/work/aten/src/THC/THCGeneral.cpp:47", "cuda-broken-after-suspend",
     ["nvidia-smi"], None),
    ("pytorch/pytorch#147226", "intel-arc-a770",
     "UserWarning: Failed to initialize XPU devices. The driver may not be installed, installed "
     "incorrectly, or incompatible with the current setup. (Triggered internally at "
     "/pytorch/c10/xpu/XPUFunctions.cpp:109.)", "xpu-runtime-load-failure",
     ["torchdoctor verify --device xpu"], None),
    ("kuleshov-group/bd3lms#11", "gtx1080-driver535",
     "PackagesNotFoundError: The following packages are not available from current channels:\n\n"
     "  - pytorch=2.6*", "conda-pytorch-channel-discontinued",
     [f"pip3 install torch torchvision --index-url {CU126}"], None),
    ("jaredpalmer/kev#34", "rtx4090-driver550",
     "error: Distribution `torch==2.8.0 @ registry+https://pypi.org/simple` can't be installed "
     "because it doesn't have a source distribution or wheel for the current platform\n\nhint: "
     "You're using CPython 3.14 (`cp314`), but `torch` (v2.8.0) only has wheels with the "
     "following Python ABI tags: `cp312`, `cp313`, `cp313t`", "python-version-unsupported",
     ["torchdoctor install-command"], None),
    ("uv's hint for a free-threaded Python", "rtx4090-driver550",
     "hint: You're using CPython 3.13t (`cp313t`), but `torch` (v2.5.1) only has wheels with the "
     "following Python ABI tags: `cp39`, `cp310`, `cp311`, `cp312`, `cp313`",
     "freethreaded-abi-mismatch", ["torchdoctor install-command"], None),
    ("cedarconnor/SPAG4d#1 (Python 3.13, the cu121 index)", "cpu-linux-laptop",
     "pip install torch torchvision --index-url https://download.pytorch.org/whl/cu121\nERROR: "
     "Could not find a version that satisfies the requirement torch (from versions: none)\n"
     "ERROR: No matching distribution found for torch", "python-version-unsupported",
     ["torchdoctor install-command"], None),
]


@pytest.mark.parametrize(("thread", "machine", "text", "code", "commands", "edit"), CASES,
                         ids=[f"{c[3]}-{c[0]}" for c in CASES])
def test_the_error_text_gets_its_cause_and_exact_fix(
        tmp_path: Path, thread: str, machine: str, text: str, code: str, commands: list[str],
        edit: Edit | None) -> None:
    problems = _problems(tmp_path, machine, text, edit)
    found = [p for p in problems if p["code"] == code]
    assert found, (thread, [p["code"] for p in problems])
    assert found[0]["fix"]["commands"] == commands, found[0]


def test_every_code_only_an_error_text_finds_has_a_case() -> None:
    assert {case[3] for case in CASES} >= TEXT_ONLY
    assert set(CATALOG) >= TEXT_ONLY


def test_a_gpu_too_old_for_triton_is_a_warning_not_an_error(tmp_path: Path) -> None:
    """No install is at fault: torch runs on the GPU, only torch.compile's Triton does not."""
    text = next(case[2] for case in CASES if case[3] == "triton-gpu-too-old")
    found = _problems(tmp_path, "gtx1080-driver535", text)
    assert [p["severity"] for p in found] == ["warning"]


def test_a_full_dev_shm_is_not_a_full_disk(tmp_path: Path) -> None:
    text = next(case[2] for case in CASES if case[0] == "NVIDIA/nccl#342")
    codes = [p["code"] for p in _problems(tmp_path, "docker-no-gpu", text)]
    assert codes == ["nccl-system-error"]


def test_the_gpu_older_than_the_build_is_told_apart_from_a_newer_one(tmp_path: Path) -> None:
    """torch's own words ("no longer supports this GPU because it is too old", the list of
    capabilities it carries) decide between the two codes."""
    older = ("NVIDIA GeForce GTX 1080 Ti with CUDA capability sm_61 is not compatible with the "
             "current PyTorch installation.\nThe current PyTorch install supports CUDA "
             "capabilities sm_75 sm_80 sm_86 sm_90 sm_100 sm_120 compute_120.")
    newer = ("NVIDIA GeForce RTX 5090 with CUDA capability sm_120 is not compatible with the "
             "current PyTorch installation.\nThe current PyTorch install supports CUDA "
             "capabilities sm_50 sm_60 sm_70 sm_75 sm_80 sm_86 sm_90.")
    assert [p["code"] for p in _problems(tmp_path, "rtx4090-driver550", older)] == [
        "gpu-arch-dropped-from-wheel"]
    assert [p["code"] for p in _problems(tmp_path, "rtx4090-driver550", newer)] == [
        "gpu-arch-not-in-wheel"]


@pytest.mark.parametrize("text", [
    "ModuleNotFoundError: No module named 'torch._C'",
    "ModuleNotFoundError: No module named 'torchvision'",
    "RuntimeError: NCCL error in: ProcessGroupNCCL.cpp:1191, remote process exited or there was "
    "a network error",
    "ImportError: cannot import name 'stack' from partially initialized module 'numpy'",
    # `python -m torch.distributed.run` starts in the standard library, whose threading.py is
    # not the user's file.
    "Traceback (most recent call last):\n  File \"/usr/lib/python3.12/runpy.py\", line 198, in "
    "_run_module_as_main\n  File \"/usr/lib/python3.12/threading.py\", line 1075, in "
    "_bootstrap_inner\n  File \"/home/ada/ml/.venv/lib/python3.12/site-packages/torch/"
    "distributed/run.py\", line 883, in main\nValueError: bad rank",
])
def test_near_misses_are_not_taken_for_a_rule(tmp_path: Path, text: str) -> None:
    """Texts that look like a rule's but are not its cause: nothing is claimed for them."""
    assert _problems(tmp_path, "rtx4090-driver550", text) == []
