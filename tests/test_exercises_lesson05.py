"""Lesson 05's exercises: the degree, two predictions, early stopping's epoch, the label check, LoRA's count
(for any encoder), the FGM step and the clear effects, each slip named."""
import numpy as np
import pandas as pd
import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification, DistilBertConfig, DistilBertForSequenceClassification

from helpers.exercises.lesson05 import (best_degree, clear_text_remedies, fgm_step, kept_epoch, keeps_label,
                                       lora_count, q1, q2, q3, q4, q5, q6, q7, q8)
from helpers.lessons.overfitting import Comparison, add_lora, complexity_curve, fgm_perturbation, make_curve_data
from helpers.models import load_model
from helpers.lessons.overfitting import PROTECTED

LABELS = {"negative": 0, "positive": 1}


@pytest.fixture(scope="module")
def complexity():
    """The notebook's own complexity table (same data and degrees)."""
    return complexity_curve(make_curve_data(n_train=15, n_valid=200, noise=0.25, seed=0), range(0, 15))


def test_the_best_degree_in_any_numeric_form(complexity):
    truth = best_degree(complexity)
    assert truth == int(complexity.degree[complexity.valid_mse.idxmin()])
    for answer in (truth, float(truth), np.int64(truth), torch.tensor(truth)):
        assert q1.verdict(answer, complexity).correct


def test_an_mse_is_not_a_degree(complexity):
    best = complexity.valid_mse.min()
    verdict = q1.verdict(round(best, 3), complexity)
    assert verdict.slips == ("mse_of_best",) and "right row" in verdict.message
    assert "degree 0 has" not in verdict.message
    other = complexity.set_index("degree").valid_mse[1]
    assert q1.verdict(round(other, 3), complexity).slips == ("mse_value",)
    assert "validation MSE of degree 1" in q1.verdict(round(other, 3), complexity).message
    train = complexity.set_index("degree").train_mse[2]
    assert "training MSE of degree" in q1.verdict(train, complexity).message


def test_each_degree_slip_is_named():
    table = pd.DataFrame({"degree": [1, 2, 3, 4, 5, 6, 7, 8],
                          "train_mse": [0.50, 0.30, 0.20, 0.15, 0.12, 0.10, 0.05, 0.01],
                          "valid_mse": [0.55, 0.40, 0.30, 0.30, 0.20, 0.21, 2.0, 1.0]})
    cases = {
        ("by_train",): 8, ("worst",): 7, ("smallest_gap",): 1, ("near_best",): 6, ("off",): 3, ("index",): 4,
        ("not_in_table",): 9, ("not_whole",): 4.5, ("text",): "5",
        ("row",): table.loc[4], ("table",): table,
    }
    messages = set()
    for slips, answer in cases.items():
        verdict = q1.verdict(answer, table)
        assert verdict.slips == slips, (slips, verdict.message)
        messages.add(verdict.message)
    assert len(messages) == len(cases)
    assert q1.verdict(5, table).correct


def test_the_row_index_is_not_the_degree():
    table = pd.DataFrame({"degree": [2, 4, 6], "train_mse": [0.3, 0.2, 0.1], "valid_mse": [0.9, 0.3, 0.8]})
    assert q1.verdict(1, table).slips == ("index",)


def test_by_training_error_and_worst_validation_error_can_be_the_same_degree(complexity):
    verdict = q1.verdict(int(complexity.degree.max()), complexity)
    assert set(verdict.slips) == {"by_train", "worst"} and "either" in verdict.message


@pytest.fixture(scope="module")
def lora_models(tiny):
    """The tiny model, and random encoders shaped like MiniLM (384 wide, 6 layers) and a small DistilBERT."""
    bert = BertConfig(vocab_size=1000, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                      intermediate_size=1536, num_labels=2)
    distil = DistilBertConfig(vocab_size=1000, dim=64, n_layers=3, n_heads=2, hidden_dim=128, num_labels=2)
    return {"tiny": add_lora(load_model(tiny[0], "sentiment", LABELS), r=8, alpha=16),
            "minilm-shaped": add_lora(BertForSequenceClassification(bert), r=8, alpha=16),
            "distilbert-shaped": add_lora(DistilBertForSequenceClassification(distil), r=4, alpha=16)}


