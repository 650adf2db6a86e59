"""The `python` check: the target interpreter and its environment.

Rules: target-python-unusable, python-32bit, python-version-unsupported,
freethreaded-abi-mismatch, wrong-interpreter, windows-long-paths-disabled, and probe-failed when
inspecting it timed out.
"""

from __future__ import annotations

import re

from torchdoctor.diagnosis.context import (
    UNUSABLE_PYTHON,
    Ctx,
    install_fix,
    join,
    make_check,
    probe_failed,
    problem,
)
from torchdoctor.recommend import long_paths
from torchdoctor.report import Check, Fix, Problem, Severity

ID, TITLE = "python", "Python"


def check(ctx: Ctx) -> Check:
    p = ctx.facts.python
    if p.status != "found":
        who = p.requested or "the target interpreter"
        why = p.reason or "it gave no answer"
        if p.failure in UNUSABLE_PYTHON:
            return make_check(ID, TITLE, who, [problem(
                "target-python-unusable", ID, f"{who} cannot be used: {why}.",
                Fix("Point torchdoctor at a Python 3 interpreter with --python PATH, or "
                    "activate the environment you use. To list the Pythons on PATH:",
                    ("Get-Command -All python, python3, py" if ctx.os == "windows"
                     else "which -a python3 python",)))])
        return make_check(ID, TITLE, who, [probe_failed(
            ID, f"{who} could not be inspected ({why}); its torch install, "
            "Python version and environment were not judged.")], unknown=why)
    impl = {"cpython": "CPython", "pypy": "PyPy"}.get(p.implementation or "", p.implementation)
    build = join(f"{p.version or '?'} {impl or ''}".strip(),
                 f"{p.pointer_bits}-bit" if p.pointer_bits == 32 else None,
                 "free-threaded" if p.free_threaded else None)
    env = f"{p.env_kind} ({p.env_name})" if p.env_name else p.env_kind
    summary = join(build, env, p.executable or p.requested)
    details = []
    if p.externally_managed:
        details.append("externally managed (PEP 668): pip refuses to install into it")
    if p.reason:
        details.append(f"partly inspected: {p.reason}")
    problems = [*_bits(ctx), *_version(ctx), *_free_threaded(ctx), *_pip3(ctx), *_kernels(ctx),
                *_long_paths(ctx)]
    return make_check(ID, TITLE, summary, problems, details)


def _long_paths(ctx: Ctx) -> list[Problem]:
    """Windows: the recommended torch would not install here until long paths are enabled."""
    p, plan = ctx.facts.python, ctx.plan
    if plan is None or plan.installed_already or (ctx.installed and not plan.replaces_installed):
        return []
    length = long_paths.too_long(ctx.os, p.purelib, p.long_paths_enabled, plan.torch_version,
                                 plan.compute)
    if length is None or p.purelib is None:
        return []
    return [problem("windows-long-paths-disabled", ID,
                    f"Installing torch {plan.torch_version}: "
                    + long_paths.sentence(length, p.purelib, p.long_paths_enabled) + ".",
                    Fix("Enable long paths before installing: in PowerShell as administrator, "
                        "run the first command (the second shows the setting: 1 is enabled). "
                        "Or use an environment with a shorter path.",
                        (long_paths.ENABLE, long_paths.SHOW)))]


def _bits(ctx: Ctx) -> list[Problem]:
    p = ctx.facts.python
    if p.pointer_bits != 32:
        return []
    return [problem("python-32bit", ID,
                    f"{p.executable or 'This Python'} is a 32-bit build ({p.version}); PyTorch "
                    "publishes 64-bit wheels only.",
                    Fix("Install a 64-bit Python (on Windows the \"Windows installer (64-bit)\" "
                        "from python.org), create the environment with it, then install torch. "
                        "This prints 64 for the right Python:",
                        (f"{ctx.python_cmd} -c "
                         "\"import struct; print(struct.calcsize('P') * 8)\"",)))]


def _version(ctx: Ctx) -> list[Problem]:
    """Only when nothing is installed: an installed torch already proves wheels existed."""
    tag = ctx.python_tag
    if ctx.installed or not ctx.torch_known or tag is None or ctx.os is None or ctx.arch is None:
        return []
    k, plain = ctx.knowledge, tag.rstrip("t")
    stable = k.stable
    if ctx.arch not in stable.arches.get(ctx.os, ()) or ctx.facts.python.pointer_bits == 32:
        return []  # no wheels for the platform at all: platform-no-wheels / python-32bit
    if k.supports_python(stable, ctx.os, ctx.arch, plain):
        return []
    wanted = f"Python {stable.python_min}–{stable.python_max}"
    older = k.newest_supporting(plain, ctx.os, ctx.arch)
    if older is None:
        return [problem("python-version-unsupported", ID,
                        f"This is Python {ctx.facts.python.version}; torch {stable.version} needs "
                        f"{wanted}, and no release torchdoctor knows has wheels for {plain}.",
                        Fix(f"Create the environment with {wanted} (for example "
                            f"`uv venv --python {stable.python_max}`), then install torch."))]
    return [problem("python-version-unsupported", ID,
                    f"This is Python {ctx.facts.python.version}; torch {stable.version} needs "
                    f"{wanted}. The newest release with wheels for {plain} is {older.version}.",
                    install_fix(ctx, f"Use {wanted} for the current release, or install torch "
                                     f"{older.version} here:"),
                    severity=Severity.WARNING)]


