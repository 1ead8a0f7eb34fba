"""Lesson 05's LoRA placements: which modules each adapts, on BERT and DistilBERT, and DistilBERT's new head."""
import pytest
from transformers import DistilBertConfig, DistilBertForSequenceClassification

from helpers.lessons.overfitting import add_lora, count_parameters, lora_targets
from helpers.models import load_model

LABELS = {"negative": 0, "positive": 1}


def adapted(model) -> set[str]:
    """The short names of the modules that got LoRA matrices."""
    return {n.split(".lora_A")[0].rsplit(".", 1)[-1] for n, _ in model.named_parameters() if ".lora_A" in n}


def distilbert():
    return DistilBertForSequenceClassification(DistilBertConfig(vocab_size=50, dim=32, hidden_dim=64, n_layers=2,
                                                                n_heads=2, num_labels=2))


def test_all_linear_adapts_every_linear_layer_of_bert(tiny):
    qv = add_lora(load_model(tiny[0], "sentiment", LABELS), targets="query_value")
    every = add_lora(load_model(tiny[0], "sentiment", LABELS), targets="all_linear")
    assert adapted(qv) == {"query", "value"}
    assert adapted(every) == {"query", "key", "value", "dense"}
    layer_dense = {n.split(".lora_A")[0] for n, _ in every.named_parameters() if ".lora_A" in n and "dense" in n}
    assert any("intermediate.dense" in n for n in layer_dense) and any("attention.output.dense" in n for n in layer_dense)
    assert count_parameters(qv)["trainable"] < count_parameters(every)["trainable"]
    assert not any("classifier" in n and "lora_" in n for n, _ in every.named_parameters())


def test_distilbert_placements_and_its_two_layer_head_trains():
    assert lora_targets(distilbert(), "all_linear") == ("q_lin", "k_lin", "v_lin", "out_lin", "lin1", "lin2")
    for placement in ("query_value", "all_linear"):
        model = add_lora(distilbert(), targets=placement)
        trainable = [n for n, p in model.named_parameters() if p.requires_grad]
        # pre_classifier is new and random, like the classifier: frozen, it would block what the head sees
        assert any("pre_classifier" in n and "lora_" not in n for n in trainable), placement
        assert any(n.endswith("classifier.modules_to_save.default.weight") for n in trainable)
    assert adapted(add_lora(distilbert(), targets="all_linear")) == {"q_lin", "k_lin", "v_lin", "out_lin", "lin1", "lin2"}


def test_an_unknown_placement_is_named():
    with pytest.raises(ValueError, match="placement must be one of"):
        lora_targets(distilbert(), "everything")
