"""The fixes attached to verification problems.

`Fix.commands` holds only commands that are safe to copy and run as they are: they inspect, or they
print the install command that fits. Anything that changes the system beyond that (sudo, module
reloads, driver installs) is described in the text, for a person to decide.
"""

from __future__ import annotations

from torchdoctor.recommend.shell import command_word
from torchdoctor.report import Fix

INSTALL_COMMAND = "torchdoctor install-command"


def quoted_python(python: str, windows: bool) -> str:
    """The interpreter as the command word of a fix line on the target's platform."""
    return command_word(python, "windows" if windows else "linux")


def install() -> Fix:
    """torch is missing or cannot use the asked-for device: get the build that fits."""
    return Fix(
        "Install the torch build that fits this machine; this prints its command:",
        (INSTALL_COMMAND,),
    )


def reinstall_torch(py: str) -> Fix:
    """A broken or crashing install: replace it (the command shows what is there first)."""
    return Fix(
        "Reinstall torch in this environment (uninstall it first, then run the command that "
        f"`{INSTALL_COMMAND}` prints). To see which copy is imported and its dependencies:",
        (f"{py} -m pip show torch",),
    )


def numpy(py: str) -> Fix:
    """NumPy 1.x/2.x ABI mismatch: either side can move."""
    return Fix(
        "Install a NumPy that matches the one torch was built against (for torch before 2.3: "
        '`pip install "numpy<2"`), or upgrade torch to a release built for NumPy 2.',
        (f"{py} -m pip show numpy torch",),
    )


def companions() -> Fix:
    """torchvision/torchaudio from another release or variant than torch."""
    return Fix(
        "Install torchvision/torchaudio from the same release and index as torch, in one "
        "command; this prints it:",
        (INSTALL_COMMAND,),
    )


def xpu_runtime() -> Fix:
    """The XPU build's runtime (level-zero, SYCL) cannot be loaded."""
    return Fix(
        "Install Intel's GPU driver with its level-zero runtime (Intel's 'Installing Client GPUs' "
        "guide for your OS), then open a new shell and run the verification again:",
        ("torchdoctor verify --device xpu",),
    )


def windows_dll() -> Fix:
    """A DLL torch needs does not load."""
    return Fix(
        "Install the latest Microsoft Visual C++ Redistributable (x64): the command below, or "
        "https://aka.ms/vs/17/release/vc_redist.x64.exe. If the DLL still does not load, enable "
        "Windows long paths where the environment sits in a deep folder, and reinstall torch if "
        "the DLL itself is missing.",
        ("winget install --id Microsoft.VCRedist.2015+.x64 -e",),
    )


def ld_library_path() -> Fix:
    """A system CUDA/cuDNN/NCCL on LD_LIBRARY_PATH wins over the libraries torch ships."""
    return Fix(
        "Remove the CUDA, cuDNN and NCCL folders from LD_LIBRARY_PATH for this environment "
        "(torch's wheels bring their own); to see what it holds:",
        ("echo $LD_LIBRARY_PATH",),
    )


def cuda_init(text: str) -> Fix:
    """CUDA cannot initialise; error 999 after a suspend/resume is the classic case."""
    from torchdoctor.verify.errors import looks_like_suspend

    if looks_like_suspend(text):
        return Fix(
            "'CUDA unknown error' usually follows a suspend/resume (cuda-broken-after-suspend): "
            "reload the nvidia_uvm kernel module (sudo rmmod nvidia_uvm && sudo modprobe "
            "nvidia_uvm) or reboot. Also check that CUDA_VISIBLE_DEVICES is unset or valid. "
            "To see whether the driver answers:",
            ("nvidia-smi",),
        )
    return Fix(
        "Check that the driver works and is new enough for this build, and that "
        "CUDA_VISIBLE_DEVICES is unset or valid; a reboot after a driver update often helps:",
        ("nvidia-smi",),
    )


def new_build(needs: str) -> Fix:
    """The build has no kernels for the GPU."""
    return Fix(
        f"Install a torch build that has kernels for {needs}; this prints the command:",
        (INSTALL_COMMAND,),
    )


def wrong_result(command: str = "torchdoctor verify") -> Fix:
    """A kernel computed a wrong result: driver or hardware, rarely torch."""
    return Fix(
        "Update the GPU driver and run the verification again; if the result stays wrong, "
        "report it with `torchdoctor report` (it may be faulty hardware or a driver bug):",
        (command,),
    )


DEEP_COMMAND = "torchdoctor verify --deep"


