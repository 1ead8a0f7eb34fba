"""A learner reads ideas, not plumbing: asserts live in `# Self-check` cells of their own (CONTRIBUTING.md, 8)."""
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
# Lesson 05's text is edited on its own branch; its inline asserts (three cells) move there.
PENDING: set[str] = set()
LESSONS = [p for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) if p.name not in PENDING]


def teaching_cells_with_asserts(nb) -> list[int]:
    """Code cells that assert but are not self-check cells."""
    return [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            and any(line.lstrip().startswith("assert ") for line in cell.source.splitlines())
            and not cell.source.startswith("# Self-check")]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_no_teaching_cell_asserts(path):
    assert teaching_cells_with_asserts(nbformat.read(path, as_version=4)) == [], \
        "move the asserts into a cell of their own whose first line is '# Self-check: …'"


def test_the_rule_catches_an_assert_inside_a_teaching_cell():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1\nassert x == 1"),
        nbformat.v4.new_code_cell("# Self-check: x is one.\nassert x == 1"),
        nbformat.v4.new_markdown_cell("assert nothing"),
        nbformat.v4.new_code_cell("print('assert is a word here')")])
    assert teaching_cells_with_asserts(nb) == [0]
