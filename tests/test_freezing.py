import pytest

import torch

from helpers.lessons.overfitting import add_lora, count_parameters, encoder_layers, freeze_layers, lora_targets
from helpers.models import load_model

LABELS = {"negative": 0, "positive": 1}


def test_count_parameters(tiny):
    model = load_model(tiny[0], "sentiment", LABELS)
    counts = count_parameters(model)
    assert counts["trainable"] == counts["total"] == sum(p.numel() for p in model.parameters())


def test_freeze_layers_freezes_embeddings_and_lower_layers_only(tiny):
    model = freeze_layers(load_model(tiny[0], "sentiment", LABELS), 1)
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
    assert frozen and all(n.startswith(("bert.embeddings", "bert.encoder.layer.0.")) for n in frozen)
    assert not any(n.startswith("bert.encoder.layer.1.") or n.startswith("classifier") for n in frozen)
    assert count_parameters(model)["trainable"] < count_parameters(model)["total"]
    with pytest.raises(ValueError, match="n_layers must be between 0 and 2"):
        freeze_layers(model, 99)


def test_lora_trains_under_five_percent_and_keeps_the_head(tiny):
    full = count_parameters(load_model(tiny[0], "sentiment", LABELS))["total"]
    lora = add_lora(load_model(tiny[0], "sentiment", LABELS))
    trainable = [n for n, p in lora.named_parameters() if p.requires_grad]
    assert any("lora_A" in n and "query" in n for n in trainable)
    assert any("lora_B" in n and "value" in n for n in trainable)
    assert any("classifier" in n for n in trainable)
    assert not any("key" in n for n in trainable)
    assert 0 < count_parameters(lora)["trainable"] < 0.05 * full


def test_lora_names_a_missing_target(tiny):
    with pytest.raises(ValueError, match="no module named"):
        add_lora(load_model(tiny[0], "sentiment", LABELS), targets=("q_proj",))


def test_lora_targets_and_layers_follow_the_architecture(tiny):
    model = load_model(tiny[0], "sentiment", LABELS)
    assert lora_targets(model) == ("query", "value") and len(encoder_layers(model)) == 2
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    distil = DistilBertForSequenceClassification(DistilBertConfig(vocab_size=50, dim=32, hidden_dim=64, n_layers=2,
                                                                  n_heads=2, num_labels=2))
    assert lora_targets(distil) == ("q_lin", "v_lin") and len(encoder_layers(distil)) == 2
    freeze_layers(distil, 1)
    assert not any(p.requires_grad for p in distil.distilbert.transformer.layer[0].parameters())
    assert all(p.requires_grad for p in distil.distilbert.transformer.layer[1].parameters())
    with pytest.raises(ValueError, match="no query/value projections"):
        lora_targets(torch.nn.Sequential(torch.nn.Linear(2, 2)))
