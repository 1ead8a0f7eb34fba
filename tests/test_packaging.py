"""The three ways to install the kit must agree on what it needs."""
import re
import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[ ;]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def pyproject_runtime() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {_name(s): s.replace(" ", "") for s in data["project"]["dependencies"]}


def environment_runtime() -> dict[str, str]:
    """The pip list of environment.yml (read as text: no YAML parser needed for this flat list)."""
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, l in enumerate(lines) if l.strip() == "- pip:")
    specs = [l.strip()[2:] for l in lines[start + 1:] if l.strip().startswith("- ")]
    return {_name(s): s.replace(" ", "") for s in specs if not s.startswith("-e")}


def test_environment_yml_and_pyproject_list_the_same_runtime_packages():
    assert environment_runtime() == pyproject_runtime()


def test_constraints_pin_every_runtime_package_and_the_cpu_torch():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split(";")[0].strip().split("==")
            pins[name.lower().replace("_", "-")] = version  # a name pinned per Python keeps its last pin
    missing = set(pyproject_runtime()) - set(pins)
    assert not missing, f"constraints.txt does not pin {sorted(missing)}"
    assert pins["torch"] == "2.13.0"


def test_colab_keeps_what_it_ships():
    """Every package Colab ships meets the kit's lower bound, so the setup cell replaces none of them
    (an ipywidgets 8 upgrade, for one, stops Colab from drawing the lessons' widgets)."""
    from packaging.requirements import Requirement

    from tools.colab_cell import COLAB_VERSIONS

    below = [spec for name, spec in pyproject_runtime().items()
             if name in COLAB_VERSIONS and COLAB_VERSIONS[name] not in Requirement(spec).specifier]
    assert not below, f"the kit's bounds would make pip replace Colab's {below}"


def test_pythons_the_kit_claims_are_the_ones_it_tests():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    classifiers = {c.rsplit(" :: ", 1)[1] for c in data["project"].get("classifiers", []) if "Python :: 3." in c}
    makefile = (ROOT / "Makefile").read_text()
    tested = set(re.search(r"^PYTHONS\s*\?=\s*(.+)$", makefile, flags=re.M)[1].split())
    assert data["project"]["requires-python"] == f">={min(tested, key=lambda v: tuple(map(int, v.split('.'))))}"
    assert classifiers == tested
