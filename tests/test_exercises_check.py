"""The exercise machinery, for every exercise of every lesson: the shown solution passes its own check,
odd answers give feedback instead of a traceback, hints grow more specific, and the notebooks' exercise
cells follow one pattern (no solution-check cells, nothing echoed)."""
import ast
import math
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch

from helpers.exercises import lesson00, lesson01, lesson02, lesson03, lesson04, lesson05
from helpers.exercises.check import Exercise, Wrong, solution_source
from helpers.lessons.overfitting import Comparison, add_lora, complexity_curve, make_curve_data
from helpers.lessons.regression import add_bias_column, learning_rate_run
from helpers.metrics import entity_spans
from helpers.models import load_model
from helpers.profiles import load_settings
from helpers.readers import Sentence

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MINI_GOLD = [["B-PER", "I-PER", "O", "O", "B-LOC", "I-LOC", "O"], ["B-ORG", "I-ORG", "O", "B-PER", "O"]]
MINI_PRED = [["B-PER", "I-PER", "O", "O", "B-LOC", "O", "O"], ["O", "O", "O", "B-PER", "O"]]
MINI_WORDS = [["Anna", "Berg", "flew", "to", "New", "Kelvane", "."], ["Lutro", "Bank", "hired", "Tom", "."]]
KNOWN = {"Anna Berg", "Kelvane"}


def regression_example():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(30, 2, generator=g, dtype=torch.float64)
    y = X @ torch.tensor([2.0, -1.0], dtype=torch.float64) + 3.0 + 0.1 * torch.randn(30, generator=g, dtype=torch.float64)
    return X, y


@pytest.fixture(scope="module")
def exercises(tiny):
    """Every exercise with a context shaped like its notebook's."""
    X, y = regression_example()
    model = load_model(tiny[0], "ner", {"O": 0, "B-PER": 1, "I-PER": 2})
    lora_model = add_lora(load_model(tiny[0], "sentiment", {"negative": 0, "positive": 1}), r=8, alpha=16)
    complexity = complexity_curve(make_curve_data(n_train=15, n_valid=200, noise=0.25, seed=0), range(0, 15))
    batch = tiny[1](["Anna lives in Oslo ."], return_tensors="pt")
    batch["labels"] = torch.zeros_like(batch["input_ids"])
    train = [Sentence(["Anna", "met", "Bo"], ["B-PER", "O", "B-PER"])]
    test = [Sentence(["Anna", "and", "Cy"], ["B-PER", "O", "B-PER"])]
    g = torch.Generator().manual_seed(0)
    small = (torch.randn(16, 4, generator=g), torch.randn(3, 4, generator=g), torch.randn(3, generator=g),
             torch.rand(16, 3, generator=g))
    return {
        "00 q1": (lesson00.q1, (load_settings,)),
        "00 q2": (lesson00.q2, (model,)),
        "00 q3": (lesson00.q3, (model,)),
        "00 q4": (lesson00.q4, (model, batch)),
        "00 q5": (lesson00.q5, (model,)),
        "01 q1": (lesson01.q1, (train, test)),
        "01 q2": (lesson01.q2, ()),
        "01 q3": (lesson01.q3, ()),
        "01 q4": (lesson01.q4, ([20, 30, 10], 128)),
        "02 q1": (lesson02.q1, ()),
        "02 q2": (lesson02.q2, (MINI_GOLD, MINI_PRED)),
        "03 q1": (lesson03.q1, ([1.2, -0.8], 1)),
        "02 q3": (lesson02.q3, (KNOWN, MINI_WORDS, MINI_GOLD)),
        "02 q4": (lesson02.q4, (KNOWN, MINI_WORDS, MINI_GOLD, MINI_PRED)),
        "02 q5": (lesson02.q5, ()),
        "02 q6": (lesson02.q6, ({0: "O", 1: "B-LOC", 2: "I-LOC", 3: "B-ORG", 4: "I-ORG", 5: "B-PER", 6: "I-PER"},)),
        "02 q7": (lesson02.q7, (model, tiny[1], "Anna Berg flew to New Kelvane.")),
        "03 q2": (lesson03.q2, (["negative", "positive"],)),
        "03 q3": (lesson03.q3, (0.9,)),
        "03 q4": (lesson03.q4, (12, 3)),
        "03 q5": (lesson03.q5, (np.array([0.52, 0.97, 0.6, 0.99]),)),
        "04 q1": (lesson04.q1, (X[:, 0], y)),
        "04 q2": (lesson04.q2, small),
        "04 q3": (lesson04.q3, (X.float(), y.float())),
        "04 q4": (lesson04.q4, (y[:20], y[20:])),
        "04 q5": (lesson04.q5, (X,)),
        "04 q6": (lesson04.q6, (X.float(), y.float())),
        "05 q1": (lesson05.q1, (complexity,)),
        "05 q2": (lesson05.q2, (mse_history(0.30, 0.20), mse_history(0.30, 0.25))),
        "05 q3": (lesson05.q3, (mse_history(0.30, 0.20), mse_history(0.30, 0.15))),
        "05 q4": (lesson05.q4, (mse_history(0.5, 0.3, 0.35, 0.34, 0.33, 0.1), 3)),
        "05 q5": (lesson05.q5, (["I did enjoy this film"], ["I did not enjoy this film"])),
        "05 q6": (lesson05.q6, (lora_model,)),
        "05 q7": (lesson05.q7, (torch.tensor([[0.3, -0.4], [1.2, 0.0]]), 0.5)),
        "05 q8": (lesson05.q8, (lesson05_comparisons(),)),
    }


