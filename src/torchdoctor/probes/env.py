"""Environment variables that change how torch installs or runs — an allow-list, nothing else.

No variable outside the allow-list of `torchdoctor.envfilter` ever enters the facts, and credentials
inside index URLs (`https://user:token@host/simple`) are masked, so a facts document is safe to
share.
"""

from __future__ import annotations

import re

from torchdoctor.envfilter import filter_env, strip_credentials
from torchdoctor.facts import EnvFacts
from torchdoctor.host import Host
from torchdoctor.probes._util import list_dir
from torchdoctor.probes.system import system_name

# Files whose presence marks a directory as holding CUDA libraries that could shadow torch's own.
_CUDA_LIBS = re.compile(r"^lib(cudart|cublas|cublasLt|cudnn|nccl|cusparse|cufft|nvrtc|cuda)\.so")


def probe(host: Host, timeout: float) -> EnvFacts:
    """The allow-listed variables that are set, and LD_LIBRARY_PATH entries with CUDA libraries."""
    variables = filter_env(host.env)
    cuda_dirs: list[str] = []
    if system_name(host) == "linux":
        for entry in host.env.get("LD_LIBRARY_PATH", "").split(":"):
            if (
                entry
                and entry not in cuda_dirs
                and any(_CUDA_LIBS.match(name) for name in list_dir(host, entry))
            ):
                cuda_dirs.append(entry)
    if cuda_dirs:
        # An entry that holds CUDA libraries matters whatever its folder is called.
        named = variables.get("LD_LIBRARY_PATH", "").split(":")
        entries = [e for e in host.env.get("LD_LIBRARY_PATH", "").split(":")
                   if e and (e in cuda_dirs or e in named)]
        variables["LD_LIBRARY_PATH"] = strip_credentials(":".join(dict.fromkeys(entries)))
    separator = ";" if system_name(host) == "windows" else ":"
    torch_dirs = [entry for entry in host.env.get("PYTHONPATH", "").split(separator)
                  if entry and host.exists(f"{entry.rstrip('/')}/torch/__init__.py")]
    return EnvFacts(
        status="found" if variables or cuda_dirs else "absent",
        reason=None if variables or cuda_dirs else "none of the variables that matter is set",
        variables=variables,
        ld_library_path_cuda=tuple(cuda_dirs),
        pythonpath_torch=tuple(torch_dirs),
    )