def cudnn(py: str) -> Fix:
    """torch loaded another cuDNN than the one it was built with."""
    return Fix(
        "Another cuDNN comes before the one torch pins: a system cuDNN on the library path, or an "
        "nvidia-cudnn wheel of another version. Remove it from LD_LIBRARY_PATH, or reinstall torch "
        f"so that pip installs the cuDNN wheel it pins (`{INSTALL_COMMAND}` prints the command). "
        "To see the cuDNN wheels installed:",
        (f"{py} -m pip list",),
    )


def compile_toolchain(platform: str, headers: bool, py: str) -> Fix:
    """torch.compile's CPU backend needs a C++ compiler (and the Python headers)."""
    if headers:
        return Fix(
            "Install the development headers of this Python (python3.X-dev on Debian and Ubuntu, "
            "python3-devel on Fedora and RHEL; a Python built elsewhere brings its own), then run "
            "the check again; this prints where Python.h must be:",
            (f'{py} -c "import sysconfig; print(sysconfig.get_paths()[\'include\'])"',),
        )
    how = {
        "win32": "the Visual Studio Build Tools (C++ workload), and run from a Developer "
                 "PowerShell so that cl.exe is on PATH",
        "darwin": "Apple's command line tools (xcode-select --install)",
    }.get(platform, "g++ (sudo apt-get install -y g++ on Debian and Ubuntu, sudo dnf install -y "
                    "gcc-c++ on Fedora and RHEL), or set CXX to the compiler to use")
    return Fix(f"Install a C++ compiler for torch.compile's CPU backend: {how}. Then run the "
               "check again:", (DEEP_COMMAND,))


def triton(py: str, windows: bool) -> Fix:
    """torch.compile's GPU backend needs Triton."""
    if windows:
        return Fix(
            "Triton publishes no Windows packages: install the community triton-windows build "
            "that matches this torch release (its README lists the pairs), or run under WSL 2. "
            "To see what is installed:", (f"{py} -m pip list",))
    return Fix(
        "Install the triton release this torch pins (torch's own wheels require it; an install "
        "with --no-deps or a removed triton leaves it out): pip names what is missing:",
        (f"{py} -m pip check",),
    )


def triton_gpu_too_old(windows: bool) -> Fix:
    """Triton needs compute capability 7.0 or newer."""
    line = '$env:TORCHDYNAMO_DISABLE="1"' if windows else "export TORCHDYNAMO_DISABLE=1"
    return Fix(
        "No install makes Triton support this GPU (it needs compute capability 7.0 or newer): "
        'run without torch.compile, or compile with backend="aot_eager". This turns '
        "torch.compile off for programs started from this shell:", (line,))


def compile_python(py: str) -> Fix:
    """torch.compile does not support this Python yet."""
    return Fix(
        "torch.compile supports a Python release only from a later torch on: use a newer torch "
        f"(`{INSTALL_COMMAND}` prints the command), or an older Python. This Python is:",
        (f"{py} --version",),
    )


def nccl() -> Fix:
    """A CUDA/ROCm build without NCCL (RCCL)."""
    return Fix(
        "Install torch from pytorch.org's index or PyPI: their Linux GPU wheels bring NCCL. "
        "A build from source needs USE_NCCL=1. This prints the install command:",
        (INSTALL_COMMAND,),
    )


def cuda_error_not_raised() -> Fix:
    """A device-side error went unreported."""
    return Fix(
        "A build that compiles device-side assertions out (a custom or vendor build) reads out "
        "of bounds silently: install pytorch.org's build (this prints the command). If it is "
        "that build, update the driver and report it with `torchdoctor report`:",
        (INSTALL_COMMAND,),
    )


def retry_longer(py: str) -> Fix:
    """A stage timed out: maybe slow, maybe hung."""
    return Fix(
        "Run again with a longer --verify-timeout (a first import from a slow or network disk "
        "can take minutes); if it keeps hanging, see where the import spends its time:",
        (f'{py} -X importtime -c "import torch"',),
    )


def target_python() -> Fix:
    """The interpreter given with --python cannot run."""
    return Fix("Pass an interpreter that exists and can run, e.g. --python .venv/bin/python. "
               "To list the Pythons on PATH:", ("which -a python3 python",))


def report_bug() -> Fix:
    """The verification itself could not finish: say so, ask for a report."""
    return Fix(
        "See the child's error output; if it looks like a torchdoctor bug, report it with "
        "`torchdoctor report`:",
        ("torchdoctor verify -v",),
    )
