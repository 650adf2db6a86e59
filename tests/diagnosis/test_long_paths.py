"""Windows' path limit against the torch wheel's deepest folder: the plan says the step first."""

from __future__ import annotations

from diag_facts import make_facts, python_env
from test_rules import WINDOWS

from torchdoctor.knowledge import load
from torchdoctor.recommend import recommend
from torchdoctor.recommend.long_paths import ENABLE, FOLDER_LIMIT, deepest_path, too_long

LONG = ("C:\\Users\\ada\\AppData\\Local\\Packages\\"
        "PythonSoftwareFoundation.Python.3.12_qbz5n2kfra8p0\\LocalCache\\local-packages\\Python312\\site-packages")
SHORT = "C:\\venv\\Lib\\site-packages"


def test_the_deepest_folder_is_measured_from_site_packages() -> None:
    path = deepest_path(SHORT, "2.13.0", "cu130")
    assert path.startswith(SHORT + "\\torch-2.13.0+cu130.dist-info\\licenses\\third_party\\")
    assert too_long("windows", SHORT, False, "2.13.0", "cu130") is None
    length = too_long("windows", LONG, False, "2.13.0", "cu130")
    assert length is not None
    assert length >= FOLDER_LIMIT
    assert too_long("windows", LONG, None, "2.13.0", "cu130") == length  # not known: counts
    assert too_long("windows", LONG, True, "2.13.0", "cu130") is None
    assert too_long("windows", LONG, False, "2.12.1", "cu130") is None  # no nested licenses
    assert too_long("linux", LONG, False, "2.13.0", "cu130") is None


def test_the_plan_says_to_enable_long_paths_first() -> None:
    facts = make_facts(os=WINDOWS, python=python_env(
        machine="AMD64", platform_tag="win-amd64", long_paths_enabled=False, purelib=LONG))
    plan = recommend(facts, load())
    assert plan.prerequisite is not None
    assert plan.prerequisite.startswith("First: enable Windows long paths")
    assert ENABLE in plan.prerequisite
    short = make_facts(os=WINDOWS, python=python_env(
        machine="AMD64", platform_tag="win-amd64", long_paths_enabled=False, purelib=SHORT))
    assert "long paths" not in (recommend(short, load()).prerequisite or "")