@pytest.fixture(params=["tiny", "minilm-shaped", "distilbert-shaped"])
def lora_model(request, lora_models):
    return lora_models[request.param]


def facts(model):
    return model.config.hidden_size, model.peft_config["default"].r, model.config.num_hidden_layers


def test_the_formula_is_what_peft_adds(lora_model):
    hidden, r, n_layers = facts(lora_model)
    added = sum(p.numel() for n, p in lora_model.named_parameters() if "lora_" in n)
    assert lora_count(hidden, r, n_layers) == added
    assert q6.verdict(added, lora_model).correct and q6.verdict(float(added), lora_model).correct


def test_each_lora_slip_is_named(lora_model):
    d, r, layers = facts(lora_model)
    trainable = sum(p.numel() for p in lora_model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in lora_model.parameters())
    cases = {
        "frozen": d * d * 2 * layers,
        "frozen_plus": d * d * 2 * layers + lora_count(d, r, layers),
        "no_layers": 2 * r * d * 2,
        "query_only": 2 * r * d * layers,
        "one_of_ab": r * d * 2 * layers,
        "one_matrix": 2 * r * d,
        "qkv": 2 * r * d * 3 * layers,
        "four": 2 * r * d * 4 * layers,
        "alpha": 2 * 16 * d * 2 * layers,
        "with_head": trainable,
        "total": total,
    }
    for slip, answer in cases.items():
        verdict = q6.verdict(answer, lora_model)
        assert slip in verdict.slips, (slip, verdict.message)
        # every other slip that gives this very number is named too, and no slip that does not
        assert set(verdict.slips) == {s for s, v in cases.items() if v == answer}, (slip, verdict.message)


def test_forgetting_the_layers_is_not_told_only_one_matrix_was_counted(lora_models):
    minilm = lora_models["minilm-shaped"]
    d, r, layers = facts(minilm)
    assert q6.verdict(2 * r * d * 2, minilm).slips == ("no_layers",)
    message = q6.verdict(2 * r * d * layers, minilm).message   # query only, or only A (or B): the same number
    assert "either" in message and "query matrix only" in message and "one of A" in message
    tiny_model = lora_models["tiny"]   # 2 layers: no layers, query only and one of A/B all coincide
    d, r, layers = facts(tiny_model)
    assert set(q6.verdict(4 * r * d, tiny_model).slips) == {"no_layers", "query_only", "one_of_ab"}


def test_lora_counts_in_thousands_and_odd_numbers(lora_model):
    truth = lora_count(*facts(lora_model))
    assert q6.verdict(round(truth / 1000, 1), lora_model).slips == ("rounded",)
    assert q6.verdict(truth + 0.5, lora_model).slips == ("not_whole",)
    assert q6.verdict(truth + 1, lora_model).slips == ("off",)


G, EPS = torch.tensor([[0.3, -0.4], [1.2, 0.0]]), 0.5


def test_fgm_step_is_the_helpers_perturbation():
    assert torch.allclose(fgm_step(G, EPS), fgm_perturbation(G, EPS))
    right = fgm_step(G, EPS)
    for answer in (right, right.numpy(), right.tolist(), right.double(), right + 5e-5):
        assert q7.verdict(answer, G, EPS).correct


def test_each_fgm_slip_is_named():
    norm = torch.linalg.vector_norm(G)
    right = EPS * G / norm
    cases = {
        ("fgsm",): EPS * G.sign(),
        ("minus",): -right,
        ("no_norm",): EPS * G,
        ("no_eps",): G / norm,
        ("squared",): EPS * G / norm ** 2,
        ("l1",): EPS * G / G.abs().sum(),
        ("max",): EPS * G / G.abs().max(),
        ("rows",): EPS * G / G.norm(dim=1, keepdim=True),
        ("columns",): EPS * G / G.norm(dim=0, keepdim=True),
        ("moved",): G + right,
        ("shape",): right.flatten(),
        ("length_only",): EPS,
        ("direction",): right.flip(0),
        ("length",): right * 3 + 1,
    }
    messages = set()
    for slips, answer in cases.items():
        verdict = q7.verdict(answer, G, EPS)
        assert verdict.slips == slips, (slips, verdict.message)
        messages.add(verdict.message)
    assert len(messages) == len(cases)


# --- Exercises 2 and 3: predict, then run -------------------------------------------------------------

