"""The project probe and its readers: what each file kind yields, where it stands (line and text,
for the edits), the bounds (size, count, includes), "could not read" instead of an error, and that
nothing of the project ever runs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from detect_helpers import MachineFactory

from torchdoctor.facts import ProjectEntry, ProjectFacts, PythonFacts
from torchdoctor.host import READ_CAP, Host, ProcResult, RealHost
from torchdoctor.probes import project
from torchdoctor.probes.project_text import (
    parse_environment_yml,
    parse_pixi_lock,
    parse_poetry_lock,
    parse_requirements,
    parse_uv_lock,
)
from torchdoctor.probes.project_toml import parse_pixi_toml, parse_pyproject

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"


def read(folder: str | Path, host: Host | None = None) -> ProjectFacts:
    path = folder if isinstance(folder, Path) else PROJECTS / folder
    return project.probe(host or RealHost(), 1.0, None, str(path))


def entries(facts: ProjectFacts, kind: str) -> list[ProjectEntry]:
    files = [f for f in facts.files or () if f.kind == kind]
    assert len(files) == 1, [f.kind for f in facts.files or ()]
    assert files[0].read, files[0].reason
    return list(files[0].entries)


def compact(found: list[ProjectEntry]) -> list[tuple[Any, ...]]:
    return [(e.kind, e.name, e.value, e.line) for e in found]


# -- the fixture projects -------------------------------------------------------------------------

def test_requirements_pins_and_index_options() -> None:
    found = entries(read("index-mismatch"), "requirements")
    assert compact(found) == [
        ("index", "index-url", "https://download.pytorch.org/whl/cu130", 1),
        ("requirement", "torch", "==2.13.0", 2),
        ("requirement", "torchvision", "==0.28.0", 3),
    ]
    assert found[0].text == "--index-url https://download.pytorch.org/whl/cu130"


def test_pyproject_pep621_uv_index_and_sources() -> None:
    found = entries(read("uv-cpu-index"), "pyproject")
    assert ("requirement", "torch", ">=2.7.0", 8) in compact(found)
    index = next(e for e in found if e.kind == "index")
    assert (index.name, index.value, index.line, index.detail) == (
        "pytorch-cpu", "https://download.pytorch.org/whl/cpu", 23, "explicit")
    assert index.text == 'url = "https://download.pytorch.org/whl/cpu"'
    sources = [(e.name, e.value, e.line) for e in found if e.kind == "source"]
    assert sources == [("torch", "pytorch-cpu", 15), ("torchvision", "pytorch-cpu", 18)]
    assert ("setting", "tool", "uv") in [(e.kind, e.name, e.value) for e in found]


def test_pyproject_torch_backend_and_dependency_groups() -> None:
    found = entries(read("uv-torch-backend"), "pyproject")
    backend = next(e for e in found if e.name == "torch-backend")
    assert (backend.value, backend.section, backend.line) == ("auto", "tool.uv.pip", 11)


def test_pyproject_poetry_dependencies_and_sources() -> None:
    found = entries(read("poetry-lock-wrong-cuda"), "pyproject")
    torch = next(e for e in found if e.name == "torch")
    assert (torch.value, torch.source, torch.section, torch.line) == (
        "2.13.0", "pytorch-cu126", "tool.poetry.dependencies", 9)
    source = next(e for e in found if e.kind == "index")
    assert (source.name, source.value, source.detail) == (
        "pytorch-cu126", "https://download.pytorch.org/whl/cu126", "explicit")


def test_pixi_manifest_channels_requirements_and_cuda() -> None:
    found = entries(read("pixi-pytorch-channel"), "pixi-toml")
    assert [e.name for e in found if e.kind == "channel"] == ["pytorch", "nvidia", "conda-forge"]
    torch = next(e for e in found if e.kind == "requirement" and e.name == "pytorch")
    assert (torch.value, torch.source, torch.line) == ("2.4.*", "pytorch", 11)
    cuda = next(e for e in found if e.kind == "setting" and e.name == "cuda")
    assert (cuda.value, cuda.section) == ("12.1", "system-requirements")


def test_environment_yml_channels_conda_and_pip_lists() -> None:
    found = entries(read("environment-pytorch-channel"), "environment-yml")
    assert compact(found) == [
        ("channel", "pytorch", "pytorch", 3),
        ("channel", "nvidia", "nvidia", 4),
        ("channel", "conda-forge", "conda-forge", 5),
        ("requirement", "pytorch", "=2.7.1", 8),
        ("requirement", "torchvision", "", 9),
        ("requirement", "pytorch-cuda", "=12.6", 10),
    ]
    assert found[5].text == "  - pytorch-cuda=12.6"


def test_lock_files_say_what_was_resolved() -> None:
    uv = entries(read("uv-lock-cpu"), "uv-lock")
    assert [(e.value, e.source, e.marker) for e in uv] == [
        ("2.13.0", "https://pypi.org/simple",
         "(sys_platform != 'linux' and sys_platform != 'win32')"),
        ("2.13.0+cpu", "https://download.pytorch.org/whl/cpu",
         "(sys_platform == 'linux' or sys_platform == 'win32')"),
    ]
    poetry = entries(read("poetry-lock-wrong-cuda"), "poetry-lock")
    assert [(e.name, e.value, e.source) for e in poetry] == [
        ("torch", "2.13.0+cu130", "https://download.pytorch.org/whl/cu130")]
    pixi = entries(read("pixi-lock-cpu"), "pixi-lock")
    assert [(e.name, e.value, e.detail, e.section) for e in pixi] == [
        ("pytorch", "2.9.1", "cpu_mkl_py312_h4e43f88_100", "environments.default.linux-64"),
        ("libtorch", "2.9.1", "cpu_mkl_h8d2a6a2_100", "environments.default.linux-64"),
        ("pytorch", "2.9.1", "cpu_generic_py312_h5a1e0b0_0", "environments.default.osx-arm64"),
    ]


# -- the readers on forms the fixtures do not show ------------------------------------------------

def test_requirements_forms() -> None:
    text = (
        "# comment\n"
        "-i https://download.pytorch.org/whl/cu126\n"
        "--extra-index-url=https://download.pytorch.org/whl/cu124\n"
        "-f https://download.pytorch.org/whl/torch_stable.html\n"
        "torch==2.5.1 ; sys_platform == 'linux'  # pinned\n"
        "torchaudio \\\n"
        "    ==2.5.1 --hash=sha256:0000\n"
        "https://download.pytorch.org/whl/cu118/torchvision-0.20.1%2Bcu118-cp312-cp312-"
        "linux_x86_64.whl\n"
        "-r base.txt\n"
        "--constraint constraints.txt\n"
        "numpy<2\n"
        "not a requirement ((\n"
    )
    found, includes = parse_requirements(text)
    assert compact(found) == [
        ("index", "index-url", "https://download.pytorch.org/whl/cu126", 2),
        ("index", "extra-index-url", "https://download.pytorch.org/whl/cu124", 3),
        ("index", "find-links", "https://download.pytorch.org/whl/torch_stable.html", 4),
        ("requirement", "torch", "==2.5.1", 5),
        ("requirement", "torchaudio", "==2.5.1", 6),
        ("requirement", "torchvision", "@ https://download.pytorch.org/whl/cu118/torchvision-"
         "0.20.1%2Bcu118-cp312-cp312-linux_x86_64.whl", 8),
    ]
    assert found[3].marker == 'sys_platform == "linux"'
    assert includes == [("requirement", "base.txt"), ("constraint", "constraints.txt")]


def test_environment_yml_forms() -> None:
    text = (
        "name: x  # a comment\n"
        "channels: [conda-forge, 'pytorch']\n"
        "dependencies:\n"
        "- python=3.12\n"
        "- \"pytorch::pytorch>=2.1\"\n"
        "- cpuonly\n"
        "- pip:\n"
        "  - --extra-index-url https://download.pytorch.org/whl/cu121\n"
        "  - torch==2.1.2\n"
        "- cuda-version 12.4\n"
    )
    found = parse_environment_yml(text)
    assert compact(found) == [
        ("channel", "conda-forge", "conda-forge", 2),
        ("channel", "pytorch", "pytorch", 2),
        ("requirement", "pytorch", ">=2.1", 5),
        ("requirement", "cpuonly", "", 6),
        ("index", "extra-index-url", "https://download.pytorch.org/whl/cu121", 8),
        ("requirement", "torch", "==2.1.2", 9),
        ("requirement", "cuda-version", "12.4", 10),
    ]
    assert found[2].source == "pytorch"
    assert found[5].section == "dependencies.pip"


def test_pyproject_sources_with_markers_and_extras() -> None:
    text = (
        "[project]\nname = 'p'\ndependencies = []\n"
        "[project.optional-dependencies]\ncu128 = ['torch>=2.7']\n"
        "[tool.uv.sources]\n"
        "torch = [\n"
        "  { index = 'pytorch-cpu', marker = \"sys_platform != 'linux'\" },\n"
        "  { index = 'pytorch-cu128', extra = 'cu128' },\n"
        "]\n"
        "[tool.pixi.system-requirements]\ncuda = '12'\n"
    )
    found = parse_pyproject(text)
    sources = [(e.value, e.marker) for e in found if e.kind == "source"]
    assert sources == [("pytorch-cpu", "sys_platform != 'linux'"),
                       ("pytorch-cu128", "extra == 'cu128'")]
    assert ("requirement", "torch", ">=2.7", 5) in compact(found)
    assert next(e for e in found if e.name == "cuda").section == \
        "tool.pixi.system-requirements"


def test_pixi_platform_cuda_and_pypi_options() -> None:
    text = (
        "[workspace]\nchannels = ['conda-forge']\n"
        "platforms = [{ platform = 'linux-64', cuda = '12.0' }, 'osx-arm64']\n"
        "[pypi-options]\nextra-index-urls = ['https://download.pytorch.org/whl/cu126']\n"
        "[feature.gpu.dependencies]\npytorch-gpu = { version = '>=2.8', build = '*cuda*' }\n"
    )
    found = parse_pixi_toml(text)
    settings = [(e.name, e.value, e.detail) for e in found if e.kind == "setting"]
    assert settings == [("cuda", "12.0", "linux-64"), ("platforms", "linux-64,osx-arm64", None)]
    gpu = next(e for e in found if e.name == "pytorch-gpu")
    assert (gpu.value, gpu.detail, gpu.section) == (">=2.8", "*cuda*", "feature.gpu.dependencies")
    assert ("index", "extra-index-url", "https://download.pytorch.org/whl/cu126", 5) in \
        compact(found)


def test_old_pixi_lock_without_environments() -> None:
    text = (
        "version: 4\npackages:\n- kind: conda\n  name: pytorch\n  version: 2.4.1\n"
        "  url: https://conda.anaconda.org/conda-forge/linux-64/pytorch-2.4.1-"
        "cuda120_py311h1d8e5d9_300.conda\n"
        "- kind: pypi\n  name: torch\n  url: https://download.pytorch.org/whl/cu121/"
        "torch-2.1.2%2Bcu121-cp311-cp311-linux_x86_64.whl\n"
    )
    found = parse_pixi_lock(text)
    assert [(e.name, e.value, e.detail, e.section) for e in found] == [
        ("pytorch", "2.4.1", "cuda120_py311h1d8e5d9_300", "packages.linux-64"),
        ("torch", "2.1.2+cu121", "wheel", "packages"),
    ]


def test_lock_readers_keep_only_torch_and_its_companions() -> None:
    text = ('[[package]]\nname = "numpy"\nversion = "2.3.4"\n'
            '[[package]]\nname = "torchaudio"\nversion = "2.13.0+cu126"\n'
            'source = { registry = "https://download.pytorch.org/whl/cu126" }\n')
    assert [(e.name, e.value, e.detail) for e in parse_uv_lock(text)] == [
        ("torchaudio", "2.13.0+cu126", "registry")]
    assert [e.name for e in parse_poetry_lock(text)] == ["torchaudio"]


# -- could not read -------------------------------------------------------------------------------

def test_malformed_files_are_could_not_read_with_the_reason() -> None:
    facts = read("malformed")
    reasons = {f.kind: (f.read, f.reason) for f in facts.files or ()}
    assert reasons["pyproject"][0] is False
    assert str(reasons["pyproject"][1]).startswith("TOML error: ")
    assert "line 5" in str(reasons["pyproject"][1])
    assert reasons["environment-yml"] == (False, "no `channels` or `dependencies` list: not a "
                                                 "conda environment file")
    assert reasons["requirements"] == (False, "not a text file")


def test_huge_files_are_not_read(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("torch==2.5.1\n" + "# padding\n" * 120_000)
    (tmp_path / "uv.lock").write_text("# x\n" * (READ_CAP // 4 + 10))
    facts = read(tmp_path)
    reasons = {f.kind: (f.read, f.reason) for f in facts.files or ()}
    assert reasons == {"requirements": (False, "larger than 1 MB: not read"),
                       "uv-lock": (False, "larger than 4 MB: not read")}


def test_includes_are_followed_once_and_bounded(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-r requirements.txt\n-r nested/base.txt\n"
                                               "-c https://example.invalid/c.txt\n")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "base.txt").write_text("-r ../requirements.txt\n-r more.txt\n"
                                                  "torch==2.5.1\n")
    (tmp_path / "nested" / "more.txt").write_text("-r missing.txt\ntorchvision==0.20.1\n")
    facts = read(tmp_path)
    files = {Path(f.path).relative_to(tmp_path).as_posix(): f for f in facts.files or ()}
    assert list(files) == ["requirements.txt", "nested/base.txt", "nested/more.txt",
                           "nested/missing.txt"]
    assert files["nested/missing.txt"].read is False
    assert files["nested/more.txt"].entries[0].name == "torchvision"


def test_at_most_max_files_are_read(tmp_path: Path) -> None:
    for i in range(project.MAX_FILES + 10):
        (tmp_path / f"requirements-{i:02d}.txt").write_text("torch\n")
    assert len(read(tmp_path).files or ()) == project.MAX_FILES


# -- where the project is -------------------------------------------------------------------------

def _python(cwd: str | None) -> PythonFacts:
    return PythonFacts(status="found", version="3.12.4", cwd=cwd)


def test_the_working_directory_or_the_project_root_above_it(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    below = project.probe(RealHost(), 1.0, _python(str(tmp_path / "src" / "pkg")))
    assert (below.status, below.directory, below.chosen_by) == ("found", str(tmp_path), "parent")
    here = project.probe(RealHost(), 1.0, _python(str(tmp_path)))
    assert (here.directory, here.chosen_by) == (str(tmp_path), "cwd")


def test_no_project_files_is_absent_and_unknown_only_when_nothing_is_known(
        tmp_path: Path) -> None:
    empty = project.probe(RealHost(), 1.0, _python(str(tmp_path)), str(tmp_path))
    assert (empty.status, empty.files) == ("absent", ())
    deleted = project.probe(RealHost(), 1.0, _python(None))
    assert deleted.status == "absent"
    assert "deleted" in (deleted.reason or "")
    unknown = project.probe(RealHost(), 1.0, PythonFacts(status="unknown", reason="timed out"))
    assert unknown.status == "unknown"
    assert "--project" in (unknown.reason or "")


def test_a_windows_project_is_read_with_its_own_separators(machine: MachineFactory) -> None:
    host = machine(files={"C:\\Users\\ada\\proj\\requirements.txt": "torch==2.13.0+cu126\n"})
    facts = project.probe(host, 1.0, _python("C:\\Users\\ada\\proj"))
    assert [f.path for f in facts.files or ()] == ["C:\\Users\\ada\\proj\\requirements.txt"]
    assert facts.files is not None
    assert facts.files[0].entries[0].value == "==2.13.0+cu126"


# -- nothing of the project runs ------------------------------------------------------------------

class ReadOnly:
    """A host that reads the real disk and refuses to run anything."""

    def __init__(self) -> None:
        self._real = RealHost()

    def run(self, argv: Sequence[str], timeout: float,
            env: Mapping[str, str] | None = None) -> ProcResult:
        raise AssertionError(f"the project probe ran {argv}")

    def run_python(self, python: str, script: str, args: Sequence[str],
                   timeout: float) -> ProcResult:
        raise AssertionError(f"the project probe ran {script}")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def test_nothing_from_the_project_is_executed(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "never-run"
    shutil.copytree(PROJECTS / "never-run", folder)
    facts = read(folder, ReadOnly())
    assert {f.kind for f in facts.files or ()} == {"pyproject", "requirements"}
    assert not (folder / "RAN").exists()
    from cli_support import invoke

    result = invoke("detect", "--json", "--project", str(folder))
    assert result.exit_code in (0, 3), result.stderr
    document = json.loads(result.stdout)
    assert document["facts"]["project"]["directory"] == str(folder)
    assert not (folder / "RAN").exists()
    assert sorted(p.name for p in folder.iterdir()) == ["backend.py", "pyproject.toml",
                                                        "requirements.txt", "setup.py"]


@pytest.mark.parametrize("folder", sorted(p.name for p in PROJECTS.iterdir() if p.is_dir()))
def test_every_fixture_project_reads_without_an_error_of_the_probe(folder: str) -> None:
    facts = read(folder)
    assert facts.status == "found"
    for file in facts.files or ():
        assert file.read or (folder == "malformed" and file.reason), (file.path, file.reason)


def test_the_bounds_are_documented() -> None:
    from torchdoctor.probes.conda import MAX_RECORDS

    docs = Path(__file__).resolve().parents[2] / "docs"
    for name in ("projects.md", "output.md"):
        text = (docs / name).read_text(encoding="utf-8")
        assert f"{project.MAX_FILES} files" in text
        assert f"{project.MANIFEST_CAP // 1_000_000} MB" in text
        assert f"{READ_CAP // 1_000_000} MB" in text
    assert f"at most {MAX_RECORDS}" in (docs / "output.md").read_text(encoding="utf-8")
