"""Any device: every helper that runs a model sends the inputs to the model's device, whatever
get_device() says. Proved on a CPU machine with the meta device (tensors with no data) as the other one."""
import numpy as np
import pytest
import torch

import helpers
import helpers.env
import helpers.lessons.overfitting as overfitting
import helpers.lessons.sentiment as sentiment
import helpers.train
from helpers.data import NERDataset, TextClassificationDataset, build_label_maps, make_loader
from helpers.env import REPO_ROOT, seed_everything
from helpers.lessons.ner import tag_sentence, tag_sentences
from helpers.lessons.overfitting import (CurveMLP, RegressionOutput, curve_loader, ensemble_predict, make_curve_data,
                                         mlp_errors, mlp_predict)
from helpers.lessons.regression import add_bias_column, train_linear
from helpers.models import load_model
from helpers.readers import Example, read_conll
from helpers.train import evaluate, fit

META = torch.device("meta")


@pytest.fixture
def gpu_elsewhere(monkeypatch):
    """get_device() names a device the models are not on (as a GPU does for a model reloaded on the CPU)."""
    for module in (helpers, helpers.env, helpers.train, overfitting):
        monkeypatch.setattr(module, "get_device", lambda: META)


class Probe(torch.nn.Module):
    """A model whose weights live on the meta device; it records where its inputs arrive and answers
    zeros on the CPU, so a helper can finish and show what it sent."""

    def __init__(self):
        super().__init__()
        self.anchor = torch.nn.Parameter(torch.empty(1, device=META))
        self.seen: list[torch.device] = []

    def forward(self, inputs, labels=None):
        self.seen.append(inputs.device)
        return RegressionOutput(None, torch.zeros(inputs.reshape(-1).shape[0]))


def test_evaluate_predict_and_tag_use_the_models_device(tiny, gpu_elsewhere):
    choice, tok = tiny
    sentences = read_conll(REPO_ROOT / "data/ner/valid.txt", verbose=False)[:6]
    label2id, _ = build_label_maps([s.tags for s in sentences])
    seed_everything(0)
    tagger = load_model(choice, "ner", label2id)  # on the CPU, as from_pretrained leaves it
    ds = NERDataset(sentences, tok, label2id, max_length=48)
    loss, outputs = evaluate(tagger, make_loader(ds, tok, 4))
    assert loss > 0 and [len(o) for o in outputs] == ds.lengths()
    texts = [" ".join(s.tokens) for s in sentences[:2]]
    assert tag_sentences(texts, tagger, tok) == [tag_sentence(t, tagger, tok) for t in texts]

    labels = {"negative": 0, "positive": 1}
    classifier = load_model(choice, "sentiment", labels)
    reviews = [Example("Lovely staff.", "positive"), Example("Cold food, rude waiter.", "negative")]
    _, probs = evaluate(classifier, make_loader(TextClassificationDataset(reviews, tok, labels), tok, 2))
    table = sentiment.predict_sentiment([e.text for e in reviews], classifier, tok)
    assert np.allclose(np.stack(probs)[:, 1], table.p_positive, atol=1e-5)


def test_the_curve_mlp_runs_where_it_is(gpu_elsewhere):
    data = make_curve_data(seed=0)
    model, _ = overfitting.train_mlp(data, epochs=5, hidden=8)
    assert set(mlp_errors(model, data)) == {"train_mse", "valid_mse"}
    assert ensemble_predict([model, model], data.x_valid).shape == data.x_valid.shape
    stopped = CurveMLP(hidden=8)
    history = fit(stopped, curve_loader(data.x_train, data.y_train), curve_loader(data.x_valid, data.y_valid),
                  epochs=3, lr=0.01, warmup=0, device="cpu", progress=False,  # an explicit device wins
                  precision="fp32")  # mlp_errors below computes in fp32: compare like with like
    assert mlp_errors(stopped, data)["valid_mse"] == pytest.approx(history.valid_loss.min(), rel=1e-5)


def test_inputs_go_to_the_models_device():
    data = make_curve_data(seed=0)
    probe = Probe()
    mlp_predict(probe, data.x_valid)
    evaluate(probe, curve_loader(data.x_valid, data.y_valid))
    assert probe.seen == [META, META]


def test_linear_regression_is_built_where_its_data_is():
    X = torch.zeros(8, 2, device=META)
    assert add_bias_column(X).device == META
    model, losses = train_linear(X, torch.zeros(8, device=META), epochs=0)
    assert model.weight.device == META and losses == []


def test_latency_leaves_the_callers_model_alone(tiny, monkeypatch):
    choice, tok = tiny
    model = load_model(choice, "sentiment", {"negative": 0, "positive": 1}).train()
    sentiment.latency_ms(model, tok, ["Fine."], repeats=1, progress=False)
    assert model.training, "latency_ms must not switch the caller's model to eval mode"

    ran_on = []
    model.register_forward_pre_hook(lambda module, args: ran_on.append(module is model))
    monkeypatch.setattr(sentiment, "model_device", lambda m: META)  # as if the model lived on a GPU
    assert sentiment.latency_ms(model, tok, ["Fine."], repeats=1, progress=False) > 0
    assert ran_on and not any(ran_on), "a model off the CPU is timed as a CPU copy, not moved"
    assert all(p.device.type == "cpu" for p in model.parameters()) and model.training


# --- Lesson 03's demo cells follow the model's device (issue: re-running one after fit must not fail) ----