def _free_threaded(ctx: Ctx) -> list[Problem]:
    tag = ctx.python_tag
    if not ctx.facts.python.free_threaded or tag is None or ctx.os is None or ctx.arch is None:
        return []
    k, plain = ctx.knowledge, tag.rstrip("t")
    if ctx.installed:
        version = ctx.torch_public
        if version is None or ctx.release_supports(version, tag) is not False:
            return []
        if ctx.release_supports(version, plain) is not True:
            return []
        release = k.release(version)
        ft = ", ".join(f"{v}t" for v in release.free_threaded) if release else ""
        has = f"has free-threaded wheels for {ft} only" if ft else "has no free-threaded wheels"
        return [problem("freethreaded-abi-mismatch", ID,
                        f"This is free-threaded Python {tag}; torch {version} {has}, so the "
                        f"copy here was built for the regular {plain} ABI and cannot load.",
                        install_fix(ctx, f"Use a regular (GIL) Python {plain}, or install a "
                                         "release with free-threaded wheels:"))]
    stable = k.stable
    if not k.supports_python(stable, ctx.os, ctx.arch, plain) or k.supports_python(
            stable, ctx.os, ctx.arch, tag):
        return []  # unsupported altogether (python-version-unsupported), or fine
    ft = ", ".join(f"{v}t" for v in stable.free_threaded) or "none"
    older = k.newest_supporting(tag, ctx.os, ctx.arch)
    also = f" The newest release with {tag} wheels is {older.version}." if older else ""
    return [problem("freethreaded-abi-mismatch", ID,
                    f"This is free-threaded Python {tag}; torch {stable.version} has free-threaded "
                    f"wheels for {ft} only, so pip finds no wheel for this ABI.{also}",
                    install_fix(ctx, f"Use a regular (GIL) Python {plain}, or a free-threaded "
                                     f"Python torch {stable.version} supports ({ft}):"),
                    severity=Severity.WARNING if older else None)]


def _kernels(ctx: Ctx) -> list[Problem]:
    """Jupyter kernels exist, and none starts this interpreter: "works in the terminal, not in
    the notebook". A kernel that starts a bare `python` depends on PATH: then nothing is said."""
    p = ctx.facts.python
    kernels = p.jupyter_kernels or ()
    if not kernels or not ctx.installed or not p.executable:
        return []
    if any(k.python is None or ("/" not in k.python and "\\" not in k.python) for k in kernels):
        return []  # cannot tell which interpreter such a kernel starts
    prefix = (p.prefix or "").rstrip("/\\")
    if any(k.python == p.executable or (prefix and k.python.startswith(prefix))
           for k in kernels if k.python):
        return []
    return [problem("wrong-interpreter", ID,
                    f"No Jupyter kernel starts {p.executable}: a notebook runs "
                    f"{', '.join(sorted({k.python or '?' for k in kernels}))} instead, where "
                    f"this torch ({ctx.torch_label}) is not the one imported.",
                    kernel_fix(ctx), severity=Severity.INFO)]


def kernel_fix(ctx: Ctx) -> Fix:
    """Register the target as a Jupyter kernel (ipykernel installed first where it is not)."""
    p = ctx.facts.python
    name = re.sub(r"[^\w.-]", "-", p.env_name or "torch") or "torch"
    install = () if p.distribution("ipykernel") else ctx.pip("install ipykernel")
    return Fix(f"Register this environment as a kernel, then pick \"{name}\" in the notebook:",
               (*install, f"{ctx.python_cmd} -m ipykernel install --user --name {name}"))


def _pip3(ctx: Ctx) -> list[Problem]:
    p = ctx.facts.python
    if p.pip3_belongs is not False:
        return []
    where = f" ({p.pip3_path})" if p.pip3_path else ""
    return [problem("wrong-interpreter", ID,
                    f"pip3 on PATH{where} installs into another interpreter, not "
                    f"{p.executable or 'this one'}: `pip3 install torch` would put torch where "
                    "this Python cannot import it.",
                    Fix(f"Install with `{ctx.python_cmd} -m pip` instead of pip3, and run your "
                        "code with that same interpreter (in Jupyter: pick this environment's "
                        "kernel). This shows which environment that pip installs into:",
                        (f"{ctx.python_cmd} -m pip --version",)))]
