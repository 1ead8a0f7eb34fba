"""Interruptions and repeatability: what a learner's laptop or a Colab disconnect does to training."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

SCRIPT = Path(__file__).parent / "scripts" / "train_small.py"


def run(*args, wait=True):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    cmd = [sys.executable, str(SCRIPT), *map(str, args)]
    if wait:
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_sigkill_mid_epoch_then_resume_gives_the_unbroken_weights(tmp_path):
    done = run(tmp_path / "a", tmp_path / "unbroken.pt")
    assert done.returncode == 0, done.stderr[-2000:]

    ckpt = tmp_path / "b" / "last.pt"
    proc = run(tmp_path / "b", tmp_path / "never.pt", "--slow", wait=False)
    deadline = time.time() + 240
    while not ckpt.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert ckpt.exists(), "no checkpoint after the first epoch"
    time.sleep(1.0)  # well inside epoch 2: each batch takes 0.3 s, an epoch 6 batches
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL and not (tmp_path / "never.pt").exists()
    state = torch.load(ckpt, weights_only=False)
    assert state["epoch"] == 1, "the kill should land in epoch 2"

    resumed = run(tmp_path / "b", tmp_path / "resumed.pt", "--resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "Resumed from" in resumed.stdout
    a, b = torch.load(tmp_path / "unbroken.pt"), torch.load(tmp_path / "resumed.pt")
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name
    assert not list((tmp_path / "b").glob("*.tmp*"))


def test_same_seed_same_metrics(tiny):
    from helpers.data import NERDataset, build_label_maps, make_loader, subsample
    from helpers.env import REPO_ROOT, seed_everything
    from helpers.models import load_model
    from helpers.readers import read_conll
    from helpers.train import fit

    choice, tok = tiny
    sents = subsample(read_conll(REPO_ROOT / "data/ner/train.txt", verbose=False), 40, seed=5)
    label2id, _ = build_label_maps([s.tags for s in sents])
    train, valid = NERDataset(sents[:30], tok, label2id, 48), NERDataset(sents[30:], tok, label2id, 48)

    def once():
        seed_everything(7)
        model = load_model(choice, "ner", label2id)
        history = fit(model, make_loader(train, tok, 8, shuffle=True, group_by_length=True),
                      make_loader(valid, tok, 8), epochs=2, lr=1e-3, metric_fn=valid.score, progress=False)
        return history.drop(columns=["seconds"])

    first, second = once(), once()
    assert first.equals(second)


def test_a_600_word_sentence_is_truncated_with_a_warning_and_still_scored(tiny):
    import pytest

    from helpers.data import IGNORE, NERDataset
    from helpers.readers import Sentence

    _, tok = tiny
    words = ["Mirelva", "said", "."] * 200
    tags = ["B-PER", "O", "O"] * 200
    with pytest.warns(UserWarning, match=r"cut \d+ words from 1 sentences"):
        ds = NERDataset([Sentence(words, tags)], tok, {"O": 0, "B-PER": 1}, max_length=128)
    assert 400 < ds.truncated_words < 600
    perfect = [[0 if l == IGNORE else l for l in ds[0]["labels"]]]
    scores = ds.score(perfect)
    kept_entities = 200 - sum(1 for i in range(0, 600, 3) if i >= 600 - ds.truncated_words)
    assert len(ds.decode(perfect)[0]) == 600
    assert scores["recall"] == pytest.approx(kept_entities / 200)  # cut entities count as misses
