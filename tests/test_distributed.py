"""`fit` under torchrun with 2 CPU processes (gloo) learns like one process with the same global batch."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "train_ner.py"
COMMON = ["--epochs", "2", "--subset", "64", "--model", "kit-tiny", "--lr", "1e-3", "--no-shuffle", "--no-dropout"]


def run(cmd, tmp_path):
    env = dict(os.environ, KIT_PROFILE="smoke", OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


def test_two_processes_match_one(tmp_path):
    pytest.importorskip("torch.distributed.run")
    single = tmp_path / "single.json"
    run([sys.executable, str(SCRIPT), *COMMON, "--batch-size", "8", "--history", str(single)], tmp_path)
    double = tmp_path / "double.json"
    run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         str(SCRIPT), *COMMON, "--batch-size", "4", "--history", str(double)], tmp_path)
    one, two = json.loads(single.read_text()), json.loads(double.read_text())
    assert len(one["train_loss"]) == len(two["train_loss"]) == 2
    # Same global batches; the only difference is that each process averages over its own tokens.
    for a, b in zip(one["train_loss"] + one["valid_loss"], two["train_loss"] + two["valid_loss"]):
        assert b == pytest.approx(a, rel=0.01)  # a batch of 4 on one process is ~8 % off
    # Learning happened in both, so the match is not two untrained models agreeing.
    assert one["train_loss"][1] < one["train_loss"][0] and two["train_loss"][1] < two["train_loss"][0]
