"""Issue 19's items that had no test of their own: lesson 00 times its step on the GPU, lesson 02's Trainer
trains in fit's precision, and the benchmark stops its clocks after the GPU is done and times inference on
the training device. No GPU here: CUDA's calls are faked and recorded."""
import argparse
import time
from types import SimpleNamespace

import nbformat
import pytest
import torch

import helpers.data
import helpers.env
import helpers.lessons.ner
import helpers.lessons.sentiment
import helpers.models
import helpers.precision
import helpers.train
from helpers.env import REPO_ROOT
from helpers.lessons.environment import timed
from helpers.precision import Precision, trainer_precision_args
from tools import bench


def code_cells(lesson: str) -> list[str]:
    cells = nbformat.read(REPO_ROOT / "notebooks" / lesson, as_version=4).cells
    return [c.source for c in cells if c.cell_type == "code"]


@pytest.fixture
def fake_cuda(monkeypatch):
    """A CUDA device as far as the code can ask; every synchronize() is recorded in the list returned."""
    events = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda *args: events.append("sync"))
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda *args: 0)
    return events


def test_lesson00_times_each_step_between_two_gpu_syncs(fake_cuda, monkeypatch):
    real = time.perf_counter
    monkeypatch.setattr(time, "perf_counter", lambda: fake_cuda.append("clock") or real())
    timed(lambda: fake_cuda.append("step"), torch.device("cuda"), repeats=2)
    assert fake_cuda == ["sync", "clock", "step", "sync", "clock"] * 2, "a clock stopped before the GPU is done"
    fake_cuda.clear()
    timed(lambda: fake_cuda.append("step"), torch.device("cpu"), repeats=1)
    assert "sync" not in fake_cuda


def test_lesson00_moves_the_model_and_the_batch_to_the_device_before_timing():
    cells = code_cells("00_environment_setup.ipynb")
    timing = next(k for k, c in enumerate(cells) if "timed(" in c and "training_step" in c)
    before = "\n".join(cells[:timing])
    assert "model.to(device)" in before, "lesson 00 would time the model on the CPU of a GPU runtime"
    assert "tensor.to(device) for name, tensor in batch.items()" in before, "and feed it a CPU batch"


@pytest.mark.parametrize("precision, expected", [
    (Precision("fp16", "cuda", "a T4"), {"fp16": True, "bf16": False}),
    (Precision("bf16", "cuda", "an A100"), {"fp16": False, "bf16": True}),
    (Precision("bf16", "cpu", "AMX"), {"fp16": False, "bf16": True, "use_cpu": True}),
    (Precision("fp32", "cpu", "no bf16"), {"fp16": False, "bf16": False, "use_cpu": True}),
])
def test_the_trainer_gets_the_precision_fit_trains_in(precision, expected):
    assert trainer_precision_args(precision) == expected


def test_lesson02_gives_fit_and_the_trainer_the_same_precision():
    code = "\n".join(code_cells("02_ner_fine_tuning.ipynb"))
    assert "precision=precision)" in code and "**trainer_precision_args(precision)" in code
    assert code.count("precision = choose_precision(") == 1, "one precision object for both"


def test_bench_stops_its_clock_only_after_the_gpu_is_done(fake_cuda, monkeypatch):
    model = torch.nn.Linear(1, 1)
    valid = SimpleNamespace(score=lambda outputs: {"f1": 0.5})
    choice = SimpleNamespace(source="pip", requested="m")
    monkeypatch.setattr(bench, "_setup", lambda args: (choice, None, {}, [1, 2], valid, valid, model))
    monkeypatch.setattr(bench, "_fit", lambda *args: fake_cuda.append("train"))
    monkeypatch.setattr(helpers.train, "evaluate", lambda *args, **kwargs: (0.0, []))
    monkeypatch.setattr(helpers.data, "make_loader", lambda *args, **kwargs: None)
    monkeypatch.setattr(helpers.precision, "choose_precision", lambda *args: Precision("bf16", "cuda", "test"))
    real = time.perf_counter
    monkeypatch.setattr(time, "perf_counter", lambda: fake_cuda.append("clock") or real())
    row = bench.run_method("fit", argparse.Namespace(seed=1, epochs=1, out="unused"))
    assert fake_cuda[:5] == ["sync", "clock", "train", "sync", "clock"] and row["seconds"] >= 0


def test_bench_times_inference_on_the_training_device(fake_cuda, monkeypatch):
    meta, placed, ran_on = torch.device("meta"), [], []

    class Model(torch.nn.Module):
        def to(self, device):
            placed.append(torch.device(device))
            return self

    monkeypatch.setattr(helpers.env, "get_device", lambda: meta)
    monkeypatch.setattr(helpers.models, "resolve_model", lambda name: None)
    monkeypatch.setattr(helpers.models, "load_tokenizer", lambda choice: None)
    monkeypatch.setattr(helpers.models, "load_model", lambda *args: Model())
    record = lambda *args, **kwargs: ran_on.append("call")  # noqa: E731
    for module, name in [(helpers.lessons.ner, "tag_sentence"), (helpers.lessons.ner, "tag_sentences"),
                         (helpers.lessons.sentiment, "predict_sentiment")]:
        monkeypatch.setattr(module, name, record)
    rows = bench.inference_latency(repeats=1)
    assert placed == [meta, meta], "both models on the device training used, not left on the CPU"
    assert len(rows) == 4 and ran_on and fake_cuda.count("sync") == 2 * 4
