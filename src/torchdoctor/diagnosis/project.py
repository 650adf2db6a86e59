"""The `project` check: what the project files ask for, judged against this machine.

Rules here: project-file-unreadable, project-pin-no-wheel, project-pins-mismatch,
project-cpu-index, project-index-mismatch, project-extra-index-url; project_tools.py adds the uv,
pixi, conda-channel and lock-file rules. Every fix that changes a file carries the edit (the
lines to replace and the lines to put there) and the command that installs from the edited file
with the project's own tool (docs/problems.md, "Fixes that edit a project file").
"""

from __future__ import annotations

import re

from torchdoctor.diagnosis import project_tools
from torchdoctor.diagnosis.context import (
    Ctx,
    install_fix,
    join,
    make_check,
    probe_failed,
    problem,
)
from torchdoctor.diagnosis.gpus import gpu_host
from torchdoctor.diagnosis.project_view import (
    PIP_KINDS,
    Found,
    Project,
    applies,
    apply_commands,
    cuda_mismatch,
    exact_pin,
    fitting_variant,
    index_variant,
    replace_line,
    short,
    torch_pin,
    variant_url,
)
from torchdoctor.knowledge import Release, version_key
from torchdoctor.report import Check, FileEdit, Fix, Problem, Severity

ID, TITLE = "project", "Project"
_PIP_INDEX_KINDS = ("requirements", "environment-yml")


def check(ctx: Ctx) -> Check:
    facts = ctx.facts.project
    if facts is None:
        return make_check(ID, TITLE, "not checked (the facts have no project section)",
                          not_applicable=True)
    if facts.status == "unknown":
        why = facts.reason or "no answer"
        return make_check(ID, TITLE, "", [probe_failed(
            ID, f"The project files could not be looked for ({why}); what they ask for was not "
            "judged.")], unknown=why)
    if facts.status != "found":
        return make_check(ID, TITLE, facts.reason or "no project files", not_applicable=True)
    project = Project(facts)
    pins = _no_wheel(ctx, project)
    problems = [*_unreadable(ctx, project), *pins, *_pairs(ctx, project, pins),
                *_indexes(ctx, project), *_extra_index(ctx, project)]
    problems += project_tools.rules(ctx, project, ID, problems)
    return make_check(ID, TITLE, _summary(ctx, project), problems, _details(project))


def _summary(ctx: Ctx, project: Project) -> str:
    names = [short(project, f.path) for f in project.facts.files or ()]
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    torch = next((f.entry for f in project.all("requirement", names=("torch", "pytorch",
                                                                      "pytorch-gpu"))
                  if applies(ctx, f.entry.marker)), None)
    asked = f"{torch.name} {torch.value}".strip() if torch else None
    locked = next((f.entry for f in project.all("locked", names=("torch", "pytorch"))
                   if applies(ctx, f.entry.marker)), None)
    return join(shown, asked, f"locked {locked.value}" if locked else None)


def _details(project: Project) -> list[str]:
    out = []
    for file in project.facts.files or ():
        name = short(project, file.path)
        if not file.read:
            out.append(f"{name}: could not read ({file.reason})")
            continue
        said = [" ".join(dict.fromkeys(filter(None, (e.kind, e.name, e.value))))
                for e in file.entries
                if not (e.kind == "setting" and e.name in ("tool", "table"))]
        out.append(f"{name} ({file.kind}): " + ("; ".join(said[:8]) or "nothing about torch"))
    return out


def _unreadable(ctx: Ctx, project: Project) -> list[Problem]:
    out = []
    for file in project.facts.files or ():
        if file.read:
            continue
        toml = (file.reason or "").startswith("TOML error")
        commands: tuple[str, ...] = ()
        if toml and version_key((ctx.python_tag or "0").rstrip("t")) >= (3, 11):  # tomllib
            commands = (f"{ctx.python_cmd} -c \"import tomllib; tomllib.load(open(r'{file.path}', "
                        "'rb'))\"",)
        out.append(problem(
            "project-file-unreadable", ID,
            f"{short(project, file.path)} could not be read: {file.reason}. What it asks for was "
            "not judged.",
            Fix("The tools that read it stop on the same error; this shows where it is:"
                if toml else "torchdoctor reads project files up to a limit and only their own "
                "formats; nothing of this file was judged.", commands),
            severity=Severity.WARNING if toml else None))
    return out