class DeviceProbe(torch.nn.Module):
    """Weights on the meta device as far as model_device can tell (the first parameter), a real CPU weight
    for the loss; it records where each input arrives."""

    def __init__(self):
        super().__init__()
        self.anchor = torch.nn.Parameter(torch.empty(1, device=META))
        self.weight = torch.nn.Parameter(torch.ones(3))
        self.seen: list[torch.device] = []

    def forward(self, **batch):
        self.seen += [v.device for v in batch.values()]
        return RegressionOutput((self.weight ** 2).sum(), torch.zeros(1))


def test_lesson03_batches_and_the_gradient_demo_go_to_the_models_device():
    batch = {"input_ids": torch.ones(2, 4, dtype=torch.long), "labels": torch.zeros(2, dtype=torch.long)}
    probe = DeviceProbe()
    moved = sentiment.on_model_device(batch, probe)
    assert {v.device for v in moved.values()} == {META}
    made = []

    def make():
        made.append(DeviceProbe())
        return made[-1]

    growth = sentiment.gradient_growth(make, batch, steps=3)   # batch on the CPU, model "elsewhere"
    assert growth == pytest.approx(3.0), "three backward passes without zero_grad: three times the gradient"
    assert made[0].seen and set(made[0].seen) == {META}


def test_lesson03_cells_send_batches_where_the_model_is():
    import nbformat

    cells = [c.source for c in nbformat.read(REPO_ROOT / "notebooks/03_sentiment_analysis.ipynb", as_version=4).cells
             if c.cell_type == "code"]
    text = "\n".join(cells)
    assert "next(iter(" in text and all("on_model_device(next(iter(" in line for line in text.splitlines()
                                        if "next(iter(" in line), "every demo batch follows the model"
    assert 'load_model(choice, "sentiment", label2id).to(get_device())' in text, "the demos run where fit trains"
    assert "reloaded.to(model_device(model))" in text, "the reload check and float32 accuracy run beside the model"
    assert "quantize_int8(reloaded)" in text   # int8 alone goes to the CPU, inside quantize_int8


def test_non_blocking_copies_only_to_a_gpu_from_pinned_memory(monkeypatch):
    """A non-blocking copy to MPS from a CPU batch that is then freed can arrive corrupted
    (pytorch/pytorch#189690); to CUDA it is safe, and useful, only from pinned memory."""
    calls = []
    monkeypatch.setattr(torch.Tensor, "to", lambda self, device, non_blocking=False: calls.append(non_blocking) or self)
    batch = {"input_ids": torch.zeros(2, 3, dtype=torch.long)}
    for device, pinned in [("mps", False), ("mps", True), ("cuda", False), ("cpu", True), ("cuda", True)]:
        monkeypatch.setattr(torch.Tensor, "is_pinned", lambda self, pinned=pinned: pinned)
        helpers.train._to(batch, torch.device(device))
    assert calls == [False, False, False, False, True]


@pytest.mark.parametrize("backend, expected", [("nccl", torch.device("cuda", 0)), ("gloo", torch.device("cpu"))])
def test_the_reduced_value_lives_where_the_backend_needs_it(monkeypatch, backend, expected):
    """NCCL all-reduces only GPU tensors: a CPU tensor fails at the end of the first epoch under torchrun."""
    made, real_tensor = [], torch.tensor

    def tensor_on_meta(data, dtype=None, device=None):  # no GPU here: record the device, build on meta
        made.append(torch.device(device or "cpu"))
        return real_tensor(data, dtype=dtype, device="meta")

    class Reached(Exception):
        pass

    def all_reduce(t, *args, **kwargs):
        raise Reached(t)

    monkeypatch.setattr(helpers.train, "_distributed", lambda: True)
    monkeypatch.setattr(torch.distributed, "get_backend", lambda *args: backend, raising=False)
    monkeypatch.setattr(torch.distributed, "all_reduce", all_reduce, raising=False)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch, "tensor", tensor_on_meta)
    with pytest.raises(Reached):
        helpers.train._mean_over_processes(0.5)
    assert made == [expected]


def test_loaders_pin_memory_when_there_is_a_cuda_gpu(tiny, monkeypatch):
    choice, tok = tiny
    sentences = read_conll(REPO_ROOT / "data/ner/valid.txt", verbose=False)[:4]
    label2id, _ = build_label_maps([s.tags for s in sentences])
    ds = NERDataset(sentences, tok, label2id, max_length=48)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert not make_loader(ds, tok, 2).pin_memory
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert make_loader(ds, tok, 2).pin_memory and make_loader(ds, tok, 2, group_by_length=True).pin_memory


def test_a_half_precision_checkpoint_is_trained_in_fp32(tiny, tmp_path):
    """transformers' dtype="auto" keeps an fp16 file in fp16, and AdamW would then update fp16 weights."""
    from helpers.models import resolve_model

    choice, tok = tiny
    labels = {"O": 0, "B-PER": 1, "I-PER": 2}
    half = load_model(choice, "ner", labels).half()
    half.save_pretrained(tmp_path / "half")
    tok.save_pretrained(tmp_path / "half")
    assert {p.dtype for p in half.parameters()} == {torch.float16}
    model = load_model(resolve_model(str(tmp_path / "half")), "ner", labels)
    assert {p.dtype for p in model.parameters()} == {torch.float32}
