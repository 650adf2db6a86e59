"""Library rules of the torch check: torchvision/torchaudio pairing, NumPy's ABI, and
LD_LIBRARY_PATH entries in front of the CUDA libraries torch installed with pip.

Rules: torchvision-torch-mismatch, numpy-abi-incompatible, ld-library-path-shadows-cuda-libs.
"""

from __future__ import annotations

from torchdoctor.diagnosis import libraries
from torchdoctor.diagnosis.context import Ctx, problem
from torchdoctor.knowledge import cuda_minor, version_key
from torchdoctor.knowledge.compat import local_tag_variant
from torchdoctor.recommend.shell import drop_from_path_variable
from torchdoctor.report import Fix, Problem, Severity

# torch 2.3 was the first release built against NumPy 2 (which runs on NumPy 1.22+ as well);
# older releases were built against NumPy 1.x and cannot use NumPy 2.
NUMPY2_FROM = "2.3"


def rules(ctx: Ctx, check: str) -> list[Problem]:
    return [*_pairing(ctx, check, "torchvision"), *_pairing(ctx, check, "torchaudio"),
            *_numpy(ctx, check), *_ld_library_path(ctx, check)]


def expected_companion(ctx: Ctx, name: str) -> str | None:
    """The companion version that pairs with the installed torch: the release's pin, else (for
    torchvision) the X.Y ↔ 0.(Y+15) rule of torch 2.x; None when it cannot be said."""
    version = ctx.torch_public
    if version is None:
        return None
    release = ctx.knowledge.release(version)
    pin = getattr(release, name, None) if release else None
    if pin:
        return str(pin)
    newer = ctx.knowledge.newer_release(version)
    if name == "torchvision" and newer is not None and newer.torchvision:
        return newer.torchvision
    key = version_key(version)
    if name == "torchvision" and len(key) >= 2 and key[0] == 2:
        return f"0.{key[1] + 15}"
    return None


def _pairing(ctx: Ctx, check: str, name: str) -> list[Problem]:
    dist = ctx.facts.python.distribution(name)
    expected = expected_companion(ctx, name)
    if dist is None:
        return []
    have = dist.version.split("+")[0]
    fix = _pairing_fix(ctx, name, expected)
    declared = _declared(dist.requires_torch, ctx.torch_public)
    if declared is False:
        return [problem("torchvision-torch-mismatch", check,
                        f"{name} {dist.version} requires torch{dist.requires_torch}, but torch "
                        f"{ctx.torch_label} is installed.", fix)]
    if declared is True:
        # The companion's own requirement holds: the knowledge's table (which may not know this
        # release yet) does not overrule it; only the build variants are compared.
        return _tags(ctx, check, name, dist.local_tag, dist.version, fix)
    if expected is not None:
        want, got = version_key(expected), version_key(have)
        if want[:2] != got[:2]:
            return [problem("torchvision-torch-mismatch", check,
                            f"{name} {dist.version} is built for another torch; torch "
                            f"{ctx.torch_label} pairs with {name} {expected}.", fix)]
        if len(want) > 2 and want != got and expected.count(".") >= 2:
            return [problem("torchvision-torch-mismatch", check,
                            f"{name} {dist.version} was built for another patch release; torch "
                            f"{ctx.torch_label} pairs with {name} {expected}.", fix,
                            severity=Severity.WARNING)]
    return _tags(ctx, check, name, dist.local_tag, dist.version, fix)


def _declared(requirement: str | None, torch: str | None) -> bool | None:
    """Whether the installed torch satisfies a companion's declared requirement; None when
    there is none to judge by (older wheels declare none: the table decides)."""
    if not requirement or not torch:
        return None
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        return Version(torch) in SpecifierSet(requirement)
    except (InvalidSpecifier, InvalidVersion):
        return None


def pairing_fix(ctx: Ctx, name: str) -> Fix:
    """The replacing command for a companion built for another torch (an error text names
    the mismatch; the facts may not show the companion at all)."""
    return _pairing_fix(ctx, name, expected_companion(ctx, name))


