import pytest
import torch

from helpers.data import NERDataset, build_label_maps, make_loader, subsample
from helpers.env import REPO_ROOT, seed_everything
from helpers.models import load_model
from helpers.readers import read_conll
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


def test_early_stopping_stops(task):
    model = new_model(task)
    # An absurd learning rate makes validation loss worse after the first epoch.
    history = fit(model, *loaders(task), epochs=6, lr=0.5, patience=0, progress=False)
    assert len(history) < 6
