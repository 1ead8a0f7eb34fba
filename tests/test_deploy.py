import numpy as np
import pytest
import torch

from helpers.lessons.sentiment import (compare_models, latency_ms, load_classifier, quantize_int8, save_classifier,
                            state_dict_megabytes)
from helpers.env import seed_everything
from helpers.models import load_model
from helpers.lessons.sentiment import predict_sentiment

LABELS = {"negative": 0, "positive": 1}
TEXTS = ["The soup was not bad at all.", "Great price, terrible sound.", "It is a phone."]


@pytest.fixture(scope="module")
def model(tiny):
    seed_everything(0)
    return load_model(tiny[0], "sentiment", LABELS).eval()


def test_save_and_reload_give_the_same_predictions(tiny, model, tmp_path):
    tok = tiny[1]
    folder = save_classifier(model, tok, tmp_path / "clf")
    again, again_tok = load_classifier(folder)
    assert again.config.id2label == {0: "negative", 1: "positive"}
    before = predict_sentiment(TEXTS, model, tok)
    after = predict_sentiment(TEXTS, again, again_tok)
    assert np.allclose(before.p_positive, after.p_positive, atol=1e-6)


def test_quantize_int8_swaps_linear_layers_and_keeps_outputs_close(tiny, model):
    tok = tiny[1]
    quantized = quantize_int8(model)
    assert not any(isinstance(m, torch.nn.Linear) for m in quantized.modules())
    assert sum(m._get_name() == "DynamicQuantizedLinear" for m in quantized.modules()) >= 12
    assert any(isinstance(m, torch.nn.Linear) for m in model.modules()), "the original must stay float"
    close = predict_sentiment(TEXTS, model, tok).p_positive - predict_sentiment(TEXTS, quantized, tok).p_positive
    assert np.abs(close).max() < 0.05
    assert state_dict_megabytes(quantized) < state_dict_megabytes(model)


def test_state_dict_megabytes_counts_float32_weights():
    layer = torch.nn.Linear(1000, 1000)  # 1,001,000 float32 numbers: just over 4 MB
    assert 4.0 < state_dict_megabytes(layer) < 4.1


def test_latency_is_positive_and_grows_with_the_work(tiny, model):
    tok = tiny[1]
    short = latency_ms(model, tok, ["Fine."], repeats=5, progress=False)
    long = latency_ms(model, tok, ["word " * 120], repeats=5, progress=False)
    assert 0 < short < long


def test_compare_models_has_one_row_per_model(tiny, model):
    calls = []
    table = compare_models({"a": model, "b": quantize_int8(model)}, tiny[1], TEXTS,
                           score=lambda m: calls.append(m) or 0.5, repeats=1)
    assert list(table.index) == ["a", "b"] and len(calls) == 2
    assert list(table.columns) == ["size (MB)", "latency (ms / sentence)", "accuracy"]
    assert table.loc["b", "size (MB)"] < table.loc["a", "size (MB)"]
