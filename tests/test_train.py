import numpy as np
import pytest
import torch

from helpers.data import NERDataset, build_label_maps, make_loader, subsample
from helpers.env import REPO_ROOT, seed_everything
from helpers.models import load_model
from helpers.readers import read_conll
import helpers.train as helpers_train
from helpers.train import evaluate, fit


@pytest.fixture(scope="module")
def task(tiny):
    choice, tok = tiny
    sents = subsample(read_conll(REPO_ROOT / "data/ner/train.txt"), 48, seed=1)
    label2id, _ = build_label_maps([s.tags for s in sents])
    train = NERDataset(sents[:32], tok, label2id, max_length=48)
    valid = NERDataset(sents[32:], tok, label2id, max_length=48)
    return choice, tok, label2id, train, valid


def new_model(task, seed=0):
    choice, _, label2id, _, _ = task
    seed_everything(seed)
    return load_model(choice, "ner", label2id)


def loaders(task):
    _, tok, _, train, valid = task
    return make_loader(train, tok, 8, shuffle=True), make_loader(valid, tok, 8)


def test_fit_lowers_the_loss(task):
    model = new_model(task)
    history = fit(model, *loaders(task), epochs=4, lr=1e-3, metric_fn=task[4].score, progress=False)
    assert list(history.columns[:3]) == ["epoch", "train_loss", "valid_loss"]
    assert len(history) == 4 and "f1" in history
    assert history.train_loss.iloc[-1] < 0.7 * history.train_loss.iloc[0]
    assert history.valid_loss.min() < history.valid_loss.iloc[0]


def test_evaluate_returns_one_unpadded_output_per_example(task):
    model = new_model(task)
    _, valid_loader = loaders(task)
    loss, outputs = evaluate(model, valid_loader)
    assert loss > 0 and len(outputs) == len(task[4])
    assert [len(o) for o in outputs] == task[4].lengths()