def mse_history(*valid):
    import pandas as pd

    return pd.DataFrame({"epoch": [10 * (i + 1) for i in range(len(valid))], "train_mse": 0.01, "valid_mse": list(valid)})


def lesson05_comparisons():
    rows = []
    for name, effects in (("clear", [3.0, 3.2, 2.9]), ("noisy", [6.0, -2.0, 5.0])):
        c = Comparison(name, knob="k", setup="text")
        for seed, e in enumerate(effects):
            c.add(seed, 0.8, 0.8 + e / 100, {"k": 0}, {"k": 1})
        rows.append(c)
    return rows


KEYS = ["00 q1", "00 q2", "00 q3", "00 q4", "00 q5", "01 q1", "01 q2", "01 q3", "01 q4", "02 q1", "02 q2", "02 q3",
        "02 q4", "02 q5", "02 q6", "02 q7", "03 q1", "03 q2", "03 q3", "03 q4", "03 q5", "04 q1", "04 q2", "04 q3",
        "04 q4", "04 q5", "04 q6"] + [f"05 q{i}" for i in range(1, 9)]


def run_shown_solution(exercise: Exercise, context: tuple):
    """Execute the code solution() shows, with the notebook's variables, and return its `answer`."""
    namespace = {"math": math, "torch": torch, "np": np, "add_bias_column": add_bias_column,
                 "IGNORE": -100, "entity_spans": entity_spans, "learning_rate_run": learning_rate_run,
                 **exercise.solution_inputs(*context)}
    exec(exercise.solution_code(), namespace)  # noqa: S102 - our own reference code
    return namespace["answer"]


@pytest.mark.parametrize("key", KEYS)
def test_the_shown_solution_passes_its_own_check(exercises, key):
    exercise, context = exercises[key]
    answer = run_shown_solution(exercise, context)
    verdict = exercise.verdict(answer, *context)
    assert verdict.correct, verdict.message


ODD = [None, "0.5", b"0.5", True, np.bool_(False), float("nan"), float("inf"), [], {}, object(),
       torch.tensor([1.0, 2.0, 3.0], requires_grad=True), np.zeros((7, 7)), lambda *a: 1 / 0, print, 10 ** 30,
       -1, [[1, 2], [3]], Ellipsis]


@pytest.mark.parametrize("key", KEYS)
def test_odd_answers_get_feedback_never_a_traceback(exercises, key):
    exercise, context = exercises[key]
    predict = exercise.kind == "predict"   # a prediction *is* True or False
    for odd in ODD:
        if predict and isinstance(odd, (bool, np.bool_)):
            continue
        verdict = exercise.verdict(odd, *context)
        assert verdict.status in ("wrong", "untouched"), (odd, verdict)
        assert verdict.message[0] in "❌⏳" and verdict.slips != ("unreadable",), (odd, verdict.message)
    if not predict:
        expected = ("not_a_function",) if exercise.function else ("bool",)
        assert exercise.verdict(np.bool_(True), *context).slips == exercise.verdict(True, *context).slips == expected


