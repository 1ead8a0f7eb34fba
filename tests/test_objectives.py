"""Each lesson's "You will learn to" list is its contract: every objective has an exercise that exercises it,
every lesson has a predict-then-run exercise, the kit has debugging drills, and CONTRIBUTING.md's table says so."""
from pathlib import Path

import pytest

from tools.objectives_table import CONTRIBUTING, exercises, notebooks, objectives, rendered

LESSONS = notebooks()


@pytest.mark.parametrize("notebook", LESSONS, ids=lambda p: p.stem)
def test_every_objective_has_an_exercise(notebook: Path):
    goals = objectives(notebook)
    assert len(goals) >= 2, f"{notebook.name}: no 'You will learn to' list found in its first cell"
    found = exercises(notebook.name[:2])
    covered = {i for e in found for i in e.objectives}
    missing = [f"{i}. {goal}" for i, goal in enumerate(goals, start=1) if i not in covered]
    assert not missing, f"{notebook.name}: objectives without an exercise:\n" + "\n".join(missing)
    dangling = {e.name: e.objectives for e in found if not set(e.objectives) <= set(range(1, len(goals) + 1))}
    assert not dangling, f"{notebook.name}: exercises naming objectives the lesson does not have: {dangling}"
    assert all(e.objectives for e in found), f"{notebook.name}: every exercise names the objectives it exercises"


@pytest.mark.parametrize("notebook", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_has_a_predict_then_run_exercise(notebook: Path):
    kinds = [e.kind for e in exercises(notebook.name[:2])]
    assert "predict" in kinds, f"{notebook.name}: no exercise with kind='predict' ({kinds})"


def test_the_kit_has_debugging_drills():
    drills = [f"{p.name[:2]} {e.name}" for p in LESSONS for e in exercises(p.name[:2]) if e.kind == "drill"]
    assert len(drills) >= 2, f"at least two debugging drills (kind='drill') in the kit; found {drills}"


def test_objectives_are_read_from_the_list_only(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "# 99 · Demo\n\nIntro.\n\n**You will learn to**\n1. read a file;\n2. write a loop\n   on two lines;\n\n"
        "| part | time |\n|---|---|\n- not an objective\n")])
    path = tmp_path / "99_demo.ipynb"
    nbformat.write(nb, path)
    assert objectives(path) == ["read a file;", "write a loop on two lines;"]


def test_the_table_in_contributing_is_current():
    text = CONTRIBUTING.read_text(encoding="utf-8")
    assert rendered(text) == text, "CONTRIBUTING.md's objectives table is stale: run python tools/objectives_table.py"