def history(*valid):
    return pd.DataFrame({"epoch": [10 * (i + 1) for i in range(len(valid))], "train_mse": [0.01] * len(valid),
                         "valid_mse": list(valid)})


@pytest.mark.parametrize("exercise", [q2, q3])
def test_a_prediction_is_judged_against_what_the_run_did(exercise):
    base, better, worse = history(0.3, 0.20), history(0.3, 0.15), history(0.3, 0.25)
    for right in (True, "lower", "Yes"):
        assert exercise.verdict(right, base, better).correct
        verdict = exercise.verdict(right, base, worse)
        assert verdict.slips == ("predicted_wrong",) and "0.2000 without, 0.2500 with" in verdict.message
        assert "training MSE 0.0100 without, 0.0100 with" in verdict.message   # to tell underfitting from noise
    for right in (False, "higher", "not lower", np.bool_(False)):
        assert exercise.verdict(right, base, worse).correct
        assert exercise.verdict(right, base, better).slips == ("predicted_wrong",)
    assert "equal" not in exercise.verdict(False, base, history(0.3, 0.20)).message  # equal is "not lower"
    assert exercise.verdict(False, base, history(0.3, 0.20)).correct


def test_l2s_not_lower_feedback_points_at_the_training_mse_not_at_a_cause():
    """The smoke run (600 epochs, seed 0) ends λ = 1e-2 at training MSE 0.039, below the noise 0.0625: the fit
    is not too flat, so the feedback must not say it is; it says how to tell, and the notes name the measured λ."""
    message = q2.verdict(False, history(0.3, 0.106), history(0.3, 0.123)).message
    assert "too flat for a sine" not in message and "noise level" in message
    assert "λ = 1e-3" in q2.note and "seed 0 alone" in q2.note and "p = 0.1" in q3.note


@pytest.mark.parametrize("exercise", [q2, q3])
def test_a_number_or_a_word_is_not_a_prediction(exercise):
    base, better = history(0.3, 0.20), history(0.3, 0.15)
    assert exercise.verdict(0.15, base, better).slips == ("number",)
    assert exercise.verdict("maybe", base, better).slips == ("text",)
    assert exercise.verdict(None, base, better).slips == ("none",)
    assert exercise.verdict([True], base, better).slips == ("type",)


def test_the_predictions_solutions_read_the_runs():
    from helpers.exercises.lesson05 import dropout_lowered, l2_lowered

    assert l2_lowered(history(0.3, 0.2), history(0.3, 0.1)) and not dropout_lowered(history(0.2), history(0.3))


# --- Exercise 4: the epoch early stopping keeps ---------------------------------------------------------

def test_early_stopping_keeps_the_best_epoch_before_it_stops():
    #            10    20    30    40    50    60    70    80    90
    h = history(0.50, 0.30, 0.35, 0.34, 0.33, 0.32, 0.10, 0.40, 0.45)
    h["train_mse"] = [0.4, 0.3, 0.2, 0.1, 0.05, 0.04, 0.03, 0.02, 0.01]
    assert kept_epoch(h, 3) == 20             # stops at epoch 50, before the lower 0.10 at epoch 70
    assert kept_epoch(h, 5) == 70             # waits long enough to see it
    assert q4.verdict(20, h, 3).correct and q4.verdict(np.int64(20), h, 3).correct
    cases = {("stop",): 50, ("global",): 70, ("last", "train"): 90, ("index",): 1, ("not_an_epoch",): 25,
             ("off",): 40}
    for slips, answer in cases.items():
        verdict = q4.verdict(answer, h, 3)
        assert set(verdict.slips) == set(slips), (slips, verdict.message)


def test_early_stopping_on_a_real_history_matches_train_mlp():
    from helpers.lessons.overfitting import train_mlp

    data = make_curve_data(seed=0)
    _, full = train_mlp(data, epochs=300, lr=0.02, hidden=16)
    _, stopped = train_mlp(data, epochs=300, lr=0.02, hidden=16, patience=5)
    assert stopped.attrs["kept_epoch"] == kept_epoch(full, 5)
    assert q4.verdict(kept_epoch(full, 5), full, 5).correct


# --- Exercise 5: does the label survive? ------------------------------------------------------------------