@pytest.mark.parametrize("key", KEYS)
def test_untouched_answer_is_told_kindly_and_check_returns_none(exercises, key, capsys):
    exercise, context = exercises[key]
    assert exercise.check(..., *context) is None, "check() must return None, or the cell echoes it"
    shown = capsys.readouterr().out
    assert shown.startswith("⏳") and "not attempted yet" in shown and exercise.form in shown


def test_a_wrong_answer_points_to_the_hint(exercises, capsys):
    exercise, context = exercises["03 q3"]
    exercise.check(0.9, *context)
    assert "❌" in (out := capsys.readouterr().out) and "`q3.hint()`" in out


def test_hints_grow_more_specific_then_point_to_the_solution(capsys):
    exercise = Exercise("q9", "Demo", form="a number", judge=lambda a: None, solution=lambda: 1,
                        hints=["gentle", "specific"])
    exercise.hint()
    first = capsys.readouterr().out
    exercise.hint()
    second = capsys.readouterr().out
    exercise.hint()
    third = capsys.readouterr().out
    assert "Hint 1 of 2: gentle" in first and "again" in first
    assert "Hint 2 of 2: specific" in second and "`q9.solution()`" in second
    assert "No more hints" in third and "`q9.solution()`" in third


@pytest.mark.parametrize("key", KEYS)
def test_every_exercise_has_graded_hints_and_a_solution_it_shows(exercises, key, capsys):
    exercise, context = exercises[key]
    assert len(exercise.hints) >= 2 and len(set(exercise.hints)) == len(exercise.hints)
    exercise.check(..., *context)
    exercise.solution()
    shown = capsys.readouterr().out
    assert exercise.solution_code() in shown and "answer" in shown
    if not exercise.function:
        assert "On this notebook's data it gives" in shown


def test_solution_source_turns_the_return_into_the_answer():
    def reference(x_ex):
        """A docstring is not shown."""
        doubled = 2 * x_ex   # a comment stays
        return doubled + 1

    assert solution_source(reference) == "doubled = 2 * x_ex   # a comment stays\nanswer = doubled + 1"

    def helper(tags: list[str]) -> int:
        """Not shown either."""
        return len(tags)

    assert solution_source(helper, as_function=True, name="count") == (
        "def count(tags):\n    return len(tags)\n\n\nanswer = count")


def test_a_judge_that_crashes_still_gives_feedback():
    def broken(answer):
        raise KeyError("degree")

    verdict = Exercise("q1", "Demo", form="a number", judge=broken, solution=lambda: 1, hints=["a", "b"]).verdict(3)
    assert verdict.status == "wrong" and verdict.slips == ("unreadable",) and "KeyError" in verdict.message


def test_wrong_carries_its_slips():
    assert Wrong("x").slips == ("other",) and Wrong("x", "a", "b").slips == ("a", "b")


def _exercise_cells(nb):
    """(prompt, answer cell) for each cell that calls qN.check(answer, ...)."""
    cells = nb.cells
    return [(cells[i - 1], c) for i, c in enumerate(cells) if c.cell_type == "code" and ".check(answer" in c.source]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_exercises_follow_the_pattern(path):
    nb = nbformat.read(path, as_version=4)
    found = _exercise_cells(nb)
    assert found, "every lesson has exercises"
    for prompt, cell in found:
        tree = ast.parse(cell.source)
        assigned = [n for n in tree.body if isinstance(n, ast.Assign) and any(
            getattr(t, "id", None) == "answer" for t in n.targets)]
        assert assigned and isinstance(assigned[0].value, ast.Constant) and assigned[0].value.value is Ellipsis, \
            "the learner's cell starts untouched: answer = ..."
        last = tree.body[-1]
        assert isinstance(last, ast.Expr) and ast.unparse(last.value.func).endswith(".check"), \
            "the cell ends in qN.check(answer, ...), which returns None: nothing is echoed"
        name = ast.unparse(last.value.func).removesuffix(".check")
        assert f"# {name}.hint()" in cell.source and f"# {name}.solution()" in cell.source
        assert prompt.cell_type == "markdown" and "**Answer:**" in prompt.source, "the prompt says the answer's form"
    text = "\n".join(c.source for c in nb.cells)
    assert "Solution check" not in text and "<details><summary>Solution" not in text
