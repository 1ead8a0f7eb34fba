"""Lesson 00's parameter count: right for any model, and each common slip gets its own message."""
import numpy as np
import pytest
import torch
from transformers import BertConfig, BertForTokenClassification

from helpers.exercises.lesson00 import parameter_count, q1
from helpers.models import load_model

LABELS = {"O": 0, "B-PER": 1, "I-PER": 2}


def minilm_shaped():
    """A random BERT with MiniLM's shape (hidden 384, 6 layers); a small vocabulary keeps it quick."""
    config = BertConfig(vocab_size=1000, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                        intermediate_size=1536, num_labels=len(LABELS))
    return BertForTokenClassification(config)


@pytest.fixture(params=["tiny", "minilm-shaped"])
def model(request, tiny):
    return load_model(tiny[0], "ner", LABELS) if request.param == "tiny" else minilm_shaped()


def slips_of(answer, model):
    verdict = q1.verdict(answer, model)
    assert not verdict.correct, verdict
    return verdict


def test_the_count_is_accepted_in_any_numeric_form(model):
    truth = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert parameter_count(model) == truth == model.num_parameters(only_trainable=True)
    for answer in (truth, float(truth), np.int64(truth), torch.tensor(truth)):
        assert q1.verdict(answer, model).correct, answer


def test_each_slip_is_named(model):
    params = list(model.parameters())
    cases = {
        "tensors": len(params),
        "len": sum(len(p) for p in params),
        "encoder_only": sum(p.numel() for p in model.bert.parameters()),
        "head_only": sum(p.numel() for p in model.classifier.parameters()),
        "no_embeddings": sum(p.numel() for n, p in model.named_parameters() if "embeddings" not in n),
    }
    messages = set()
    for slip, answer in cases.items():
        verdict = slips_of(answer, model)
        assert verdict.slips == (slip,), (slip, verdict.message)
        messages.add(verdict.message)
    assert len(messages) == len(cases), "each slip has its own message"


def test_frozen_parameters_are_not_trainable(model):
    for p in model.bert.embeddings.parameters():
        p.requires_grad = False
    everything = sum(p.numel() for p in model.parameters())
    assert "frozen" in slips_of(everything, model).message
    assert q1.verdict(parameter_count(model), model).correct


def test_buffers_of_the_state_dict_are_not_parameters():
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))  # running stats are buffers
    assert slips_of(sum(v.numel() for v in model.state_dict().values()), model).slips == ("state_dict",)


def test_rounded_estimates_and_near_misses(model):
    truth = parameter_count(model)
    assert slips_of(round(truth / 1e6, 2), model).slips == ("rounded",)
    assert slips_of(round(truth / 1e3, 1), model).slips == ("rounded",)
    assert slips_of(truth + 0.5, model).slips == ("not_whole",)
    near = slips_of(truth - 7, model)
    assert near.slips == ("off",) and "too low" in near.message and "within 1 %" in near.message
    assert "too high" in slips_of(2 * truth + 1, model).message


def test_wrong_types_say_what_was_expected(model):
    truth = parameter_count(model)
    assert slips_of(str(truth), model).slips == ("text",)
    assert slips_of(None, model).slips == ("none",)
    assert slips_of(model.parameters, model).slips == ("function",)
    assert slips_of(torch.ones(3), model).slips == ("shape",)