# -- pins -----------------------------------------------------------------------------------------

def _torch_pins(ctx: Ctx, project: Project) -> list[tuple[Found, str, str | None]]:
    """(entry, version, local tag) of every exact torch pin that applies here."""
    out = []
    for found in project.all("requirement", names=("torch",)):
        pin = exact_pin(found.entry.value)
        if pin is not None and applies(ctx, found.entry.marker):
            out.append((found, *pin))
    return out


def _no_wheel(ctx: Ctx, project: Project) -> list[Problem]:
    """project-pin-no-wheel: the pinned release ships no wheel for this Python and platform."""
    k, tag = ctx.knowledge, ctx.python_tag
    if ctx.os is None or ctx.arch is None or tag is None:
        return []
    out = []
    for found, version, local in _torch_pins(ctx, project):
        release = k.release(version)
        if release is None or k.supports_python(release, ctx.os, ctx.arch, tag):
            continue
        fitting = [r for r in k.releases if k.supports_python(r, ctx.os, ctx.arch, tag)]
        newer = [r for r in fitting if version_key(r.version) > version_key(version)]
        best = min(newer, key=lambda r: version_key(r.version)) if newer else (
            fitting[0] if fitting else None)
        where = f"{ctx.os} {ctx.arch}"
        reason = (f"has no wheels for {where}" if ctx.arch not in release.arches.get(ctx.os, ())
                  else f"has no wheels for Python {tag} (it supports {release.python_min}–"
                  f"{release.python_max})")
        message = f"{short(project, found.file.path)} pins torch {version}, which {reason}."
        if best is None:
            out.append(problem("project-pin-no-wheel", ID, message, install_fix(
                ctx, f"No release in the knowledge has wheels for Python {tag} on {where}.")))
            continue
        edits = _repin(ctx, project, found, version, local, best)
        out.append(problem("project-pin-no-wheel", ID, message, Fix(
            f"Pin torch {best.version}, the nearest release with wheels for Python {tag} on "
            f"{where} (its companions with it), then install from the file again:",
            apply_commands(ctx, project, found.file), tuple(edits))))
    return out


def _repin(ctx: Ctx, project: Project, found: Found, version: str, local: str | None,
           best: Release) -> list[FileEdit]:
    """The edits that move torch (and the companions pinned in the same file) to `best`."""
    variants = best.variants.get(ctx.os or "", {})
    tag = local if local in variants else None
    edits = [_version_edit(found, version + (f"+{local}" if local else ""),
                           best.version + (f"+{tag}" if tag else ""))]
    for name in ("torchvision", "torchaudio"):
        paired = getattr(best, name, None)
        for other in project.all("requirement", names=(name,)):
            pin = exact_pin(other.entry.value)
            if other.file.path == found.file.path and pin and paired:
                old = pin[0] + (f"+{pin[1]}" if pin[1] else "")
                new = paired + (f"+{tag}" if tag and pin[1] else "")
                edits.append(_version_edit(other, old, new))
    return [e for e in edits if e is not None]


def _version_edit(found: Found, old: str, new: str) -> FileEdit | None:
    text = found.entry.text or ""
    written = old if old in text else old.removesuffix(".0")
    if written not in text:
        return None
    return replace_line(found, text.replace(written, new, 1))


