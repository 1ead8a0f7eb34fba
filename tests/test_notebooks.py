"""Every lesson is committed clean and carries its own checks (nbval then runs them)."""
import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

spec = importlib.util.spec_from_file_location("nbtool", ROOT / "tools" / "nbtool.py")
nbtool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(nbtool)


def test_lessons_are_there():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_environment_setup.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_stripped_outside_checked_cells(path):
    assert nbtool.problems(nbformat.read(path, as_version=4)) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lesson_shape(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0].source
    assert first.startswith(f"# {path.name[:2]} · "), "title: '# NN · Title'"
    assert "colab.research.google.com" in first and path.name in first, "Colab badge to this notebook"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "assert " in code, "self-check asserts"
    assert "## Summary" in "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_nbtool_catches_stored_outputs():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1", execution_count=1, outputs=[
        nbformat.v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=1)])])
    assert nbtool.problems(nb) == ["cell 0 keeps outputs but is not marked # NBVAL_CHECK_OUTPUT",
                                   "cell 0 keeps an execution count"]
    nbtool.strip(nb)
    assert nbtool.problems(nb) == []