def test_keeps_label_solution_passes_and_the_common_slips_are_named():
    from helpers.lessons.overfitting import augment_text
    import random

    review = "I did not enjoy this film at all"
    protected = [augment_text(review, random.Random(s), p_delete=0.3) for s in range(10)]
    naive = [" ".join(w for w in review.split() if random.Random(s).random() >= 0.3) for s in range(20)]
    assert q5.verdict(keeps_label, naive, protected).correct
    assert all(keeps_label(review, t) for t in protected)

    def not_only(o, a):
        return o.lower().split().count("not") <= a.lower().split().count("not")

    def as_sets(o, a):
        words = lambda t: {w.lower().strip(".,!?;:") for w in t.split()}  # noqa: E731
        return {w for w in words(o) if w in PROTECTED} <= words(a)

    def no_strip(o, a):
        from collections import Counter
        c = lambda t: Counter(w.lower() for w in t.split() if w.lower() in PROTECTED)  # noqa: E731
        return all(c(a)[w] >= n for w, n in c(o).items())

    def no_lower(o, a):
        from collections import Counter
        c = lambda t: Counter(w.strip(".,!?;:") for w in t.split() if w.strip(".,!?;:") in PROTECTED)  # noqa: E731
        return all(c(a)[w] >= n for w, n in c(o).items())

    cases = {"not_only": not_only, "count": as_sets, "punctuation": no_strip, "case": no_lower}
    for slip, fn in cases.items():
        verdict = q5.verdict(fn, naive, protected)
        assert slip in verdict.slips, (slip, verdict.message)
    assert q5.verdict(lambda o, a: not keeps_label(o, a), naive, protected).slips == ("inverted",)
    assert q5.verdict(lambda o, a: None, naive, protected).slips == ("none",)
    assert q5.verdict(lambda o, a: "yes", naive, protected).slips == ("not_bool",)
    assert q5.verdict(lambda o, a: True, naive, protected).slips  # "always True" is caught by the cases


# --- Exercise 8: which effects are clear? -----------------------------------------------------------------

def comparison(name, setup, effects):
    c = Comparison(name, knob="k", setup=setup)
    for seed, e in enumerate(effects):
        c.add(seed, 0.5, 0.5 + e / 100, {"k": 0}, {"k": 1})
    return c


def test_clear_effects_are_those_whose_interval_is_above_zero():
    rows = [comparison("clear", "text", [3.0, 3.2, 2.9]), comparison("noisy", "text", [6.0, -2.0, 5.0]),
            comparison("hurts", "text", [-3.0, -3.1, -2.9]), comparison("curve row", "curve", [50, 51, 49])]
    assert clear_text_remedies(rows) == ["clear"]
    assert q8.verdict(["clear"], rows).correct and q8.verdict("clear", rows).correct
    assert q8.verdict(["clear", "noisy"], rows).slips == ("mean_only",)
    assert q8.verdict([], rows).slips == ("missed",)
    assert q8.verdict(["clear", "curve row"], rows).slips == ("curve",)
    assert q8.verdict(["clear", "hurts"], rows).slips == ("off",)
    assert q8.verdict(["typo"], rows).slips == ("unknown",)
    assert q8.verdict(None, rows).slips == ("none",)
    none_clear = rows[1:]
    verdict = q8.verdict([], none_clear)
    assert verdict.correct and "none" in verdict.message


# --- Every objective has an exercise ----------------------------------------------------------------------

def test_every_objective_of_the_lesson_is_exercised_and_two_are_predictions():
    import nbformat
    from pathlib import Path

    from helpers.exercises import lesson05

    nb = nbformat.read(Path(__file__).resolve().parent.parent / "notebooks" / "05_overfitting_mitigation.ipynb", 4)
    intro = nb.cells[0].source
    bullets = [line for line in intro.split("**You will learn to**")[1].splitlines() if line.startswith("- ")]
    exercises = [getattr(lesson05, f"q{i}") for i in range(1, 9)]
    covered = {o for q in exercises for o in q.objectives}
    assert covered == set(range(1, len(bullets) + 1)), (covered, len(bullets))
    assert sum(q.kind == "predict" for q in exercises) >= 2
    for q in exercises:  # each exercise is used in the notebook, once
        assert sum(f"import {q.name}\n" in c.source for c in nb.cells if c.cell_type == "code") == 1, q.name