def _pairs(ctx: Ctx, project: Project, already: list[Problem]) -> list[Problem]:
    """project-pins-mismatch: torchvision/torchaudio pinned to a release built for another torch
    (in the same file; conda's `pytorch` pins count as torch)."""
    k = ctx.knowledge
    skip = {e.path for p in already if p.fix for e in p.fix.edits}
    out = []
    for found in project.all("requirement", names=("torch", "pytorch", "pytorch-gpu",
                                                   "pytorch-cpu")):
        pin = exact_pin(found.entry.value)
        release = k.release(pin[0]) if pin else None
        if release is None or found.file.path in skip or not applies(ctx, found.entry.marker):
            continue
        for name in ("torchvision", "torchaudio"):
            expected = getattr(release, name, None)
            for other in project.all("requirement", names=(name,)):
                theirs = exact_pin(other.entry.value)
                if other.file.path != found.file.path or theirs is None or not expected or (
                        version_key(theirs[0]) == version_key(expected)):
                    continue
                old = theirs[0] + (f"+{theirs[1]}" if theirs[1] else "")
                new = expected + (f"+{theirs[1]}" if theirs[1] else "")
                edit = _version_edit(other, old, new)
                out.append(problem(
                    "project-pins-mismatch", ID,
                    f"{short(project, other.file.path)} pins {name} {theirs[0]} next to torch "
                    f"{pin[0] if pin else ''}; torch {release.version} pairs with {name} "
                    f"{expected}, so the install fails to resolve or {name} fails to import.",
                    Fix(f"Pin {name} {expected}, then install from the file again:",
                        apply_commands(ctx, project, other.file),
                        (edit,) if edit else ())))
    return out


# -- indexes --------------------------------------------------------------------------------------

def index_applies(ctx: Ctx, project: Project, found: Found) -> bool:
    """Whether an index of the project serves torch on this machine: pip's options always; a uv
    index that torch's source names (marker true here), or one that is not `explicit`; a Poetry
    source that torch names, or a primary one."""
    entry, file = found.entry, found.file
    section = entry.section or ""
    if file.kind in _PIP_INDEX_KINDS or entry.name in ("index-url", "extra-index-url",
                                                       "find-links"):
        return True
    if section.endswith("index") and ("uv" in section or file.kind == "uv-toml"):
        sources = [s.entry for s in project.all("source", names=("torch",))]
        if any(s.value == entry.name and applies(ctx, s.marker) for s in sources):
            return True
        return entry.detail != "explicit" and not any(applies(ctx, s.marker) for s in sources)
    if section == "tool.poetry.source":
        named = [r.entry for r in project.all("requirement", names=("torch",))
                 if r.entry.source]
        if any(r.source == entry.name and applies(ctx, r.marker) for r in named):
            return True
        return entry.detail in (None, "primary", "default") and not named
    return False


def _has_torch(project: Project) -> bool:
    return bool(project.all("requirement", names=("torch", "torchvision", "torchaudio")))


def _indexes(ctx: Ctx, project: Project) -> list[Problem]:
    """project-cpu-index and project-index-mismatch, for index URLs and `+cuXYZ` pins."""
    if not _has_torch(project) or ctx.os == "macos":
        return []
    out: list[Problem] = []
    seen: set[tuple[str, int | None]] = set()
    for found in project.all("index"):
        variant = index_variant(found.entry.value)
        key = (found.file.path, found.entry.line)
        if variant is None or key in seen or not index_applies(ctx, project, found):
            continue
        seen.add(key)
        out += _judge(ctx, project, found, variant, found.entry.value)
    for found, version, local in _torch_pins(ctx, project):
        if local and local.startswith("cu"):
            out += _judge(ctx, project, found, local, f"+{local}", release=version)
    return out


def _judge(ctx: Ctx, project: Project, found: Found, variant: str, written: str,
           release: str | None = None) -> list[Problem]:
    host = gpu_host(ctx)
    where = short(project, found.file.path)
    if variant == "cpu":
        if host is None:
            return []
        return [problem("project-cpu-index", ID,
                        f"{where} installs torch from the CPU-only index ({found.entry.value}), "
                        f"but this machine has {host.name}: the project gets a torch that cannot "
                        "use it.",
                        _swap_fix(ctx, project, found, written, "cpu", release))]
    why = cuda_mismatch(ctx, variant)
    if why is None:
        return []
    what = f"pins torch {release}+{variant}" if release else \
        f"installs torch from {found.entry.value} (the {variant} build)"
    return [problem("project-index-mismatch", ID, f"{where} {what}: {why}.",
                    _swap_fix(ctx, project, found, written, variant, release))]


