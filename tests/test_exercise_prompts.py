"""Every exercise cell a learner meets comes after its prompt: a heading, the question, the answer's form."""
import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_exercise_cell_follows_its_prompt(path):
    cells = nbformat.read(path, as_version=4).cells
    for i, cell in enumerate(cells):
        found = re.search(r"\bq(\d+)\.check\(", cell.source) if cell.cell_type == "code" else None
        if not found:
            continue
        prompt = next((c.source for c in reversed(cells[:i]) if c.cell_type == "markdown"), "")
        heading = re.search(r"^### Exercise( (\d+))?\b", prompt, re.M)
        assert heading and heading[2] in (None, found[1]) and "**Answer:**" in prompt, (
            f"{path.name}, cell {i}: q{found[1]}.check has no '### Exercise {found[1]}' prompt with an **Answer:** line above it")
