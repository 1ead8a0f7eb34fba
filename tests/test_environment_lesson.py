"""Lesson 00's helpers: the config facts and the parameter breakdown read from any model, a timer that
waits for the device, and a scaler only where fp16 needs one."""
import warnings

import pytest
import torch
from transformers import (BertConfig, BertForSequenceClassification, BertForTokenClassification, DistilBertConfig,
                          DistilBertForTokenClassification)

from helpers.lessons.environment import make_scaler, model_facts, parameter_breakdown, timed
from helpers.precision import Precision


def bert(head=BertForTokenClassification):
    return head(BertConfig(vocab_size=500, hidden_size=32, num_hidden_layers=3, num_attention_heads=4,
                           intermediate_size=64, max_position_embeddings=128, num_labels=3))


def test_model_facts_read_the_config_of_bert_and_distilbert(tiny):
    facts = model_facts(bert(), tiny[1])
    assert facts["layers (Transformer blocks)"] == 3 and facts["hidden size (numbers per token)"] == 32
    assert facts["attention heads per layer"] == 4 and facts["numbers per head (hidden / heads)"] == 8
    assert facts["vocabulary (WordPiece entries)"] == 500 and facts["positions (longest input, in subwords)"] == 128
    assert facts["lowercases its input ('Paris' = 'paris')"] in ("yes", "no")
    distil = DistilBertForTokenClassification(DistilBertConfig(vocab_size=300, dim=48, n_layers=2, n_heads=6,
                                                               hidden_dim=96, num_labels=2))
    facts = model_facts(distil)
    assert facts["layers (Transformer blocks)"] == 2 and facts["numbers per head (hidden / heads)"] == 8
    assert facts["feed-forward size"] == 96


@pytest.mark.parametrize("head", [BertForTokenClassification, BertForSequenceClassification])
def test_parameter_breakdown_adds_up_and_finds_each_part(head):
    model = bert(head)
    table = parameter_breakdown(model)
    total = sum(p.numel() for p in model.parameters())
    assert table.loc["total", "parameters"] == total
    assert table["parameters"].drop("total").sum() == total
    assert table.loc["word embeddings (vocabulary × hidden)", "parameters"] == 500 * 32
    assert table.loc["task head (new, random)", "parameters"] == 32 * 3 + 3
    layers = [name for name in table.index if name.startswith("encoder layers: 3 × ")]
    assert layers and table.loc[layers[0], "parameters"] % 3 == 0
    assert ("pooler (dense + tanh on [CLS])" in table.index) == (head is BertForSequenceClassification)


def test_timed_returns_one_duration_per_call():
    calls = []
    seconds = timed(lambda: calls.append(sum(range(10_000))), torch.device("cpu"), repeats=4)
    assert len(seconds) == len(calls) == 4 and all(s >= 0 for s in seconds)


def test_a_scaler_only_for_fp16():
    assert make_scaler(Precision("fp32", "cpu", "test")) is None
    assert make_scaler(Precision("bf16", "cpu", "test")) is None
    with warnings.catch_warnings():   # without a GPU, torch makes the scaler and says it is disabled
        warnings.simplefilter("ignore")
        scaler = make_scaler(Precision("fp16", "cuda", "test"))
    assert scaler is not None and hasattr(scaler, "scale")