def _swap_fix(ctx: Ctx, project: Project, found: Found, written: str, variant: str,
              release: str | None) -> Fix:
    """The edit that points the line at the variant the recommendation picked."""
    wanted = fitting_variant(ctx, release or torch_pin(found.file))
    if wanted is None or wanted == variant:
        return install_fix(ctx, "Point the project at the index of a build that runs here;")
    if release is not None:
        known = ctx.knowledge.release(release)
        if known is None or wanted not in known.variants.get(ctx.os or "", {}):
            return install_fix(ctx, f"torch {release} has no {wanted} build; pin one that has.")
        new = f"+{wanted}"
    else:
        new = re.sub(rf"/whl/((?:nightly/|test/)?){re.escape(variant)}(?=/|$)",
                     lambda m: f"/whl/{m.group(1)}{wanted}", written.rstrip("/"))
        new = new if new != written.rstrip("/") else variant_url(ctx, wanted)
    text = found.entry.text or ""
    edit = replace_line(found, text.replace(written, new, 1)) if written in text else None
    return Fix(f"Use the {wanted} build, the one for this machine, then install again:",
               apply_commands(ctx, project, found.file, replace=True),
               (edit,) if edit else ())


def _extra_index(ctx: Ctx, project: Project) -> list[Problem]:
    """project-extra-index-url: pip takes the highest version across PyPI and every extra index,
    so a torch requirement that is not pinned exactly takes PyPI's torch (another build here)
    whenever PyPI has a newer release than the extra index carries."""
    k = ctx.knowledge
    if ctx.os is None or ctx.arch is None:
        return []
    newest = max((k.stable_version, *(r.version for r in k.known_newer)), key=version_key)
    default = k.pypi_default(k.stable, ctx.os, ctx.arch)
    out = []
    for index in project.all("index", names=("extra-index-url",), files=_PIP_INDEX_KINDS):
        variant = index_variant(index.entry.value)
        if variant is None or variant == default:
            continue
        for found in project.all("requirement", names=("torch",), files=(index.file.kind,)):
            if found.file.path != index.file.path or not applies(ctx, found.entry.marker) or \
                    found.entry.value.startswith("@") or exact_pin(found.entry.value):
                continue  # a URL or an exact pin: the index's +local version sorts higher
            release = _release_with(ctx, variant, None)
            if release is None:
                continue
            new = _with_spec(found.entry.text or "", "torch", f"=={release.version}+{variant}")
            edit = replace_line(found, new) if new else None
            out.append(problem(
                "project-extra-index-url", ID,
                f"{short(project, found.file.path)} gives the {variant} index as "
                f"--extra-index-url and asks for torch {found.entry.value or '(any version)'}: "
                f"pip takes the highest version across PyPI and every extra index, so once "
                f"PyPI has a torch newer than the {variant} index carries (PyPI knows {newest}, "
                f"the index's newest known is {release.version}), pip installs PyPI's "
                f"{default or 'default'} build instead.",
                Fix(f"Pin the {variant} build itself: only the extra index has torch "
                    f"{release.version}+{variant}, so pip must take it from there:",
                    apply_commands(ctx, project, found.file, replace=True),
                    (edit,) if edit else ())))
    return out


def _release_with(ctx: Ctx, variant: str, version: str | None) -> Release | None:
    """The pinned release if it has `variant` here, else the newest release that has it."""
    k = ctx.knowledge
    if version is not None:
        release = k.release(version)
        return release if release and variant in release.variants.get(ctx.os or "", {}) else None
    return next((r for r in k.releases if variant in r.variants.get(ctx.os or "", {})), None)


def _with_spec(text: str, name: str, spec: str) -> str | None:
    """A PEP 508 line with its version specifier replaced (`torch>=2.4 ; marker` ->
    `torch==2.5.1+cu124 ; marker`), indentation and list syntax kept."""
    pattern = re.compile(rf"(?i)(?<![\w-])({re.escape(name)}(?:\[[^\]]*\])?)"
                         r"([ \t]*(?:[<>=!~][^;#\"',\]]*)?)")
    match = pattern.search(text)
    if match is None:
        return None
    tail = text[match.end():]
    gap = " " if tail.startswith(";") else ""
    return f"{text[:match.start()]}{match.group(1)}{spec}{gap}{tail}"


__all__ = ["ID", "PIP_KINDS", "TITLE", "check", "index_applies"]
