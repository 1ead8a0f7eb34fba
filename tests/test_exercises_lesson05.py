"""Lesson 05's exercises: the degree, LoRA's count (for any encoder) and the FGM step, each slip named."""
import numpy as np
import pandas as pd
import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification, DistilBertConfig, DistilBertForSequenceClassification

from helpers.exercises.lesson05 import best_degree, fgm_step, lora_count, q1, q2, q3
from helpers.lessons.overfitting import add_lora, complexity_curve, fgm_perturbation, make_curve_data
from helpers.models import load_model

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
    assert q2.verdict(added, lora_model).correct and q2.verdict(float(added), lora_model).correct


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
        verdict = q2.verdict(answer, lora_model)
        assert slip in verdict.slips, (slip, verdict.message)
        # every other slip that gives this very number is named too, and no slip that does not
        assert set(verdict.slips) == {s for s, v in cases.items() if v == answer}, (slip, verdict.message)


def test_forgetting_the_layers_is_not_told_only_one_matrix_was_counted(lora_models):
    minilm = lora_models["minilm-shaped"]
    d, r, layers = facts(minilm)
    assert q2.verdict(2 * r * d * 2, minilm).slips == ("no_layers",)
    message = q2.verdict(2 * r * d * layers, minilm).message   # query only, or only A (or B): the same number
    assert "either" in message and "query matrix only" in message and "one of A" in message
    tiny_model = lora_models["tiny"]   # 2 layers: no layers, query only and one of A/B all coincide
    d, r, layers = facts(tiny_model)
    assert set(q2.verdict(4 * r * d, tiny_model).slips) == {"no_layers", "query_only", "one_of_ab"}


def test_lora_counts_in_thousands_and_odd_numbers(lora_model):
    truth = lora_count(*facts(lora_model))
    assert q2.verdict(round(truth / 1000, 1), lora_model).slips == ("rounded",)
    assert q2.verdict(truth + 0.5, lora_model).slips == ("not_whole",)
    assert q2.verdict(truth + 1, lora_model).slips == ("off",)


G, EPS = torch.tensor([[0.3, -0.4], [1.2, 0.0]]), 0.5


def test_fgm_step_is_the_helpers_perturbation():
    assert torch.allclose(fgm_step(G, EPS), fgm_perturbation(G, EPS))
    right = fgm_step(G, EPS)
    for answer in (right, right.numpy(), right.tolist(), right.double(), right + 5e-5):
        assert q3.verdict(answer, G, EPS).correct


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
        verdict = q3.verdict(answer, G, EPS)
        assert verdict.slips == slips, (slips, verdict.message)
        messages.add(verdict.message)
    assert len(messages) == len(cases)