def test_resume_after_interruption_gives_the_same_weights(task, tmp_path):
    unbroken = new_model(task)
    fit(unbroken, *loaders(task), epochs=3, lr=1e-3, progress=False, checkpoint_dir=tmp_path / "a")

    calls = {"n": 0}

    def crash_in_second_epoch(outputs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("simulated crash")
        return {}

    broken = new_model(task)
    with pytest.raises(RuntimeError, match="simulated crash"):
        fit(broken, *loaders(task), epochs=3, lr=1e-3, progress=False, metric_fn=crash_in_second_epoch,
            checkpoint_dir=tmp_path / "b")
    assert (tmp_path / "b" / "last.pt").exists()
    assert not list((tmp_path / "b").glob("*.tmp*")), "no half-written checkpoint may remain"

    resumed = new_model(task, seed=123)  # even a different start is overwritten by the checkpoint
    history = fit(resumed, *loaders(task), epochs=3, lr=1e-3, progress=False, checkpoint_dir=tmp_path / "b",
                  resume=True)
    assert list(history.epoch) == [1, 2, 3]
    for (name, a), (_, b) in zip(unbroken.state_dict().items(), resumed.state_dict().items()):
        assert torch.equal(a, b), name


def scripted(scores):
    """A metric_fn that reports the given scores, one per epoch, and counts its calls."""
    calls = []

    def metric_fn(outputs):
        calls.append(len(calls))
        return {"score": scores[len(calls) - 1]}

    metric_fn.calls = calls
    return metric_fn


def curve_task(hidden=8):
    from helpers.lessons.overfitting import CurveMLP, curve_loader, make_curve_data

    data = make_curve_data(seed=0)
    torch.manual_seed(0)
    return CurveMLP(hidden), curve_loader(data.x_train, data.y_train), curve_loader(data.x_valid, data.y_valid)


def test_early_stopping_stops_after_patience_bad_epochs():
    """patience=2: best at epoch 2, two bad epochs (3 and 4), stop; as transformers' EarlyStoppingCallback."""
    model, train, valid = curve_task()
    metric = scripted([0.5, 0.6, 0.55, 0.58, 0.9, 0.9])
    history = fit(model, train, valid, epochs=6, lr=0.01, warmup=0, metric_fn=metric, monitor="score",
                  patience=2, progress=False)
    assert list(history.epoch) == [1, 2, 3, 4]
    model, train, valid = curve_task()
    history = fit(model, train, valid, epochs=6, lr=0.01, warmup=0, monitor="score", patience=1,
                  metric_fn=scripted([0.5, 0.4, 0.9, 0.9, 0.9, 0.9]), progress=False)
    assert list(history.epoch) == [1, 2]


def test_early_stopping_keeps_the_best_epoch():
    model, train, valid = curve_task()
    snapshots = []

    def metric_fn(outputs):
        snapshots.append({k: v.clone() for k, v in model.state_dict().items()})
        return {"score": [0.5, 0.6, 0.55, 0.58][len(snapshots) - 1]}

    fit(model, train, valid, epochs=4, lr=0.01, warmup=0, metric_fn=metric_fn, monitor="score", patience=2,
        progress=False)
    for name, value in model.state_dict().items():
        assert torch.equal(value, snapshots[1][name]), name


def test_patience_below_one_is_refused():
    model, train, valid = curve_task()
    with pytest.raises(ValueError, match="patience=0"):
        fit(model, train, valid, epochs=2, patience=0, progress=False)


def test_a_resumed_run_that_stopped_early_trains_no_more(tmp_path):
    model, train, valid = curve_task()
    first = fit(model, train, valid, epochs=6, lr=0.01, warmup=0, metric_fn=scripted([0.5, 0.4, 0.9, 0.9, 0.9, 0.9]),
                monitor="score", patience=1, checkpoint_dir=tmp_path, progress=False)
    assert len(first) == 2
    kept = {k: v.clone() for k, v in model.state_dict().items()}
    again, _, _ = curve_task()
    metric = scripted([0.9] * 6)
    resumed = fit(again, train, valid, epochs=6, lr=0.01, warmup=0, metric_fn=metric, monitor="score", patience=1,
                  checkpoint_dir=tmp_path, resume=True, progress=False)
    assert metric.calls == [] and list(resumed.epoch) == [1, 2]
    for name, value in again.state_dict().items():
        assert torch.equal(value, kept[name]), name


def test_one_warmup_schedule_as_transformers_writes_it():
    from transformers import get_linear_schedule_with_warmup

    from helpers.train import warmup_schedule

    def lrs(make):
        optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        scheduler = make(optimizer)
        out = []
        for _ in range(20):
            out.append(scheduler.get_last_lr()[0])
            optimizer.step()
            scheduler.step()
        return out

    ours = lrs(lambda o: warmup_schedule(o, 20, warmup=0.1))
    assert ours == lrs(lambda o: get_linear_schedule_with_warmup(o, 2, 20))  # ceil(0.1 × 20) = 2 warmup steps
    assert ours[:3] == [0.0, 0.5, 1.0] and ours[-1] == pytest.approx(1 / 18)


def test_the_schedule_is_written_once():
    """train, FGM and the benchmark all use helpers.train.warmup_schedule; no hand-written copy remains."""
    for folder in ("helpers", "tools"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "LambdaLR" not in text and "lr_scheduler" not in text, path.relative_to(REPO_ROOT)


def test_the_epoch_log_shows_plain_numbers_and_a_readable_learning_rate():
    from helpers.train import describe_epoch

    line = describe_epoch({"epoch": 1, "train_loss": np.float64(0.51234), "f1": np.float64(0.0),
                           "lr": 5e-5, "seconds": 1.234})
    assert "np.float64" not in line and "lr 5.0e-05" in line and "train_loss 0.5123" in line and "1.2 s" in line


def test_fused_adamw_only_where_this_torch_has_it(monkeypatch):
    from helpers import train

    monkeypatch.setattr(train.torch, "__version__", "2.2.0+cpu")
    assert not train.fused_adamw(torch.device("cpu")) and train.fused_adamw(torch.device("cuda"))
    monkeypatch.setattr(train.torch, "__version__", "2.13.0")
    assert train.fused_adamw(torch.device("cpu")) and not train.fused_adamw(torch.device("mps"))


def test_the_history_table_shows_the_learning_rate_not_zero():
    import pandas as pd

    from helpers import history_table

    html = history_table(pd.DataFrame({"epoch": [1], "f1": [0.51234], "lr": [5e-5], "seconds": [1.234]})).to_html()
    assert "5.0e-05" in html and "0.5123" in html and "1.2" in html


def plain_fp32_evaluation(model, loader):
    """The reference: the loader's own batches in its order, fp32, per-token loss weights."""
    model.eval()
    outputs, total, count = [], 0.0, 0
    with torch.no_grad(), torch.autocast("cpu", enabled=False):
        for batch in loader:
            out = model(**batch)
            n = int((batch["labels"] != -100).sum())
            total, count = total + out.loss.item() * n, count + n
            lengths = batch["attention_mask"].sum(1)
            outputs += [p[:k].numpy() for p, k in zip(out.logits.argmax(-1), lengths)]
    return total / count, outputs


def test_evaluation_sorts_by_length_yet_gives_the_unsorted_outputs_in_order(task):
    model = new_model(task)
    _, tok, _, _, valid = task
    loader = make_loader(valid, tok, 4)
    want_loss, want = plain_fp32_evaluation(model, loader)
    shapes, modes = [], set()
    model.register_forward_pre_hook(lambda m, args, kwargs: shapes.append(tuple(kwargs["input_ids"].shape))
                                    or modes.add(torch.is_inference_mode_enabled()), with_kwargs=True)
    loss, outputs = evaluate(model, loader, precision="fp32", batch_size=4)
    assert [o.tolist() for o in outputs] == [o.tolist() for o in want]
    assert loss == pytest.approx(want_loss, rel=1e-5)
    assert modes == {True}, "evaluation runs under torch.inference_mode()"
    widths = [width for _, width in shapes]
    assert widths == sorted(widths, reverse=True) and len(set(widths)) > 1, "batches go longest first"
    unsorted = sum(len(b["input_ids"]) * b["input_ids"].shape[1] for b in loader)
    assert sum(n * width for n, width in shapes) < unsorted, "sorting leaves less padding to compute"
    shapes.clear()
    evaluate(model, loader, precision="fp32")
    assert shapes[0][0] == min(len(valid), helpers_train.EVAL_BATCH_SIZE) > loader.batch_size, "a bigger batch"


def test_evaluation_runs_in_the_chosen_precision(task):
    model = new_model(task)
    _, tok, _, _, valid = task
    seen = set()
    model.register_forward_pre_hook(lambda m, args: seen.add(torch.get_autocast_dtype("cpu")
                                                             if torch.is_autocast_enabled("cpu") else None))
    loss, outputs = evaluate(model, make_loader(valid, tok, 4), precision="bf16")
    assert seen == {torch.bfloat16} and loss > 0 and all(o.dtype.kind == "i" for o in outputs)