def _pairing_fix(ctx: Ctx, name: str, expected: str | None) -> Fix:
    """The companion that pairs with the installed torch, from the index torch came from,
    replacing the one installed (pip keeps a package of the same version otherwise) and leaving
    torch as it is (--no-deps)."""
    if expected is None:
        return Fix(f"Install the {name} release that pairs with torch {ctx.torch_label}, from "
                   "the same index as torch (the torchvision/torchaudio compatibility table on "
                   "pytorch.org lists the pairs); this shows what is installed:",
                   ctx.pip(f"show torch {name}"))
    index = index_of_installed(ctx)
    where = f" --index-url {index}" if index else ""
    source = f"the {ctx.variant} index" if index else "PyPI, where this torch came from"
    return Fix(f"Replace {name} with {expected}, the release that pairs with torch "
               f"{ctx.torch_label}, from {source}; torch stays as it is:",
               ctx.pip(f"install --force-reinstall --no-deps {name}=={expected}{where}"))


def index_of_installed(ctx: Ctx) -> str | None:
    """The download index of the installed torch's variant; None for a PyPI wheel (no local
    tag), whose companions come from PyPI too."""
    version = ctx.torch_version or ""
    tag = version.split("+", 1)[1] if "+" in version else None
    release = ctx.knowledge.release(ctx.torch_public or "")
    if tag is None or release is None or ctx.variant is None or ctx.os is None:
        return None
    url = release.variants.get(ctx.os, {}).get(ctx.variant)
    return str(url) if url else None


def _tags(ctx: Ctx, check: str, name: str, tag: str | None, version: str,
          fix: Fix) -> list[Problem]:
    ours = local_tag_variant(ctx.torch_dist.local_tag if ctx.torch_dist else None)
    theirs = local_tag_variant(tag)
    if ours is None or theirs is None or ours == theirs:
        return []  # an untagged PyPI wheel on either side: nothing to compare
    ours_cuda, theirs_cuda = cuda_minor(ours), cuda_minor(theirs)
    same_major = bool(ours_cuda and theirs_cuda and ours_cuda.split(".")[0] ==
                      theirs_cuda.split(".")[0])
    return [problem("torchvision-torch-mismatch", check,
                    f"{name} {version} is the {theirs} build; torch {ctx.torch_label} is the "
                    f"{ours} build" + (": its GPU operators will not match." if not same_major
                                       else "."),
                    fix, severity=Severity.WARNING if same_major else None)]


def _numpy(ctx: Ctx, check: str) -> list[Problem]:
    numpy = ctx.facts.python.distribution("numpy")
    version = ctx.torch_public
    if numpy is None or version is None:
        return []
    if version_key(version) >= version_key(NUMPY2_FROM) or version_key(numpy.version)[:1] < (2,):
        return []
    return [problem("numpy-abi-incompatible", check,
                    f"torch {ctx.torch_label} was built against NumPy 1.x, but NumPy "
                    f"{numpy.version} is installed: tensor.numpy(), torch.from_numpy() and "
                    "everything built on them fail (\"_ARRAY_API not found\").",
                    Fix("Install NumPy 1.x next to this torch, or upgrade torch to 2.3 or newer:",
                        ctx.pip('install "numpy<2"')))]


def _ld_library_path(ctx: Ctx, check: str) -> list[Problem]:
    found = libraries.shadowed(ctx, check)
    if found is not None:
        return [*found, *libraries.stub_libcuda(ctx, check)]
    # A document without loader facts: the LD_LIBRARY_PATH folders that hold CUDA libraries.
    dirs = ctx.facts.env.ld_library_path_cuda
    pip_cuda = any(d.name.startswith("nvidia-") for d in ctx.facts.python.distributions or ())
    if not dirs or not cuda_minor(ctx.variant or "") or not pip_cuda:
        return []
    # Often harmless; it breaks when those libraries are older than the ones torch brought, so
    # this stays informational and verification reports the real failure.
    return [problem("ld-library-path-shadows-cuda-libs", check,
                    f"LD_LIBRARY_PATH puts {', '.join(dirs)} in front of the CUDA libraries that "
                    f"torch {ctx.torch_label} installed with pip; if import torch fails with "
                    "\"undefined symbol\" or a version error, this is why.",
                    Fix("Remove those entries from LD_LIBRARY_PATH in the shell that runs "
                        "torch (torch finds its own CUDA libraries):",
                        (drop_from_path_variable("LD_LIBRARY_PATH", dirs),)),
                    severity=Severity.INFO)]
